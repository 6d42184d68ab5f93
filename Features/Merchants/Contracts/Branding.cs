using System.Globalization;

namespace PaymentHub.Features.Merchants.Contracts;

/// <summary>
/// Text on a merchant's brand colour: black or white, whichever contrasts more (WCAG relative
/// luminance). One of the two always reaches at least 4.5:1, the contrast normal text needs.
/// </summary>
public static class BrandColors
{
    public const string Dark = "#000000";
    public const string Light = "#ffffff";

    /// <summary>Whether <paramref name="colour"/> is a #rrggbb colour.</summary>
    public static bool IsValid(string? colour) =>
        colour is { Length: 7 } && colour[0] == '#' && colour.AsSpan(1).ContainsAnyExcept("0123456789abcdefABCDEF") == false;

    /// <summary>The text colour for a #rrggbb background.</summary>
    public static string TextOn(string background) => Contrast(background, Light) >= Contrast(background, Dark) ? Light : Dark;

    /// <summary>The WCAG contrast ratio of two #rrggbb colours, 1 to 21.</summary>
    public static double Contrast(string a, string b)
    {
        var (la, lb) = (Luminance(a), Luminance(b));
        return (Math.Max(la, lb) + 0.05) / (Math.Min(la, lb) + 0.05);
    }

    private static double Luminance(string hex)
    {
        double Channel(int at)
        {
            var c = int.Parse(hex.AsSpan(at, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * Channel(1) + 0.7152 * Channel(3) + 0.0722 * Channel(5);
    }
}

/// <summary>A merchant's logo: an absolute https address (the checkout's policy admits images from its origin only).</summary>
public static class LogoUrls
{
    public static bool IsValid(string? url) =>
        url is { Length: <= 500 } && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttps && uri.Host.Length > 0 && uri.UserInfo.Length == 0;

    /// <summary>"https://cdn.shop.example:8443" for a valid logo URL, else null.</summary>
    public static string? OriginOf(string? url) => IsValid(url) ? new Uri(url!).GetLeftPart(UriPartial.Authority) : null;
}
