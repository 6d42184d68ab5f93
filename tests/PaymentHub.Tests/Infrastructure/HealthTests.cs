using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Tests.Infrastructure;

public sealed class HealthTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public async Task Health_WithDatabase_Returns200Ok()
    {
        var response = await app.CreateClient().GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Body();
        Assert.Equal("ok", (string?)body["status"]);
        Assert.Equal("ok", (string?)body["database"]);
        Assert.Equal(TestDatabases.Postgres ? "postgresql" : "sqlite", (string?)body["database_kind"]);
        Assert.Equal("2026-11-22T12:00:00.000000Z", (string?)body["time"]);
    }

    [Fact]
    public async Task Health_WritesWhatTheSerializerWouldWrite_WithoutTheBrowserMiddleware()
    {
        var response = await app.CreateClient().GetAsync("/health");

        // The report writes itself; it must stay byte for byte what Results.Json gave with the API's options.
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var expected = System.Text.Json.JsonSerializer.Serialize(
            new Health.Report("ok", "ok", TestDatabases.Postgres ? "postgresql" : "sqlite", "2026-11-22T12:00:00.000000Z"), options);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        // Probes skip the admin panel's cookie sign-in and anti-forgery: no cookie is set or read.
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [SqliteFact]
    public async Task AppDatabase_IsMigratedWithWalAndPragmas()
    {
        await using var connection = await app.Services.GetRequiredService<Db>().OpenAsync();

        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
        Assert.Equal(2L, await connection.ExecuteScalarAsync<long>("PRAGMA synchronous"));
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations WHERE name = '0001_init.sql'"));
    }
}
