using Carter;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Webhooks;

/// <summary>GET /webhook-endpoints/{endpoint_id}: one endpoint, with whether it is enabled and why not.</summary>
public sealed class GetWebhookEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/webhook-endpoints/{endpoint_id}", Handle)
            .WithResponseExample(EndpointExamples.Disabled)
            .WithErrors(EndpointExamples.NotFound)
            .WithTags("Webhooks")
            .WithName("GetWebhookEndpoint")
            .WithSummary("Get a webhook endpoint")
            .WithDescription("""
                The endpoint without its secret. A disabled endpoint says why (disabled_reason) and since when; failing_since is the
                first failed attempt since the last success.
                """);

    public static async Task<Results<ApiOk<EndpointView>, ApiError>> Handle(
        [FromRoute(Name = "endpoint_id")] string endpointId, Caller caller, [AsParameters] EndpointServices s, CancellationToken ct)
    {
        await using var connection = await s.Db.OpenReadAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<EndpointRow>(new CommandDefinition(Endpoints.FindSql, Endpoints.Key(endpointId, caller), cancellationToken: ct));
        return row is null ? EndpointExamples.NotFoundError() : new ApiOk<EndpointView>(row.View(s.Clock.GetUtcNow()));
    }
}
