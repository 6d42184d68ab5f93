using Dapper;
using Microsoft.Data.Sqlite;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>Numbered SQL migrations applied in order, each atomically, recorded once; connection pragmas (docs/operations.md).</summary>
public sealed class MigratorTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "paymenthub-tests", "migrator-" + Guid.NewGuid().ToString("N"));
    private readonly Db _db;
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public MigratorTests()
    {
        Directory.CreateDirectory(_folder);
        _db = new Db(Path.Combine(_folder, "test.db"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private static readonly Migration First = new("0001_first.sql", "CREATE TABLE a (x INTEGER NOT NULL); INSERT INTO a (x) VALUES (1);");
    private static readonly Migration Second = new("0002_second.sql", "CREATE TABLE b (y TEXT NOT NULL REFERENCES a (x));");

    private async Task<T> Scalar<T>(string sql)
    {
        await using var connection = await _db.OpenAsync();
        return (await connection.ExecuteScalarAsync<T>(sql))!;
    }

    private async Task<IReadOnlyList<string>> Tables()
    {
        await using var connection = await _db.OpenAsync();
        return (await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).ToList();
    }

    private async Task<IReadOnlyList<string>> Recorded()
    {
        await using var connection = await _db.OpenAsync();
        return (await connection.QueryAsync<string>("SELECT name FROM schema_migrations ORDER BY name")).ToList();
    }

    [Fact]
    public async Task ApplyAsync_OnEmptyDatabase_AppliesInNameOrderAndRecordsThem()
    {
        var applied = await Migrator.ApplyAsync(_db, [Second, First], _clock);

        Assert.Equal(["0001_first.sql", "0002_second.sql"], applied);
        Assert.Equal(["0001_first.sql", "0002_second.sql"], await Recorded());
        Assert.Equal(["a", "b", "schema_migrations"], await Tables());
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeMilliseconds(), await Scalar<long>("SELECT MIN(applied_at) FROM schema_migrations"));
    }

    [Fact]
    public async Task ApplyAsync_SecondRun_AppliesNothing()
    {
        await Migrator.ApplyAsync(_db, [First, Second], _clock);

        var again = await Migrator.ApplyAsync(_db, [First, Second], _clock);

        Assert.Empty(again);
        Assert.Equal(1, await Scalar<long>("SELECT COUNT(*) FROM a"));
    }

    [Fact]
    public async Task ApplyAsync_WithANewMigration_AppliesOnlyThatOne()
    {
        await Migrator.ApplyAsync(_db, [First], _clock);

        var applied = await Migrator.ApplyAsync(_db, [First, Second], _clock);

        Assert.Equal(["0002_second.sql"], applied);
    }

    [Fact]
    public async Task ApplyAsync_WithFailingMigration_ThrowsNamingItAndRollsItBack()
    {
        await Migrator.ApplyAsync(_db, [First], _clock);
        var broken = new Migration("0002_broken.sql", """
            CREATE TABLE c (z INTEGER);
            INSERT INTO a (x) VALUES (2);
            SELEKT nonsense;
            """);
        var later = new Migration("0003_later.sql", "CREATE TABLE d (w INTEGER);");

        var ex = await Assert.ThrowsAsync<MigrationFailedException>(() => Migrator.ApplyAsync(_db, [First, broken, later], _clock));

        Assert.Equal("0002_broken.sql", ex.MigrationName);
        Assert.Contains("0002_broken.sql", ex.Message);
        Assert.IsType<SqliteException>(ex.InnerException);
        Assert.Equal(["a", "schema_migrations"], await Tables());
        Assert.Equal(1, await Scalar<long>("SELECT COUNT(*) FROM a"));
        Assert.Equal(["0001_first.sql"], await Recorded());
    }

    [Fact]
    public async Task ApplyAsync_AfterFixingTheFailedMigration_AppliesIt()
    {
        await Assert.ThrowsAsync<MigrationFailedException>(() =>
            Migrator.ApplyAsync(_db, [First, new Migration("0002_second.sql", "CREATE TABLE b (; ")], _clock));

        var applied = await Migrator.ApplyAsync(_db, [First, Second], _clock);

        Assert.Equal(["0002_second.sql"], applied);
    }

    [Fact]
    public async Task Embedded_ShipsTheInitMigrationWhichApplies()
    {
        var embedded = Migrator.Embedded();

        Assert.Equal("0001_init.sql", embedded[0].Name);
        Assert.Equal(embedded.Select(m => m.Name).Order(StringComparer.Ordinal), embedded.Select(m => m.Name));
        await Migrator.ApplyAsync(_db, embedded, _clock);
        Assert.Contains("intents", await Tables());
        Assert.Contains("idempotency_keys", await Tables());
    }

    [Fact]
    public async Task Embedded_ListsIntentsNewestFirst_FromAnAscendingIndex()
    {
        await Migrator.ApplyAsync(_db, Migrator.Embedded(), _clock);
        await using var connection = await _db.OpenAsync();

        // Ascending: intents created in time order are appended to the index, not split into its middle.
        var columns = (await connection.QueryAsync<(string Name, long Desc)>(
            "SELECT name, \"desc\" FROM pragma_index_xinfo('ix_intents_listing') WHERE key = 1 ORDER BY seqno")).ToList();
        Assert.Equal([("merchant_id", 0L), ("mode", 0L), ("created_at", 0L)], columns);
        // The newest-first listing still reads it, backwards.
        var plan = string.Join("\n", (await connection.QueryAsync(
            "EXPLAIN QUERY PLAN SELECT id FROM intents WHERE merchant_id = 'm' AND mode = 'test' ORDER BY created_at DESC, id DESC LIMIT 20"))
            .Select(step => (string)step.detail));
        Assert.Contains("USING INDEX ix_intents_listing", plan);
    }

    [Fact]
    public async Task Embedded_NumbersIdempotencyKeysInTimeOrder_KeepingThoseOfBefore()
    {
        await Migrator.ApplyAsync(_db, Migrator.Embedded().Where(m => string.CompareOrdinal(m.Name, "0010") < 0), _clock);
        await using var connection = await _db.OpenAsync();
        // Two keys kept before the migration, the younger one written first.
        await connection.ExecuteAsync("""
            INSERT INTO idempotency_keys (client_id, idem_key, request_hash, status_code, content_type, response_body, created_at, locked_until)
            VALUES ('pk', 'young', 'h2', 200, 'application/json', x'7b7d', 2000, 2000), ('pk', 'old', 'h1', 200, NULL, x'5b5d', 1000, 1000)
            """);

        await Migrator.ApplyAsync(_db, Migrator.Embedded(), _clock);

        Assert.Equal(["old", "young"], await connection.QueryAsync<string>("SELECT idem_key FROM idempotency_keys ORDER BY seq"));
        var young = await connection.QuerySingleAsync<(string Hash, string ContentType, byte[] Body)>(
            "SELECT request_hash, content_type, response_body FROM idempotency_keys WHERE idem_key = 'young'");
        Assert.Equal(("h2", "application/json"), (young.Hash, young.ContentType));
        Assert.Equal([0x7b, 0x7d], young.Body);
        // The key is still unique per client, and nothing indexes the keys' time any more.
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync(
            "INSERT INTO idempotency_keys (client_id, idem_key, request_hash, created_at, locked_until) VALUES ('pk', 'old', 'h', 1, 1)"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'ix_idempotency_created'"));
    }

    [Fact]
    public async Task OpenAsync_AfterMigrations_HasWalForeignKeysAndFullSync()
    {
        await Migrator.ApplyAsync(_db, [First], _clock);

        await using var connection = await _db.OpenAsync();

        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
        Assert.Equal(2L, await connection.ExecuteScalarAsync<long>("PRAGMA synchronous"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("PRAGMA temp_store")); // SQLite's default: only the writer's journals are in memory
        await Assert.ThrowsAsync<SqliteException>(() => connection.ExecuteAsync("INSERT INTO b (y) VALUES ('missing')"));
    }
}
