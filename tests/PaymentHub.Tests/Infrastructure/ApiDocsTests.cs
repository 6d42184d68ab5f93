using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Infrastructure.Auth;

namespace PaymentHub.Tests.Infrastructure;

public sealed partial class ApiDocsTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private const string CreateIntentPath = "/api/platform/intents";

    private async Task<JsonNode> Document()
    {
        var response = await app.CreateClient().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Body();
    }

    /// <summary>Every endpoint that takes an API key, as routing knows it: (template, method).</summary>
    private IReadOnlyList<(string Path, string Method)> PlatformEndpoints() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<ApiKeyRequired>() is not null)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [])
                .Select(m => ("/" + e.RoutePattern.RawText!.Trim('/'), m.ToLowerInvariant())))
            .ToList();

    [Fact]
    public async Task OpenApiDocument_IsOpenApi31_WithTitleAndServers()
    {
        var doc = await Document();

        Assert.StartsWith("3.1", (string)doc["openapi"]!);
        Assert.Equal("PaymentHub API", (string)doc["info"]!["title"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)doc["info"]!["description"]));
        Assert.False(string.IsNullOrWhiteSpace((string?)doc["info"]!["version"]));
        Assert.NotEmpty(doc["servers"]!.AsArray());
    }

    [Fact]
    public async Task OpenApiDocument_ReadsBackWithoutErrors()
    {
        await using var stream = await app.CreateClient().GetStreamAsync("/openapi/v1.json");

        var read = await Microsoft.OpenApi.OpenApiDocument.LoadAsync(stream, "json");

        Assert.Empty(read.Diagnostic?.Errors ?? []);
        var validator = new Microsoft.OpenApi.OpenApiValidator(Microsoft.OpenApi.ValidationRuleSet.GetDefaultRuleSet());
        new Microsoft.OpenApi.OpenApiWalker(validator).Walk(read.Document!);
        Assert.Empty(validator.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
    }

    [Fact]
    public async Task OpenApiDocument_ListsEveryPlatformEndpoint_WithItsMethod()
    {
        var doc = await Document();
        var endpoints = PlatformEndpoints();

        Assert.Contains((CreateIntentPath, "post"), endpoints);
        Assert.Contains(("/api/platform/intents", "get"), endpoints);
        Assert.Contains(("/api/platform/intents/{intent_id}", "get"), endpoints);
        Assert.Contains(("/api/platform/intents/reference/{reference_id}", "get"), endpoints);
        Assert.Contains(("/api/platform/intents/{intent_id}/logs", "get"), endpoints);
        Assert.Contains(("/api/platform/intents/{intent_id}/cancel", "post"), endpoints);
        foreach (var (path, method) in endpoints)
            Assert.True(doc["paths"]?[path]?[method] is not null, $"{method.ToUpperInvariant()} {path} is missing from the document");
    }

    [Fact]
    public async Task OpenApiDocument_PlatformOperations_RequireBothApiKeyHeaders()
    {
        var doc = await Document();

        var schemes = doc["components"]!["securitySchemes"]!.AsObject();
        var headers = schemes.Select(s => ((string)s.Value!["type"]!, (string)s.Value!["in"]!, (string)s.Value!["name"]!)).ToList();
        Assert.Contains(("apiKey", "header", "X-Client-ID"), headers);
        Assert.Contains(("apiKey", "header", "X-Client-Secret"), headers);

        foreach (var (path, method) in PlatformEndpoints())
        {
            var requirement = Assert.Single(doc["paths"]![path]![method]!["security"]!.AsArray())!.AsObject();
            Assert.Equal(schemes.Select(s => s.Key).Order(), requirement.Select(r => r.Key).Order());
        }
    }

    /// <summary>A response's examples, whether it has one (example) or several (examples).</summary>
    private static List<JsonNode> Examples(JsonNode body) =>
        body["example"] is { } one ? [one] : body["examples"]!.AsObject().Select(e => e.Value!["value"]!).ToList();

    [Fact]
    public async Task OpenApiDocument_PlatformOperations_DocumentErrorEnvelopes_WithTheirCodes()
    {
        var doc = await Document();
        var codes = PaymentHub.Infrastructure.Http.ErrorCodes.All.Select(e => e.Code).ToHashSet();

        foreach (var (path, method) in PlatformEndpoints())
        {
            var responses = doc["paths"]![path]![method]!["responses"]!;
            var expected = new List<string> { "401", "500" };
            if (method == "post") expected.Add("400");
            if (path.Contains("{intent_id}") || path.Contains("{reference_id}")) expected.Add("404");
            foreach (var status in expected)
            {
                var body = responses[status]?["content"]?["application/json"];
                Assert.True(body is not null, $"{method} {path} does not document {status}");
                Assert.Equal("#/components/schemas/ErrorEnvelope", (string?)body["schema"]!["$ref"]);
                foreach (var example in Examples(body))
                {
                    Assert.False((bool)example["success"]!);
                    Assert.Contains((string)example["code"]!, codes);
                }
            }
            var unauthorized = Examples(responses["401"]!["content"]!["application/json"]!).Single();
            Assert.Equal(("Invalid API Key provided.", "invalid_api_key"), ((string)unauthorized["message"]!, (string)unauthorized["code"]!));
            Assert.Empty(unauthorized["data"]!.AsArray());
            Assert.NotNull(responses["200"]!["content"]!["application/json"]!["example"]);
        }
        Assert.NotNull(doc["components"]!["schemas"]!["ErrorEnvelope"]);
    }

    [Fact]
    public async Task OpenApiDocument_CreateIntent_Documents409And422_AndIdempotencyKey()
    {
        var doc = await Document();
        var create = doc["paths"]![CreateIntentPath]!["post"]!;

        var idempotency = create["parameters"]!.AsArray().Single(p => (string)p!["name"]! == "Idempotency-Key")!;
        Assert.Equal("header", (string)idempotency["in"]!);
        Assert.False((bool?)idempotency["required"] ?? false);

        var conflict = create["responses"]!["409"]!["content"]!["application/json"]!;
        Assert.Equal("#/components/schemas/ErrorEnvelope", (string)conflict["schema"]!["$ref"]!);
        var conflicts = Examples(conflict);
        Assert.NotNull(conflicts.Single(e => (string)e["code"]! == "reference_conflict")["data"]!["intent_id"]);
        Assert.Single(conflicts, e => (string)e["code"]! == "idempotency_key_in_use");

        var invalid = create["responses"]!["422"]!["content"]!["application/json"]!;
        Assert.Equal("#/components/schemas/ValidationEnvelope", (string)invalid["schema"]!["$ref"]!);
        var fields = Examples(invalid).Single(e => e["errors"]!["email"] is not null);
        Assert.Equal("The given data was invalid.", (string)fields["message"]!);
        Assert.Equal("The email field is required.", (string)fields["errors"]!["email"]![0]!);
        Assert.Equal("The amount must be at least 1.", (string)fields["errors"]!["amount"]![0]!);
        Assert.Single(Examples(invalid), e => (string?)e["code"] == "idempotency_key_reused");
    }

    [Fact]
    public async Task OpenApiDocument_EveryPlatformPost_AcceptsIdempotencyKey()
    {
        var doc = await Document();

        foreach (var (path, _) in PlatformEndpoints().Where(e => e.Method == "post"))
            Assert.Contains(doc["paths"]![path]!["post"]!["parameters"]!.AsArray(),
                p => (string)p!["name"]! == "Idempotency-Key" && (string)p["in"]! == "header");
    }

    [Fact]
    public async Task OpenApiDocument_CreateIntentBody_IsTheRequestSchema_WithItsExample()
    {
        var doc = await Document();
        var body = doc["paths"]![CreateIntentPath]!["post"]!["requestBody"]!["content"]!["application/json"]!;

        var schemaId = ((string)body["schema"]!["$ref"]!).Split('/').Last();
        Assert.Equal("CreateIntentRequest", schemaId);
        var example = body["example"]!;
        Assert.Equal(80, (int)example["amount"]!);
        Assert.Equal("ORDER-123456", (string)example["reference_id"]!);
        Assert.Equal("Product 1", (string)example["order_items"]![0]!["name"]!);

        var schema = doc["components"]!["schemas"]![schemaId]!;
        foreach (var field in new[] { "amount", "currency", "intent_type", "email", "name", "reference_id", "order_items" })
            Assert.Contains(schema["required"]!.AsArray(), r => (string)r! == field);
        var amountTypes = schema["properties"]!["amount"]!["oneOf"]!.AsArray().Select(s => (string)s!["type"]!).Order();
        Assert.Equal(["number", "string"], amountTypes);
    }

    [Fact]
    public async Task OpenApiDocument_RouteParameters_ArePathParameters()
    {
        var doc = await Document();

        foreach (var (path, method) in PlatformEndpoints())
        {
            var parameters = doc["paths"]![path]![method]!["parameters"]?.AsArray() ?? [];
            foreach (Match name in RouteParameter().Matches(path))
                Assert.Contains(parameters, p => (string)p!["name"]! == name.Groups[1].Value && (string)p["in"]! == "path");
            Assert.DoesNotContain(parameters, p => (string)p!["name"]! is "intent_id" or "reference_id" && (string)p["in"]! != "path"
                && path.Contains("{" + (string)p["name"]! + "}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task GetIntentLogs_ReadsIntentIdFromThePath_AsDocumented()
    {
        var api = app.Api();
        var created = await api.PostJson(CreateIntentPath, new IntentBuilder().Json());
        var id = (string)(await created.Body())["data"]!["intent_id"]!;

        var logs = await api.GetAsync($"/api/platform/intents/{id}/logs");

        Assert.Equal(HttpStatusCode.OK, logs.StatusCode);
        Assert.Equal("intent.created", (string)(await logs.Body())["data"]!["items"]![0]!["event_type"]!);
    }

    [Fact]
    public async Task DocsPage_RendersScalar_FromThePackage_WithNothingFromOtherHosts()
    {
        var response = await app.CreateClient().GetAsync("/docs");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("""<script src="scalar.js"></script>""", html);
        Assert.Contains("\"url\":\"openapi/v1.json\"", html);
        // Offline: no CDN script, no web fonts, no telemetry, no hosted AI agent.
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.Contains("\"withDefaultFonts\":false", html);
        Assert.Contains("\"telemetry\":false", html);
        Assert.Contains("\"agent\":{\"disabled\":true}", html);

        var bundle = await app.CreateClient().GetAsync("/docs/scalar.js");
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.True((await bundle.Content.ReadAsByteArrayAsync()).Length > 1_000_000, "the embedded Scalar bundle is served");
    }

    [Fact]
    public void TheRouteTablesReferenceRoutes_AreTheOnesScalarAndTheDocumentMap()
    {
        // The route table carries these patterns from the start; the endpoints behind them are made at first use.
        var mapped = PaymentHub.Infrastructure.Http.DeferredEndpoints.Patterns(app.Services, PaymentHub.Infrastructure.OpenApi.ApiDocs.MapReference);

        Assert.Equal(PaymentHub.Infrastructure.OpenApi.ApiDocs.ReferencePatterns.Order(StringComparer.Ordinal), mapped.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"\{([^}:?]+)")]
    private static partial Regex RouteParameter();
}
