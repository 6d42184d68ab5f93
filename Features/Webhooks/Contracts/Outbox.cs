using System.Text.Json;
using System.Text.Json.Nodes;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Webhooks.Contracts;

/// <summary>An event to tell the merchant about; its fields sit at the top level of the payload, beside event, event_id, created_at and livemode.</summary>
public sealed record WebhookEvent(string MerchantId, string Mode, string Type, string? IntentId, string? SubscriptionId, JsonObject Fields);

/// <summary>
/// The webhook outbox. Emit inside the transaction of the change the event reports: the event and
/// one delivery row per endpoint that wants it commit with the change, and after the commit the
/// dispatcher is woken to send them (docs/webhooks.md).
/// </summary>
public static class Outbox
{
    /// <summary>Raised by a unit that created deliveries; the Webhooks module starts sending after the commit.</summary>
    public static readonly CommitSignal DeliveriesCreated = new("webhooks.deliveries-created");

    private const string NextSequenceSql = "SELECT COALESCE(MAX(sequence), 0) + 1 FROM events WHERE intent_id = @IntentId";

    private const string InsertSql = """
        INSERT INTO events (id, merchant_id, mode, type, intent_id, subscription_id, payload, created_at, sequence)
        VALUES (@Id, @MerchantId, @Mode, @Type, @IntentId, @SubscriptionId, @Payload, @CreatedAt, @Sequence)
        RETURNING seq
        """;

    /// <summary>An endpoint row (of webhook_endpoints) that takes events of the type whose <see cref="TypePattern"/> is @TypePattern.</summary>
    internal const string Subscribed = "(event_types IS NULL OR (' ' || event_types || ' ') LIKE @TypePattern)";

    internal static string TypePattern(string type) => $"% {type} %";

    // Every enabled endpoint of the merchant and mode that takes this type.
    private const string DeliveriesSql = $"""
        INSERT INTO webhook_deliveries (event_seq, endpoint_id, intent_id, status, attempts, next_attempt_at, created_at, updated_at)
        SELECT @Seq, id, @IntentId, 'pending', 0, @Now, @Now, @Now FROM webhook_endpoints
        WHERE merchant_id = @MerchantId AND mode = @Mode AND enabled = 1 AND deleted_at IS NULL AND {Subscribed}
        """;

    /// <summary>Writes the event and its deliveries; returns its id (<c>evt_</c> + UUID).</summary>
    public static Task<string> EmitAsync(DbTx tx, WebhookEvent e, DateTimeOffset now)
    {
        var (id, seq) = Write(tx, e, now);
        // Due at once by the wall clock: a test-mode event may carry its merchant's test clock, days ahead.
        var created = tx.Execute(DeliveriesSql, ("Seq", seq), ("IntentId", e.IntentId), ("Now", tx.Now.ToUnixTimeMilliseconds()),
            ("MerchantId", e.MerchantId), ("Mode", e.Mode), ("TypePattern", TypePattern(e.Type)));
        if (created > 0) tx.AfterCommit(DeliveriesCreated);
        return Task.FromResult(id);
    }

    /// <summary>
    /// Writes the event alone, with its payload (the fields plus event, event_id, created_at,
    /// livemode and, for an intent's event, its sequence number); returns its id and row number.
    /// </summary>
    internal static (string Id, long Seq) Write(DbTx tx, WebhookEvent e, DateTimeOffset now)
    {
        var id = "evt_" + Guid.CreateVersion7();
        long? sequence = e.IntentId is null ? null : tx.Scalar<long>(NextSequenceSql, ("IntentId", e.IntentId));
        var payload = new JsonObject
        {
            ["event"] = e.Type,
            ["event_id"] = id,
            ["created_at"] = Formats.Timestamp(now),
            ["livemode"] = e.Mode == "live",
        };
        if (sequence is not null) payload["sequence"] = sequence;
        foreach (var (name, value) in e.Fields) payload[name] = value?.DeepClone();
        var seq = tx.Scalar<long>(InsertSql, ("Id", id), ("MerchantId", e.MerchantId), ("Mode", e.Mode), ("Type", e.Type), ("IntentId", e.IntentId),
            ("SubscriptionId", e.SubscriptionId), ("Payload", payload.ToJsonString(JsonSerializerOptions.Web)),
            ("CreatedAt", now.ToUnixTimeMilliseconds()), ("Sequence", sequence));
        return (id, seq);
    }
}
