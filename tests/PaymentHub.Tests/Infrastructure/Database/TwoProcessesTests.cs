using System.Diagnostics;
using System.Net;
using Dapper;
using PaymentHub.Tests.Features.Payments;
using PaymentHub.Tests.Features.Webhooks;

namespace PaymentHub.Tests.Infrastructure.Database;

/// <summary>
/// Scale-out for real: two PaymentHub processes on one PostgreSQL database, each with its Hangfire
/// server, reached through a round-robin client (every request goes to the other process than the
/// one before, as behind a load balancer). 200 intents are paid (half of them recurring), 1,000
/// subscriptions fall due through the test clock while both processes' renewal jobs run, and every
/// event goes to one webhook endpoint: each charge, renewal and delivery must happen exactly once.
/// </summary>
public sealed class TwoProcessesTests : IAsyncLifetime
{
    private const string ClientId = "pk_test_two_processes";
    private const string ClientSecret = "sk_test_two_processes_secret";
    private const int Paid = 200;
    private const int Seeded = 900; // + 100 subscriptions from the recurring intents paid = 1,000

    private readonly string _dataPath = PaymentHubFactory.NewDataPath();
    private readonly ServerProcesses _servers = new();
    private readonly List<string> _origins = [];

    private string Output() => _servers.Output();

    public async Task InitializeAsync()
    {
        if (!TestDatabases.Postgres) return;
        var database = TestDatabases.Create(_dataPath);
        // One after the other: the first migrates and creates the merchant, the second finds them.
        for (var i = 0; i < 2; i++) await StartAsync(database);
    }

    public async Task DisposeAsync()
    {
        await _servers.DisposeAsync();
        if (TestDatabases.Postgres) PaymentHubFactory.DeleteData(_dataPath);
    }

    private async Task StartAsync(string database)
    {
        var (_, origin) = await _servers.StartAsync(new Dictionary<string, string>
        {
            ["PAYMENTHUB_DATA"] = _dataPath, // the key ring both processes share
            ["PAYMENTHUB_DATABASE"] = database,
            ["PAYMENTHUB_BOOTSTRAP_CLIENT_ID"] = ClientId,
            ["PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET"] = ClientSecret,
            ["PAYMENTHUB_ADMIN_PASSWORD"] = "admin-password-for-tests",
            ["PaymentHub__RenewIntervalSeconds"] = "1",
            ["PaymentHub__Jobs__Workers"] = "4",
            // Every customer here comes from one address; the per-intent limit still holds.
            ["PaymentHub__Checkout__PostsPerMinutePerAddress"] = "100000",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        _origins.Add(origin);
    }

    /// <summary>Sends each request to the next instance in turn.</summary>
    private sealed class RoundRobin(IReadOnlyList<string> origins) : DelegatingHandler(new HttpClientHandler
        { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
    {
        private int _next;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var origin = new Uri(origins[(Interlocked.Increment(ref _next) & int.MaxValue) % origins.Count]);
            request.RequestUri = new UriBuilder(request.RequestUri!) { Host = origin.Host, Port = origin.Port }.Uri;
            return base.SendAsync(request, ct);
        }
    }

    private HttpClient Client(bool api)
    {
        var client = new HttpClient(new RoundRobin(_origins)) { BaseAddress = new Uri(_origins[0]), Timeout = TimeSpan.FromMinutes(3) };
        if (api)
        {
            client.DefaultRequestHeaders.Add("X-Client-ID", ClientId);
            client.DefaultRequestHeaders.Add("X-Client-Secret", ClientSecret);
        }
        return client;
    }

    [PostgresFact]
    public async Task TwoProcesses_Pay200Intents_Renew1000Subscriptions_AndDeliverEveryEvent_EachExactlyOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var api = Client(api: true);
        await Envelopes.AssertOk(await api.PostJson("/api/platform/webhook-endpoints", $$"""{ "url": "{{receiver.Url}}" }"""));

        // 200 customers pay, 8 at a time; each one's page and form post go to different instances.
        using var gate = new SemaphoreSlim(8);
        var paid = await Task.WhenAll(Enumerable.Range(0, Paid).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var intent = await api.CreateIntentAsync(i % 2 == 0 ? new IntentBuilder().Recurring(30) : new IntentBuilder());
                var path = new Uri((string)intent["payment_url"]!).AbsolutePath;
                using var browser = Client(api: false);
                var page = await browser.GetAsync(path);
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                var token = await Checkout.AntiforgeryToken(page);
                var answer = await browser.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["__af"] = token, ["name_on_card"] = "Jane Customer", ["card_number"] = Checkout.Approve, ["card_expiry"] = "12/30", ["card_cvc"] = "123",
                }));
                Assert.True(answer.StatusCode == HttpStatusCode.Redirect, $"{(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}\n{Output()}");
                return (string)intent["intent_id"]!;
            }
            finally
            {
                gate.Release();
            }
        }));

        await using var db = TestDatabases.Open(_dataPath);
        var merchantId = await db.ExecuteScalarAsync<string>("SELECT merchant_id FROM api_clients WHERE client_id = @ClientId", new { ClientId });
        await SeedSubscriptionsAsync(db, merchantId!);

        // The clock's advance runs the due renewals in the instance it reaches, while both instances' renewal jobs run too.
        var advanced = await api.PostJson("/api/platform/test/clock/advance", """{ "days": 31 }""");
        Assert.Equal(HttpStatusCode.OK, advanced.StatusCode);
        var waited = Stopwatch.StartNew();
        while (await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM subscriptions WHERE current_period = 2") < Paid / 2 + Seeded
               || await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'succeeded'") > 0
               || await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM events") > receiver.Requests.Count)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(3), "renewals and deliveries did not finish in 3 minutes\n" + Output());
            await Task.Delay(250);
        }
        await Task.Delay(1500); // anything sent twice would arrive meanwhile

        async Task<long> Count(string sql) => await db.ExecuteScalarAsync<long>(sql, new { Ids = paid });
        // Payments: each paid intent succeeded with one charge; the gateway saw each order once.
        Assert.Equal(Paid, await Count("SELECT COUNT(*) FROM intents WHERE id = ANY(@Ids) AND status = 'succeeded'"));
        Assert.Equal(Paid, await Count("SELECT COUNT(*) FROM charges WHERE intent_id = ANY(@Ids) AND kind = 'sale'"));
        Assert.Equal(Paid, await Count("SELECT COUNT(*) FROM events WHERE intent_id = ANY(@Ids) AND type = 'payment.succeeded'"));
        Assert.Equal(0, await Count("SELECT COUNT(*) FROM (SELECT order_id FROM simulator_transactions GROUP BY order_id HAVING COUNT(*) > 1) AS twice"));
        // Renewals: every subscription renewed once, for period 2.
        var subscriptions = Paid / 2 + Seeded;
        Assert.Equal(subscriptions, await Count("SELECT COUNT(*) FROM subscriptions WHERE current_period = 2 AND status = 'active'"));
        Assert.Equal(subscriptions, await Count("SELECT COUNT(*) FROM renewal_attempts"));
        Assert.Equal(subscriptions, await Count("SELECT COUNT(*) FROM charges WHERE kind = 'renewal' AND status = 'success'"));
        Assert.Equal(subscriptions, await Count(
            "SELECT COUNT(*) FROM simulator_transactions t JOIN charges c ON c.order_id = t.order_id WHERE c.kind = 'renewal'"));
        Assert.Equal(subscriptions, await Count("SELECT COUNT(*) FROM events WHERE type = 'subscription.renewed'"));
        // Deliveries: every event once to the endpoint, each received once.
        var events = await Count("SELECT COUNT(*) FROM events");
        Assert.Equal(events, await Count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'succeeded'"));
        Assert.Equal(events, await Count("SELECT COUNT(*) FROM webhook_attempts"));
        var received = receiver.Requests;
        Assert.Equal(events, received.Count);
        Assert.Equal(events, received.Select(r => r.Id).Distinct().Count());
        // Neither instance fell over along the way.
        Assert.All(_servers.All, p => Assert.False(p.HasExited));
    }

    /// <summary>900 active test subscriptions with stored simulator cards that approve, due with the ones paid just now.</summary>
    private static Task SeedSubscriptionsAsync(System.Data.Common.DbConnection db, string merchantId)
    {
        var t0 = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        var due = t0 + 30L * 86_400_000;
        return db.ExecuteAsync($"""
            INSERT INTO intents (id, merchant_id, mode, reference_id, customer_ref_id, intent_type, interval_days, amount, currency, email, name,
                integration_type, success_url, cancel_url, capture_method, status, payment_token, created_at, updated_at, expires_at)
            SELECT 'pi_seed_' || i, @MerchantId, 'test', 'seed-sub-' || i, 'CUST-' || i, 'recurring', 30, 8000, 'USD', 'c' || i || '@example.com',
                'Seeded Customer', 'url', 'https://example.com/s', 'https://example.com/c', 'automatic', 'succeeded', 'tok_seed_' || i, @T0, @T0, @T0 + 86400000
            FROM generate_series(1, {Seeded}) AS n(i);
            INSERT INTO vaulted_cards (vault_id, merchant_id, mode, gateway, behaviour, card_brand, card_last4, card_expiry, created_at)
            SELECT 'vault_sim_seed_' || i, @MerchantId, 'test', 'simulator', 'approve', 'visa', '4242', '12/30', @T0 FROM generate_series(1, {Seeded}) AS n(i);
            INSERT INTO subscriptions (id, intent_id, merchant_id, mode, status, amount, currency, interval_days, vault_id, initial_transaction_id,
                card_brand, card_last4, card_expiry, next_charge_at, failed_attempts, created_at, updated_at, customer_ref_id, email, name,
                current_period, current_period_start, current_period_end)
            SELECT 'sub_seed_' || i, 'pi_seed_' || i, @MerchantId, 'test', 'active', 8000, 'USD', 30, 'vault_sim_seed_' || i, 'sim_first_' || i,
                'visa', '4242', '12/30', @Due, 0, @T0, @T0, 'CUST-' || i, 'c' || i || '@example.com', 'Seeded Customer', 1, @T0, @Due
            FROM generate_series(1, {Seeded}) AS n(i);
            """, new { MerchantId = merchantId, T0 = t0, Due = due });
    }
}
