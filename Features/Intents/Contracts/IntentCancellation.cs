using System.Text.Json.Nodes;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Intents.Contracts;

public static class IntentCancellation
{
    /// <summary>
    /// Moves an intent from <paramref name="from"/> to cancelled with its log row and
    /// <c>payment.canceled</c> event, in the caller's unit of work; false when it was not in <paramref name="from"/>.
    /// </summary>
    public static async Task<bool> CancelAsync(DbTx tx, IntentSnapshot intent, string from, string actor, string message, DateTimeOffset now)
    {
        if (!await IntentState.MoveAsync(tx, intent.Id, from, IntentStatus.Cancelled, now)) return false;
        await IntentLog.WriteAsync(tx, intent.Id, "payment.canceled", message, actor, now);
        await Outbox.EmitAsync(tx, new WebhookEvent(intent.MerchantId, intent.Mode, "payment.canceled", intent.Id, null, new JsonObject
        {
            ["intent_id"] = intent.Id,
            ["message"] = message,
            ["metadata"] = intent.MetadataNode(),
        }), now);
        return true;
    }
}
