using System.Security.Cryptography;
using System.Text;
using PaymentHub.Infrastructure;

namespace PaymentHub.Features.Merchants;

/// <summary>Generation and checking of API keys (admin passwords: <see cref="AdminUsers"/>).</summary>
public static class Secrets
{
    public static string NewClientId(string mode) => $"pk_{mode}_{RandomTokens.New(18)}";
    public static string NewClientSecret(string mode) => $"sk_{mode}_{RandomTokens.New(32)}";

    /// <summary>The mode a client id declares in its prefix, or null when it declares none.</summary>
    public static string? ModeOf(string clientId) =>
        clientId.StartsWith("pk_test_", StringComparison.Ordinal) ? "test"
        : clientId.StartsWith("pk_live_", StringComparison.Ordinal) ? "live"
        : null;

    // API secrets are 256-bit random values, so a fast hash is enough: there is nothing to brute-force.
    public static string HashSecret(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
