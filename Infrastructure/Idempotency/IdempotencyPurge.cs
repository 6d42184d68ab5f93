using Hangfire;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Infrastructure.Idempotency;

/// <summary>
/// Recurring job: deletes idempotency keys past their 24 hours, in bounded batches. A key that old
/// is free for reuse anyway, so the purge only keeps the table small; running it twice is harmless.
/// </summary>
/// <remarks>
/// Keys are numbered in the order they are claimed (<c>seq</c>), which is their time order (a key
/// claimed again after its 24 hours is deleted and inserted anew, with a new number), so the purge
/// walks them from the oldest without an index on their time: batch by batch, deleting what is past
/// its 24 hours, until a batch ends on a key that is not.
/// </remarks>
[DisableConcurrentExecution(timeoutInSeconds: 60)]
[AutomaticRetry(Attempts = 0)]
public sealed class IdempotencyPurge(DbWriter writer, TimeProvider clock) : IRecurringJob
{
    public const string JobId = "purge-idempotency-keys";
    public const int Batch = 1000;
    private const int MaxBatchesPerRun = 100;

    /// <summary>The batch after @After: how many keys, the last one's number and time.</summary>
    private const string BatchSql = """
        SELECT page.last_seq AS LastSeq, page.keys AS Keys, k.created_at AS LastCreatedAt
        FROM (SELECT MAX(seq) AS last_seq, COUNT(*) AS keys
              FROM (SELECT seq FROM idempotency_keys WHERE seq > @After ORDER BY seq LIMIT @Batch) AS batch) AS page
        JOIN idempotency_keys AS k ON k.seq = page.last_seq
        """;

    private const string DeleteSql = "DELETE FROM idempotency_keys WHERE seq > @After AND seq <= @Last AND created_at < @Before";

    private sealed record Page(long LastSeq, long Keys, long LastCreatedAt);

    public Task RunAsync(CancellationToken ct) => PurgeAllAsync(Batch, ct);

    /// <summary>Walks the keys from the oldest in batches of <paramref name="batch"/>; returns how many it deleted.</summary>
    public async Task<int> PurgeAllAsync(int batch, CancellationToken ct)
    {
        long after = 0;
        var deleted = 0;
        for (var i = 0; i < MaxBatchesPerRun && !ct.IsCancellationRequested; i++)
        {
            var (now, last, more) = await PurgeBatchAsync(after, batch);
            deleted += now;
            if (!more) break;
            after = last;
        }
        return deleted;
    }

    /// <summary>Deletes the expired keys among the oldest <paramref name="batch"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(int batch) => (await PurgeBatchAsync(0, batch)).Deleted;

    /// <summary>
    /// Deletes the expired keys of the batch after <paramref name="after"/>. More may be expired after
    /// it when the batch was full and its last key has expired too.
    /// </summary>
    private Task<(int Deleted, long Last, bool More)> PurgeBatchAsync(long after, int batch) => writer.WriteAsync(tx =>
    {
        var before = (clock.GetUtcNow() - IdempotencyFilter.Retention).ToUnixTimeMilliseconds();
        if (tx.SingleOrDefault<Page>(BatchSql, ("After", after), ("Batch", batch)) is not { } page)
            return Task.FromResult((0, after, false));
        var deleted = tx.Execute(DeleteSql, ("After", after), ("Last", page.LastSeq), ("Before", before));
        return Task.FromResult((deleted, page.LastSeq, page.Keys == batch && page.LastCreatedAt < before));
    });
}
