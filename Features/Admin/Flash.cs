using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace PaymentHub.Features.Admin;

/// <summary>A value shown once beside a flash message (a new API client's id and secret).</summary>
public sealed record Revealed(string Label, string Value);

/// <summary>A message shown once on the page a form redirects to (post, redirect, get: reloading never repeats a refund).</summary>
public sealed record FlashMessage(string Text, bool IsError, IReadOnlyList<Revealed>? Reveal = null);

/// <summary>
/// Carries a <see cref="FlashMessage"/> across the redirect in a short-lived cookie of the panel's
/// path, encrypted: only this server can have written what the page shows, and a secret revealed
/// this way is unreadable on the way and gone once the page has shown it.
/// </summary>
public sealed class Flash(IDataProtectionProvider protection)
{
    private const string Cookie = "ph_flash";
    private readonly IDataProtector _protector = protection.CreateProtector("PaymentHub.AdminFlash");

    public void Set(HttpContext http, FlashMessage message) =>
        http.Response.Cookies.Append(Cookie, _protector.Protect(JsonSerializer.Serialize(message)), Options(http));

    /// <summary>The message left for this page, which is then gone.</summary>
    public FlashMessage? Take(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(Cookie, out var value)) return null;
        http.Response.Cookies.Delete(Cookie, Options(http));
        try
        {
            return JsonSerializer.Deserialize<FlashMessage>(_protector.Unprotect(value));
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            return null;
        }
    }

    private static CookieOptions Options(HttpContext http) => new()
    {
        Path = "/admin", HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, IsEssential = true,
        MaxAge = TimeSpan.FromMinutes(5),
    };
}
