using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Gateways.Contracts;

/// <summary>How a gateway call ended. Unknown is not a decline: the answer was lost and must be settled by a query.</summary>
public enum GatewayOutcome { Approved, SoftDecline, HardDecline, Error, Unknown }

/// <summary>
/// A card as typed by the customer. It lives only in memory for the length of one gateway call:
/// never stored, never logged (ToString masks it).
/// </summary>
public sealed record CardDetails(string Number, int ExpMonth, int ExpYear, string Cvc, string? NameOnCard)
{
    public string Last4 => Number.Length >= 4 ? Number[^4..] : Number;
    public override string ToString() => $"card ****{Last4} {ExpMonth:00}/{ExpYear % 100:00}";
}

/// <summary>What pays: exactly one of a card, a Collect.js payment token, or a vaulted card.</summary>
public sealed record PaymentSource(CardDetails? Card = null, string? PaymentToken = null, string? VaultId = null)
{
    public override string ToString() => Card?.ToString() ?? (PaymentToken is not null ? "payment token" : $"vault {VaultId}");
}

/// <summary>Card-on-file flags the card networks require: the first, customer-initiated charge, or a later merchant-initiated one.</summary>
public sealed record StoredCredential(bool Initial, string? InitialTransactionId);

public sealed record GatewayCustomer(string? Email, string? FirstName, string? LastName, string? IpAddress);

/// <summary>A sale or authorization. <see cref="OrderId"/> is ours and unique per attempt, so a lost answer can be looked up.</summary>
public sealed record GatewayPayment(
    string OrderId,
    long Amount,
    Currency Currency,
    PaymentSource Source,
    bool StoreCard = false,
    StoredCredential? StoredCredential = null,
    GatewayCustomer? Customer = null,
    string? Description = null);

/// <summary>A gateway's answer, normalised.</summary>
public sealed record GatewayResult(
    GatewayOutcome Outcome,
    string? TransactionId = null,
    string? DeclineCode = null,
    string? Message = null,
    string? CardBrand = null,
    string? CardLast4 = null,
    string? CardExpiry = null,   // "MM/YY"
    string? VaultId = null,
    string? AuthCode = null)
{
    public bool Approved => Outcome == GatewayOutcome.Approved;
}

/// <summary>Which kind of operation a <see cref="GatewayLookup"/> asks about.</summary>
public enum GatewayLookupKind { Charge, Capture, Void, Refund }

/// <summary>
/// How to ask a gateway what became of an operation whose answer was lost. A charge (sale or
/// authorization) and a refund are found by the order id we sent with them; a capture or a void
/// shows in the state of the authorization it acted on (<see cref="TransactionId"/>), whose order
/// id is <see cref="OrderId"/>.
/// </summary>
public sealed record GatewayLookup(GatewayLookupKind Kind, string OrderId, string? TransactionId = null)
{
    public static GatewayLookup Charge(string orderId) => new(GatewayLookupKind.Charge, orderId);
    public static GatewayLookup Refund(string orderId, string refundedTransactionId) => new(GatewayLookupKind.Refund, orderId, refundedTransactionId);
    public static GatewayLookup Capture(string orderId, string authorizationId) => new(GatewayLookupKind.Capture, orderId, authorizationId);
    public static GatewayLookup Void(string orderId, string authorizationId) => new(GatewayLookupKind.Void, orderId, authorizationId);

    /// <summary>"charge" (a sale or an authorization), "capture", "void" or "refund", for logs and messages.</summary>
    public string Operation => Kind switch
    {
        GatewayLookupKind.Charge => "charge",
        GatewayLookupKind.Capture => "capture",
        GatewayLookupKind.Void => "void",
        _ => "refund",
    };
}

/// <summary>
/// One merchant's gateway in one mode. Calls go over the network (or to the simulator) and must
/// never be made inside a database transaction or a DbWriter unit of work.
/// <para>
/// How a call ends says what the caller may conclude. An answer (approved, declined, error) is
/// final. <see cref="GatewayOutcome.Unknown"/> means the request may have reached the gateway but
/// its answer did not reach us (timeout, dropped connection, unreadable reply): the caller must
/// ask with <see cref="QueryAsync"/>, never repeat the operation. An exception means nothing was
/// sent: implementations turn every failure after the request may have left into Unknown, so the
/// only exceptions that escape are raised before it did.
/// </para>
/// </summary>
public interface IGateway
{
    string Name { get; }
    /// <summary>How long one call may take before its answer counts as lost.</summary>
    TimeSpan Timeout { get; }
    Task<GatewayResult> SaleAsync(GatewayPayment payment, CancellationToken ct);
    Task<GatewayResult> AuthorizeAsync(GatewayPayment payment, CancellationToken ct);
    Task<GatewayResult> CaptureAsync(string transactionId, long amount, Currency currency, CancellationToken ct);
    Task<GatewayResult> VoidAsync(string transactionId, CancellationToken ct);
    /// <summary>Refunds part or all of a captured transaction; <paramref name="orderId"/> is ours, unique per refund, so a lost answer can be looked up.</summary>
    Task<GatewayResult> RefundAsync(string transactionId, long amount, Currency currency, string orderId, CancellationToken ct);
    /// <summary>
    /// What became of an operation whose answer was lost. Approved: it took effect (with the
    /// transaction id of what it created). A decline or an error: the gateway refused it. An error
    /// with decline code <c>not_found</c>: the gateway has no trace of it (yet). Unknown: the
    /// gateway could not be asked or could not say.
    /// </summary>
    Task<GatewayResult> QueryAsync(GatewayLookup lookup, CancellationToken ct);
}

/// <summary>Test mode → the simulator; live mode → the merchant's configured NMI account.</summary>
public interface IGatewayResolver
{
    Task<IGateway> ForAsync(string merchantId, string mode, CancellationToken ct);
}

/// <summary>What the hosted checkout needs to collect a card for a merchant and mode.</summary>
public sealed record CheckoutGatewayInfo(string Gateway, string? TokenizationKey, string? CollectJsUrl);

public interface ICheckoutGatewayInfo
{
    Task<CheckoutGatewayInfo> ForAsync(string merchantId, string mode, CancellationToken ct);
}
