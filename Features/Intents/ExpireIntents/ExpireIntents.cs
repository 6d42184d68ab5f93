using System.Text.Json.Nodes;
using Dapper;
using Hangfire;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Features.Intents;

/// <summary>
/// Recurring job: moves unpaid intents past their expires_at to expired, each with its log row and
/// <c>payment.expired</c> event, in batches. The intents table says what is due, so a run that was
/// missed (a restart) is made up by the next one, and running twice expires nothing twice.
/// </summary>
[DisableConcurrentExecution(timeoutInSeconds: 60)]
[AutomaticRetry(Attempts = 0)]
public sealed class ExpireIntents(DbWriter writer, TimeProvider clock) : IRecurringJob
{
    public const string JobId = "expire-intents";
    public const int Batch = 200;
    // A run ends after this many full batches; the next run takes the rest.
    private const int MaxBatchesPerRun = 50;

    private const string DueSql = """
        SELECT id FROM intents
        WHERE status = 'requires_payment' AND expires_at <= @Now
        ORDER BY expires_at LIMIT @Batch
        """;

    public async Task RunAsync(CancellationToken ct)
    {
        for (var i = 0; i < MaxBatchesPerRun && !ct.IsCancellationRequested; i++)
            if (await ExpireAsync(Batch) < Batch) return;
    }

    /// <summary>Expires up to <paramref name="batch"/> intents in one transaction; returns how many were due.</summary>
    public Task<int> ExpireAsync(int batch) => writer.WriteAsync(async tx =>
    {
        var now = clock.GetUtcNow();
        var due = (await tx.Connection.QueryAsync<string>(DueSql, new { Now = now.ToUnixTimeMilliseconds(), Batch = batch }, tx.Transaction)).ToList();
        foreach (var id in due)
        {
            var intent = (await IntentState.LoadAsync(tx, id))!;
            if (!await IntentState.MoveAsync(tx, id, IntentStatus.RequiresPayment, IntentStatus.Expired, now)) continue;
            const string message = "The payment intent expired before it was paid.";
            await IntentLog.WriteAsync(tx, id, "payment.expired", message, Actor.System, now);
            await Outbox.EmitAsync(tx, new WebhookEvent(intent.MerchantId, intent.Mode, "payment.expired", id, null, new JsonObject
            {
                ["intent_id"] = id,
                ["message"] = message,
                ["metadata"] = intent.MetadataNode(),
            }), now);
        }
        return due.Count;
    });
}
