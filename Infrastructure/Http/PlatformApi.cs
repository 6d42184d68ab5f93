using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Idempotency;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// What every merchant-facing REST route shares, declared once: the <c>/api/platform</c> prefix,
/// the API key (<c>X-Client-ID</c>/<c>X-Client-Secret</c>), <c>Idempotency-Key</c> on POST, and the
/// reference's shared answers. A slice opts in with one call: <c>app.MapPlatform().MapGet(…)</c>.
/// </summary>
public static class PlatformApi
{
    public const string Prefix = "/api/platform";

    public static RouteGroupBuilder MapPlatform(this IEndpointRouteBuilder app) =>
        app.MapGroup(Prefix)
            .WithMetadata(new ApiKeyRequired())
            .AddEndpointFilterFactory(IdempotencyFilter.Factory)
            .WithPlatformApiDocs();
}
