using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Infrastructure.Idempotency;


/// <summary>Deletes idempotency keys past their 24 hours, in bounded batches (a key older than that is free again anyway).</summary>
public sealed class IdempotencyPurge(DbWriter writer, TimeProvider clock)
{
    private const string PurgeSql = """
        DELETE FROM idempotency_keys
        WHERE (client_id, idem_key) IN (
            SELECT client_id, idem_key FROM idempotency_keys WHERE created_at < @Before ORDER BY created_at LIMIT @Batch)
        """;

    /// <summary>Deletes up to <paramref name="batch"/> expired keys; returns how many.</summary>
    public Task<int> PurgeAsync(int batch) => writer.WriteAsync(tx => Task.FromResult(tx.Execute(PurgeSql,
        ("Before", (clock.GetUtcNow() - IdempotencyFilter.Retention).ToUnixTimeMilliseconds()), ("Batch", batch))));
}

/// <summary>Runs <see cref="IdempotencyPurge"/> every <c>PaymentHub:IdempotencyPurgeIntervalSeconds</c> (default 3600; 0 turns it off).</summary>
internal sealed class IdempotencyPurgeSweep(IdempotencyPurge purge, IConfiguration config, ILogger<IdempotencyPurgeSweep> logger)
    : PeriodicSweep(config, "IdempotencyPurgeIntervalSeconds", 3600, logger)
{
    private const int Batch = 1000;

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        int purged;
        do purged = await purge.PurgeAsync(Batch);
        while (purged == Batch && !ct.IsCancellationRequested);
    }
}
