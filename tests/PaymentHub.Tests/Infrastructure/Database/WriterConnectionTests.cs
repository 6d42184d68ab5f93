using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Tests.Infrastructure.Database;

/// <summary>
/// The single writer's connection keeps SQLite's statement journals in memory (a group's statements
/// journal the pages earlier units changed, and SQLite spilled that to a temporary file); other
/// connections, which migrations and tools use, keep SQLite's default, also when the pool hands them
/// the connection the writer had.
/// </summary>
public sealed class WriterConnectionTests : IAsyncLifetime
{
    private ScratchSqlite _scratch = null!;
    private Db _db = null!;

    public async Task InitializeAsync()
    {
        _scratch = await ScratchSqlite.CreateAsync("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)");
        _db = _scratch.Db;
    }

    public Task DisposeAsync()
    {
        _scratch.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task WritersConnection_KeepsStatementJournalsInMemory_AndHandsBackTheDefault()
    {
        var writer = new DbWriter(_db, NullLogger<DbWriter>.Instance);
        var inWriter = await writer.WriteAsync(tx =>
        {
            tx.Execute("INSERT INTO t (v) VALUES (@A), (@B)", ("A", "a"), ("B", "b"));
            return Task.FromResult(tx.Scalar<long>("PRAGMA temp_store"));
        });
        await writer.DisposeAsync(); // its connection goes back to the pool

        await using var next = await _db.OpenAsync();

        Assert.Equal(2L, inWriter); // MEMORY
        Assert.Equal(0L, await next.ExecuteScalarAsync<long>("PRAGMA temp_store")); // SQLite's default
        Assert.Equal(2L, await next.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t"));
    }
}
