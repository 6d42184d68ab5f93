using System.Data.Common;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace PaymentHub.Infrastructure.Database;

/// <summary>
/// The rows of one statement, read by position with typed getters (see <see cref="ReadSession.Rows{T}"/>).
/// <see cref="Read"/> moves to the next row, the first one included.
/// </summary>
public abstract class Rows
{
    public abstract bool Read();
    public abstract bool IsNull(int column);
    /// <summary>A text column that is never NULL.</summary>
    public abstract string Text(int column);
    public abstract string? TextOrNull(int column);
    /// <summary>An integer column that is never NULL.</summary>
    public abstract long Integer(int column);
    public long? IntegerOrNull(int column) => IsNull(column) ? null : Integer(column);
}

/// <summary>Rows of an ADO.NET reader: PostgreSQL, and SQLite when its statement could not start at once.</summary>
internal sealed class DataReaderRows(DbDataReader reader) : Rows
{
    public override bool Read() => reader.Read();
    public override bool IsNull(int column) => reader.IsDBNull(column);
    public override string Text(int column) => reader.GetString(column);
    public override string? TextOrNull(int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
    public override long Integer(int column) => reader.GetInt64(column);
}

/// <summary>
/// A SQLite statement of a read session, bound and stepped through SQLitePCL itself, beside
/// Microsoft.Data.Sqlite's command. For the GET hot path: Microsoft.Data.Sqlite makes four or five
/// calls into SQLite per column read (each asks again whether a row is there and whether its value is
/// NULL), each call counting references on the statement's handle; here a text column is one
/// value call (NULL is a null pointer) and its length, an integer one call, each made on the
/// statement's pointer (<see cref="SqliteNative"/>), with no reference counting. Binding is by index,
/// found once. A statement is reset after every use and finalized before its connection closes.
/// </summary>
internal sealed class SqliteStatementRows : Rows, IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    // The statement's pointer, for the per-value calls (SqliteNative); valid until Dispose finalizes _statement.
    private readonly nint _handle;
    private readonly string[] _names;
    private readonly int[] _indexes;
    private int _step;
    private bool _firstRowTaken;

    private SqliteStatementRows(sqlite3 db, sqlite3_stmt statement, string[] names, int[] indexes)
    {
        _db = db;
        _statement = statement;
        _handle = statement.DangerousGetHandle();
        _names = names;
        _indexes = indexes;
    }

    public static SqliteStatementRows Prepare(SqliteConnection connection, string sql, (string Name, object? Value)[] args) =>
        TryPrepare(connection, sql, args)
        ?? throw new InvalidOperationException($"The statement's parameters are not the arguments given, or it is more than one statement: {sql}");

    /// <summary>The statement prepared, or null when it is more than one statement or its parameters are not the arguments' names.</summary>
    public static SqliteStatementRows? TryPrepare(SqliteConnection connection, string sql, (string Name, object? Value)[] args)
    {
        var db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement, out var tail);
        SqliteException.ThrowExceptionForRC(rc, db);
        var names = new string[args.Length];
        var indexes = new int[args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            names[i] = args[i].Name;
            indexes[i] = raw.sqlite3_bind_parameter_index(statement, "@" + args[i].Name);
        }
        if (!string.IsNullOrWhiteSpace(tail) || raw.sqlite3_bind_parameter_count(statement) != args.Length || indexes.Contains(0))
        {
            raw.sqlite3_finalize(statement);
            return null;
        }
        return new SqliteStatementRows(db, statement, names, indexes);
    }

    /// <summary>Whether every argument is of a type bound here (text, integer, flag, bytes, NULL).</summary>
    public static bool CanBind((string Name, object? Value)[] args)
    {
        foreach (var (_, value) in args)
            if (value is not (null or string or long or int or bool or byte[])) return false;
        return true;
    }

    /// <summary>
    /// Binds the arguments and takes the first step. False, with nothing started, when SQLite answers
    /// busy or locked: Microsoft.Data.Sqlite's command waits and tries again, up to its timeout.
    /// </summary>
    public bool TryStart((string Name, object? Value)[] args)
    {
        if (args.Length != _names.Length) throw Mismatch();
        for (var i = 0; i < args.Length; i++)
        {
            if (!string.Equals(args[i].Name, _names[i], StringComparison.Ordinal)) throw Mismatch();
            var index = _indexes[i];
            var rc = args[i].Value switch
            {
                null => SqliteNative.BindNull(_handle, index),
                string text => SqliteNative.BindText(_handle, index, text),
                long number => SqliteNative.BindInt64(_handle, index, number),
                int number => SqliteNative.BindInt64(_handle, index, number),
                bool flag => SqliteNative.BindInt64(_handle, index, flag ? 1 : 0),
                byte[] bytes => SqliteNative.BindBlob(_handle, index, bytes),
                var other => throw new NotSupportedException($"Cannot bind a {other.GetType().Name}."),
            };
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
        _step = SqliteNative.Step(_handle);
        if (_step is raw.SQLITE_ROW or raw.SQLITE_DONE)
        {
            _firstRowTaken = false;
            return true;
        }
        var failed = _step;
        raw.sqlite3_reset(_statement);
        if (failed is raw.SQLITE_BUSY or raw.SQLITE_LOCKED) return false;
        SqliteException.ThrowExceptionForRC(failed, _db);
        return false;
    }

    public override bool Read()
    {
        if (!_firstRowTaken)
        {
            _firstRowTaken = true;
            return _step == raw.SQLITE_ROW;
        }
        if (_step != raw.SQLITE_ROW) return false;
        _step = SqliteNative.Step(_handle);
        if (_step is raw.SQLITE_ROW or raw.SQLITE_DONE) return _step == raw.SQLITE_ROW;
        SqliteException.ThrowExceptionForRC(_step, _db);
        return false;
    }

    public override bool IsNull(int column) => SqliteNative.ColumnType(_handle, column) == raw.SQLITE_NULL;

    public override string Text(int column) =>
        SqliteNative.ColumnText(_handle, column) ?? throw new InvalidOperationException($"Column {column} is NULL.");

    public override string? TextOrNull(int column) => SqliteNative.ColumnText(_handle, column);

    public override long Integer(int column) => SqliteNative.ColumnType(_handle, column) == raw.SQLITE_INTEGER
        ? SqliteNative.ColumnInt64(_handle, column)
        : throw new InvalidOperationException($"Column {column} is not an integer.");

    /// <summary>A column's value as Microsoft.Data.Sqlite gives it boxed: long, double, string, bytes, or null for NULL.</summary>
    public object? Value(int column) => SqliteNative.ColumnType(_handle, column) switch
    {
        raw.SQLITE_INTEGER => SqliteNative.ColumnInt64(_handle, column),
        raw.SQLITE_FLOAT => SqliteNative.ColumnDouble(_handle, column),
        raw.SQLITE_TEXT => SqliteNative.ColumnText(_handle, column),
        raw.SQLITE_BLOB => SqliteNative.ColumnBlob(_handle, column),
        _ => null,
    };

    /// <summary>Steps a started statement to its end; the rows it changed (as <c>ExecuteNonQuery</c> counts them).</summary>
    public int Finish()
    {
        while (Read()) { }
        return raw.sqlite3_stmt_readonly(_statement) != 0 ? 0 : raw.sqlite3_changes(_db);
    }

    /// <summary>Ends the statement's read (its read transaction, when it was the only statement).</summary>
    public void Reset() => raw.sqlite3_reset(_statement);

    public void Dispose() => raw.sqlite3_finalize(_statement);

    private static InvalidOperationException Mismatch() =>
        new("A prepared statement was called with other parameters than when it was prepared.");
}
