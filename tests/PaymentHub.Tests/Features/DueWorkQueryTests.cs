using Dapper;
using Microsoft.Data.Sqlite;
using PaymentHub.Features.Intents;
using PaymentHub.Features.Subscriptions;
using PaymentHub.Tests.Features.Subscriptions;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features;

/// <summary>
/// The recurring jobs' "what is due" queries do work in proportion to what is due (and to the merchants
/// whose test clock runs ahead), never to everything open: the expiry job's query runs inside a write, so
/// a walk over every open intent held every other write back at each run. Measured as the SQLite virtual
/// machine's instructions for the query (a progress handler counts them), before and after more rows
/// that are open but not due are added. That the second part still finds what a test clock ahead makes
/// due is TestClockTests' and ExactlyOnceTests' to show. SQLite only: it is SQLite's planner that walked them.
/// </summary>
public sealed class DueWorkQueryTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [SqliteFact]
    public async Task ExpiryDueQuery_DoesNotWalkOpenIntentsThatAreNotDue()
    {
        var api = await app.NewMerchantApiAsync();
        for (var i = 0; i < 5; i++) await api.CreateIntentIdAsync(new IntentBuilder().With("expires_in_minutes", 60));
        var args = new { Now = app.Clock.GetUtcNow().ToUnixTimeMilliseconds(), Batch = ExpireIntents.Batch };
        var before = await InstructionsAsync(ExpireIntents.DueSql, args);

        for (var i = 0; i < 40; i++) await api.CreateIntentIdAsync(new IntentBuilder().With("expires_in_minutes", 60));
        var after = await InstructionsAsync(ExpireIntents.DueSql, args);

        Assert.InRange(after.Instructions, 1, before.Instructions + 10);
        Assert.Equal(0, after.Rows);
    }

    [SqliteFact]
    public async Task RenewalDueQuery_DoesNotWalkSubscriptionsThatAreNotDue()
    {
        var billing = await Billing.NewMerchantAsync(app);
        for (var i = 0; i < 2; i++) await billing.SubscribeAsync(30);
        var args = new { Now = app.Clock.GetUtcNow().ToUnixTimeMilliseconds(), Batch = RenewSubscriptions.Batch };
        var before = await InstructionsAsync(RenewSubscriptions.DueSql, args);

        for (var i = 0; i < 8; i++) await billing.SubscribeAsync(30);
        var after = await InstructionsAsync(RenewSubscriptions.DueSql, args);

        Assert.InRange(after.Instructions, 1, before.Instructions + 10);
        Assert.Equal(0, after.Rows);
    }

    /// <summary>Runs <paramref name="sql"/> on a connection of its own; the rows it gave and the VM instructions it took.</summary>
    private async Task<(int Rows, long Instructions)> InstructionsAsync(string sql, object args)
    {
        await using var connection = (SqliteConnection)app.Open();
        long instructions = 0;
        SQLitePCL.raw.sqlite3_progress_handler(connection.Handle, 1, _ => { instructions++; return 0; }, null);
        var rows = (await connection.QueryAsync(sql, args)).Count();
        return (rows, instructions);
    }
}
