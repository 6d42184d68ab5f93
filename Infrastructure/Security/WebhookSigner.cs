using System.Security.Cryptography;
using System.Text;

namespace PaymentHub.Infrastructure.Security;

/// <summary>
/// Webhook signatures. The main scheme is Standard Webhooks (standardwebhooks.com): the secret is
/// <c>whsec_</c> + base64 of random bytes, and <c>webhook-signature</c> is <c>v1,</c> + base64 of
/// HMAC-SHA256(key = those bytes, message = <c>{webhook-id}.{webhook-timestamp}.{body}</c>), several
/// space-separated while a rotated secret still signs. The other, for receivers written against an
/// older gateway API, is <c>x-signature</c>: uppercase hex SHA-1 of the body followed by the secret.
/// docs/webhooks.md shows how receivers check both.
/// </summary>
public static class WebhookSigner
{
    public const string SecretPrefix = "whsec_";
    private const int SecretBytes = 24;

    /// <summary>A new secret: <c>whsec_</c> + base64 of 24 random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The <c>v1,…</c> signature of one message with one secret.</summary>
    public static string Sign(string secret, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, message));
    }

    /// <summary>The <c>webhook-signature</c> header: one signature per secret, space-separated, newest first.</summary>
    public static string SignatureHeader(IEnumerable<string> secrets, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var header = new StringBuilder();
        foreach (var secret in secrets)
        {
            if (header.Length > 0) header.Append(' ');
            header.Append(Sign(secret, messageId, timestamp, body));
        }
        return header.ToString();
    }

    /// <summary>The <c>x-signature</c> header: uppercase hex SHA-1 of the body's bytes followed by the secret's.</summary>
    public static string XSignature(string secret, ReadOnlySpan<byte> body)
    {
        var secretBytes = Encoding.UTF8.GetBytes(secret);
        var data = new byte[body.Length + secretBytes.Length];
        body.CopyTo(data);
        secretBytes.CopyTo(data, body.Length);
        return Convert.ToHexString(SHA1.HashData(data));
    }
}
