using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>The invalid side of every create-intent field rule (docs/api.md): 422 in the validation envelope.</summary>
public sealed class CreateIntentValidationTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly HttpClient _api = app.Api();

    private static readonly string Long101 = new('a', 101);
    private static readonly string Long256 = new('a', 256);

    /// <summary>Sets <paramref name="field"/> to the JSON <paramref name="json"/> (or removes it when json is null).</summary>
    private static IntentBuilder Body(string field, string? json) =>
        json is null ? new IntentBuilder().Without(field) : new IntentBuilder().With(field, JsonNode.Parse(json));

    [Theory]
    // amount
    [InlineData("amount", null, "amount", "The amount field is required.")]
    [InlineData("amount", "0.99", "amount", "The amount must be at least 1.")]
    [InlineData("amount", "0", "amount", "The amount must be at least 1.")]
    [InlineData("amount", "-5", "amount", "The amount must be at least 1.")]
    [InlineData("amount", "1000000000", "amount", "The amount must not be greater than 999999999.99.")]
    [InlineData("amount", "\"abc\"", "amount", "The amount must be a number.")]
    [InlineData("amount", "\"\"", "amount", "The amount must be a number.")]
    [InlineData("amount", "10.001", "amount", "The amount must not have more than 2 decimal places.")]
    [InlineData("amount", "\"10.001\"", "amount", "The amount must not have more than 2 decimal places.")]
    // currency
    [InlineData("currency", null, "currency", "The currency field is required.")]
    [InlineData("currency", "\"\"", "currency", "The currency field is required.")]
    [InlineData("currency", "\"ABC\"", "currency", "The currency must be a valid ISO 4217 currency code.")]
    [InlineData("currency", "\"XAU\"", "currency", "The currency must be a valid ISO 4217 currency code.")]
    [InlineData("currency", "\"XTS\"", "currency", "The currency must be a valid ISO 4217 currency code.")]
    [InlineData("currency", "\"US Dollar\"", "currency", "The currency must be a valid ISO 4217 currency code.")]
    // intent_type
    [InlineData("intent_type", null, "intent_type", "The intent type field is required.")]
    [InlineData("intent_type", "\"weekly\"", "intent_type", "The selected intent type is invalid. Use one_time or recurring.")]
    // interval_days on a one-time intent
    [InlineData("interval_days", "30", "interval_days", "The interval days field is prohibited when intent type is one_time.")]
    // email
    [InlineData("email", null, "email", "The email field is required.")]
    [InlineData("email", "\"\"", "email", "The email field is required.")]
    [InlineData("email", "\"not-an-email\"", "email", "The email must be a valid email address.")]
    [InlineData("email", "\"john@localhost\"", "email", "The email must be a valid email address.")]
    [InlineData("email", "\"john doe@example.com\"", "email", "The email must be a valid email address.")]
    // name
    [InlineData("name", null, "name", "The name field is required.")]
    [InlineData("name", "\"\"", "name", "The name field is required.")]
    // reference_id
    [InlineData("reference_id", null, "reference_id", "The reference id field is required.")]
    [InlineData("reference_id", "\"ORDER 1\"", "reference_id", "The reference id may only contain letters, numbers, dashes and underscores.")]
    [InlineData("reference_id", "\"ORDER/1\"", "reference_id", "The reference id may only contain letters, numbers, dashes and underscores.")]
    // order_items
    [InlineData("order_items", null, "order_items", "The order items field is required.")]
    [InlineData("order_items", "[]", "order_items", "The order items field is required.")]
    [InlineData("order_items", "[null]", "order_items.0", "The order items.0 field is required.")]
    [InlineData("order_items", """[{"quantity":1,"price":1}]""", "order_items.0.name", "The order items.0.name field is required.")]
    [InlineData("order_items", """[{"name":"A","price":1}]""", "order_items.0.quantity", "The order items.0.quantity field is required.")]
    [InlineData("order_items", """[{"name":"A","quantity":0,"price":1}]""", "order_items.0.quantity", "The order items.0.quantity must be between 1 and 1000000.")]
    [InlineData("order_items", """[{"name":"A","quantity":1.5,"price":1}]""", "order_items.0.quantity", "The order items.0.quantity must be an integer.")]
    [InlineData("order_items", """[{"name":"A","quantity":1}]""", "order_items.0.price", "The order items.0.price field is required.")]
    [InlineData("order_items", """[{"name":"A","quantity":1,"price":-1}]""", "order_items.0.price", "The order items.0.price must be at least 0.")]
    [InlineData("order_items", """[{"name":"A","quantity":1,"price":"x"}]""", "order_items.0.price", "The order items.0.price must be a number.")]
    [InlineData("order_items", """[{"name":"A","quantity":1,"price":1},{"name":"B","quantity":1,"price":1.234}]""", "order_items.1.price", "The order items.1.price must not have more than 2 decimal places.")]
    // integration_type and the URLs
    [InlineData("integration_type", "\"popup\"", "integration_type", "The selected integration type is invalid. Use iframe or url.")]
    [InlineData("success_url", null, "success_url", "The success url field is required when integration type is url.")]
    [InlineData("cancel_url", null, "cancel_url", "The cancel url field is required when integration type is url.")]
    [InlineData("success_url", "\"example.com/success\"", "success_url", "The success url must be a valid http or https URL.")]
    [InlineData("cancel_url", "\"ftp://example.com/cancel\"", "cancel_url", "The cancel url must be a valid http or https URL.")]
    [InlineData("fail_url", "\"javascript:alert(1)\"", "fail_url", "The fail url must be a valid http or https URL.")]
    // tax and discount
    [InlineData("tax", "-1", "tax", "The tax must be at least 0.")]
    [InlineData("tax", "\"ten\"", "tax", "The tax must be a number.")]
    [InlineData("tax", "0.001", "tax", "The tax must not have more than 2 decimal places.")]
    [InlineData("discount", "-0.01", "discount", "The discount must be at least 0.")]
    [InlineData("discount", "1000000000", "discount", "The discount must not be greater than 999999999.99.")]
    // capture_method and expiry
    [InlineData("capture_method", "\"later\"", "capture_method", "The selected capture method is invalid. Use automatic or manual.")]
    [InlineData("expires_in_minutes", "4", "expires_in_minutes", "The expires in minutes must be between 5 and 43200.")]
    [InlineData("expires_in_minutes", "43201", "expires_in_minutes", "The expires in minutes must be between 5 and 43200.")]
    [InlineData("expires_in_minutes", "10.5", "expires_in_minutes", "The expires in minutes must be an integer.")]
    // metadata
    [InlineData("metadata", """{"order":{"id":1}}""", "metadata.order", "The metadata.order must be a string, number, boolean or null.")]
    [InlineData("metadata", """{"tags":["a"]}""", "metadata.tags", "The metadata.tags must be a string, number, boolean or null.")]
    public async Task CreateIntent_WithInvalidField_Returns422(string field, string? json, string errorField, string message)
    {
        var response = await _api.PostJson(IntentCalls.Intents, Body(field, json).Json());

        await Envelopes.AssertValidationError(response, errorField, message);
    }

    [Theory]
    [InlineData("email", "email", "The email must not be greater than 255 characters.")]
    [InlineData("name", "name", "The name must not be greater than 255 characters.")]
    [InlineData("reference_id", "reference_id", "The reference id must not be greater than 100 characters.")]
    [InlineData("customer_ref_id", "customer_ref_id", "The customer ref id must not be greater than 100 characters.")]
    public async Task CreateIntent_WithTooLongString_Returns422(string field, string errorField, string message)
    {
        var value = field switch
        {
            "email" => new string('a', 244) + "@example.com",
            "name" => Long256,
            _ => Long101,
        };

        var response = await _api.PostJson(IntentCalls.Intents, new IntentBuilder().With(field, value).Json());

        await Envelopes.AssertValidationError(response, errorField, message);
    }

    [Fact]
    public async Task CreateIntent_WithTooLongItemName_Returns422()
    {
        var body = new IntentBuilder().With("order_items", new JsonArray(new JsonObject { ["name"] = Long256, ["quantity"] = 1, ["price"] = 1 }));

        var response = await _api.PostJson(IntentCalls.Intents, body.Json());

        await Envelopes.AssertValidationError(response, "order_items.0.name", "The order items.0.name must not be greater than 255 characters.");
    }

    [Fact]
    public async Task CreateIntent_With101OrderItems_Returns422()
    {
        var items = new JsonArray(Enumerable.Range(0, 101).Select(i => (JsonNode)new JsonObject { ["name"] = $"Item {i}", ["quantity"] = 1, ["price"] = 1 }).ToArray());

        var response = await _api.PostJson(IntentCalls.Intents, new IntentBuilder().With("order_items", items).Json());

        await Envelopes.AssertValidationError(response, "order_items", "The order items must not have more than 100 items.");
    }

    [Theory]
    [InlineData(null, "The interval days field is required when intent type is recurring.")]
    [InlineData("0", "The interval days must be between 1 and 3650.")]
    [InlineData("3651", "The interval days must be between 1 and 3650.")]
    [InlineData("7.5", "The interval days must be an integer.")]
    [InlineData("\"monthly\"", "The interval days must be an integer.")]
    public async Task CreateIntent_RecurringWithBadIntervalDays_Returns422(string? json, string message)
    {
        var body = new IntentBuilder().With("intent_type", "recurring");
        if (json is not null) body.With("interval_days", JsonNode.Parse(json));

        var response = await _api.PostJson(IntentCalls.Intents, body.Json());

        await Envelopes.AssertValidationError(response, "interval_days", message);
    }

    [Theory]
    [InlineData("JPY", "80.5", "The amount must be a whole number in this currency.")]
    [InlineData("KWD", "1.2345", "The amount must not have more than 3 decimal places.")]
    [InlineData("USD", "1.999", "The amount must not have more than 2 decimal places.")]
    public async Task CreateIntent_WithMoreDecimalsThanTheCurrency_Returns422(string currency, string amount, string message)
    {
        var body = new IntentBuilder().With("currency", currency).With("amount", JsonNode.Parse(amount))
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "A", ["quantity"] = 1, ["price"] = 1 }));

        var response = await _api.PostJson(IntentCalls.Intents, body.Json());

        await Envelopes.AssertValidationError(response, "amount", message);
    }

    [Fact]
    public async Task CreateIntent_WithItemPriceDecimalsBeyondJpy_Returns422()
    {
        var body = new IntentBuilder().With("currency", "JPY")
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "A", ["quantity"] = 1, ["price"] = 0.5 }));

        var response = await _api.PostJson(IntentCalls.Intents, body.Json());

        await Envelopes.AssertValidationError(response, "order_items.0.price", "The order items.0.price must be a whole number in this currency.");
    }

    [Fact]
    public async Task CreateIntent_WithMetadataOf51Keys_Returns422()
    {
        var metadata = new JsonObject();
        for (var i = 0; i < 51; i++) metadata[$"k{i}"] = "v";

        var response = await _api.PostJson(IntentCalls.Intents, new IntentBuilder().With("metadata", metadata).Json());

        await Envelopes.AssertValidationError(response, "metadata", "The metadata must not have more than 50 keys.");
    }

    [Fact]
    public async Task CreateIntent_WithMetadataKeyOf41Chars_Returns422()
    {
        var key = new string('k', 41);

        var response = await _api.PostJson(IntentCalls.Intents, new IntentBuilder().With("metadata", new JsonObject { [key] = "v" }).Json());

        await Envelopes.AssertValidationError(response, $"metadata.{key}", "Each metadata key must be 1 to 40 characters long.");
    }

    [Fact]
    public async Task CreateIntent_WithMetadataValueOf501Chars_Returns422()
    {
        var response = await _api.PostJson(IntentCalls.Intents,
            new IntentBuilder().With("metadata", new JsonObject { ["note"] = new string('v', 501) }).Json());

        await Envelopes.AssertValidationError(response, "metadata.note", "The metadata.note must not be greater than 500 characters.");
    }

    [Fact]
    public async Task CreateIntent_WithCamelCaseMetadataKey_NamesTheKeyAsSent()
    {
        var response = await _api.PostJson(IntentCalls.Intents,
            new IntentBuilder().With("metadata", new JsonObject { ["orderInfo"] = new JsonObject() }).Json());

        await Envelopes.AssertValidationError(response, "metadata.orderInfo", "The metadata.orderInfo must be a string, number, boolean or null.");
    }

    [Fact]
    public async Task CreateIntent_WithSeveralErrors_ReportsEachField()
    {
        var body = new IntentBuilder().Without("email").With("amount", 0.5);

        var response = await _api.PostJson(IntentCalls.Intents, body.Json());

        var envelope = await Envelopes.AssertValidationError(response, "email", "The email field is required.");
        Assert.Equal(["The amount must be at least 1."], envelope["errors"]!["amount"]!.AsArray().Select(m => (string?)m));
    }

    [Fact]
    public async Task CreateIntent_Invalid_CreatesNothing()
    {
        var before = app.Scalar<long>("SELECT COUNT(*) FROM intents");

        var response = await _api.PostJson(IntentCalls.Intents, new IntentBuilder().With("amount", 0).Json());

        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(before, app.Scalar<long>("SELECT COUNT(*) FROM intents"));
    }
}
