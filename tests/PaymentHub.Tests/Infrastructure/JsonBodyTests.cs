using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>Malformed JSON, wrong content type, body over the limit → 400 saying which; routing errors in the envelope.</summary>
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

        var body = await Envelopes.AssertError(response, HttpStatusCode.BadRequest);
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
                "The request body must be JSON: send the header Content-Type: application/json.");
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

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, "The request body is empty: send a JSON object.");
    }

    [Fact]
    public async Task CreateIntent_WithNullBody_Returns400()
    {
        var response = await Post(Raw("null", "application/json"));

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, "The request body must be a JSON object, not null.");
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public async Task CreateIntent_WithNonObjectRoot_Returns400(string json)
    {
        var response = await Post(Raw(json, "application/json"));

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, "The request body must be a JSON object.");
    }

    [Fact]
    public async Task CreateIntent_WithBodyOver64KiB_Returns400()
    {
        await AssertNothingCreated(async () =>
        {
            var body = new IntentBuilder().With("metadata", new System.Text.Json.Nodes.JsonObject { ["pad"] = new string('x', 70_000) }).Json();

            var response = await Post(Raw(body, "application/json"));

            await Envelopes.AssertError(response, HttpStatusCode.BadRequest, "The request body is larger than the limit of 64 KiB.");
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

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, "The request body is larger than the limit of 64 KiB.");
    }

    [Theory]
    [InlineData("amount", "true", "The field 'amount' must be a number or a numeric string.")]
    [InlineData("amount", "[80]", "The field 'amount' must be a number or a numeric string.")]
    [InlineData("tax", "{}", "The field 'tax' must be a number or a numeric string.")]
    [InlineData("order_items", "\"x\"", "The field 'order_items' has the wrong JSON type: expected an array.")]
    [InlineData("metadata", "\"x\"", "The field 'metadata' has the wrong JSON type: expected an object.")]
    [InlineData("metadata", "[]", "The field 'metadata' has the wrong JSON type: expected an object.")]
    [InlineData("name", "5", "The field 'name' has the wrong JSON type: expected a string.")]
    [InlineData("email", "true", "The field 'email' has the wrong JSON type: expected a string.")]
    [InlineData("currency", "{\"code\":\"USD\"}", "The field 'currency' has the wrong JSON type: expected a string.")]
    public async Task CreateIntent_WithWrongJsonType_Returns400NamingTheField(string field, string json, string message)
    {
        var body = new IntentBuilder().With(field, System.Text.Json.Nodes.JsonNode.Parse(json)).Json();

        var response = await Post(Raw(body, "application/json"));

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, message);
    }

    [Theory]
    [InlineData("""[{"name":"A","quantity":true,"price":1}]""", "The field 'order_items.0.quantity' must be a number or a numeric string.")]
    [InlineData("""[{"name":7,"quantity":1,"price":1}]""", "The field 'order_items.0.name' has the wrong JSON type: expected a string.")]
    [InlineData("""["x"]""", "The field 'order_items.0' has the wrong JSON type: expected an object.")]
    public async Task CreateIntent_WithWrongJsonTypeInAnItem_Returns400NamingThePath(string items, string message)
    {
        var body = new IntentBuilder().With("order_items", System.Text.Json.Nodes.JsonNode.Parse(items)).Json();

        var response = await Post(Raw(body, "application/json"));

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, message);
    }

    [Theory]
    [InlineData("/api/platform/nothing-here")]
    [InlineData("/nothing-here")]
    public async Task UnknownRoute_Returns404Envelope(string path)
    {
        var response = await _api.GetAsync(path);

        await Envelopes.AssertError(response, HttpStatusCode.NotFound, "The requested resource was not found.");
    }

    [Theory]
    [InlineData("DELETE", "/api/platform/intents")]
    [InlineData("PUT", "/api/platform/intents/pi_x")]
    [InlineData("GET", "/api/platform/intents/pi_x/cancel")]
    public async Task WrongMethod_Returns405Envelope(string method, string path)
    {
        var response = await _api.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await Envelopes.AssertError(response, HttpStatusCode.MethodNotAllowed, $"The method {method} is not allowed for this resource.");
    }

    [Fact]
    public async Task EveryResponse_CarriesACorrelationId()
    {
        var response = await _api.GetAsync(IntentCalls.Intents);

        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-Correlation-ID").Single()));
    }
}
