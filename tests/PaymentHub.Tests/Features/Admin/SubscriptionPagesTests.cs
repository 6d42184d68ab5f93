using System.Net;
using System.Text.RegularExpressions;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Features.Subscriptions;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Admin;

/// <summary>Subscriptions in the panel: the API's listing and filters, the detail page, and cancelling through the API's handler.</summary>
public sealed class SubscriptionPagesTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    /// <summary>A merchant of its own with customers who subscribed on the checkout, and the panel showing it.</summary>
    private async Task<(Billing Billing, AdminClient Admin)> OwnMerchantAsync()
    {
        var merchant = await app.CreateMerchantAsync("Subscription shop");
        var billing = new Billing(app, app.Api(await app.CreateClientAsync(merchant)));
        var admin = await AdminClient.SignInAsync(app);
        Assert.Equal(HttpStatusCode.Found, (await admin.SwitchMerchantAsync(merchant)).StatusCode);
        return (billing, admin);
    }

    private static IntentBuilder Customer(string reference, string email) =>
        new IntentBuilder().With("customer_ref_id", reference).With("email", email).With("name", "Ada " + reference);

    private static string Text(string html) => WebUtility.HtmlDecode(html);

    [Fact]
    public async Task Subscriptions_ListsTheMerchantsSubscriptions_FilteredAsTheApiFilters()
    {
        var (billing, admin) = await OwnMerchantAsync();
        var (_, a) = await billing.SubscribeAsync(intent: Customer("CUST-A", "a@example.com"));
        var (_, b) = await billing.SubscribeAsync(15, intent: Customer("CUST-B", "b@example.com"));
        await billing.CancelAsync(b);

        var all = await admin.PageAsync("/admin/subscriptions");
        var cancelled = await admin.PageAsync("/admin/subscriptions?status=cancelled");
        var byRef = await admin.PageAsync("/admin/subscriptions?customer_ref_id=CUST-A");
        var byEmail = await admin.PageAsync("/admin/subscriptions?email=b%40example.com");
        var invalid = Text(await admin.PageAsync("/admin/subscriptions?status=paused&page=0"));

        Assert.Contains("2 subscriptions in test mode.", all);
        Assert.Contains($"href=\"/admin/subscriptions/{a}\"", all);
        Assert.Contains($"href=\"/admin/subscriptions/{b}\"", all);
        Assert.Contains("USD 80.00 / 30 days", all);
        Assert.Contains("USD 80.00 / 15 days", all);
        Assert.Contains("1 subscription in test mode match.", cancelled);
        Assert.Contains(b, cancelled);
        Assert.DoesNotContain(a, cancelled);
        Assert.Contains(a, byRef);
        Assert.DoesNotContain(b, byRef);
        Assert.Contains(b, byEmail);
        Assert.DoesNotContain(a, byEmail);
        Assert.Contains("The selected status is invalid. Use one of: active, past_due, cancelled.", invalid);
        Assert.DoesNotContain(a, invalid);
    }

    [Fact]
    public async Task Subscriptions_ArePaged_TwentyFiveAPage_NewestFirst()
    {
        var (billing, admin) = await OwnMerchantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 26; i++) ids.Add((await billing.SubscribeAsync(intent: Customer($"PAGED-{i}", $"paged{i}@example.com"))).SubscriptionId);

        var first = await admin.PageAsync("/admin/subscriptions?customer_ref_id=&status=");
        var olderLink = Regex.Match(first, "<a href=\"([^\"]+)\" rel=\"next\">Older</a>").Groups[1].Value;
        var second = await admin.PageAsync(WebUtility.HtmlDecode(olderLink));

        Assert.Contains("26 subscriptions in test mode.", first);
        Assert.DoesNotContain(ids[0], first);
        Assert.Contains(ids[25], first);
        Assert.Contains("page=2", olderLink);
        Assert.Contains(ids[0], second);
        Assert.DoesNotContain(ids[25], second);
        Assert.Contains("rel=\"prev\">Newer</a>", second);
        Assert.DoesNotContain("rel=\"next\"", second);
    }

    [Fact]
    public async Task Subscription_ShowsItsTermsPeriodChargesAndIntent()
    {
        var (billing, admin) = await OwnMerchantAsync();
        var (intentId, id) = await billing.SubscribeAsync(14, intent: Customer("CUST-D", "d@example.com"));
        var sub = await billing.SubscriptionAsync(id);

        var html = Text(await admin.PageAsync($"/admin/subscriptions/{id}"));

        Assert.Contains("<h1>USD 80.00 every 14 days <span class=\"status active\">active</span></h1>", html);
        Assert.Contains("<dt>Customer</dt><dd>Ada CUST-D, d@example.com (CUST-D)</dd>", html);
        Assert.Contains("<dt>Interval</dt><dd>every 14 days</dd>", html);
        Assert.Contains("<dt>Current period</dt><dd>1: 2026-11-22 12:00 UTC to 2026-12-06 12:00 UTC</dd>", html);
        Assert.Contains($"<dt>Next charge</dt><dd>{Minute(sub["next_charge_at"])}</dd>", html);
        Assert.Contains("<dt>Failed attempts</dt><dd>0</dd>", html);
        Assert.Contains("visa •••• 4242, expires 12/30", html);
        Assert.Contains($"<a href=\"/admin/intents/{intentId}\">{intentId}</a>", html);
        Assert.Matches(new Regex("aria-labelledby=\"charges\">.*?<td>sale</td>.*?status success", RegexOptions.Singleline), html);
        Assert.Contains("Cancel subscription", html);
        // The intent's page and the customer's page lead here.
        Assert.Contains($"href=\"/admin/subscriptions/{id}\"", await admin.PageAsync($"/admin/intents/{intentId}"));
        var customer = Text(await admin.PageAsync("/admin/customers?q=CUST-D"));
        Assert.Contains($"href=\"/admin/subscriptions/{id}\"", customer);
        Assert.Contains("href=\"/admin/subscriptions?customer_ref_id=CUST-D\">All subscriptions of CUST-D</a>", customer);
    }

    private static string Minute(System.Text.Json.Nodes.JsonNode? time) =>
        Billing.Time(time).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Cancel_FromThePanel_RunsTheApisHandler_WritingItsLogRowAndEventAsAdmin()
    {
        var (billing, admin) = await OwnMerchantAsync();
        var (intentId, id) = await billing.SubscribeAsync(intent: Customer("CUST-C", "c@example.com"));
        var page = await admin.PageAsync($"/admin/subscriptions/{id}");

        var cancelled = Text(await admin.FollowAsync(await admin.SubmitAsync($"/admin/subscriptions/{id}", "cancel-subscription",
            ("Cancel.Reason", "Moving abroad"))));

        Assert.Contains("The subscription was cancelled; it will not be charged again.", cancelled);
        Assert.Contains("<dt>Cancellation</dt><dd>Cancelled by the merchant: Moving abroad. (2026-11-22 12:00 UTC)</dd>", cancelled);
        Assert.Contains("Nothing to do: this subscription is cancelled.", cancelled);
        var sub = await billing.SubscriptionAsync(id);
        Assert.Equal(("cancelled", "Cancelled by the merchant: Moving abroad."), ((string)sub["status"]!, (string)sub["cancellation_reason"]!));
        Assert.Null(sub["next_charge_at"]);
        Assert.Equal("admin", app.Scalar<string>(
            "SELECT actor_type FROM intent_logs WHERE intent_id = @intentId AND event_type = 'subscription.canceled'", new { intentId }));
        var canceled = Assert.Single(await billing.EventsAsync("subscription.canceled"));
        Assert.Equal((id, "Cancelled by the merchant: Moving abroad."), ((string)canceled["subscription_id"]!, (string)canceled["message"]!));

        // The same form again, as from a tab opened before: the API's no-op, and no second event.
        var (_, hidden) = AdminClient.FindForm(page, "cancel-subscription")!.Value;
        var again = Text(await admin.FollowAsync(await admin.PostAsync($"/admin/subscriptions/{id}", hidden)));
        Assert.Contains("This subscription was cancelled already.", again);
        Assert.Single(await billing.EventsAsync("subscription.canceled"));
    }

    [Fact]
    public async Task Cancel_AtPeriodEnd_KeepsItActiveUntilThen_AndStopsTheNextCharge()
    {
        var (billing, admin) = await OwnMerchantAsync();
        var (intentId, id) = await billing.SubscribeAsync(intent: Customer("CUST-E", "e@example.com"));

        var scheduled = Text(await admin.FollowAsync(await admin.SubmitAsync($"/admin/subscriptions/{id}", "cancel-subscription",
            ("Cancel.AtPeriodEnd", "true"))));

        Assert.Contains("The subscription will be cancelled at the end of its billing period, 2026-12-22 12:00 UTC", scheduled);
        Assert.Contains("active until 2026-12-22 12:00 UTC, then cancelled", scheduled);
        Assert.Contains("<dt>Next charge</dt><dd>none</dd>", scheduled);
        var sub = await billing.SubscriptionAsync(id);
        Assert.Equal(("active", true), ((string)sub["status"]!, (bool)sub["cancel_at_period_end"]!));
        Assert.Equal("admin", app.Scalar<string>(
            "SELECT actor_type FROM intent_logs WHERE intent_id = @intentId AND event_type = 'subscription.cancel_scheduled'", new { intentId }));
        Assert.Empty(await billing.EventsAsync("subscription.canceled"));

        await billing.AdvanceDaysAsync(31);
        Assert.Equal("cancelled", (string)(await billing.SubscriptionAsync(id))["status"]!);
        Assert.Single(await billing.EventsAsync("subscription.canceled"));
        Assert.Equal(1, app.Scalar<long>("SELECT COUNT(*) FROM charges WHERE subscription_id = @id", new { id }));
    }

    [Fact]
    public async Task Cancel_WithAReasonTooLong_IsRefusedNextToTheField_AndChangesNothing()
    {
        var (billing, admin) = await OwnMerchantAsync();
        var (_, id) = await billing.SubscribeAsync();

        var response = await admin.SubmitAsync($"/admin/subscriptions/{id}", "cancel-subscription", ("Cancel.Reason", new string('x', 501)));

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches("<p class=\"field-error\" id=\"cancel-reason-error\">The reason must not be greater than 500 characters.</p>", html);
        Assert.Equal("active", (string)(await billing.SubscriptionAsync(id))["status"]!);
    }

    [Fact]
    public async Task AViewer_SeesNoCancelButton_AndTheirPostIsRefused_AsIsAPostWithoutItsToken()
    {
        var (billing, admin) = await OwnMerchantAsync();
        var (_, id) = await billing.SubscribeAsync();
        var viewer = await AdminClient.SignInAsync(app, await AdminClient.NewUserAsync(app, AdminRoles.Viewer));
        await viewer.SwitchMerchantAsync(app.Scalar<string>("SELECT merchant_id FROM subscriptions WHERE id = @id", new { id }));
        var (_, hidden) = AdminClient.FindForm(await admin.PageAsync($"/admin/subscriptions/{id}"), "cancel-subscription")!.Value;

        var viewersPage = await viewer.PageAsync($"/admin/subscriptions/{id}");
        var byViewer = await viewer.PostAsync($"/admin/subscriptions/{id}", [.. hidden.Where(h => h.Name != "__af"), ("__af", await viewer.TokenAsync())]);
        var withoutToken = await admin.PostAsync($"/admin/subscriptions/{id}", hidden.Where(h => h.Name != "__af"));

        Assert.Null(AdminClient.FindForm(viewersPage, "cancel-subscription"));
        Assert.Contains("can look but not change subscriptions", viewersPage);
        Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        Assert.Contains("Read-only access", await byViewer.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, withoutToken.StatusCode);
        Assert.Contains("This form has expired", await withoutToken.Content.ReadAsStringAsync());
        Assert.Equal("active", (string)(await billing.SubscriptionAsync(id))["status"]!);
    }

    [Fact]
    public async Task AnotherMerchantsSubscription_IsNotFound()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (_, id) = await billing.SubscribeAsync();
        var admin = await AdminClient.SignInAsync(app);

        var response = await admin.GetAsync($"/admin/subscriptions/{id}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<h1>Not found</h1>", await response.Content.ReadAsStringAsync());
    }
}
