using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using PaymentHub.Features.Merchants;

namespace PaymentHub.Features.Admin;

/// <summary>
/// Who may do what in the admin panel: a signed-in user reads every page; only an admin sends a
/// form, except the few that change nothing but the user's own session (<see cref="SessionOnly"/>).
/// A viewer's form post is refused with 403.
/// </summary>
public static class AdminAccess
{
    public const string Policy = "admin-panel";
    public const string LoginPath = "/admin/login";

    /// <summary>Marks an endpoint a viewer may post to: it changes their own session (mode, merchant on screen, sign-out), not data.</summary>
    public sealed class SessionOnly;

    public static AuthorizationPolicy BuildPolicy() => new AuthorizationPolicyBuilder(AdminSession.Scheme)
        .RequireAuthenticatedUser()
        .RequireRole(AdminRoles.Admin, AdminRoles.Viewer)
        .AddRequirements(new ChangesNeedAdmin())
        .Build();

    /// <summary>The sign-in cookie: HttpOnly, SameSite=Strict, Secure over https, sent to /admin only; checked against the user on every request.</summary>
    public static void ConfigureCookie(CookieAuthenticationOptions o)
    {
        o.Cookie.Name = "ph_admin";
        o.Cookie.Path = "/admin";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.Cookie.IsEssential = true;
        o.ExpireTimeSpan = TimeSpan.FromHours(8);
        o.SlidingExpiration = true;
        o.LoginPath = LoginPath;
        o.Events = new CookieAuthenticationEvents
        {
            OnValidatePrincipal = ValidateAsync,
            // People are sent to the sign-in page; scripts and API tools get a plain 401 or 403 (in the error envelope).
            OnRedirectToLogin = ctx =>
            {
                if (WantsPage(ctx.Request)) ctx.Response.Redirect(ctx.RedirectUri);
                else ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            },
            OnRedirectToAccessDenied = ctx => WantsPage(ctx.Request)
                ? AdminErrorPage.WriteAsync(ctx.HttpContext, StatusCodes.Status403Forbidden, "Read-only access",
                    "Your account can look at everything here but change nothing. Ask an admin to make the change.")
                : SetStatus(ctx.Response, StatusCodes.Status403Forbidden),
        };
    }

    /// <summary>A session ends when its user is removed or their password or role changes.</summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext ctx)
    {
        var session = ctx.Principal is { } principal ? AdminSession.Of(principal) : null;
        var current = session is null ? null
            : await ctx.HttpContext.RequestServices.GetRequiredService<AdminUsers>().CurrentAsync(session.UserId, ctx.HttpContext.RequestAborted);
        if (current is null || current.Stamp != session!.Stamp)
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(AdminSession.Scheme);
        }
    }

    internal static bool WantsPage(HttpRequest request) =>
        request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);

    private static Task SetStatus(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }

    /// <summary>Reading is open to every signed-in user; a post needs an admin unless it is <see cref="SessionOnly"/>.</summary>
    private sealed class ChangesNeedAdmin : AuthorizationHandler<ChangesNeedAdmin>, IAuthorizationRequirement
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ChangesNeedAdmin requirement)
        {
            var http = context.Resource as HttpContext;
            var reads = http is null || HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
            if (reads || context.User.IsInRole(AdminRoles.Admin) || http!.GetEndpoint()?.Metadata.GetMetadata<SessionOnly>() is not null)
                context.Succeed(requirement);
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Hangfire's dashboard at /admin/jobs: signed-in users only (anonymous browsers are sent to the
    /// sign-in page before the dashboard runs); viewers see it read-only and can't post its commands.
    /// </summary>
    internal sealed class JobsDashboard : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context)
        {
            var http = context.GetHttpContext();
            var user = http.User;
            if (user.Identity?.IsAuthenticated != true || !(user.IsInRole(AdminRoles.Admin) || user.IsInRole(AdminRoles.Viewer))) return false;
            return HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || user.IsInRole(AdminRoles.Admin);
        }

        public static bool IsReadOnly(DashboardContext context) => !context.GetHttpContext().User.IsInRole(AdminRoles.Admin);
    }
}
