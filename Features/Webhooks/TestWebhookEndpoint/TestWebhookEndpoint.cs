using Carter;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// POST /webhook-endpoints/{endpoint_id}/test: sends a signed <c>ping</c> event to the endpoint now
/// and answers with what the endpoint answered. A ping is tried once and never changes the endpoint.
/// </summary>
public sealed class TestWebhookEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPost("/webhook-endpoints/{endpoint_id}/test", Handle)
            .WithResponseExample("""
                { "event_id": "evt_0193a5e2-9b1c-7d3e-8f4a-5b6c7d8e9f0a", "endpoint_id": "we_0193a5e2-8a4b-7c2d-9e1f-3a5b7c9d1e2f",
                  "delivered": true, "status_code": 200, "latency_ms": 84, "response_excerpt": "ok", "error": null }
                """)
            .WithErrors(EndpointExamples.NotFound)
            .WithTags("Webhooks")
            .WithName("TestWebhookEndpoint")
            .WithSummary("Send a test event")
            .WithDescription("""
                Sends a ping event (event, event_id, created_at, livemode, endpoint_id, message), signed like every delivery, and
                answers with the endpoint's status code, latency and the first kilobyte of its answer. Works on disabled endpoints
                too, so you can check a fix before enabling one. A ping is tried once, is not retried, and never disables or
                re-enables the endpoint; it is listed among the events.
                """);

    public sealed record Response(string EventId, string EndpointId, bool Delivered, int? StatusCode, long LatencyMs, string? ResponseExcerpt, string? Error);

    private const string InsertDeliverySql = """
        INSERT INTO webhook_deliveries (event_seq, endpoint_id, intent_id, status, attempts, next_attempt_at, locked_until, locked_by, created_at, updated_at)
        VALUES (@Seq, @EndpointId, NULL, 'pending', 0, @Now, @Until, @Token, @Now, @Now)
        RETURNING id
        """;

    public static async Task<Results<ApiOk<Response>, ApiError>> Handle(
        [FromRoute(Name = "endpoint_id")] string endpointId, Caller caller, WebhookDispatcher dispatcher, [AsParameters] EndpointServices s,
        CancellationToken ct)
    {
        var token = dispatcher.NewToken();
        var now = s.Clock.GetUtcNow();
        var lease = s.Options.Value.Lease;
        // Event and delivery are written already claimed, so no run of the dispatcher sends this ping as well.
        var claimed = await s.Writer.WriteAsync(async tx =>
        {
            if (await Endpoints.FindAsync(tx, endpointId, caller) is null) return null;
            var (_, seq) = Outbox.Write(tx, new WebhookEvent(caller.MerchantId, caller.Mode, EventTypes.Ping, null, null, new JsonObject
            {
                ["endpoint_id"] = endpointId,
                ["message"] = "A test event from PaymentHub: your endpoint is reachable and can check signatures.",
            }), now);
            var id = tx.Scalar<long>(InsertDeliverySql, ("Seq", seq), ("EndpointId", endpointId), ("Now", now.ToUnixTimeMilliseconds()),
                ("Until", (now + lease).ToUnixTimeMilliseconds()), ("Token", token));
            var delivery = await tx.Connection.QuerySingleAsync<ClaimedDelivery>(WebhookDispatcher.ByIdSql, new { Id = id }, tx.Transaction);
            delivery.Token = token;
            return delivery;
        }, CancellationToken.None);
        if (claimed is null) return EndpointExamples.NotFoundError();

        var result = await dispatcher.SendNowAsync(claimed);
        return new ApiOk<Response>(new Response(claimed.EventId, endpointId, result.Succeeded, result.StatusCode,
            (long)result.Latency.TotalMilliseconds, result.Excerpt, result.Error));
    }
}
