using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Payments;
using PaymentHub.Tests.Features.Gateways;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

/// <summary>Live mode end to end: the hosted checkout pays through the merchant's NMI account (a local fake NMI).</summary>
public sealed class LivePaymentTests(ShortNmiTimeoutFactory app) : LiveModeTests(app)
{
    private readonly Checkout _checkout = new(app);

    private Task<(string Id, string Path)> CreateLiveAsync(IntentBuilder body) => Live.CreateIntentAsync(body);

    private Task<HttpResponseMessage> PayWithTokenAsync(string path) => Live.PayWithTokenAsync(path);

    private async Task<System.Text.Json.Nodes.JsonNode> IntentAsync(string id)
    {
        var response = await Live.Api().GetAsync($"/api/platform/intents/{id}");
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
        var sent = Nmi.LastTransact;
        Assert.Equal("sale", sent["type"]);
        Assert.Equal("80.00", sent["amount"]);
        Assert.Equal(FakeNmi.TestToken, sent["payment_token"]);
        Assert.False(sent.ContainsKey("ccnumber"));
        var sale = Assert.Single(Nmi.Ledger, t => t.OrderId == sent["orderid"]);
        Assert.Equal(sale.Id, (string)intent["charges"]![0]!["gateway_transaction_id"]!);
    }

    [Fact]
    public async Task Pay_Recurring_InLiveMode_StoresTheCardAsACustomerInitiatedStoredCredential()
    {
        var (id, path) = await CreateLiveAsync(new IntentBuilder().Recurring(30));

        await PayWithTokenAsync(path);

        var sent = Nmi.LastTransact;
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
        Nmi.Fault = FakeNmi.Faults.DropAnswer;
        try
        {
            var response = await PayWithTokenAsync(path);

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        }
        finally
        {
            Nmi.Fault = FakeNmi.Faults.None;
        }
        var intent = await IntentAsync(id);
        Assert.Equal("succeeded", (string)intent["status"]!);
        var orderId = await _checkout.ScalarAsync<string>("SELECT order_id FROM charges WHERE intent_id = @id", new { id });
        Assert.Single(Nmi.Ledger, t => t.OrderId == orderId && t.Type == "sale");
        Assert.Equal(1, Nmi.Requests.Count(r => r.Path.EndsWith("transact.php", StringComparison.Ordinal) && r.Fields.GetValueOrDefault("orderid") == orderId));
    }

    [Fact]
    public async Task Pay_WhenNmiHangs_TheChargeStaysUnknownUntilSettled_ThenFailsAsNeverReceived()
    {
        var (id, path) = await CreateLiveAsync(new IntentBuilder());
        Nmi.Fault = FakeNmi.Faults.Hang;
        HttpResponseMessage response;
        try
        {
            response = await PayWithTokenAsync(path);
        }
        finally
        {
            Nmi.Fault = FakeNmi.Faults.None;
        }

        Assert.Contains("Confirming your payment", await response.Content.ReadAsStringAsync());
        var intent = await IntentAsync(id);
        Assert.Equal("processing", (string)intent["status"]!);
        Assert.Equal("unknown", (string)intent["charges"]![0]!["status"]!);
        var page = await _checkout.Browser().GetAsync(path);
        Assert.DoesNotContain("id=\"pay-form\"", await page.Content.ReadAsStringAsync());

        var payments = App.Services.GetRequiredService<PaymentService>();
        Assert.Equal(0, await payments.SettleAsync(TimeSpan.Zero, 10, CancellationToken.None));
        App.Clock.Advance(TimeSpan.FromMinutes(16));
        try
        {
            Assert.Equal(1, await payments.SettleAsync(TimeSpan.Zero, 10, CancellationToken.None));
        }
        finally
        {
            App.Clock.Advance(TimeSpan.FromMinutes(-16));
        }

        intent = await IntentAsync(id);
        Assert.Equal("requires_payment", (string)intent["status"]!);
        Assert.Equal("not_received", (string)intent["charges"]![0]!["failure_code"]!);
        var orderId = await _checkout.ScalarAsync<string>("SELECT order_id FROM charges WHERE intent_id = @id ORDER BY id LIMIT 1", new { id });
        Assert.DoesNotContain(Nmi.Ledger, t => t.OrderId == orderId);
        var again = await PayWithTokenAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
    }
}
