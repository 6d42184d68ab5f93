using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PaymentHub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PaymentHub.Tests.Features.Checkout;

/// <summary>The hosted checkout driven through real chromium against PaymentHub on Kestrel.</summary>
public sealed class CheckoutBrowserTests(LiveServerFixture server, ChromiumFixture chromium)
    : IClassFixture<LiveServerFixture>, IClassFixture<ChromiumFixture>
{
    private const string ApprovedCard = "4242 4242 4242 4242";
    private const string DeclinedCard = "4000 0000 0000 0002";
    // The app's clock starts in November 2026 (TestClock), so this expiry is in the future.
    private const string Expiry = "12/34";
    private const string Merchant = "https://example.com";

    [Fact]
    public async Task Pay_WithApprovedCard_RedirectsToSuccessUrlAndIntentSucceeds()
    {
        var intent = await CreateIntent(new IntentBuilder());
        var (context, page) = await chromium.NewPageAsync();
        await using var _ = context;
        await ServeMerchantPages(page);

        await page.GotoAsync(intent.PaymentUrl);
        await FillCard(page, ApprovedCard);
        await PayButton(page).ClickAsync();

        await page.WaitForURLAsync(new Regex("^https://example\\.com/success\\?"));
        var query = QueryOf(page.Url);
        Assert.Equal(intent.Id, query.GetValueOrDefault("intent_id"));
        Assert.Equal(intent.ReferenceId, query.GetValueOrDefault("reference_id"));

        var after = await GetIntent(intent.Id);
        Assert.Equal("succeeded", (string?)after["status"]);
        var charge = Assert.Single(after["charges"]!.AsArray());
        Assert.Equal("success", (string?)charge!["status"]);
        Assert.Equal("4242", (string?)charge["card_last4"]);
    }

    [Fact]
    public async Task Pay_DeclinedThenApprovedCard_ShowsErrorThenSucceeds()
    {
        var intent = await CreateIntent(new IntentBuilder());
        var (context, page) = await chromium.NewPageAsync();
        await using var _ = context;
        await ServeMerchantPages(page);

        await page.GotoAsync(intent.PaymentUrl);
        await FillCard(page, DeclinedCard);
        await PayButton(page).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("declined", new() { IgnoreCase = true });
        Assert.StartsWith(intent.PaymentUrl, page.Url, StringComparison.Ordinal);
        // The page keeps the name but never echoes the card back.
        await Expect(page.GetByLabel("Name on card", new() { Exact = true })).ToHaveValueAsync("Jane Customer");
        await Expect(page.GetByLabel("Card number", new() { Exact = true })).ToHaveValueAsync("");

        await FillCard(page, ApprovedCard);
        await PayButton(page).ClickAsync();
        await page.WaitForURLAsync(new Regex("^https://example\\.com/success\\?"));

        var after = await GetIntent(intent.Id);
        Assert.Equal("succeeded", (string?)after["status"]);
        var statuses = after["charges"]!.AsArray().Select(c => (string?)c!["status"] ?? "").ToArray();
        Assert.Equal(["failed", "success"], statuses);
    }

    [Fact]
    public async Task Cancel_InUrlMode_RedirectsToCancelUrlAndCancelsIntent()
    {
        var intent = await CreateIntent(new IntentBuilder());
        var (context, page) = await chromium.NewPageAsync();
        await using var _ = context;
        await ServeMerchantPages(page);

        await page.GotoAsync(intent.PaymentUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();

        await page.WaitForURLAsync(new Regex("^https://example\\.com/cancel\\?"));
        var query = QueryOf(page.Url);
        Assert.Equal(intent.Id, query.GetValueOrDefault("intent_id"));
        Assert.Equal(intent.ReferenceId, query.GetValueOrDefault("reference_id"));

        var after = await GetIntent(intent.Id);
        Assert.Equal("cancelled", (string?)after["status"]);
        Assert.Empty(after["charges"]!.AsArray());
    }

    [Fact]
    public async Task Pay_InIframeMode_PostsStartedThenSuccessToParent()
    {
        var intent = await CreateIntent(new IntentBuilder()
            .With("integration_type", "iframe").Without("success_url").Without("cancel_url"));
        var (context, page) = await chromium.NewPageAsync();
        await using var _ = context;

        // Same host, other port: see ParentPageServer.
        await using var parent = await ParentPageServer.StartAsync(ParentPage(intent.PaymentUrl));
        Assert.NotEqual(new Uri(server.BaseUrl).Port, new Uri(parent.Url).Port);

        var console = new List<string>();
        page.Console += (_, m) => console.Add(m.Text);
        await page.GotoAsync(parent.Url);
        await WaitForFrameEvent(page, "payment.started", console);
        var frame = page.FrameLocator("iframe");
        await FillCard(frame, ApprovedCard);
        await frame.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Pay") }).ClickAsync();
        await WaitForFrameEvent(page, "payment.success", console);

        var events = JsonNode.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.events)"))!.AsArray();
        Assert.Equal(["payment.started", "payment.success"], events.Select(e => (string?)e!["event"] ?? "").ToArray());
        foreach (var e in events)
        {
            Assert.Equal(intent.Id, (string?)e!["intent_id"]);
            Assert.Equal(intent.ReferenceId, (string?)e["client_reference_id"]);
            Assert.False(string.IsNullOrEmpty((string?)e["message"]));
        }
        Assert.Equal("succeeded", (string?)events[1]!["status"]);
        Assert.Equal("succeeded", (string?)(await GetIntent(intent.Id))["status"]);
    }

    [Fact]
    public async Task Pay_InIframeMode_WithAllowedOrigins_IsFramedAndPostsToTheMerchantsPage()
    {
        await using var parent = await ParentPageServer.StartAsync(r => ParentPage(r.Query["src"].ToString()));
        var intent = await CreateIntent(new IntentBuilder()
            .With("integration_type", "iframe").Without("success_url").Without("cancel_url")
            .With("allowed_origins", new JsonArray("https://shop.example", parent.Origin)));
        var (context, page) = await chromium.NewPageAsync();
        await using var _ = context;
        var console = new List<string>();
        page.Console += (_, m) => console.Add(m.Text);

        await page.GotoAsync($"{parent.Url}?src={Uri.EscapeDataString(intent.PaymentUrl)}");
        await WaitForFrameEvent(page, "payment.started", console);
        var frame = page.FrameLocator("iframe");
        await FillCard(frame, ApprovedCard);
        await frame.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Pay") }).ClickAsync();
        await WaitForFrameEvent(page, "payment.success", console);

        // One event per kind: the copies addressed to the other allowed origin are not delivered here.
        var events = JsonNode.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.events)"))!.AsArray();
        Assert.Equal(["payment.started", "payment.success"], events.Select(e => (string?)e!["event"] ?? "").ToArray());
    }

    [Fact]
    public async Task IframeMode_WithOtherAllowedOrigins_IsNotFramedByThisPage_AndPostsItNothing()
    {
        await using var parent = await ParentPageServer.StartAsync(r => ParentPage(r.Query["src"].ToString()));
        var intent = await CreateIntent(new IntentBuilder()
            .With("integration_type", "iframe").Without("success_url").Without("cancel_url")
            .With("allowed_origins", new JsonArray("https://shop.example")));
        var (context, page) = await chromium.NewPageAsync();
        await using var _ = context;
        var blocked = new TaskCompletionSource<string>();
        page.Console += (_, m) => { if (m.Text.Contains("frame-ancestors", StringComparison.Ordinal)) blocked.TrySetResult(m.Text); };

        await page.GotoAsync($"{parent.Url}?src={Uri.EscapeDataString(intent.PaymentUrl)}");

        // Chromium reports the refusal on the console; the checkout never runs inside the frame.
        var report = await blocked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("https://shop.example", report);
        await page.WaitForTimeoutAsync(500);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.events.length"));
        Assert.Equal(0, await frame(page).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Pay") }).CountAsync());
        static IFrameLocator frame(IPage p) => p.FrameLocator("iframe");
    }

    [Fact]
    public async Task Pay_InIframeMode_PostsErrorsAndFailedToParent()
    {
        var intent = await CreateIntent(new IntentBuilder()
            .With("integration_type", "iframe").Without("success_url").Without("cancel_url"));
        var (context, page) = await chromium.NewPageAsync();
        await using var _ = context;
        await using var parent = await ParentPageServer.StartAsync(ParentPage(intent.PaymentUrl));
        var console = new List<string>();
        page.Console += (_, m) => console.Add(m.Text);
        await page.GotoAsync(parent.Url);
        await WaitForFrameEvent(page, "payment.started", console);
        var frame = page.FrameLocator("iframe");
        var pay = frame.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Pay") });

        // Caught in the page, each beside its field: no name, then a 16-digit number that fails the Luhn check.
        await FillCard(frame, ApprovedCard);
        await frame.GetByLabel("Name on card", new() { Exact = true }).FillAsync("");
        await pay.ClickAsync();
        await Expect(frame.GetByLabel("Name on card", new() { Exact = true })).ToHaveAccessibleDescriptionAsync("Enter the name on the card.");
        await page.WaitForFunctionAsync("() => window.events.length >= 2");

        await FillCard(frame, "4242 4242 4242 4241");
        await pay.ClickAsync();
        await Expect(frame.GetByLabel("Card number", new() { Exact = true })).ToHaveAccessibleDescriptionAsync(new Regex("card number is invalid"));
        await page.WaitForFunctionAsync("() => window.events.length >= 3");

        await FillCard(frame, DeclinedCard);
        await pay.ClickAsync();
        await WaitForFrameEvent(page, "payment.failed", console);

        var events = JsonNode.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.events)"))!.AsArray();
        Assert.Equal(["payment.started", "error", "error", "payment.failed"], events.Select(e => (string?)e!["event"] ?? "").ToArray());
        // Error events carry type 'error' and a message, as iframe integrations expect.
        foreach (var error in events.Where(e => (string?)e!["event"] == "error"))
        {
            Assert.Equal("error", (string?)error!["type"]);
            Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        }
        var failed = events[3]!;
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Equal(intent.Id, (string?)failed["intent_id"]);
        Assert.Equal(intent.ReferenceId, (string?)failed["client_reference_id"]);
        Assert.False(string.IsNullOrEmpty((string?)failed["message"]));
    }

    [Fact]
    public async Task Open_ExpiredIntent_SaysLinkExpiredWithoutCardForm()
    {
        var intent = await CreateIntent(new IntentBuilder().With("expires_in_minutes", 5));
        server.Clock.Advance(TimeSpan.FromMinutes(10));
        var (context, page) = await chromium.NewPageAsync();
        await using var _ = context;

        var response = await page.GotoAsync(intent.PaymentUrl);

        Assert.NotNull(response);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("expired", new() { IgnoreCase = true });
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("expired");
        await Expect(page.GetByLabel("Card number", new() { Exact = true })).ToHaveCountAsync(0);
        await Expect(PayButton(page)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Checkout_OnPhoneViewport_FitsWidthAndTabsThroughFieldsToPay()
    {
        var intent = await CreateIntent(new IntentBuilder());
        var (context, page) = await chromium.NewPageAsync(new() { ViewportSize = new() { Width = 375, Height = 667 } });
        await using var _ = context;

        await page.GotoAsync(intent.PaymentUrl);

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The page scrolls {overflow}px horizontally at 375px wide.");
        var pay = PayButton(page);
        await Expect(pay).ToBeVisibleAsync();
        var box = await pay.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.X >= 0 && box.X + box.Width <= 375, $"The Pay button spans x={box.X}..{box.X + box.Width}, outside 0..375.");

        await page.GetByLabel("Name on card", new() { Exact = true }).FocusAsync();
        foreach (var next in new[] { Field(page, "Card number"), Field(page, "Expiry (MM/YY)"), Field(page, "CVC"), pay })
        {
            await page.Keyboard.PressAsync("Tab");
            await Expect(next).ToBeFocusedAsync();
        }
    }

    /// <summary>Waits for the parent to record a postMessage event; on timeout says what it did record and what the frame shows.</summary>
    private static async Task WaitForFrameEvent(IPage page, string name, IReadOnlyList<string> console)
    {
        try
        {
            await page.WaitForFunctionAsync("name => window.events.some(e => e && e.event === name)", name);
        }
        catch (TimeoutException)
        {
            var recorded = await page.EvaluateAsync<string>("() => JSON.stringify(window.events)");
            var frames = string.Join("\n---\n", await Task.WhenAll(page.Frames.Skip(1).Select(async f => f.Url + "\n" + await f.InnerTextAsync("body"))));
            Assert.Fail($"The parent never received {name}. Recorded: {recorded}\nConsole: {string.Join("\n", console)}\nFrames: {frames}");
        }
    }

    /// <summary>A merchant page that records every message it receives and embeds the checkout.</summary>
    private static string ParentPage(string paymentUrl) => $$"""
        <!doctype html><html><body>
        <script>window.events = []; window.addEventListener('message', function (e) { window.events.push(e.data); });</script>
        <iframe src="{{paymentUrl}}" width="480" height="900" title="Checkout"></iframe>
        </body></html>
        """;

    private sealed record CreatedIntent(string Id, string ReferenceId, string PaymentUrl);

    private async Task<CreatedIntent> CreateIntent(IntentBuilder builder)
    {
        using var api = server.LiveApi();
        var response = await api.PostJson("/api/platform/intents", builder.Json());
        var body = await response.Body();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Create intent returned {(int)response.StatusCode}: {body.ToJsonString()}");
        var data = body["data"]!;
        var paymentUrl = (string)data["payment_url"]!;
        Assert.StartsWith(server.BaseUrl + "/pay/", paymentUrl, StringComparison.Ordinal);
        var id = (string)data["intent_id"]!;
        var fetched = await GetIntent(id);
        return new CreatedIntent(id, (string)fetched["reference_id"]!, paymentUrl);
    }

    private async Task<JsonNode> GetIntent(string id)
    {
        using var api = server.LiveApi();
        var response = await api.GetAsync($"/api/platform/intents/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Body())["data"]!;
    }

    /// <summary>The merchant's success and cancel pages, answered by the browser itself so no test touches the internet.</summary>
    private static Task ServeMerchantPages(IPage page) =>
        page.RouteAsync(Merchant + "/**", route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = "<!doctype html><title>Merchant</title><h1>Back at the merchant</h1>",
        }));

    private static async Task FillCard(IPage page, string number)
    {
        await page.GetByLabel("Name on card", new() { Exact = true }).FillAsync("Jane Customer");
        await page.GetByLabel("Card number", new() { Exact = true }).FillAsync(number);
        await page.GetByLabel("Expiry (MM/YY)", new() { Exact = true }).FillAsync(Expiry);
        await page.GetByLabel("CVC", new() { Exact = true }).FillAsync("123");
    }

    private static async Task FillCard(IFrameLocator frame, string number)
    {
        await frame.GetByLabel("Name on card", new() { Exact = true }).FillAsync("Jane Customer");
        await frame.GetByLabel("Card number", new() { Exact = true }).FillAsync(number);
        await frame.GetByLabel("Expiry (MM/YY)", new() { Exact = true }).FillAsync(Expiry);
        await frame.GetByLabel("CVC", new() { Exact = true }).FillAsync("123");
    }

    private static ILocator Field(IPage page, string label) => page.GetByLabel(label, new() { Exact = true });

    private static ILocator PayButton(IPage page) =>
        page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Pay") });

    private static Dictionary<string, string> QueryOf(string url) =>
        new Uri(url).Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "");
}
