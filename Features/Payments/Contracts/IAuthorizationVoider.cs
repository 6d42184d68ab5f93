namespace PaymentHub.Features.Payments.Contracts;

/// <summary>Releases an intent's authorization at the gateway and cancels the intent.</summary>
public interface IAuthorizationVoider
{
    /// <summary>Null when voided and cancelled; otherwise why not.</summary>
    Task<string?> VoidAsync(string intentId, string actor, string message, CancellationToken ct);
}
