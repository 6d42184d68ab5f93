using System.Text.Json;
using Carter;
using Dapper;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Infrastructure;

/// <summary>GET /health: 200 when the database answers, 503 when it does not; which kind of database it is (sqlite or postgresql).</summary>
public sealed class Health : ICarterModule
{
    public const string Path = "/health";

    public sealed record Report(string Status, string Database, string DatabaseKind, string Time);

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet(Path, async Task<IResult> (Db db, TimeProvider clock, ILoggerFactory logs, CancellationToken ct) =>
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
            return new ReportResult(report, database == "ok" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).WithTags("Operations").WithSummary("Health of the service and its database").ExcludeFromDescription();

    /// <summary>
    /// The report as <c>Results.Json</c> wrote it (snake_case, four ASCII strings), written field by
    /// field: a server's first answer is usually this one, and the serializer's reflected metadata for
    /// it (built at the first call) was part of every cold start to the first 200.
    /// </summary>
    private sealed class ReportResult(Report report, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext ctx)
        {
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = Http.Json.ContentType;
            var body = ctx.Response.BodyWriter;
            using (var writer = new Utf8JsonWriter(body))
            {
                writer.WriteStartObject();
                writer.WriteString("status"u8, report.Status);
                writer.WriteString("database"u8, report.Database);
                writer.WriteString("database_kind"u8, report.DatabaseKind);
                writer.WriteString("time"u8, report.Time);
                writer.WriteEndObject();
            }
            await body.FlushAsync(ctx.RequestAborted);
        }
    }
}
