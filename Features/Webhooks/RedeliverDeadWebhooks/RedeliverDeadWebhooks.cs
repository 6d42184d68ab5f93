using Carter;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// POST /webhook-endpoints/{endpoint_id}/redeliver-dead: every dead delivery of the endpoint goes
/// back to the start of the retry schedule, due now, in its original order per intent.
/// </summary>
public sealed class RedeliverDeadWebhooks : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPost("/webhook-endpoints/{endpoint_id}/redeliver-dead", Handle)
            .WithResponseExample("""{ "endpoint_id": "we_0193a5e2-8a4b-7c2d-9e1f-3a5b7c9d1e2f", "redelivered": 12 }""")
            .WithErrors(EndpointExamples.NotFound, EndpointExamples.Disabled409)
            .WithTags("Webhooks")
            .WithName("RedeliverDeadWebhooks")
            .WithSummary("Redeliver an endpoint's dead deliveries")
            .WithDescription("""
                Queues every dead delivery of the endpoint (retries used up, or given up when the endpoint was disabled) for sending
                now, with a fresh retry schedule; each intent's events still arrive in order. Enable the endpoint first.
                """);

    public sealed record Response(string EndpointId, int Redelivered);

    private const string RequeueDeadSql = """
        UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = @Now, last_error = NULL, updated_at = @Now
        WHERE endpoint_id = @Id AND status = 'dead'
        """;

    public static async Task<Results<ApiOk<Response>, ApiError>> Handle(
        [FromRoute(Name = "endpoint_id")] string endpointId, Caller caller, [AsParameters] EndpointServices s, CancellationToken ct)
    {
        var now = s.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var outcome = await s.Writer.WriteAsync<object>(async tx =>
        {
            var endpoint = await Endpoints.FindAsync(tx, endpointId, caller);
            if (endpoint is null) return EndpointExamples.NotFoundError();
            if (!endpoint.Enabled) return EndpointExamples.DisabledError();
            var count = tx.Execute(RequeueDeadSql, ("Now", now), ("Id", endpointId));
            if (count > 0) tx.AfterCommit(Outbox.DeliveriesCreated);
            return count;
        }, CancellationToken.None);
        return outcome is int redelivered ? new ApiOk<Response>(new Response(endpointId, redelivered)) : (ApiError)outcome;
    }
}
