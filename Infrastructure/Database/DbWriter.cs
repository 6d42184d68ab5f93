using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace PaymentHub.Infrastructure.Database;

/// <summary>The connection and transaction a unit of write work runs in.</summary>
public sealed record DbTx(SqliteConnection Connection, SqliteTransaction Transaction);

/// <summary>
/// The single writer of the payment database. SQLite allows one writer at a time, and with
/// synchronous=FULL every commit waits for an fsync; so writes are queued and committed in groups:
/// each unit of work runs inside its own SAVEPOINT (it commits or rolls back as a whole, alone),
/// and one COMMIT makes the whole group durable. A caller's task completes only after that commit,
/// so "returned" always means "on disk".
/// </summary>
public sealed class DbWriter : IAsyncDisposable
{
    private const int MaxGroupSize = 256;

    private readonly Db _db;
    private readonly ILogger<DbWriter> _logger;
    private readonly Channel<IWorkItem> _queue = Channel.CreateUnbounded<IWorkItem>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public DbWriter(Db db, ILogger<DbWriter> logger)
    {
        _db = db;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Runs <paramref name="work"/> atomically and returns once it is committed.</summary>
    public Task<T> WriteAsync<T>(Func<DbTx, Task<T>> work, CancellationToken ct = default)
    {
        var item = new WorkItem<T>(work, ct);
        if (!_queue.Writer.TryWrite(item))
            throw new ObjectDisposedException(nameof(DbWriter));
        return item.Task;
    }

    private async Task RunAsync()
    {
        var group = new List<IWorkItem>(MaxGroupSize);
        SqliteConnection? connection = null;
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroupSize && reader.TryRead(out var item))
            {
                if (item.CancellationToken.IsCancellationRequested) item.Cancel();
                else group.Add(item);
            }
            if (group.Count == 0) continue;

            try
            {
                connection ??= await _db.OpenAsync();
                await RunGroupAsync(connection, group);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "A group of {Count} database writes failed to commit", group.Count);
                foreach (var item in group) item.Fail(ex);
                // The connection may be in an unknown state: start the next group on a fresh one.
                if (connection is not null) await connection.DisposeAsync();
                connection = null;
            }
        }
        if (connection is not null) await connection.DisposeAsync();
    }

    private static async Task RunGroupAsync(SqliteConnection connection, List<IWorkItem> group)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var tx = new DbTx(connection, transaction);
        foreach (var item in group)
        {
            transaction.Save("unit");
            try
            {
                await item.RunAsync(tx);
                transaction.Release("unit");
            }
            catch (Exception ex)
            {
                transaction.Rollback("unit");
                transaction.Release("unit");
                item.Fail(ex);
            }
        }
        transaction.Commit();
        foreach (var item in group) item.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private interface IWorkItem
    {
        CancellationToken CancellationToken { get; }
        Task RunAsync(DbTx tx);
        void Complete();
        void Fail(Exception ex);
        void Cancel();
    }

    private sealed class WorkItem<T>(Func<DbTx, Task<T>> work, CancellationToken ct) : IWorkItem
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private bool _failed;

        public Task<T> Task => _done.Task;
        public CancellationToken CancellationToken => ct;

        public async Task RunAsync(DbTx tx) => _result = await work(tx);

        public void Complete()
        {
            if (!_failed) _done.TrySetResult(_result!);
        }

        public void Fail(Exception ex)
        {
            _failed = true;
            _done.TrySetException(ex);
        }

        public void Cancel() => _done.TrySetCanceled(ct);
    }
}
