using System.Text.Json.Nodes;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Subscriptions;

/// <summary>
/// What a subscription's changes write beside the change, in the same unit of work: a row in the log
/// of the intent that started it, and the event merchants receive. Payloads carry the intent's
/// metadata, as every event does.
/// </summary>
internal static class SubscriptionEvents
{
    public const string Renewed = "subscription.renewed";
    public const string Failed = "subscription.failed";
    public const string Canceled = "subscription.canceled";

    /// <summary>A renewal was charged: <c>subscription.renewed</c> with the charge.</summary>
    public static async Task RenewedAsync(DbTx tx, IntentSnapshot intent, string subscriptionId, long chargeId, string log, DateTimeOffset now)
    {
        await IntentLog.WriteAsync(tx, intent.Id, Renewed, log, Actor.Gateway, now);
        await EmitAsync(tx, intent, Renewed, subscriptionId, now, ("charge_id", chargeId));
    }

    /// <summary>A renewal charge failed: <c>subscription.failed</c> with why, in words the customer may read.</summary>
    public static async Task FailedAsync(DbTx tx, IntentSnapshot intent, string subscriptionId, string message, string log, DateTimeOffset now)
    {
        await IntentLog.WriteAsync(tx, intent.Id, Failed, log, Actor.Gateway, now);
        await EmitAsync(tx, intent, Failed, subscriptionId, now, ("message", message));
    }

    /// <summary>The subscription ended: <c>subscription.canceled</c> with the reason.</summary>
    public static async Task CanceledAsync(DbTx tx, IntentSnapshot intent, string subscriptionId, string reason, string actor, DateTimeOffset now)
    {
        await IntentLog.WriteAsync(tx, intent.Id, Canceled, $"Subscription {subscriptionId} cancelled: {reason}", actor, now);
        await EmitAsync(tx, intent, Canceled, subscriptionId, now, ("message", reason));
    }

    private static Task EmitAsync(DbTx tx, IntentSnapshot intent, string type, string subscriptionId, DateTimeOffset now, (string Name, JsonNode? Value) field) =>
        Outbox.EmitAsync(tx, new WebhookEvent(intent.MerchantId, intent.Mode, type, intent.Id, subscriptionId, new JsonObject
        {
            ["subscription_id"] = subscriptionId,
            ["intent_id"] = intent.Id,
            [field.Name] = field.Value,
            ["metadata"] = intent.MetadataNode(),
        }), now);
}
