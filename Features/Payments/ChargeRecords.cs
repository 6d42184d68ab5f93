using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Payments;

/// <summary>
/// A charge row's outcome, written the same way for a customer's payment and a renewal, whether the
/// gateway answered at once or the settlement job found out later. Each write takes effect only on
/// a charge still pending or unknown, so whoever records second changes nothing (and learns so).
/// </summary>
internal static class ChargeRecords
{
    private const string ApprovedSql = """
        UPDATE charges SET status = @Status, captured_amount = COALESCE(@Captured, amount), gateway_transaction_id = @TransactionId,
            card_brand = @CardBrand, card_last4 = @CardLast4, card_expiry = @CardExpiry, vault_id = @VaultId, updated_at = @Now
        WHERE id = @ChargeId AND status IN ('pending', 'unknown')
        """;
    private const string FailedSql = """
        UPDATE charges SET status = 'failed', gateway_transaction_id = @TransactionId, failure_code = @Code, failure_message = @Message,
            decline_type = @DeclineType, card_brand = @CardBrand, card_last4 = @CardLast4, card_expiry = @CardExpiry, updated_at = @Now
        WHERE id = @ChargeId AND status IN ('pending', 'unknown')
        """;
    private const string UnknownSql = "UPDATE charges SET status = 'unknown', updated_at = @Now WHERE id = @ChargeId AND status = 'pending'";

    /// <summary>Approved: <paramref name="status"/> is success or authorized, <paramref name="captured"/> null for the whole amount. False when already settled.</summary>
    public static bool Approved(DbTx tx, long chargeId, string status, long? captured, GatewayResult r, DateTimeOffset now) =>
        tx.Execute(ApprovedSql, ("Status", status), ("Captured", captured), ("TransactionId", r.TransactionId), ("CardBrand", r.CardBrand),
            ("CardLast4", r.CardLast4), ("CardExpiry", r.CardExpiry), ("VaultId", r.VaultId), ("Now", now.ToUnixTimeMilliseconds()),
            ("ChargeId", chargeId)) == 1;

    /// <summary>Declined or refused, with <paramref name="message"/> as the customer may read it. False when already settled.</summary>
    public static bool Failed(DbTx tx, long chargeId, GatewayResult r, string message, DateTimeOffset now) =>
        tx.Execute(FailedSql, ("TransactionId", r.TransactionId), ("Code", FailureCode(r)), ("Message", message),
            ("DeclineType", r.Outcome switch { GatewayOutcome.HardDecline => "hard", GatewayOutcome.SoftDecline => "soft", _ => "error" }),
            ("CardBrand", r.CardBrand), ("CardLast4", r.CardLast4), ("CardExpiry", r.CardExpiry), ("Now", now.ToUnixTimeMilliseconds()),
            ("ChargeId", chargeId)) == 1;

    /// <summary>The answer was lost: pending becomes unknown. False when it was not pending.</summary>
    public static bool Unknown(DbTx tx, long chargeId, DateTimeOffset now) =>
        tx.Execute(UnknownSql, ("Now", now.ToUnixTimeMilliseconds()), ("ChargeId", chargeId)) == 1;

    /// <summary>The failure_code recorded for a decline or an error.</summary>
    public static string FailureCode(GatewayResult r) => r.DeclineCode ?? r.Outcome.ToString().ToLowerInvariant();
}
