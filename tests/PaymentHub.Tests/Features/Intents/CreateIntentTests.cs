using System.Net;
using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>The valid side of the create-intent rules (docs/api.md): what is accepted, how it is stored and rendered.</summary>
public sealed class CreateIntentTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly HttpClient _api = app.Api();

    private static IntentBuilder OneItem(string currency, JsonNode amount) =>
        new IntentBuilder().With("currency", currency).With("amount", amount)
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "Item", ["quantity"] = 1, ["price"] = amount.DeepClone() }));

    [Theory]
    [InlineData("USD", "80", "80.00", 8000)]
    [InlineData("USD", "\"80\"", "80.00", 8000)]
    [InlineData("USD", "\"50.10\"", "50.10", 5010)]
    [InlineData("USD", "12.3", "12.30", 1230)]
    [InlineData("USD", "1", "1.00", 100)]
    [InlineData("USD", "999999999.99", "999999999.99", 99999999999)]
    [InlineData("USD", "10.500", "10.50", 1050)]
    [InlineData("JPY", "80", "80", 80)]
    [InlineData("JPY", "\"80\"", "80", 80)]
    [InlineData("KWD", "1.234", "1.234", 1234)]
    [InlineData("KWD", "\"5\"", "5.000", 5000)]
    [InlineData("usd", "80", "80.00", 8000)]
    [InlineData("jpy", "1", "1", 1)]
    public async Task CreateIntent_WithValidAmount_StoresMinorUnitsAndRendersCurrencyDecimals(string currency, string amount, string rendered, long minor)
    {
        var body = OneItem(currency, JsonNode.Parse(amount)!);

        var data = await _api.CreateIntentAsync(body);

        Assert.Equal(rendered, (string?)data["amount"]);
        Assert.Equal(currency.ToUpperInvariant(), (string?)data["currency"]);
        Assert.Equal(rendered, (string?)data["order_items"]![0]!["price"]);
        var id = (string)data["intent_id"]!;
        Assert.Equal(minor, app.Scalar<long>("SELECT amount FROM intents WHERE id = @id", new { id }));
        Assert.Equal(currency.ToUpperInvariant(), app.Scalar<string>("SELECT currency FROM intents WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task CreateIntent_Valid_ReturnsTheDocumentedFields()
    {
        var data = await _api.CreateIntentAsync();

        Assert.Matches("^pi_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", (string?)data["intent_id"]);
        Assert.Equal((string?)data["intent_id"], (string?)data["id"]);
        Assert.Equal("requires_payment", (string?)data["status"]);
        Assert.Equal("80.00", (string?)data["amount"]);
        Assert.Matches("^https://pay.example.test/pay/[A-Za-z0-9_-]{32}$", (string?)data["payment_url"]);
        Assert.Equal("one_time", (string?)data["type"]);
        Assert.Equal("url", (string?)data["integration_type"]);
        Assert.Equal("automatic", (string?)data["capture_method"]);
        Assert.False((bool)data["livemode"]!);
        Assert.Empty(data["charges"]!.AsArray());
    }

    [Fact]
    public async Task CreateIntent_PaymentTokenIsNotTheIntentId()
    {
        var data = await _api.CreateIntentAsync();

        var token = IntentCalls.Token(data);
        Assert.DoesNotContain(token, (string)data["intent_id"]!);
        Assert.Equal(token, app.Scalar<string>("SELECT payment_token FROM intents WHERE id = @id", new { id = (string)data["intent_id"]! }));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(3650)]
    [InlineData("\"14\"")]
    public async Task CreateIntent_RecurringWithIntervalDays_Returns200(object interval)
    {
        var body = new IntentBuilder().With("intent_type", "recurring").With("interval_days", JsonNode.Parse(interval.ToString()!));

        var data = await _api.CreateIntentAsync(body);

        Assert.Equal("recurring", (string?)data["type"]);
        Assert.Equal(long.Parse(interval.ToString()!.Trim('"')), (long)data["interval_days"]!);
    }

    [Fact]
    public async Task CreateIntent_OneTimeWithNullIntervalDays_Returns200()
    {
        var data = await _api.CreateIntentAsync(new IntentBuilder().With("interval_days", null));

        Assert.Null(data["interval_days"]);
    }

    [Fact]
    public async Task CreateIntent_IframeWithoutUrls_Returns200()
    {
        var body = new IntentBuilder().With("integration_type", "iframe").Without("success_url").Without("cancel_url");

        var data = await _api.CreateIntentAsync(body);

        Assert.Equal("iframe", (string?)data["integration_type"]);
        Assert.Null(data["success_url"]);
        Assert.Null(data["cancel_url"]);
    }

    [Fact]
    public async Task CreateIntent_ExplicitUrlIntegration_EchoesUrls()
    {
        var body = new IntentBuilder().With("integration_type", "url").With("fail_url", "http://example.com/fail?x=1");

        var data = await _api.CreateIntentAsync(body);

        Assert.Equal("https://example.com/success", (string?)data["success_url"]);
        Assert.Equal("https://example.com/cancel", (string?)data["cancel_url"]);
        Assert.Equal("http://example.com/fail?x=1", (string?)data["fail_url"]);
    }

    [Theory]
    [InlineData("automatic")]
    [InlineData("manual")]
    public async Task CreateIntent_WithCaptureMethod_EchoesIt(string method)
    {
        var data = await _api.CreateIntentAsync(new IntentBuilder().With("capture_method", method));

        Assert.Equal(method, (string?)data["capture_method"]);
    }

    [Theory]
    [InlineData(null, "2026-11-23T12:00:00.000000Z")]
    [InlineData(5, "2026-11-22T12:05:00.000000Z")]
    [InlineData(60, "2026-11-22T13:00:00.000000Z")]
    [InlineData(43200, "2026-12-22T12:00:00.000000Z")]
    public async Task CreateIntent_ExpiresInMinutes_SetsExpiresAt(int? minutes, string expiresAt)
    {
        var body = new IntentBuilder();
        if (minutes is { } m) body.With("expires_in_minutes", m);

        var data = await _api.CreateIntentAsync(body);

        // The class never moves the clock, so times are exact.
        Assert.Equal(expiresAt, (string?)data["expires_at"]);
        Assert.Equal("2026-11-22T12:00:00.000000Z", (string?)data["created_at"]);
    }

    [Fact]
    public async Task CreateIntent_TaxDiscountAndItems_AreRenderedAsMoney()
    {
        var body = new IntentBuilder().With("tax", "10").With("discount", 5.5).With("customer_ref_id", "CUST-1")
            .With("order_items", new JsonArray(
                new JsonObject { ["name"] = "Product 1", ["quantity"] = 1, ["price"] = 50.00 },
                new JsonObject { ["name"] = "Product 2", ["quantity"] = "2", ["price"] = "25" }));

        var data = await _api.CreateIntentAsync(body);

        Assert.Equal("10.00", (string?)data["tax"]);
        Assert.Equal("5.50", (string?)data["discount"]);
        Assert.Equal("CUST-1", (string?)data["customer_ref_id"]);
        var items = data["order_items"]!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.Equal("Product 2", (string?)items[1]!["name"]);
        Assert.Equal(2, (long)items[1]!["quantity"]!);
        Assert.Equal("25.00", (string?)items[1]!["price"]);
    }

    [Fact]
    public async Task CreateIntent_ZeroTaxDiscountAndPrice_AreAccepted()
    {
        var body = new IntentBuilder().With("tax", 0).With("discount", 0)
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "Free gift", ["quantity"] = 1, ["price"] = 0 }));

        var data = await _api.CreateIntentAsync(body);

        Assert.Equal("0.00", (string?)data["tax"]);
        Assert.Equal("0.00", (string?)data["order_items"]![0]!["price"]);
    }

    [Fact]
    public async Task CreateIntent_AmountIsNotCheckedAgainstItems()
    {
        var body = new IntentBuilder().With("amount", 1)
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "A", ["quantity"] = 3, ["price"] = 500 }));

        var data = await _api.CreateIntentAsync(body);

        Assert.Equal("1.00", (string?)data["amount"]);
    }

    [Fact]
    public async Task CreateIntent_WithMetadataAtTheLimits_EchoesIt()
    {
        var metadata = new JsonObject();
        for (var i = 0; i < 49; i++) metadata[$"k{i}"] = i;
        metadata[new string('k', 40)] = new string('v', 500);

        var data = await _api.CreateIntentAsync(new IntentBuilder().With("metadata", metadata));

        var echoed = data["metadata"]!.AsObject();
        Assert.Equal(50, echoed.Count);
        Assert.Equal(new string('v', 500), (string?)echoed[new string('k', 40)]);
        Assert.Equal(7, (int)echoed["k7"]!);
    }

    [Fact]
    public async Task CreateIntent_WithScalarMetadataValues_EchoesThem()
    {
        var metadata = new JsonObject { ["s"] = "x", ["n"] = 1.5, ["b"] = true, ["z"] = null };

        var data = await _api.CreateIntentAsync(new IntentBuilder().With("metadata", metadata));

        Assert.True(JsonNode.DeepEquals(metadata, data["metadata"]));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("Order_2026-01")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task CreateIntent_WithValidReferenceId_Returns200(string reference)
    {
        var scoped = reference.Length == 100 ? reference : reference + "-" + Guid.NewGuid().ToString("N")[..8];

        var data = await _api.CreateIntentAsync(new IntentBuilder(scoped));

        Assert.Equal(scoped, (string?)data["reference_id"]);
    }

    [Fact]
    public async Task CreateIntent_WithUnknownFields_IgnoresThem()
    {
        var body = new IntentBuilder().With("favourite_colour", "blue").With("nested", new JsonObject { ["x"] = 1 });

        var data = await _api.CreateIntentAsync(body);

        Assert.Null(data["favourite_colour"]);
    }

    [Fact]
    public async Task CreateIntent_WithDuplicateReference_Returns409WithTheExistingIntentId()
    {
        var reference = "DUP-" + Guid.NewGuid().ToString("N")[..12];
        var first = await _api.CreateIntentIdAsync(new IntentBuilder(reference));

        var response = await _api.PostJson(IntentCalls.Intents, new IntentBuilder(reference).With("amount", 99).Json());

        var body = await Envelopes.AssertError(response, HttpStatusCode.Conflict,
            $"A payment intent with reference_id '{reference}' already exists.");
        Assert.Equal(first, (string?)body["data"]!["intent_id"]);
        Assert.Equal(1, app.Scalar<long>("SELECT COUNT(*) FROM intents WHERE reference_id = @reference", new { reference }));
        Assert.Equal(8000, app.Scalar<long>("SELECT amount FROM intents WHERE reference_id = @reference", new { reference }));
    }

    [Fact]
    public async Task CreateIntent_WritesItemsAndACreationLog()
    {
        var id = await _api.CreateIntentIdAsync();

        Assert.Equal(1, app.Scalar<long>("SELECT COUNT(*) FROM intent_items WHERE intent_id = @id", new { id }));
        Assert.Equal("api", app.Scalar<string>("SELECT actor_type FROM intent_logs WHERE intent_id = @id AND event_type = 'intent.created'", new { id }));
    }
}
