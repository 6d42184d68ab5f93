using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace PaymentHub.Infrastructure.Database;

/// <summary>
/// An open read connection that keeps its prepared statements, for the hottest queries (API key
/// checks, GET of one object). Preparing a statement costs several times more than running it,
/// and Dapper prepares anew on every call; a session prepares each SQL text once and keeps each
/// one's row parser (<see cref="PreparedStatements"/>). Sessions are pooled by
/// <see cref="ReadSessions"/>; never write through one.
/// </summary>
public sealed class ReadSession : IDisposable
{
    private readonly DbConnection _connection;
    private readonly PreparedStatements _statements;
    private readonly ReadSessions _owner;
    private readonly Dictionary<string, SqliteStatementRows> _sqliteStatements = new(StringComparer.Ordinal);

    internal ReadSession(DbConnection connection, ReadSessions owner)
    {
        _connection = connection;
        _statements = new PreparedStatements(connection);
        _owner = owner;
    }

    /// <summary>The first row mapped to <typeparamref name="T"/>, or default.</summary>
    public T? SingleOrDefault<T>(string sql, params (string Name, object? Value)[] args) => _statements.SingleOrDefault<T>(sql, args, transaction: null);

    /// <summary>The first row read by <paramref name="read"/>, or default: for rows read so often that Dapper's boxing of each column shows.</summary>
    public T? SingleOrDefault<T>(string sql, Func<System.Data.Common.DbDataReader, T> read, params (string Name, object? Value)[] args) =>
        _statements.SingleOrDefault(sql, read, args, transaction: null);

    public List<T> List<T>(string sql, params (string Name, object? Value)[] args) => _statements.List<T>(sql, args, transaction: null);

    /// <summary>Every row read by <paramref name="read"/>: typed getters, as <see cref="SingleOrDefault{T}(string, Func{System.Data.Common.DbDataReader, T}, (string Name, object? Value)[])"/>.</summary>
    public List<T> List<T>(string sql, Func<System.Data.Common.DbDataReader, T> read, params (string Name, object? Value)[] args) =>
        _statements.List(sql, read, args, transaction: null);

    /// <summary>
    /// What <paramref name="read"/> makes of the statement's rows, reading them itself (it calls
    /// <see cref="Database.Rows.Read"/>): for the hottest reads, e.g. one statement that answers a
    /// parent row once per child. On SQLite the statement is stepped through SQLitePCL directly
    /// (<see cref="SqliteStatementRows"/>), unless SQLite is busy at its first step.
    /// </summary>
    public T Rows<T>(string sql, Func<Rows, T> read, params (string Name, object? Value)[] args)
    {
        if (_connection is SqliteConnection sqlite && SqliteStatementRows.CanBind(args))
        {
            if (!_sqliteStatements.TryGetValue(sql, out var statement))
                _sqliteStatements[sql] = statement = SqliteStatementRows.Prepare(sqlite, sql, args);
            if (statement.TryStart(args))
            {
                try { return read(statement); }
                finally { statement.Reset(); }
            }
        }
        using var reader = _statements.Get(sql, args, transaction: null).ExecuteReader();
        return read(new DataReaderRows(reader));
    }

    /// <summary>Returns the session to its pool.</summary>
    public void Dispose() => _owner.Return(this);

    internal void Close()
    {
        // Before the connection: a statement not finalized would keep its connection open.
        foreach (var statement in _sqliteStatements.Values) statement.Dispose();
        _sqliteStatements.Clear();
        _statements.Dispose();
        _connection.Dispose();
    }
}

/// <summary>The pool of <see cref="ReadSession"/>s of one database; <paramref name="open"/> opens a connection for a new one.</summary>
public sealed class ReadSessions(Func<DbConnection> open, int maxIdle) : IDisposable
{
    private readonly Stack<ReadSession> _idle = new();
    private readonly Lock _gate = new();
    private bool _disposed;

    public ReadSession Rent()
    {
        lock (_gate)
            if (_idle.TryPop(out var session)) return session;
        return new ReadSession(open(), this);
    }

    internal void Return(ReadSession session)
    {
        lock (_gate)
        {
            if (!_disposed && _idle.Count < maxIdle)
            {
                _idle.Push(session);
                return;
            }
        }
        session.Close();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            while (_idle.TryPop(out var session)) session.Close();
        }
    }
}
