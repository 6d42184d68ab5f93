using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Tests.Features.Admin;
using PaymentHub.Tests.Features.Checkout;
using CheckoutDriver = PaymentHub.Tests.Features.Payments.Checkout;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// Every error code the API documents, each in a situation that really produces it, with the status
/// the table gives; and every code in the table has such a situation here. docs/api.md lists them all.
/// </summary>
public sealed class ErrorCodesTests(LiveServerFixture app) : IClassFixture<LiveServerFixture>
{
    private readonly LiveServerFixture app = app;

    public static TheoryData<string> Codes() => [.. ErrorCodes.All.Select(e => e.Code)];

    [Theory]
    [MemberData(nameof(Codes))]
    public async Task EachCode_IsSentWithItsStatus_InTheSituationItNames(string code)
    {
        Assert.True(Scenarios.ContainsKey(code), $"no test situation produces {code}");
        var expected = ErrorCodes.All.Single(e => e.Code == code).Status;

        var (status, body) = await Scenarios[code](this);

        Assert.True(status == expected, $"{code}: expected {expected}, got {status}: {body}");
        Assert.Equal(code, (string?)JsonNode.Parse(body)!["code"]);
    }

    [Fact]
    public void DocsApiMd_ListsEveryCode()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "api.md"));
        foreach (var entry in ErrorCodes.All)
            Assert.True(docs.Contains($"`{entry.Code}`", StringComparison.Ordinal), $"docs/api.md does not list {entry.Code}");
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PaymentHub.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("The tests run outside the repository.");
    }

    private static readonly Dictionary<string, Func<ErrorCodesTests, Task<(int, string)>>> Scenarios = new()
    {
        [ErrorCodes.MalformedJson] = t => t.Send(t.Api().PostAsync(IntentCalls.Intents, Http.Json("""{"amount": 80,"""))),
        [ErrorCodes.UnsupportedMediaType] = t => t.Send(t.Api().PostAsync(IntentCalls.Intents, new StringContent(new IntentBuilder().Json()))),
        [ErrorCodes.PayloadTooLarge] = t => t.Send(t.Api().PostAsync(IntentCalls.Intents, Http.Json(new IntentBuilder().With("name", new string('x', 70_000)).Json()))),
        [ErrorCodes.InvalidIdempotencyKey] = t => t.Send(t.Api().PostJson(IntentCalls.Intents, new IntentBuilder().Json(), new string('k', 256))),
        [ErrorCodes.InvalidRequest] = t => t.BrokenChunkedBody(),
        [ErrorCodes.InvalidApiKey] = t => t.Send(t.Anonymous().GetAsync(IntentCalls.Intents)),
        [ErrorCodes.Unauthorized] = t => t.Send(t.Anonymous().SendAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/jobs")
            { Headers = { { "X-Forwarded-For", "203.0.113.9" } } })),
        [ErrorCodes.Forbidden] = async t =>
        {
            var admin = await AdminClient.SignInAsync(t.app);
            return await t.Send(admin.Http.PostAsync("/admin/jobs/recurring/trigger", new FormUrlEncodedContent([new("jobs[]", "x")])));
        },
        [ErrorCodes.TestModeOnly] = async t => await t.Send((await t.LiveClientAsync()).GetAsync("/api/platform/test/clock")),
        [ErrorCodes.NotFound] = t => t.Send(t.Api().GetAsync("/api/platform/no-such-thing")),
        [ErrorCodes.IntentNotFound] = t => t.Send(t.Api().GetAsync($"{IntentCalls.Intents}/pi_nope")),
        [ErrorCodes.SubscriptionNotFound] = t => t.Send(t.Api().GetAsync("/api/platform/subscriptions/sub_nope")),
        [ErrorCodes.ChargeNotFound] = async t =>
        {
            var id = await t.PaidAsync();
            return await t.Send(t.Api().PostJson($"{IntentCalls.Intents}/{id}/refunds", new { amount = 1, charge_id = 999_999 }));
        },
        [ErrorCodes.WebhookEndpointNotFound] = t => t.Send(t.Api().GetAsync("/api/platform/webhook-endpoints/we_nope")),
        [ErrorCodes.EventNotFound] = t => t.Send(t.Api().GetAsync("/api/platform/events/evt_nope")),
        [ErrorCodes.WebhookEndpointDisabled] = async t =>
        {
            var created = JsonNode.Parse(await (await t.Api().PostJson("/api/platform/webhook-endpoints",
                """{ "url": "https://shop.example/hooks", "enabled": false }""")).Content.ReadAsStringAsync())!;
            return await t.Send(t.Api().PostAsync($"/api/platform/webhook-endpoints/{created["data"]!["id"]}/redeliver-dead", null));
        },
        [ErrorCodes.MethodNotAllowed] = t => t.Send(t.Api().DeleteAsync(IntentCalls.Intents)),
        [ErrorCodes.ReferenceConflict] = async t =>
        {
            var body = new IntentBuilder().Json();
            await t.Api().PostJson(IntentCalls.Intents, body);
            return await t.Send(t.Api().PostJson(IntentCalls.Intents, body));
        },
        [ErrorCodes.IdempotencyKeyInUse] = t => t.KeyStillRunning(),
        [ErrorCodes.InvalidState] = async t =>
        {
            var id = await t.Api().CreateIntentIdAsync();
            return await t.Send(t.Api().PostJson($"{IntentCalls.Intents}/{id}/capture", new { }));
        },
        [ErrorCodes.AlreadyRefunded] = async t =>
        {
            var id = await t.PaidAsync();
            await t.Api().PostJson($"{IntentCalls.Intents}/{id}/refunds", new { });
            return await t.Send(t.Api().PostJson($"{IntentCalls.Intents}/{id}/refunds", new { }));
        },
        [ErrorCodes.GatewayDeclined] = t => t.CaptureOfAnAuthorizationVoidedAtTheGateway(),
        [ErrorCodes.IdempotencyKeyReused] = async t =>
        {
            var key = Guid.NewGuid().ToString();
            await t.Api().PostJson(IntentCalls.Intents, new IntentBuilder().Json(), key);
            return await t.Send(t.Api().PostJson(IntentCalls.Intents, new IntentBuilder().Json(), key));
        },
        [ErrorCodes.InternalError] = async _ =>
        {
            await using var broken = new ErrorHandlingTests.Factory();
            var response = await broken.Api(ErrorHandlingTests.BrokenClientId, "x").GetAsync(IntentCalls.Intents);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        },
        [ErrorCodes.GatewayUnavailable] = async t =>
        {
            var live = await t.LiveClientAsync();
            var intent = await live.CreateIntentAsync();
            return await t.Send(t.Anonymous().GetAsync($"/api/checkout/{IntentCalls.Token(intent)}"));
        },
    };

    private HttpClient Api() => app.LiveApi();

    /// <summary>A live-mode client of the fixture's merchant, which has no NMI settings.</summary>
    private async Task<HttpClient> LiveClientAsync()
    {
        var client = await app.CreateClientAsync(app.FixtureMerchantId(), "live");
        var http = app.LiveApi();
        http.DefaultRequestHeaders.Remove("X-Client-ID");
        http.DefaultRequestHeaders.Remove("X-Client-Secret");
        http.DefaultRequestHeaders.Add("X-Client-ID", client.ClientId);
        http.DefaultRequestHeaders.Add("X-Client-Secret", client.ClientSecret);
        return http;
    }

    private HttpClient Anonymous() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(app.BaseUrl) };

    private async Task<(int, string)> Send(Task<HttpResponseMessage> request)
    {
        var response = await request;
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> PaidAsync(bool manual = false)
    {
        var checkout = new CheckoutDriver(app);
        // iframe mode: paying answers with a page, not a redirect to the merchant's (unreachable) success_url.
        var (id, path) = await checkout.CreateAsync(new IntentBuilder().With("capture_method", manual ? "manual" : "automatic")
            .With("integration_type", "iframe").Without("success_url").Without("cancel_url"));
        await checkout.PayAsync(checkout.Browser(), path);
        return id;
    }

    /// <summary>A request whose first claim on the key is still open (as while its handler runs), then the same request again.</summary>
    private async Task<(int, string)> KeyStillRunning()
    {
        var key = Guid.NewGuid().ToString();
        var body = new IntentBuilder().Json();
        var hash = Convert.ToHexString(SHA256.HashData([.. Encoding.UTF8.GetBytes($"POST {IntentCalls.Intents}\n"), .. Encoding.UTF8.GetBytes(body)]));
        var now = app.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await app.WriteAsync(tx => tx.Connection.ExecuteAsync("""
            INSERT INTO idempotency_keys (client_id, idem_key, request_hash, created_at, locked_until)
            VALUES (@ClientId, @Key, @Hash, @Now, @Until)
            """, new { PaymentHubFactory.ClientId, Key = key, Hash = hash, Now = now, Until = now + 60_000 }, tx.Transaction));
        return await Send(Api().PostJson(IntentCalls.Intents, body, key));
    }

    /// <summary>The authorization is voided at the (simulated) gateway behind PaymentHub's back; capturing it is refused there.</summary>
    private async Task<(int, string)> CaptureOfAnAuthorizationVoidedAtTheGateway()
    {
        var id = await PaidAsync(manual: true);
        await app.WriteAsync(tx => tx.Connection.ExecuteAsync("""
            UPDATE simulator_transactions SET status = 'voided'
            WHERE txn_id = (SELECT gateway_transaction_id FROM charges WHERE intent_id = @id AND status = 'authorized')
            """, new { id }, tx.Transaction));
        return await Send(Api().PostJson($"{IntentCalls.Intents}/{id}/capture", new { }));
    }

    /// <summary>A chunked body whose chunk size is not a number: Kestrel fails while the endpoint reads it.</summary>
    private async Task<(int, string)> BrokenChunkedBody()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, app.Port);
        await using var stream = tcp.GetStream();
        var head = $"POST {IntentCalls.Intents} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Client-ID: {PaymentHubFactory.ClientId}\r\n" +
                   $"X-Client-Secret: {PaymentHubFactory.ClientSecret}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   "zz\r\n{}\r\n0\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var status = int.Parse((await reader.ReadLineAsync())!.Split(' ')[1]);
        string? line;
        var chunked = false;
        while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
            chunked |= line.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase);
        var body = chunked ? await ReadChunked(reader) : await reader.ReadToEndAsync();
        return (status, body);
    }

    private static async Task<string> ReadChunked(StreamReader reader)
    {
        var body = new StringBuilder();
        while (Convert.ToInt32(await reader.ReadLineAsync(), 16) is var size and > 0)
        {
            var buffer = new char[size];
            await reader.ReadBlockAsync(buffer, 0, size);
            body.Append(buffer);
            await reader.ReadLineAsync();
        }
        return body.ToString();
    }
}
