using System.Text.Json;
using Dapper;
using System.Data.Common;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;

namespace PaymentHub.Features.Webhooks;

/// <summary>One attempt to send a delivery: when, the HTTP status (none when no answer came), how long, the answer's start, what went wrong.</summary>
public sealed record AttemptView(string AttemptedAt, int? StatusCode, long LatencyMs, string? ResponseExcerpt, string? Error);

/// <summary>An event's delivery to one endpoint and its attempts, oldest first.</summary>
public sealed record DeliveryView(string EndpointId, string Url, string Status, string? NextAttemptAt, string? DeliveredAt,
    int? LastStatusCode, string? LastError, IReadOnlyList<AttemptView> Attempts);

/// <summary>An event with its payload and what became of it at each endpoint.</summary>
public sealed record EventDetail(string Id, string Type, string? IntentId, string? SubscriptionId, JsonElement Payload, string CreatedAt,
    IReadOnlyList<DeliveryView> Deliveries);

/// <summary>Reads an event of the caller's with its deliveries and attempts, for GET /events/{event_id} and the redelivery answer.</summary>
public static class EventDetails
{
    private sealed record EventRow(long Seq, string Id, string Type, string? IntentId, string? SubscriptionId, string Payload, long CreatedAt);

    private sealed record DeliveryRow(long Id, string EndpointId, string Url, string Status, long? NextAttemptAt, long? DeliveredAt,
        long? LastStatusCode, string? LastError);

    private sealed record AttemptRow(long DeliveryId, long AttemptedAt, long? StatusCode, long LatencyMs, string? ResponseExcerpt, string? Error);

    public const string EventSql = """
        SELECT seq AS Seq, id AS Id, type AS Type, intent_id AS IntentId, subscription_id AS SubscriptionId, payload AS Payload, created_at AS CreatedAt
        FROM events WHERE id = @Id AND merchant_id = @MerchantId AND mode = @Mode
        """;

    private const string DeliveriesSql = """
        SELECT d.id AS Id, d.endpoint_id AS EndpointId, w.url AS Url, d.status AS Status, d.next_attempt_at AS NextAttemptAt,
               d.delivered_at AS DeliveredAt, d.last_status_code AS LastStatusCode, d.last_error AS LastError
        FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
        WHERE d.event_seq = @Seq ORDER BY d.id
        """;

    private const string AttemptsSql = """
        SELECT a.delivery_id AS DeliveryId, a.attempted_at AS AttemptedAt, a.status_code AS StatusCode, a.latency_ms AS LatencyMs,
               a.response_excerpt AS ResponseExcerpt, a.error AS Error
        FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
        WHERE d.event_seq = @Seq ORDER BY a.id
        """;

    public static async Task<EventDetail?> LoadAsync(DbConnection c, string eventId, Caller caller, CancellationToken ct)
    {
        var e = await c.QuerySingleOrDefaultAsync<EventRow>(new CommandDefinition(EventSql, new { Id = eventId, caller.MerchantId, caller.Mode }, cancellationToken: ct));
        if (e is null) return null;
        var deliveries = await c.QueryAsync<DeliveryRow>(new CommandDefinition(DeliveriesSql, new { e.Seq }, cancellationToken: ct));
        var attempts = (await c.QueryAsync<AttemptRow>(new CommandDefinition(AttemptsSql, new { e.Seq }, cancellationToken: ct))).ToLookup(a => a.DeliveryId);
        return new EventDetail(e.Id, e.Type, e.IntentId, e.SubscriptionId, JsonDocument.Parse(e.Payload).RootElement.Clone(), Formats.Timestamp(e.CreatedAt),
            deliveries.Select(d => new DeliveryView(d.EndpointId, d.Url, d.Status, Formats.Timestamp(d.NextAttemptAt), Formats.Timestamp(d.DeliveredAt),
                (int?)d.LastStatusCode, d.LastError,
                attempts[d.Id].Select(a => new AttemptView(Formats.Timestamp(a.AttemptedAt), (int?)a.StatusCode, a.LatencyMs, a.ResponseExcerpt, a.Error)).ToList()))
            .ToList());
    }
}
