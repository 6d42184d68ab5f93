using Dapper;
using System.Data.Common;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Payments.Contracts;

/// <summary>A charge as other modules read it.</summary>
public sealed record ChargeRow(
    long Id, string IntentId, string? SubscriptionId, string MerchantId, string Mode, string Kind, string Status, long Amount, string Currency,
    long CapturedAmount, long RefundedAmount, string? GatewayTransactionId, string? FailureCode, string? FailureMessage,
    string? CardBrand, string? CardLast4, string? CardExpiry, string? VaultId, long CreatedAt);

/// <summary>A charge attempt as the API shows it (an intent's and a subscription's <c>charges</c>): kind sale, authorization or renewal.</summary>
public sealed record ChargeView(long Id, string Kind, string Status, string Amount, string AmountCaptured, string AmountRefunded,
    string? SubscriptionId, string? GatewayTransactionId, string? FailureCode, string? FailureMessage, string? CardBrand, string? CardLast4,
    string? CardExpiry, string CreatedAt)
{
    public void WriteJson(System.Text.Json.Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("id"u8, Id);
        w.WriteString("kind"u8, Kind);
        w.WriteString("status"u8, Status);
        w.WriteString("amount"u8, Amount);
        w.WriteString("amount_captured"u8, AmountCaptured);
        w.WriteString("amount_refunded"u8, AmountRefunded);
        w.WriteString("subscription_id"u8, SubscriptionId);
        w.WriteString("gateway_transaction_id"u8, GatewayTransactionId);
        w.WriteString("failure_code"u8, FailureCode);
        w.WriteString("failure_message"u8, FailureMessage);
        w.WriteString("card_brand"u8, CardBrand);
        w.WriteString("card_last4"u8, CardLast4);
        w.WriteString("card_expiry"u8, CardExpiry);
        w.WriteString("created_at"u8, CreatedAt);
        w.WriteEndObject();
    }

    public static ChargeView Of(ChargeRow c, int exponent) => new(
        c.Id, c.Kind, c.Status, Amounts.Format(c.Amount, exponent), Amounts.Format(c.CapturedAmount, exponent), Amounts.Format(c.RefundedAmount, exponent),
        c.SubscriptionId, c.GatewayTransactionId, c.FailureCode, c.FailureMessage, c.CardBrand, c.CardLast4, c.CardExpiry, Formats.Timestamp(c.CreatedAt));
}

/// <summary>The card that paid, as a receipt names it: brand (visa, mastercard, …) and last four digits, either unknown when the gateway did not say.</summary>
public sealed record PaidCard(string? Brand, string? Last4);

public static class ChargeReads
{
    public const string Columns = """
        id AS Id, intent_id AS IntentId, subscription_id AS SubscriptionId, merchant_id AS MerchantId, mode AS Mode, kind AS Kind, status AS Status, amount AS Amount,
        currency AS Currency, captured_amount AS CapturedAmount, refunded_amount AS RefundedAmount,
        gateway_transaction_id AS GatewayTransactionId, failure_code AS FailureCode, failure_message AS FailureMessage,
        card_brand AS CardBrand, card_last4 AS CardLast4, card_expiry AS CardExpiry, vault_id AS VaultId, created_at AS CreatedAt
        """;

    private const string ForIntentSql = $"SELECT {Columns} FROM charges WHERE intent_id = @IntentId ORDER BY id";
    private const string ForSubscriptionSql = $"SELECT {Columns} FROM charges WHERE subscription_id = @SubscriptionId ORDER BY id";

    private const string PaidCardSql = """
        SELECT card_brand AS Brand, card_last4 AS Last4 FROM charges
        WHERE intent_id = @IntentId AND kind <> 'renewal' AND status IN ('success', 'authorized') ORDER BY id DESC LIMIT 1
        """;

    /// <summary>The card of the intent's approved payment (or authorization); null while none is approved.</summary>
    public static async Task<PaidCard?> PaidCardAsync(DbConnection c, string intentId, CancellationToken ct) =>
        await c.QuerySingleOrDefaultAsync<PaidCard>(new CommandDefinition(PaidCardSql, new { IntentId = intentId }, cancellationToken: ct));

    public static List<ChargeRow> ForIntent(ReadSession s, string intentId) => s.List<ChargeRow>(ForIntentSql, ("IntentId", intentId));

    /// <summary>A subscription's charges, oldest first: the first payment, then each renewal attempt.</summary>
    public static List<ChargeRow> ForSubscription(ReadSession s, string subscriptionId) => s.List<ChargeRow>(ForSubscriptionSql, ("SubscriptionId", subscriptionId));

    public static async Task<ILookup<string, ChargeRow>> ForSubscriptionsAsync(DbConnection c, IReadOnlyCollection<string> subscriptionIds, CancellationToken ct) =>
        (await c.QueryAsync<ChargeRow>(new CommandDefinition(
            c.Lists($"SELECT {Columns} FROM charges WHERE subscription_id IN @Ids ORDER BY id"), new { Ids = subscriptionIds.ToArray() }, cancellationToken: ct)))
        .ToLookup(r => r.SubscriptionId!);

    public static async Task<ILookup<string, ChargeRow>> ForIntentsAsync(DbConnection c, IReadOnlyCollection<string> intentIds, CancellationToken ct) =>
        (await c.QueryAsync<ChargeRow>(new CommandDefinition(
            c.Lists($"SELECT {Columns} FROM charges WHERE intent_id IN @Ids ORDER BY id"), new { Ids = intentIds.ToArray() }, cancellationToken: ct)))
        .ToLookup(r => r.IntentId);
}
