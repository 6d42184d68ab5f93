using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Infrastructure.Cli;

/// <summary>
/// <c>migrate-to-postgres</c>: copies a stopped SQLite installation's data into an empty PostgreSQL
/// database, in one transaction. Both get the migrations of this version first, so their tables
/// match; rows keep their ids, and PostgreSQL's id counters continue after the highest copied.
/// The Data Protection keys stay files in the data folder: the new instances need that folder's
/// <c>keys</c> (NMI keys and webhook secrets are encrypted with them).
/// </summary>
public static class MoveToPostgres
{
    public static async Task<int> RunAsync(WebApplication app, string connectionString, CancellationToken ct)
    {
        var settings = app.Services.GetRequiredService<Settings>();
        var clock = app.Services.GetRequiredService<TimeProvider>();
        if (settings.Database is not null)
            throw new CliException("PAYMENTHUB_DATABASE is set: this command copies the SQLite database of the data folder; run it without PAYMENTHUB_DATABASE.");
        if (!File.Exists(settings.DatabasePath))
            throw new CliException($"There is no SQLite database at {settings.DatabasePath} to copy.");
        using var stopped = DataFolderLock.TryExclusive(settings.DataPath)
            ?? throw new CliException($"PaymentHub is serving on {settings.DataPath}; stop it first, then copy.");

        using var target = Db.ForPostgres(connectionString);
        var source = app.Services.GetRequiredService<Db>();
        try
        {
            await Migrator.ApplyAsync(source, Migrator.Embedded(), clock);
            await Migrator.ApplyAsync(target, Migrator.Embedded(), clock);
        }
        catch (NpgsqlException ex)
        {
            throw new CliException($"Could not reach or prepare the PostgreSQL database ({ex.Message}).");
        }

        await using var from = (SqliteConnection)await source.OpenReadAsync(ct);
        await using var to = (NpgsqlConnection)await target.OpenAsync(ct);
        var tables = await TablesInOrderAsync(from);
        foreach (var table in tables)
            if (await to.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}") > 0)
                throw new CliException($"The PostgreSQL database already holds data (table {table} has rows); copy only into an empty one.");

        var copied = new List<(string Table, long Rows)>();
        // Through DbConnection and synchronously below: an await on an Npgsql type would put a field of that type in
        // this command's state machine, and the server's start (which loads every type of the assembly) would load Npgsql.
        await using (var tx = await ((DbConnection)to).BeginTransactionAsync(ct))
        {
            foreach (var table in tables)
                copied.Add((table, await CopyAsync(from, to, table, ct)));
            // Ids that the database numbers go on from the highest copied.
            var identities = await to.QueryAsync<(string Table, string Column)>("""
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND is_identity = 'YES'
                """, transaction: tx);
            foreach (var (table, column) in identities)
                await to.ExecuteAsync($"""
                    SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)
                    """, transaction: tx);
            await tx.CommitAsync(ct);
        }
        // Statistics for the planner now, not at autovacuum's first visit: without them PostgreSQL guesses
        // every condition selective and may walk a merchant's rows through the wrong index meanwhile.
        foreach (var table in tables)
            await to.ExecuteAsync($"ANALYZE {table}");

        Console.WriteLine($"Copied {settings.DatabasePath} into {target.Description}:");
        foreach (var (table, rows) in copied) Console.WriteLine($"  {table,-26} {rows,10:N0} rows");
        Console.WriteLine($"""
            Start PaymentHub with PAYMENTHUB_DATABASE set to this connection string. Give every instance the
            key folder {settings.KeysPath} (one shared folder, PAYMENTHUB_KEYS, or the same files): the NMI keys
            and webhook secrets in the database are encrypted with it. The SQLite file is left as it was.
            """);
        return 0;
    }

    /// <summary>The data tables, each after the tables its foreign keys point to.</summary>
    private static async Task<List<string>> TablesInOrderAsync(SqliteConnection c)
    {
        var names = (await c.QueryAsync<string>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name")).ToList();
        var parents = new Dictionary<string, HashSet<string>>();
        foreach (var name in names)
            parents[name] = (await c.QueryAsync<string>($"SELECT \"table\" FROM pragma_foreign_key_list('{name}')"))
                .Where(p => p != name).ToHashSet();
        var ordered = new List<string>();
        while (ordered.Count < names.Count)
        {
            var next = names.First(n => !ordered.Contains(n) && parents[n].All(ordered.Contains));
            ordered.Add(next);
        }
        return ordered;
    }

    private static async Task<long> CopyAsync(SqliteConnection from, NpgsqlConnection to, string table, CancellationToken ct)
    {
        var columns = (await to.QueryAsync<(string Name, string Type)>("""
            SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = @table ORDER BY ordinal_position
            """, new { table })).ToList();
        var list = string.Join(", ", columns.Select(c => c.Name));
        await using var reader = await new SqliteCommand($"SELECT {list} FROM {table}", from).ExecuteReaderAsync(ct);
        await using var writer = to.BeginBinaryImport($"COPY {table} ({list}) FROM STDIN (FORMAT BINARY)");
        long rows = 0;
        while (await reader.ReadAsync(ct))
        {
            await writer.StartRowAsync(ct);
            for (var i = 0; i < columns.Count; i++)
            {
                if (await reader.IsDBNullAsync(i, ct))
                {
                    await writer.WriteNullAsync(ct);
                    continue;
                }
                switch (columns[i].Type)
                {
                    case "bigint": await writer.WriteAsync(reader.GetInt64(i), NpgsqlDbType.Bigint, ct); break;
                    case "bytea": await writer.WriteAsync(ReadBytes(reader, i), NpgsqlDbType.Bytea, ct); break;
                    default: await writer.WriteAsync(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!, NpgsqlDbType.Text, ct); break;
                }
            }
            rows++;
        }
        await writer.CompleteAsync(ct);
        return rows;
    }

    private static byte[] ReadBytes(DbDataReader reader, int i) =>
        reader.GetValue(i) switch
        {
            byte[] bytes => bytes,
            var other => System.Text.Encoding.UTF8.GetBytes(Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture)!),
        };
}
