using System.Text.Json;
using Dapper;
using FluentValidation;
using System.Data.Common;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Webhooks.Contracts;

/// <summary>
/// One delivery to an endpoint, seen from the endpoint: the event it carries (with the payload the
/// endpoint receives), where it stands, and every attempt, oldest first. <see cref="Attempts"/> counts
/// attempts since it was last queued (its place in the retry schedule); <see cref="History"/> lists
/// every attempt kept (30 days).
/// </summary>
public sealed record EndpointDelivery(long Id, string EventId, string EventType, string? IntentId, string? SubscriptionId, JsonElement Payload,
    string EventCreatedAt, string Status, long Attempts, string? NextAttemptAt, string? DeliveredAt, int? LastStatusCode, string? LastError,
    IReadOnlyList<AttemptView> History)
{
    /// <summary>Waiting to be sent again after a failed attempt.</summary>
    public bool Retrying => Status == "pending" && Attempts > 0;
}

/// <summary>An endpoint's deliveries, newest first, for the admin panel's endpoint page.</summary>
public static class EndpointDeliveries
{
    public static readonly IReadOnlyList<string> Statuses = ["pending", "succeeded", "dead"];

    /// <summary>Which deliveries: all, or those of one status; paged like every listing.</summary>
    public sealed record Query(string? Status, string? Page, string? PerPage) : IPagedQuery;

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(q => q.Status).Must(s => s is null || Statuses.Contains(s))
                .WithMessage($"The selected status is invalid. Use one of: {string.Join(", ", Statuses)}.");
            this.RulesForPaging();
        }
    }

    private sealed record DeliveryRow(long Id, string EventId, string EventType, string? IntentId, string? SubscriptionId, string Payload,
        long EventCreatedAt, string Status, long Attempts, long? NextAttemptAt, long? DeliveredAt, long? LastStatusCode, string? LastError);

    private sealed record AttemptRow(long DeliveryId, long AttemptedAt, long? StatusCode, long LatencyMs, string? ResponseExcerpt, string? Error);

    // The endpoint is the caller's (merchant and mode); a deleted one keeps its history but is not shown.
    private const string Where = """
        d.endpoint_id = @EndpointId AND (@Status IS NULL OR d.status = @Status)
        AND EXISTS (SELECT 1 FROM webhook_endpoints w
                    WHERE w.id = d.endpoint_id AND w.merchant_id = @MerchantId AND w.mode = @Mode AND w.deleted_at IS NULL)
        """;

    private const string CountSql = $"SELECT COUNT(*) FROM webhook_deliveries d WHERE {Where}";

    private const string PageSql = $"""
        SELECT d.id AS Id, e.id AS EventId, e.type AS EventType, e.intent_id AS IntentId, e.subscription_id AS SubscriptionId,
               e.payload AS Payload, e.created_at AS EventCreatedAt, d.status AS Status, d.attempts AS Attempts,
               d.next_attempt_at AS NextAttemptAt, d.delivered_at AS DeliveredAt, d.last_status_code AS LastStatusCode, d.last_error AS LastError
        FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
        WHERE {Where}
        ORDER BY d.id DESC LIMIT @Limit OFFSET @Offset
        """;

    private const string AttemptsSql = """
        SELECT delivery_id AS DeliveryId, attempted_at AS AttemptedAt, status_code AS StatusCode, latency_ms AS LatencyMs,
               response_excerpt AS ResponseExcerpt, error AS Error
        FROM webhook_attempts WHERE delivery_id IN @Ids ORDER BY id
        """;

    /// <summary>A page of the caller's endpoint's deliveries (a validated query); empty for an endpoint that is not the caller's.</summary>
    public static async Task<Paged<EndpointDelivery>> LoadAsync(DbConnection c, string endpointId, Query query, Caller caller, CancellationToken ct)
    {
        var paging = Paging.Of(query);
        var args = new { EndpointId = endpointId, query.Status, caller.MerchantId, caller.Mode, Limit = paging.PerPage, paging.Offset };
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, args, cancellationToken: ct));
        var rows = (await c.QueryAsync<DeliveryRow>(new CommandDefinition(PageSql, args, cancellationToken: ct))).ToList();
        var attempts = rows.Count == 0 ? null
            : (await c.QueryAsync<AttemptRow>(new CommandDefinition(c.Lists(AttemptsSql), new { Ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: ct)))
                .ToLookup(a => a.DeliveryId);
        var items = rows.Select(d => new EndpointDelivery(d.Id, d.EventId, d.EventType, d.IntentId, d.SubscriptionId,
                JsonDocument.Parse(d.Payload).RootElement.Clone(), Formats.Timestamp(d.EventCreatedAt), d.Status, d.Attempts,
                Formats.Timestamp(d.NextAttemptAt), Formats.Timestamp(d.DeliveredAt), (int?)d.LastStatusCode, d.LastError,
                attempts![d.Id].Select(a => new AttemptView(Formats.Timestamp(a.AttemptedAt), (int?)a.StatusCode, a.LatencyMs, a.ResponseExcerpt, a.Error))
                    .ToList()))
            .ToList();
        return new Paged<EndpointDelivery>(items, paging.Page, paging.PerPage, total);
    }
}
