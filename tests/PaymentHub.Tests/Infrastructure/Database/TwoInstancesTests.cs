using System.Net;
using Dapper;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Tests.Features.Payments;

namespace PaymentHub.Tests.Infrastructure.Database;

/// <summary>
/// Two app instances on one database, as two servers behind a load balancer would be: on
/// PostgreSQL two hosts with their own connections, writers and job storage on one database; on
/// SQLite two writers on one file. The same customer or client reaching both at once gets each
/// thing done once.
/// </summary>
public sealed class TwoInstancesTests : IAsyncLifetime
{
    private readonly string _dataPath = PaymentHubFactory.NewDataPath();
    private PaymentHubOnData _a = null!;
    private PaymentHubOnData _b = null!;

    public Task InitializeAsync()
    {
        _a = new PaymentHubOnData(_dataPath);
        _ = _a.Services; // migrates and bootstraps before the second starts
        _b = new PaymentHubOnData(_dataPath);
        _ = _b.Services;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        PaymentHubFactory.DeleteData(_dataPath);
    }

    /// <summary>The checkout form of <paramref name="payPath"/> opened on <paramref name="app"/>: the browser and the form's anti-forgery token.</summary>
    private static async Task<(HttpClient Browser, string Token)> OpenFormAsync(PaymentHubFactory app, string payPath)
    {
        var browser = new Checkout(app).Browser();
        var page = await browser.GetAsync(payPath);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return (browser, await Checkout.AntiforgeryToken(page));
    }

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient browser, string token, string payPath) =>
        browser.PostAsync(payPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__af"] = token, ["name_on_card"] = "Jane Customer", ["card_number"] = Checkout.Approve, ["card_expiry"] = "12/30", ["card_cvc"] = "123",
        }));

    [Fact]
    public async Task OneIntent_PaidThroughBothInstancesAtOnce_IsChargedOnce()
    {
        var checkout = new Checkout(_a);
        var intents = new List<(string IntentId, string PayPath)>();
        for (var i = 0; i < 12; i++) intents.Add(await checkout.CreateAsync(new IntentBuilder()));

        foreach (var (intentId, payPath) in intents)
        {
            var forms = new[] { await OpenFormAsync(_a, payPath), await OpenFormAsync(_b, payPath) };
            using var start = new Barrier(2);
            var answers = await Task.WhenAll(forms.Select(f => Task.Run(() =>
            {
                start.SignalAndWait();
                return SubmitAsync(f.Browser, f.Token, payPath);
            })));
            Assert.Contains(answers, a => a.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.SeeOther
                && a.Headers.Location!.ToString().StartsWith("https://example.com/success", StringComparison.Ordinal));
        }

        using var db = _a.Open();
        foreach (var (intentId, _) in intents)
        {
            var args = new { intentId };
            Assert.Equal("succeeded", db.ExecuteScalar<string>("SELECT status FROM intents WHERE id = @intentId", args));
            Assert.Equal(1L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM charges WHERE intent_id = @intentId", args));
            Assert.Equal(1L, db.ExecuteScalar<long>(
                "SELECT COUNT(*) FROM simulator_transactions t JOIN charges c ON c.order_id = t.order_id WHERE c.intent_id = @intentId", args));
            Assert.Equal(1L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM events WHERE intent_id = @intentId AND type = 'payment.succeeded'", args));
        }
    }

    [Fact]
    public async Task OneIdempotencyKey_SentToBothInstancesAtOnce_RunsTheRequestOnce()
    {
        var apis = new[] { _a.Api(), _b.Api() };
        for (var i = 0; i < 15; i++)
        {
            var key = $"two-instances-{i}-{Guid.NewGuid():N}";
            var body = new IntentBuilder().Json();
            using var start = new Barrier(2);
            var answers = await Task.WhenAll(apis.Select(api => Task.Run(() =>
            {
                start.SignalAndWait();
                return api.PostJson(IntentCalls.Intents, body, key);
            })));

            // Each answer is the request's own, its replay, or "still in flight"; never a second
            // execution (which would meet the first one's reference_id: 409 reference_conflict).
            var created = new List<string>();
            foreach (var answer in answers)
            {
                var json = await answer.Body();
                if (answer.StatusCode == HttpStatusCode.Conflict)
                    Assert.Equal(ErrorCodes.IdempotencyKeyInUse, (string?)json["code"]);
                else
                {
                    Assert.True(answer.StatusCode == HttpStatusCode.OK, json.ToJsonString());
                    created.Add((string)json["data"]!["intent_id"]!);
                }
            }
            Assert.NotEmpty(created);
            Assert.Single(created.Distinct());
            Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK && !a.Headers.Contains("Idempotent-Replayed"));

            var again = await apis[1].PostJson(IntentCalls.Intents, body, key);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(created[0], (string)(await again.Body())["data"]!["intent_id"]!);
        }

        Assert.Equal(15L, _b.Scalar<long>("SELECT COUNT(*) FROM intents WHERE reference_id LIKE 'ORDER-%'"));
    }
}
