using Dapper;
using System.Data.Common;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Subscriptions.Contracts;

/// <summary>A subscription as stored.</summary>
public sealed record SubscriptionRow
{
    public required string Id { get; init; }
    public required string IntentId { get; init; }
    public required string MerchantId { get; init; }
    public required string Mode { get; init; }
    public required string Status { get; init; }
    public long Amount { get; init; }
    public required string Currency { get; init; }
    public long IntervalDays { get; init; }
    public string? CustomerRefId { get; init; }
    public string? Email { get; init; }
    public string? Name { get; init; }
    public long CurrentPeriod { get; init; }
    public long CurrentPeriodStart { get; init; }
    public long CurrentPeriodEnd { get; init; }
    public long NextChargeAt { get; init; }
    public long FailedAttempts { get; init; }
    public bool CancelAtPeriodEnd { get; init; }
    public string? CancellationReason { get; init; }
    public string? CardBrand { get; init; }
    public string? CardLast4 { get; init; }
    public string? CardExpiry { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }
    public long? CancelledAt { get; init; }

    /// <summary>When the card will next be charged: none once cancelled or set to end with its period.</summary>
    public long? UpcomingChargeAt => Status == "cancelled" || CancelAtPeriodEnd ? null : NextChargeAt;

    public const string Columns = """
        id AS Id, intent_id AS IntentId, merchant_id AS MerchantId, mode AS Mode, status AS Status, amount AS Amount, currency AS Currency,
        interval_days AS IntervalDays, customer_ref_id AS CustomerRefId, email AS Email, name AS Name, current_period AS CurrentPeriod,
        COALESCE(current_period_start, created_at) AS CurrentPeriodStart, COALESCE(current_period_end, next_charge_at) AS CurrentPeriodEnd,
        next_charge_at AS NextChargeAt, failed_attempts AS FailedAttempts, cancel_at_period_end AS CancelAtPeriodEnd,
        cancellation_reason AS CancellationReason, card_brand AS CardBrand, card_last4 AS CardLast4, card_expiry AS CardExpiry,
        created_at AS CreatedAt, updated_at AS UpdatedAt, cancelled_at AS CancelledAt
        """;
}

public static class SubscriptionReads
{
    private const string ForIntentSql = $"SELECT {SubscriptionRow.Columns} FROM subscriptions WHERE intent_id = @IntentId";
    private const string ForIntentsSql = $"SELECT {SubscriptionRow.Columns} FROM subscriptions WHERE intent_id IN @Ids";

    public static SubscriptionRow? ForIntent(ReadSession s, string intentId) => s.SingleOrDefault<SubscriptionRow>(ForIntentSql, ("IntentId", intentId));

    public static async Task<Dictionary<string, SubscriptionRow>> ForIntentsAsync(DbConnection c, IReadOnlyCollection<string> intentIds, CancellationToken ct) =>
        (await c.QueryAsync<SubscriptionRow>(new CommandDefinition(c.Lists(ForIntentsSql), new { Ids = intentIds.ToArray() }, cancellationToken: ct)))
        .ToDictionary(s => s.IntentId);
}
