using System.CommandLine;
using Dapper;
using Microsoft.Data.Sqlite;
using PaymentHub.Features.Merchants;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Infrastructure.Cli;

/// <summary>
/// The executable's commands. With no command it serves (as before); every other command composes
/// the same application without starting it, uses its services, and exits: 0 when it did what it
/// says, 1 with one line on standard error when it could not. <c>--help</c> works on each.
/// Settings come as for the server: PAYMENTHUB_* variables, appsettings.json, or --Key=value.
/// </summary>
public static class PaymentHubCli
{
    /// <summary>
    /// Serves, or runs the command the arguments name. A server is started with no command and only
    /// the host's own options (<c>--urls</c>, <c>--Key=value</c>), which the parser would hand over
    /// untouched: it starts without the parser, whose commands, options and assembly a running server
    /// would otherwise keep in memory for nothing.
    /// </summary>
    public static Task<int> RunAsync(string[] args, Func<string[], Task<int>> serve, Func<string[], WebApplication> compose) =>
        NeedsTheParser(args) ? ParseAndRunAsync(args, serve, compose) : serve(args);

    /// <summary>
    /// Whether any argument means something to the parser: a command's name, a help or version option,
    /// a response file (<c>@file</c>), a directive (<c>[name]</c>) or the end of options (<c>--</c>, which it
    /// drops). <c>CliTests</c> holds this list to the parser's own.
    /// </summary>
    internal static bool NeedsTheParser(IEnumerable<string> args) => args.Any(a =>
        a is "serve" or "migrate" or "backup" or "restore" or "migrate-to-postgres" or "clients" or "admin"
            or "--help" or "-h" or "/h" or "-?" or "/?" or "--version" or "--"
        || a.StartsWith('@') || a.StartsWith('['));

    // Its own method, so that serving never touches System.CommandLine's types.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Task<int> ParseAndRunAsync(string[] args, Func<string[], Task<int>> serve, Func<string[], WebApplication> compose) =>
        Root(serve, compose).Parse(args).InvokeAsync(new InvocationConfiguration
        {
            // Failures are reported by the actions themselves; the server handles its own shutdown signals.
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        });

    /// <summary>The commands (internal for the tests, which compare <see cref="NeedsTheParser"/> with them).</summary>
    internal static RootCommand Root(Func<string[], Task<int>> serve, Func<string[], WebApplication> compose)
    {
        var root = new RootCommand("PaymentHub: a payment API, hosted checkout, admin panel and job runner in one process. " +
            "With no command it serves.") { TreatUnmatchedTokensAsErrors = false };
        // Anything the commands don't know (--urls, --environment, --Key=value) goes to the host's configuration.
        root.SetAction(result => serve([.. result.UnmatchedTokens]));

        var serveCommand = new Command("serve", "Run the API, the checkout, the admin panel and the jobs (the default).")
            { TreatUnmatchedTokensAsErrors = false };
        serveCommand.SetAction(result => serve([.. result.UnmatchedTokens]));
        root.Add(serveCommand);

        root.Add(Command("migrate", "migrate", "Apply the database migrations this version ships, then exit (serve does this at start too).",
            [], (app, _, _) => MigrateAsync(app)));

        var backupFile = new Argument<FileInfo>("file") { Description = "Where to write the backup (a SQLite database file)." };
        var force = new Option<bool>("--force") { Description = "Overwrite the file if it exists." };
        root.Add(Command("backup", "backup", "Copy the database to a file, consistently, even while PaymentHub serves.",
            [backupFile, force], (app, result, ct) => BackupAsync(app, result.GetRequiredValue(backupFile), result.GetValue(force), ct)));

        var restoreFile = new Argument<FileInfo>("file") { Description = "A backup made by the backup command." };
        root.Add(Command("restore", "restore", "Replace the database with a backup. Refused while PaymentHub serves on the same data folder.",
            [restoreFile], (app, result, ct) => RestoreAsync(app, result.GetRequiredValue(restoreFile), ct)));

        var postgres = new Argument<string>("connection-string")
            { Description = "The PostgreSQL database to copy into, e.g. \"Host=db;Database=paymenthub;Username=paymenthub;Password=…\"; it must be empty." };
        root.Add(Command("migrate-to-postgres", "migrate-to-postgres",
            "Copy the data folder's SQLite database (PaymentHub stopped) into an empty PostgreSQL database, then serve from there with PAYMENTHUB_DATABASE.",
            [postgres], (app, result, ct) => MoveToPostgres.RunAsync(app, result.GetRequiredValue(postgres), ct)));

        var clients = new Command("clients", "API clients (the X-Client-ID and X-Client-Secret pairs).");
        var merchant = new Option<string?>("--merchant") { Description = "The merchant's id (mch_…); needed only when there are several." };
        var mode = new Option<string>("--mode") { Description = "test or live.", Required = true };
        mode.AcceptOnlyFromAmong("test", "live");
        var name = new Option<string?>("--name") { Description = "A name to recognise the client by." };
        clients.Add(Command("create", "clients create", "Create an API client and print its secret (shown this once).",
            [merchant, mode, name], (app, result, ct) => CreateClientAsync(app, result.GetValue(merchant), result.GetRequiredValue(mode), result.GetValue(name), ct)));
        root.Add(clients);

        var admin = new Command("admin", "Admin panel users.");
        var user = new Option<string>("--user") { Description = "The user's name.", DefaultValueFactory = _ => "admin" };
        var password = new Option<string?>("--password") { Description = "The new password (10 characters or more); without it one is generated and printed." };
        admin.Add(Command("reset-password", "admin reset-password", "Give an admin panel user a new password and lift a lockout.",
            [user, password], (app, result, ct) => ResetPasswordAsync(app, result.GetRequiredValue(user), result.GetValue(password), ct)));
        root.Add(admin);

        return root;

        Command Command(string commandName, string fullName, string description, Symbol[] symbols,
            Func<WebApplication, ParseResult, CancellationToken, Task<int>> action)
        {
            var command = new Command(commandName, description) { TreatUnmatchedTokensAsErrors = false };
            foreach (var symbol in symbols)
            {
                if (symbol is Argument argument) command.Add(argument);
                else command.Add((Option)symbol);
            }
            command.SetAction(async (result, ct) =>
            {
                try
                {
                    // A command's output is its own lines; the application's log stays quiet below warnings.
                    var app = compose(["--Logging:LogLevel:Default=Warning", .. result.UnmatchedTokens]);
                    await using (app)
                        return await action(app, result, ct);
                }
                catch (CliException ex)
                {
                    await Console.Error.WriteLineAsync($"paymenthub {fullName}: {ex.Message}");
                    return 1;
                }
                catch (ConfigurationException ex)
                {
                    await Console.Error.WriteLineAsync($"paymenthub {fullName}: {ex.Message}");
                    return 1;
                }
                catch (MigrationFailedException ex)
                {
                    await Console.Error.WriteLineAsync($"paymenthub {fullName}: {ex.Message}");
                    return 1;
                }
            });
            return command;
        }
    }

    private static async Task<int> MigrateAsync(WebApplication app)
    {
        var settings = app.Services.GetRequiredService<Settings>();
        var applied = await app.Services.MigrateDatabaseAsync(settings);
        var database = app.Services.GetRequiredService<Db>().Description;
        Console.WriteLine(applied.Count == 0
            ? $"The database {database} is up to date."
            : $"Applied {string.Join(", ", applied)} to {database}.");
        return 0;
    }

    private static async Task<int> BackupAsync(WebApplication app, FileInfo file, bool force, CancellationToken ct)
    {
        var settings = app.Services.GetRequiredService<Settings>();
        RefuseOnPostgres(app, "back up");
        if (!File.Exists(settings.DatabasePath)) throw new CliException($"There is no database at {settings.DatabasePath} to back up.");
        if (file.Exists && !force) throw new CliException($"{file.FullName} exists; choose another name or add --force.");
        file.Directory?.Create();
        var temporary = file.FullName + ".partial";
        File.Delete(temporary);
        Security.KeysAtRest.EnsurePrivateDatabaseFile(temporary); // customers' data: the owner's only
        // SQLite's online backup copies a consistent snapshot while the server goes on writing.
        await using (var source = (SqliteConnection)await app.Services.GetRequiredService<Db>().OpenReadAsync(ct))
        await using (var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = temporary, Pooling = false }.ToString()))
        {
            await target.OpenAsync(ct);
            source.BackupDatabase(target);
            var check = await target.ExecuteScalarAsync<string>("PRAGMA integrity_check");
            if (check != "ok") throw new CliException($"The copy failed its integrity check ({check}); nothing was written to {file.FullName}.");
            // A backup is one self-contained file: no write-ahead log beside it.
            await target.ExecuteAsync("PRAGMA journal_mode=DELETE");
        }
        File.Move(temporary, file.FullName, overwrite: true);
        Console.WriteLine($"Backed up {settings.DatabasePath} to {file.FullName} ({new FileInfo(file.FullName).Length:N0} bytes).");
        Console.WriteLine($"Keep the key folder {settings.KeysPath} too: without it the NMI keys and webhook secrets in the backup can't be decrypted.");
        return 0;
    }

    private static async Task<int> RestoreAsync(WebApplication app, FileInfo file, CancellationToken ct)
    {
        var settings = app.Services.GetRequiredService<Settings>();
        RefuseOnPostgres(app, "restore");
        if (!file.Exists) throw new CliException($"There is no file {file.FullName}.");
        Security.KeysAtRest.EnsurePrivateFolder(settings.DataPath);
        using var exclusive = DataFolderLock.TryExclusive(settings.DataPath)
            ?? throw new CliException($"PaymentHub is serving on {settings.DataPath}; stop it first, then restore.");

        await using (var backup = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file.FullName, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        {
            await backup.OpenAsync(ct);
            string? check;
            try
            {
                check = await backup.ExecuteScalarAsync<string>("PRAGMA integrity_check");
            }
            catch (SqliteException ex)
            {
                throw new CliException($"{file.FullName} is not a SQLite database ({ex.Message}).");
            }
            if (check != "ok") throw new CliException($"{file.FullName} failed its integrity check ({check}).");
            var known = Migrator.Embedded().Select(m => m.Name).ToHashSet();
            IReadOnlyList<string> applied;
            try
            {
                applied = (await backup.QueryAsync<string>("SELECT name FROM schema_migrations")).ToList();
            }
            catch (SqliteException)
            {
                throw new CliException($"{file.FullName} is not a PaymentHub database (it has no schema_migrations).");
            }
            if (applied.FirstOrDefault(n => !known.Contains(n)) is { } newer)
                throw new CliException($"{file.FullName} was made by a newer PaymentHub (it has migration {newer}); restore it with that version.");

            Security.KeysAtRest.EnsurePrivateDatabaseFile(settings.DatabasePath);
            await using var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = settings.DatabasePath, Pooling = false }.ToString());
            await target.OpenAsync(ct);
            backup.BackupDatabase(target);
            await target.ExecuteAsync("PRAGMA journal_mode=WAL");
        }
        SqliteConnection.ClearAllPools();
        Console.WriteLine($"Restored {file.FullName} into {settings.DatabasePath}. The next start applies any newer migrations.");
        return 0;
    }

    /// <summary>backup and restore copy SQLite files; a PostgreSQL database has its own tools.</summary>
    private static void RefuseOnPostgres(WebApplication app, string verb)
    {
        if (app.Services.GetRequiredService<Db>().IsPostgres)
            throw new CliException($"PAYMENTHUB_DATABASE is PostgreSQL: {verb} it with PostgreSQL's own tools (pg_dump, pg_restore); this command copies SQLite files.");
    }

    private static async Task<int> CreateClientAsync(WebApplication app, string? merchantId, string mode, string? name, CancellationToken ct)
    {
        await app.Services.MigrateDatabaseAsync(app.Services.GetRequiredService<Settings>());
        var db = app.Services.GetRequiredService<Db>();
        List<(string Id, string Name)> merchants;
        await using (var c = await db.OpenReadAsync(ct))
            merchants = (await c.QueryAsync<(string, string)>("SELECT id, name FROM merchants ORDER BY created_at, id")).ToList();
        if (merchants.Count == 0) throw new CliException("There is no merchant yet: start PaymentHub once (it creates the first) or use the admin panel.");
        if (merchantId is null && merchants.Count > 1)
            throw new CliException("There are several merchants; name one with --merchant: " + string.Join(", ", merchants.Select(m => $"{m.Id} ({m.Name})")));
        var merchant = merchantId is null ? merchants[0] : merchants.FirstOrDefault(m => m.Id == merchantId);
        if (merchant.Id is null) throw new CliException($"There is no merchant {merchantId}.");

        var clock = app.Services.GetRequiredService<TimeProvider>();
        var client = await app.Services.GetRequiredService<DbWriter>().WriteAsync(tx =>
            ApiClients.CreateAsync(tx, merchant.Id, mode, name ?? $"{mode} key (command line)", clock.GetUtcNow()), ct);
        Console.WriteLine($"""
            A {mode} API client for {merchant.Name} ({merchant.Id}). The secret is shown only now; keep it.

              X-Client-ID:     {client.ClientId}
              X-Client-Secret: {client.ClientSecret}
            """);
        return 0;
    }

    private static async Task<int> ResetPasswordAsync(WebApplication app, string username, string? password, CancellationToken ct)
    {
        await app.Services.MigrateDatabaseAsync(app.Services.GetRequiredService<Settings>());
        var generated = password is null;
        password ??= RandomTokens.New(15);
        if (password.Length < AdminUsers.MinPasswordLength)
            throw new CliException($"The password must have at least {AdminUsers.MinPasswordLength} characters.");
        if (!await app.Services.GetRequiredService<AdminUsers>().SetPasswordAsync(username, password, ct))
            throw new CliException($"There is no admin panel user '{username}'.");
        Console.WriteLine(generated
            ? $"The new password of '{AdminUsers.Normalize(username)}' is: {password}"
            : $"The password of '{AdminUsers.Normalize(username)}' was changed.");
        Console.WriteLine("Any lockout is lifted and the user's open sessions are signed out.");
        return 0;
    }
}

/// <summary>A command that can't do what it was asked: its message is the one line the user sees.</summary>
public sealed class CliException(string message) : Exception(message);
