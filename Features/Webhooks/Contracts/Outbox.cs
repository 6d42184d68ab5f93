using System.Text.Json;
using System.Text.Json.Nodes;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Webhooks.Contracts;

/// <summary>An event to tell the merchant about; its fields sit at the top level of the payload, beside event, event_id, created_at and livemode.</summary>
public sealed record WebhookEvent(string MerchantId, string Mode, string Type, string? IntentId, string? SubscriptionId, JsonObject Fields);

/// <summary>The webhook outbox. Emit inside the transaction of the change the event reports.</summary>
public static class Outbox
{
    private const string InsertSql = """
        INSERT INTO events (id, merchant_id, mode, type, intent_id, subscription_id, payload, created_at)
        VALUES (@Id, @MerchantId, @Mode, @Type, @IntentId, @SubscriptionId, @Payload, @CreatedAt)
        """;

    /// <summary>Writes the event; returns its id (<c>evt_</c> + UUID).</summary>
    public static Task<string> EmitAsync(DbTx tx, WebhookEvent e, DateTimeOffset now)
    {
        var id = "evt_" + Guid.CreateVersion7();
        var payload = new JsonObject
        {
            ["event"] = e.Type,
            ["event_id"] = id,
            ["created_at"] = Formats.Timestamp(now),
            ["livemode"] = e.Mode == "live",
        };
        foreach (var (name, value) in e.Fields) payload[name] = value?.DeepClone();
        tx.Execute(InsertSql, ("Id", id), ("MerchantId", e.MerchantId), ("Mode", e.Mode), ("Type", e.Type), ("IntentId", e.IntentId),
            ("SubscriptionId", e.SubscriptionId), ("Payload", payload.ToJsonString(JsonSerializerOptions.Web)),
            ("CreatedAt", now.ToUnixTimeMilliseconds()));
        return Task.FromResult(id);
    }
}
