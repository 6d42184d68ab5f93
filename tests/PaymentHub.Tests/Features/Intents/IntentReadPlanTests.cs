using Dapper;
using PaymentHub.Features.Intents;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>
/// GET /intents/{id} reads the intent through its primary key on PostgreSQL, also before the planner
/// has statistics (a new database, or one just filled by migrate-to-postgres): with the merchant and
/// mode in its WHERE clause too, PostgreSQL took the (merchant_id, mode) listing index then and walked
/// every intent of the merchant for each read. The intent log's owner check is read the same way.
/// </summary>
public sealed class IntentReadPlanTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [PostgresFact]
    public async Task ReadById_UsesThePrimaryKey_BeforeAnyStatistics()
    {
        var (api, id) = await OneOfManyIntentsAsync();

        await AssertPlannedOnThePrimaryKeyAsync(IntentQueries.ByIdSql, new { Value = id });
        var read = await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{id}"));
        Assert.Equal(id, (string)read["intent_id"]!);
    }

    [PostgresFact]
    public async Task LogsOwnerCheck_UsesThePrimaryKey_BeforeAnyStatistics()
    {
        var (api, id) = await OneOfManyIntentsAsync();

        await AssertPlannedOnThePrimaryKeyAsync(GetIntentLogs.OwnerSql, new { IntentId = id });
        var logs = await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{id}/logs"));
        Assert.Equal("intent.created", (string)logs["items"]![0]!["event_type"]!);
    }

    private async Task AssertPlannedOnThePrimaryKeyAsync(string sql, object parameters)
    {
        await using var connection = app.Open();
        var plan = string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + sql, parameters));
        Assert.Contains("intents_pkey", plan);
        Assert.DoesNotContain("ix_intents_listing", plan);
    }

    /// <summary>A new merchant's intent and 20,000 more of the same merchant and mode copied from it, with no ANALYZE after them.</summary>
    private async Task<(HttpClient Api, string Id)> OneOfManyIntentsAsync()
    {
        var api = await app.NewMerchantApiAsync();
        var id = await api.CreateIntentIdAsync();
        await using var connection = app.Open();
        var columns = (await connection.QueryAsync<string>(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'intents' ORDER BY ordinal_position")).ToList();
        var copies = columns.Select(c => c switch
        {
            "id" => "id || '-' || g",
            "reference_id" => "reference_id || '-' || g",
            "payment_token" => "payment_token || '-' || g",
            _ => c,
        });
        await connection.ExecuteAsync($"""
            INSERT INTO intents ({string.Join(", ", columns)})
            SELECT {string.Join(", ", copies)} FROM intents, generate_series(1, 20000) AS g WHERE id = @Id
            """, new { Id = id });
        return (api, id);
    }
}
