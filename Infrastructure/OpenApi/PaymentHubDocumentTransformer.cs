using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Infrastructure.OpenApi;

/// <summary>
/// The document as a whole: its title and introduction, and the two API-key headers as security
/// schemes (the operation transformer applies them to each platform operation). Servers come from
/// the request that asked for the document, which the framework fills in.
/// </summary>
internal sealed class PaymentHubDocumentTransformer : IOpenApiDocumentTransformer
{
    public const string ClientIdScheme = "ClientId";
    public const string ClientSecretScheme = "ClientSecret";

    private const string Introduction = """
        PaymentHub's REST API: payment intents, their hosted checkout link, captures, refunds and the events they produce.

        **Authentication.** Every request to `/api/platform` sends the API client's
        `X-Client-ID` and `X-Client-Secret` headers. A missing, unknown or revoked key gets
        `401 {"success": false, "message": "Invalid API Key provided.", "data": []}`.
        Test-mode keys see and create only test objects, live keys only live ones.

        **Envelopes.** Success is `{"success": true, "data": {...}}` with status 200, creation included.
        Errors are `{"success": false, "message": "...", "code": "...", "data": []}`: branch on the stable `code`
        (listed below), never on the message. Validation failures, a field of the wrong JSON type included, are
        `422 {"message": "The given data was invalid.", "errors": {"field": ["..."]}}`, nested fields by path
        (`order_items.0.price`).

        **Idempotency.** Every POST accepts an `Idempotency-Key` header (1 to 255 characters). For 24 hours
        the same key with the same body replays the first answer with `Idempotent-Replayed: true`; the same
        key with another body is a 422; the same key while the first request runs is a 409.

        **Money.** Amounts go in as JSON numbers or numeric strings (`80`, `"80.00"`) with no more decimals
        than the currency has, and come out as strings with exactly that many (`"80.00"`, JPY `"80"`).

        **Errors.** A 500 never carries exception text; quote the `X-Correlation-ID` response header to support.
        """;

    private static string ErrorTable() =>
        "\n\n| code | status | when |\n|---|---|---|\n" +
        string.Join("\n", ErrorCodes.All.Select(e => $"| `{e.Code}` | {e.Status} | {e.Meaning} |"));

    /// <summary>What each tag groups, for the reference's navigation.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Intents"] = "Payment intents: create one, send your customer to its payment_url, then read, list, cancel, capture or refund it.",
        ["Events"] = "The events PaymentHub records for your merchant and mode, newest first, for reconciliation.",
        ["Checkout"] = "The hosted checkout's data as JSON, for merchants who build their own payment widget.",
        ["Webhooks"] = "Endpoints that receive signed events, and the deliveries made to them.",
        ["Subscriptions"] = "Recurring billing started by paid recurring intents.",
        ["Charges"] = "Every charge and refund in a date range, for reconciliation.",
        ["Test clock"] = "Test mode only: move time forward to see renewals, retries and expiries happen.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info ??= new OpenApiInfo();
        document.Info.Title = "PaymentHub API";
        document.Info.Version = "v1";
        document.Info.Description = Introduction + ErrorTable();
        document.Info.License = new OpenApiLicense { Name = "All rights reserved", Identifier = "LicenseRef-Proprietary" };

        // The framework writes the request's own origin with a trailing slash; paths already start with one.
        foreach (var server in document.Servers ?? [])
            if (server.Url is { Length: > 1 } url && url.EndsWith('/')) server.Url = url.TrimEnd('/');

        var used = (document.Paths ?? new OpenApiPaths()).Values
            .SelectMany(p => p.Operations is { } operations ? operations.Values.AsEnumerable() : [])
            .SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>()).Select(t => t.Name).OfType<string>().ToHashSet();
        document.Tags = new HashSet<OpenApiTag>(used.Order(StringComparer.Ordinal).Select(name => new OpenApiTag
        {
            Name = name,
            Description = TagDescriptions.GetValueOrDefault(name, name),
        }));

        document.AddComponent(ClientIdScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthentication.ClientIdHeader,
            Description = "The API client's Client ID; its prefix shows the mode (test or live).",
        });
        document.AddComponent(ClientSecretScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthentication.ClientSecretHeader,
            Description = "The API client's Client Secret, shown once when the client is created.",
        });
        return Task.CompletedTask;
    }
}
