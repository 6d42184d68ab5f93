using Carter;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// DELETE /webhook-endpoints/{endpoint_id}: no more deliveries to it. Its past deliveries stay
/// visible on their events (GET /events/{event_id}).
/// </summary>
public sealed class DeleteWebhookEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapDelete("/webhook-endpoints/{endpoint_id}", Handle)
            .WithResponseExample("""{ "id": "we_0193a5e2-8a4b-7c2d-9e1f-3a5b7c9d1e2f", "deleted": true }""")
            .WithErrors(EndpointExamples.NotFound)
            .WithTags("Webhooks")
            .WithName("DeleteWebhookEndpoint")
            .WithSummary("Delete a webhook endpoint")
            .WithDescription("Stops all deliveries to the endpoint; what was still waiting is marked dead. Past deliveries stay on their events.");

    public sealed record Response(string Id, bool Deleted);

    private const string DeleteSql = "UPDATE webhook_endpoints SET deleted_at = @Now, enabled = 0, updated_at = @Now WHERE id = @Id";

    public static async Task<Results<ApiOk<Response>, ApiError>> Handle(
        [FromRoute(Name = "endpoint_id")] string endpointId, Caller caller, [AsParameters] EndpointServices s, CancellationToken ct)
    {
        var now = s.Clock.GetUtcNow();
        var found = await s.Writer.WriteAsync(async tx =>
        {
            if (await Endpoints.FindAsync(tx, endpointId, caller) is null)
                return false;
            Endpoints.Disable(tx, endpointId, "The endpoint was deleted.", now);
            tx.Execute(DeleteSql, ("Now", now.ToUnixTimeMilliseconds()), ("Id", endpointId));
            return true;
        }, CancellationToken.None);
        return found ? new ApiOk<Response>(new Response(endpointId, true)) : EndpointExamples.NotFoundError();
    }
}
