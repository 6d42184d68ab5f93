using System.Text.Json.Nodes;
using Dapper;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Subscriptions.Contracts;

/// <summary>The card a subscription renews with, as the first payment stored it.</summary>
public sealed record StoredCard(string VaultId, string? InitialTransactionId, string? Brand, string? Last4, string? Expiry);

/// <summary>
/// Starts a subscription from a paid recurring intent, inside the payment's own unit of work, so the
/// payment, the subscription, their log rows and events commit together or not at all. The first
/// payment pays for period 1, from <c>paidAt</c> to <c>paidAt + interval_days</c>, when the first
/// renewal falls due.
/// </summary>
public static class SubscriptionStarter
{
    private const string InsertSql = """
        INSERT INTO subscriptions (id, intent_id, merchant_id, mode, status, amount, currency, interval_days, vault_id,
            initial_transaction_id, card_brand, card_last4, card_expiry, next_charge_at, failed_attempts, created_at, updated_at,
            customer_ref_id, email, name, current_period, current_period_start, current_period_end)
        VALUES (@Id, @IntentId, @MerchantId, @Mode, 'active', @Amount, @Currency, @IntervalDays, @VaultId,
            @InitialTransactionId, @Brand, @Last4, @Expiry, @NextChargeAt, 0, @Now, @Now,
            @CustomerRefId, @Email, @Name, 1, @Now, @NextChargeAt)
        ON CONFLICT (intent_id) DO NOTHING
        RETURNING id
        """;

    /// <summary>Creates the subscription with <c>subscription.created</c>; null if the intent already has one.</summary>
    public static async Task<string?> StartAsync(DbTx tx, IntentSnapshot intent, StoredCard card, DateTimeOffset paidAt)
    {
        var id = "sub_" + Guid.CreateVersion7();
        var created = await tx.Connection.ExecuteScalarAsync<string?>(InsertSql, new
        {
            Id = id, IntentId = intent.Id, intent.MerchantId, intent.Mode, intent.Amount, intent.Currency,
            IntervalDays = intent.IntervalDays ?? throw new InvalidOperationException("A recurring intent has interval_days."),
            card.VaultId, card.InitialTransactionId, card.Brand, card.Last4, card.Expiry, intent.CustomerRefId, intent.Email, intent.Name,
            NextChargeAt = paidAt.AddDays(intent.IntervalDays.Value).ToUnixTimeMilliseconds(),
            Now = paidAt.ToUnixTimeMilliseconds(),
        }, tx.Transaction);
        if (created is null) return null;

        await IntentLog.WriteAsync(tx, intent.Id, "subscription.created",
            $"Subscription {id} started: every {intent.IntervalDays} days, next charge {Infrastructure.Formats.Timestamp(paidAt.AddDays(intent.IntervalDays.Value))}.",
            Actor.System, paidAt);
        await Outbox.EmitAsync(tx, new WebhookEvent(intent.MerchantId, intent.Mode, "subscription.created", intent.Id, id, new JsonObject
        {
            ["subscription_id"] = id,
            ["intent_id"] = intent.Id,
            ["metadata"] = intent.MetadataNode(),
        }), paidAt);
        return id;
    }
}
