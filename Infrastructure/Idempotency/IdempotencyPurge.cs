using Hangfire;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Infrastructure.Idempotency;

/// <summary>
/// Recurring job: deletes idempotency keys past their 24 hours, in bounded batches. A key that old
/// is free for reuse anyway, so the purge only keeps the table small; running it twice is harmless.
/// </summary>
[DisableConcurrentExecution(timeoutInSeconds: 60)]
[AutomaticRetry(Attempts = 0)]
public sealed class IdempotencyPurge(DbWriter writer, TimeProvider clock) : IRecurringJob
{
    public const string JobId = "purge-idempotency-keys";
    public const int Batch = 1000;
    private const int MaxBatchesPerRun = 100;

    private const string PurgeSql = """
        DELETE FROM idempotency_keys
        WHERE (client_id, idem_key) IN (
            SELECT client_id, idem_key FROM idempotency_keys WHERE created_at < @Before ORDER BY created_at LIMIT @Batch)
        """;

    public async Task RunAsync(CancellationToken ct)
    {
        for (var i = 0; i < MaxBatchesPerRun && !ct.IsCancellationRequested; i++)
            if (await PurgeAsync(Batch) < Batch) return;
    }

    /// <summary>Deletes up to <paramref name="batch"/> expired keys; returns how many.</summary>
    public Task<int> PurgeAsync(int batch) => writer.WriteAsync(tx => Task.FromResult(tx.Execute(PurgeSql,
        ("Before", (clock.GetUtcNow() - IdempotencyFilter.Retention).ToUnixTimeMilliseconds()), ("Batch", batch))));
}
