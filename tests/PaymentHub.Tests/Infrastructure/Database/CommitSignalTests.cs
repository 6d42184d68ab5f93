using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Tests.Infrastructure.Database;

/// <summary>What a unit asks for after its commit happens only when that unit's transaction committed.</summary>
public sealed class CommitSignalTests : IAsyncLifetime
{
    private ScratchSqlite _scratch = null!;
    private Db _db = null!;
    private DbWriter _writer = null!;

    public async Task InitializeAsync()
    {
        _scratch = await ScratchSqlite.CreateAsync("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)");
        _db = _scratch.Db;
        _writer = new DbWriter(_db, NullLogger<DbWriter>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _writer.DisposeAsync();
        _scratch.Dispose();
    }

    [Fact]
    public async Task AfterCommit_OfACommittedUnit_RunsTheCallbackOffTheWriterThread()
    {
        var signal = new CommitSignal("test.committed");
        var ran = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var writerThread = 0;
        _writer.OnCommit(signal, () => ran.TrySetResult(Environment.CurrentManagedThreadId));

        await _writer.WriteAsync(tx =>
        {
            writerThread = Environment.CurrentManagedThreadId;
            tx.AfterCommit(signal);
            return Task.FromResult(tx.Execute("INSERT INTO t (v) VALUES (@V)", ("V", "a")));
        });

        var callbackThread = await ran.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotEqual(writerThread, callbackThread);
    }

    [Fact]
    public async Task AfterCommit_OfAUnitThatFailed_NeverRuns_WhileTheOthersOfItsGroupStillSignal()
    {
        var good = new CommitSignal("test.good");
        var bad = new CommitSignal("test.bad");
        var goodRuns = 0;
        var badRuns = 0;
        _writer.OnCommit(good, () => Interlocked.Increment(ref goodRuns));
        _writer.OnCommit(bad, () => Interlocked.Increment(ref badRuns));

        // Queued together, so the writer runs them as one group: the failing one rolls the group back
        // and every unit runs again alone.
        var units = Enumerable.Range(0, 20).Select(i => _writer.WriteAsync(tx =>
        {
            tx.AfterCommit(i == 10 ? bad : good);
            // The tenth inserts a duplicate and fails.
            return Task.FromResult(tx.Execute("INSERT INTO t (v) VALUES (@V)", ("V", i == 10 ? "v0" : $"v{i}")));
        })).ToList();
        var outcomes = await Task.WhenAll(units.Select(async u => { try { await u; return true; } catch (Microsoft.Data.Sqlite.SqliteException) { return false; } }));

        Assert.Equal(19, outcomes.Count(o => o));
        for (var i = 0; i < 50 && Volatile.Read(ref goodRuns) == 0; i++) await Task.Delay(20);
        await Task.Delay(100);
        Assert.InRange(Volatile.Read(ref goodRuns), 1, 19);
        Assert.Equal(0, Volatile.Read(ref badRuns));
    }
}
