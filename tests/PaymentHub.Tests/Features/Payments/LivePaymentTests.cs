using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Merchants;
using PaymentHub.Features.Payments;
using PaymentHub.Tests.Features.Gateways;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

/// <summary>Live mode end to end: the hosted checkout pays through the merchant's NMI account (a local fake NMI).</summary>
public sealed class LivePaymentTests : IClassFixture<LivePaymentTests.Factory>, IAsyncLifetime
{
    /// <summary>A short NMI timeout, so a hung gateway is a quick test.</summary>
    public sealed class Factory : PaymentHubFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("PaymentHub:Nmi:TimeoutSeconds", "1");
        }
    }

    private readonly Factory _app;
    private readonly Checkout _checkout;
    private FakeNmi _nmi = null!;
    private NewApiClient _live = null!;

    public LivePaymentTests(Factory app)
    {
        _app = app;
        _checkout = new Checkout(app);
    }

    public async Task InitializeAsync()
    {
        _nmi = await FakeNmi.StartAsync();
        _live = await _app.CreateClientAsync(await _app.CreateMerchantAsync(), "live");
        await _app.Services.GetRequiredService<IGatewaySettingsStore>().SaveAsync(_live.MerchantId, "live",
            new GatewaySettingsUpdate("nmi", FakeNmi.SecurityKey, "tok-public", _nmi.BaseUrl), CancellationToken.None);
    }

    public async Task DisposeAsync() => await _nmi.DisposeAsync();

    private async Task<(string Id, string Path)> CreateLiveAsync(IntentBuilder body)
    {
        var response = await _app.Api(_live.ClientId, _live.ClientSecret).PostJson("/api/platform/intents", body.Json());
        var data = (await response.Body())["data"]!;
        return ((string)data["intent_id"]!, new Uri((string)data["payment_url"]!).AbsolutePath);
    }

    private async Task<HttpResponseMessage> PayWithTokenAsync(string path)
    {
        var browser = _checkout.Browser();
        var token = await Checkout.AntiforgeryToken(await browser.GetAsync(path));
        return await browser.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__af"] = token, ["name_on_card"] = "Jane Customer", ["payment_token"] = FakeNmi.TestToken,
        }));
    }

    private async Task<System.Text.Json.Nodes.JsonNode> IntentAsync(string id)
    {
        var response = await _app.Api(_live.ClientId, _live.ClientSecret).GetAsync($"/api/platform/intents/{id}");
        return (await response.Body())["data"]!;
    }

    [Fact]
    public async Task Pay_InLiveMode_ChargesThroughNmiWithTheCollectJsToken()
    {
        var (id, path) = await CreateLiveAsync(new IntentBuilder());

        var response = await PayWithTokenAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var intent = await IntentAsync(id);
        Assert.Equal("succeeded", (string)intent["status"]!);
        Assert.True((bool)intent["livemode"]!);
        var sent = _nmi.LastTransact;
        Assert.Equal("sale", sent["type"]);
        Assert.Equal("80.00", sent["amount"]);
        Assert.Equal(FakeNmi.TestToken, sent["payment_token"]);
        Assert.False(sent.ContainsKey("ccnumber"));
        var sale = Assert.Single(_nmi.Ledger, t => t.OrderId == sent["orderid"]);
        Assert.Equal(sale.Id, (string)intent["charges"]![0]!["gateway_transaction_id"]!);
    }

    [Fact]
    public async Task Pay_Recurring_InLiveMode_StoresTheCardAsACustomerInitiatedStoredCredential()
    {
        var (id, path) = await CreateLiveAsync(new IntentBuilder().Recurring(30));

        await PayWithTokenAsync(path);

        var sent = _nmi.LastTransact;
        Assert.Equal("add_customer", sent["customer_vault"]);
        Assert.Equal("recurring", sent["billing_method"]);
        Assert.Equal("customer", sent["initiated_by"]);
        Assert.Equal("stored", sent["stored_credential_indicator"]);
        Assert.Equal("active", (string)(await IntentAsync(id))["subscription"]!["status"]!);
    }

    [Fact]
    public async Task Pay_WhenNmisAnswerIsLost_SettlesByOrderIdWithoutASecondCharge()
    {
        var (id, path) = await CreateLiveAsync(new IntentBuilder());
        _nmi.Fault = FakeNmi.Faults.DropAnswer;
        try
        {
            var response = await PayWithTokenAsync(path);

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        }
        finally
        {
            _nmi.Fault = FakeNmi.Faults.None;
        }
        var intent = await IntentAsync(id);
        Assert.Equal("succeeded", (string)intent["status"]!);
        var orderId = await _checkout.ScalarAsync<string>("SELECT order_id FROM charges WHERE intent_id = @id", new { id });
        Assert.Single(_nmi.Ledger, t => t.OrderId == orderId && t.Type == "sale");
        Assert.Equal(1, _nmi.Requests.Count(r => r.Path.EndsWith("transact.php", StringComparison.Ordinal) && r.Fields.GetValueOrDefault("orderid") == orderId));
    }

    [Fact]
    public async Task Pay_WhenNmiHangs_TheChargeStaysUnknownUntilSettled_ThenFailsAsNeverReceived()
    {
        var (id, path) = await CreateLiveAsync(new IntentBuilder());
        _nmi.Fault = FakeNmi.Faults.Hang;
        HttpResponseMessage response;
        try
        {
            response = await PayWithTokenAsync(path);
        }
        finally
        {
            _nmi.Fault = FakeNmi.Faults.None;
        }

        Assert.Contains("Confirming your payment", await response.Content.ReadAsStringAsync());
        var intent = await IntentAsync(id);
        Assert.Equal("processing", (string)intent["status"]!);
        Assert.Equal("unknown", (string)intent["charges"]![0]!["status"]!);
        var page = await _checkout.Browser().GetAsync(path);
        Assert.DoesNotContain("id=\"pay-form\"", await page.Content.ReadAsStringAsync());

        var payments = _app.Services.GetRequiredService<PaymentService>();
        Assert.Equal(0, await payments.SettleAsync(TimeSpan.Zero, 10, CancellationToken.None));
        _app.Clock.Advance(TimeSpan.FromMinutes(16));
        try
        {
            Assert.Equal(1, await payments.SettleAsync(TimeSpan.Zero, 10, CancellationToken.None));
        }
        finally
        {
            _app.Clock.Advance(TimeSpan.FromMinutes(-16));
        }

        intent = await IntentAsync(id);
        Assert.Equal("requires_payment", (string)intent["status"]!);
        Assert.Equal("not_received", (string)intent["charges"]![0]!["failure_code"]!);
        var orderId = await _checkout.ScalarAsync<string>("SELECT order_id FROM charges WHERE intent_id = @id ORDER BY id LIMIT 1", new { id });
        Assert.DoesNotContain(_nmi.Ledger, t => t.OrderId == orderId);
        var again = await PayWithTokenAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
    }
}
