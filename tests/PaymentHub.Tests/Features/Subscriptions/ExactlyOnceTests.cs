using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Payments;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Features.Subscriptions;
using PaymentHub.Features.TestClock;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Subscriptions;

/// <summary>
/// Each renewal attempt charges at most once: with two app instances renewing the same due
/// subscriptions at the same time, and when an instance stops between claiming an attempt and
/// recording its outcome. Counted where the money is: the simulator's ledger and the charges.
/// </summary>
public sealed class ExactlyOnceTests
{
    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    /// <summary>
    /// Two hosts on one database folder, each with its own writer, jobs and clocks. Each renews two
    /// subscriptions at a time, so that they walk the same due list side by side (with many at once,
    /// the first to commit a group claims them all and the other only meets claimed rows).
    /// </summary>
    private sealed class TwoInstances : IAsyncDisposable
    {
        public string DataPath { get; } = PaymentHubFactory.NewDataPath();
        public PaymentHubOnData A { get; }
        public PaymentHubOnData B { get; }

        public TwoInstances()
        {
            A = new PaymentHubOnData(DataPath, ("PaymentHub:Billing:Concurrency", "2"));
            _ = A.Services; // migrates and bootstraps before the second starts
            B = new PaymentHubOnData(DataPath, ("PaymentHub:Billing:Concurrency", "2"));
            _ = B.Services;
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            PaymentHubFactory.DeleteData(DataPath);
        }
    }

    /// <summary>Puts the merchant's test clock <paramref name="ahead"/> of the real time without running anything.</summary>
    private static Task SetClockAsync(PaymentHubFactory app, string merchantId, TimeSpan ahead) =>
        app.Services.GetRequiredService<MerchantClock>().SaveAsync(merchantId, (long)ahead.TotalMilliseconds);

    private static async Task<(Billing Billing, string MerchantId, List<string> Subscriptions)> SubscribedAsync(PaymentHubFactory app, int count)
    {
        var merchantId = await app.CreateMerchantAsync();
        var billing = new Billing(app, app.Api(await app.CreateClientAsync(merchantId)));
        var ids = new List<string>();
        for (var i = 0; i < count; i++) ids.Add((await billing.SubscribeAsync(30)).SubscriptionId);
        return (billing, merchantId, ids);
    }

    [Fact]
    public async Task TwoInstances_RenewingTheSameDueSubscriptionsAtOnce_ChargeEachPeriodOnce()
    {
        await using var both = new TwoInstances();
        var (_, merchantId, _) = await SubscribedAsync(both.A, 40);
        var jobs = new[] { both.A, both.B }.Select(app => app.Services.GetRequiredService<RenewSubscriptions>()).ToList();
        foreach (var job in jobs) await job.RunAsync(CancellationToken.None); // nothing due yet: warms both up, so they start together
        await SetClockAsync(both.A, merchantId, Month + TimeSpan.FromHours(1));

        using var start = new Barrier(2);
        await Task.WhenAll(jobs.Select(job => Task.Run(() =>
        {
            start.SignalAndWait();
            return job.RunAsync(CancellationToken.None);
        })));

        using var db = both.A.Open();
        var args = new { merchantId };
        Assert.Equal(80L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM simulator_transactions WHERE merchant_id = @merchantId", args));
        Assert.Equal(40L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM charges WHERE merchant_id = @merchantId AND kind = 'renewal'", args));
        Assert.Equal(40L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM charges WHERE merchant_id = @merchantId AND kind = 'renewal' AND status = 'success'", args));
        Assert.Equal(40L, db.ExecuteScalar<long>(
            "SELECT COUNT(*) FROM renewal_attempts a JOIN subscriptions s ON s.id = a.subscription_id WHERE s.merchant_id = @merchantId", args));
        Assert.Equal(40L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM events WHERE merchant_id = @merchantId AND type = 'subscription.renewed'", args));
        Assert.Equal([2L], db.Query<long>("SELECT DISTINCT current_period FROM subscriptions WHERE merchant_id = @merchantId", args));
        // Every order id the gateway saw belongs to one charge: nothing was sent twice.
        Assert.Equal(0L, db.ExecuteScalar<long>(
            "SELECT COUNT(*) FROM (SELECT order_id FROM simulator_transactions WHERE merchant_id = @merchantId GROUP BY order_id HAVING COUNT(*) > 1) AS twice", args));
    }

    [Fact]
    public async Task TwoInstances_ClaimingEveryAttemptAtTheSameTime_EachAttemptIsClaimedOnce()
    {
        await using var both = new TwoInstances();
        var (_, merchantId, ids) = await SubscribedAsync(both.A, 20);
        await SetClockAsync(both.A, merchantId, Month);
        var now = both.A.Clock.GetUtcNow() + Month;
        var renewals = new[] { both.A, both.B }.Select(app => app.Services.GetRequiredService<Renewals>()).ToList();

        var claims = await Task.WhenAll(ids.SelectMany(id => renewals.Select(r => Task.Run(async () => (id, claim: await r.ClaimAsync(id, now))))));

        Assert.All(claims.GroupBy(c => c.id), g => Assert.Single(g, c => c.claim.Charge is not null));
        using var db = both.B.Open();
        Assert.Equal(20L, db.ExecuteScalar<long>("SELECT COUNT(*) FROM charges WHERE merchant_id = @merchantId AND kind = 'renewal'", new { merchantId }));
        Assert.Equal(20L, db.ExecuteScalar<long>(
            "SELECT COUNT(*) FROM renewal_attempts a JOIN subscriptions s ON s.id = a.subscription_id WHERE s.merchant_id = @merchantId", new { merchantId }));
    }

    [Fact]
    public async Task StopAfterTheGatewayCharged_BeforeTheOutcomeWasRecorded_TheNextStartSettlesItByOrderId_WithoutChargingAgain()
    {
        var dataPath = PaymentHubFactory.NewDataPath();
        try
        {
            string merchantId, id, orderId;
            await using (var before = new PaymentHubOnData(dataPath))
            {
                (_, merchantId, var ids) = await SubscribedAsync(before, 1);
                id = ids[0];
                await SetClockAsync(before, merchantId, Month);
                var claim = await before.Services.GetRequiredService<Renewals>()
                    .ClaimAsync(id, before.Clock.GetUtcNow() + Month);
                Assert.NotNull(claim.Charge);
                orderId = claim.Charge.OrderId;
                var result = await before.Services.GetRequiredService<RenewalPayments>().SendAsync(claim.Charge, CancellationToken.None);
                Assert.True(result.Approved);
                // ...and the process stops here: the outcome is never recorded.
            }

            await using var after = new PaymentHubOnData(dataPath);
            using (var db = after.Open())
            {
                Assert.Equal("pending", db.ExecuteScalar<string>("SELECT status FROM renewal_attempts WHERE order_id = @orderId", new { orderId }));
                Assert.Equal("active", db.ExecuteScalar<string>("SELECT status FROM subscriptions WHERE id = @id", new { id }));
            }
            // The renewal job leaves an attempt that is still open alone: no second charge for the period.
            await after.Services.GetRequiredService<RenewSubscriptions>().RunAsync(CancellationToken.None);
            after.Clock.Advance(SettlePayments.MinimumAge + TimeSpan.FromSeconds(1));
            await after.Services.GetRequiredService<SettlePayments>().RunAsync(CancellationToken.None);

            using var check = after.Open();
            Assert.Equal(1L, check.ExecuteScalar<long>("SELECT COUNT(*) FROM simulator_transactions WHERE order_id = @orderId", new { orderId }));
            Assert.Equal(2L, check.ExecuteScalar<long>("SELECT COUNT(*) FROM simulator_transactions WHERE merchant_id = @merchantId", new { merchantId }));
            Assert.Equal(("success", "succeeded"), check.QuerySingle<(string, string)>(
                "SELECT c.status, a.status FROM renewal_attempts a JOIN charges c ON c.id = a.charge_id WHERE a.order_id = @orderId", new { orderId }));
            Assert.Equal((2L, "active"), check.QuerySingle<(long, string)>("SELECT current_period, status FROM subscriptions WHERE id = @id", new { id }));
            Assert.Equal(1L, check.ExecuteScalar<long>("SELECT COUNT(*) FROM events WHERE subscription_id = @id AND type = 'subscription.renewed'", new { id }));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            PaymentHubFactory.DeleteData(dataPath);
        }
    }

    [Fact]
    public async Task StopBeforeTheGatewayWasCalled_TheAttemptFailsAsNeverSent_AndTheRetryChargesOnce()
    {
        await using var app = new PaymentHubFactory();
        var (billing, merchantId, ids) = await SubscribedAsync(app, 1);
        var id = ids[0];
        await SetClockAsync(app, merchantId, Month);
        var claim = await app.Services.GetRequiredService<Renewals>().ClaimAsync(id, app.Clock.GetUtcNow() + Month);
        var orderId = claim.Charge!.OrderId;
        var settle = app.Services.GetRequiredService<SettlePayments>();

        app.Clock.Advance(SettlePayments.MinimumAge + TimeSpan.FromSeconds(1));
        await settle.RunAsync(CancellationToken.None);
        Assert.Equal("pending", app.Scalar<string>("SELECT status FROM renewal_attempts WHERE order_id = @orderId", new { orderId }));

        app.Clock.Advance(PaymentService.NotReceivedAfter);
        await settle.RunAsync(CancellationToken.None);

        var sub = await billing.SubscriptionAsync(id);
        Assert.Equal(("past_due", 1), ((string)sub["status"]!, (int)sub["failed_attempts"]!));
        Assert.Equal(("failed", "not_received"), ((string)sub["charges"]![1]!["status"]!, (string)sub["charges"]![1]!["failure_code"]!));
        Assert.Equal(0L, app.Scalar<long>("SELECT COUNT(*) FROM simulator_transactions WHERE order_id = @orderId", new { orderId }));

        var retry = await billing.AdvanceDaysAsync(2);

        Assert.Equal(1, (int)retry["summary"]!["renewals"]!);
        Assert.Equal("active", (string)(await billing.SubscriptionAsync(id))["status"]!);
        Assert.Equal(2L, app.Scalar<long>("SELECT COUNT(*) FROM simulator_transactions WHERE merchant_id = @merchantId", new { merchantId }));
    }
}
