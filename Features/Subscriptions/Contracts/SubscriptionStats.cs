using Dapper;
using System.Data.Common;

namespace PaymentHub.Features.Subscriptions.Contracts;

/// <summary>Recurring revenue in one currency: what the billing subscriptions bring in per 30 days.</summary>
public sealed record RecurringRevenue(string Currency, long MonthlyAmount);

public sealed record SubscriptionCounts(long Active, long PastDue, IReadOnlyList<RecurringRevenue> Mrr);

/// <summary>Figures over a merchant's subscriptions for its dashboard.</summary>
public static class SubscriptionStats
{
    // Settable properties: Dapper maps them by name, whatever type SQLite reports for a computed column.
    private sealed record Group
    {
        public required string Status { get; init; }
        public required string Currency { get; init; }
        public long IntervalDays { get; init; }
        public long Amount { get; init; }
        public long Count { get; init; }
    }

    private const string Sql = """
        SELECT status AS Status, currency AS Currency, interval_days AS IntervalDays, SUM(amount) AS Amount, COUNT(*) AS Count
        FROM subscriptions
        WHERE merchant_id = @MerchantId AND mode = @Mode AND status IN ('active', 'past_due')
        GROUP BY status, currency, interval_days
        """;

    /// <summary>
    /// Active and past-due subscriptions, and their monthly recurring revenue: each one's amount
    /// scaled to 30 days (a yearly 365-day plan of 120.00 counts 9.86). Past-due ones still bill,
    /// so they count towards it until they are cancelled.
    /// </summary>
    public static async Task<SubscriptionCounts> CountAsync(DbConnection c, string merchantId, string mode, CancellationToken ct)
    {
        var groups = (await c.QueryAsync<Group>(new CommandDefinition(Sql, new { MerchantId = merchantId, Mode = mode }, cancellationToken: ct))).ToList();
        var mrr = groups.GroupBy(g => g.Currency)
            .Select(byCurrency => new RecurringRevenue(byCurrency.Key,
                (long)Math.Round(byCurrency.Sum(g => g.Amount * 30m / g.IntervalDays), MidpointRounding.AwayFromZero)))
            .OrderByDescending(r => r.MonthlyAmount).ToList();
        return new SubscriptionCounts(groups.Where(g => g.Status == "active").Sum(g => g.Count),
            groups.Where(g => g.Status == "past_due").Sum(g => g.Count), mrr);
    }
}
