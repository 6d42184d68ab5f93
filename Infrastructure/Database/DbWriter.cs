using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace PaymentHub.Infrastructure.Database;

/// <summary>
/// The connection and transaction a unit of write work runs in. Use Dapper on <see cref="Connection"/>
/// with <see cref="Transaction"/>, or, on the hottest paths, <see cref="Execute"/>, <see cref="Scalar{T}"/>
/// and <see cref="SingleOrDefault{T}"/>, which keep their prepared statements on the writer's connection.
/// </summary>
public sealed record DbTx(SqliteConnection Connection, SqliteTransaction Transaction, PreparedStatements Prepared)
{
    public int Execute(string sql, params (string Name, object? Value)[] args) => Prepared.Get(sql, args, Transaction).ExecuteNonQuery();

    public T? Scalar<T>(string sql, params (string Name, object? Value)[] args) =>
        Prepared.Get(sql, args, Transaction).ExecuteScalar() is { } value and not DBNull ? (T)value : default;

    /// <summary>The first row mapped to <typeparamref name="T"/> (as Dapper maps it), or default.</summary>
    public T? SingleOrDefault<T>(string sql, params (string Name, object? Value)[] args) => Prepared.SingleOrDefault<T>(sql, args, Transaction);
}

/// <summary>
/// Prepared statements of one connection, by SQL text, parameters bound by position; rows are mapped
/// with Dapper's row parser, built once per SQL text (a SQL text always yields the same columns, and
/// Dapper would otherwise read every column's name and type on each call to find its cached parser).
/// </summary>
public sealed class PreparedStatements(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Delegate> _parsers = new(StringComparer.Ordinal);

    public T? SingleOrDefault<T>(string sql, (string Name, object? Value)[] args, SqliteTransaction? transaction)
    {
        using var reader = Get(sql, args, transaction).ExecuteReader();
        return reader.Read() ? Parser<T>(sql, reader)(reader) : default;
    }

    public List<T> List<T>(string sql, (string Name, object? Value)[] args, SqliteTransaction? transaction)
    {
        using var reader = Get(sql, args, transaction).ExecuteReader();
        var rows = new List<T>();
        if (!reader.Read()) return rows;
        var parse = Parser<T>(sql, reader);
        do rows.Add(parse(reader)); while (reader.Read());
        return rows;
    }

    private Func<System.Data.Common.DbDataReader, T> Parser<T>(string sql, SqliteDataReader reader)
    {
        if (_parsers.TryGetValue(sql, out var known) && known is Func<System.Data.Common.DbDataReader, T> parser) return parser;
        parser = Dapper.SqlMapper.GetRowParser<T>(reader);
        _parsers[sql] = parser;
        return parser;
    }

    internal SqliteCommand Get(string sql, (string Name, object? Value)[] args, SqliteTransaction? transaction)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in args) command.Parameters.Add(new SqliteParameter("@" + name, null));
            _commands[sql] = command;
        }
        command.Transaction = transaction;
        if (command.Parameters.Count != args.Length) throw Mismatch(sql);
        for (var i = 0; i < args.Length; i++)
        {
            var parameter = command.Parameters[i];
            if (!parameter.ParameterName.AsSpan(1).SequenceEqual(args[i].Name)) throw Mismatch(sql);
            parameter.Value = args[i].Value ?? DBNull.Value;
        }
        return command;
    }

    private static InvalidOperationException Mismatch(string sql) =>
        new($"A prepared statement was called with other parameters than when it was prepared: {sql}");

    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
        _parsers.Clear();
    }
}

/// <summary>
/// The single writer of the payment database. SQLite allows one writer at a time, and with
/// synchronous=FULL every commit waits for an fsync; so writes are queued and committed in groups:
/// one COMMIT makes a whole group of units durable. A caller's task completes only after that
/// commit, so "returned" always means "on disk". Units commit or roll back as a whole, alone: when
/// one throws, the group is rolled back and each of its units runs again in a transaction of its
/// own. So a unit may run more than once before it commits, and must do nothing outside the
/// database: no gateway calls, no messages, no changes to captured state it depends on.
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
        // A thread of its own: the writer is the one serial step of every write, so it must not
        // queue behind request work on the thread pool.
        _loop = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Runs <paramref name="work"/> atomically and returns once it is committed.</summary>
    public Task<T> WriteAsync<T>(Func<DbTx, Task<T>> work, CancellationToken ct = default)
    {
        var item = new WorkItem<T>(work, ct);
        if (!_queue.Writer.TryWrite(item))
            throw new ObjectDisposedException(nameof(DbWriter));
        return item.Task;
    }

    private void Run()
    {
        var group = new List<IWorkItem>(MaxGroupSize);
        SqliteConnection? connection = null;
        PreparedStatements? prepared = null;
        var reader = _queue.Reader;
        // Units complete synchronously on SQLite, so blocking here keeps the loop on this thread.
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
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
                if (connection is null)
                {
                    connection = _db.OpenAsync().GetAwaiter().GetResult();
                    prepared = new PreparedStatements(connection);
                }
                if (!TryGroup(connection, prepared!, group))
                    foreach (var item in group) RunAlone(connection, prepared!, item);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "A group of {Count} database writes failed to commit", group.Count);
                foreach (var item in group) item.Fail(ex);
                // The connection may be in an unknown state: start the next group on a fresh one.
                prepared?.Dispose();
                connection?.Dispose();
                connection = null;
            }
        }
        prepared?.Dispose();
        connection?.Dispose();
    }

    /// <summary>All units in one transaction; false (and rolled back) when one of them threw.</summary>
    private static bool TryGroup(SqliteConnection connection, PreparedStatements prepared, List<IWorkItem> group)
    {
        if (group.Count == 1) return false;
        using var transaction = connection.BeginTransaction(deferred: false);
        var tx = new DbTx(connection, transaction, prepared);
        foreach (var item in group)
        {
            try
            {
                item.RunAsync(tx).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                transaction.Rollback();
                return false;
            }
        }
        transaction.Commit();
        foreach (var item in group) item.Complete();
        return true;
    }

    /// <summary>One unit in its own transaction: its failure is its own.</summary>
    private static void RunAlone(SqliteConnection connection, PreparedStatements prepared, IWorkItem item)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        try
        {
            item.RunAsync(new DbTx(connection, transaction, prepared)).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            transaction.Rollback();
            item.Fail(ex);
            return;
        }
        transaction.Commit();
        item.Complete();
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

        public Task<T> Task => _done.Task;
        public CancellationToken CancellationToken => ct;

        public async Task RunAsync(DbTx tx) => _result = await work(tx);

        public void Complete() => _done.TrySetResult(_result!);

        public void Fail(Exception ex) => _done.TrySetException(ex);

        public void Cancel() => _done.TrySetCanceled(ct);
    }
}
