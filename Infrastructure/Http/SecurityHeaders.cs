using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// Headers every answer carries, whatever produced it (a slice, routing, an error, Hangfire's
/// dashboard, Scalar's page): <c>nosniff</c> everywhere; <c>no-store</c> on the API, whose answers
/// carry customers' names and emails; a Content-Security-Policy and Referrer-Policy on HTML pages
/// that did not set their own; HSTS over https.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>For HTML that sets no policy of its own (error and 404 pages): nothing but its own inline styles and images.</summary>
    internal const string DefaultPagePolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>
    /// Scalar's reference page boots from an inline module script and loads its bundle, styles and
    /// the OpenAPI document from this server; "Try it" sends requests to this server only.
    /// </summary>
    internal const string DocsPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>Hangfire's dashboard uses inline scripts and styles of its own, all served from here.</summary>
    internal const string DashboardPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>
    /// The admin panel: server-rendered pages with no script at all, styles from its own stylesheet
    /// (the SVG chart uses attributes, not styles), and a merchant's https logo in the settings preview.
    /// </summary>
    internal const string AdminPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((ctx, next) =>
        {
            var headers = ctx.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            var path = ctx.Request.Path;
            if (path.StartsWithSegments("/api"))
                headers.CacheControl = "no-store";
            else
                ctx.Response.OnStarting(static state => AddPageHeaders((HttpContext)state), ctx);
            if (ctx.Request.IsHttps)
                headers.StrictTransportSecurity = "max-age=31536000";
            return next(ctx);
        });

    private static Task AddPageHeaders(HttpContext ctx)
    {
        var headers = ctx.Response.Headers;
        if (!(ctx.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) ?? false)) return Task.CompletedTask;
        if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
        {
            // Under app.Map (the dashboard) the prefix has moved to PathBase by now.
            var path = ctx.Request.PathBase.Add(ctx.Request.Path);
            headers.ContentSecurityPolicy = path.StartsWithSegments("/docs") ? DocsPolicy
                : path.StartsWithSegments("/admin/jobs") ? DashboardPolicy
                : path.StartsWithSegments("/admin") ? AdminPolicy
                : DefaultPagePolicy;
        }
        if (string.IsNullOrEmpty(headers["Referrer-Policy"])) headers["Referrer-Policy"] = "no-referrer";
        return Task.CompletedTask;
    }

    /// <summary>
    /// Behind a reverse proxy that terminates TLS: with <c>PAYMENTHUB_KNOWN_PROXIES</c> set, the
    /// X-Forwarded-For, -Proto and -Host headers of those proxies (and only theirs) become the
    /// request's client address, scheme and host, so payment URLs, redirects and cookies use the
    /// public https origin. Without the setting, forwarded headers are ignored.
    /// </summary>
    public static IApplicationBuilder UseKnownProxies(this IApplicationBuilder app, Settings settings)
    {
        if (settings.KnownProxies.Count == 0) return app;
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            // One proxy in front is the common case; several would each be listed.
            ForwardLimit = settings.KnownProxies.Count,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var entry in settings.KnownProxies)
        {
            if (System.Net.IPNetwork.TryParse(entry, out var network) && entry.Contains('/')) options.KnownIPNetworks.Add(network);
            else if (IPAddress.TryParse(entry, out var address)) options.KnownProxies.Add(address);
            else throw new ConfigurationException(
                $"PAYMENTHUB_KNOWN_PROXIES: '{entry}' is neither an IP address (10.0.0.2) nor a network (10.0.0.0/8).");
        }
        return app.UseForwardedHeaders(options);
    }
}
