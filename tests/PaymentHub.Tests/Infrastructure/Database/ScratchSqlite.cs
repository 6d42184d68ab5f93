using Dapper;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Tests.Infrastructure.Database;

/// <summary>
/// A SQLite database of its own in a temporary folder, in WAL mode with the tables a test of the
/// database layer asks for; the folder is deleted at disposal.
/// </summary>
internal sealed class ScratchSqlite : IDisposable
{
    private ScratchSqlite()
    {
        Directory.CreateDirectory(Folder);
        Db = new Db(File);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "paymenthub-tests", Guid.NewGuid().ToString("N"));
    public string File => Path.Combine(Folder, "test.db");
    public Db Db { get; }

    public static async Task<ScratchSqlite> CreateAsync(string schemaSql)
    {
        var scratch = new ScratchSqlite();
        await using var c = await scratch.Db.OpenAsync();
        await c.ExecuteAsync("PRAGMA journal_mode=WAL; " + schemaSql);
        return scratch;
    }

    public void Dispose()
    {
        Db.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        PaymentHubFactory.DeleteData(Folder);
    }
}
