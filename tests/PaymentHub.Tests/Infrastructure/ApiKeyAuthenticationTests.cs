using System.Net;
using Dapper;
using PaymentHub.Features.Merchants;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>Missing, unknown, wrong or revoked keys all get the same 401, so the answer never tells which part was wrong.</summary>
public sealed class ApiKeyAuthenticationTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private static async Task AssertInvalidApiKey(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(Envelopes.InvalidApiKey, await response.Content.ReadAsStringAsync());
    }

    private HttpClient WithHeaders(string? id, string? secret)
    {
        var client = app.CreateClient();
        if (id is not null) client.DefaultRequestHeaders.Add("X-Client-ID", id);
        if (secret is not null) client.DefaultRequestHeaders.Add("X-Client-Secret", secret);
        return client;
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(PaymentHubFactory.ClientId, null)]
    [InlineData(null, PaymentHubFactory.ClientSecret)]
    [InlineData("pk_test_nobody", PaymentHubFactory.ClientSecret)]
    [InlineData(PaymentHubFactory.ClientId, "sk_test_wrong")]
    [InlineData(PaymentHubFactory.ClientId, PaymentHubFactory.ClientSecret + "x")]
    [InlineData(PaymentHubFactory.ClientSecret, PaymentHubFactory.ClientId)]
    public async Task ListIntents_WithBadCredentials_Returns401(string? id, string? secret)
    {
        await AssertInvalidApiKey(await WithHeaders(id, secret).GetAsync(IntentCalls.Intents));
    }

    [Theory]
    [InlineData("POST", "/api/platform/intents")]
    [InlineData("GET", "/api/platform/intents/pi_x")]
    [InlineData("GET", "/api/platform/intents/reference/x")]
    [InlineData("GET", "/api/platform/intents/pi_x/logs")]
    [InlineData("POST", "/api/platform/intents/pi_x/cancel")]
    public async Task EveryIntentsEndpoint_WithoutKey_Returns401BeforeAnythingElse(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = Http.Json(new IntentBuilder().Json());

        await AssertInvalidApiKey(await app.CreateClient().SendAsync(request));
    }

    [Fact]
    public async Task CreateIntent_WithUnknownKey_CreatesNothing()
    {
        var before = app.Scalar<long>("SELECT COUNT(*) FROM intents");

        var response = await app.Api("pk_test_nobody", "sk_test_nothing").PostJson(IntentCalls.Intents, new IntentBuilder().Json());

        await AssertInvalidApiKey(response);
        Assert.Equal(before, app.Scalar<long>("SELECT COUNT(*) FROM intents"));
    }

    [Fact]
    public async Task ListIntents_WithRevokedClient_Returns401()
    {
        var merchant = app.FixtureMerchantId();
        var client = await app.CreateClientAsync(merchant);
        Assert.Equal(HttpStatusCode.OK, (await app.Api(client).GetAsync(IntentCalls.Intents)).StatusCode);

        var revoked = await app.WriteAsync(tx => ApiClients.RevokeAsync(tx, merchant, client.ClientId, app.Clock.GetUtcNow()));

        Assert.True(revoked);
        await AssertInvalidApiKey(await app.Api(client).GetAsync(IntentCalls.Intents));
        // The fixture's own key is untouched.
        Assert.Equal(HttpStatusCode.OK, (await app.Api().GetAsync(IntentCalls.Intents)).StatusCode);
    }

    [Fact]
    public async Task GetIntent_AfterRotation_OldKeyIs401AndNewKeyWorks()
    {
        var merchant = app.FixtureMerchantId();
        var old = await app.CreateClientAsync(merchant);
        Assert.Equal(HttpStatusCode.OK, (await app.Api(old).GetAsync(IntentCalls.Intents)).StatusCode);
        var rotated = await app.WriteAsync(tx => ApiClients.RotateAsync(tx, merchant, old.ClientId, app.Clock.GetUtcNow()));

        Assert.NotNull(rotated);
        await AssertInvalidApiKey(await app.Api(old).GetAsync(IntentCalls.Intents));
        Assert.Equal(HttpStatusCode.OK, (await app.Api(rotated).GetAsync(IntentCalls.Intents)).StatusCode);
    }

    [Fact]
    public async Task RevokedByAnotherProcess_StopsWorkingWithinTheCacheLifetime()
    {
        var merchant = app.FixtureMerchantId();
        var client = await app.CreateClientAsync(merchant);
        Assert.Equal(HttpStatusCode.OK, (await app.Api(client).GetAsync(IntentCalls.Intents)).StatusCode);

        // Another instance on the same database revokes it: this process learns only from the database.
        using (var other = app.Open())
        {
            other.Execute("UPDATE api_clients SET revoked_at = 1 WHERE client_id = @ClientId", new { client.ClientId });
        }
        var whileCached = await app.Api(client).GetAsync(IntentCalls.Intents);
        app.Clock.Advance(TimeSpan.FromSeconds(5));
        var afterLifetime = await app.Api(client).GetAsync(IntentCalls.Intents);

        Assert.Equal(HttpStatusCode.OK, whileCached.StatusCode);
        await AssertInvalidApiKey(afterLifetime);
    }

    [Fact]
    public async Task CachedClient_WithAWrongSecret_Is401()
    {
        var client = await app.CreateClientAsync(app.FixtureMerchantId());
        Assert.Equal(HttpStatusCode.OK, (await app.Api(client).GetAsync(IntentCalls.Intents)).StatusCode);

        await AssertInvalidApiKey(await app.Api(client.ClientId, client.ClientSecret + "x").GetAsync(IntentCalls.Intents));
        await AssertInvalidApiKey(await app.Api(client.ClientId, client.ClientSecret[..^1]).GetAsync(IntentCalls.Intents));
        // The same length as the secret the cached client was verified with, one character apart.
        var lastChanged = client.ClientSecret[..^1] + (client.ClientSecret[^1] == 'a' ? 'b' : 'a');
        await AssertInvalidApiKey(await app.Api(client.ClientId, lastChanged).GetAsync(IntentCalls.Intents));
        Assert.Equal(HttpStatusCode.OK, (await app.Api(client).GetAsync(IntentCalls.Intents)).StatusCode);
    }

    [Fact]
    public void ApiClient_SecretIsStoredOnlyAsAHash()
    {
        var stored = app.Scalar<string>("SELECT secret_hash FROM api_clients WHERE client_id = @ClientId", new { PaymentHubFactory.ClientId });

        Assert.DoesNotContain(PaymentHubFactory.ClientSecret, stored);
        Assert.Matches("^[0-9A-F]{64}$", stored);
    }
}
