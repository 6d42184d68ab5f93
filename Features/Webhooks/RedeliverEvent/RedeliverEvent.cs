using Carter;
using System.Reflection;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// POST /events/{event_id}/redeliver: sends the event again, to one endpoint or to every enabled
/// endpoint that takes it, whatever became of earlier deliveries. Same webhook-id: a receiver that
/// already handled it can tell.
/// </summary>
public sealed class RedeliverEvent : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPost("/events/{event_id}/redeliver", Handle)
            .Validate<Request>()
            .Accepts<Request>("application/json")
            .WithRequestExample("""{ "endpoint_id": "we_0193a5e2-8a4b-7c2d-9e1f-3a5b7c9d1e2f" }""")
            .WithResponseExample(EndpointExamples.EventDetail)
            .WithErrors(EndpointExamples.EventNotFound, EndpointExamples.NotFound, EndpointExamples.Disabled409)
            .WithTags("Events")
            .WithName("RedeliverEvent")
            .WithSummary("Redeliver an event")
            .WithDescription("""
                Queues the event for sending now, with a fresh retry schedule: to endpoint_id when given, else to every enabled
                endpoint that takes its type (and every enabled endpoint it was sent to before). The body may be left out. The answer
                is the event with its deliveries, as GET /events/{event_id} shows it.
                """);

    public sealed record Request : IBindableFromHttpContext<Request>
    {
        public string? EndpointId { get; init; }

        public static async ValueTask<Request?> BindAsync(HttpContext ctx, ParameterInfo parameter) =>
            await JsonBody.ReadOptionalAsync(ctx, new Request());
    }

    public sealed class Validator : AbstractValidator<Request>
    {
        public Validator() => RuleFor(r => r.EndpointId).MaximumLength(100).WithMessage(Messages.MaxChars(100));
    }

    private sealed record EventKey(long Seq, string? IntentId, string Type);

    private const string EventSql = "SELECT seq AS Seq, intent_id AS IntentId, type AS Type FROM events WHERE id = @Id AND merchant_id = @MerchantId AND mode = @Mode";

    // A ping goes only where it went before; other events also to every endpoint that takes their type.
    private const string TargetsSql = $"""
        SELECT id FROM webhook_endpoints w
        WHERE merchant_id = @MerchantId AND mode = @Mode AND enabled = 1 AND deleted_at IS NULL
          AND ((@Type <> 'ping' AND {Outbox.Subscribed})
               OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = @Seq AND d.endpoint_id = w.id))
        ORDER BY created_at, id
        """;

    /// <summary>A new delivery, or the existing one back to the start of its schedule (an attempt in flight keeps its lease).</summary>
    private const string RequeueSql = """
        INSERT INTO webhook_deliveries (event_seq, endpoint_id, intent_id, status, attempts, next_attempt_at, created_at, updated_at)
        VALUES (@Seq, @EndpointId, @IntentId, 'pending', 0, @Now, @Now, @Now)
        ON CONFLICT (event_seq, endpoint_id) DO UPDATE SET
            status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL, updated_at = excluded.updated_at
        """;

    public static async Task<Results<ApiOk<EventDetail>, ApiError>> Handle(
        [FromRoute(Name = "event_id")] string eventId, Request request, Caller caller, Db db, DbWriter writer, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var refused = await writer.WriteAsync<ApiError?>(async tx =>
        {
            var e = await tx.Connection.QuerySingleOrDefaultAsync<EventKey>(EventSql, new { Id = eventId, caller.MerchantId, caller.Mode }, tx.Transaction);
            if (e is null) return ApiError.NotFound(ErrorCodes.EventNotFound, "Event");
            List<string> targets;
            if (request.EndpointId is { } endpointId)
            {
                var endpoint = await Endpoints.FindAsync(tx, endpointId, caller);
                if (endpoint is null) return EndpointExamples.NotFoundError();
                if (!endpoint.Enabled) return EndpointExamples.DisabledError();
                targets = [endpoint.Id];
            }
            else
                targets = (await tx.Connection.QueryAsync<string>(TargetsSql, new
                {
                    caller.MerchantId, caller.Mode, e.Type, e.Seq, TypePattern = Outbox.TypePattern(e.Type),
                }, tx.Transaction)).ToList();
            foreach (var target in targets)
                tx.Execute(RequeueSql, ("Seq", e.Seq), ("EndpointId", target), ("IntentId", e.IntentId), ("Now", now));
            if (targets.Count > 0) tx.AfterCommit(Outbox.DeliveriesCreated);
            return null;
        }, CancellationToken.None);
        if (refused is not null) return refused;

        await using var connection = await db.OpenReadAsync(ct);
        return new ApiOk<EventDetail>((await EventDetails.LoadAsync(connection, eventId, caller, ct))!);
    }
}
