using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using PaymentHub.Infrastructure.Auth;

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
        PaymentHub's REST API: payment intents, the hosted checkout link, subscriptions and webhooks.

        **Authentication.** Every request to `/api/platform` sends the API client's
        `X-Client-ID` and `X-Client-Secret` headers. A missing, unknown or revoked key gets
        `401 {"success": false, "message": "Invalid API Key provided.", "data": []}`.
        Test-mode keys see and create only test objects, live keys only live ones.

        **Envelopes.** Success is `{"success": true, "data": {...}}` with status 200, creation included.
        Errors (400, 401, 403, 404, 409, 429, 500) are `{"success": false, "message": "...", "data": []}`.
        Validation failures are `422 {"message": "The given data was invalid.", "errors": {"field": ["..."]}}`,
        nested fields by path (`order_items.0.price`).

        **Idempotency.** Every POST accepts an `Idempotency-Key` header (1 to 255 characters). For 24 hours
        the same key with the same body replays the first answer with `Idempotent-Replayed: true`; the same
        key with another body is a 422; the same key while the first request runs is a 409.

        **Money.** Amounts go in as JSON numbers or numeric strings (`80`, `"80.00"`) with no more decimals
        than the currency has, and come out as strings with exactly that many (`"80.00"`, JPY `"80"`).

        **Errors.** A 500 never carries exception text; quote the `X-Correlation-ID` response header to support.
        """;

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info ??= new OpenApiInfo();
        document.Info.Title = "PaymentHub API";
        document.Info.Version = "v1";
        document.Info.Description = Introduction;

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
