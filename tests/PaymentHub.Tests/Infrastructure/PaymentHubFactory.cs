using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// PaymentHub over HTTP on a real temporary database with the real migrations: a SQLite file, or,
/// when PAYMENTHUB_TEST_POSTGRES names a PostgreSQL server, a database of its own there
/// (<see cref="TestDatabases"/>). The bootstrap test client has known credentials;
/// <see cref="Clock"/> is the app's clock and can be moved.
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

    /// <summary>The PostgreSQL connection string of this app's database; null on SQLite.</summary>
    public string? PostgresConnectionString => TestDatabases.Postgres ? TestDatabases.ConnectionStringFor(DataPath) : null;
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("PAYMENTHUB_DATA", DataPath);
        if (TestDatabases.Postgres) builder.UseSetting("PAYMENTHUB_DATABASE", TestDatabases.Create(DataPath));
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
            // A password hash at full strength costs a few hundred milliseconds of CPU; tests sign in often.
            services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000);
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

    /// <summary>Deletes the data folder and, on PostgreSQL, the database that belongs to it.</summary>
    public static void DeleteData(string dataPath)
    {
        try { Directory.Delete(dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (TestDatabases.Postgres) TestDatabases.Drop(dataPath);
    }
}

/// <summary>
/// The suite runs on SQLite, or on PostgreSQL when the environment variable PAYMENTHUB_TEST_POSTGRES
/// holds a connection string to a server where it may create databases (CI starts a throwaway
/// one). Each data folder then gets a fresh database of its own, named after the folder, so two
/// app hosts on one data folder (a restart, a second instance) share it as they share a SQLite file.
/// </summary>
public static class TestDatabases
{
    public const string Variable = "PAYMENTHUB_TEST_POSTGRES";

    public static string? Server => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s ? s : null;

    public static bool Postgres => Server is not null;

    public static string NameFor(string dataPath) =>
        "ph_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataPath))))[..24];

    public static string ConnectionStringFor(string dataPath) =>
        new Npgsql.NpgsqlConnectionStringBuilder(Server) { Database = NameFor(dataPath) }.ConnectionString;

    /// <summary>A connection, opened, to the database of <paramref name="dataPath"/>: its SQLite file or its PostgreSQL database.</summary>
    public static System.Data.Common.DbConnection Open(string dataPath)
    {
        System.Data.Common.DbConnection connection = Postgres
            ? new Npgsql.NpgsqlConnection(ConnectionStringFor(dataPath))
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataPath, "paymenthub.db")};Pooling=False");
        connection.Open();
        return connection;
    }

    /// <summary>
    /// Everything stored for <paramref name="dataPath"/>, as text to search: the SQLite files' bytes
    /// (database and write-ahead log), or every row of every table of the PostgreSQL database
    /// (PaymentHub's and Hangfire's).
    /// </summary>
    public static async Task<string> AllStoredTextAsync(string dataPath)
    {
        if (!Postgres)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var files = Directory.GetFiles(dataPath, "paymenthub.db*");
            if (files.Length == 0) throw new InvalidOperationException($"no database files in {dataPath}");
            var text = new StringBuilder();
            foreach (var file in files)
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream, Encoding.Latin1);
                text.Append(await reader.ReadToEndAsync()).Append('\n');
            }
            return text.ToString();
        }
        await using var c = Open(dataPath);
        var tables = (await Dapper.SqlMapper.QueryAsync<string>(c, """
            SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
            WHERE table_schema IN ('public', 'hangfire') AND table_type = 'BASE TABLE'
            """)).ToList();
        if (tables.Count == 0) throw new InvalidOperationException($"no tables in the database of {dataPath}");
        var rows = new StringBuilder();
        foreach (var table in tables)
            foreach (var row in await Dapper.SqlMapper.QueryAsync<string>(c, $"SELECT t::text FROM {table} t"))
                rows.Append(row).Append('\n');
        return rows.ToString();
    }

    /// <summary>Creates the folder's database unless it exists; returns its connection string.</summary>
    public static string Create(string dataPath)
    {
        using var admin = new Npgsql.NpgsqlConnection(Server);
        admin.Open();
        using var command = admin.CreateCommand();
        command.CommandText = $"CREATE DATABASE {NameFor(dataPath)}";
        try
        {
            command.ExecuteNonQuery();
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.DuplicateDatabase)
        {
        }
        return ConnectionStringFor(dataPath);
    }

    public static void Drop(string dataPath)
    {
        using (var pooled = new Npgsql.NpgsqlConnection(ConnectionStringFor(dataPath))) Npgsql.NpgsqlConnection.ClearPool(pooled);
        using var admin = new Npgsql.NpgsqlConnection(Server);
        admin.Open();
        using var command = admin.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS {NameFor(dataPath)} WITH (FORCE)";
        command.ExecuteNonQuery();
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

/// <summary>
/// A test of something only a SQLite file has (its pragmas, its file modes, its online backup):
/// skipped, and reported as skipped, when the suite runs on PostgreSQL.
/// </summary>
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute()
    {
        if (TestDatabases.Postgres) Skip = "a SQLite file only; this run is on PostgreSQL";
    }
}

/// <summary>A test of PostgreSQL itself (several instances, its locks): skipped, and reported as skipped, when the suite runs on SQLite.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestDatabases.Postgres) Skip = $"needs PostgreSQL: set {TestDatabases.Variable} to a server's connection string";
    }
}
