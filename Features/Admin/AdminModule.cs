using System.Text.Encodings.Web;
using Carter;
using Hangfire;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using PaymentHub.Features.Merchants;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Admin;

/// <summary>
/// The admin panel: Razor components rendered on the server (static SSR: no interactivity, no
/// SignalR, no script), a cookie sign-in, and Hangfire's dashboard at /admin/jobs behind it.
/// </summary>
public static class AdminModule
{
    public static IServiceCollection AddAdminModule(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddAuthentication(AdminSession.Scheme).AddCookie(AdminSession.Scheme, AdminAccess.ConfigureCookie);
        services.AddAuthorizationBuilder().AddPolicy(AdminAccess.Policy, AdminAccess.BuildPolicy());
        services.AddSingleton<Flash>();
        return services;
    }

    /// <summary>
    /// After authentication, authorization and anti-forgery: the panel's answer to a form whose
    /// anti-forgery token is missing or stale, and the job dashboard, which reads the cookie user.
    /// </summary>
    public static IApplicationBuilder UseAdminPanel(this IApplicationBuilder app)
    {
        app.Use((ctx, next) =>
            IsPanel(ctx.Request.Path) && ctx.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false }
                ? AdminErrorPage.WriteAsync(ctx, StatusCodes.Status403Forbidden, "This form has expired",
                    "The form was sent without its security token, or with an old one. Go back, reload the page and try again.")
                : next(ctx));

        // Hangfire answers a refusal with a bare 401; a person who is not signed in is sent to the sign-in page instead.
        app.UseWhen(ctx => ctx.Request.Path.StartsWithSegments(JobsPath) && ctx.User.Identity?.IsAuthenticated != true,
            branch => branch.Run(ctx => ctx.ChallengeAsync(AdminSession.Scheme)));
        app.UseHangfireDashboard(JobsPath, new DashboardOptions
        {
            DashboardTitle = "PaymentHub jobs",
            AppPath = "/admin",
            Authorization = [new AdminAccess.JobsDashboard()],
            IsReadOnlyFunc = AdminAccess.JobsDashboard.IsReadOnly,
        });
        return app;
    }

    public const string JobsPath = "/admin/jobs";

    private static bool IsPanel(PathString path) => path.StartsWithSegments("/admin") && !path.StartsWithSegments(JobsPath);
}

/// <summary>The panel's pages (every routable component), its stylesheet and the session's own forms.</summary>
public sealed class AdminPanel : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapRazorComponents<App>().RequireAuthorization(AdminAccess.Policy).ExcludeFromDescription();
        app.MapGet("/admin/admin.css", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Text(AdminStyles.Css, "text/css; charset=utf-8");
        }).ExcludeFromDescription();

        // Forms that change only the user's own session, so viewers may send them too; each carries its anti-forgery token.
        var session = app.MapGroup("/admin").RequireAuthorization(AdminAccess.Policy)
            .WithMetadata(new AdminAccess.SessionOnly(), new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        session.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(AdminSession.Scheme);
            return Results.Redirect(AdminAccess.LoginPath);
        });
        session.MapPost("/session/mode", async (HttpContext http, [FromForm] string? mode, [FromForm(Name = "return_to")] string? returnTo) =>
        {
            if (mode is "test" or "live") await (AdminSession.Of(http.User)! with { Mode = mode }).SignInAsync(http);
            return Results.Redirect(AdminSession.LocalPath(returnTo));
        });
        session.MapPost("/session/merchant", async (HttpContext http, Db db, [FromForm(Name = "merchant_id")] string? merchantId, CancellationToken ct) =>
        {
            await using var connection = await db.OpenReadAsync(ct);
            if (merchantId is not null && await MerchantProfiles.GetAsync(connection, merchantId, ct) is not null)
                await (AdminSession.Of(http.User)! with { MerchantId = merchantId }).SignInAsync(http);
            return Results.Redirect("/admin");
        });
    }
}

/// <summary>A complete page for the panel's refusals (403 read-only, expired form), outside the component tree.</summary>
internal static class AdminErrorPage
{
    public static Task WriteAsync(HttpContext http, int status, string title, string text)
    {
        var e = HtmlEncoder.Default;
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsync($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{e.Encode(title)} · PaymentHub</title><link rel="stylesheet" href="/admin/admin.css"></head>
            <body><main class="narrow"><h1>{e.Encode(title)}</h1><p>{e.Encode(text)}</p><p><a href="/admin">Back to the dashboard</a></p></main></body></html>
            """);
    }
}
