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

/// <summary>Card-on-file flags (NMI.md "stored credential"): the first customer-initiated charge, or a later merchant-initiated one.</summary>
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

/// <summary>
/// One merchant's gateway in one mode. Calls go over the network (or to the simulator) and must
/// never be made inside a database transaction or a DbWriter unit of work.
/// </summary>
public interface IGateway
{
    string Name { get; }
    Task<GatewayResult> SaleAsync(GatewayPayment payment, CancellationToken ct);
    Task<GatewayResult> AuthorizeAsync(GatewayPayment payment, CancellationToken ct);
    Task<GatewayResult> CaptureAsync(string transactionId, long amount, Currency currency, CancellationToken ct);
    Task<GatewayResult> VoidAsync(string transactionId, CancellationToken ct);
    Task<GatewayResult> RefundAsync(string transactionId, long amount, Currency currency, CancellationToken ct);
    /// <summary>Settles an attempt whose answer was lost: what became of the transaction with our order id.</summary>
    Task<GatewayResult> QueryAsync(string orderId, CancellationToken ct);
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
