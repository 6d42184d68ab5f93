using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using PaymentHub.Features.Intents;
using PaymentHub.Features.Payments;
using PaymentHub.Infrastructure.Idempotency;
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
    private HttpClient Local() => new(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        { BaseAddress = new Uri(app.BaseUrl) };

    [Fact]
    public async Task Dashboard_ForALocalRequest_ListsTheRecurringJobs()
    {
        var response = await Local().GetAsync("/admin/jobs/recurring");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(ExpireIntents.JobId, html);
        Assert.Contains(SettlePayments.JobId, html);
        Assert.Contains(IdempotencyPurge.JobId, html);
    }

    [Fact]
    public async Task Dashboard_ForARequestFromElsewhere_Is401()
    {
        // Requests through the in-memory test server carry no remote address, so they are not local.
        await using var inMemory = new PaymentHubFactory();
        var response = await inMemory.CreateClient().GetAsync("/admin/jobs/recurring");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task TriggerNow_WithoutTheAntiforgeryToken_Is403()
    {
        var response = await Local().PostAsync("/admin/jobs/recurring/trigger",
            new FormUrlEncodedContent([new("jobs[]", ExpireIntents.JobId)]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task TriggerNow_RunsTheExpiryJob_OnTheAppsServer()
    {
        var api = app.LiveApi();
        var id = await api.CreateIntentIdAsync(new IntentBuilder().With("expires_in_minutes", 5));
        app.Clock.Advance(TimeSpan.FromMinutes(6));
        var browser = Local();
        var page = await (await browser.GetAsync("/admin/jobs/recurring")).Content.ReadAsStringAsync();
        var header = Meta().Match(page.Replace("csrf-token", "")).Groups[1].Value;
        var token = Regex.Match(page, "<meta name=\"csrf-token\" content=\"([^\"]+)\"").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(header) || string.IsNullOrEmpty(token), "the dashboard page carries its anti-forgery token");

        var trigger = new HttpRequestMessage(HttpMethod.Post, "/admin/jobs/recurring/trigger")
        {
            Content = new FormUrlEncodedContent([new("jobs[]", ExpireIntents.JobId)]),
        };
        trigger.Headers.Add(header, token);
        var response = await browser.SendAsync(trigger);
        Assert.True(response.IsSuccessStatusCode, $"trigger answered {(int)response.StatusCode}: {string.Join("\n", app.Logs.Lines.Where(l => l.StartsWith("Error")))}");

        var status = "";
        for (var i = 0; i < 100 && status != "expired"; i++)
        {
            await Task.Delay(100);
            status = (string)(await (await api.GetAsync($"/api/platform/intents/{id}")).Body())["data"]!["status"]!;
        }
        Assert.Equal("expired", status);
    }

    [GeneratedRegex("<meta name=\"csrf-header\" content=\"([^\"]+)\"")]
    private static partial Regex Meta();
}
