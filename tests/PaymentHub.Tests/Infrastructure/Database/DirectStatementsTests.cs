using Microsoft.Data.Sqlite;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Tests.Infrastructure.Database;

/// <summary>
/// The writer's statements on SQLite are bound and stepped directly (not through Microsoft.Data.Sqlite's
/// command): they must answer what the command answered — change counts, scalars of each type, NULL —
/// and fall back to the command for what they can't run.
/// </summary>
public sealed class DirectStatementsTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly PreparedStatements _statements;

    public DirectStatementsTests()
    {
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, body BLOB, note TEXT)";
        create.ExecuteNonQuery();
        _statements = new PreparedStatements(_connection);
    }

    private const string Insert = "INSERT INTO t (id, n, body, note) VALUES (@Id, @N, @Body, @Note) ON CONFLICT (id) DO NOTHING";

    private int Add(string id, long n, byte[]? body = null, string? note = null) =>
        _statements.Execute(Insert, [("Id", id), ("N", n), ("Body", body), ("Note", note)], null);

    [Fact]
    public void Execute_CountsTheRowsChanged_AndNoneForAConflictOrAMiss()
    {
        Assert.Equal(1, Add("a", 1));
        Assert.Equal(0, Add("a", 2));
        Assert.Equal(1, Add("b", 2));

        Assert.Equal(2, _statements.Execute("UPDATE t SET n = n + @By WHERE n > @Min", [("By", 10L), ("Min", 0L)], null));
        Assert.Equal(0, _statements.Execute("UPDATE t SET n = 0 WHERE id = @Id", [("Id", "missing")], null));
        Assert.Equal(0, _statements.Execute("SELECT n FROM t WHERE id = @Id", [("Id", "a")], null));
    }

    [Fact]
    public void Scalar_GivesEachTypeAsTheCommandDid_AndNullForNullOrNoRow()
    {
        byte[] body = [0, 1, 2, 255];
        Add("a", 42, body, "text é");

        Assert.Equal(42L, _statements.Scalar("SELECT n FROM t WHERE id = @Id", [("Id", "a")], null));
        Assert.Equal("text é", _statements.Scalar("SELECT note FROM t WHERE id = @Id", [("Id", "a")], null));
        Assert.Equal(body, (byte[])_statements.Scalar("SELECT body FROM t WHERE id = @Id", [("Id", "a")], null)!);
        Assert.Equal(1.5, _statements.Scalar("SELECT n / 28.0 FROM t WHERE id = @Id", [("Id", "a")], null));
        Assert.Null(_statements.Scalar("SELECT body FROM t WHERE id = @Id", [("Id", "missing")], null));
        Add("b", 1);
        Assert.Null(_statements.Scalar("SELECT note FROM t WHERE id = @Id", [("Id", "b")], null));
        Assert.Equal("c", _statements.Scalar("INSERT INTO t (id, n) VALUES (@Id, 3) RETURNING id", [("Id", "c")], null));
        Assert.Equal(3L, _statements.Scalar("SELECT COUNT(*) FROM t WHERE n > @Min", [("Min", 0L)], null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("é 中文 😀 \u0000 after a NUL")]
    [InlineData(null)]
    public void TextAndBlobs_RoundTripExactly_AsTheCommandReadsThem(string? note)
    {
        // Longer than the stack buffer texts are encoded in, so the pooled-buffer path runs too.
        var longText = string.Concat(Enumerable.Repeat("ü€x", 400));
        Add("a", 1, [], note);
        Add("b", 2, [7], longText);

        Assert.Equal(note, _statements.Scalar("SELECT note FROM t WHERE id = @Id", [("Id", "a")], null));
        Assert.Equal(longText, _statements.Scalar("SELECT note FROM t WHERE id = @Id", [("Id", "b")], null));
        Assert.Equal(0L, _statements.Scalar("SELECT length(body) FROM t WHERE id = @Id", [("Id", "a")], null));
        Assert.Equal("blob", _statements.Scalar("SELECT typeof(body) FROM t WHERE id = @Id", [("Id", "a")], null));
        Assert.Equal(note is null ? "null" : "text", _statements.Scalar("SELECT typeof(note) FROM t WHERE id = @Id", [("Id", "a")], null));
        // What the command (Microsoft.Data.Sqlite) reads back is what was bound.
        using var read = _connection.CreateCommand();
        read.CommandText = "SELECT note, body FROM t ORDER BY id";
        using var rows = read.ExecuteReader();
        Assert.True(rows.Read());
        Assert.Equal(note, rows.IsDBNull(0) ? null : rows.GetString(0));
        Assert.Empty((byte[])rows.GetValue(1));
        Assert.True(rows.Read());
        Assert.Equal(longText, rows.GetString(0));
        Assert.Equal([7], (byte[])rows.GetValue(1));
    }

    [Fact]
    public void Execute_OfSeveralStatementsOrOtherArgumentTypes_FallsBackToTheCommand()
    {
        Add("a", 1);
        Add("b", 2);

        Assert.Equal(2, _statements.Execute("DELETE FROM t WHERE id = @A; DELETE FROM t WHERE id = @B", [("A", "a"), ("B", "b")], null));
        Assert.Equal(1, _statements.Execute("INSERT INTO t (id, n) VALUES (@Id, @N)", [("Id", "d"), ("N", 2.5m)], null));
        Assert.Equal(0L, _statements.Scalar("SELECT COUNT(*) FROM t WHERE id IN ('a', 'b')", [], null));
        Assert.Equal(2.5, _statements.Scalar("SELECT n FROM t WHERE id = @Id", [("Id", "d")], null));
    }

    [Fact]
    public void Execute_WithOtherArgumentsThanPrepared_Throws()
    {
        Add("a", 1);

        Assert.Throws<InvalidOperationException>(() =>
            _statements.Execute(Insert, [("Key", "x"), ("N", 1L), ("Body", null), ("Note", null)], null));
    }

    [Fact]
    public void AFailingStatement_ThrowsSqliteException_AndTheNextRunWorks()
    {
        const string strict = "INSERT INTO t (id, n) VALUES (@Id, @N)";
        Assert.Equal(1, _statements.Execute(strict, [("Id", "a"), ("N", 1L)], null));

        var refused = Assert.Throws<SqliteException>(() => _statements.Execute(strict, [("Id", "a"), ("N", 2L)], null));
        Assert.Equal(19, refused.SqliteErrorCode); // SQLITE_CONSTRAINT
        Assert.Equal(1, _statements.Execute(strict, [("Id", "b"), ("N", 2L)], null));
    }

    public void Dispose()
    {
        _statements.Dispose();
        _connection.Dispose();
    }
}
