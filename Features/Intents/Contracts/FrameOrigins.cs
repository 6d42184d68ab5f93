namespace PaymentHub.Features.Intents.Contracts;

/// <summary>
/// The web origins allowed to frame an iframe checkout and to receive its postMessage events: exact
/// https origins (scheme, host, optional port). Plain http is accepted for localhost and 127.0.0.1
/// only, so a merchant can try the iframe on their own machine.
/// </summary>
public static class FrameOrigins
{
    /// <summary>"HTTPS://Shop.Example:443/" → "https://shop.example"; null when it is not an exact origin.</summary>
    public static string? Normalize(string? origin)
    {
        if (string.IsNullOrWhiteSpace(origin) || origin.Length > 255) return null;
        if (!Uri.TryCreate(origin.Trim(), UriKind.Absolute, out var uri)) return null;
        var loopback = uri.Host is "localhost" or "127.0.0.1" or "[::1]";
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && loopback)) return null;
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.AbsolutePath != "/") return null;
        if (uri.Host.Contains('*', StringComparison.Ordinal)) return null;
        return uri.IsDefaultPort ? $"{uri.Scheme}://{uri.Host}" : $"{uri.Scheme}://{uri.Host}:{uri.Port}";
    }

    /// <summary>The stored, space-separated list.</summary>
    public static IReadOnlyList<string> Parse(string? stored) =>
        stored?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
