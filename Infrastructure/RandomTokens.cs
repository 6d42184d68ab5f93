using System.Security.Cryptography;

namespace PaymentHub.Infrastructure;

public static class RandomTokens
{
    /// <summary>A random URL-safe token carrying <paramref name="bytes"/> bytes of entropy.</summary>
    public static string New(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
