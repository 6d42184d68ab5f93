using System.Net;
using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Checkout;

/// <summary>GET /pay/{token}: the hosted checkout, or a clear page when the intent cannot be paid.</summary>
public sealed class ShowCheckoutTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly HttpClient _api = app.Api();

    private async Task<(HttpStatusCode Status, string Html)> Page(string token)
    {
        var response = await app.CreateClient().GetAsync($"/pay/{token}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("no-such-token")]
    [InlineData("pi_00000000-0000-0000-0000-000000000000")]
    public async Task Checkout_WithUnknownToken_Returns404Page(string token)
    {
        var (status, html) = await Page(token);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("Payment link not found", html);
    }

    [Fact]
    public async Task Checkout_ByIntentId_IsNotFound()
    {
        var id = await _api.CreateIntentIdAsync();

        var (status, _) = await Page(id);

        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task Checkout_OfPayableIntent_ShowsMerchantItemsAndTotal()
    {
        var intent = await _api.CreateIntentAsync(new IntentBuilder().With("amount", "95.50").With("tax", 5.5)
            .With("order_items", new JsonArray(
                new JsonObject { ["name"] = "Blue mug <large>", ["quantity"] = 2, ["price"] = 20 },
                new JsonObject { ["name"] = "Teapot", ["quantity"] = 1, ["price"] = 50 })));

        var (status, html) = await Page(IntentCalls.Token(intent));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Pay Default merchant", html);
        Assert.Contains("Blue mug &lt;large&gt; × 2", html);
        Assert.DoesNotContain("<large>", html);
        Assert.Contains("Teapot", html);
        Assert.Contains("$40.00", html);
        Assert.Contains("data-testid=\"total\">$95.50<", html);
        Assert.Contains("Test mode.", html);
    }

    [Fact]
    public async Task Checkout_OfRecurringIntent_ShowsTheTerms()
    {
        var intent = await _api.CreateIntentAsync(new IntentBuilder().Recurring(30));

        var (_, html) = await Page(IntentCalls.Token(intent));

        Assert.Contains("$80.00 every 30 days", html);
    }

    [Fact]
    public async Task Checkout_OfCancelledIntent_SaysCancelled()
    {
        var intent = await _api.CreateIntentAsync();
        await Envelopes.AssertOk(await _api.CancelAsync((string)intent["intent_id"]!));

        var (status, html) = await Page(IntentCalls.Token(intent));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Payment cancelled", html);
        Assert.DoesNotContain("<h1>Checkout</h1>", html);
    }

    [Fact]
    public async Task Checkout_PastExpiresAt_SaysExpired()
    {
        var intent = await _api.CreateIntentAsync(new IntentBuilder().With("expires_in_minutes", 5));
        var token = IntentCalls.Token(intent);
        app.Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Contains("<h1>Checkout</h1>", (await Page(token)).Html);

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var (status, html) = await Page(token);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Payment link expired", html);
        Assert.DoesNotContain("<h1>Checkout</h1>", html);
    }
}
