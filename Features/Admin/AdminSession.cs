using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Merchants;
using PaymentHub.Infrastructure.Auth;

namespace PaymentHub.Features.Admin;

/// <summary>
/// Who is signed in to the admin panel and what they are looking at: one merchant, in one mode.
/// All of it travels in the sign-in cookie, so switching merchant or mode re-issues the cookie.
/// </summary>
public sealed record AdminSession(long UserId, string Username, string Role, string Stamp, string MerchantId, string Mode)
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;
    private const string StampClaim = "ph:stamp";
    private const string MerchantClaim = "ph:merchant";
    private const string ModeClaim = "ph:mode";

    /// <summary>Only admins change anything; viewers look.</summary>
    public bool CanChange => Role == AdminRoles.Admin;

    public bool Live => Mode == "live";

    /// <summary>The panel as an API caller of the merchant and mode on screen, so it runs the API's own handlers; its log rows say "admin".</summary>
    public Caller Caller => new($"admin:{Username}", MerchantId, Mode) { Actor = Actor.Admin };

    public static AdminSession? Of(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true) return null;
        string? Get(string type) => user.FindFirst(type)?.Value;
        return long.TryParse(Get(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
               && Get(ClaimTypes.Name) is { } name && Get(ClaimTypes.Role) is { } role && Get(StampClaim) is { } stamp
               && Get(MerchantClaim) is { } merchant && Get(ModeClaim) is "test" or "live"
            ? new AdminSession(id, name, role, stamp, merchant, Get(ModeClaim)!)
            : null;
    }

    public ClaimsPrincipal ToPrincipal() => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, UserId.ToString(CultureInfo.InvariantCulture)),
        new Claim(ClaimTypes.Name, Username),
        new Claim(ClaimTypes.Role, Role),
        new Claim(StampClaim, Stamp),
        new Claim(MerchantClaim, MerchantId),
        new Claim(ModeClaim, Mode),
    ], Scheme, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>Issues (or re-issues) the sign-in cookie for this session.</summary>
    public Task SignInAsync(HttpContext http) =>
        http.SignInAsync(Scheme, ToPrincipal(), new AuthenticationProperties { IsPersistent = false, AllowRefresh = true });

    /// <summary>A panel address to go back to; anything else (another site, a protocol-relative URL) becomes the dashboard.</summary>
    public static string LocalPath(string? returnTo) =>
        returnTo is { Length: > 0 } r && r.StartsWith("/admin", StringComparison.Ordinal) && !r.Contains('\\', StringComparison.Ordinal)
            && !r.Contains("//", StringComparison.Ordinal) && !r.Any(char.IsControl)
            ? r : "/admin";
}
