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

        using var c = app.Open();
        Assert.Equal(["purge-young"], Dapper.SqlMapper.Query<string>(c, "SELECT idem_key FROM idempotency_keys"));
    }
}
