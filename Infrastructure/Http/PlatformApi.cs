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

    public static RouteGroupBuilder MapPlatform(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Prefix).WithMetadata(new ApiKeyRequired());
        // The idempotency filter on POST endpoints only (and any that could answer a POST): it does
        // nothing on other methods, but an endpoint with a filter runs the filtered invocation on every
        // request (a context boxing each argument, two more async steps); the generated endpoints do
        // not drop a filter that hands its request on unchanged. The endpoint's methods are its first
        // metadata, there before group conventions run.
        ((IEndpointConventionBuilder)group).Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<HttpMethodMetadata>().FirstOrDefault() is { } methods
                && !methods.HttpMethods.Any(HttpMethods.IsPost)) return;
            endpoint.FilterFactories.Add(IdempotencyFilter.Factory);
        });
        return group.WithPlatformApiDocs();
    }
}
