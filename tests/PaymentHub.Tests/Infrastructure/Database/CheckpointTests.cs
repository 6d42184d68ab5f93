using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Tests.Infrastructure.Database;

/// <summary>
/// Commits reach the database file soon after they are made, copied from the write-ahead log on a
/// thread of their own: the writer's thread no longer waits for a large copy (SQLite's own checkpoint,
/// at 4,000 pages of log) in the middle of a commit.
/// </summary>
public sealed class CheckpointTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paymenthub-tests", Guid.NewGuid().ToString("N"));
    private Db _db = null!;
    private string File => Path.Combine(_folder, "test.db");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _db = new Db(File);
        await using var c = await _db.OpenAsync();
        await c.ExecuteAsync("PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
        await c.ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE)");
    }

    public Task DisposeAsync()
    {
        _db.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        PaymentHubFactory.DeleteData(_folder);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ACommit_ReachesTheDatabaseFile_LongBeforeTheLogIsFull()
    {
        var before = new FileInfo(File).Length;
        var writer = new DbWriter(_db, NullLogger<DbWriter>.Instance);
        try
        {
            // 100 pages of log: far below the 4,000 at which SQLite would copy them itself.
            await writer.WriteAsync(tx => Task.FromResult(tx.Execute("INSERT INTO t (v) VALUES (@V)", ("V", new byte[400_000]))));

            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (new FileInfo(File).Length < before + 390_000 && waited.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(10);

            Assert.True(new FileInfo(File).Length >= before + 390_000,
                $"the database file is {new FileInfo(File).Length} bytes after {waited.Elapsed}; the commit is still only in the log");
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2), $"copied after {waited.Elapsed}");
        }
        finally
        {
            await writer.DisposeAsync();
        }
        await using var c = await _db.OpenAsync();
        Assert.Equal(400_000L, await c.ExecuteScalarAsync<long>("SELECT length(v) FROM t"));
    }

    [Fact]
    public async Task UnderAStreamOfCommits_TheLogStillStartsOverInsteadOfGrowing()
    {
        var writer = new DbWriter(_db, NullLogger<DbWriter>.Instance);
        try
        {
            // Eight clients writing without pause, about 24,000 pages of log in all: three times the
            // length at which the log is started over even while copies keep running.
            var clients = Enumerable.Range(0, 8).Select(async _ =>
            {
                for (var i = 0; i < 1_000; i++)
                    await writer.WriteAsync(tx => Task.FromResult(tx.Execute("INSERT INTO t (v) VALUES (@V)", ("V", new byte[10_000]))));
            });
            await Task.WhenAll(clients);
        }
        finally
        {
            await writer.DisposeAsync();
        }
        var pages = new FileInfo(File + "-wal").Length / 4_120;
        Assert.True(pages < DbWriter.RestartAtPages + 6_000, $"the log grew to {pages} pages");
        await using var c = await _db.OpenAsync();
        Assert.Equal(8_000L, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public async Task ALogPastItsLimit_IsStartedOverAndEmptied()
    {
        var writer = new DbWriter(_db, NullLogger<DbWriter>.Instance);
        try
        {
            // One commit of about 9,000 pages: past the limit at once.
            await writer.WriteAsync(tx => Task.FromResult(tx.Execute("INSERT INTO t (v) VALUES (@V)", ("V", new byte[36_000_000]))));

            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (new FileInfo(File + "-wal").Length > 0 && waited.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(10);

            Assert.Equal(0L, new FileInfo(File + "-wal").Length);
            await writer.WriteAsync(tx => Task.FromResult(tx.Execute("INSERT INTO t (v) VALUES (@V)", ("V", new byte[10]))));
        }
        finally
        {
            await writer.DisposeAsync();
        }
        await using var c = await _db.OpenAsync();
        Assert.Equal(2L, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t"));
        Assert.Equal(36_000_000L, await c.ExecuteScalarAsync<long>("SELECT MAX(length(v)) FROM t"));
    }
}
