using System.Diagnostics;
using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Features.Admin;

namespace PaymentHub.Tests.Infrastructure.Cli;

/// <summary>The executable's commands, run as a person would: a separate process on a data folder.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("paymenthub-cli-").FullName;

    private string Data => Path.Combine(_root, "data");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        PaymentHubFactory.DeleteData(Data);
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>A factory serving on an existing data folder (left in place when it stops).</summary>
    private sealed class ServingOn(string data) : PaymentHubFactory(data);

    /// <summary>A factory serving on an existing data folder's SQLite file, whatever database this run tests.</summary>
    private sealed class ServingOnSqlite(string data) : PaymentHubFactory(data)
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("PAYMENTHUB_DATABASE", "");
        }
    }

    private Task<(int Code, string Out, string Error)> Run(params string[] args) => Run(sqlite: false, args);

    private async Task<(int Code, string Out, string Error)> Run(bool sqlite, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, .. args])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { ["PAYMENTHUB_DATA"] = Data, ["PAYMENTHUB_ADMIN_PASSWORD"] = AdminClient.AdminPassword },
        };
        if (TestDatabases.Postgres && !sqlite) start.Environment["PAYMENTHUB_DATABASE"] = TestDatabases.Create(Data);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private long Intents(string file)
    {
        using var c = new SqliteConnection($"Data Source={file};Pooling=False;Mode=ReadOnly");
        c.Open();
        return c.ExecuteScalar<long>("SELECT COUNT(*) FROM intents");
    }

    [Fact]
    public void EveryWordThatMeansSomethingToTheParser_SendsTheArgumentsThroughIt()
    {
        var root = PaymentHub.Infrastructure.Cli.PaymentHubCli.Root(_ => Task.FromResult(0), _ => throw new InvalidOperationException());
        var words = root.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name))
            .Concat(root.Options.SelectMany(o => o.Aliases.Prepend(o.Name)))
            .Concat(["@server.rsp", "[diagram]", "--"]).ToList();

        Assert.Contains("--help", words);
        Assert.All(words, w => Assert.True(PaymentHub.Infrastructure.Cli.PaymentHubCli.NeedsTheParser(["--urls", "http://127.0.0.1:5000", w]), w));
    }

    [Theory]
    [InlineData]
    [InlineData("--urls", "http://127.0.0.1:5000")]
    [InlineData("--urls=http://127.0.0.1:5000", "--PaymentHub:Jobs:Workers=4", "--environment", "Production")]
    [InlineData("--Logging:LogLevel:Default", "Warning", "-x", "/srv/data")]
    public void AServersArguments_GoToTheServer_AsTheParserWouldHandThemOver(params string[] args)
    {
        var root = PaymentHub.Infrastructure.Cli.PaymentHubCli.Root(_ => Task.FromResult(0), _ => throw new InvalidOperationException());

        Assert.False(PaymentHub.Infrastructure.Cli.PaymentHubCli.NeedsTheParser(args));
        var parsed = root.Parse(args);
        Assert.Same(root, parsed.CommandResult.Command);
        Assert.Equal(args, parsed.UnmatchedTokens);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("serve", "--help")]
    [InlineData("migrate", "--help")]
    [InlineData("backup", "--help")]
    [InlineData("restore", "--help")]
    [InlineData("migrate-to-postgres", "--help")]
    [InlineData("clients", "create", "--help")]
    [InlineData("admin", "reset-password", "--help")]
    public async Task EveryCommand_HasHelp(params string[] args)
    {
        var (code, stdout, _) = await Run(args);

        Assert.Equal(0, code);
        Assert.Contains("Usage:", stdout);
        Assert.False(Directory.Exists(Data), "asking for help changes nothing");
    }

    [Fact]
    public async Task Migrate_OnAnEmptyFolder_CreatesTheDatabase_ThenSaysItIsUpToDate()
    {
        var first = await Run("migrate");
        var second = await Run("migrate");

        Assert.Equal(0, first.Code);
        Assert.Contains("Applied 0001_init.sql", first.Out);
        Assert.Equal(0, second.Code);
        Assert.Contains("is up to date", second.Out);
    }

    [SqliteFact]
    public async Task Backup_WhileServing_IsConsistent_AndRestore_IsRefusedUntilTheServerStops()
    {
        var backup = Path.Combine(_root, "backup.db");
        await using (var app = new ServingOn(Data))
        {
            var api = app.Api();
            for (var i = 0; i < 5; i++) await api.CreateIntentIdAsync();

            var (code, stdout, stderr) = await Run("backup", backup);
            Assert.True(code == 0, stderr);
            Assert.Contains("Backed up", stdout);
            Assert.Equal(5, Intents(backup));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup));

            await api.CreateIntentIdAsync(); // after the backup

            var refused = await Run("restore", backup);
            Assert.Equal(1, refused.Code);
            Assert.Contains("PaymentHub is serving on", refused.Error);

            var again = await Run("backup", backup);
            Assert.Equal(1, again.Code);
            Assert.Contains("exists; choose another name or add --force", again.Error);
        }

        var restored = await Run("restore", backup);

        Assert.True(restored.Code == 0, restored.Error);
        Assert.Equal(5, Intents(Path.Combine(Data, "paymenthub.db")));
    }

    [PostgresFact]
    public async Task BackupAndRestore_OnPostgres_AreRefused_PointingToPostgresTools()
    {
        await Run("migrate");

        var backup = await Run("backup", Path.Combine(_root, "backup.db"));
        var restore = await Run("restore", Path.Combine(_root, "backup.db"));

        Assert.Equal((1, 1), (backup.Code, restore.Code));
        Assert.StartsWith("paymenthub backup: PAYMENTHUB_DATABASE is PostgreSQL", backup.Error);
        Assert.Contains("pg_dump", backup.Error);
        Assert.StartsWith("paymenthub restore: PAYMENTHUB_DATABASE is PostgreSQL", restore.Error);
        Assert.False(File.Exists(Path.Combine(_root, "backup.db")));
    }

    [PostgresFact]
    public async Task MigrateToPostgres_CopiesAStoppedSqliteInstallation_WhichThenServesFromPostgres()
    {
        string paid, cancelled;
        await using (var sqlite = new ServingOnSqlite(Data))
        {
            var checkout = new Features.Payments.Checkout(sqlite);
            (paid, var payPath) = await checkout.CreateAsync(new IntentBuilder().Recurring(30));
            Assert.Equal(HttpStatusCode.Redirect, (await checkout.PayAsync(checkout.Browser(), payPath)).StatusCode);
            cancelled = await sqlite.Api().CreateIntentIdAsync();
            await sqlite.Api().CancelAsync(cancelled);

            var serving = await Run(sqlite: true, "migrate-to-postgres", TestDatabases.ConnectionStringFor(Data));
            Assert.Equal(1, serving.Code);
            Assert.Contains("PaymentHub is serving on", serving.Error);
        }

        var (code, stdout, stderr) = await Run(sqlite: true, "migrate-to-postgres", TestDatabases.Create(Data));

        Assert.True(code == 0, stderr);
        Assert.Matches(@"intents\s+2 rows", stdout);
        Assert.Matches(@"subscriptions\s+1 rows", stdout);
        // The copied tables have the planner's statistics already (-1 rows: never analyzed).
        await using (var copy = TestDatabases.Open(Data))
            Assert.Equal(2f, await copy.ExecuteScalarAsync<float>("SELECT reltuples FROM pg_class WHERE oid = 'intents'::regclass"));
        await using (var postgres = new ServingOn(Data))
        {
            var api = postgres.Api();
            var intent = await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{paid}"));
            Assert.Equal("succeeded", (string?)intent["status"]);
            Assert.Single(intent["charges"]!.AsArray());
            Assert.Equal("active", (string?)intent["subscription"]!["status"]);
            Assert.Equal("cancelled", (string?)(await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{cancelled}")))["status"]);
            var logs = await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{paid}/logs"));
            Assert.NotEmpty(logs["items"]!.AsArray());
            // Numbered rows (logs, events, charges) go on after the copied ones.
            var checkout = new Features.Payments.Checkout(postgres);
            var (next, nextPath) = await checkout.CreateAsync(new IntentBuilder());
            Assert.Equal(HttpStatusCode.Redirect, (await checkout.PayAsync(checkout.Browser(), nextPath)).StatusCode);
            Assert.Equal("succeeded", (string?)(await checkout.IntentAsync(next))["status"]);
        }

        var again = await Run(sqlite: true, "migrate-to-postgres", TestDatabases.ConnectionStringFor(Data));
        Assert.Equal(1, again.Code);
        Assert.Contains("already holds data", again.Error);
    }

    [SqliteFact]
    public async Task Restore_OfAFileThatIsNotABackup_IsRefused_AndChangesNothing()
    {
        await Run("migrate");
        var junk = Path.Combine(_root, "junk.db");
        await File.WriteAllTextAsync(junk, "not a database at all, just text");

        var (code, _, stderr) = await Run("restore", junk);

        Assert.Equal(1, code);
        Assert.StartsWith("paymenthub restore: ", stderr);
        Assert.Contains("is not a SQLite database", stderr);
        Assert.Equal(0, Intents(Path.Combine(Data, "paymenthub.db")));
    }

    [Fact]
    public async Task ClientsCreate_PrintsAKeyThatWorks()
    {
        await using (var first = new ServingOn(Data)) first.CreateClient(); // the first start creates the merchant

        var (code, stdout, stderr) = await Run("clients", "create", "--mode", "test", "--name", "Shop server");

        Assert.True(code == 0, stderr);
        var id = stdout.Split('\n').Single(l => l.Contains("X-Client-ID:")).Split(':')[1].Trim();
        var secret = stdout.Split('\n').Single(l => l.Contains("X-Client-Secret:")).Split(':')[1].Trim();
        await using var app = new ServingOn(Data);
        var intent = await app.Api(id, secret).CreateIntentAsync();
        Assert.False(string.IsNullOrEmpty((string?)intent["intent_id"]));
    }

    [Fact]
    public async Task ClientsCreate_WithABadModeOrNoMerchant_ExitsNonZeroWithOneClearLine()
    {
        var bad = await Run("clients", "create", "--mode", "production");
        var none = await Run("clients", "create", "--mode", "live");

        Assert.NotEqual(0, bad.Code);
        Assert.Contains("production", bad.Error);
        Assert.Equal(1, none.Code);
        Assert.Equal("paymenthub clients create: There is no merchant yet: start PaymentHub once (it creates the first) or use the admin panel.", none.Error.Trim());
    }

    [Fact]
    public async Task AdminResetPassword_GivesANewPassword_ThatSignsIn_AndLiftsALockout()
    {
        await using (var first = new ServingOn(Data))
        {
            var locked = new AdminClient(AdminClient.NewHttp(first));
            for (var i = 0; i < AdminUsers.MaxFailures; i++) await locked.SignInAttemptAsync("admin", "wrong password " + i);
        }

        var (code, stdout, stderr) = await Run("admin", "reset-password");

        Assert.True(code == 0, stderr);
        var password = stdout.Split('\n').Single(l => l.Contains("The new password of 'admin' is:")).Split(": ")[1].Trim();
        await using var app = new ServingOn(Data);
        await AdminClient.SignInAsync(app, "admin", password);
        var unknown = await Run("admin", "reset-password", "--user", "nobody", "--password", "long enough password");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("There is no admin panel user 'nobody'.", unknown.Error);
    }
}
