using System.Security.Cryptography;
using System.Text;
using PaymentHub.Infrastructure;

namespace PaymentHub.Features.Merchants;

/// <summary>Generation and checking of API keys and passwords.</summary>
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

    public static bool SecretMatches(string secret, string storedHash)
    {
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        byte[] expected;
        try { expected = Convert.FromHexString(storedHash); }
        catch (FormatException) { return false; }
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    // Admin passwords are chosen by people, so they get a slow, salted hash.
    private const int Iterations = 210_000;

    public static string HashPassword(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA512, 32);
        return $"pbkdf2-sha512${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }
}
