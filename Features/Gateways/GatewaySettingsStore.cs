using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Gateways;

/// <summary>gateway_settings, with the NMI security key encrypted by ASP.NET Core Data Protection.</summary>
internal sealed class GatewaySettingsStore(Db db, DbWriter writer, IDataProtectionProvider protection, TimeProvider clock) : IGatewaySettingsStore
{
    public const string ProtectionPurpose = "PaymentHub.GatewaySettings";

    private readonly IDataProtector _protector = protection.CreateProtector(ProtectionPurpose);

    public async Task<GatewaySettings?> GetAsync(string merchantId, string mode, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(SelectSettings,
            new { MerchantId = merchantId, Mode = mode }, cancellationToken: ct));
        if (row is null) return null;

        string? key = null;
        if (row.SecurityKeyProtected is { Length: > 0 } sealedKey)
        {
            try
            {
                key = _protector.Unprotect(sealedKey);
            }
            catch (CryptographicException ex)
            {
                throw new InvalidOperationException(
                    $"The stored NMI security key of merchant {merchantId} ({mode}) cannot be decrypted: the Data Protection keys in the data folder's keys/ directory were lost or replaced. Enter the key again.", ex);
            }
        }
        return new GatewaySettings(row.MerchantId, row.Mode, row.Gateway, key, row.TokenizationKey, row.BaseUrl,
            DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedAt));
    }

    public async Task<GatewaySettings> SaveAsync(string merchantId, string mode, GatewaySettingsUpdate update, CancellationToken ct)
    {
        if (mode is not ("test" or "live")) throw new ArgumentException($"Unknown mode '{mode}': use test or live.", nameof(mode));
        if (update.Gateway is not (SimulatorName or NmiName)) throw new ArgumentException($"Unknown gateway '{update.Gateway}': use simulator or nmi.", nameof(update));
        var baseUrl = NormaliseBaseUrl(update.BaseUrl);
        var tokenizationKey = string.IsNullOrWhiteSpace(update.TokenizationKey) ? null : update.TokenizationKey.Trim();
        var newProtected = update.SecurityKey switch
        {
            null => null,
            { Length: 0 } => "",
            var k => _protector.Protect(k.Trim()),
        };
        var now = clock.GetUtcNow();

        await writer.WriteAsync(async tx =>
        {
            var stored = newProtected ?? await tx.Connection.ExecuteScalarAsync<string?>(
                "SELECT security_key_protected FROM gateway_settings WHERE merchant_id = @MerchantId AND mode = @Mode",
                new { MerchantId = merchantId, Mode = mode }, tx.Transaction);
            return await tx.Connection.ExecuteAsync(Upsert, new
            {
                MerchantId = merchantId, Mode = mode, update.Gateway,
                Protected = string.IsNullOrEmpty(stored) ? null : stored,
                TokenizationKey = tokenizationKey, BaseUrl = baseUrl, Now = now.ToUnixTimeMilliseconds(),
            }, tx.Transaction);
        }, ct);

        return await GetAsync(merchantId, mode, ct) ?? throw new InvalidOperationException("The gateway settings were not saved.");
    }

    private const string SimulatorName = "simulator";
    private const string NmiName = "nmi";

    private static string? NormaliseBaseUrl(string? baseUrl)
    {
        if (string.IsNullOrWhiteSpace(baseUrl)) return null;
        if (!Uri.TryCreate(baseUrl.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(uri.Query))
            throw new ArgumentException("The NMI base URL must be an absolute http(s) URL such as https://secure.nmi.com.", nameof(baseUrl));
        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    private const string SelectSettings = """
        SELECT merchant_id AS MerchantId, mode AS Mode, gateway AS Gateway, security_key_protected AS SecurityKeyProtected,
               tokenization_key AS TokenizationKey, base_url AS BaseUrl, updated_at AS UpdatedAt
        FROM gateway_settings
        WHERE merchant_id = @MerchantId AND mode = @Mode
        """;

    private const string Upsert = """
        INSERT INTO gateway_settings (merchant_id, mode, gateway, security_key_protected, tokenization_key, base_url, updated_at)
        VALUES (@MerchantId, @Mode, @Gateway, @Protected, @TokenizationKey, @BaseUrl, @Now)
        ON CONFLICT (merchant_id, mode) DO UPDATE SET
            gateway = excluded.gateway,
            security_key_protected = excluded.security_key_protected,
            tokenization_key = excluded.tokenization_key,
            base_url = excluded.base_url,
            updated_at = excluded.updated_at
        """;

    private sealed class Row
    {
        public required string MerchantId { get; init; }
        public required string Mode { get; init; }
        public required string Gateway { get; init; }
        public string? SecurityKeyProtected { get; init; }
        public string? TokenizationKey { get; init; }
        public string? BaseUrl { get; init; }
        public long UpdatedAt { get; init; }
    }
}
