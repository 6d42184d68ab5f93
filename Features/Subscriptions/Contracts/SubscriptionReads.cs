using Dapper;
using Microsoft.Data.Sqlite;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Subscriptions.Contracts;

public sealed record SubscriptionRow(
    string Id, string IntentId, string Status, long Amount, string Currency, long IntervalDays, long NextChargeAt,
    long FailedAttempts, string? CardBrand, string? CardLast4, long CreatedAt, long? CancelledAt);

public static class SubscriptionReads
{
    private const string Columns = """
        SELECT id AS Id, intent_id AS IntentId, status AS Status, amount AS Amount, currency AS Currency, interval_days AS IntervalDays,
               next_charge_at AS NextChargeAt, failed_attempts AS FailedAttempts, card_brand AS CardBrand, card_last4 AS CardLast4,
               created_at AS CreatedAt, cancelled_at AS CancelledAt
        FROM subscriptions
        """;
    private const string Sql = Columns + " WHERE intent_id IN @Ids";
    private const string ForIntentSql = Columns + " WHERE intent_id = @IntentId";

    public static SubscriptionRow? ForIntent(ReadSession s, string intentId) => s.SingleOrDefault<SubscriptionRow>(ForIntentSql, ("IntentId", intentId));

    public static async Task<Dictionary<string, SubscriptionRow>> ForIntentsAsync(SqliteConnection c, IReadOnlyCollection<string> intentIds, CancellationToken ct) =>
        (await c.QueryAsync<SubscriptionRow>(new CommandDefinition(Sql, new { Ids = intentIds }, cancellationToken: ct)))
        .ToDictionary(s => s.IntentId);
}
