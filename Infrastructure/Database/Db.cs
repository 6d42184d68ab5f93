using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace PaymentHub.Infrastructure.Database;

/// <summary>Which database PaymentHub runs on: a SQLite file (one process), or PostgreSQL (one or more instances).</summary>
public enum DbKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Opens connections to the payment database: a SQLite file with the pragmas every connection
/// needs, or a PostgreSQL database through one pooled Npgsql data source. Everything above this
/// class sees <see cref="DbConnection"/>s and the same SQL.
/// </summary>
public sealed class Db : IDisposable
{
    // busy_timeout matters only for readers that meet a checkpoint; writes are serialised by DbWriter.
    // The write-ahead log is copied into the database file (a checkpoint, with its own fsync) by
    // DbWriter's checkpointer shortly after commits, off the writer's thread; a connection's own
    // checkpoint comes at 4,000 pages (16 MB) instead of SQLite's 1,000: by then it has little left to
    // copy, and it lets the next write start the log from its beginning.
    // temp_store is SQLite's default here: a pooled connection the writer used comes back as it should be.
    private const string ConnectionPragmas = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA wal_autocheckpoint=4000; PRAGMA temp_store=DEFAULT;";

    // The writer's connection keeps statement journals in memory. A statement that may fail halfway (a
    // multi-row INSERT, one with ON CONFLICT or foreign keys) inside a transaction journals the pages
    // it changes that earlier statements of the transaction had changed already; in a group of units,
    // that is most of them, and past 64 KiB SQLite spilled that journal into a temporary file: under
    // creates, more page writes than the write-ahead log itself. Nothing of it needs to be on disk: it
    // only serves to undo one statement, and is dropped at its end. Only the writer: its units are
    // small, while a migration or a tool may build temporary tables too large for memory.
    private const string WriterPragmas = "PRAGMA temp_store=MEMORY;";

    // Typed as ADO.NET's data source, not Npgsql's: an await on an Npgsql type would give these methods' state
    // machines a field of that type, and loading them (every request, and the start's scan of our types) would load
    // the Npgsql assembly on SQLite too.
    private readonly DbDataSource? _postgres;

    /// <summary>A SQLite database file.</summary>
    public Db(string databasePath)
    {
        ConfigureSqliteLibrary();
        Kind = DbKind.Sqlite;
        DatabasePath = databasePath;
        Description = databasePath;
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
        var read = ReadConnectionString;
        Sessions = new ReadSessions(() =>
        {
            var connection = new SqliteConnection(read);
            connection.Open();
            return connection;
        }, maxIdle: 64);
    }

    /// <summary>
    /// SQLite's library-wide settings, which it takes only before its first connection (after that it
    /// refuses them and keeps its defaults, so a second call changes nothing). Every connection here is
    /// used by one thread at a time (a rented read session, the writer's thread), so SQLite need not
    /// lock each connection on every call; and it need not count every allocation for statistics
    /// nobody reads, which takes a process-wide lock on every allocation.
    /// </summary>
    private static void ConfigureSqliteLibrary()
    {
        SQLitePCL.Batteries_V2.Init();
        SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MULTITHREAD);
        SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MEMSTATUS, 0);
    }

    private Db(NpgsqlConnectionStringBuilder builder)
    {
        Kind = DbKind.Postgres;
        // Npgsql prepares the statements a connection runs often on the server by itself.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 100;
        ConnectionString = builder.ConnectionString;
        ReadConnectionString = ConnectionString;
        DatabasePath = "";
        Description = $"PostgreSQL database {builder.Database} on {builder.Host}:{builder.Port}";
        _postgres = NpgsqlDataSource.Create(builder);
        var source = _postgres;
        // Idle sessions keep their connections open: fewer than on SQLite, as each costs the server a process.
        Sessions = new ReadSessions(() => source.OpenConnection(), maxIdle: 16);
    }

    /// <summary>
    /// The database <paramref name="settings"/> name: PostgreSQL when <c>PAYMENTHUB_DATABASE</c> is a
    /// PostgreSQL connection string, else the SQLite file in the data folder.
    /// </summary>
    public static Db From(Settings settings) =>
        settings.Database is { } connectionString ? ForPostgres(connectionString) : new Db(settings.DatabasePath);

    /// <summary>A PostgreSQL database, e.g. <c>Host=db;Database=paymenthub;Username=paymenthub;Password=…</c>.</summary>
    public static Db ForPostgres(string connectionString) => new(ParsePostgres(connectionString));

    /// <summary>
    /// Stops with a <see cref="ConfigurationException"/> that says what is wrong when
    /// <paramref name="connectionString"/> is no PostgreSQL connection string. Start-up calls it before
    /// anything (the job storage included) opens a connection, so a mistyped setting is one clear line,
    /// not a stack trace.
    /// </summary>
    public static void CheckPostgres(string connectionString) => ParsePostgres(connectionString);

    private static NpgsqlConnectionStringBuilder ParsePostgres(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException($"PAYMENTHUB_DATABASE is not a PostgreSQL connection string ({ex.Message}).");
        }
        if (string.IsNullOrEmpty(builder.Host)) throw new ConfigurationException("PAYMENTHUB_DATABASE names no Host.");
        return builder;
    }

    public DbKind Kind { get; }
    public bool IsPostgres => Kind == DbKind.Postgres;

    /// <summary>For health and logs: "sqlite" or "postgresql".</summary>
    public string KindName => IsPostgres ? "postgresql" : "sqlite";

    /// <summary>Where the data is, for people: the file, or the database and its server (never a password).</summary>
    public string Description { get; }

    /// <summary>Read connections that keep their prepared statements, for the hottest queries.</summary>
    public ReadSessions Sessions { get; }

    public void Dispose()
    {
        Sessions.Dispose();
        _postgres?.Dispose();
    }

    /// <summary>The SQLite file; empty on PostgreSQL.</summary>
    public string DatabasePath { get; }
    public string ConnectionString { get; }
    private string ReadConnectionString { get; }

    /// <summary>A pooled connection for queries on the request path. Never write through it: writes go through DbWriter.</summary>
    public async Task<DbConnection> OpenReadAsync(CancellationToken ct = default)
    {
        if (_postgres is not null) return await _postgres.OpenConnectionAsync(ct);
        var connection = new SqliteConnection(ReadConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>A connection with every pragma, for migrations and tools.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        if (_postgres is not null) return await _postgres.OpenConnectionAsync(ct);
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct);
        using var pragma = connection.CreateCommand();
        pragma.CommandText = ConnectionPragmas;
        await pragma.ExecuteNonQueryAsync(ct);
        return connection;
    }

    /// <summary>The single writer's connection: <see cref="OpenAsync"/>'s, with statement journals in memory.</summary>
    public async Task<DbConnection> OpenWriterAsync(CancellationToken ct = default)
    {
        var connection = await OpenAsync(ct);
        if (_postgres is not null) return connection;
        using var pragma = connection.CreateCommand();
        pragma.CommandText = WriterPragmas;
        await pragma.ExecuteNonQueryAsync(ct);
        return connection;
    }
}
