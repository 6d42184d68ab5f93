using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Payments;
using PaymentHub.Features.Subscriptions;
using PaymentHub.Tests.Features.Gateways;
using PaymentHub.Tests.Features.Payments;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Subscriptions;

/// <summary>
/// Renewals of live subscriptions through the merchant's NMI account (a local fake NMI): the stored
/// card charged as a merchant-initiated stored credential, lost answers and timeouts settled by order
/// id without a second charge, and NMI's "stop recurring" answers. Live objects live in the real time,
/// so these tests move the app's clock and renew one subscription at a time.
/// </summary>
public sealed class LiveRenewalTests(ShortNmiTimeoutFactory app) : LiveModeTests(app)
{
    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    private Renewals Renewals => App.Services.GetRequiredService<Renewals>();

    private PaymentHub.Tests.Features.Payments.Checkout Driver => new(App);

    private async Task<(string IntentId, string SubscriptionId)> SubscribeAsync()
    {
        var (id, path) = await Live.CreateIntentAsync(new IntentBuilder().Recurring(30));
        await Live.PayWithTokenAsync(path);
        var intent = await IntentAsync(id);
        Assert.Equal("succeeded", (string)intent["status"]!);
        return (id, (string)intent["subscription"]!["subscription_id"]!);
    }

    private async Task<JsonNode> IntentAsync(string id) => await Envelopes.AssertOk(await Live.Api().GetAsync($"{IntentCalls.Intents}/{id}"));

    private async Task<JsonNode> SubscriptionAsync(string id) => await Envelopes.AssertOk(await Live.Api().GetAsync($"{Billing.Subscriptions}/{id}"));

    private Task<Renewals.Outcome> RenewAsync(string subscriptionId, TimeSpan after) => Renewals.RenewAsync(subscriptionId, App.Clock.GetUtcNow() + after, CancellationToken.None);

    private int RenewalSalesSent => Nmi.Requests.Count(r => r.Path.EndsWith("transact.php", StringComparison.Ordinal) && r.Fields.ContainsKey("customer_vault_id"));

    [Fact]
    public async Task Renewal_ChargesTheStoredCardThroughNmi_AsAMerchantInitiatedStoredCredential()
    {
        var (intentId, id) = await SubscribeAsync();
        var first = Assert.Single(Nmi.Ledger, t => t.Type == "sale");

        Assert.Equal(Renewals.Outcome.Renewed, await RenewAsync(id, Month));

        var sent = Nmi.LastTransact;
        Assert.Equal("sale", sent["type"]);
        Assert.Equal("80.00", sent["amount"]);
        Assert.Equal(first.VaultId, sent["customer_vault_id"]);
        Assert.Equal("recurring", sent["billing_method"]);
        Assert.Equal("merchant", sent["initiated_by"]);
        Assert.Equal("used", sent["stored_credential_indicator"]);
        Assert.Equal(first.Id, sent["initial_transaction_id"]);
        Assert.False(sent.ContainsKey("payment_token") || sent.ContainsKey("ccnumber") || sent.ContainsKey("customer_vault"));
        var sub = await SubscriptionAsync(id);
        Assert.Equal(("active", 2), ((string)sub["status"]!, (int)sub["current_period"]!));
        var renewal = sub["charges"]![1]!;
        Assert.Equal(("renewal", "success"), ((string)renewal["kind"]!, (string)renewal["status"]!));
        Assert.Equal(sent["orderid"], await Driver.ScalarAsync<string>("SELECT order_id FROM charges WHERE id = @id", new { id = (long)renewal["id"]! }));
        Assert.Equal(Assert.Single(Nmi.Ledger, t => t.OrderId == sent["orderid"]).Id, (string)renewal["gateway_transaction_id"]!);
        Assert.Equal(2, (await IntentAsync(intentId))["charges"]!.AsArray().Count);
        Assert.Contains(await Driver.EventsAsync(intentId), e => e.Type == "subscription.renewed");
    }

    [Fact]
    public async Task FirstRecurringPayment_WhoseAnswerWasLost_StartsTheSubscription_WithTheCardTheQueryReports()
    {
        Nmi.Fault = FakeNmi.Faults.DropAnswer;
        (string IntentId, string SubscriptionId) subscribed;
        try
        {
            subscribed = await SubscribeAsync();
        }
        finally
        {
            Nmi.Fault = FakeNmi.Faults.None;
        }
        var first = Assert.Single(Nmi.Ledger, t => t.Type == "sale");
        Assert.NotNull(first.VaultId);
        var logs = await Envelopes.AssertOk(await Live.Api().GetAsync($"{IntentCalls.Intents}/{subscribed.IntentId}/logs?per_page=100"));
        Assert.DoesNotContain(logs["items"]!.AsArray(), l => (string)l!["event_type"]! == "subscription.not_created");
        Assert.Contains(logs["items"]!.AsArray(), l => (string)l!["event_type"]! == "subscription.created");

        Assert.Equal(Renewals.Outcome.Renewed, await RenewAsync(subscribed.SubscriptionId, Month));

        Assert.Equal(first.VaultId, Nmi.LastTransact["customer_vault_id"]);
        Assert.Equal(first.Id, Nmi.LastTransact["initial_transaction_id"]);
    }

    [Fact]
    public async Task Renewal_WhenNmiTimesOut_StaysUnknown_IsNotSentAgain_AndFailsAsNeverReceived_ThenTheRetryChargesOnce()
    {
        var (_, id) = await SubscribeAsync();
        var dueAt = Billing.Time((await SubscriptionAsync(id))["next_charge_at"]);
        Nmi.Fault = FakeNmi.Faults.Hang;
        try
        {
            Assert.Equal(Renewals.Outcome.Pending, await RenewAsync(id, Month));
        }
        finally
        {
            Nmi.Fault = FakeNmi.Faults.None;
        }
        var sub = await SubscriptionAsync(id);
        Assert.Equal(("active", "unknown"), ((string)sub["status"]!, (string)sub["charges"]![1]!["status"]!));
        Assert.Equal(dueAt, Billing.Time(sub["next_charge_at"]));

        // While its outcome is unknown, the attempt is not sent again, by the job or anyone.
        Assert.Equal(Renewals.Outcome.Skipped, await RenewAsync(id, Month + TimeSpan.FromHours(1)));
        await App.Services.GetRequiredService<RenewSubscriptions>().RunAsync(CancellationToken.None);
        Assert.Equal(1, RenewalSalesSent);

        await SettleAsync(Month + SettlePayments.MinimumAge + TimeSpan.FromSeconds(5)); // NMI has no record yet: it may still arrive
        Assert.Equal("unknown", (string)(await SubscriptionAsync(id))["charges"]![1]!["status"]!);
        await SettleAsync(Month + PaymentService.NotReceivedAfter + TimeSpan.FromMinutes(1));

        sub = await SubscriptionAsync(id);
        Assert.Equal(("past_due", "not_received"), ((string)sub["status"]!, (string)sub["charges"]![1]!["failure_code"]!));
        Assert.Equal(dueAt.AddDays(1), Billing.Time(sub["next_charge_at"]));

        Assert.Equal(Renewals.Outcome.Renewed, await RenewAsync(id, Month + TimeSpan.FromDays(1)));
        Assert.Equal(2, RenewalSalesSent);
        Assert.Single(Nmi.Ledger, t => t.Type == "sale" && t.OrderId != Nmi.Ledger[0].OrderId);
        Assert.Equal("active", (string)(await SubscriptionAsync(id))["status"]!);
    }

    [Fact]
    public async Task Renewal_WhoseAnswerAndQueryAreLost_IsSettledByTheJob_AsRenewed_WithOneCharge()
    {
        var (intentId, id) = await SubscribeAsync();
        Nmi.Fault = FakeNmi.Faults.DropAnswer;
        Nmi.QueryFault = FakeNmi.Faults.ServerError;
        try
        {
            Assert.Equal(Renewals.Outcome.Pending, await RenewAsync(id, Month));
        }
        finally
        {
            Nmi.Fault = FakeNmi.Faults.None;
            Nmi.QueryFault = FakeNmi.Faults.None;
        }
        Assert.Equal(2, Nmi.Ledger.Count(t => t.Type == "sale")); // NMI did charge it
        Assert.DoesNotContain(await Driver.EventsAsync(intentId), e => e.Type == "subscription.renewed");

        await SettleAsync(Month + SettlePayments.MinimumAge + TimeSpan.FromSeconds(5));

        var sub = await SubscriptionAsync(id);
        Assert.Equal(("active", 2, "success"), ((string)sub["status"]!, (int)sub["current_period"]!, (string)sub["charges"]![1]!["status"]!));
        Assert.Single(await Driver.EventsAsync(intentId), e => e.Type == "subscription.renewed");
        Assert.Equal(1, RenewalSalesSent);
    }

    [Theory]
    [InlineData(261, "stop_all_recurring")]
    [InlineData(262, "stop_recurring_program")]
    public async Task Renewal_DeclinedWithAStopRecurringCode_CancelsAtOnce_WithoutRetries(int amountCents, string code)
    {
        var (intentId, id) = await SubscribeAsync();
        // The fake NMI declines an amount of 2.xx with response code 2xx.
        await App.WriteAsync(tx => Dapper.SqlMapper.ExecuteAsync(tx.Connection, "UPDATE subscriptions SET amount = @amountCents WHERE id = @id",
            new { amountCents, id }, tx.Transaction));

        Assert.Equal(Renewals.Outcome.FailedAndCancelled, await RenewAsync(id, Month));

        var sub = await SubscriptionAsync(id);
        Assert.Equal(("cancelled", code), ((string)sub["status"]!, (string)sub["charges"]![1]!["failure_code"]!));
        Assert.Contains(code, (string)sub["cancellation_reason"]!);
        Assert.Equal(Renewals.Outcome.Skipped, await RenewAsync(id, Month + TimeSpan.FromDays(10)));
        Assert.Equal(1, RenewalSalesSent);
        var events = (await Driver.EventsAsync(intentId)).Select(e => e.Type).ToList();
        Assert.Equal(["subscription.failed", "subscription.canceled"], events.TakeLast(2));
    }

    [Fact]
    public async Task Renewal_DeclinedSoftly_IsRetriedTheNextDay()
    {
        var (_, id) = await SubscribeAsync();
        await App.WriteAsync(tx => Dapper.SqlMapper.ExecuteAsync(tx.Connection, "UPDATE subscriptions SET amount = 201 WHERE id = @id", new { id }, tx.Transaction));

        Assert.Equal(Renewals.Outcome.Failed, await RenewAsync(id, Month));

        var sub = await SubscriptionAsync(id);
        Assert.Equal(("past_due", "do_not_honor"), ((string)sub["status"]!, (string)sub["charges"]![1]!["failure_code"]!));
        Assert.Equal(Renewals.Outcome.Skipped, await RenewAsync(id, Month + TimeSpan.FromHours(23)));
        Assert.Equal(Renewals.Outcome.Failed, await RenewAsync(id, Month + TimeSpan.FromDays(1)));
        Assert.Equal(2, RenewalSalesSent);
    }
}
