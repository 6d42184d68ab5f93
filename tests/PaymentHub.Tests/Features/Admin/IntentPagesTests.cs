using System.Net;
using System.Text.RegularExpressions;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Infrastructure;
using CheckoutDriver = PaymentHub.Tests.Features.Payments.Checkout;

namespace PaymentHub.Tests.Features.Admin;

/// <summary>Intents in the panel: listing with the API's filters, the detail page, and capture, refund and cancel through the API's handlers.</summary>
public sealed class IntentPagesTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private async Task<string> PaidAsync(bool manual = false, string? reference = null)
    {
        var checkout = new CheckoutDriver(app);
        var (id, path) = await checkout.CreateAsync(new IntentBuilder(reference).With("capture_method", manual ? "manual" : "automatic")
            .With("integration_type", "iframe").Without("success_url").Without("cancel_url"));
        await checkout.PayAsync(checkout.Browser(), path);
        return id;
    }

    [Fact]
    public async Task Intents_ListsTheMerchantsTestIntents_FilteredAsTheApiFilters()
    {
        var reference = "ADMIN-LIST-" + Guid.NewGuid().ToString("N")[..6];
        await app.Api().CreateIntentAsync(new IntentBuilder(reference).With("customer_ref_id", reference));
        var admin = await AdminClient.SignInAsync(app);

        var all = await admin.PageAsync("/admin/intents");
        var filtered = await admin.PageAsync($"/admin/intents?customer_ref_id={reference}&status=requires_payment");
        var none = await admin.PageAsync($"/admin/intents?customer_ref_id={reference}&status=succeeded");
        var invalid = await admin.PageAsync("/admin/intents?created_from=yesterday");

        Assert.Contains(reference, all);
        Assert.Contains(reference, filtered);
        Assert.Contains("1 intent in test mode match", filtered);
        Assert.DoesNotContain(reference + "</a>", none);
        Assert.Contains("The created from is not a valid date", invalid);
    }

    [Fact]
    public async Task Find_ByReference_OpensTheIntent_AndItsTimeline()
    {
        var reference = "ADMIN-FIND-" + Guid.NewGuid().ToString("N")[..6];
        var id = await PaidAsync(reference: reference);
        var admin = await AdminClient.SignInAsync(app);

        var found = await admin.GetAsync($"/admin/intents?find={reference}");
        Assert.Equal(HttpStatusCode.Found, found.StatusCode);
        Assert.EndsWith($"/admin/intents/{id}", found.Headers.Location!.ToString());
        var page = await admin.PageAsync($"/admin/intents/{id}");

        Assert.Contains("USD 80.00", page);
        Assert.Contains("intent.created", page);
        Assert.Contains("payment.succeeded", page);
        Assert.Contains("4242", page);
        Assert.Contains("Refund", page);
    }

    [Fact]
    public async Task Refund_FromThePanel_RefundsThroughTheApiHandler_LoggedAsAdmin()
    {
        var id = await PaidAsync();
        var admin = await AdminClient.SignInAsync(app);

        var response = await admin.SubmitAsync($"/admin/intents/{id}", "refund", ("Refund.Amount", "30"), ("Refund.Reason", "damaged"));

        var page = await admin.FollowAsync(response);
        Assert.Contains("Refunded USD 30.00.", page);
        Assert.Equal(3000, app.Scalar<long>("SELECT refunded_amount FROM charges WHERE intent_id = @id AND status = 'success'", new { id }));
        Assert.Equal("admin", app.Scalar<string>("SELECT actor_type FROM intent_logs WHERE intent_id = @id AND event_type = 'refund.requested'", new { id }));
        Assert.Equal(1, app.Scalar<long>("SELECT COUNT(*) FROM events WHERE intent_id = @id AND type = 'payment.refunded'", new { id }));
    }

    [Fact]
    public async Task Refund_OfMoreThanIsLeft_ShowsTheApisMessageNextToTheAmount()
    {
        var id = await PaidAsync();
        var admin = await AdminClient.SignInAsync(app);

        var tooMuch = await admin.SubmitAsync($"/admin/intents/{id}", "refund", ("Refund.Amount", "80.01"));
        var notANumber = await admin.SubmitAsync($"/admin/intents/{id}", "refund", ("Refund.Amount", "lots"));

        var html = await tooMuch.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, tooMuch.StatusCode);
        Assert.Matches("<p class=\"field-error\" id=\"refund-amount-error\">The amount must not be greater than the refundable 80.00.</p>", html);
        Assert.Matches("<input id=\"refund-amount\"[^>]*aria-invalid=\"true\"", html);
        Assert.Contains("The amount must be a number.", await notANumber.Content.ReadAsStringAsync());
        Assert.Equal(0, app.Scalar<long>("SELECT COUNT(*) FROM refunds WHERE intent_id = @id", new { id }));
    }

    [Fact]
    public async Task Capture_AndCancel_FromThePanel()
    {
        var captured = await PaidAsync(manual: true);
        var cancelled = await PaidAsync(manual: true);
        var admin = await AdminClient.SignInAsync(app);

        var capture = await admin.FollowAsync(await admin.SubmitAsync($"/admin/intents/{captured}", "capture", ("Capture.Amount", "50")));
        var cancel = await admin.FollowAsync(await admin.SubmitAsync($"/admin/intents/{cancelled}", "cancel"));

        Assert.Contains("Captured USD 50.00.", capture);
        Assert.Equal("succeeded", app.Scalar<string>("SELECT status FROM intents WHERE id = @captured", new { captured }));
        Assert.Contains("The payment was cancelled.", cancel);
        Assert.Equal("cancelled", app.Scalar<string>("SELECT status FROM intents WHERE id = @cancelled", new { cancelled }));
        Assert.Equal("admin", app.Scalar<string>("SELECT actor_type FROM intent_logs WHERE intent_id = @cancelled AND event_type = 'payment.canceled'", new { cancelled }));
    }

    [Fact]
    public async Task ARefusedAction_IsShownAsAnError_AfterTheRedirect()
    {
        var id = await PaidAsync();
        var admin = await AdminClient.SignInAsync(app);
        var page = await admin.PageAsync($"/admin/intents/{id}");
        await admin.SubmitAsync($"/admin/intents/{id}", "refund");

        // The same form again, as from a tab opened before the first refund.
        var (_, hidden) = AdminClient.FindForm(page, "refund")!.Value;
        var again = await admin.FollowAsync(await admin.PostAsync($"/admin/intents/{id}", hidden));

        Assert.Matches(new Regex("class=\"flash error\" role=\"alert\">This charge has already been refunded in full."), again);
    }

    [Fact]
    public async Task AViewer_SeesNoActions_AndTheirPostsAreRefused()
    {
        var id = await PaidAsync();
        var viewer = await AdminClient.SignInAsync(app, await AdminClient.NewUserAsync(app, AdminRoles.Viewer));
        var admin = await AdminClient.SignInAsync(app);
        var (_, hidden) = AdminClient.FindForm(await admin.PageAsync($"/admin/intents/{id}"), "refund")!.Value;
        var viewersPage = await viewer.PageAsync($"/admin/intents/{id}");

        var response = await viewer.PostAsync($"/admin/intents/{id}", [.. hidden.Where(h => h.Name != "__af"), ("__af", await viewer.TokenAsync())]);

        Assert.Null(AdminClient.FindForm(viewersPage, "refund"));
        Assert.Contains("can look but not change", viewersPage);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, app.Scalar<long>("SELECT COUNT(*) FROM refunds WHERE intent_id = @id", new { id }));
    }

    [Fact]
    public async Task AnotherMerchantsIntent_OrAnotherModes_IsNotFound()
    {
        var other = await app.NewMerchantApiAsync();
        var id = await other.CreateIntentIdAsync();
        var admin = await AdminClient.SignInAsync(app);

        var response = await admin.GetAsync($"/admin/intents/{id}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<h1>Not found</h1>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Customers_FindsACustomersIntentsAndSubscriptions_ByRefOrEmail()
    {
        var reference = "CUST-" + Guid.NewGuid().ToString("N")[..6];
        var email = $"{reference.ToLowerInvariant()}@example.com";
        var checkout = new CheckoutDriver(app);
        var (id, path) = await checkout.CreateAsync(new IntentBuilder().Recurring(30).With("customer_ref_id", reference).With("email", email)
            .With("integration_type", "iframe").Without("success_url").Without("cancel_url"));
        await checkout.PayAsync(checkout.Browser(), path);
        var admin = await AdminClient.SignInAsync(app);

        var byRef = await admin.PageAsync($"/admin/customers?q={reference}");
        var byEmail = await admin.PageAsync($"/admin/customers?q={Uri.EscapeDataString(email)}");
        var recent = await admin.PageAsync("/admin/customers");

        foreach (var page in new[] { byRef, byEmail })
        {
            Assert.Contains(id, page);
            Assert.Contains("sub_", page);
            Assert.Contains("USD 80.00 / 30 days", page);
        }
        Assert.Contains(email, recent);
    }
}
