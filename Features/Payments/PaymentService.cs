using System.Text.Json.Nodes;
using Dapper;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Features.Subscriptions.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Payments;

/// <summary>How a customer's payment attempt ended.</summary>
public abstract record PayResult
{
    public sealed record Paid(long ChargeId, string IntentStatus) : PayResult;
    public sealed record Declined(long ChargeId, string Message, int AttemptsLeft) : PayResult;
    /// <summary>The last allowed attempt was declined: the intent is now failed.</summary>
    public sealed record Exhausted(long ChargeId, string Message) : PayResult;
    /// <summary>The gateway's answer was lost; the charge is being confirmed, never retried blindly.</summary>
    public sealed record Pending(long ChargeId) : PayResult;
    public sealed record NotPayable(string Status) : PayResult;
}

/// <summary>
/// Takes money through a gateway in three steps: record the attempt and commit, call the gateway
/// (through <see cref="GatewayCalls"/>) outside any transaction, record the outcome (status, log
/// row, webhook event) in a second unit of work. A gateway call inside a transaction would hold
/// SQLite's single writer for as long as the network takes; and a crash in between leaves a pending
/// attempt that <see cref="SettleAsync"/> resolves by asking the gateway, never by repeating it.
/// Every time it records is the merchant's time for the intent's mode (<see cref="IMerchantClock"/>).
/// </summary>
public sealed class PaymentService(Db db, DbWriter writer, IGatewayResolver gateways, GatewayCalls calls, Currencies currencies, TimeProvider clock,
    IMerchantClock clocks, IRenewalOutcomes renewals, ILogger<PaymentService> logger) : IAuthorizationVoider
{
    public const int MaxAttempts = 5;

    private sealed record Attempt(long ChargeId, string OrderId, IntentSnapshot Intent);

    private const string CountFailedSql = "SELECT COUNT(*) FROM charges WHERE intent_id = @IntentId AND kind <> 'renewal' AND status = 'failed'";
    private const string InsertChargeSql = """
        INSERT INTO charges (intent_id, merchant_id, mode, kind, status, amount, currency, order_id, gateway, initiated_by, created_at, updated_at)
        VALUES (@IntentId, @MerchantId, @Mode, @Kind, 'pending', @Amount, @Currency, @OrderId, @Gateway, @InitiatedBy, @Now, @Now)
        RETURNING id
        """;
    private const string OpenChargesSql = """
        SELECT c.id, c.intent_id, c.order_id, c.merchant_id, c.mode, c.kind, c.created_at
        FROM charges c LEFT JOIN test_clocks t ON c.mode = 'test' AND t.merchant_id = c.merchant_id
        WHERE c.status IN ('pending', 'unknown') AND c.updated_at <= @Cutoff + COALESCE(t.offset_ms, 0)
        ORDER BY c.id LIMIT @Batch
        """;

    /// <summary>The customer pays an intent on the hosted checkout.</summary>
    public async Task<PayResult> PayAsync(string intentId, PaymentSource source, GatewayCustomer customer, CancellationToken ct)
    {
        // Resolve first: a merchant without a usable gateway must not leave a charge behind.
        var snapshot = await ReadAsync(intentId);
        if (snapshot is null) return new PayResult.NotPayable("not_found");
        var gateway = await gateways.ForAsync(snapshot.MerchantId, snapshot.Mode, ct);

        var manual = snapshot.CaptureMethod == "manual";
        var now = await clocks.NowAsync(snapshot.MerchantId, snapshot.Mode, ct);
        var start = await writer.WriteAsync<object>(async tx =>
        {
            var intent = await IntentState.LoadAsync(tx, intentId);
            if (intent is null) return new PayResult.NotPayable("not_found");
            if (intent.Status != IntentStatus.RequiresPayment) return new PayResult.NotPayable(intent.Status);
            if (now.ToUnixTimeMilliseconds() >= intent.ExpiresAt) return new PayResult.NotPayable(IntentStatus.Expired);
            var failed = await tx.Connection.ExecuteScalarAsync<long>(CountFailedSql, new { IntentId = intentId }, tx.Transaction);
            if (failed >= MaxAttempts) return new PayResult.NotPayable(IntentStatus.Failed);

            await IntentState.MoveAsync(tx, intentId, IntentStatus.RequiresPayment, IntentStatus.Processing, now);
            var orderId = "ord_" + Guid.CreateVersion7().ToString("N");
            var chargeId = await tx.Connection.ExecuteScalarAsync<long>(InsertChargeSql, new
            {
                IntentId = intentId, intent.MerchantId, intent.Mode, Kind = manual ? "authorization" : "sale", intent.Amount,
                intent.Currency, OrderId = orderId, Gateway = gateway.Name, InitiatedBy = "customer", Now = now.ToUnixTimeMilliseconds(),
            }, tx.Transaction);
            await IntentLog.WriteAsync(tx, intentId, "charge.attempted",
                $"Payment attempt {failed + 1} of {MaxAttempts} sent to the {gateway.Name} gateway ({source}).", Actor.Customer, now);
            return new Attempt(chargeId, orderId, intent);
        }, CancellationToken.None);
        if (start is PayResult notPayable) return notPayable;
        var attempt = (Attempt)start;

        var currency = currencies.Get(attempt.Intent.Currency);
        var recurring = attempt.Intent.IntentType == "recurring";
        var payment = new GatewayPayment(attempt.OrderId, attempt.Intent.Amount, currency, source,
            StoreCard: recurring,
            StoredCredential: recurring ? new StoredCredential(Initial: true, InitialTransactionId: null) : null,
            Customer: customer,
            Description: $"Payment {attempt.Intent.ReferenceId}");

        var result = await calls.SendAsync(gateway, GatewayLookup.Charge(attempt.OrderId),
            deadline => manual ? gateway.AuthorizeAsync(payment, deadline) : gateway.SaleAsync(payment, deadline));
        return await RecordAsync(attempt.ChargeId, attempt.Intent.Id, manual, result, await clocks.NowAsync(snapshot.MerchantId, snapshot.Mode, CancellationToken.None));
    }

    /// <summary>Voids the authorization of a requires_capture intent at the gateway, then cancels the intent.</summary>
    public async Task<VoidResult> VoidAsync(string intentId, string actor, string message, CancellationToken ct)
    {
        if (await ReadAsync(intentId) is not { } snapshot) return VoidResult.Refused("This payment intent is no longer waiting for capture.");
        var now = await clocks.NowAsync(snapshot.MerchantId, snapshot.Mode, ct);
        var operation = await writer.WriteAsync(async tx =>
        {
            if (!await IntentState.MoveAsync(tx, intentId, IntentStatus.RequiresCapture, IntentStatus.Processing, now)) return null;
            await IntentLog.WriteAsync(tx, intentId, "void.requested", "Releasing the authorization at the gateway.", actor, now);
            var authorization = await tx.Connection.QuerySingleAsync<ChargeRow>(
                $"SELECT {ChargeReads.Columns} FROM charges WHERE intent_id = @IntentId AND status = 'authorized' ORDER BY id DESC LIMIT 1",
                new { IntentId = intentId }, tx.Transaction);
            return await AuthorizationOperations.StartAsync(tx, authorization, AuthorizationOperations.Void, authorization.Amount, actor, message, now);
        }, CancellationToken.None);
        if (operation is null) return VoidResult.Refused("This payment intent is no longer waiting for capture.");

        var gateway = await gateways.ForAsync(operation.MerchantId, operation.Mode, ct);
        var result = await calls.SendAsync(gateway, operation.Lookup(), deadline => gateway.VoidAsync(operation.AuthorizationId!, deadline));
        var recordedAt = await clocks.NowAsync(operation.MerchantId, operation.Mode, CancellationToken.None);
        var settled = await writer.WriteAsync(tx => AuthorizationOperations.RecordAsync(tx, operation.Id, result, currencies, recordedAt),
            CancellationToken.None);
        return settled.Status switch
        {
            "succeeded" => VoidResult.Voided,
            "failed" => VoidResult.Refused($"The authorization could not be released: {settled.FailureMessage?.TrimEnd('.')}. The intent is unchanged; you may retry."),
            _ => VoidResult.Pending,
        };
    }

    /// <summary>How long an operation the gateway has no record of stays unknown before it counts as never received.</summary>
    public static readonly TimeSpan NotReceivedAfter = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Resolves the gateway operations whose answer was lost (or whose outcome was never recorded):
    /// charges by their order id, refunds by theirs, captures and voids by the authorization they
    /// acted on. A charge, capture or void the gateway still has no record of after
    /// <see cref="NotReceivedAfter"/> never reached it, and fails without money having moved; a refund
    /// in that case is left for the merchant to check (<see cref="Refunds.MarkUnconfirmedAsync"/>).
    /// A renewal's charge is handed to the subscriptions (<see cref="IRenewalOutcomes"/>), which move the
    /// subscription on exactly as an answer at once would have. Ages are measured on each row's own
    /// merchant clock, since test-mode rows carry test-clock times. Returns how many were settled.
    /// </summary>
    public async Task<int> SettleAsync(TimeSpan olderThan, int batch, CancellationToken ct)
    {
        // The real time: how long a request may still be waiting for its answer is elapsed time (each row's offset is added in SQL).
        var cutoff = (clock.GetUtcNow() - olderThan).ToUnixTimeMilliseconds();
        List<(long Id, string IntentId, string OrderId, string MerchantId, string Mode, string Kind, long CreatedAt)> charges;
        List<Refunds.Row> refunds;
        List<AuthorizationOperations.Row> operations;
        await using (var c = await db.OpenReadAsync(ct))
        {
            charges = (await c.QueryAsync<(long, string, string, string, string, string, long)>(new CommandDefinition(
                OpenChargesSql, new { Cutoff = cutoff, Batch = batch }, cancellationToken: ct))).ToList();
            refunds = await Refunds.OpenAsync(c, cutoff, batch, ct);
            operations = await AuthorizationOperations.OpenAsync(c, cutoff, batch, ct);
        }

        var settled = 0;
        foreach (var charge in charges)
        {
            ct.ThrowIfCancellationRequested();
            var renewal = charge.Kind == "renewal";
            var result = await AskAsync(charge.MerchantId, charge.Mode, GatewayLookup.Charge(charge.OrderId), charge.CreatedAt,
                renewal ? "The renewal charge did not reach the bank. No money was taken." : "The payment did not reach the bank. No money was taken; please try again.", ct);
            if (result is null) continue;
            if (renewal) await renewals.RecordAsync(charge.Id, charge.MerchantId, charge.Mode, result, ct);
            else await RecordAsync(charge.Id, charge.IntentId, charge.Kind == "authorization", result, await clocks.NowAsync(charge.MerchantId, charge.Mode, ct));
            settled++;
        }
        foreach (var refund in refunds)
        {
            ct.ThrowIfCancellationRequested();
            var result = await AskAsync(refund.MerchantId, refund.Mode, refund.Lookup(), refund.CreatedAt,
                "The refund is not on record at the gateway.", ct);
            if (result is null) continue;
            var at = await clocks.NowAsync(refund.MerchantId, refund.Mode, ct);
            if (result.DeclineCode == "not_received")
            {
                await writer.WriteAsync(async tx => { await Refunds.MarkUnconfirmedAsync(tx, refund, currencies, at); return 0; },
                    CancellationToken.None);
                continue;
            }
            await writer.WriteAsync(tx => Refunds.RecordAsync(tx, refund.Id, result, currencies, at), CancellationToken.None);
            settled++;
        }
        foreach (var operation in operations)
        {
            ct.ThrowIfCancellationRequested();
            var result = await AskAsync(operation.MerchantId, operation.Mode, operation.Lookup(), operation.CreatedAt,
                $"The {operation.Kind} did not reach the gateway; the authorization is unchanged.", ct);
            if (result is null) continue;
            var at = await clocks.NowAsync(operation.MerchantId, operation.Mode, ct);
            await writer.WriteAsync(tx => AuthorizationOperations.RecordAsync(tx, operation.Id, result, currencies, at), CancellationToken.None);
            settled++;
        }
        return settled;
    }

    /// <summary>
    /// The settled outcome of one operation, or null while it can't be known yet. The gateway having
    /// no record of it is an answer only once the request can no longer be on its way.
    /// </summary>
    private async Task<GatewayResult?> AskAsync(string merchantId, string mode, GatewayLookup lookup, long createdAt,
        string neverReceived, CancellationToken ct)
    {
        IGateway gateway;
        try
        {
            gateway = await gateways.ForAsync(merchantId, mode, ct);
        }
        catch (InvalidOperationException ex)
        {
            // Live settings removed since: nothing to ask until they are back.
            logger.LogWarning("Order {OrderId} of merchant {MerchantId} can't be settled: {Reason}", lookup.OrderId, merchantId, ex.Message);
            return null;
        }
        var result = await calls.QueryAsync(gateway, lookup);
        var now = await clocks.NowAsync(merchantId, mode, ct);
        if (result is { Outcome: GatewayOutcome.Error, DeclineCode: "not_found" } && now - DateTimeOffset.FromUnixTimeMilliseconds(createdAt) >= NotReceivedAfter)
            return new GatewayResult(GatewayOutcome.Error, DeclineCode: "not_received", Message: neverReceived);
        return result.Outcome is GatewayOutcome.Unknown or GatewayOutcome.Error ? null : result;
    }

    private Task<PayResult> RecordAsync(long chargeId, string intentId, bool manual, GatewayResult result, DateTimeOffset now) =>
        writer.WriteAsync<PayResult>(async tx =>
        {
            var intent = (await IntentState.LoadAsync(tx, intentId))!;
            var currency = currencies.Get(intent.Currency);
            var money = $"{currency.Code} {Amounts.Format(intent.Amount, currency.Exponent)}";
            var card = result.CardLast4 is null ? "" : $" ({result.CardBrand} •••• {result.CardLast4})";

            switch (result.Outcome)
            {
                case GatewayOutcome.Approved:
                {
                    if (!ChargeRecords.Approved(tx, chargeId, manual ? "authorized" : "success", manual ? 0 : null, result, now)) return AlreadySettled(intent);
                    if (manual)
                    {
                        await IntentState.MoveAsync(tx, intentId, IntentStatus.Processing, IntentStatus.RequiresCapture, now);
                        await IntentLog.WriteAsync(tx, intentId, "payment.authorized", $"{money} authorized{card}; waiting for capture.", Actor.Gateway, now);
                        return new PayResult.Paid(chargeId, IntentStatus.RequiresCapture);
                    }
                    await IntentState.MoveAsync(tx, intentId, IntentStatus.Processing, IntentStatus.Succeeded, now);
                    await SucceedAsync(tx, intent, chargeId, money + " paid" + card + ".", result.VaultId, result.TransactionId, result, now);
                    return new PayResult.Paid(chargeId, IntentStatus.Succeeded);
                }
                case GatewayOutcome.Unknown:
                    if (!ChargeRecords.Unknown(tx, chargeId, now)) return AlreadySettled(intent);
                    await IntentLog.WriteAsync(tx, intentId, "charge.unknown",
                        "The gateway's answer was lost; the payment is being confirmed with the gateway and will not be retried blindly.", Actor.System, now);
                    return new PayResult.Pending(chargeId);
                default:
                {
                    var message = CustomerMessage(result);
                    if (!ChargeRecords.Failed(tx, chargeId, result, message, now)) return AlreadySettled(intent);
                    var failed = await tx.Connection.ExecuteScalarAsync<long>(CountFailedSql, new { IntentId = intentId }, tx.Transaction);
                    var final = failed >= MaxAttempts;
                    await IntentState.MoveAsync(tx, intentId, IntentStatus.Processing, final ? IntentStatus.Failed : IntentStatus.RequiresPayment, now);
                    await IntentLog.WriteAsync(tx, intentId, "payment.failed", $"Payment attempt declined{card}: {message}", Actor.Gateway, now);
                    await Outbox.EmitAsync(tx, new WebhookEvent(intent.MerchantId, intent.Mode, "payment.failed", intentId, null, new JsonObject
                    {
                        ["intent_id"] = intentId,
                        ["charge_id"] = chargeId,
                        ["message"] = message,
                        ["metadata"] = intent.MetadataNode(),
                    }), now);
                    if (!final) return new PayResult.Declined(chargeId, message, (int)(MaxAttempts - failed));
                    await IntentLog.WriteAsync(tx, intentId, "intent.failed", $"Payment intent failed after {MaxAttempts} declined attempts.", Actor.System, now);
                    return new PayResult.Exhausted(chargeId, message);
                }
            }
        });

    /// <summary>Another settler recorded this charge's outcome first: nothing more to write.</summary>
    private static PayResult AlreadySettled(IntentSnapshot intent) => new PayResult.NotPayable(intent.Status);

    private const string LinkSubscriptionSql = "UPDATE charges SET subscription_id = @SubscriptionId WHERE id = @ChargeId";

    /// <summary>The intent is paid: log, <c>payment.succeeded</c>, and for a recurring intent its subscription.</summary>
    internal static async Task SucceedAsync(DbTx tx, IntentSnapshot intent, long chargeId, string logMessage,
        string? vaultId, string? transactionId, GatewayResult card, DateTimeOffset now)
    {
        await IntentLog.WriteAsync(tx, intent.Id, "payment.succeeded", logMessage, Actor.Gateway, now);
        await Outbox.EmitAsync(tx, new WebhookEvent(intent.MerchantId, intent.Mode, "payment.succeeded", intent.Id, null, new JsonObject
        {
            ["intent_id"] = intent.Id,
            ["charge_id"] = chargeId,
            ["metadata"] = intent.MetadataNode(),
        }), now);
        if (intent.IntentType != "recurring") return;
        if (vaultId is null)
        {
            await IntentLog.WriteAsync(tx, intent.Id, "subscription.not_created",
                "The gateway did not report a stored card for this payment, so no subscription was started: the customer is not billed again. " +
                "Ask them to subscribe again with a new recurring intent.", Actor.System, now);
            return;
        }
        var subscriptionId = await SubscriptionStarter.StartAsync(tx, intent,
            new StoredCard(vaultId, transactionId, card.CardBrand, card.CardLast4, card.CardExpiry), now);
        // The first payment belongs to the subscription, as its renewals will.
        if (subscriptionId is not null)
            tx.Execute(LinkSubscriptionSql, ("SubscriptionId", subscriptionId), ("ChargeId", chargeId));
    }

    /// <summary>What the customer may be told: the gateway's words for a decline, a generic line for errors.</summary>
    internal static string CustomerMessage(GatewayResult r) => r.Outcome switch
    {
        GatewayOutcome.Error => string.IsNullOrWhiteSpace(r.Message) ? "The payment could not be processed. Please try again." : r.Message!,
        _ => string.IsNullOrWhiteSpace(r.Message) ? "Your card was declined." : r.Message!,
    };

    private async Task<IntentSnapshot?> ReadAsync(string intentId)
    {
        await using var c = await db.OpenReadAsync();
        return await IntentState.ReadAsync(c, intentId);
    }
}
