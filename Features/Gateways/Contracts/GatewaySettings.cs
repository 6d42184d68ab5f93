using FluentValidation;

namespace PaymentHub.Features.Gateways.Contracts;

/// <summary>A merchant's gateway configuration for one mode, with the NMI security key decrypted.</summary>
public sealed record GatewaySettings(
    string MerchantId,
    string Mode,
    string Gateway,
    string? SecurityKey,
    string? TokenizationKey,
    string? BaseUrl,
    DateTimeOffset UpdatedAt)
{
    public bool HasSecurityKey => !string.IsNullOrEmpty(SecurityKey);

    /// <summary>What an operator may be shown of the key: its last four characters.</summary>
    public string? SecurityKeyHint => SecurityKey is { Length: > 4 } k ? "…" + k[^4..] : SecurityKey is null ? null : "…";

    // Records print every property; the security key must never reach a log.
    public override string ToString() =>
        $"GatewaySettings {{ MerchantId = {MerchantId}, Mode = {Mode}, Gateway = {Gateway}, SecurityKey = {SecurityKeyHint ?? "(none)"}, TokenizationKey = {TokenizationKey}, BaseUrl = {BaseUrl} }}";
}

/// <summary>
/// What an operator saves. <see cref="SecurityKey"/> null keeps the stored key (a blank form field);
/// an empty string removes it. <see cref="BaseUrl"/> null means NMI's own https://secure.nmi.com.
/// </summary>
public sealed record GatewaySettingsUpdate(string Gateway, string? SecurityKey, string? TokenizationKey, string? BaseUrl)
{
    /// <summary>What <see cref="IGatewaySettingsStore.SaveAsync"/> accepts, said field by field before it is asked.</summary>
    public sealed class Validator : AbstractValidator<GatewaySettingsUpdate>
    {
        public Validator()
        {
            RuleFor(u => u.Gateway).Must(g => g is "simulator" or "nmi").WithMessage("The gateway must be simulator or nmi.");
            RuleFor(u => u.SecurityKey).Must(k => k!.Trim().Length <= 200 && !k.Trim().Any(char.IsWhiteSpace))
                .WithMessage("Paste the security key exactly as NMI shows it: one word, no spaces.").When(u => !string.IsNullOrEmpty(u.SecurityKey));
            RuleFor(u => u.TokenizationKey).Must(k => k!.Trim().Length <= 200 && !k.Trim().Any(char.IsWhiteSpace))
                .WithMessage("Paste the tokenization key exactly as NMI shows it: one word, no spaces.").When(u => !string.IsNullOrWhiteSpace(u.TokenizationKey));
            RuleFor(u => u.BaseUrl).Must(u => Uri.TryCreate(u!.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.Query.Length == 0)
                .WithMessage("The base URL must be an address such as https://secure.nmi.com (leave it empty for NMI itself).")
                .When(u => !string.IsNullOrWhiteSpace(u.BaseUrl));
        }
    }

    public override string ToString() =>
        $"GatewaySettingsUpdate {{ Gateway = {Gateway}, SecurityKey = {(SecurityKey is null ? "(keep)" : "(new)")}, TokenizationKey = {TokenizationKey}, BaseUrl = {BaseUrl} }}";
}

/// <summary>Gateway settings per merchant and mode; the security key is stored encrypted (Data Protection).</summary>
public interface IGatewaySettingsStore
{
    Task<GatewaySettings?> GetAsync(string merchantId, string mode, CancellationToken ct);

    /// <summary>Creates or replaces the settings; throws <see cref="ArgumentException"/> for invalid values.</summary>
    Task<GatewaySettings> SaveAsync(string merchantId, string mode, GatewaySettingsUpdate update, CancellationToken ct);
}
