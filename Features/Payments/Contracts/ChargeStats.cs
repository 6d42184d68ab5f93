using Dapper;
using System.Data.Common;

namespace PaymentHub.Features.Payments.Contracts;

/// <summary>Money taken on one day (days counted from the start of a period), in one currency.</summary>
/// <remarks>Settable properties, not a constructor: Dapper then maps by name, whatever type SQLite reports for a computed column.</remarks>
public sealed record DailyVolume
{
    public long Day { get; init; }
    public required string Currency { get; init; }
    public long Amount { get; init; }
}

/// <summary>How many payment attempts of a period went through and how many were declined; pending ones are in neither.</summary>
public sealed record AttemptCounts(long Succeeded, long Failed)
{
    /// <summary>Succeeded ÷ decided, 0–1; null when nothing was decided.</summary>
    public double? SuccessRate => Succeeded + Failed == 0 ? null : (double)Succeeded / (Succeeded + Failed);
}

/// <summary>Figures over a merchant's charges for its dashboard: volume captured per day and currency, and the share of attempts that succeeded.</summary>
public static class ChargeStats
{
    private const long DayMs = 86_400_000;

    // Integer division turns a time into its day of the period (SQLite and PostgreSQL alike).
    private const string DailySql = """
        SELECT (created_at - @From) / @DayMs AS Day, currency AS Currency, SUM(captured_amount) AS Amount
        FROM charges
        WHERE merchant_id = @MerchantId AND mode = @Mode AND status = 'success' AND created_at >= @From AND created_at < @To
        GROUP BY (created_at - @From) / @DayMs, currency
        ORDER BY 1, 2
        """;

    private const string AttemptsSql = """
        SELECT COALESCE(SUM(CASE WHEN status IN ('success', 'authorized', 'voided') THEN 1 ELSE 0 END), 0) AS Succeeded,
               COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS Failed
        FROM charges
        WHERE merchant_id = @MerchantId AND mode = @Mode AND created_at >= @From AND created_at < @To
        """;

    /// <summary>Captured money per day of [<paramref name="from"/>, <paramref name="to"/>) and currency; days without any are absent.</summary>
    public static async Task<IReadOnlyList<DailyVolume>> DailyAsync(DbConnection c, string merchantId, string mode, DateTimeOffset from,
        DateTimeOffset to, CancellationToken ct) =>
        (await c.QueryAsync<DailyVolume>(new CommandDefinition(DailySql, new
        {
            MerchantId = merchantId, Mode = mode, From = from.ToUnixTimeMilliseconds(), To = to.ToUnixTimeMilliseconds(), DayMs,
        }, cancellationToken: ct))).ToList();

    public static Task<AttemptCounts> AttemptsAsync(DbConnection c, string merchantId, string mode, DateTimeOffset from, DateTimeOffset to,
        CancellationToken ct) =>
        c.QuerySingleAsync<AttemptCounts>(new CommandDefinition(AttemptsSql, new
        {
            MerchantId = merchantId, Mode = mode, From = from.ToUnixTimeMilliseconds(), To = to.ToUnixTimeMilliseconds(),
        }, cancellationToken: ct));
}
