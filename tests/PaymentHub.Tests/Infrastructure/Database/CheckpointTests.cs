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
    private ScratchSqlite _scratch = null!;
    private Db _db = null!;
    private string File => _scratch.File;

    public async Task InitializeAsync()
    {
        _scratch = await ScratchSqlite.CreateAsync("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL); PRAGMA wal_checkpoint(TRUNCATE);");
        _db = _scratch.Db;
    }

    public Task DisposeAsync()
    {
        _scratch.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Runs <paramref name="use"/> with a writer on the scratch database, stopped afterwards (its checkpointer too).</summary>
    private async Task WithWriterAsync(Func<DbWriter, Task> use)
    {
        var writer = new DbWriter(_db, NullLogger<DbWriter>.Instance);
        try
        {
            await use(writer);
        }
        finally
        {
            await writer.DisposeAsync();
        }
    }

    [Fact]
    public async Task ACommit_ReachesTheDatabaseFile_LongBeforeTheLogIsFull()
    {
        var before = new FileInfo(File).Length;
        await WithWriterAsync(async writer =>
        {
            // 100 pages of log: far below the 4,000 at which SQLite would copy them itself.
            await writer.WriteAsync(tx => Task.FromResult(tx.Execute("INSERT INTO t (v) VALUES (@V)", ("V", new byte[400_000]))));

            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (new FileInfo(File).Length < before + 390_000 && waited.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(10);

            Assert.True(new FileInfo(File).Length >= before + 390_000,
                $"the database file is {new FileInfo(File).Length} bytes after {waited.Elapsed}; the commit is still only in the log");
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2), $"copied after {waited.Elapsed}");
        });
        await using var c = await _db.OpenAsync();
        Assert.Equal(400_000L, await c.ExecuteScalarAsync<long>("SELECT length(v) FROM t"));
    }

    [Fact]
    public async Task UnderAStreamOfCommits_TheLogStillStartsOverInsteadOfGrowing()
    {
        long pages = 0;
        await WithWriterAsync(async writer =>
        {
            // Eight clients writing without pause, about 24,000 pages of log in all: three times the
            // length at which the log is started over even while copies keep running.
            var clients = Enumerable.Range(0, 8).Select(async _ =>
            {
                for (var i = 0; i < 1_000; i++)
                    await writer.WriteAsync(tx => Task.FromResult(tx.Execute("INSERT INTO t (v) VALUES (@V)", ("V", new byte[10_000]))));
            });
            await Task.WhenAll(clients);
            // Read while the writer runs: once the last connection closes, SQLite deletes the log's file.
            pages = new FileInfo(File + "-wal").Length / 4_120;
        });
        Assert.True(pages < DbWriter.RestartAtPages + 6_000, $"the log grew to {pages} pages");
        await using var c = await _db.OpenAsync();
        Assert.Equal(8_000L, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t"));
    }

    [Fact]
    public async Task ALogPastItsLimit_IsStartedOverAndEmptied()
    {
        await WithWriterAsync(async writer =>
        {
            // One commit of about 9,000 pages: past the limit at once.
            await writer.WriteAsync(tx => Task.FromResult(tx.Execute("INSERT INTO t (v) VALUES (@V)", ("V", new byte[36_000_000]))));

            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (new FileInfo(File + "-wal").Length > 0 && waited.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(10);

            Assert.Equal(0L, new FileInfo(File + "-wal").Length);
            await writer.WriteAsync(tx => Task.FromResult(tx.Execute("INSERT INTO t (v) VALUES (@V)", ("V", new byte[10]))));
        });
        await using var c = await _db.OpenAsync();
        Assert.Equal(2L, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM t"));
        Assert.Equal(36_000_000L, await c.ExecuteScalarAsync<long>("SELECT MAX(length(v)) FROM t"));
    }
}
