using Dapper;
using PaymentHub.Features.Intents;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>
/// GET /intents/{id} reads the intent through its primary key on PostgreSQL, also before the planner
/// has statistics (a new database, or one just filled by migrate-to-postgres): with the merchant and
/// mode in its WHERE clause too, PostgreSQL took the (merchant_id, mode) listing index then and walked
/// every intent of the merchant for each read.
/// </summary>
public sealed class IntentReadPlanTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [PostgresFact]
    public async Task ReadById_UsesThePrimaryKey_BeforeAnyStatistics()
    {
        var api = await app.NewMerchantApiAsync();
        var id = await api.CreateIntentIdAsync();
        await using var connection = app.Open();
        // 20,000 more intents of the same merchant and mode, copied from this one; no ANALYZE after them.
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

        var plan = string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + IntentQueries.ByIdSql, new { Value = id }));

        Assert.Contains("intents_pkey", plan);
        Assert.DoesNotContain("ix_intents_listing", plan);
        var read = await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{id}"));
        Assert.Equal(id, (string)read["intent_id"]!);
    }
}
