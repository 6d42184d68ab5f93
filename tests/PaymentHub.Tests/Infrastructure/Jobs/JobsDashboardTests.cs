using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using PaymentHub.Features.Intents;
using PaymentHub.Features.Merchants;
using PaymentHub.Features.Payments;
using PaymentHub.Infrastructure.Idempotency;
using PaymentHub.Tests.Features.Admin;
using PaymentHub.Tests.Features.Checkout;

namespace PaymentHub.Tests.Infrastructure.Jobs;

/// <summary>PaymentHub on a loopback port with its Hangfire server on and the recurring jobs declared, but not due for an hour.</summary>
public sealed class JobsServerFixture : LiveServerFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("PaymentHub:Jobs:Server", "true");
        builder.UseSetting("PaymentHub:ExpireIntervalSeconds", "3600");
        builder.UseSetting("PaymentHub:SettleIntervalSeconds", "3600");
        builder.UseSetting("PaymentHub:IdempotencyPurgeIntervalSeconds", "3600");
    }
}

public sealed partial class JobsDashboardTests(JobsServerFixture app) : IClassFixture<JobsServerFixture>
{
    [Fact]
    public async Task Dashboard_ForASignedInAdmin_ListsTheRecurringJobs_WithTriggerNow()
    {
        var admin = await AdminClient.SignInAsync(app);

        var html = await admin.PageAsync("/admin/jobs/recurring");

        Assert.Contains(ExpireIntents.JobId, html);
        Assert.Contains(SettlePayments.JobId, html);
        Assert.Contains(IdempotencyPurge.JobId, html);
        Assert.Contains("js-jobs-list-command", html); // the "Trigger now" button
    }

    [Fact]
    public async Task Dashboard_WithoutASignIn_SendsABrowserToSignIn_AndAScriptA401()
    {
        var anonymous = new AdminClient(AdminClient.NewHttp(app));

        var browser = await anonymous.GetAsync("/admin/jobs/recurring");
        var script = await anonymous.Http.GetAsync("/admin/jobs/recurring");

        Assert.Equal(HttpStatusCode.Found, browser.StatusCode);
        Assert.Contains("/admin/login?ReturnUrl=%2Fadmin%2Fjobs%2Frecurring", browser.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, script.StatusCode);
    }

    [Fact]
    public async Task Dashboard_ForAViewer_IsReadOnly_AndRefusesItsCommands()
    {
        var viewer = await AdminClient.SignInAsync(app, await AdminClient.NewUserAsync(app, AdminRoles.Viewer));

        var html = await viewer.PageAsync("/admin/jobs/recurring");
        var (header, token) = CsrfOf(html);
        var trigger = new HttpRequestMessage(HttpMethod.Post, "/admin/jobs/recurring/trigger")
        {
            Content = new FormUrlEncodedContent([new("jobs[]", ExpireIntents.JobId)]),
        };
        trigger.Headers.Add(header, token);
        var response = await viewer.Http.SendAsync(trigger);

        Assert.Contains(ExpireIntents.JobId, html);
        Assert.DoesNotContain("js-jobs-list-command", html);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task TriggerNow_WithoutTheAntiforgeryToken_Is403()
    {
        var admin = await AdminClient.SignInAsync(app);

        var response = await admin.Http.PostAsync("/admin/jobs/recurring/trigger",
            new FormUrlEncodedContent([new("jobs[]", ExpireIntents.JobId)]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task TriggerNow_RunsTheExpiryJob_OnTheAppsServer()
    {
        var api = app.LiveApi();
        var id = await api.CreateIntentIdAsync(new IntentBuilder().With("expires_in_minutes", 5));
        app.Clock.Advance(TimeSpan.FromMinutes(6));
        var admin = await AdminClient.SignInAsync(app);
        var (header, token) = CsrfOf(await admin.PageAsync("/admin/jobs/recurring"));

        var trigger = new HttpRequestMessage(HttpMethod.Post, "/admin/jobs/recurring/trigger")
        {
            Content = new FormUrlEncodedContent([new("jobs[]", ExpireIntents.JobId)]),
        };
        trigger.Headers.Add(header, token);
        var response = await admin.Http.SendAsync(trigger);
        Assert.True(response.IsSuccessStatusCode, $"trigger answered {(int)response.StatusCode}: {string.Join("\n", app.Logs.Lines.Where(l => l.StartsWith("Error")))}");

        var status = "";
        for (var i = 0; i < 100 && status != "expired"; i++)
        {
            await Task.Delay(100);
            status = (string)(await (await api.GetAsync($"/api/platform/intents/{id}")).Body())["data"]!["status"]!;
        }
        Assert.Equal("expired", status);
    }

    /// <summary>The header name and token the dashboard's pages give their script for its commands.</summary>
    internal static (string Header, string Token) CsrfOf(string page)
    {
        var header = Meta().Match(page.Replace("csrf-token", "")).Groups[1].Value;
        var token = Regex.Match(page, "<meta name=\"csrf-token\" content=\"([^\"]+)\"").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(header) || string.IsNullOrEmpty(token), "the dashboard page carries its anti-forgery token");
        return (header, token);
    }

    [GeneratedRegex("<meta name=\"csrf-header\" content=\"([^\"]+)\"")]
    private static partial Regex Meta();
}
