using PaymentHub.Infrastructure.Security;

namespace PaymentHub.Infrastructure.Database;

public static class DatabaseStartup
{
    /// <summary>Creates the data folder and, on SQLite, the database file (private to their owner) and applies the migrations; a failed one stops start-up.</summary>
    public static async Task<IReadOnlyList<string>> MigrateDatabaseAsync(this IServiceProvider services, Settings settings)
    {
        var db = services.GetRequiredService<Db>();
        KeysAtRest.EnsurePrivateFolder(settings.DataPath);
        if (!db.IsPostgres) KeysAtRest.EnsurePrivateDatabaseFile(settings.DatabasePath);
        var clock = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("PaymentHub.Database");
        try
        {
            var applied = await Migrator.ApplyAsync(db, Migrator.Embedded(), clock);
            if (applied.Count > 0) logger.LogInformation("Applied migrations {Migrations} to {Database}", applied, db.Description);
            return applied;
        }
        catch (MigrationFailedException ex)
        {
            logger.LogCritical(ex, "Start-up stopped: migration {Migration} failed", ex.MigrationName);
            throw;
        }
    }
}
