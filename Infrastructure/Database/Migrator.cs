using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;

namespace PaymentHub.Infrastructure.Database;

public sealed record Migration(string Name, string Sql);

public sealed class MigrationFailedException(string name, Exception inner)
    : Exception($"Migration {name} failed and was rolled back; the database is unchanged by it. {inner.Message}", inner)
{
    public string MigrationName { get; } = name;
}

/// <summary>Applies the numbered SQL files of Migrations/ in order, each in its own transaction.</summary>
public static class Migrator
{
    private const string CreateHistory = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            name       TEXT PRIMARY KEY,
            applied_at INTEGER NOT NULL
        )
        """;

    /// <summary>The migrations shipped inside this assembly, ordered by file name.</summary>
    public static IReadOnlyList<Migration> Embedded()
    {
        var assembly = typeof(Migrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new Migration(n["Migrations/".Length..], Read(assembly, n)))
            .ToList();
    }

    /// <summary>Applies what is missing; returns the names applied now.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(Db db, IEnumerable<Migration> migrations, TimeProvider clock)
    {
        await using var connection = await db.OpenAsync();
        // WAL is a property of the database file, so setting it once here holds for every connection.
        await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
        await connection.ExecuteAsync(CreateHistory);
        var applied = (await connection.QueryAsync<string>("SELECT name FROM schema_migrations")).ToHashSet();

        var done = new List<string>();
        foreach (var migration in migrations.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            if (applied.Contains(migration.Name)) continue;
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
            try
            {
                await connection.ExecuteAsync(migration.Sql, transaction: tx);
                await connection.ExecuteAsync(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (@Name, @At)",
                    new { migration.Name, At = clock.GetUtcNow().ToUnixTimeMilliseconds() }, tx);
                await tx.CommitAsync();
            }
            catch (Exception ex)
            {
                await tx.RollbackAsync();
                throw new MigrationFailedException(migration.Name, ex);
            }
            done.Add(migration.Name);
        }
        return done;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
