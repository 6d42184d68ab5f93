using Dapper;
using Hangfire;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Features.Subscriptions;

/// <summary>
/// Recurring job: renews the subscriptions whose next_charge_at has come (a scheduled renewal or a
/// dunning retry), in batches, several at once (<see cref="Renewals"/>). The subscriptions table says
/// what is due, so a missed run (a restart) is made up by the next, and two runs or two instances
/// never charge one attempt twice: each attempt is claimed once, by its unique row. "Due" is by each
/// subscription's own merchant clock (a test clock may run ahead). Advancing a test clock runs the
/// same code for that merchant's test subscriptions (<see cref="IDueWork"/>).
/// </summary>
[DisableConcurrentExecution(timeoutInSeconds: 300)]
[AutomaticRetry(Attempts = 0)]
public sealed class RenewSubscriptions(Renewals renewals, Db db, TimeProvider clock, ILogger<RenewSubscriptions> logger) : IRecurringJob, IDueWork
{
    public const string JobId = "renew-subscriptions";
    public const int Batch = 2000;
    // A run ends after this many full batches; the next run takes the rest.
    private const int MaxBatchesPerRun = 50;


    // An attempt still open (sent, or its answer lost) is the settlement job's: the subscription is not due meanwhile.
    private const string NoOpenAttempt = """
        NOT EXISTS (SELECT 1 FROM renewal_attempts a WHERE a.subscription_id = s.id AND a.status IN ('pending', 'unknown'))
        """;

    // Test clocks only ever run ahead, so whatever is due by the real time is due: the first part finds it through
    // the (status, next_charge_at) index; the second looks only at merchants whose test clock is ahead (a CROSS
    // JOIN, which SQLite never reorders: see ExpireIntents, where JOIN ... ON had it walk every row not yet due).
    internal const string DueSql = $"""
        SELECT s.id AS Id, COALESCE(c.offset_ms, 0) AS OffsetMs
        FROM subscriptions s LEFT JOIN test_clocks c ON s.mode = 'test' AND c.merchant_id = s.merchant_id
        WHERE s.status IN ('active', 'past_due') AND s.next_charge_at <= @Now AND {NoOpenAttempt}
        UNION ALL
        SELECT s.id AS Id, c.offset_ms AS OffsetMs
        FROM test_clocks c CROSS JOIN subscriptions s
        WHERE c.offset_ms > 0 AND s.merchant_id = c.merchant_id AND s.mode = 'test'
          AND s.status IN ('active', 'past_due') AND s.next_charge_at > @Now AND s.next_charge_at <= @Now + c.offset_ms
          AND {NoOpenAttempt}
        LIMIT @Batch
        """;
    private const string DueForMerchantSql = $"""
        SELECT s.id AS Id, 0 AS OffsetMs FROM subscriptions s
        WHERE s.merchant_id = @MerchantId AND s.mode = 'test' AND s.status IN ('active', 'past_due') AND s.next_charge_at <= @Now AND {NoOpenAttempt}
        ORDER BY s.next_charge_at LIMIT @Batch
        """;
    private const string NextDueSql = $"""
        SELECT MIN(s.next_charge_at) FROM subscriptions s
        WHERE s.merchant_id = @MerchantId AND s.mode = 'test' AND s.status IN ('active', 'past_due') AND s.next_charge_at <= @Until AND {NoOpenAttempt}
        """;

    public async Task RunAsync(CancellationToken ct)
    {
        var done = DueWorkDone.None;
        for (var i = 0; i < MaxBatchesPerRun && !ct.IsCancellationRequested; i++)
        {
            var now = clock.GetUtcNow();
            var due = await DueAsync(DueSql, new { Now = now.ToUnixTimeMilliseconds(), Batch }, ct);
            var batch = await renewals.RenewAllAsync(due.Select(d => (d.Id, now.AddMilliseconds(d.OffsetMs))), ct);
            done += batch;
            // Fewer than a batch: that was all. Nothing moved: what is left is claimed elsewhere (another instance).
            if (due.Count < Batch || batch.IsEmpty) break;
        }
        if (!done.IsEmpty)
            logger.LogInformation("Renewals: {Renewed} charged, {Failed} failed, {Cancelled} subscriptions cancelled", done.Renewals, done.Failures, done.Cancellations);
    }

    public async Task<long?> NextDueAsync(string merchantId, long until, CancellationToken ct)
    {
        await using var connection = await db.OpenReadAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(NextDueSql, new { MerchantId = merchantId, Until = until }, cancellationToken: ct));
    }

    public async Task<DueWorkDone> RunDueAsync(string merchantId, DateTimeOffset now, CancellationToken ct)
    {
        var done = DueWorkDone.None;
        while (!ct.IsCancellationRequested)
        {
            var due = await DueAsync(DueForMerchantSql, new { MerchantId = merchantId, Now = now.ToUnixTimeMilliseconds(), Batch }, ct);
            var batch = await renewals.RenewAllAsync(due.Select(d => (d.Id, now)), ct);
            done += batch;
            if (due.Count < Batch || batch.IsEmpty) break;
        }
        return done;
    }

    private async Task<List<DueRow>> DueAsync(string sql, object args, CancellationToken ct)
    {
        await using var connection = await db.OpenReadAsync(ct);
        return (await connection.QueryAsync<DueRow>(new CommandDefinition(sql, args, cancellationToken: ct))).ToList();
    }
}
