using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Payments.Contracts;

/// <summary>One charge of a subscription's stored card, recorded on the intent that started the subscription.</summary>
public sealed record RenewalCharge(
    string IntentId, string SubscriptionId, string MerchantId, string Mode, long Amount, string Currency, string VaultId,
    string? InitialTransactionId, string? Email, string? Name, string OrderId, string Description);

/// <summary>
/// Records what became of a renewal charge that the settlement job found open (its answer lost, or
/// never recorded after a crash) once the gateway has said. The subscriptions module implements it
/// and moves the subscription on exactly as an answer at once would have.
/// </summary>
public interface IRenewalOutcomes
{
    Task RecordAsync(long chargeId, string merchantId, string mode, GatewayResult result, CancellationToken ct);
}

/// <summary>
/// Charging a subscription's stored card as a merchant-initiated, stored-credential sale, in the
/// steps every gateway call takes: <see cref="Start"/> records the charge (pending, with its order id)
/// in the caller's unit of work, which commits before <see cref="SendAsync"/> calls the gateway
/// through the one gateway-call wrapper outside any unit; <see cref="Record"/> writes the outcome in
/// the caller's next unit.
/// </summary>
public sealed class RenewalPayments(IGatewayResolver gateways, GatewayCalls calls, Currencies currencies, ILogger<RenewalPayments> logger)
{
    private const string InsertSql = """
        INSERT INTO charges (intent_id, subscription_id, merchant_id, mode, kind, status, amount, currency, order_id, gateway, initiated_by, created_at, updated_at)
        VALUES (@IntentId, @SubscriptionId, @MerchantId, @Mode, 'renewal', 'pending', @Amount, @Currency, @OrderId, @Gateway, 'merchant', @Now, @Now)
        RETURNING id
        """;

    /// <summary>The pending charge, in the caller's unit of work; returns its id.</summary>
    public static long Start(DbTx tx, RenewalCharge charge, string gateway, DateTimeOffset now) =>
        tx.Scalar<long>(InsertSql, ("IntentId", charge.IntentId), ("SubscriptionId", charge.SubscriptionId), ("MerchantId", charge.MerchantId),
            ("Mode", charge.Mode), ("Amount", charge.Amount), ("Currency", charge.Currency), ("OrderId", charge.OrderId), ("Gateway", gateway),
            ("Now", now.ToUnixTimeMilliseconds()));

    /// <summary>The gateway a merchant's mode charges through (test: the simulator, live: NMI), named as charges record it.</summary>
    public static string GatewayOf(string mode) => mode == "live" ? "nmi" : "simulator";

    /// <summary>
    /// Charges the stored card, outside any unit of work. Never throws: a merchant whose live gateway is
    /// no longer configured gets an error result (nothing was sent), as the wrapper gives for its own failures.
    /// </summary>
    public async Task<GatewayResult> SendAsync(RenewalCharge charge, CancellationToken ct)
    {
        IGateway gateway;
        try
        {
            gateway = await gateways.ForAsync(charge.MerchantId, charge.Mode, ct);
        }
        catch (InvalidOperationException ex)
        {
            logger.LogWarning("Renewal order {OrderId} of merchant {MerchantId} not sent: {Reason}", charge.OrderId, charge.MerchantId, ex.Message);
            return new GatewayResult(GatewayOutcome.Error, DeclineCode: GatewayCalls.NotSent,
                Message: "The merchant's gateway is not configured, so the renewal could not be sent. No money was taken.");
        }
        var (first, last) = CardNumbers.SplitName(charge.Name);
        var payment = new GatewayPayment(charge.OrderId, charge.Amount, currencies.Get(charge.Currency), new PaymentSource(VaultId: charge.VaultId),
            StoreCard: false,
            StoredCredential: new StoredCredential(Initial: false, charge.InitialTransactionId),
            Customer: new GatewayCustomer(charge.Email, first, last, IpAddress: null),
            Description: charge.Description);
        return await calls.SendAsync(gateway, GatewayLookup.Charge(charge.OrderId), deadline => gateway.SaleAsync(payment, deadline));
    }

    /// <summary>
    /// The outcome on the charge, in the caller's unit of work: success, failed (with the customer's
    /// message, see <see cref="FailureMessage"/>) or unknown. False when the charge was settled already
    /// (by the request or the settlement job, whichever came second).
    /// </summary>
    public static bool Record(DbTx tx, long chargeId, GatewayResult result, DateTimeOffset now) => result.Outcome switch
    {
        GatewayOutcome.Approved => ChargeRecords.Approved(tx, chargeId, "success", captured: null, result, now),
        GatewayOutcome.Unknown => ChargeRecords.Unknown(tx, chargeId, now),
        _ => ChargeRecords.Failed(tx, chargeId, result, FailureMessage(result), now),
    };

    /// <summary>Why a charge failed, in words a customer may read.</summary>
    public static string FailureMessage(GatewayResult result) => PaymentService.CustomerMessage(result);

    /// <summary>The failure_code a failed charge carries.</summary>
    public static string FailureCode(GatewayResult result) => ChargeRecords.FailureCode(result);
}
