using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PaymentHub.Tests.Features.Checkout;

/// <summary>
/// A merchant page that embeds the checkout, served from its own loopback port. It must be a real
/// server: chromium's local network access rules block a page fulfilled by Playwright's route
/// (which counts as public) from framing a loopback address. Same host, other port keeps it
/// same-site with the checkout, so the SameSite=Lax anti-forgery cookie works over plain HTTP.
/// </summary>
public sealed class ParentPageServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ParentPageServer(WebApplication app, string url) => (_app, Url) = (app, url);

    /// <summary>http://127.0.0.1:port/parent.html</summary>
    public string Url { get; }

    /// <summary>Origin of the page, e.g. http://127.0.0.1:41234, for an intent's allowed_origins.</summary>
    public string Origin => new Uri(Url).GetLeftPart(UriPartial.Authority);

    public static Task<ParentPageServer> StartAsync(string html) => StartAsync(_ => html);

    /// <summary>A page built per request, e.g. from its query string (when the page must exist before the intent it frames).</summary>
    public static async Task<ParentPageServer> StartAsync(Func<HttpRequest, string> page)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/parent.html", (HttpRequest request) => Results.Content(page(request), "text/html; charset=utf-8"));
        await app.StartAsync();
        return new ParentPageServer(app, app.Urls.Single().TrimEnd('/') + "/parent.html");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
