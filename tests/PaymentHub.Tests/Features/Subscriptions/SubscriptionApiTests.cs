using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Subscriptions;
using PaymentHub.Tests.Infrastructure;
using CheckoutDriver = PaymentHub.Tests.Features.Payments.Checkout;

namespace PaymentHub.Tests.Features.Subscriptions;

/// <summary>GET /subscriptions, GET /subscriptions/{id}, POST /subscriptions/{id}/cancel.</summary>
public sealed class SubscriptionApiTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public async Task GetSubscription_ShowsItsTermsPeriodCardAndFirstCharge()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (intentId, id) = await billing.SubscribeAsync(14, intent: new IntentBuilder().With("customer_ref_id", "CUST-9").With("amount", "19.99")
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "Plan", ["quantity"] = 1, ["price"] = "19.99" })));

        var sub = await billing.SubscriptionAsync(id);

        Assert.Equal((id, id, intentId, "active"), ((string)sub["id"]!, (string)sub["subscription_id"]!, (string)sub["intent_id"]!, (string)sub["status"]!));
        Assert.Equal(("19.99", "USD", 14, "CUST-9", "customer@example.com"),
            ((string)sub["amount"]!, (string)sub["currency"]!, (int)sub["interval_days"]!, (string)sub["customer_ref_id"]!, (string)sub["email"]!));
        var created = Billing.Time(sub["created_at"]);
        Assert.Equal((1, created, created.AddDays(14), created.AddDays(14)), ((int)sub["current_period"]!, Billing.Time(sub["current_period_start"]),
            Billing.Time(sub["current_period_end"]), Billing.Time(sub["next_charge_at"])));
        Assert.Equal((0, false), ((int)sub["failed_attempts"]!, (bool)sub["cancel_at_period_end"]!));
        Assert.Null(sub["cancelled_at"]);
        Assert.Null(sub["cancellation_reason"]);
        Assert.Equal(("visa", "4242", false), ((string)sub["card_brand"]!, (string)sub["card_last4"]!, (bool)sub["livemode"]!));
        var charge = Assert.Single(sub["charges"]!.AsArray())!;
        Assert.Equal(("sale", "success", id), ((string)charge["kind"]!, (string)charge["status"]!, (string)charge["subscription_id"]!));
        var events = await billing.EventsAsync("subscription.created");
        Assert.Equal(id, (string)Assert.Single(events)["subscription_id"]!);
    }

    [Fact]
    public async Task GetSubscription_OfAnotherMerchantOrMode_Returns404()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (_, id) = await billing.SubscribeAsync();

        foreach (var other in new[] { app.Api(), await app.NewMerchantApiAsync("live") })
            await Envelopes.AssertError(await other.GetAsync($"{Billing.Subscriptions}/{id}"), HttpStatusCode.NotFound,
                "Subscription not found.", "subscription_not_found");
        await Envelopes.AssertError(await app.Api().PostAsync($"{Billing.Subscriptions}/{id}/cancel", null), HttpStatusCode.NotFound,
            "Subscription not found.", "subscription_not_found");
        Assert.Equal("active", (string)(await billing.SubscriptionAsync(id))["status"]!);
    }

    [Fact]
    public async Task ListSubscriptions_FiltersByStatusCustomerAndEmail_NewestFirst_Paged()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (_, a) = await billing.SubscribeAsync(intent: new IntentBuilder().With("customer_ref_id", "CUST-A").With("email", "a@example.com"));
        var (_, b) = await billing.SubscribeAsync(intent: new IntentBuilder().With("customer_ref_id", "CUST-B").With("email", "b@example.com"));
        var (_, c) = await billing.SubscribeAsync(intent: new IntentBuilder().With("customer_ref_id", "CUST-A").With("email", "c@example.com"));
        await billing.CancelAsync(b);

        async Task<List<string>> Ids(string query)
        {
            var page = await Envelopes.AssertOk(await billing.Api.GetAsync($"{Billing.Subscriptions}?{query}"));
            return page["items"]!.AsArray().Select(s => (string)s!["subscription_id"]!).ToList();
        }

        Assert.Equal([c, b, a], await Ids(""));
        Assert.Equal([c, a], await Ids("status=active"));
        Assert.Equal([b], await Ids("status=cancelled"));
        Assert.Equal([c, a], await Ids("customer_ref_id=CUST-A"));
        Assert.Equal([a], await Ids("email=a@example.com"));
        Assert.Empty(await Ids("status=past_due"));
        var second = await Envelopes.AssertOk(await billing.Api.GetAsync($"{Billing.Subscriptions}?per_page=2&page=2"));
        Assert.Equal((3, 2, 2), ((int)second["total"]!, (int)second["page"]!, (int)second["per_page"]!));
        Assert.Equal(a, (string)Assert.Single(second["items"]!.AsArray())!["subscription_id"]!);
        Assert.NotEmpty(second["items"]![0]!["charges"]!.AsArray());
        Assert.Equal(0, (int)(await Envelopes.AssertOk(await (await app.NewMerchantApiAsync()).GetAsync(Billing.Subscriptions)))["total"]!);
    }

    [Theory]
    [InlineData("status=paused", "status", "The selected status is invalid. Use one of: active, past_due, cancelled.")]
    [InlineData("per_page=0", "per_page", "The per page must be an integer between 1 and 100.")]
    [InlineData("page=abc", "page", "The page must be an integer of at least 1.")]
    public async Task ListSubscriptions_WithAnInvalidQuery_Returns422(string query, string field, string message) =>
        await Envelopes.AssertValidationError(await app.Api().GetAsync($"{Billing.Subscriptions}?{query}"), field, message);

    [Fact]
    public async Task ListSubscriptions_WithTooLongFilters_Returns422()
    {
        await Envelopes.AssertValidationError(await app.Api().GetAsync($"{Billing.Subscriptions}?customer_ref_id={new string('c', 101)}"),
            "customer_ref_id", "The customer ref id must not be greater than 100 characters.");
        await Envelopes.AssertValidationError(await app.Api().GetAsync($"{Billing.Subscriptions}?email={new string('e', 256)}"),
            "email", "The email must not be greater than 255 characters.");
    }

    [Fact]
    public async Task Cancel_MidPeriod_StopsRenewals_WithTheEventAndReason_AndARepeatIsANoOp()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (intentId, id) = await billing.SubscribeAsync(30);
        var paidAt = Billing.Time((await billing.SubscriptionAsync(id))["created_at"]);
        await billing.AdvanceDaysAsync(10);

        var cancelled = await billing.CancelAsync(id, new { reason = "Customer moved away." });

        Assert.Equal((id, "cancelled", false), ((string)cancelled["subscription_id"]!, (string)cancelled["status"]!, (bool)cancelled["cancel_at_period_end"]!));
        Assert.Equal(paidAt.AddDays(10), Billing.Time(cancelled["cancelled_at"]));
        var sub = await billing.SubscriptionAsync(id);
        Assert.Equal(("cancelled", "Cancelled by the merchant: Customer moved away."), ((string)sub["status"]!, (string)sub["cancellation_reason"]!));
        Assert.Null(sub["next_charge_at"]);
        var canceled = Assert.Single(await billing.EventsAsync("subscription.canceled"));
        Assert.Equal((id, intentId, "Cancelled by the merchant: Customer moved away."),
            ((string)canceled["subscription_id"]!, (string)canceled["intent_id"]!, (string)canceled["message"]!));
        Assert.Equal("api", app.Scalar<string>(
            "SELECT actor_type FROM intent_logs WHERE intent_id = @intentId AND event_type = 'subscription.canceled'", new { intentId }));

        var again = await billing.CancelAsync(id);
        Assert.Equal("cancelled", (string)again["status"]!);
        Assert.Equal(paidAt.AddDays(10), Billing.Time(again["cancelled_at"]));
        Assert.Single(await billing.EventsAsync("subscription.canceled"));

        var year = await billing.AdvanceDaysAsync(365);
        Assert.Equal(0, (int)year["summary"]!["renewals"]!);
        Assert.Single((await billing.SubscriptionAsync(id))["charges"]!.AsArray());
        var intent = await Envelopes.AssertOk(await billing.Api.GetAsync($"{IntentCalls.Intents}/{intentId}"));
        Assert.Equal(("succeeded", "cancelled"), ((string)intent["status"]!, (string)intent["subscription"]!["status"]!));
    }

    [Fact]
    public async Task Cancel_AtPeriodEnd_KeepsThePaidPeriod_ThenEndsWithoutCharging()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (_, id) = await billing.SubscribeAsync(30);
        var paidAt = Billing.Time((await billing.SubscriptionAsync(id))["created_at"]);
        await billing.AdvanceDaysAsync(10);

        var scheduled = await billing.CancelAsync(id, new { at_period_end = true });

        Assert.Equal(("active", true), ((string)scheduled["status"]!, (bool)scheduled["cancel_at_period_end"]!));
        Assert.Null(scheduled["cancelled_at"]);
        Assert.Equal(paidAt.AddDays(30), Billing.Time(scheduled["current_period_end"]));
        var sub = await billing.SubscriptionAsync(id);
        Assert.Equal(("active", true), ((string)sub["status"]!, (bool)sub["cancel_at_period_end"]!));
        Assert.Null(sub["next_charge_at"]);
        Assert.Empty(await billing.EventsAsync("subscription.canceled"));
        Assert.True((bool)(await billing.CancelAsync(id, new { at_period_end = true }))["cancel_at_period_end"]!);

        var end = await billing.AdvanceDaysAsync(30);

        Assert.Equal((0, 1), ((int)end["summary"]!["renewals"]!, (int)end["summary"]!["cancellations"]!));
        sub = await billing.SubscriptionAsync(id);
        Assert.Equal(("cancelled", paidAt.AddDays(30)), ((string)sub["status"]!, Billing.Time(sub["cancelled_at"])));
        Assert.Single(sub["charges"]!.AsArray());
        var canceled = Assert.Single(await billing.EventsAsync("subscription.canceled"));
        Assert.Equal("Cancelled by the merchant at the end of the billing period.", (string)canceled["message"]!);
    }

    [Fact]
    public async Task Cancel_WhileARenewalChargeIsBeingConfirmed_Returns409_AndChangesNothing()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (_, id) = await billing.SubscribeAsync(30);
        var merchantId = app.Scalar<string>("SELECT merchant_id FROM subscriptions WHERE id = @id", new { id });
        var now = app.Clock.GetUtcNow().AddDays(30);
        await app.Services.GetRequiredService<PaymentHub.Features.TestClock.MerchantClock>().SaveAsync(merchantId, (long)TimeSpan.FromDays(30).TotalMilliseconds);
        await app.Services.GetRequiredService<Renewals>().ClaimAsync(id, now); // the renewal's answer has not been recorded yet

        var response = await billing.Api.PostAsync($"{Billing.Subscriptions}/{id}/cancel", null);

        await Envelopes.AssertError(response, HttpStatusCode.Conflict, code: "invalid_state");
        Assert.Equal("active", (string)(await billing.SubscriptionAsync(id))["status"]!);
        Assert.True((bool)(await billing.CancelAsync(id, new { at_period_end = true }))["cancel_at_period_end"]!);
    }

    [Fact]
    public async Task Cancel_WithAnInvalidBody_Returns422()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (_, id) = await billing.SubscribeAsync();
        var url = $"{Billing.Subscriptions}/{id}/cancel";

        await Envelopes.AssertValidationError(await billing.Api.PostJson(url, new { reason = new string('r', 501) }), "reason",
            "The reason must not be greater than 500 characters.");
        await Envelopes.AssertValidationError(await billing.Api.PostJson(url, """{"at_period_end": "yes"}"""), "at_period_end",
            "The at period end field must be true or false.");
        await Envelopes.AssertValidationError(await billing.Api.PostJson(url, """{"reason": 5}"""), "reason", "The reason must be a string.");
        Assert.Equal("active", (string)(await billing.SubscriptionAsync(id))["status"]!);
    }

    [Fact]
    public async Task HardDecline_OnRenewal_CancelsAtOnce_WithoutRetrying()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (_, id) = await billing.SubscribeAsync(30);
        // The customer's card is reported lost after the first payment: every later charge is a hard decline.
        await app.WriteAsync(tx => tx.Connection.ExecuteAsync(
            "UPDATE vaulted_cards SET behaviour = 'decline' WHERE vault_id = (SELECT vault_id FROM subscriptions WHERE id = @id)", new { id }, tx.Transaction));

        var advanced = await billing.AdvanceDaysAsync(60);

        Assert.Equal((1, 1), ((int)advanced["summary"]!["failures"]!, (int)advanced["summary"]!["cancellations"]!));
        var sub = await billing.SubscriptionAsync(id);
        Assert.Equal(("cancelled", 1), ((string)sub["status"]!, (int)sub["failed_attempts"]!));
        Assert.StartsWith("The card was declined (card_declined) and will not be charged again", (string)sub["cancellation_reason"]!);
        Assert.Equal(2, sub["charges"]!.AsArray().Count);
    }

    [Fact]
    public async Task SuccessfulRetry_MakesThePastDueSubscriptionActiveAgain_OnTheOriginalSchedule()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (_, id) = await billing.SubscribeAsync(30, CheckoutDriver.RenewalsDecline);
        var paidAt = Billing.Time((await billing.SubscriptionAsync(id))["created_at"]);
        await billing.AdvanceDaysAsync(32); // failed on day 30, and the retry of day 31
        Assert.Equal(("past_due", 2), ((string)(await billing.SubscriptionAsync(id))["status"]!, (int)(await billing.SubscriptionAsync(id))["failed_attempts"]!));
        // The customer updates their card: the next retry (day 33) goes through.
        await app.WriteAsync(tx => tx.Connection.ExecuteAsync(
            "UPDATE vaulted_cards SET behaviour = 'approve' WHERE vault_id = (SELECT vault_id FROM subscriptions WHERE id = @id)", new { id }, tx.Transaction));

        var retried = await billing.AdvanceDaysAsync(2);

        Assert.Equal(1, (int)retried["summary"]!["renewals"]!);
        var sub = await billing.SubscriptionAsync(id);
        Assert.Equal(("active", 0, 2), ((string)sub["status"]!, (int)sub["failed_attempts"]!, (int)sub["current_period"]!));
        Assert.Equal(paidAt.AddDays(30), Billing.Time(sub["current_period_start"]));
        Assert.Equal(paidAt.AddDays(60), Billing.Time(sub["next_charge_at"]));
        Assert.Equal(paidAt.AddDays(33), Billing.Time(sub["charges"]!.AsArray()[^1]!["created_at"]));
        Assert.Single(await billing.EventsAsync("subscription.renewed"));
        Assert.Equal(2, (await billing.EventsAsync("subscription.failed")).Count);
    }
}
