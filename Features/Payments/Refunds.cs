using System.Text.Json.Nodes;
using Dapper;
using System.Data.Common;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Payments;

/// <summary>
/// A refund's outcome, recorded the same way whether the gateway answered the request at once or
/// the settlement job found it later: succeeded with its log row and <c>payment.refunded</c>, failed
/// with the reserved amount given back, or unknown until it is settled.
/// </summary>
internal static class Refunds
{
    /// <summary>A refund with what its outcome is recorded against.</summary>
    public sealed record Row(string Id, long ChargeId, string IntentId, string MerchantId, string Mode, long Amount, string Currency,
        string? Reason, string Status, string? OrderId, string? ChargeTransactionId, string? FailureMessage, long RefundedAmount, long CreatedAt)
    {
        public bool Open => Status is "pending" or "unknown";

        public GatewayLookup Lookup() => GatewayLookup.Refund(OrderId!, ChargeTransactionId!);
    }

    private const string SelectSql = """
        SELECT r.id AS Id, r.charge_id AS ChargeId, r.intent_id AS IntentId, r.merchant_id AS MerchantId, r.mode AS Mode, r.amount AS Amount,
               c.currency AS Currency, r.reason AS Reason, r.status AS Status, r.order_id AS OrderId,
               c.gateway_transaction_id AS ChargeTransactionId, r.failure_message AS FailureMessage,
               c.refunded_amount AS RefundedAmount, r.created_at AS CreatedAt
        FROM refunds r JOIN charges c ON c.id = r.charge_id
        """;

    private const string SucceededSql = """
        UPDATE refunds SET status = 'succeeded', gateway_refund_id = @GatewayRefundId, updated_at = @Now
        WHERE id = @Id AND status IN ('pending', 'unknown')
        """;
    private const string FailedSql = """
        UPDATE refunds SET status = 'failed', gateway_refund_id = @GatewayRefundId, failure_message = @FailureMessage, updated_at = @Now
        WHERE id = @Id AND status IN ('pending', 'unknown')
        """;
    private const string UnknownSql = "UPDATE refunds SET status = 'unknown', updated_at = @Now WHERE id = @Id AND status = 'pending'";
    private const string ReleaseSql = "UPDATE charges SET refunded_amount = refunded_amount - @Amount, updated_at = @Now WHERE id = @ChargeId";

    /// <summary>
    /// Refunds whose outcome was never recorded or whose answer was lost, untouched since <paramref name="cutoff"/> (real time; a
    /// test-mode refund's own times are on its merchant's test clock, whose offset is added).
    /// Refunds from before refunds had an order id can't be looked up and are left to a person.
    /// </summary>
    public static async Task<List<Row>> OpenAsync(DbConnection c, long cutoff, int batch, CancellationToken ct) =>
        (await c.QueryAsync<Row>(new CommandDefinition(SelectSql + """

             LEFT JOIN test_clocks t ON r.mode = 'test' AND t.merchant_id = r.merchant_id
             WHERE r.status IN ('pending', 'unknown') AND r.order_id IS NOT NULL AND r.updated_at <= @Cutoff + COALESCE(t.offset_ms, 0)
             ORDER BY r.updated_at, r.id LIMIT @Batch
             """, new { Cutoff = cutoff, Batch = batch }, cancellationToken: ct))).ToList();

    /// <summary>Records what the gateway said about the refund; returns the refund as it now stands (settled by someone else first: unchanged).</summary>
    public static async Task<Row> RecordAsync(DbTx tx, string refundId, GatewayResult result, Currencies currencies, DateTimeOffset now)
    {
        var refund = await LoadAsync(tx, refundId);
        if (!refund.Open) return refund;
        var currency = currencies.Get(refund.Currency);
        var money = $"{currency.Code} {Amounts.Format(refund.Amount, currency.Exponent)}";
        var at = now.ToUnixTimeMilliseconds();

        switch (result.Outcome)
        {
            case GatewayOutcome.Approved:
                await tx.Connection.ExecuteAsync(SucceededSql, new { Id = refundId, GatewayRefundId = result.TransactionId, Now = at }, tx.Transaction);
                var intent = (await IntentState.LoadAsync(tx, refund.IntentId))!;
                await IntentLog.WriteAsync(tx, refund.IntentId, "payment.refunded", $"{money} refunded.", Actor.Gateway, now);
                await Outbox.EmitAsync(tx, new WebhookEvent(refund.MerchantId, refund.Mode, "payment.refunded", refund.IntentId, null, new JsonObject
                {
                    ["intent_id"] = refund.IntentId,
                    ["charge_id"] = refund.ChargeId,
                    ["refund_id"] = refund.Id,
                    ["amount"] = Amounts.Format(refund.Amount, currency.Exponent),
                    ["currency"] = currency.Code,
                    ["reason"] = refund.Reason,
                    ["metadata"] = intent.MetadataNode(),
                }), now);
                break;
            case GatewayOutcome.Unknown:
                if (await tx.Connection.ExecuteAsync(UnknownSql, new { Id = refundId, Now = at }, tx.Transaction) == 1)
                    await IntentLog.WriteAsync(tx, refund.IntentId, "refund.unknown",
                        $"The gateway did not confirm the refund of {money}; it stays reserved until the gateway is asked what became of it.", Actor.System, now);
                break;
            default:
                var why = PaymentService.CustomerMessage(result);
                await tx.Connection.ExecuteAsync(FailedSql, new { Id = refundId, GatewayRefundId = result.TransactionId, FailureMessage = why, Now = at }, tx.Transaction);
                // Nothing left the merchant's account: give the balance back.
                await tx.Connection.ExecuteAsync(ReleaseSql, new { refund.ChargeId, refund.Amount, Now = at }, tx.Transaction);
                await IntentLog.WriteAsync(tx, refund.IntentId, "refund.failed", $"Refund of {money} failed: {why}", Actor.Gateway, now);
                break;
        }
        return await LoadAsync(tx, refundId);
    }

    /// <summary>
    /// The gateway has no record of a refund that should long have reached it. Unlike a charge, that is
    /// not proof that no money moved: a gateway may file a refund under the original sale rather than
    /// the order id we sent, and releasing the amount could refund the customer twice. So the refund
    /// stays unknown and reserved, an intent log line asks the merchant to check it with the gateway
    /// (once), and the lookup is tried again later.
    /// </summary>
    public static async Task MarkUnconfirmedAsync(DbTx tx, Row refund, Currencies currencies, DateTimeOffset now)
    {
        var logged = await tx.Connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM intent_logs WHERE intent_id = @IntentId AND event_type = 'refund.unconfirmed' AND message LIKE @Pattern",
            new { refund.IntentId, Pattern = $"%{refund.Id}%" }, tx.Transaction);
        if (logged == 0)
        {
            var currency = currencies.Get(refund.Currency);
            await IntentLog.WriteAsync(tx, refund.IntentId, "refund.unconfirmed",
                $"Refund {refund.Id} of {currency.Code} {Amounts.Format(refund.Amount, currency.Exponent)} is not on record at the gateway. " +
                "Check it in the gateway's own records: the amount stays reserved until it is confirmed there.", Actor.System, now);
        }
        await tx.Connection.ExecuteAsync("UPDATE refunds SET updated_at = @Now WHERE id = @Id AND status IN ('pending', 'unknown')",
            new { refund.Id, Now = now.ToUnixTimeMilliseconds() }, tx.Transaction);
    }

    public static Task<Row> LoadAsync(DbTx tx, string refundId) =>
        tx.Connection.QuerySingleAsync<Row>(SelectSql + " WHERE r.id = @Id", new { Id = refundId }, tx.Transaction);
}
