using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Infrastructure.Idempotency;

namespace PaymentHub.Tests.Infrastructure;

public sealed class IdempotencyPurgeTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public async Task Purge_DeletesOnlyKeysOlderThan24Hours()
    {
        var api = app.Api();
        await api.PostJson("/api/platform/intents", new IntentBuilder().Json(), "purge-old");
        app.Clock.Advance(TimeSpan.FromHours(23));
        await api.PostJson("/api/platform/intents", new IntentBuilder().Json(), "purge-young");
        app.Clock.Advance(TimeSpan.FromHours(2));
        var purge = app.Services.GetRequiredService<IdempotencyPurge>();

        Assert.Equal(1, await purge.PurgeAsync(100));
        Assert.Equal(0, await purge.PurgeAsync(100));

        var keys = app.Scalar<string>("SELECT group_concat(idem_key) FROM idempotency_keys");
        Assert.Equal("purge-young", keys);
    }
}
