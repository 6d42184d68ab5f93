using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Admin;

/// <summary>Signing in and out of the admin panel, the lockout, the cookie, and what an unsigned request gets.</summary>
public sealed class SignInTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private const string Refusal = "Wrong username or password, or the account is locked";

    [Fact]
    public async Task SignIn_WithTheBootstrapPassword_RedirectsToTheDashboard_WithAStrictHttpOnlyCookieForAdminOnly()
    {
        var client = new AdminClient(AdminClient.NewHttp(app));

        var response = await client.SignInAttemptAsync("admin", AdminClient.AdminPassword);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.EndsWith("/admin", response.Headers.Location!.ToString());
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ph_admin=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("path=/admin", cookie);
        Assert.Contains("samesite=strict", cookie);
        Assert.Contains("httponly", cookie);
        var dashboard = await client.FollowAsync(response);
        Assert.Contains("<h1>Dashboard</h1>", dashboard);
    }

    [Fact]
    public async Task SignIn_WithAWrongPassword_ShowsTheRefusal_WithoutSendingThePasswordBack()
    {
        var client = new AdminClient(AdminClient.NewHttp(app));

        var response = await client.SignInAttemptAsync("admin", "not-the-password-123");

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Refusal, html);
        Assert.Contains("role=\"alert\"", html);
        Assert.DoesNotContain("not-the-password-123", html);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("ph_admin=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnUnknownUser_AndALockedOne_GetTheSameAnswerAsAWrongPassword()
    {
        var locked = await AdminClient.NewUserAsync(app, AdminRoles.Admin);
        var client = new AdminClient(AdminClient.NewHttp(app));
        for (var i = 0; i < AdminUsers.MaxFailures; i++) await client.SignInAttemptAsync(locked, "wrong-password-000");

        var wrong = await Alert(await client.SignInAttemptAsync("admin", "wrong-password-000"));
        var unknown = await Alert(await client.SignInAttemptAsync("no-such-user", "wrong-password-000"));
        var lockedOut = await Alert(await client.SignInAttemptAsync(locked, AdminClient.AdminPassword));

        Assert.Equal(wrong, unknown);
        Assert.Equal(wrong, lockedOut);
    }

    [Fact]
    public async Task Lockout_AfterFiveFailures_LastsFifteenMinutes()
    {
        var name = await AdminClient.NewUserAsync(app, AdminRoles.Admin);
        var client = new AdminClient(AdminClient.NewHttp(app));
        for (var i = 0; i < AdminUsers.MaxFailures; i++) await client.SignInAttemptAsync(name, "wrong-password-000");

        Assert.Equal(HttpStatusCode.OK, (await client.SignInAttemptAsync(name, AdminClient.AdminPassword)).StatusCode);
        app.Clock.Advance(AdminUsers.LockoutPeriod);
        Assert.Equal(HttpStatusCode.Found, (await client.SignInAttemptAsync(name, AdminClient.AdminPassword)).StatusCode);
    }

    [Fact]
    public async Task APanelPage_WithoutASignIn_SendsABrowserToSignIn_AndAScriptA401()
    {
        var client = new AdminClient(AdminClient.NewHttp(app));

        var browser = await client.GetAsync("/admin/webhooks?page=2");
        var script = await client.Http.GetAsync("/admin/webhooks");

        Assert.Equal(HttpStatusCode.Found, browser.StatusCode);
        Assert.Contains("/admin/login?ReturnUrl=%2Fadmin%2Fwebhooks%3Fpage%3D2", browser.Headers.Location!.ToString());
        await Envelopes.AssertError(script, HttpStatusCode.Unauthorized, code: "unauthorized");
    }

    [Fact]
    public async Task SignIn_ReturnsToThePageAskedFor_ButNeverToAnotherSite()
    {
        foreach (var (returnUrl, expected) in new[] { ("/admin/subscriptions", "/admin/subscriptions"), ("//evil.example/admin", "/admin"), ("https://evil.example", "/admin") })
        {
            var client = new AdminClient(AdminClient.NewHttp(app));
            var response = await client.SubmitAsync($"/admin/login?ReturnUrl={Uri.EscapeDataString(returnUrl)}", "sign-in",
                ("Form.Username", "admin"), ("Form.Password", AdminClient.AdminPassword));

            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            Assert.Equal(expected, new Uri(new Uri("http://localhost"), response.Headers.Location!).AbsolutePath);
            Assert.Equal("localhost", new Uri(new Uri("http://localhost"), response.Headers.Location!).Host);
        }
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        var client = await AdminClient.SignInAsync(app);

        var response = await client.SubmitAsync("/admin", "/admin/logout");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(HttpStatusCode.Found, (await client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task ANewPassword_EndsTheUsersOtherSessions()
    {
        var name = await AdminClient.NewUserAsync(app, AdminRoles.Viewer);
        var client = await AdminClient.SignInAsync(app, name);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin")).StatusCode);

        await app.Services.GetRequiredService<AdminUsers>().SetPasswordAsync(name, "a-brand-new-password", default);

        Assert.Equal(HttpStatusCode.Found, (await client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task AFormWithoutItsAntiforgeryToken_Is403()
    {
        var client = await AdminClient.SignInAsync(app);

        var session = await client.PostAsync("/admin/session/mode", [("mode", "live"), ("return_to", "/admin")]);
        var signIn = await new AdminClient(AdminClient.NewHttp(app)).PostAsync("/admin/login",
            [("_handler", "sign-in"), ("Form.Username", "admin"), ("Form.Password", AdminClient.AdminPassword)]);

        Assert.Equal(HttpStatusCode.Forbidden, session.StatusCode);
        Assert.Contains("This form has expired", await session.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
    }

    [Fact]
    public async Task TheModeToggle_SwitchesWhatThePagesShow_ForViewersToo()
    {
        var client = await AdminClient.SignInAsync(app, await AdminClient.NewUserAsync(app, AdminRoles.Viewer));
        Assert.Contains("Test mode", await client.PageAsync("/admin"));

        var response = await client.SubmitAsync("/admin/subscriptions", "/admin/session/mode");

        Assert.Equal("/admin/subscriptions", response.Headers.Location!.ToString());
        var page = await client.PageAsync("/admin");
        Assert.Contains("Live mode", page);
        Assert.Contains("Switch to test mode", page);
    }

    [Fact]
    public async Task PanelPages_AllowNoScript_AndAreNeverFramed()
    {
        var client = await AdminClient.SignInAsync(app);

        foreach (var path in new[] { "/admin", "/admin/login" })
        {
            var response = await client.GetAsync(path);
            var policy = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("default-src 'none'", policy);
            Assert.DoesNotContain("script-src", policy);
            Assert.Contains("frame-ancestors 'none'", policy);
            Assert.DoesNotContain("<script", await response.Content.ReadAsStringAsync());
        }
    }

    private static async Task<string> Alert(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Refusal, html);
        return System.Text.RegularExpressions.Regex.Match(html, "<div class=\"flash error\" role=\"alert\"[^>]*>(.*?)</div>",
            System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
    }
}
