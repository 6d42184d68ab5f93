using System.Net;
using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

/// <summary>The capture and refund bodies' validators: both sides of each rule, in the intent's currency.</summary>
public sealed class CaptureAndRefundValidationTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly Checkout _checkout = new(app);

    /// <summary>An intent in <paramref name="currency"/> paid by card: captured at once, or (manual) only authorized.</summary>
    private async Task<string> PaidAsync(string currency = "USD", int amount = 80, bool manual = false)
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder().With("currency", currency).With("amount", amount)
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "Item", ["quantity"] = 1, ["price"] = amount }))
            .With("capture_method", manual ? "manual" : "automatic"));
        await _checkout.PayAsync(_checkout.Browser(), path);
        return id;
    }

    private Task<string> AuthorizedAsync(string currency = "USD", int amount = 80) => PaidAsync(currency, amount, manual: true);

    [Theory]
    [InlineData("\"abc\"", "The amount must be a number.")]
    [InlineData("10.001", "The amount must not have more than 2 decimal places.")]
    [InlineData("0", "The amount must be at least 0.01.")]
    [InlineData("0.001", "The amount must not have more than 2 decimal places.")]
    [InlineData("-5", "The amount must be at least 0.01.")]
    public async Task Capture_WithAnInvalidAmount_Returns422AndChangesNothing(string amount, string message)
    {
        var id = await AuthorizedAsync();

        var response = await app.Api().PostJson($"/api/platform/intents/{id}/capture", $$"""{"amount": {{amount}}}""");

        await Envelopes.AssertValidationError(response, "amount", message);
        var intent = await _checkout.IntentAsync(id);
        Assert.Equal("requires_capture", (string)intent["status"]!);
        Assert.Equal("authorized", (string)intent["charges"]![0]!["status"]!);
    }

    [Fact]
    public async Task Capture_InAZeroDecimalCurrency_FollowsThatCurrency()
    {
        var id = await AuthorizedAsync("JPY", 800);

        var fraction = await app.Api().PostJson($"/api/platform/intents/{id}/capture", new { amount = 10.5 });
        await Envelopes.AssertValidationError(fraction, "amount", "The amount must not have more than 0 decimal places.");
        var zero = await app.Api().PostJson($"/api/platform/intents/{id}/capture", new { amount = 0 });
        await Envelopes.AssertValidationError(zero, "amount", "The amount must be at least 1.");

        var whole = await app.Api().PostJson($"/api/platform/intents/{id}/capture", new { amount = "700" });
        Assert.Equal("700", (string)(await Envelopes.AssertOk(whole))["amount_captured"]!);
    }

    [Fact]
    public async Task Capture_WithTheSmallestUnit_IsValid()
    {
        var id = await AuthorizedAsync();

        var response = await app.Api().PostJson($"/api/platform/intents/{id}/capture", new { amount = "0.01" });

        Assert.Equal("0.01", (string)(await Envelopes.AssertOk(response))["amount_captured"]!);
    }

    [Fact]
    public async Task Capture_WithAnInvalidAmountOnAnotherMerchantsIntent_Returns404NotTheRules()
    {
        var id = await AuthorizedAsync();
        var other = await app.CreateClientAsync(await app.CreateMerchantAsync());

        var foreign = await app.Api(other).PostJson($"/api/platform/intents/{id}/capture", new { amount = 10.001 });
        var missing = await app.Api().PostJson("/api/platform/intents/pi_missing/capture", new { amount = "abc" });

        await Envelopes.AssertError(foreign, HttpStatusCode.NotFound, "Payment intent not found.");
        await Envelopes.AssertError(missing, HttpStatusCode.NotFound, "Payment intent not found.");
    }

    [Theory]
    [InlineData("\"ten\"", "The amount must be a number.")]
    [InlineData("1.234", "The amount must not have more than 2 decimal places.")]
    [InlineData("0.00", "The amount must be at least 0.01.")]
    public async Task Refund_WithAnInvalidAmount_Returns422AndReservesNothing(string amount, string message)
    {
        var id = await PaidAsync();

        var response = await app.Api().PostJson($"/api/platform/intents/{id}/refunds", $$"""{"amount": {{amount}}}""");

        await Envelopes.AssertValidationError(response, "amount", message);
        Assert.Equal("0.00", (string)(await _checkout.IntentAsync(id))["charges"]![0]!["amount_refunded"]!);
        Assert.Equal(0L, await _checkout.ScalarAsync<long>("SELECT COUNT(*) FROM refunds WHERE intent_id = @id", new { id }));
    }

    [Fact]
    public async Task Refund_ReasonUpTo500Characters_OverThatIs422()
    {
        var id = await PaidAsync();
        var api = app.Api();

        var tooLong = await api.PostJson($"/api/platform/intents/{id}/refunds", new { amount = 1, reason = new string('r', 501) });
        var longest = await api.PostJson($"/api/platform/intents/{id}/refunds", new { amount = 1, reason = new string('r', 500) });

        await Envelopes.AssertValidationError(tooLong, "reason", "The reason must not be greater than 500 characters.");
        Assert.Equal(500, ((string)(await Envelopes.AssertOk(longest))["reason"]!).Length);
    }

    [Fact]
    public async Task Refund_InAZeroDecimalCurrency_FollowsThatCurrency()
    {
        var id = await PaidAsync("JPY", 800);

        var fraction = await app.Api().PostJson($"/api/platform/intents/{id}/refunds", new { amount = "1.5" });
        await Envelopes.AssertValidationError(fraction, "amount", "The amount must not have more than 0 decimal places.");

        var whole = await app.Api().PostJson($"/api/platform/intents/{id}/refunds", new { amount = 1 });
        Assert.Equal("1", (string)(await Envelopes.AssertOk(whole))["amount"]!);
    }

    [Fact]
    public async Task Refund_MoreThanRefundable_IsStillA422ForAmount_FromTheHandler()
    {
        var id = await PaidAsync();

        var response = await app.Api().PostJson($"/api/platform/intents/{id}/refunds", new { amount = "1000000000000" });

        await Envelopes.AssertValidationError(response, "amount", "The amount must not be greater than the refundable 80.00.");
    }
}
