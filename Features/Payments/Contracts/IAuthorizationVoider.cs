namespace PaymentHub.Features.Payments.Contracts;

/// <summary>Releases an intent's authorization at the gateway and cancels the intent.</summary>
public interface IAuthorizationVoider
{
    Task<VoidResult> VoidAsync(string intentId, string actor, string message, CancellationToken ct);
}

/// <summary>
/// How a void ended: voided (the intent is cancelled), pending (the gateway's answer was lost; the
/// intent stays processing until it is settled), or refused with the reason.
/// </summary>
public sealed record VoidResult(VoidResult.Outcome Status, string? Message = null)
{
    public enum Outcome { Voided, Pending, Refused }

    public static readonly VoidResult Voided = new(Outcome.Voided);
    public static readonly VoidResult Pending = new(Outcome.Pending);

    public static VoidResult Refused(string message) => new(Outcome.Refused, message);
}
