using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Gateways;

/// <summary>A migrated SQLite file with one merchant, a DbWriter and a movable clock, for gateway unit tests.</summary>
public sealed class GatewayTestDatabase : IAsyncDisposable
{
    private readonly string _folder;

    private GatewayTestDatabase(string folder, Db db, DbWriter writer)
    {
        _folder = folder;
        Db = db;
        Writer = writer;
    }

    public Db Db { get; }
    public DbWriter Writer { get; }
    public TestClock Clock { get; } = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    public string MerchantId { get; } = "mch_test_" + Guid.NewGuid().ToString("N")[..8];
    public string OtherMerchantId { get; } = "mch_other_" + Guid.NewGuid().ToString("N")[..8];

    public static async Task<GatewayTestDatabase> CreateAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "paymenthub-tests", "gw-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var db = new Db(Path.Combine(folder, "paymenthub.db"));
        await Migrator.ApplyAsync(db, Migrator.Embedded(), TimeProvider.System);
        var database = new GatewayTestDatabase(folder, db, new DbWriter(db, NullLogger<DbWriter>.Instance));
        await using var connection = await db.OpenAsync();
        foreach (var id in new[] { database.MerchantId, database.OtherMerchantId })
            await connection.ExecuteAsync("INSERT INTO merchants (id, name, created_at) VALUES (@Id, 'Test merchant', 0)", new { Id = id });
        return database;
    }

    public async Task<T> QuerySingleAsync<T>(string sql, object? param = null)
    {
        await using var connection = await Db.OpenAsync();
        return await connection.QuerySingleAsync<T>(sql, param);
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? param = null)
    {
        await using var connection = await Db.OpenAsync();
        return (await connection.QueryAsync<T>(sql, param)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A logger that keeps every message with its structured values, to assert what reaches the logs.</summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
        Entries.Enqueue($"{logLevel}: {formatter(state, exception)} | {values} | {exception}");
    }

    public string All => string.Join("\n", Entries);
}
