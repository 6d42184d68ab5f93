using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// Malformed JSON, wrong content type, body over the limit → 400 saying which, with its code; a field of the wrong
/// JSON type → 422 with its path like any validation error; routing errors in the envelope.
/// </summary>
public sealed class JsonBodyTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly HttpClient _api = app.Api();

    private Task<HttpResponseMessage> Post(HttpContent? content) => _api.PostAsync(IntentCalls.Intents, content);

    private static ByteArrayContent Raw(string body, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private async Task AssertNothingCreated(Func<Task> act)
    {
        var before = app.Scalar<long>("SELECT COUNT(*) FROM intents");
        await act();
        Assert.Equal(before, app.Scalar<long>("SELECT COUNT(*) FROM intents"));
    }

    [Fact]
    public async Task CreateIntent_WithBrokenJson_Returns400NamingJson()
    {
        var response = await Post(Raw("""{"amount": 80, "currency": """, "application/json"));

        var body = await Envelopes.AssertError(response, HttpStatusCode.BadRequest, code: "malformed_json");
        Assert.StartsWith("The request body is not valid JSON", (string?)body["message"]);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task CreateIntent_WithoutJsonContentType_Returns400(string? contentType)
    {
        await AssertNothingCreated(async () =>
        {
            var response = await Post(Raw(new IntentBuilder().Json(), contentType));

            await Envelopes.AssertError(response, HttpStatusCode.BadRequest,
                "The request body must be JSON: send the header Content-Type: application/json.", "unsupported_media_type");
        });
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/merge-patch+json")]
    public async Task CreateIntent_WithJsonContentTypeVariants_Returns200(string contentType)
    {
        var response = await Post(Raw(new IntentBuilder().Json(), contentType));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task CreateIntent_WithEmptyBody_Returns400()
    {
        var response = await Post(Raw("", "application/json"));

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, "The request body is empty: send a JSON object.", "malformed_json");
    }

    [Fact]
    public async Task CreateIntent_WithNullBody_Returns400()
    {
        var response = await Post(Raw("null", "application/json"));

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, "The request body must be a JSON object.", "malformed_json");
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public async Task CreateIntent_WithNonObjectRoot_Returns400(string json)
    {
        var response = await Post(Raw(json, "application/json"));

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, "The request body must be a JSON object.", "malformed_json");
    }

    [Fact]
    public async Task CreateIntent_WithBodyOver64KiB_Returns400()
    {
        await AssertNothingCreated(async () =>
        {
            var body = new IntentBuilder().With("metadata", new System.Text.Json.Nodes.JsonObject { ["pad"] = new string('x', 70_000) }).Json();

            var response = await Post(Raw(body, "application/json"));

            await Envelopes.AssertError(response, HttpStatusCode.BadRequest, "The request body is larger than the limit of 64 KiB.", "payload_too_large");
        });
    }

    [Fact]
    public async Task CreateIntent_WithChunkedBodyOver64KiB_Returns400()
    {
        var bytes = Encoding.UTF8.GetBytes(new IntentBuilder().With("name", new string('x', 70_000)).Json());
        var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, IntentCalls.Intents) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await _api.SendAsync(request);

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, "The request body is larger than the limit of 64 KiB.", "payload_too_large");
    }

    /// <summary>A body without Content-Length (chunked) is read to its end, smaller and larger than one read.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    public async Task CreateIntent_WithChunkedBody_IsRead(int metadataKeys)
    {
        var metadata = new System.Text.Json.Nodes.JsonObject();
        for (var i = 0; i < metadataKeys; i++) metadata[$"k{i}"] = new string('x', 449) + "é";
        var bytes = Encoding.UTF8.GetBytes(new IntentBuilder().With("metadata", metadata).Json());
        var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, IntentCalls.Intents) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await _api.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(metadata.ToJsonString(), (await response.Body())["data"]!["metadata"]!.ToJsonString());
    }

    [Theory]
    [InlineData("amount", "true", "The amount must be a number.")]
    [InlineData("amount", "[80]", "The amount must be a number.")]
    [InlineData("tax", "{}", "The tax must be a number.")]
    [InlineData("order_items", "\"x\"", "The order items must be an array.")]
    [InlineData("metadata", "\"x\"", "The metadata must be an object.")]
    [InlineData("metadata", "[]", "The metadata must be an object.")]
    [InlineData("name", "5", "The name must be a string.")]
    [InlineData("name", "[\"a\"]", "The name must be a string.")]
    [InlineData("email", "123", "The email must be a string.")]
    [InlineData("email", "true", "The email must be a string.")]
    [InlineData("currency", "{\"code\":\"USD\"}", "The currency must be a string.")]
    [InlineData("interval_days", "false", "The interval days must be a number.")]
    public async Task CreateIntent_WithWrongJsonType_Returns422NamingTheField(string field, string json, string message)
    {
        await AssertNothingCreated(async () =>
        {
            var body = new IntentBuilder().With(field, System.Text.Json.Nodes.JsonNode.Parse(json)).Json();

            var response = await Post(Raw(body, "application/json"));

            var errors = (await Envelopes.AssertValidationError(response, field, message))["errors"]!.AsObject();
            Assert.Equal([message], errors[field]!.AsArray().Select(m => (string?)m));
        });
    }

    [Theory]
    [InlineData("""[{"name":"A","quantity":true,"price":1}]""", "order_items.0.quantity", "The order items.0.quantity must be a number.")]
    [InlineData("""[{"name":7,"quantity":1,"price":1}]""", "order_items.0.name", "The order items.0.name must be a string.")]
    [InlineData("""["x"]""", "order_items.0", "The order items.0 must be an object.")]
    [InlineData("""[1]""", "order_items.0", "The order items.0 must be an object.")]
    public async Task CreateIntent_WithWrongJsonTypeInAnItem_Returns422NamingThePath(string items, string field, string message)
    {
        var body = new IntentBuilder().With("order_items", System.Text.Json.Nodes.JsonNode.Parse(items)).Json();

        var response = await Post(Raw(body, "application/json"));

        await Envelopes.AssertValidationError(response, field, message);
    }

    [Fact]
    public async Task CreateIntent_WithWrongTypesAndMissingFields_ListsEveryProblemInOne422()
    {
        var body = new IntentBuilder().With("email", 123).With("metadata", "x").Without("name").With("amount", "abc").Json();

        var response = await Post(Raw(body, "application/json"));

        await Envelopes.AssertValidationError(response, "email", "The email must be a string.");
        var errors = (await Envelopes.AssertValidationError(response, "metadata", "The metadata must be an object."))["errors"]!.AsObject();
        Assert.Equal("The name field is required.", (string?)errors["name"]![0]);
        Assert.Equal("The amount must be a number.", (string?)errors["amount"]![0]);
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public async Task Refund_WithWrongJsonType_Returns422NamingTheField()
    {
        var response = await _api.PostAsync($"{IntentCalls.Intents}/pi_x/refunds", Raw("""{"amount": true}""", "application/json"));

        await Envelopes.AssertValidationError(response, "amount", "The amount must be a number.");
    }

    [Theory]
    [InlineData("/api/platform/nothing-here")]
    [InlineData("/nothing-here")]
    public async Task UnknownRoute_Returns404Envelope(string path)
    {
        var response = await _api.GetAsync(path);

        await Envelopes.AssertError(response, HttpStatusCode.NotFound, "The requested resource was not found.", "not_found");
    }

    [Theory]
    [InlineData("DELETE", "/api/platform/intents")]
    [InlineData("PUT", "/api/platform/intents/pi_x")]
    [InlineData("GET", "/api/platform/intents/pi_x/cancel")]
    public async Task WrongMethod_Returns405Envelope(string method, string path)
    {
        var response = await _api.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await Envelopes.AssertError(response, HttpStatusCode.MethodNotAllowed, $"The method {method} is not allowed for this resource.", "method_not_allowed");
    }

    [Fact]
    public async Task EveryResponse_CarriesACorrelationId()
    {
        var response = await _api.GetAsync(IntentCalls.Intents);

        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-Correlation-ID").Single()));
    }
}
