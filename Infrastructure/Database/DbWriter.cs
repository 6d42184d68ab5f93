using System.Data;
using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Npgsql;

namespace PaymentHub.Infrastructure.Database;

/// <summary>
/// The connection and transaction a unit of write work runs in. Use Dapper on <see cref="Connection"/>
/// with <see cref="Transaction"/>, or, on the hottest paths, <see cref="Execute"/>, <see cref="Scalar{T}"/>
/// and <see cref="SingleOrDefault{T}"/>, which keep their prepared statements on the writer's connection.
/// Each run of a unit gets its own <see cref="DbTx"/>, so what it asks for after the commit
/// (<see cref="AfterCommit"/>) belongs to that run alone.
/// </summary>
public sealed record DbTx(DbConnection Connection, DbTransaction Transaction, PreparedStatements Prepared)
{
    private List<CommitSignal>? _signals;

    /// <summary>
    /// The writer's clock when this run of the unit began: the real time, never a merchant's test
    /// clock. For rows that schedule work by the wall clock (a webhook delivery is due at once,
    /// whatever time the event it carries says).
    /// </summary>
    public DateTimeOffset Now { get; init; }

    public int Execute(string sql, params (string Name, object? Value)[] args) => Prepared.Execute(sql, args, Transaction);

    public T? Scalar<T>(string sql, params (string Name, object? Value)[] args) =>
        Prepared.Scalar(sql, args, Transaction) is { } value and not DBNull ? PreparedStatements.As<T>(value) : default;

    /// <summary>The first row mapped to <typeparamref name="T"/> (as Dapper maps it), or default.</summary>
    public T? SingleOrDefault<T>(string sql, params (string Name, object? Value)[] args) => Prepared.SingleOrDefault<T>(sql, args, Transaction);

    /// <summary>
    /// Raises <paramref name="signal"/> once this unit's transaction has committed: the callbacks
    /// registered with <see cref="DbWriter.OnCommit"/> run then, off the writer thread. If the unit
    /// does not commit (it throws, or its group rolls back and it runs again alone), this run's
    /// signals are dropped.
    /// </summary>
    public void AfterCommit(CommitSignal signal)
    {
        _signals ??= [];
        if (!_signals.Contains(signal)) _signals.Add(signal);
    }

    internal IReadOnlyList<CommitSignal> Signals => (IReadOnlyList<CommitSignal>?)_signals ?? [];
}

/// <summary>
/// How a unit is isolated from the units running beside it on PostgreSQL (on SQLite, the single
/// writer runs every unit as if alone, whichever is asked).
/// </summary>
public enum WriteIsolation
{
    /// <summary>As if the units had run one after another: right for any unit. The default.</summary>
    Serializable,

    /// <summary>
    /// Each statement sees what was committed when it started. Only for units whose every
    /// read-then-write is one statement the database makes atomic — <c>INSERT … ON CONFLICT</c>,
    /// <c>UPDATE … WHERE</c> the state it expects — and that decide nothing on an earlier
    /// statement's reading of rows others may change. Such units never conflict as serializable
    /// ones do when many insert side by side (a new intent, an idempotency key: under
    /// serializable, inserts into the same index pages make most of them run again).
    /// </summary>
    ReadCommitted,
}

/// <summary>Something a unit of work can ask to be told after its commit, e.g. "webhook deliveries were created".</summary>
public sealed record CommitSignal(string Name);

/// <summary>
/// Prepared statements of one connection, by SQL text, parameters bound by position; rows are mapped
/// with Dapper's row parser, built once per SQL text (a SQL text always yields the same columns, and
/// Dapper would otherwise read every column's name and type on each call to find its cached parser).
/// </summary>
public sealed class PreparedStatements(DbConnection connection) : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Delegate> _parsers = new(StringComparer.Ordinal);
    // SQLite statements bound and stepped directly (null: one that can't be, e.g. several statements in one text).
    private readonly Dictionary<string, SqliteStatementRows?> _direct = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs a statement that returns no rows (or whose rows are not read). On SQLite it is bound by
    /// index and stepped through SQLitePCL directly (<see cref="SqliteStatementRows"/>): Microsoft.Data.Sqlite
    /// looks every parameter up by name and converts it to UTF-8 at every run, on the writer's one thread.
    /// </summary>
    public int Execute(string sql, (string Name, object? Value)[] args, DbTransaction? transaction)
    {
        if (Direct(sql, args) is { } statement && statement.TryStart(args))
        {
            try { return statement.Finish(); }
            finally { statement.Reset(); }
        }
        return Get(sql, args, transaction).ExecuteNonQuery();
    }

    /// <summary>The first column of the first row (a boxed long, double, string or bytes), or null; directly on SQLite, as <see cref="Execute"/>.</summary>
    public object? Scalar(string sql, (string Name, object? Value)[] args, DbTransaction? transaction)
    {
        if (Direct(sql, args) is { } statement && statement.TryStart(args))
        {
            try { return statement.Read() ? statement.Value(0) : null; }
            finally { statement.Reset(); }
        }
        return Get(sql, args, transaction).ExecuteScalar();
    }

    private SqliteStatementRows? Direct(string sql, (string Name, object? Value)[] args)
    {
        if (connection is not Microsoft.Data.Sqlite.SqliteConnection sqlite || !SqliteStatementRows.CanBind(args)) return null;
        if (!_direct.TryGetValue(sql, out var statement))
            _direct[sql] = statement = SqliteStatementRows.TryPrepare(sqlite, sql, args);
        return statement;
    }

    public T? SingleOrDefault<T>(string sql, (string Name, object? Value)[] args, DbTransaction? transaction)
    {
        using var reader = Get(sql, args, transaction).ExecuteReader();
        return reader.Read() ? Parser<T>(sql, reader)(reader) : default;
    }

    /// <summary>The first row read by <paramref name="read"/> (typed getters, no boxing: for the hottest rows), or default.</summary>
    public T? SingleOrDefault<T>(string sql, Func<DbDataReader, T> read, (string Name, object? Value)[] args, DbTransaction? transaction)
    {
        using var reader = Get(sql, args, transaction).ExecuteReader();
        return reader.Read() ? read(reader) : default;
    }

    public List<T> List<T>(string sql, (string Name, object? Value)[] args, DbTransaction? transaction)
    {
        using var reader = Get(sql, args, transaction).ExecuteReader();
        var rows = new List<T>();
        if (!reader.Read()) return rows;
        var parse = Parser<T>(sql, reader);
        do rows.Add(parse(reader)); while (reader.Read());
        return rows;
    }

    public List<T> List<T>(string sql, Func<DbDataReader, T> read, (string Name, object? Value)[] args, DbTransaction? transaction)
    {
        using var reader = Get(sql, args, transaction).ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    private Func<DbDataReader, T> Parser<T>(string sql, DbDataReader reader)
    {
        if (_parsers.TryGetValue(sql, out var known) && known is Func<DbDataReader, T> parser) return parser;
        parser = Dapper.SqlMapper.GetRowParser<T>(reader);
        _parsers[sql] = parser;
        return parser;
    }

    internal DbCommand Get(string sql, (string Name, object? Value)[] args, DbTransaction? transaction)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in args)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@" + name;
                command.Parameters.Add(parameter);
            }
            _commands[sql] = command;
        }
        command.Transaction = transaction;
        if (command.Parameters.Count != args.Length) throw Mismatch(sql);
        for (var i = 0; i < args.Length; i++)
        {
            var parameter = command.Parameters[i];
            if (!parameter.ParameterName.AsSpan(1).SequenceEqual(args[i].Name)) throw Mismatch(sql);
            // A flag is an integer column (0 or 1) on both databases; PostgreSQL would refuse a boolean there.
            parameter.Value = args[i].Value switch
            {
                null => DBNull.Value,
                bool flag => flag ? 1L : 0L,
                var value => value,
            };
        }
        return command;
    }

    /// <summary>
    /// A scalar as <typeparamref name="T"/>. SQLite answers every integer as a long; PostgreSQL answers
    /// a sum of bigints as a numeric and a count as a bigint, so numbers are converted, never just cast.
    /// </summary>
    internal static T As<T>(object value)
    {
        if (value is T same) return same;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static InvalidOperationException Mismatch(string sql) =>
        new($"A prepared statement was called with other parameters than when it was prepared: {sql}");

    public void Dispose()
    {
        // Before the connection closes: a statement not finalized keeps it open.
        foreach (var statement in _direct.Values) statement?.Dispose();
        _direct.Clear();
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
        _parsers.Clear();
    }
}

/// <summary>
/// Runs units of write work, each atomically, and returns once they are committed.
/// <para>
/// On SQLite it is the single writer of the database. SQLite allows one writer at a time, and with
/// synchronous=FULL every commit waits for an fsync; so writes are queued and committed in groups:
/// one COMMIT makes a whole group of units durable. A caller's task completes only after that
/// commit, so "returned" always means "on disk". Units commit or roll back as a whole, alone: when
/// one throws, the group is rolled back and each of its units runs again in a transaction of its
/// own.
/// </para>
/// <para>
/// On PostgreSQL there is no single writer (several instances share the database): each unit runs
/// at once in a serializable transaction of its own on a pooled connection. Serializable means the
/// database lets units commit only as if they had run one after another, which is what the single
/// writer gave on SQLite, so a unit's reads-then-writes (a state move, a reservation, a lease) need
/// no locks of their own to be right; a unit the database refuses for that reason (a serialization
/// failure, a deadlock, or a unique key another unit took meanwhile) runs again from the start.
/// </para>
/// So a unit may run more than once before it commits, and must do nothing outside the
/// database: no gateway calls, no messages, no changes to captured state it depends on.
/// </summary>
public sealed class DbWriter : IAsyncDisposable
{
    private const int MaxGroupSize = 256;

    private readonly Db _db;
    private readonly ILogger<DbWriter> _logger;
    private readonly TimeProvider _clock;
    private readonly Lock _subscriptionsGate = new();
    private Dictionary<CommitSignal, Action[]> _subscriptions = [];
    private Dictionary<CommitSignal, Action[]> _inlineSubscriptions = [];
    private readonly Channel<IWorkItem> _queue = Channel.CreateUnbounded<IWorkItem>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private readonly Counter<long>? _writes, _commits;

    /// <summary>The meter of the writer's counters, for <c>dotnet-counters monitor --counters PaymentHub.Database</c>.</summary>
    public const string MeterName = "PaymentHub.Database";

    /// <summary>
    /// How often a PostgreSQL unit is tried before its last refusal is the caller's: serialization
    /// failures come and go with the load (each pause is longer, up to 0.1 s); a unique key taken
    /// meanwhile is seen at the next try, so one that stays taken is the unit's own mistake.
    /// </summary>
    internal const int MaxAttempts = 100, MaxUniqueViolationAttempts = 5;

    public DbWriter(Db db, ILogger<DbWriter> logger, TimeProvider? clock = null, IMeterFactory? meters = null)
    {
        _db = db;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        if (meters?.Create(MeterName) is { } meter)
        {
            _writes = meter.CreateCounter<long>("paymenthub.db.writes", "{write}", "Units of write work committed.");
            _commits = meter.CreateCounter<long>("paymenthub.db.commits", "{commit}", "Database transactions committed (a group of writes commits once on SQLite).");
        }
        if (db.IsPostgres)
        {
            _queue.Writer.TryComplete();
            _loop = Task.CompletedTask;
            return;
        }
        // A thread of its own: the writer is the one serial step of every write, so it must not
        // queue behind request work on the thread pool.
        _loop = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _checkpoints = Task.Factory.StartNew(Checkpoints, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>How long after a commit the log is copied into the database file, so one copy serves many commits.</summary>
    internal static readonly TimeSpan CheckpointDelay = TimeSpan.FromMilliseconds(20);

    /// <summary>A log this long (32 MB) is copied with commits held back, then started over and its file emptied.</summary>
    internal const long RestartAtPages = 8_000;

    private readonly Task _checkpoints = Task.CompletedTask;
    private readonly SemaphoreSlim _committed = new(0, 1);

    private void SignalCommitted()
    {
        if (_committed.CurrentCount > 0) return;
        try { _committed.Release(); }
        catch (SemaphoreFullException) { } // another signal got there first: one is enough
    }

    /// <summary>
    /// Copies the write-ahead log into the database file (a passive checkpoint) on a thread and
    /// connection of its own, <see cref="CheckpointDelay"/> after commits. Left to SQLite, the copy
    /// ran inside a commit on the writer's thread once the log reached 4,000 pages: 16 MB copied and
    /// the database file synced while every write waited — the slowest creates under load. A passive
    /// checkpoint never blocks the writer, which still checkpoints at 4,000 pages (then only what is
    /// left to copy), and that is what lets the next write start the log from its beginning again —
    /// unless a copy was running then; past <see cref="RestartAtPages"/> this thread restarts (and empties) the log itself.
    /// </summary>
    private void Checkpoints()
    {
        // One connection for the thread's life (opened at its first copy, again after a failure):
        // opening one ran its pragmas at every copy, up to fifty times a second under load.
        DbConnection? connection = null;
        while (true)
        {
            _committed.Wait();
            if (_disposed) break;
            Thread.Sleep(CheckpointDelay);
            try
            {
                connection ??= _db.OpenAsync().GetAwaiter().GetResult();
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                using (var result = command.ExecuteReader())
                {
                    // (busy, pages in the log, pages copied); below the limit, the writer starts the log over.
                    if (!result.Read() || result.GetInt64(1) < RestartAtPages) continue;
                }
                // Commits kept coming while each copy ran, so the writer never found the log all copied
                // and the log kept growing (or one commit was this large): copy the rest with new commits
                // held back, start the log over and give its file's space back.
                command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                command.ExecuteNonQuery();
            }
            catch (Exception ex)
            {
                // The log stays as it is; the writer's own checkpoint still copies it, and the next commit tries again.
                _logger.LogWarning(ex, "Copying the write-ahead log into the database file failed");
                connection?.Dispose();
                connection = null;
            }
        }
        connection?.Dispose();
    }

    /// <summary>Runs <paramref name="work"/> atomically and returns once it is committed.</summary>
    public Task<T> WriteAsync<T>(Func<DbTx, Task<T>> work, CancellationToken ct = default) => WriteAsync(work, WriteIsolation.Serializable, ct);

    /// <summary>Runs <paramref name="work"/> atomically, isolated as <paramref name="isolation"/> says on PostgreSQL, and returns once it is committed.</summary>
    public Task<T> WriteAsync<T>(Func<DbTx, Task<T>> work, WriteIsolation isolation, CancellationToken ct = default)
    {
        if (_db.IsPostgres) return WritePostgresAsync(work, isolation, ct);
        var item = new WorkItem<T>(work, ct);
        if (!_queue.Writer.TryWrite(item))
            throw new ObjectDisposedException(nameof(DbWriter));
        return item.Task;
    }

    /// <summary>
    /// Runs <paramref name="callback"/> on the thread pool after each commit of units that raised
    /// <paramref name="signal"/> (<see cref="DbTx.AfterCommit"/>): once per committed group, however
    /// many of its units raised it.
    /// </summary>
    public void OnCommit(CommitSignal signal, Action callback) => Subscribe(ref _subscriptions, signal, callback);

    /// <summary>
    /// Runs <paramref name="callback"/> on the writer thread right after each commit of units that
    /// raised <paramref name="signal"/>, before their callers are told of the commit: for cheap
    /// in-memory work that must be done by then (forgetting a revoked API key). It must not block or throw.
    /// </summary>
    public void OnCommitInline(CommitSignal signal, Action callback) => Subscribe(ref _inlineSubscriptions, signal, callback);

    /// <summary>Subscriptions are copied on write, so the writer reads them without a lock.</summary>
    private void Subscribe(ref Dictionary<CommitSignal, Action[]> subscriptions, CommitSignal signal, Action callback)
    {
        lock (_subscriptionsGate)
        {
            var next = new Dictionary<CommitSignal, Action[]>(subscriptions);
            next[signal] = [.. next.GetValueOrDefault(signal) ?? [], callback];
            subscriptions = next;
        }
    }

    /// <summary>The signals the committed units raised, each once; null when none was.</summary>
    private static HashSet<CommitSignal>? Raised(IEnumerable<DbTx> units)
    {
        HashSet<CommitSignal>? raised = null;
        foreach (var unit in units)
            foreach (var signal in unit.Signals)
                (raised ??= []).Add(signal);
        return raised;
    }

    /// <summary>Runs the inline callbacks of the signals the committed units raised, once per signal, on this thread.</summary>
    private void CommittedInline(IEnumerable<DbTx> units)
    {
        var subscriptions = Volatile.Read(ref _inlineSubscriptions);
        if (subscriptions.Count == 0 || Raised(units) is not { } raised) return;
        foreach (var signal in raised)
            if (subscriptions.TryGetValue(signal, out var callbacks))
                foreach (var callback in callbacks)
                {
                    try { callback(); }
                    catch (Exception ex) { _logger.LogError(ex, "A callback at the commit of {Signal} failed", signal.Name); }
                }
    }

    /// <summary>Hands the callbacks of the signals the committed units raised to the thread pool: the writer thread never waits on them.</summary>
    private void Committed(IEnumerable<DbTx> units)
    {
        var subscriptions = Volatile.Read(ref _subscriptions);
        if (subscriptions.Count == 0 || Raised(units) is not { } raised) return;
        foreach (var signal in raised)
            if (subscriptions.TryGetValue(signal, out var callbacks))
                foreach (var callback in callbacks)
                    ThreadPool.UnsafeQueueUserWorkItem(static state =>
                    {
                        var (callback, logger, name) = state;
                        try
                        {
                            callback();
                        }
                        catch (Exception ex)
                        {
                            logger.LogError(ex, "A callback after the commit of {Signal} failed", name);
                        }
                    }, (callback, _logger, signal.Name), preferLocal: false);
    }

    /// <summary>One unit in a serializable transaction of its own, tried again while the database refuses it for a conflict with other units.</summary>
    private async Task<T> WritePostgresAsync<T>(Func<DbTx, Task<T>> work, WriteIsolation isolation, CancellationToken ct)
    {
        if (_disposed) throw new ObjectDisposedException(nameof(DbWriter));
        var uniqueViolations = 0;
        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            await using var connection = await _db.OpenAsync(ct);
            using var prepared = new PreparedStatements(connection);
            DbTx unit;
            T result;
            var level = isolation == WriteIsolation.ReadCommitted ? IsolationLevel.ReadCommitted : IsolationLevel.Serializable;
            await using (var transaction = await connection.BeginTransactionAsync(level, ct))
            {
                unit = new DbTx(connection, transaction, prepared) { Now = _clock.GetUtcNow() };
                try
                {
                    result = await work(unit);
                    // Not cancellable: once asked, a commit's outcome must be known.
                    await transaction.CommitAsync(CancellationToken.None);
                }
                catch (PostgresException ex) when (IsConflict(ex))
                {
                    if (ex.SqlState == PostgresErrorCodes.UniqueViolation) uniqueViolations++;
                    if (attempt >= MaxAttempts || uniqueViolations >= MaxUniqueViolationAttempts)
                    {
                        await RollbackQuietly(transaction);
                        _logger.LogWarning(ex, "A database write gave up after {Attempts} attempts: it kept conflicting ({SqlState})", attempt, ex.SqlState);
                        throw;
                    }
                    await RollbackQuietly(transaction);
                    // Apart, at random and a little longer each time, so the same units don't meet again at once.
                    await Task.Delay(Random.Shared.Next(1, 2 + Math.Min(100, 1 << Math.Min(attempt, 7))), ct);
                    continue;
                }
            }
            Count(1);
            CommittedInline([unit]);
            Committed([unit]);
            return result;
        }
    }

    /// <summary>
    /// The refusals that running the unit again resolves: a serialization failure or a deadlock
    /// (another unit moved first), or a unique key taken by a unit that committed meanwhile (on
    /// SQLite's single writer, the unit would have seen that row and done what it does then).
    /// </summary>
    internal static bool IsConflict(PostgresException ex) =>
        ex.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.UniqueViolation;

    private static async Task RollbackQuietly(DbTransaction transaction)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            // The connection is returned to the pool, which resets it.
        }
    }

    private void Run()
    {
        var group = new List<IWorkItem>(MaxGroupSize);
        DbConnection? connection = null;
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
                    connection = _db.OpenWriterAsync().GetAwaiter().GetResult();
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
    private bool TryGroup(DbConnection connection, PreparedStatements prepared, List<IWorkItem> group)
    {
        if (group.Count == 1) return false;
        using var transaction = ((Microsoft.Data.Sqlite.SqliteConnection)connection).BeginTransaction(deferred: false);
        var units = new DbTx[group.Count];
        for (var i = 0; i < group.Count; i++)
        {
            units[i] = new DbTx(connection, transaction, prepared) { Now = _clock.GetUtcNow() };
            try
            {
                group[i].RunAsync(units[i]).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                transaction.Rollback();
                return false;
            }
        }
        transaction.Commit();
        SignalCommitted();
        Count(group.Count);
        CommittedInline(units);
        // One hand-over to the thread pool for the whole group: completing each caller from here
        // would wake a pool thread per unit, and this thread is the one serial step of every write.
        ThreadPool.UnsafeQueueUserWorkItem(static items => { foreach (var item in items) item.Complete(); }, group.ToArray(), preferLocal: false);
        Committed(units);
        return true;
    }

    private void Count(int writes)
    {
        _writes?.Add(writes);
        _commits?.Add(1);
    }

    /// <summary>One unit in its own transaction: its failure is its own.</summary>
    private void RunAlone(DbConnection connection, PreparedStatements prepared, IWorkItem item)
    {
        using var transaction = ((Microsoft.Data.Sqlite.SqliteConnection)connection).BeginTransaction(deferred: false);
        var unit = new DbTx(connection, transaction, prepared) { Now = _clock.GetUtcNow() };
        try
        {
            item.RunAsync(unit).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            transaction.Rollback();
            item.Fail(ex);
            return;
        }
        transaction.Commit();
        SignalCommitted();
        Count(1);
        CommittedInline([unit]);
        item.Complete();
        Committed([unit]);
    }

    private volatile bool _disposed;

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _queue.Writer.TryComplete();
        await _loop;
        SignalCommitted();
        await _checkpoints;
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
