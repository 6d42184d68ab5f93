using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Infrastructure.Idempotency;

namespace PaymentHub.Tests.Infrastructure;

public sealed class IdempotencyPurgeTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public async Task Purge_DeletesOnlyKeysOlderThan24Hours()
    {
        var api = app.Api();
        using (var clear = app.Open()) Dapper.SqlMapper.Execute(clear, "DELETE FROM idempotency_keys"); // the class's other tests leave theirs
        await api.PostJson("/api/platform/intents", new IntentBuilder().Json(), "purge-old");
        app.Clock.Advance(TimeSpan.FromHours(23));
        await api.PostJson("/api/platform/intents", new IntentBuilder().Json(), "purge-young");
        app.Clock.Advance(TimeSpan.FromHours(2));
        var purge = app.Services.GetRequiredService<IdempotencyPurge>();

        Assert.Equal(1, await purge.PurgeAsync(100));
        Assert.Equal(0, await purge.PurgeAsync(100));

        using var c = app.Open();
        Assert.Equal(["purge-young"], Dapper.SqlMapper.Query<string>(c, "SELECT idem_key FROM idempotency_keys"));
    }

    /// <summary>
    /// The purge walks the keys in the order they were claimed, batch after batch, and stops at the first
    /// batch that ends young; a key claimed again after its 24 hours is claimed anew, at the end.
    /// </summary>
    [Fact]
    public async Task Purge_WalksTheKeysInClaimOrder_PastAKeyTakenOver_AndStopsAtTheYoung()
    {
        var api = app.Api();
        var run = Guid.NewGuid().ToString("N")[..8];
        string Key(int n) => $"walk-{run}-{n}";
        using var c = app.Open();
        Dapper.SqlMapper.Execute(c, "DELETE FROM idempotency_keys");
        for (var n = 1; n <= 5; n++)
            Assert.Equal(System.Net.HttpStatusCode.OK, (await api.PostJson("/api/platform/intents", new IntentBuilder().Json(), Key(n))).StatusCode);
        app.Clock.Advance(TimeSpan.FromHours(25));
        // Key 3 is used again (after its 24 hours: claimed anew), and key 6 is new: both young.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await api.PostJson("/api/platform/intents", new IntentBuilder().Json(), Key(3))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await api.PostJson("/api/platform/intents", new IntentBuilder().Json(), Key(6))).StatusCode);
        var purge = app.Services.GetRequiredService<IdempotencyPurge>();

        Assert.Equal([1, 2, 4, 5, 3, 6], Dapper.SqlMapper.Query<string>(c, "SELECT idem_key FROM idempotency_keys ORDER BY seq")
            .Select(k => int.Parse(k[^1..])));

        // Batches 1-2 and 4-5, all past their time; 3-6 ends young, so the walk stops there.
        Assert.Equal(4, await purge.PurgeAllAsync(2, CancellationToken.None));

        Assert.Equal([Key(3), Key(6)], Dapper.SqlMapper.Query<string>(c, "SELECT idem_key FROM idempotency_keys ORDER BY seq"));
        Assert.Equal(0, await purge.PurgeAllAsync(2, CancellationToken.None));
    }
}
