using Dapper;
using Microsoft.Data.Sqlite;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Payments.Contracts;

/// <summary>A charge as other modules read it.</summary>
public sealed record ChargeRow(
    long Id, string IntentId, string? SubscriptionId, string MerchantId, string Mode, string Kind, string Status, long Amount, string Currency,
    long CapturedAmount, long RefundedAmount, string? GatewayTransactionId, string? FailureCode, string? FailureMessage,
    string? CardBrand, string? CardLast4, string? CardExpiry, string? VaultId, long CreatedAt);

public static class ChargeReads
{
    public const string Columns = """
        id AS Id, intent_id AS IntentId, subscription_id AS SubscriptionId, merchant_id AS MerchantId, mode AS Mode, kind AS Kind, status AS Status, amount AS Amount,
        currency AS Currency, captured_amount AS CapturedAmount, refunded_amount AS RefundedAmount,
        gateway_transaction_id AS GatewayTransactionId, failure_code AS FailureCode, failure_message AS FailureMessage,
        card_brand AS CardBrand, card_last4 AS CardLast4, card_expiry AS CardExpiry, vault_id AS VaultId, created_at AS CreatedAt
        """;

    private const string ForIntentSql = $"SELECT {Columns} FROM charges WHERE intent_id = @IntentId ORDER BY id";

    public static List<ChargeRow> ForIntent(ReadSession s, string intentId) => s.List<ChargeRow>(ForIntentSql, ("IntentId", intentId));

    public static async Task<ILookup<string, ChargeRow>> ForIntentsAsync(SqliteConnection c, IReadOnlyCollection<string> intentIds, CancellationToken ct) =>
        (await c.QueryAsync<ChargeRow>(new CommandDefinition(
            $"SELECT {Columns} FROM charges WHERE intent_id IN @Ids ORDER BY id", new { Ids = intentIds }, cancellationToken: ct)))
        .ToLookup(r => r.IntentId);
}
