using Microsoft.Data.Sqlite;

namespace PaymentHub.Infrastructure.Database;

/// <summary>Opens connections to the payment database with the pragmas every connection needs.</summary>
public sealed class Db : IDisposable
{
    // busy_timeout matters only for readers that meet a checkpoint; writes are serialised by DbWriter.
    private const string ConnectionPragmas = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;";

    public Db(string databasePath)
    {
        DatabasePath = databasePath;
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        // A separate pool for queries: no per-open pragmas (synchronous and foreign keys only matter to writes).
        ReadConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        Sessions = new ReadSessions(ReadConnectionString);
    }

    /// <summary>Read connections that keep their prepared statements, for the hottest queries.</summary>
    public ReadSessions Sessions { get; }

    public void Dispose() => Sessions.Dispose();

    public string DatabasePath { get; }
    public string ConnectionString { get; }
    private string ReadConnectionString { get; }

    /// <summary>A pooled connection for queries on the request path. Never write through it: writes go through DbWriter.</summary>
    public async Task<SqliteConnection> OpenReadAsync(CancellationToken ct = default)
    {
        var connection = new SqliteConnection(ReadConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>A connection with every pragma, for the writer, migrations and tools.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken ct = default)
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct);
        using var pragma = connection.CreateCommand();
        pragma.CommandText = ConnectionPragmas;
        await pragma.ExecuteNonQueryAsync(ct);
        return connection;
    }
}
