using Microsoft.Data.Sqlite;

namespace PaymentHub.Infrastructure.Database;

/// <summary>Opens connections to the payment database with the pragmas every connection needs.</summary>
public sealed class Db
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
    }

    public string DatabasePath { get; }
    public string ConnectionString { get; }

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
