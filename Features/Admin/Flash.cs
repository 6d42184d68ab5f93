using Microsoft.AspNetCore.DataProtection;

namespace PaymentHub.Features.Admin;

/// <summary>A message shown once on the page a form redirects to (post, redirect, get: reloading never repeats a refund).</summary>
public sealed record FlashMessage(string Text, bool IsError);

/// <summary>
/// Carries a <see cref="FlashMessage"/> across the redirect in a short-lived cookie of the panel's
/// path, encrypted so that only this server can have written what the page shows.
/// </summary>
public sealed class Flash(IDataProtectionProvider protection)
{
    private const string Cookie = "ph_flash";
    private readonly IDataProtector _protector = protection.CreateProtector("PaymentHub.AdminFlash");

    public void Set(HttpContext http, string text, bool isError = false) =>
        http.Response.Cookies.Append(Cookie, _protector.Protect((isError ? "!" : " ") + text), Options(http));

    /// <summary>The message left for this page, which is then gone.</summary>
    public FlashMessage? Take(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(Cookie, out var value)) return null;
        http.Response.Cookies.Delete(Cookie, Options(http));
        try
        {
            var text = _protector.Unprotect(value);
            return text.Length < 1 ? null : new FlashMessage(text[1..], text[0] == '!');
        }
        catch (System.Security.Cryptography.CryptographicException)
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
