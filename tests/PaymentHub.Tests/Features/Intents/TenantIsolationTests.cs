using System.Net;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>A client sees only its own merchant's objects in its own mode; others' are 404, never 403.</summary>
public sealed class TenantIsolationTests(TenantIsolationTests.Tenants tenants) : IClassFixture<TenantIsolationTests.Tenants>
{
    /// <summary>The fixture merchant (test and live clients) and a second merchant with a test client.</summary>
    public sealed class Tenants : PaymentHubFactory, IAsyncLifetime
    {
        public NewApiClient OwnLive { get; private set; } = null!;
        public NewApiClient OtherTest { get; private set; } = null!;
        public NewApiClient OtherLive { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _ = Server; // start the app: it creates the database and the fixture merchant
            OwnLive = await this.CreateClientAsync(this.FixtureMerchantId(), "live");
            var other = await this.CreateMerchantAsync("Other merchant");
            OtherTest = await this.CreateClientAsync(other, "test");
            OtherLive = await this.CreateClientAsync(other, "live");
        }

        Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
    }

    private const string NotFound = """{"success":false,"message":"Payment intent not found.","code":"intent_not_found","data":[]}""";

    private static async Task AssertNotFound(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(NotFound, await response.Content.ReadAsStringAsync());
    }

    private static async Task<IReadOnlyList<string>> ListedIds(HttpClient api)
    {
        var data = await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}?per_page=100"));
        return data["items"]!.AsArray().Select(i => (string)i!["intent_id"]!).ToList();
    }

    public static TheoryData<string> Strangers => new() { "other-test", "other-live", "own-live" };

    private HttpClient Stranger(string who) => who switch
    {
        "other-test" => tenants.Api(tenants.OtherTest),
        "other-live" => tenants.Api(tenants.OtherLive),
        _ => tenants.Api(tenants.OwnLive),
    };

    [Theory]
    [MemberData(nameof(Strangers))]
    public async Task AnotherTenantsIntent_Is404OnEveryEndpointAndAbsentFromLists(string who)
    {
        var reference = "ISO-" + Guid.NewGuid().ToString("N")[..12];
        var id = await tenants.Api().CreateIntentIdAsync(new IntentBuilder(reference));
        var stranger = Stranger(who);

        await AssertNotFound(await stranger.GetAsync($"{IntentCalls.Intents}/{id}"));
        await AssertNotFound(await stranger.GetAsync($"{IntentCalls.Intents}/reference/{reference}"));
        await AssertNotFound(await stranger.GetAsync($"{IntentCalls.Intents}/{id}/logs"));
        await AssertNotFound(await stranger.CancelAsync(id));
        Assert.DoesNotContain(id, await ListedIds(stranger));

        Assert.Equal("requires_payment", tenants.Scalar<string>("SELECT status FROM intents WHERE id = @id", new { id }));
        Assert.Equal(0, tenants.Scalar<long>("SELECT COUNT(*) FROM events WHERE intent_id = @id", new { id }));
        Assert.Contains(id, await ListedIds(tenants.Api()));
    }

    [Fact]
    public async Task LiveIntent_IsInvisibleToTheSameMerchantsTestClient()
    {
        var live = tenants.Api(tenants.OwnLive);
        var data = await live.CreateIntentAsync();
        var id = (string)data["intent_id"]!;

        Assert.True((bool)data["livemode"]!);
        Assert.Equal("live", tenants.Scalar<string>("SELECT mode FROM intents WHERE id = @id", new { id }));
        await AssertNotFound(await tenants.Api().GetAsync($"{IntentCalls.Intents}/{id}"));
        Assert.DoesNotContain(id, await ListedIds(tenants.Api()));
        Assert.Contains(id, await ListedIds(live));
        Assert.Equal(HttpStatusCode.OK, (await live.GetAsync($"{IntentCalls.Intents}/{id}")).StatusCode);
    }

    [Fact]
    public async Task SameReference_IsUniquePerMerchantAndMode()
    {
        var reference = "SHARED-" + Guid.NewGuid().ToString("N")[..12];
        var clients = new[] { tenants.Api(), tenants.Api(tenants.OwnLive), tenants.Api(tenants.OtherTest), tenants.Api(tenants.OtherLive) };

        var ids = new List<string>();
        foreach (var client in clients) ids.Add(await client.CreateIntentIdAsync(new IntentBuilder(reference)));

        Assert.Equal(4, ids.Distinct().Count());
        var duplicate = await tenants.Api(tenants.OtherTest).PostJson(IntentCalls.Intents, new IntentBuilder(reference).Json());
        var body = await Envelopes.AssertError(duplicate, HttpStatusCode.Conflict);
        Assert.Equal(ids[2], (string?)body["data"]!["intent_id"]);

        for (var i = 0; i < clients.Length; i++)
        {
            var found = await Envelopes.AssertOk(await clients[i].GetAsync($"{IntentCalls.Intents}/reference/{reference}"));
            Assert.Equal(ids[i], (string?)found["intent_id"]);
        }
    }

    [Fact]
    public async Task Cancel_ByTheOwner_StillWorksAfterStrangersTried()
    {
        var id = await tenants.Api().CreateIntentIdAsync();
        await AssertNotFound(await tenants.Api(tenants.OtherTest).CancelAsync(id));

        var data = await Envelopes.AssertOk(await tenants.Api().CancelAsync(id));

        Assert.Equal("cancelled", (string?)data["status"]);
        Assert.Equal("test", tenants.Scalar<string>("SELECT mode FROM events WHERE intent_id = @id", new { id }));
    }
}
