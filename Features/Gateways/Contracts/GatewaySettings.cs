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
