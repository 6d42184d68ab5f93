using PaymentHub.Tests.Infrastructure;
using CheckoutDriver = PaymentHub.Tests.Features.Payments.Checkout;

namespace PaymentHub.Tests.Features.Subscriptions;

/// <summary>Renewals and dunning of test-mode subscriptions, driven by the merchant's test clock.</summary>
public sealed class RenewalTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public async Task AdvanceAYear_RenewsA30DaySubscriptionTwelveTimes_EachOnItsDueDate()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (intentId, id) = await billing.SubscribeAsync(30);
        var paidAt = Billing.Time((await billing.SubscriptionAsync(id))["created_at"]);

        var advanced = await billing.AdvanceDaysAsync(365);

        Assert.Equal((12, 0, 0, 0), ((int)advanced["summary"]!["renewals"]!, (int)advanced["summary"]!["failures"]!,
            (int)advanced["summary"]!["cancellations"]!, (int)advanced["summary"]!["expiries"]!));
        var sub = await billing.SubscriptionAsync(id);
        Assert.Equal("active", (string)sub["status"]!);
        Assert.Equal(13, (int)sub["current_period"]!);
        Assert.Equal(paidAt.AddDays(390), Billing.Time(sub["next_charge_at"]));
        Assert.Equal(paidAt.AddDays(360), Billing.Time(sub["current_period_start"]));
        var charges = sub["charges"]!.AsArray();
        Assert.Equal(13, charges.Count);
        Assert.Equal("sale", (string)charges[0]!["kind"]!);
        for (var k = 1; k <= 12; k++)
        {
            Assert.Equal(("renewal", "success", "80.00"), ((string)charges[k]!["kind"]!, (string)charges[k]!["status"]!, (string)charges[k]!["amount_captured"]!));
            Assert.Equal(paidAt.AddDays(30 * k), Billing.Time(charges[k]!["created_at"]));
        }
        var renewed = await billing.EventsAsync("subscription.renewed");
        Assert.Equal(12, renewed.Count);
        Assert.Equal(charges.Skip(1).Select(c => (long)c!["id"]!), renewed.Select(e => (long)e["charge_id"]!));
        Assert.All(renewed, e => Assert.Equal((id, intentId), ((string)e["subscription_id"]!, (string)e["intent_id"]!)));
        var intent = await Envelopes.AssertOk(await billing.Api.GetAsync($"{IntentCalls.Intents}/{intentId}"));
        Assert.Equal(13, intent["charges"]!.AsArray().Count);
        Assert.Equal("succeeded", (string)intent["status"]!);
    }

    [Fact]
    public async Task CardThatDeclinesRenewals_WalksThroughDunning_ToCancellation()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (_, id) = await billing.SubscribeAsync(30, CheckoutDriver.RenewalsDecline);
        var paidAt = Billing.Time((await billing.SubscriptionAsync(id))["created_at"]);

        var first = await billing.AdvanceDaysAsync(30);

        Assert.Equal(1, (int)first["summary"]!["failures"]!);
        var pastDue = await billing.SubscriptionAsync(id);
        Assert.Equal(("past_due", 1), ((string)pastDue["status"]!, (int)pastDue["failed_attempts"]!));
        Assert.Equal(paidAt.AddDays(31), Billing.Time(pastDue["next_charge_at"]));
        Assert.Equal(1, (int)pastDue["current_period"]!);

        var rest = await billing.AdvanceDaysAsync(10);

        Assert.Equal((0, 3, 1), ((int)rest["summary"]!["renewals"]!, (int)rest["summary"]!["failures"]!, (int)rest["summary"]!["cancellations"]!));
        var sub = await billing.SubscriptionAsync(id);
        Assert.Equal(("cancelled", 4), ((string)sub["status"]!, (int)sub["failed_attempts"]!));
        Assert.Null(sub["next_charge_at"]);
        Assert.Equal(paidAt.AddDays(35), Billing.Time(sub["cancelled_at"]));
        Assert.Contains("no retries are left", (string)sub["cancellation_reason"]!);
        var renewals = sub["charges"]!.AsArray().Skip(1).ToList();
        Assert.Equal([30, 31, 33, 35], renewals.Select(c => (int)(Billing.Time(c!["created_at"]) - paidAt).TotalDays));
        Assert.All(renewals, c => Assert.Equal(("failed", "card_declined"), ((string)c!["status"]!, (string)c["failure_code"]!)));
        var failed = await billing.EventsAsync("subscription.failed");
        Assert.Equal(4, failed.Count);
        Assert.All(failed, e => Assert.Contains("declined", (string)e["message"]!));
        var canceled = Assert.Single(await billing.EventsAsync("subscription.canceled"));
        Assert.Equal((string)sub["cancellation_reason"]!, (string)canceled["message"]!);

        var later = await billing.AdvanceDaysAsync(90);
        Assert.Equal(0, (int)later["summary"]!["failures"]! + (int)later["summary"]!["renewals"]!);
    }
}
