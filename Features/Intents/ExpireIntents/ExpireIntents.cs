using System.Text.Json.Nodes;
using Dapper;
using Hangfire;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Features.Intents;

/// <summary>
/// Recurring job: moves unpaid intents past their expires_at to expired, each with its log row and
/// <c>payment.expired</c> event, in batches. The intents table says what is due, so a run that was
/// missed (a restart) is made up by the next one, and running twice expires nothing twice. "Past" is
/// by each intent's own merchant clock: a test intent of a merchant whose test clock runs ahead
/// expires by that clock. Advancing a test clock runs the same code for that merchant alone
/// (<see cref="IDueWork"/>).
/// </summary>
[DisableConcurrentExecution(timeoutInSeconds: 60)]
[AutomaticRetry(Attempts = 0)]
public sealed class ExpireIntents(DbWriter writer, Db db, TimeProvider clock) : IRecurringJob, IDueWork
{
    public const string JobId = "expire-intents";
    public const int Batch = 200;
    // A run ends after this many full batches; the next run takes the rest.
    private const int MaxBatchesPerRun = 50;


    // Test clocks only ever run ahead, so whatever is due by the real time is due: the first part finds
    // it through the (status, expires_at) index; the second looks only at merchants whose clock is ahead.
    // That second part is a CROSS JOIN with its conditions in WHERE (the same rows as an inner join, on
    // both databases) because SQLite keeps a CROSS JOIN's left table in the outer loop: joined with
    // JOIN ... ON, it chose to walk every open intent not yet due and look each one's clock up, a scan of
    // all open intents every run, inside a write that held every other write back (166 ms at 1.5 million).
    internal const string DueSql = """
        SELECT i.id AS Id, COALESCE(c.offset_ms, 0) AS OffsetMs
        FROM intents i LEFT JOIN test_clocks c ON i.mode = 'test' AND c.merchant_id = i.merchant_id
        WHERE i.status = 'requires_payment' AND i.expires_at <= @Now
        UNION ALL
        SELECT i.id AS Id, c.offset_ms AS OffsetMs
        FROM test_clocks c CROSS JOIN intents i
        WHERE c.offset_ms > 0 AND i.merchant_id = c.merchant_id AND i.mode = 'test'
          AND i.status = 'requires_payment' AND i.expires_at > @Now AND i.expires_at <= @Now + c.offset_ms
        LIMIT @Batch
        """;
    private const string DueForMerchantSql = """
        SELECT id AS Id, 0 AS OffsetMs FROM intents
        WHERE merchant_id = @MerchantId AND mode = 'test' AND status = 'requires_payment' AND expires_at <= @Now
        ORDER BY expires_at LIMIT @Batch
        """;
    private const string NextDueSql = """
        SELECT MIN(expires_at) FROM intents
        WHERE merchant_id = @MerchantId AND mode = 'test' AND status = 'requires_payment' AND expires_at <= @Until
        """;

    public async Task RunAsync(CancellationToken ct)
    {
        for (var i = 0; i < MaxBatchesPerRun && !ct.IsCancellationRequested; i++)
            if (await ExpireAsync(Batch) < Batch) return;
    }

    /// <summary>Expires up to <paramref name="batch"/> due intents of any merchant in one transaction; returns how many were due.</summary>
    public Task<int> ExpireAsync(int batch) => writer.WriteAsync(async tx =>
    {
        var now = clock.GetUtcNow();
        var due = (await tx.Connection.QueryAsync<DueRow>(DueSql, new { Now = now.ToUnixTimeMilliseconds(), Batch = batch }, tx.Transaction)).ToList();
        return await ExpireAsync(tx, due, now);
    });

    /// <summary>Expires up to <paramref name="batch"/> of the merchant's test intents due at <paramref name="now"/> (its test clock's time).</summary>
    public Task<int> ExpireForMerchantAsync(string merchantId, DateTimeOffset now, int batch) => writer.WriteAsync(async tx =>
    {
        var due = (await tx.Connection.QueryAsync<DueRow>(DueForMerchantSql,
            new { MerchantId = merchantId, Now = now.ToUnixTimeMilliseconds(), Batch = batch }, tx.Transaction)).ToList();
        return await ExpireAsync(tx, due, now);
    });

    /// <summary>Each intent expires at its own merchant's time: <paramref name="now"/> plus the row's clock offset.</summary>
    private static async Task<int> ExpireAsync(DbTx tx, List<DueRow> due, DateTimeOffset now)
    {
        foreach (var row in due)
        {
            var (id, at) = (row.Id, now.AddMilliseconds(row.OffsetMs));
            var intent = (await IntentState.LoadAsync(tx, id))!;
            if (!await IntentState.MoveAsync(tx, id, IntentStatus.RequiresPayment, IntentStatus.Expired, at)) continue;
            const string message = "The payment intent expired before it was paid.";
            await IntentLog.WriteAsync(tx, id, "payment.expired", message, Actor.System, at);
            await Outbox.EmitAsync(tx, new WebhookEvent(intent.MerchantId, intent.Mode, "payment.expired", id, null, new JsonObject
            {
                ["intent_id"] = id,
                ["message"] = message,
                ["metadata"] = intent.MetadataNode(),
            }), at);
        }
        return due.Count;
    }

    public async Task<long?> NextDueAsync(string merchantId, long until, CancellationToken ct)
    {
        await using var connection = await db.OpenReadAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(NextDueSql, new { MerchantId = merchantId, Until = until }, cancellationToken: ct));
    }

    public async Task<DueWorkDone> RunDueAsync(string merchantId, DateTimeOffset now, CancellationToken ct)
    {
        int expired = 0, due;
        do
        {
            due = await ExpireForMerchantAsync(merchantId, now, Batch);
            expired += due;
        } while (due == Batch && !ct.IsCancellationRequested);
        return new DueWorkDone(Expiries: expired);
    }
}
