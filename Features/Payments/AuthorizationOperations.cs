using System.Text.Json.Nodes;
using Dapper;
using System.Data.Common;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Payments;

/// <summary>
/// Captures and voids of an authorization. Each attempt is a row committed before the gateway is
/// called, with the intent moved to processing; its outcome is recorded the same way whether the
/// gateway answered at once or the settlement job found it later, so a lost answer leaves the intent
/// processing until it is known instead of pretending nothing happened.
/// </summary>
internal static class AuthorizationOperations
{
    public const string Capture = "capture";
    public const string Void = "void";

    /// <summary>An attempt with what its outcome is recorded against: the authorization's charge, order id and transaction id.</summary>
    public sealed record Row(long Id, long ChargeId, string IntentId, string MerchantId, string Mode, string Kind, long Amount, string Currency,
        string Status, string Actor, string? Message, string? FailureMessage, string OrderId, string? AuthorizationId, long CreatedAt)
    {
        public bool Open => Status is "pending" or "unknown";

        public GatewayLookup Lookup() => Kind == Capture
            ? GatewayLookup.Capture(OrderId, AuthorizationId!)
            : GatewayLookup.Void(OrderId, AuthorizationId!);
    }

    private const string SelectSql = """
        SELECT o.id AS Id, o.charge_id AS ChargeId, o.intent_id AS IntentId, o.merchant_id AS MerchantId, o.mode AS Mode, o.kind AS Kind,
               o.amount AS Amount, c.currency AS Currency, o.status AS Status, o.actor AS Actor, o.message AS Message,
               o.failure_message AS FailureMessage, c.order_id AS OrderId, c.gateway_transaction_id AS AuthorizationId, o.created_at AS CreatedAt
        FROM authorization_operations o JOIN charges c ON c.id = o.charge_id
        """;

    private const string InsertSql = """
        INSERT INTO authorization_operations (charge_id, intent_id, merchant_id, mode, kind, amount, status, actor, message, created_at, updated_at)
        VALUES (@ChargeId, @IntentId, @MerchantId, @Mode, @Kind, @Amount, 'pending', @Actor, @Message, @Now, @Now)
        RETURNING id
        """;
    private const string SucceededSql = "UPDATE authorization_operations SET status = 'succeeded', updated_at = @Now WHERE id = @Id AND status IN ('pending', 'unknown')";
    private const string FailedSql = """
        UPDATE authorization_operations SET status = 'failed', failure_message = @FailureMessage, updated_at = @Now
        WHERE id = @Id AND status IN ('pending', 'unknown')
        """;
    private const string UnknownSql = "UPDATE authorization_operations SET status = 'unknown', updated_at = @Now WHERE id = @Id AND status = 'pending'";
    private const string CapturedSql = "UPDATE charges SET status = 'success', captured_amount = @Amount, updated_at = @Now WHERE id = @ChargeId AND status = 'authorized'";
    private const string VoidedSql = "UPDATE charges SET status = 'voided', updated_at = @Now WHERE id = @ChargeId AND status = 'authorized'";

    /// <summary>Records the attempt in the caller's unit, which has already moved the intent to processing; returns it.</summary>
    public static async Task<Row> StartAsync(DbTx tx, ChargeRow authorization, string kind, long amount, string actor, string? message, DateTimeOffset now)
    {
        var id = await tx.Connection.ExecuteScalarAsync<long>(InsertSql, new
        {
            ChargeId = authorization.Id, authorization.IntentId, authorization.MerchantId, authorization.Mode, Kind = kind, Amount = amount,
            Actor = actor, Message = message, Now = now.ToUnixTimeMilliseconds(),
        }, tx.Transaction);
        return await LoadAsync(tx, id);
    }

    /// <summary>Attempts whose outcome was never recorded or whose answer was lost, untouched since <paramref name="cutoff"/> (real time; test-mode rows add their merchant's clock offset).</summary>
    public static async Task<List<Row>> OpenAsync(DbConnection c, long cutoff, int batch, CancellationToken ct) =>
        (await c.QueryAsync<Row>(new CommandDefinition(SelectSql + """

             LEFT JOIN test_clocks t ON o.mode = 'test' AND t.merchant_id = o.merchant_id
             WHERE o.status IN ('pending', 'unknown') AND o.updated_at <= @Cutoff + COALESCE(t.offset_ms, 0)
             ORDER BY o.updated_at, o.id LIMIT @Batch
             """, new { Cutoff = cutoff, Batch = batch }, cancellationToken: ct))).ToList();

    /// <summary>
    /// Records what the gateway said and moves the intent as that outcome requires: a capture
    /// succeeds it, a void cancels it, a refusal gives the authorization back (requires_capture).
    /// Returns the attempt as it now stands (settled by someone else first: unchanged).
    /// </summary>
    public static async Task<Row> RecordAsync(DbTx tx, long id, GatewayResult result, Currencies currencies, DateTimeOffset now)
    {
        var op = await LoadAsync(tx, id);
        if (!op.Open) return op;
        var currency = currencies.Get(op.Currency);
        var money = $"{currency.Code} {Amounts.Format(op.Amount, currency.Exponent)}";
        var at = now.ToUnixTimeMilliseconds();
        var intent = (await IntentState.LoadAsync(tx, op.IntentId))!;

        switch (result.Outcome)
        {
            case GatewayOutcome.Approved when op.Kind == Capture:
            {
                await tx.Connection.ExecuteAsync(SucceededSql, new { op.Id, Now = at }, tx.Transaction);
                await tx.Connection.ExecuteAsync(CapturedSql, new { op.ChargeId, op.Amount, Now = at }, tx.Transaction);
                await IntentState.MoveAsync(tx, op.IntentId, IntentStatus.Processing, IntentStatus.Succeeded, now);
                await IntentLog.WriteAsync(tx, op.IntentId, "payment.captured", $"{money} captured.", op.Actor, now);
                await Outbox.EmitAsync(tx, new WebhookEvent(op.MerchantId, op.Mode, "payment.captured", op.IntentId, null, new JsonObject
                {
                    ["intent_id"] = op.IntentId,
                    ["charge_id"] = op.ChargeId,
                    ["amount"] = Amounts.Format(op.Amount, currency.Exponent),
                    ["currency"] = currency.Code,
                    ["metadata"] = intent.MetadataNode(),
                }), now);
                var charge = await tx.Connection.QuerySingleAsync<ChargeRow>($"SELECT {ChargeReads.Columns} FROM charges WHERE id = @ChargeId",
                    new { op.ChargeId }, tx.Transaction);
                await PaymentService.SucceedAsync(tx, intent, charge.Id, $"Payment of {money} succeeded.", charge.VaultId, charge.GatewayTransactionId,
                    new GatewayResult(GatewayOutcome.Approved, CardBrand: charge.CardBrand, CardLast4: charge.CardLast4, CardExpiry: charge.CardExpiry), now);
                break;
            }
            case GatewayOutcome.Approved:
                await tx.Connection.ExecuteAsync(SucceededSql, new { op.Id, Now = at }, tx.Transaction);
                await tx.Connection.ExecuteAsync(VoidedSql, new { op.ChargeId, Now = at }, tx.Transaction);
                await IntentCancellation.CancelAsync(tx, intent, IntentStatus.Processing, op.Actor, op.Message ?? "Payment intent cancelled.", now);
                break;
            case GatewayOutcome.Unknown:
                if (await tx.Connection.ExecuteAsync(UnknownSql, new { op.Id, Now = at }, tx.Transaction) == 1)
                    await IntentLog.WriteAsync(tx, op.IntentId, $"{op.Kind}.unknown",
                        op.Kind == Capture
                            ? $"The gateway's answer to the capture of {money} was lost; the intent stays processing until the gateway is asked what became of it."
                            : "The gateway's answer to releasing the authorization was lost; the intent stays processing until the gateway is asked what became of it.",
                        Actor.System, now);
                break;
            default:
                var why = PaymentService.CustomerMessage(result);
                await tx.Connection.ExecuteAsync(FailedSql, new { op.Id, FailureMessage = why, Now = at }, tx.Transaction);
                await IntentState.MoveAsync(tx, op.IntentId, IntentStatus.Processing, IntentStatus.RequiresCapture, now);
                await IntentLog.WriteAsync(tx, op.IntentId, $"{op.Kind}.failed",
                    op.Kind == Capture ? $"Capture of {money} failed: {why}" : $"The authorization could not be released: {why}", Actor.Gateway, now);
                break;
        }
        return await LoadAsync(tx, id);
    }

    private static Task<Row> LoadAsync(DbTx tx, long id) =>
        tx.Connection.QuerySingleAsync<Row>(SelectSql + " WHERE o.id = @Id", new { Id = id }, tx.Transaction);
}
