using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Intents;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

public sealed class ExpireIntentsTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    /// <summary>A Hangfire server in the app, with the expiry job every second.</summary>
    public sealed class SweepingFactory : PaymentHubFactory
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("PaymentHub:Jobs:Server", "true");
            builder.UseSetting("PaymentHub:ExpireIntervalSeconds", "1");
        }
    }

    [Fact]
    public async Task ExpiryJob_RunsOnTheAppsHangfireServer()
    {
        await using var sweeping = new SweepingFactory();
        var api = sweeping.Api();
        var id = await api.CreateIntentIdAsync(new IntentBuilder().With("expires_in_minutes", 5));
        sweeping.Clock.Advance(TimeSpan.FromMinutes(6));

        var status = "";
        for (var i = 0; i < 100 && status != "expired"; i++)
        {
            await Task.Delay(100);
            status = (string)(await (await api.GetAsync($"/api/platform/intents/{id}")).Body())["data"]!["status"]!;
        }
        Assert.Equal("expired", status);
    }

    [Fact]
    public async Task Expiry_MovesUnpaidIntentsPastExpiresAt_WithLogAndEvent()
    {
        var api = app.Api();
        var due = await api.CreateIntentIdAsync(new IntentBuilder().With("expires_in_minutes", 5).With("metadata", new JsonObject { ["k"] = "v" }));
        var later = await api.CreateIntentIdAsync(new IntentBuilder().With("expires_in_minutes", 60));
        var cancelled = await api.CreateIntentIdAsync(new IntentBuilder().With("expires_in_minutes", 5));
        await api.CancelAsync(cancelled);
        var expiry = app.Services.GetRequiredService<ExpireIntents>();

        Assert.Equal(0, await expiry.ExpireAsync(100));
        app.Clock.Advance(TimeSpan.FromMinutes(6));
        try
        {
            Assert.Equal(1, await expiry.ExpireAsync(100));
            Assert.Equal(0, await expiry.ExpireAsync(100));
        }
        finally
        {
            app.Clock.Advance(TimeSpan.FromMinutes(-6));
        }

        Assert.Equal("expired", (string)(await (await api.GetAsync($"/api/platform/intents/{due}")).Body())["data"]!["status"]!);
        Assert.Equal("requires_payment", (string)(await (await api.GetAsync($"/api/platform/intents/{later}")).Body())["data"]!["status"]!);
        Assert.Equal("cancelled", (string)(await (await api.GetAsync($"/api/platform/intents/{cancelled}")).Body())["data"]!["status"]!);
        var payload = JsonNode.Parse(app.Scalar<string>("SELECT payload FROM events WHERE intent_id = @due AND type = 'payment.expired'", new { due }))!;
        Assert.Equal("v", (string)payload["metadata"]!["k"]!);
        Assert.Equal(1L, app.Scalar<long>("SELECT COUNT(*) FROM intent_logs WHERE intent_id = @due AND event_type = 'payment.expired' AND actor_type = 'system'", new { due }));
        var cancel = await api.CancelAsync(due);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, cancel.StatusCode);
    }

    [Fact]
    public async Task ExpiryJob_Run_WorksThroughMoreThanOneBatch()
    {
        var api = await app.NewMerchantApiAsync();
        var ids = new List<string>();
        for (var i = 0; i < ExpireIntents.Batch + 20; i++)
            ids.Add(await api.CreateIntentIdAsync(new IntentBuilder().With("expires_in_minutes", 5)));
        app.Clock.Advance(TimeSpan.FromMinutes(6));
        try
        {
            await app.Services.GetRequiredService<ExpireIntents>().RunAsync(CancellationToken.None);
        }
        finally
        {
            app.Clock.Advance(TimeSpan.FromMinutes(-6));
        }

        var expired = app.Scalar<long>($"SELECT COUNT(*) FROM intents WHERE status = 'expired' AND id IN ({string.Join(',', ids.Select(id => $"'{id}'"))})");
        Assert.Equal(ids.Count, expired);
        Assert.Equal(ids.Count, app.Scalar<long>(
            $"SELECT COUNT(*) FROM events WHERE type = 'payment.expired' AND intent_id IN ({string.Join(',', ids.Select(id => $"'{id}'"))})"));
    }
}
