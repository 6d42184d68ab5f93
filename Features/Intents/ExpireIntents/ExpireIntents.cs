using System.Text.Json.Nodes;
using Dapper;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Intents.ExpireIntents;

/// <summary>Moves unpaid intents past their expires_at to expired (SPEC §3), with log row and <c>payment.expired</c>.</summary>
public sealed class IntentExpiry(DbWriter writer, TimeProvider clock)
{
    private const string DueSql = """
        SELECT id FROM intents
        WHERE status = 'requires_payment' AND expires_at <= @Now
        ORDER BY expires_at LIMIT @Batch
        """;

    /// <summary>Expires up to <paramref name="batch"/> intents; returns how many.</summary>
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

/// <summary>Runs <see cref="IntentExpiry"/> every <c>PaymentHub:ExpireIntervalSeconds</c> (default 60; 0 turns it off).</summary>
internal sealed class IntentExpirySweep(IntentExpiry expiry, IConfiguration config, ILogger<IntentExpirySweep> logger)
    : PeriodicSweep(config, "ExpireIntervalSeconds", 60, logger)
{
    private const int Batch = 200;

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        int expired;
        do expired = await expiry.ExpireAsync(Batch);
        while (expired == Batch && !ct.IsCancellationRequested);
    }
}
