using System.Globalization;
using System.Runtime.CompilerServices;
using Hangfire;
using Hangfire.Common;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Infrastructure.Jobs;

/// <summary>
/// A recurring piece of background work. Due work lives in our own tables, never only in
/// Hangfire's storage: a run reads what is due, moves a bounded batch on, and is safe to run twice,
/// so a restart or a lost Hangfire state loses nothing. Implementations take the clock from
/// <see cref="TimeProvider"/> and carry <c>[DisableConcurrentExecution]</c>.
/// </summary>
public interface IRecurringJob
{
    Task RunAsync(CancellationToken ct);
}

/// <summary>A recurring job as its module declares it; its interval is the setting <c>PaymentHub:{IntervalSetting}</c>, in seconds.</summary>
public sealed record RecurringJobDefinition(string Id, Type JobType, string IntervalSetting, int DefaultSeconds,
    Action<IRecurringJobManager, string> Schedule);

public static class JobsSetup
{
    /// <summary>How often Hangfire looks for due scheduled and recurring jobs (its default, 15 s, would stretch a 5 s job to 15 s).</summary>
    public static readonly TimeSpan PollingInterval = TimeSpan.FromSeconds(1);

    /// <summary>The schema of Hangfire's own tables in a PostgreSQL database, beside ours.</summary>
    public const string PostgresSchema = "hangfire";

    /// <summary>
    /// Hangfire with in-memory storage (SQLite: one process) or its PostgreSQL storage in the
    /// <c>hangfire</c> schema of our database (several instances share its queues, recurring jobs and
    /// locks) and, unless <c>PaymentHub:Jobs:Server</c> is false, a server with a few workers
    /// (<c>PaymentHub:Jobs:Workers</c>, default 2). Storage and activator are this host's own objects,
    /// not Hangfire's static defaults, so two hosts in one process (tests) never run each other's jobs.
    /// </summary>
    public static IServiceCollection AddPaymentHubJobs(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton<JobStorage>(sp =>
        {
            var settings = sp.GetRequiredService<Settings>();
            if (settings.Database is { } connectionString) return PostgresStorage(connectionString);
            return new InMemoryStorage(new InMemoryStorageOptions
            {
                // Finished jobs are history only (the work itself is in our tables); an hour of it bounds memory.
                MaxExpirationTime = TimeSpan.FromHours(1),
            });
        });
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, c) => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<ILoggerFactory>())));

        if (config.GetValue("PaymentHub:Jobs:Server", true))
        {
            var workers = Math.Clamp(config.GetValue("PaymentHub:Jobs:Workers", 2), 1, 64);
            services.AddHangfireServer((_, options) =>
            {
                options.WorkerCount = workers;
                options.SchedulePollingInterval = PollingInterval;
                options.ServerName = $"paymenthub:{Environment.ProcessId}";
            });
        }
        services.AddHostedService<RecurringJobScheduler>();
        return services;
    }

    /// <summary>
    /// Hangfire's PostgreSQL storage. A method of its own, so that on SQLite the storage's factory never
    /// meets these types and the Hangfire.PostgreSql and Npgsql assemblies stay unloaded.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static JobStorage PostgresStorage(string connectionString)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = PostgresSchema,
            PrepareSchemaIfNecessary = true,
            // A job enqueued by one instance starts on another in milliseconds, not at the next poll.
            EnableLongPolling = true,
            QueuePollInterval = TimeSpan.FromSeconds(5),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }

    /// <summary>Declares a recurring job; it runs every <c>PaymentHub:{intervalSetting}</c> seconds (0 turns it off).</summary>
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string id, string intervalSetting, int defaultSeconds)
        where TJob : class, IRecurringJob
    {
        services.AddTransient<TJob>();
        services.AddSingleton(new RecurringJobDefinition(id, typeof(TJob), intervalSetting, defaultSeconds,
            (manager, cron) => manager.AddOrUpdate(id, Call<TJob>(), cron, new RecurringJobOptions())));
        return services;
    }

    /// <summary>
    /// The job Hangfire stores for <c>job =&gt; job.RunAsync(CancellationToken.None)</c>, the same type, method
    /// and argument (Hangfire passes its own token at run time), built directly: <c>Job.FromExpression</c>
    /// compiles a lambda for the argument, which cost the start a Linq.Expressions compilation per job.
    /// </summary>
    internal static Job Call<TJob>() where TJob : IRecurringJob =>
        new(typeof(TJob), typeof(IRecurringJob).GetMethod(nameof(IRecurringJob.RunAsync))!, CancellationToken.None);

    /// <summary>
    /// A cron expression that fires every <paramref name="seconds"/>: six fields (with seconds) below a
    /// minute, five above. Intervals that do not divide a minute, an hour or a day restart their count
    /// at each whole minute, hour or day.
    /// </summary>
    public static string CronEvery(int seconds)
    {
        if (seconds <= 0) throw new ArgumentOutOfRangeException(nameof(seconds), "An interval is at least one second.");
        string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        if (seconds < 60) return seconds == 1 ? "* * * * * *" : $"*/{N(seconds)} * * * * *";
        if (seconds < 3600) return seconds / 60 == 1 ? "* * * * *" : $"*/{N(seconds / 60)} * * * *";
        if (seconds < 86_400) return seconds / 3600 == 1 ? "0 * * * *" : $"0 */{N(seconds / 3600)} * * *";
        return "0 0 * * *";
    }
}

/// <summary>
/// Hangfire's log provider is process-wide: the last host to start sets it. When that host stops
/// (tests start and stop many in one process) its logger factory is disposed, and Hangfire would
/// throw while creating a logger for another host's dashboard or server. Loggers of a stopped host
/// log nothing instead.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory factory) : Hangfire.Logging.ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(factory);

    public Hangfire.Logging.ILog GetLogger(string name)
    {
        try
        {
            return _inner.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return new Silent();
        }
    }

    private sealed class Silent : Hangfire.Logging.ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}

/// <summary>
/// Puts each declared recurring job into Hangfire at start (or removes it when its interval is 0),
/// through this host's own <see cref="IRecurringJobManager"/>.
/// </summary>
internal sealed class RecurringJobScheduler(
    IEnumerable<RecurringJobDefinition> jobs, IRecurringJobManager manager, IConfiguration config, ILogger<RecurringJobScheduler> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var job in jobs)
        {
            var seconds = config.GetValue($"PaymentHub:{job.IntervalSetting}", job.DefaultSeconds);
            if (seconds <= 0)
            {
                manager.RemoveIfExists(job.Id);
                logger.LogInformation("Recurring job {Job} is off (PaymentHub:{Setting} = 0)", job.Id, job.IntervalSetting);
                continue;
            }
            job.Schedule(manager, JobsSetup.CronEvery(seconds));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
