using System.Text.Json;
using Carter;
using FluentValidation;
using Hangfire;
using PaymentHub.Features.Admin;
using PaymentHub.Features.Checkout;
using PaymentHub.Features.Gateways;
using PaymentHub.Features.Intents;
using PaymentHub.Features.Merchants;
using PaymentHub.Features.Payments;
using PaymentHub.Features.Subscriptions;
using PaymentHub.Features.TestClock;
using PaymentHub.Features.Webhooks;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Cli;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Idempotency;
using PaymentHub.Infrastructure.Jobs;
using PaymentHub.Infrastructure.Money;
using PaymentHub.Infrastructure.OpenApi;
using PaymentHub.Infrastructure.Security;

return await PaymentHubCli.RunAsync(args, ServeAsync, Compose);

/// <summary>Runs PaymentHub until it is stopped: migrations, the first-start bootstrap, then the server.</summary>
static async Task<int> ServeAsync(string[] args)
{
    WebApplication app;
    try
    {
        app = Compose(args);
    }
    catch (ConfigurationException ex)
    {
        await Console.Error.WriteLineAsync($"PaymentHub did not start: {ex.Message}");
        return 1;
    }
    var settings = app.Services.GetRequiredService<Settings>();
    try
    {
        await app.Services.MigrateDatabaseAsync(settings);
    }
    catch (MigrationFailedException ex)
    {
        await Console.Error.WriteLineAsync($"PaymentHub did not start: {ex.Message}");
        return 1;
    }
    await app.Services.BootstrapMerchantsAsync(Console.Out);
    // Held while serving, so a restore can't replace the database underneath (several servers may share it).
    using var serving = DataFolderLock.Shared(settings.DataPath);
    try
    {
        await app.RunAsync();
    }
    catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
    {
        // Another process listens there (often a PaymentHub already running): one line and exit code 1, not a crash.
        await Console.Error.WriteLineAsync($"PaymentHub did not start: {ex.Message}");
        return 1;
    }
    return 0;
}

/// <summary>The whole application, composed but not started: the server runs it; the commands use its services.</summary>
static WebApplication Compose(string[] args)
{
    // appsettings*.json are read once, at start. Watching them for changes (the default) watches the
    // whole working directory, subfolders included, and the data folder is in it by default: every
    // write to the database's log woke the watcher's thread, about 5 % of the CPU under creates.
    // Settings are read once at start anyway; only a log level changed in the file no longer applies
    // without a restart.
    //
    // The slim builder: the same configuration sources, environment, host filtering and forwarded-header
    // switches as CreateBuilder, without what a server here never uses — IIS integration, the debug
    // logger, and Kestrel's QUIC transport, whose set-up probes for libmsquic at every start (a few
    // dozen failed opens) and loads System.Net.Quic. What PaymentHub's operators can configure is added
    // back in ServerOptions: Kestrel's HTTPS endpoints and certificates, HTTP/3 when an endpoint asks
    // for it, the console log's formatter and the EventSource logger that dotnet-trace reads.
    var builder = WebApplication.CreateSlimBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
    builder.AddServerOptions();
    // Defaults below every other source, so the executable needs no appsettings.json beside it.
    builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
    {
        InitialData = Settings.ConfigurationDefaults,
    });
    var settings = Settings.From(builder.Configuration);
    if (settings.Database is { } connectionString) Db.CheckPostgres(connectionString);

    builder.Services.AddSingleton(settings);
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddHostedService(sp => new NativeHeapTrim(sp.GetRequiredService<TimeProvider>()));
    builder.Services.AddSingleton(_ => Db.From(settings));
    builder.Services.AddSingleton<DbWriter>();
    builder.Services.AddSingleton(Currencies.LoadEmbedded());
    builder.Services.ConfigureHttpJsonOptions(o =>
    {
        o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.SerializerOptions.DictionaryKeyPolicy = null;
    });
    builder.Services.AddPaymentHubOpenApi();
    builder.WebHost.ConfigureKestrel(k =>
    {
        k.Limits.MaxRequestBodySize = JsonBody.MaxBytes * 4;
        k.AddServerHeader = false;
        // Header values are read as UTF-8, so a non-ASCII header reaches our own checks and gets a clear answer.
        k.RequestHeaderEncodingSelector = _ => System.Text.Encoding.UTF8;
    });

    // Endpoints are Carter modules, one per slice; validators are FluentValidation's: both listed in
    // Parts, not scanned (a scan lays out every type of the assembly at start). Carter's catalog gets
    // our assembly only so it never reads a dependency file; with everything listed it scans nothing.
    builder.Services.AddCarter(new DependencyContextAssemblyCatalog([typeof(Program).Assembly]),
        c => c.WithModules(Parts.Modules()).WithEmptyValidators().WithEmptyResponseNegotiators());
    builder.Services.AddValidators();
    builder.Services.AddPaymentHubJobs(builder.Configuration);
    builder.Services.AddRecurringJob<IdempotencyPurge>(IdempotencyPurge.JobId, "IdempotencyPurgeIntervalSeconds", 3600);

    builder.Services.AddPaymentHubDataProtection(settings);
    builder.Services.AddMerchantsModule();
    builder.Services.AddTestClockModule();
    builder.Services.AddIntentsModule();
    builder.Services.AddPaymentsModule();
    builder.Services.AddSubscriptionsModule(builder.Configuration);
    builder.Services.AddCheckoutModule(builder.Configuration);
    builder.Services.AddGatewaysModule();
    builder.Services.AddWebhooksModule();
    builder.Services.AddAdminModule();
    builder.Services.ReadKeyRingAtFirstUse();

    var app = builder.Build();

    app.UseKnownProxies(settings);
    app.UseSecurityHeaders();
    app.UseApiErrors();
    app.UseMiddleware<ApiKeyAuthentication>();
    app.UseCheckoutRateLimits();
    // The browser pages' middleware: the admin panel's cookie sign-in comes before anti-forgery and
    // the job dashboard, which reads its user. The API authenticates by key (above) and has no use for
    // them, so its requests skip them (they were 5 % of a GET); so does /health, probed every few
    // seconds and usually a server's first request (it paid the cookie handler's set-up).
    app.UseWhen(ctx => !ctx.Request.Path.StartsWithSegments(PlatformApi.Prefix) && !ctx.Request.Path.Equals(Health.Path), browser =>
    {
        browser.UseAuthentication();
        browser.UseAuthorization();
        browser.UseAntiforgery();
        browser.UseAdminPanel();
        // WebApplication adds authentication, authorization and anti-forgery to the whole pipeline
        // unless the application's properties say they are in it; a branch marks only its own copy.
        foreach (var (key, value) in browser.Properties) ((IApplicationBuilder)app).Properties.TryAdd(key, value);
    });
    app.MapCarter();
    return app;
}

public partial class Program;
