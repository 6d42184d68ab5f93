using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;

namespace PaymentHub.Features.Checkout;

public static class CheckoutModule
{
    public static IServiceCollection AddCheckoutModule(this IServiceCollection services, IConfiguration config)
    {
        // Behind a proxy every customer shares its address, so the per-address limit is a setting.
        var perAddress = config.GetValue("PaymentHub:Checkout:PostsPerMinutePerAddress", 60);
        var perIntent = config.GetValue("PaymentHub:Checkout:PostsPerMinutePerIntent", 10);
        // Options configurations run in the order they are registered. This one comes before
        // AddAntiforgery's own setup, so the cookie has its name when that setup runs, and it skips
        // hashing the application's name into a default one: a SHA-256 that loaded OpenSSL at every
        // start (about 4 MB of an idle server on existing data) for a name replaced anyway.
        services.Configure<AntiforgeryOptions>(o =>
        {
            // Path "/": the job dashboard's and the admin panel's forms are checked with the same tokens.
            o.Cookie = new CheckoutCookieBuilder { Name = "ph_af", HttpOnly = true, Path = "/" };
            o.FormFieldName = "__af";
            // Anti-forgery would send X-Frame-Options: SAMEORIGIN, breaking iframe mode; framing is decided per page by CSP.
            o.SuppressXFrameOptionsHeader = true;
        });
        services.AddAntiforgery();
        services.AddRateLimiter(o =>
        {
            // Card testing is the threat: a bounded rate of payment posts per address and per intent.
            // Only the checkout's form posts pass through the limiter (see UseCheckoutRateLimits).
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetFixedWindowLimiter(
                    "ip:" + http.Connection.RemoteIpAddress,
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perAddress, Window = TimeSpan.FromMinutes(1) })),
                PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetFixedWindowLimiter(
                    "token:" + http.Request.Path.Value!.Split('/')[2],
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perIntent, Window = TimeSpan.FromMinutes(1) })));
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await Html.Page("Too many attempts",
                    "<h1>Too many attempts</h1><p class=\"notice\">Please wait a minute before trying again.</p>", 429)
                    .ExecuteAsync(ctx.HttpContext);
            };
        });
        return services;
    }

    internal static bool IsPaymentPost(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method) && http.Request.Path.StartsWithSegments("/pay");

    /// <summary>The checkout's rate limits, in the pipeline of the checkout's form posts only.</summary>
    public static IApplicationBuilder UseCheckoutRateLimits(this IApplicationBuilder app) =>
        app.UseWhen(IsPaymentPost, branch => branch.UseRateLimiter());
}

/// <summary>
/// The anti-forgery cookie must reach the checkout inside a merchant's iframe, which browsers allow
/// only for SameSite=None; Secure cookies, so HTTPS gets those; plain HTTP (local runs) stays Lax.
/// </summary>
internal sealed class CheckoutCookieBuilder : CookieBuilder
{
    public override CookieOptions Build(HttpContext context, DateTimeOffset expiresFrom)
    {
        var options = base.Build(context, expiresFrom);
        options.Secure = context.Request.IsHttps;
        options.SameSite = context.Request.IsHttps ? SameSiteMode.None : SameSiteMode.Lax;
        options.IsEssential = true;
        return options;
    }
}
