using System.Text.Json.Nodes;
using PaymentHub.Tests.Features.Payments;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>allowed_origins: which sites may frame an iframe checkout and receive its events.</summary>
public sealed class AllowedOriginsTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private IntentBuilder Iframe() => new IntentBuilder().With("integration_type", "iframe").Without("success_url").Without("cancel_url");

    [Fact]
    public async Task CreateIntent_WithOrigins_StoresThemNormalised_AndTheCheckoutUsesThemAlone()
    {
        var api = app.Api();
        var intent = await api.CreateIntentAsync(Iframe().With("allowed_origins",
            new JsonArray("HTTPS://Shop.Example/", "https://pay.shop.example:8443", "https://shop.example")));

        Assert.Equal(["https://shop.example", "https://pay.shop.example:8443"], intent["allowed_origins"]!.AsArray().Select(o => (string?)o));
        var page = await new PaymentHub.Tests.Features.Payments.Checkout(app).Browser().GetAsync($"/pay/{IntentCalls.Token(intent)}");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("frame-ancestors https://shop.example https://pay.shop.example:8443;", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("var targets = [\"https://shop.example\",\"https://pay.shop.example:8443\"]", html);
        Assert.DoesNotContain("\"*\"", html);
    }

    [Fact]
    public async Task IframeIntent_WithoutOrigins_IsFramableByAnySite_AndItsLogSaysSo()
    {
        var api = app.Api();
        var intent = await api.CreateIntentAsync(Iframe());
        var id = (string)intent["intent_id"]!;

        Assert.Empty(intent["allowed_origins"]!.AsArray());
        var page = await new PaymentHub.Tests.Features.Payments.Checkout(app).Browser().GetAsync($"/pay/{IntentCalls.Token(intent)}");
        Assert.Contains("frame-ancestors *", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("var targets = [\"*\"]", await page.Content.ReadAsStringAsync());
        var logs = (await Envelopes.AssertOk(await api.GetAsync($"/api/platform/intents/{id}/logs")))["items"]!.AsArray();
        var open = Assert.Single(logs, l => (string?)l!["event_type"] == "intent.frame_open");
        Assert.Contains("any website may frame it", (string)open!["message"]!);
    }

    [Fact]
    public async Task UrlIntent_WithoutOrigins_HasNoFrameWarning()
    {
        var api = app.Api();
        var id = await api.CreateIntentIdAsync();

        var logs = (await Envelopes.AssertOk(await api.GetAsync($"/api/platform/intents/{id}/logs")))["items"]!.AsArray();
        Assert.DoesNotContain(logs, l => (string?)l!["event_type"] == "intent.frame_open");
    }

    [Theory]
    [InlineData("http://shop.example")]
    [InlineData("https://shop.example/checkout")]
    [InlineData("https://shop.example?x=1")]
    [InlineData("https://user@shop.example")]
    [InlineData("https://*.shop.example")]
    [InlineData("*")]
    [InlineData("shop.example")]
    public async Task CreateIntent_WithAnInexactOrigin_Returns422ForThatEntry(string origin)
    {
        var response = await app.Api().PostJson(IntentCalls.Intents, Iframe().With("allowed_origins", new JsonArray("https://ok.example", origin)).Json());

        await Envelopes.AssertValidationError(response, "allowed_origins.1",
            "The allowed origins.1 must be an exact https origin such as https://shop.example (scheme, host and optional port, no path).");
    }

    [Fact]
    public async Task CreateIntent_WithMoreThanTenOrigins_Returns422()
    {
        var origins = new JsonArray(Enumerable.Range(1, 11).Select(i => (JsonNode?)$"https://shop{i}.example").ToArray());

        var response = await app.Api().PostJson(IntentCalls.Intents, Iframe().With("allowed_origins", origins).Json());

        await Envelopes.AssertValidationError(response, "allowed_origins", "The allowed origins must not have more than 10 origins.");
    }

    [Fact]
    public async Task LocalhostOverHttp_IsAcceptedForTryingItOut()
    {
        var intent = await app.Api().CreateIntentAsync(Iframe().With("allowed_origins", new JsonArray("http://localhost:3000")));

        Assert.Equal("http://localhost:3000", (string?)intent["allowed_origins"]![0]);
    }
}
