using System.Security.Cryptography;

namespace PaymentHub.Infrastructure;

public static class RandomTokens
{
    /// <summary>A random URL-safe token carrying <paramref name="bytes"/> bytes of entropy.</summary>
    public static string New(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The URL-safe base64 characters in ASCII order, so encoded bytes sort as the bytes do.</summary>
    private const string SortedAlphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

    /// <summary>
    /// A URL-safe token of 32 characters (192 bits) whose first 48 bits are <paramref name="now"/> in
    /// milliseconds and whose other 144 are random: as unguessable as a secret in a URL needs to be,
    /// and sorting (byte-wise, as the database compares it) in creation order. A token column has a
    /// unique index; wholly random tokens land each on a random page of it, so every create rewrote
    /// (and, once the index outgrew the cache, first read) a page of its own.
    /// </summary>
    public static string NewTimeOrdered(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[24];
        var ms = (ulong)Math.Max(0, now.ToUnixTimeMilliseconds());
        for (var i = 0; i < 6; i++) bytes[i] = (byte)(ms >> (8 * (5 - i)));
        RandomNumberGenerator.Fill(bytes[6..]);
        return string.Create(32, bytes.ToArray(), static (chars, b) =>
        {
            // Every three bytes are four characters of six bits each, most significant first.
            for (int i = 0, c = 0; i < b.Length; i += 3, c += 4)
            {
                var n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
                chars[c] = SortedAlphabet[(n >> 18) & 63];
                chars[c + 1] = SortedAlphabet[(n >> 12) & 63];
                chars[c + 2] = SortedAlphabet[(n >> 6) & 63];
                chars[c + 3] = SortedAlphabet[n & 63];
            }
        });
    }
}
