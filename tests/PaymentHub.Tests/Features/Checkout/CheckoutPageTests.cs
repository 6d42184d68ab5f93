using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Checkout;

public sealed class CheckoutPageTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly Payments.Checkout _checkout = new(app);

    [Fact]
    public async Task CheckoutPage_InTestMode_ShowsSummaryBannerAndLabelledCardForm()
    {
        var (_, path) = await _checkout.CreateAsync(new IntentBuilder()
            .With("order_items", new JsonArray(
                new JsonObject { ["name"] = "Widget <b>", ["quantity"] = 2, ["price"] = 30 },
                new JsonObject { ["name"] = "Gadget", ["quantity"] = 1, ["price"] = 15 }))
            .With("tax", 10).With("discount", 5));

        var response = await _checkout.Browser().GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Default merchant", html);
        Assert.Contains("Widget &lt;b&gt; × 2", html);
        Assert.Contains("$60.00", html);
        Assert.Contains("Tax", html);
        Assert.Contains("Discount", html);
        Assert.Contains("data-testid=\"total\">$80.00", html);
        Assert.Contains("Test mode.", html);
        Assert.Contains("4242 4242 4242 4242", html);
        Assert.Contains("<label for=\"name_on_card\">Name on card</label>", html);
        Assert.Contains("<label for=\"card_number\">Card number</label>", html);
        Assert.Contains("<label for=\"card_expiry\">Expiry (MM/YY)</label>", html);
        Assert.Contains("<label for=\"card_cvc\">CVC</label>", html);
        foreach (var autocomplete in new[] { "cc-name", "cc-number", "cc-exp", "cc-csc" })
            Assert.Contains($"autocomplete=\"{autocomplete}\"", html);
        Assert.Contains("<span class=\"label\">Pay $80.00</span></button>", html);
        Assert.Contains(">Cancel</button>", html);
        Assert.Contains("name=\"viewport\"", html);
    }

    [Fact]
    public async Task CheckoutPage_ForRecurringIntent_StatesTheTerms()
    {
        var (_, path) = await _checkout.CreateAsync(new IntentBuilder().Recurring(30));

        var html = await (await _checkout.Browser().GetAsync(path)).Content.ReadAsStringAsync();

        Assert.Contains("$80.00 every 30 days, first charge today", html);
    }

    [Fact]
    public async Task CheckoutPage_InYen_WritesAmountsWithTheSymbolAndNoDecimals()
    {
        var (_, path) = await _checkout.CreateAsync(new IntentBuilder().Recurring(30).With("currency", "JPY").With("amount", 1200)
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "Tea", ["quantity"] = 2, ["price"] = 600 })));

        var html = await (await _checkout.Browser().GetAsync(path)).Content.ReadAsStringAsync();

        Assert.Contains("<td class=\"num\">¥1,200</td>", html);
        Assert.Contains("data-testid=\"total\">¥1,200<", html);
        Assert.Contains("Pay ¥1,200", html);
        Assert.Contains("¥1,200 every 30 days, first charge today", html);
        Assert.DoesNotContain("JPY", html);
    }

    [Fact]
    public async Task CheckoutPage_InUrlMode_RefusesToBeFramed()
    {
        var (_, path) = await _checkout.CreateAsync(new IntentBuilder());

        var response = await _checkout.Browser().GetAsync(path);

        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task CheckoutPage_InIframeMode_IsFramableByTheMerchantsOriginAndPostsStarted()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder("IFRAME-1").With("integration_type", "iframe").Without("success_url").Without("cancel_url"));
        var writer = app.Services.GetRequiredService<DbWriter>();
        await writer.WriteAsync(tx => tx.Connection.ExecuteAsync("UPDATE merchants SET allowed_origins = 'https://shop.example'", transaction: tx.Transaction));
        try
        {
            var response = await _checkout.Browser().GetAsync(path);
            var html = await response.Content.ReadAsStringAsync();

            Assert.False(response.Headers.Contains("X-Frame-Options"));
            Assert.Contains("frame-ancestors https://shop.example", response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Contains("emit(\"payment.started\"", html);
            Assert.Contains("var targets = [\"https://shop.example\"]", html);
            Assert.Contains($"intent_id: \"{id}\"", html);
            Assert.Contains("client_reference_id: \"IFRAME-1\"", html);
        }
        finally
        {
            await writer.WriteAsync(tx => tx.Connection.ExecuteAsync("UPDATE merchants SET allowed_origins = NULL", transaction: tx.Transaction));
        }
    }

    [Fact]
    public async Task CheckoutPage_InIframeMode_AfterPaying_PostsSuccessToTheParent()
    {
        var (_, path) = await _checkout.CreateAsync(new IntentBuilder().With("integration_type", "iframe"));

        var response = await _checkout.PayAsync(_checkout.Browser(), path);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Payment successful", html);
        Assert.Contains("event: \"payment.success\"", html);
        Assert.Contains("status: \"succeeded\"", html);
    }

    [Theory]
    [InlineData("automatic")]
    [InlineData("manual")]
    public async Task PaidPage_NamesTheCardThatPaid_AndTheCustomersEmail_WhenPaidAndWhenOpenedAgain(string captureMethod)
    {
        var (_, path) = await _checkout.CreateAsync(new IntentBuilder().With("integration_type", "iframe")
            .With("capture_method", captureMethod).With("email", "jane.doe@shop.example"));

        var paid = await (await _checkout.PayAsync(_checkout.Browser(), path, "5555 5555 5555 4444")).Content.ReadAsStringAsync();
        var reopened = await (await _checkout.Browser().GetAsync(path)).Content.ReadAsStringAsync();

        foreach (var html in new[] { paid, reopened })
        {
            Assert.Contains("Payment successful", html);
            Assert.Contains("<table class=\"receipt\" aria-label=\"Payment details\">", html);
            Assert.Contains("<td data-testid=\"paid-with\">Mastercard <span class=\"last4\"><span aria-hidden=\"true\">••••</span><span class=\"sr\">ending in</span> 4444</span></td>", html);
            Assert.Contains("<td data-testid=\"customer\">jane.doe@shop.example</td>", html);
            Assert.DoesNotContain("5555 5555", html);
        }
    }

    [Fact]
    public async Task PaidPage_AfterADeclineThenAnotherCard_NamesTheCardThatPaid()
    {
        var (_, path) = await _checkout.CreateAsync(new IntentBuilder().With("integration_type", "iframe"));
        await _checkout.PayAsync(_checkout.Browser(), path, Payments.Checkout.Decline);

        var html = await (await _checkout.PayAsync(_checkout.Browser(), path, "3782 822463 10005", cvc: "1234")).Content.ReadAsStringAsync();

        Assert.Contains("<td data-testid=\"paid-with\">American Express <span class=\"last4\">", html);
        Assert.Contains("ending in</span> 0005</span>", html);
    }

    [Fact]
    public async Task ClosedPages_OtherThanPaid_HaveNoReceipt()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());
        await app.Api().PostAsync($"/api/platform/intents/{id}/cancel", null);

        var html = await (await _checkout.Browser().GetAsync(path)).Content.ReadAsStringAsync();

        Assert.Contains("Payment cancelled", html);
        Assert.DoesNotContain("Payment details", html);
        Assert.DoesNotContain("data-testid=\"customer\"", html);
    }

    [Theory]
    [InlineData("cancel", "Payment cancelled")]
    [InlineData("pay", "Payment successful")]
    public async Task CheckoutPage_ForAClosedIntent_SaysSoWithoutAForm(string action, string title)
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());
        if (action == "cancel") await app.Api().PostAsync($"/api/platform/intents/{id}/cancel", null);
        else await _checkout.PayAsync(_checkout.Browser(), path);

        var html = await (await _checkout.Browser().GetAsync(path)).Content.ReadAsStringAsync();

        Assert.Contains(title, html);
        Assert.DoesNotContain("id=\"card_number\"", html);
    }

    [Fact]
    public async Task CheckoutData_ReturnsThePagesDataAsJson()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder("WIDGET-1").Recurring(14).With("currency", "JPY").With("amount", 1200)
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "Plan", ["quantity"] = 1, ["price"] = 1200 })));
        var token = path.Split('/')[^1];

        var response = await _checkout.Browser().GetAsync($"/api/checkout/{token}");
        var data = (await response.Body())["data"]!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, (string)data["intent_id"]!);
        Assert.Equal("WIDGET-1", (string)data["reference_id"]!);
        Assert.True((bool)data["payable"]!);
        Assert.Equal("1200", (string)data["amount"]!);
        Assert.Equal(0, (int)data["currency_decimals"]!);
        Assert.Equal("JPY 1200 every 14 days, first charge today", (string)data["recurring_terms"]!);
        var display = data["display"]!;
        Assert.Equal("¥1,200", (string)display["amount"]!);
        Assert.Null(display["tax"]);
        Assert.Equal("¥1,200 every 14 days, first charge today", (string)display["recurring_terms"]!);
        Assert.Equal("¥1,200", (string)data["order_items"]![0]!["display"]!["total"]!);
        Assert.Equal("simulator", (string)data["gateway"]!);
        Assert.Equal("Plan", (string)data["order_items"]![0]!["name"]!);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task CheckoutData_UnknownToken_Returns404Envelope()
    {
        var response = await _checkout.Browser().GetAsync("/api/checkout/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False((bool)(await response.Body())["success"]!);
    }

    [Fact]
    public async Task CheckoutPage_InLiveModeWithoutGatewaySettings_SaysPaymentsAreUnavailable()
    {
        var live = await app.CreateClientAsync(await app.CreateMerchantAsync(), "live");
        var created = await app.Api(live.ClientId, live.ClientSecret).PostJson("/api/platform/intents", new IntentBuilder().Json());
        var path = new Uri((string)(await created.Body())["data"]!["payment_url"]!).AbsolutePath;

        var response = await _checkout.Browser().GetAsync(path);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Payments unavailable", html);
        Assert.DoesNotContain("pay-form", html);
    }

    [Fact]
    public async Task CheckoutPage_InLiveMode_CollectsTheCardWithCollectJs()
    {
        var live = await app.CreateClientAsync(await app.CreateMerchantAsync(), "live");
        await app.Services.GetRequiredService<IGatewaySettingsStore>().SaveAsync(live.MerchantId, "live",
            new GatewaySettingsUpdate("nmi", "security-key-123456", "tok-abc-123", null), CancellationToken.None);
        var created = await app.Api(live.ClientId, live.ClientSecret).PostJson("/api/platform/intents", new IntentBuilder().Json());
        var path = new Uri((string)(await created.Body())["data"]!["payment_url"]!).AbsolutePath;

        var response = await _checkout.Browser().GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Contains("src=\"https://secure.nmi.com/token/Collect.js\" data-tokenization-key=\"tok-abc-123\"", html);
        Assert.Contains("name=\"payment_token\"", html);
        Assert.DoesNotContain("id=\"card_number\"", html);
        Assert.DoesNotContain("Test mode.", html);
        Assert.DoesNotContain("security-key-123456", html);
        Assert.Contains("https://secure.nmi.com", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public void TheAntiforgeryCookie_IsNamedBeforeAspNetCoresSetupRuns()
    {
        // Options configurations run in the order they were registered. Unless one before ASP.NET Core's
        // own setup names the cookie, that setup hashes the application's name into a default name at
        // the first resolve, during start-up, which loads OpenSSL into every server for a name that is
        // replaced anyway.
        var configurations = app.Services.GetServices<IConfigureOptions<AntiforgeryOptions>>().ToList();
        var setup = configurations.FindIndex(c => c.GetType().Assembly == typeof(AntiforgeryOptions).Assembly);
        Assert.True(setup >= 0, "ASP.NET Core's anti-forgery options setup is registered");
        var named = new AntiforgeryOptions();
        foreach (var configuration in configurations.Take(setup)) configuration.Configure(named);

        Assert.Equal("ph_af", named.Cookie.Name);
        var options = app.Services.GetRequiredService<IOptions<AntiforgeryOptions>>().Value;
        Assert.Equal("ph_af", options.Cookie.Name);
        Assert.Equal("__af", options.FormFieldName);
    }
}
