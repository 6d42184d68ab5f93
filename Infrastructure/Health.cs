using Carter;
using Dapper;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Infrastructure;

/// <summary>GET /health: 200 when the database answers, 503 when it does not; which kind of database it is (sqlite or postgresql).</summary>
public sealed class Health : ICarterModule
{
    public sealed record Report(string Status, string Database, string DatabaseKind, string Time);

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (Db db, TimeProvider clock, ILoggerFactory logs, CancellationToken ct) =>
        {
            var database = "ok";
            try
            {
                await using var connection = await db.OpenAsync(ct);
                await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM schema_migrations", cancellationToken: ct));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logs.CreateLogger("PaymentHub.Health").LogError(ex, "Health check: the database did not answer");
                database = "unavailable";
            }
            var report = new Report(database == "ok" ? "ok" : "degraded", database, db.KindName, Formats.Timestamp(clock.GetUtcNow()));
            return database == "ok" ? Results.Json(report) : Results.Json(report, statusCode: 503);
        }).WithTags("Operations").WithSummary("Health of the service and its database").ExcludeFromDescription();
}
