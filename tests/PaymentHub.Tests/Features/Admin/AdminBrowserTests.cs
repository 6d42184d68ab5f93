using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PaymentHub.Features.Intents;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Features.Checkout;
using PaymentHub.Tests.Features.Webhooks;
using PaymentHub.Tests.Infrastructure;
using PaymentHub.Tests.Infrastructure.Jobs;
using static Microsoft.Playwright.Assertions;
using CheckoutDriver = PaymentHub.Tests.Features.Payments.Checkout;

namespace PaymentHub.Tests.Features.Admin;

/// <summary>
/// The admin panel in real chromium against PaymentHub on Kestrel with its job server on: found by
/// the names people and screen readers use (labels, button and link names), on a desktop and a phone.
/// </summary>
public sealed class AdminBrowserTests(JobsServerFixture server, ChromiumFixture chromium)
    : IClassFixture<JobsServerFixture>, IClassFixture<ChromiumFixture>
{
    private static readonly string[] NavLinks =
        ["Dashboard", "Intents", "Subscriptions", "Customers", "API clients", "Webhooks", "Gateway", "Jobs", "Merchants"];

    private async Task<(IBrowserContext Context, IPage Page)> SignedInAsync(string username = "admin", string password = AdminClient.AdminPassword,
        BrowserNewContextOptions? options = null)
    {
        var (context, page) = await chromium.NewPageAsync(options);
        await SignInAsync(page, username, password);
        await Expect(page).ToHaveURLAsync(new Regex("/admin$"));
        return (context, page);
    }

    private async Task SignInAsync(IPage page, string username, string password)
    {
        await page.GotoAsync(server.BaseUrl + "/admin");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    private static ILocator Nav(IPage page, string name) =>
        page.GetByRole(AriaRole.Navigation, new() { Name = "Admin" }).GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    private async Task<(string Id, string Reference)> PaidIntentAsync(Func<IntentBuilder, IntentBuilder>? vary = null)
    {
        var reference = "BROWSER-" + Guid.NewGuid().ToString("N")[..8];
        var checkout = new CheckoutDriver(server);
        var intent = new IntentBuilder(reference).With("integration_type", "iframe").Without("success_url").Without("cancel_url");
        var (id, path) = await checkout.CreateAsync(vary?.Invoke(intent) ?? intent);
        await checkout.PayAsync(checkout.Browser(), path);
        return (id, reference);
    }

    /// <summary>
    /// A merchant of its own, added on the Merchants page, which puts it on screen (its webhook
    /// endpoints then receive no other test's events); returns a client of its test key over HTTP.
    /// </summary>
    private async Task<HttpClient> OwnMerchantAsync(IPage page)
    {
        var name = "Browser shop " + Guid.NewGuid().ToString("N")[..6];
        await Nav(page, "Merchants").ClickAsync();
        await page.GetByLabel("Shop name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add merchant" }).ClickAsync();
        await Expect(page.Locator("header.top .merchant")).ToHaveTextAsync(name);
        var key = await server.CreateClientAsync(server.Scalar<string>("SELECT id FROM merchants WHERE name = @name", new { name }));
        var api = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        api.DefaultRequestHeaders.Add("X-Client-ID", key.ClientId);
        api.DefaultRequestHeaders.Add("X-Client-Secret", key.ClientSecret);
        return api;
    }

    /// <summary>Reloads the page (it is rendered once, without script) until <paramref name="locator"/> contains <paramref name="text"/>.</summary>
    private static async Task ReloadUntilAsync(IPage page, ILocator locator, string text)
    {
        for (var i = 0; i < 75; i++)
        {
            if (await locator.CountAsync() > 0 && (await locator.InnerTextAsync()).Contains(text, StringComparison.Ordinal)) return;
            await Task.Delay(200);
            await page.ReloadAsync();
        }
        await Expect(locator).ToContainTextAsync(text);
    }

    [Fact]
    public async Task SignIn_ShowsTheDashboard_WithEveryNavigationLink()
    {
        var (context, page) = await chromium.NewPageAsync();
        await using var _ = context;

        await page.GotoAsync(server.BaseUrl + "/admin/customers");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/login\\?ReturnUrl="));
        await page.GetByLabel("Username").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(AdminClient.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/admin/customers$"));
        await Nav(page, "Dashboard").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Level = 1 })).ToBeVisibleAsync();
        foreach (var name in NavLinks) await Expect(Nav(page, name)).ToBeVisibleAsync();
        await Expect(Nav(page, "Dashboard")).ToHaveAttributeAsync("aria-current", "page");
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_LockTheAccount_EvenAgainstTheRightOne()
    {
        var name = await AdminClient.NewUserAsync(server, AdminRoles.Admin);
        var (context, page) = await chromium.NewPageAsync();
        await using var _ = context;

        for (var i = 0; i < AdminUsers.MaxFailures; i++)
        {
            await SignInAsync(page, name, "wrong-password-" + i);
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked");
        }
        await SignInAsync(page, name, AdminClient.AdminPassword);

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong username or password, or the account is locked");
        await Expect(page).ToHaveURLAsync(new Regex("/admin/login"));
        await Expect(page.GetByLabel("Password")).ToHaveValueAsync("");
    }

    [Fact]
    public async Task ApiClient_CreatedInThePanel_CallsTheApi()
    {
        var (context, page) = await SignedInAsync();
        await using var _ = context;

        await Nav(page, "API clients").ClickAsync();
        await page.GetByLabel("Name").FillAsync("Browser shop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create API client" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Copy its secret now");
        var id = await page.Locator("[data-reveal='X-Client-ID']").InnerTextAsync();
        var secret = await page.Locator("[data-reveal='X-Client-Secret']").InnerTextAsync();
        using var api = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        api.DefaultRequestHeaders.Add("X-Client-ID", id);
        api.DefaultRequestHeaders.Add("X-Client-Secret", secret);
        var created = await api.CreateIntentAsync(new IntentBuilder("FROM-PANEL-KEY-" + Guid.NewGuid().ToString("N")[..6]));
        Assert.Equal("requires_payment", (string?)created["status"]);
        await page.ReloadAsync();
        await Expect(page.GetByText(secret)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task FindAnIntent_SeeItsTimeline_AndRefundIt()
    {
        var (id, reference) = await PaidIntentAsync();
        var (context, page) = await SignedInAsync();
        await using var _ = context;

        await Nav(page, "Intents").ClickAsync();
        await page.GetByLabel("Intent ID or reference").FillAsync(reference);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex($"/admin/intents/{id}$"));
        var timeline = page.GetByRole(AriaRole.List, new() { Name = "Timeline" });
        await Expect(timeline).ToContainTextAsync("intent.created");
        await Expect(timeline).ToContainTextAsync("payment.succeeded");

        await page.GetByLabel("Amount to refund").FillAsync("30");
        await page.GetByLabel("Reason (optional)").FillAsync("damaged in transit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Refund", Exact = true }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Refunded USD 30.00.");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Refunds" })).ToContainTextAsync("succeeded");
        await Expect(timeline).ToContainTextAsync("refund.requested · admin");
        await page.ReloadAsync(); // post, redirect, get: reloading repeats nothing
        Assert.Equal(3000, server.Scalar<long>("SELECT refunded_amount FROM charges WHERE intent_id = @id AND status = 'success'", new { id }));
    }

    [Fact]
    public async Task Jobs_OpenFromTheNavigation_AndTriggerARecurringJob()
    {
        var intent = await server.LiveApi().CreateIntentIdAsync(new IntentBuilder().With("expires_in_minutes", 5));
        server.Clock.Advance(TimeSpan.FromMinutes(6));
        var (context, page) = await SignedInAsync();
        await using var _ = context;

        await Nav(page, "Jobs").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/jobs"));
        await page.GotoAsync(server.BaseUrl + "/admin/jobs/recurring");
        await page.Locator($"input[type=checkbox][value='{ExpireIntents.JobId}']").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Trigger now" }).ClickAsync();

        var status = "";
        for (var i = 0; i < 100 && status != "expired"; i++)
        {
            await Task.Delay(100);
            status = server.Scalar<string>("SELECT status FROM intents WHERE id = @intent", new { intent });
        }
        Assert.Equal("expired", status);
    }

    [Fact]
    public async Task AViewer_FindsNoWayToChangeAnything()
    {
        var (id, _) = await PaidIntentAsync();
        var (context, page) = await SignedInAsync(await AdminClient.NewUserAsync(server, AdminRoles.Viewer));
        await using var _ = context;

        await page.GotoAsync($"{server.BaseUrl}/admin/intents/{id}");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Timeline" })).ToContainTextAsync("payment.succeeded");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Refund", Exact = true })).ToHaveCountAsync(0);
        foreach (var (link, button) in new[] { ("API clients", "Create API client"), ("Webhooks", "Create webhook endpoint"), ("Gateway", "Save gateway settings"),
                     ("Merchants", "Add merchant") })
        {
            await Nav(page, link).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = button })).ToHaveCountAsync(0);
        }
        await page.GotoAsync(server.BaseUrl + "/admin/jobs/recurring");
        await Expect(page.GetByText(ExpireIntents.JobId).First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Trigger now" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task OnAPhone_TheNavigationWraps_AndNoPageScrollsSideways()
    {
        var (id, _) = await PaidIntentAsync(i => i.Recurring(30));
        var subscription = server.Scalar<string>("SELECT id FROM subscriptions WHERE intent_id = @id", new { id });
        // Disabled, so that the payments of the other tests are not sent to it.
        var endpoint = (string)(await Envelopes.AssertOk(await server.LiveApi().PostJson(Hooks.Endpoints,
            new { url = "https://shop.example/webhooks/paymenthub/a-rather-long-path-that-must-wrap", enabled = false })))["id"]!;
        var (context, page) = await SignedInAsync(options: new() { ViewportSize = new() { Width = 375, Height = 740 }, IsMobile = true, HasTouch = true });
        await using var _ = context;

        foreach (var name in NavLinks)
        {
            var box = await Nav(page, name).BoundingBoxAsync();
            Assert.True(box is not null && box.X >= 0 && box.X + box.Width <= 375, $"the {name} link lies outside the screen: {box?.X}..{box?.X + box?.Width}");
        }
        await Nav(page, "Customers").TapAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/customers$"));

        foreach (var path in new[] { "/admin", "/admin/intents", $"/admin/intents/{id}", "/admin/subscriptions", $"/admin/subscriptions/{subscription}",
                     "/admin/customers", "/admin/api-clients", "/admin/webhooks", $"/admin/webhooks/{endpoint}", "/admin/gateway", "/admin/settings",
                     "/admin/merchants", "/admin/users" })
        {
            await page.GotoAsync(server.BaseUrl + path);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"{path} scrolls {overflow}px sideways at 375px wide.");
        }
    }

    [Fact]
    public async Task ASubscription_FoundByItsCustomer_IsCancelledFromThePanel()
    {
        var customer = "SUB-" + Guid.NewGuid().ToString("N")[..8];
        var (intentId, _) = await PaidIntentAsync(i => i.Recurring(30).With("customer_ref_id", customer));
        var (context, page) = await SignedInAsync();
        await using var _ = context;

        await Nav(page, "Subscriptions").ClickAsync();
        await page.GetByLabel("Customer ref ID").FillAsync(customer);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("1 subscription in test mode match.");
        await page.GetByRole(AriaRole.Table).GetByRole(AriaRole.Link, new() { Name = "sub_" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/subscriptions/sub_[0-9a-f-]+$"));
        await page.GetByLabel("Reason (optional)").FillAsync("Customer asked by phone");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel subscription" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The subscription was cancelled; it will not be charged again.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("cancelled");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Details" })).ToContainTextAsync("Cancelled by the merchant: Customer asked by phone.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel subscription" })).ToBeHiddenAsync();
        Assert.Equal("cancelled", server.Scalar<string>("SELECT status FROM subscriptions WHERE intent_id = @intentId", new { intentId }));
        Assert.Equal(1, server.Scalar<long>("SELECT COUNT(*) FROM events WHERE intent_id = @intentId AND type = 'subscription.canceled'", new { intentId }));
        await page.GetByRole(AriaRole.Link, new() { Name = "the intent that started it" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Timeline" })).ToContainTextAsync("subscription.canceled · admin");
    }

    [Fact]
    public async Task AWebhookEndpoint_CreatedInThePanel_ShowsItsSecretOnce()
    {
        var (context, page) = await SignedInAsync();
        await using var _ = context;
        await OwnMerchantAsync(page);

        await Nav(page, "Webhooks").ClickAsync();
        await page.GetByLabel("Endpoint URL").FillAsync("https://shop.example/webhooks/paymenthub");
        await page.GetByLabel("Description (optional)").FillAsync("Order system");
        await page.GetByLabel("payment.succeeded").CheckAsync();
        await page.GetByLabel("payment.refunded").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create webhook endpoint" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Copy its signing secret now: it is not shown again.");
        var secret = await page.Locator("[data-reveal='Signing secret']").InnerTextAsync();
        Assert.Matches("^whsec_[A-Za-z0-9+/=]{32,}$", secret);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("https://shop.example/webhooks/paymenthub");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Details" })).ToContainTextAsync("payment.refunded, payment.succeeded");
        await page.ReloadAsync();
        await Expect(page.GetByText(secret)).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-reveal]")).ToHaveCountAsync(0);
        await Nav(page, "Webhooks").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Endpoints" })).ToContainTextAsync("Order system");
        await Expect(page.GetByText(secret)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AFailedWebhookDelivery_RetriedFromThePanel_Succeeds()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = r => r.Attempt == 1 ? new WebhookReceiver.Reply(500, Body: "not ready yet") : new WebhookReceiver.Reply(Body: "got it");
        var (context, page) = await SignedInAsync();
        await using var _ = context;
        using var api = await OwnMerchantAsync(page);
        await Nav(page, "Webhooks").ClickAsync();
        await page.GetByLabel("Endpoint URL").FillAsync(receiver.Url);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create webhook endpoint" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Copy its signing secret now");

        // An event: the API cancels an intent; the job server sends it at once, and the receiver answers 500.
        var intent = await api.CreateIntentIdAsync();
        Assert.Equal(HttpStatusCode.OK, (await api.CancelAsync(intent)).StatusCode);
        var eventId = server.Scalar<string>("SELECT id FROM events WHERE intent_id = @intent AND type = 'payment.canceled'", new { intent });
        await receiver.WaitAsync(r => r.Count == 1);
        var delivery = page.GetByRole(AriaRole.Region, new() { Name = eventId });
        await ReloadUntilAsync(page, delivery, "attempt 1 failed (HTTP 500)");
        await Expect(delivery.GetByRole(AriaRole.Table, new() { Name = $"Attempts of {eventId}" })).ToContainTextAsync("not ready yet");

        await delivery.GetByRole(AriaRole.Button, new() { Name = "Retry now" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"{eventId} is being sent to this endpoint again now");
        await receiver.WaitAsync(r => r.Count == 2);
        await ReloadUntilAsync(page, delivery, "succeeded");
        var attempts = delivery.GetByRole(AriaRole.Table, new() { Name = $"Attempts of {eventId}" }).GetByRole(AriaRole.Row);
        await Expect(attempts).ToHaveCountAsync(3); // the header and two attempts
        await Expect(attempts.Nth(1)).ToContainTextAsync("500");
        await Expect(attempts.Nth(2)).ToContainTextAsync("200");
        await Expect(attempts.Nth(2)).ToContainTextAsync("got it");
        await Expect(delivery.GetByRole(AriaRole.Button, new() { Name = "Retry now" })).ToHaveCountAsync(0);
        await delivery.GetByText("Payload").ClickAsync();
        await Expect(delivery.Locator("pre")).ToContainTextAsync(intent);
        Assert.Equal([eventId, eventId], receiver.Requests.Select(r => r.Id));
    }

    [Fact]
    public async Task ShopSettings_SetInThePanel_AreWhatCustomersSeeOnTheCheckout()
    {
        var (context, page) = await SignedInAsync();
        await using var _ = context;
        await page.RouteAsync("https://cdn.bakery.example/**", route => route.FulfillAsync(new()
        {
            ContentType = "image/svg+xml",
            Body = "<svg xmlns='http://www.w3.org/2000/svg' width='80' height='40'><rect width='80' height='40' fill='#0a7d32'/></svg>",
        }));

        await Nav(page, "Merchants").ClickAsync();
        await page.GetByLabel("Shop name").FillAsync("Browser Bakery");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add merchant" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Note).Filter(new() { HasText = "origins" })).ToContainTextAsync("No allowed origins are set.");
        await page.GetByLabel("Support email").FillAsync("crumbs@bakery.example");
        await page.GetByLabel("Logo URL").FillAsync("https://cdn.bakery.example/logo.svg");
        await page.GetByLabel("Brand colour").FillAsync("#0a7d32");
        await page.GetByLabel("Allowed origins (iframe mode)").FillAsync("https://bakery.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Settings saved.");
        await Expect(page.GetByText("No allowed origins are set.")).ToHaveCountAsync(0);

        await Nav(page, "API clients").ClickAsync();
        await page.GetByLabel("Name").FillAsync("Bakery site");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create API client" }).ClickAsync();
        using var api = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        api.DefaultRequestHeaders.Add("X-Client-ID", await page.Locator("[data-reveal='X-Client-ID']").InnerTextAsync());
        api.DefaultRequestHeaders.Add("X-Client-Secret", await page.Locator("[data-reveal='X-Client-Secret']").InnerTextAsync());
        var intent = await api.CreateIntentAsync();

        await page.GotoAsync((string)intent["payment_url"]!);
        await Expect(page.GetByTestId("merchant")).ToHaveTextAsync("Browser Bakery");
        var logo = page.Locator("header.merchant-head img");
        await Expect(logo).ToHaveAttributeAsync("src", "https://cdn.bakery.example/logo.svg");
        Assert.True(await logo.EvaluateAsync<int>("img => img.naturalWidth") > 0, "the logo did not load under the checkout's policy");
        var pay = page.GetByRole(AriaRole.Button, new() { Name = "Pay $80.00" });
        await Expect(pay).ToHaveCSSAsync("background-color", "rgb(10, 125, 50)");
        await Expect(pay).ToHaveCSSAsync("color", "rgb(255, 255, 255)");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "crumbs@bakery.example" })).ToHaveAttributeAsync("href", "mailto:crumbs@bakery.example");
    }
}
