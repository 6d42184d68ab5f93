using Hangfire;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// Recurring job: deletes webhook attempts older than 30 days, in bounded batches. Deliveries keep
/// their status, attempt count and last answer; only the per-attempt history goes. Running it
/// twice is harmless.
/// </summary>
[DisableConcurrentExecution(timeoutInSeconds: 60)]
[AutomaticRetry(Attempts = 0)]
public sealed class PruneWebhookAttempts(DbWriter writer, TimeProvider clock) : IRecurringJob
{
    public const string JobId = "prune-webhook-attempts";
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);
    public const int Batch = 1000;
    private const int MaxBatchesPerRun = 100;

    private const string PruneSql = """
        DELETE FROM webhook_attempts
        WHERE id IN (SELECT id FROM webhook_attempts WHERE attempted_at < @Before ORDER BY attempted_at LIMIT @Batch)
        """;

    public async Task RunAsync(CancellationToken ct)
    {
        for (var i = 0; i < MaxBatchesPerRun && !ct.IsCancellationRequested; i++)
            if (await PruneAsync(Batch) < Batch) return;
    }

    /// <summary>Deletes up to <paramref name="batch"/> attempts past the retention; returns how many.</summary>
    public Task<int> PruneAsync(int batch) => writer.WriteAsync(tx => Task.FromResult(tx.Execute(PruneSql,
        ("Before", (clock.GetUtcNow() - Retention).ToUnixTimeMilliseconds()), ("Batch", batch))));
}
