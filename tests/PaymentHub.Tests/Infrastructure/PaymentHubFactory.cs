using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// PaymentHub over HTTP on a real temporary SQLite file with the real migrations. The bootstrap
/// test client has known credentials; <see cref="Clock"/> is the app's clock and can be moved.
/// </summary>
public class PaymentHubFactory : WebApplicationFactory<Program>
{
    public const string ClientId = "pk_test_fixture";
    public const string ClientSecret = "sk_test_fixture_secret";

    private readonly bool _ownsData;

    /// <summary>A new, empty data folder, deleted when the factory is disposed.</summary>
    public PaymentHubFactory() : this(NewDataPath(), ownsData: true)
    {
    }

    /// <summary>
    /// Runs on <paramref name="dataPath"/> as it is (database, keys): a restart of an app that ran
    /// there before. The folder is left in place on dispose; whoever made it deletes it.
    /// </summary>
    protected PaymentHubFactory(string dataPath) : this(dataPath, ownsData: false)
    {
    }

    private PaymentHubFactory(string dataPath, bool ownsData)
    {
        DataPath = dataPath;
        _ownsData = ownsData;
    }

    public static string NewDataPath() => Path.Combine(Path.GetTempPath(), "paymenthub-tests", Guid.NewGuid().ToString("N"));

    public string DataPath { get; }
    public TestClock Clock { get; } = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    public string DatabasePath => Path.Combine(DataPath, "paymenthub.db");
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("PAYMENTHUB_DATA", DataPath);
        builder.UseSetting("PAYMENTHUB_BOOTSTRAP_CLIENT_ID", ClientId);
        builder.UseSetting("PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET", ClientSecret);
        builder.UseSetting("PAYMENTHUB_ADMIN_PASSWORD", "admin-password-for-tests");
        builder.UseSetting("PAYMENTHUB_PUBLIC_URL", "https://pay.example.test");
        // Every test client shares one address; the per-intent limit is what tests exercise.
        builder.UseSetting("PaymentHub:Checkout:PostsPerMinutePerAddress", "100000");
        // Tests move the clock; background jobs run only where a test asks for them (a Hangfire
        // server per host would also cost every test class its threads).
        builder.UseSetting("PaymentHub:Jobs:Server", "false");
        builder.UseSetting("PaymentHub:ExpireIntervalSeconds", "0");
        builder.UseSetting("PaymentHub:SettleIntervalSeconds", "0");
        builder.UseSetting("PaymentHub:RenewIntervalSeconds", "0");
        builder.UseSetting("PaymentHub:IdempotencyPurgeIntervalSeconds", "0");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
        });
    }

    /// <summary>A client that sends the bootstrap test key.</summary>
    public HttpClient Api(string clientId = ClientId, string clientSecret = ClientSecret)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ClientOptions.BaseAddress });
        client.DefaultRequestHeaders.Add("X-Client-ID", clientId);
        client.DefaultRequestHeaders.Add("X-Client-Secret", clientSecret);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (_ownsData) DeleteData(DataPath);
        }
    }

    public static void DeleteData(string dataPath)
    {
        try { Directory.Delete(dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// PaymentHub on a data folder that outlives it (a restart, or a second instance on the same
/// database), optionally with its Hangfire server running the given job settings.
/// </summary>
public sealed class PaymentHubOnData(string dataPath, params (string Key, string Value)[] settings) : PaymentHubFactory(dataPath)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }
}

/// <summary>A clock tests move by hand.</summary>
public sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    private readonly Lock _gate = new();

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate) _now += by;
    }

    public void Set(DateTimeOffset to)
    {
        lock (_gate) _now = to;
    }
}

/// <summary>Helpers for JSON over HTTP in tests.</summary>
public static class Http
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(object body) => Json(JsonSerializer.Serialize(body));

    public static async Task<JsonNode> Body(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string url, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body is string s ? Json(s) : Json(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }
}

/// <summary>A valid create-intent body, to be varied per test.</summary>
public sealed class IntentBuilder
{
    private readonly JsonObject _body;

    public IntentBuilder(string? referenceId = null)
    {
        _body = new JsonObject
        {
            ["amount"] = 80,
            ["currency"] = "USD",
            ["intent_type"] = "one_time",
            ["email"] = "customer@example.com",
            ["name"] = "John Doe",
            ["reference_id"] = referenceId ?? "ORDER-" + Guid.NewGuid().ToString("N")[..12],
            ["success_url"] = "https://example.com/success",
            ["cancel_url"] = "https://example.com/cancel",
            ["order_items"] = new JsonArray(new JsonObject { ["name"] = "Product 1", ["quantity"] = 1, ["price"] = 80 }),
        };
    }

    public IntentBuilder With(string field, JsonNode? value)
    {
        _body[field] = value;
        return this;
    }

    public IntentBuilder Without(string field)
    {
        _body.Remove(field);
        return this;
    }

    public IntentBuilder Recurring(int intervalDays = 30) => With("intent_type", "recurring").With("interval_days", intervalDays);

    public string Json() => _body.ToJsonString();

    public JsonObject Node() => (JsonObject)_body.DeepClone();
}
