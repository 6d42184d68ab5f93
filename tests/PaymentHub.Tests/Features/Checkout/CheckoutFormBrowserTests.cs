using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PaymentHub.Features.Merchants;
using PaymentHub.Features.Merchants.Contracts;
using PaymentHub.Tests.Features.Gateways;
using PaymentHub.Tests.Features.Payments;
using PaymentHub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PaymentHub.Tests.Features.Checkout;

/// <summary>
/// The payment form as a customer on a phone uses it (375×740, real chromium): the merchant at the
/// top, the card formatted as typed, problems found before anything is posted and shown beside
/// their fields, Pay busy while the payment is on its way, and the paid page.
/// </summary>
public sealed class CheckoutFormBrowserTests(LiveServerFixture server, ChromiumFixture chromium)
    : IClassFixture<LiveServerFixture>, IClassFixture<ChromiumFixture>
{
    private const int Width = 375;
    // The app's clock starts on 22 November 2026 (TestClock): 10/26 is past, 12/34 is not.
    private const string PastExpiry = "10/26";

    [Fact]
    public async Task Page_ShowsTheMerchantsNameAndLogo()
    {
        var merchant = await server.CreateMerchantAsync();
        await server.WriteAsync(tx => MerchantProfiles.UpdateAsync(tx, merchant,
            new MerchantSettingsUpdate("Acme Coffee", null, "https://cdn.acme.example/logo.svg", null, null, null)));
        var intent = await server.Api(await server.CreateClientAsync(merchant)).CreateIntentAsync();
        var (context, page) = await PhoneAsync();
        await using var _ = context;
        await page.RouteAsync("https://cdn.acme.example/**", route => route.FulfillAsync(new()
        {
            ContentType = "image/svg+xml",
            Body = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"40\"><rect width=\"120\" height=\"40\" fill=\"#0a2540\"/></svg>",
        }));

        await page.GotoAsync((string)intent["payment_url"]!);

        var header = page.Locator("header.merchant-head");
        await Expect(header).ToHaveTextAsync("Acme Coffee");
        await Expect(page).ToHaveTitleAsync("Pay Acme Coffee");
        var logo = header.Locator("img");
        await Expect(logo).ToBeVisibleAsync();
        // Loaded, so the page's Content-Security-Policy lets the merchant's logo through.
        Assert.True(await logo.EvaluateAsync<bool>("img => img.complete && img.naturalWidth === 120"), "The logo did not load.");
        await AssertFitsWidth(page);
    }

    [Fact]
    public async Task Amounts_AreWrittenInTheCurrencysLocalFormat()
    {
        var (context, page) = await PhoneAsync();
        await using var _ = context;

        await page.GotoAsync(await CreateIntent(new IntentBuilder()));
        await Expect(page.GetByTestId("due")).ToHaveTextAsync("$80.00");
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("$80.00");
        await Expect(PayButton(page)).ToHaveAccessibleNameAsync("Pay $80.00");

        await page.GotoAsync(await CreateIntent(new IntentBuilder().Recurring(30).With("currency", "JPY").With("amount", 1200)
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "Tea club", ["quantity"] = 1, ["price"] = 1200 }))));
        await Expect(page.GetByTestId("due")).ToHaveTextAsync("¥1,200 every 30 days");
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("¥1,200");
        await Expect(page.GetByTestId("terms")).ToContainTextAsync("¥1,200 every 30 days, first charge today");
        await Expect(PayButton(page)).ToHaveAccessibleNameAsync("Pay ¥1,200");
        await AssertFitsWidth(page);
    }

    [Theory]
    [InlineData("4242424242424242", "4242 4242 4242 4242", "visa", "Visa")]
    [InlineData("5555555555554444", "5555 5555 5555 4444", "mastercard", "Mastercard")]
    [InlineData("378282246310005", "3782 822463 10005", "amex", "American Express")]
    [InlineData("6011111111111117", "6011 1111 1111 1117", "discover", "Discover")]
    public async Task CardNumber_IsGroupedAsTyped_AndShowsTheBrand(string typed, string shown, string brand, string brandName)
    {
        var (context, page) = await PhoneAsync();
        await using var _ = context;
        await page.GotoAsync(await CreateIntent(new IntentBuilder()));
        var number = Field(page, "Card number");
        var badge = page.Locator("#card_brand");
        await Expect(badge).ToHaveAttributeAsync("data-brand", "unknown");
        await Expect(badge.Locator("svg.b-unknown")).ToBeVisibleAsync();

        await number.PressSequentiallyAsync(typed);

        await Expect(number).ToHaveValueAsync(shown);
        await Expect(badge).ToHaveAttributeAsync("data-brand", brand);
        await Expect(badge.Locator($"svg.b-{brand}")).ToBeVisibleAsync();
        await Expect(badge.Locator("svg:visible")).ToHaveCountAsync(1);
        // Said to screen readers, which don't see the badge.
        await Expect(page.Locator("#card_brand_name")).ToHaveTextAsync(brandName);
        // No more digits than the brand's cards have.
        await number.PressSequentiallyAsync("9999");
        if (brand == "amex") await Expect(number).ToHaveValueAsync(shown);
        else await Expect(number).ToHaveValueAsync(shown + " 999");
    }

    [Fact]
    public async Task CardNumber_EditedInTheMiddle_KeepsTheCaretAfterTheDigitTyped()
    {
        var (context, page) = await PhoneAsync();
        await using var _ = context;
        await page.GotoAsync(await CreateIntent(new IntentBuilder()));
        var number = Field(page, "Card number");
        await number.PressSequentiallyAsync("424242424242424");

        await number.EvaluateAsync("input => input.setSelectionRange(3, 3)");
        await page.Keyboard.TypeAsync("1");
        await page.Keyboard.TypeAsync("7");

        await Expect(number).ToHaveValueAsync("4241 7242 4242 4242 4");
        Assert.Equal(6, await number.EvaluateAsync<int>("input => input.selectionStart"));
        await page.Keyboard.PressAsync("Backspace");
        await Expect(number).ToHaveValueAsync("4241 2424 2424 2424");
        Assert.Equal(4, await number.EvaluateAsync<int>("input => input.selectionStart"));
    }

    [Fact]
    public async Task Expiry_GetsItsSlashAsTyped()
    {
        var (context, page) = await PhoneAsync();
        await using var _ = context;
        await page.GotoAsync(await CreateIntent(new IntentBuilder()));
        var expiry = Field(page, "Expiry (MM/YY)");

        await expiry.PressSequentiallyAsync("12");
        await Expect(expiry).ToHaveValueAsync("12 / ");
        await expiry.PressSequentiallyAsync("34");
        await Expect(expiry).ToHaveValueAsync("12 / 34");

        // Backspace over the slash takes it away with the space.
        await expiry.PressAsync("Backspace");
        await expiry.PressAsync("Backspace");
        await Expect(expiry).ToHaveValueAsync("12 / ");
        await expiry.PressAsync("Backspace");
        await Expect(expiry).ToHaveValueAsync("12");

        // A month that can't have a second digit is a month already; so is "1/".
        await expiry.FillAsync("");
        await expiry.PressSequentiallyAsync("4");
        await Expect(expiry).ToHaveValueAsync("04 / ");
        await expiry.FillAsync("");
        await expiry.PressSequentiallyAsync("1/2");
        await Expect(expiry).ToHaveValueAsync("01 / 2");

        // Pasted or filled by the browser with the slash or a four-digit year, it reads the same.
        await expiry.FillAsync("09/2031");
        await Expect(expiry).ToHaveValueAsync("09 / 31");
    }

    [Fact]
    public async Task Pay_WithALuhnFailingNumberAndAPastExpiry_IsStoppedInTheBrowser_EachProblemBesideItsField_FocusOnTheFirst()
    {
        var (id, url) = await CreateIntentWithId(new IntentBuilder());
        var (context, page) = await PhoneAsync();
        await using var _ = context;
        var posts = CountPosts(page);
        await page.GotoAsync(url);

        await Field(page, "Name on card").FillAsync("Jane Customer");
        await Field(page, "Card number").PressSequentiallyAsync("4242424242424241");
        await Field(page, "Expiry (MM/YY)").PressSequentiallyAsync(PastExpiry.Replace("/", ""));
        await Field(page, "CVC").PressSequentiallyAsync("123");
        await PayButton(page).ClickAsync();

        await AssertInvalid(page, "Card number", "Your card number is invalid. Check it and try again.");
        await AssertInvalid(page, "Expiry (MM/YY)", "Your card's expiry date is in the past.");
        await AssertValid(page, "Name on card");
        await AssertValid(page, "CVC");
        await Expect(Field(page, "Card number")).ToBeFocusedAsync();
        await AssertFitsWidth(page);

        // Typing in a field takes its error away; the others stay until checked again.
        await Field(page, "Card number").FillAsync("4242 4242 4242 4242");
        await AssertValid(page, "Card number");
        await AssertInvalid(page, "Expiry (MM/YY)", "Your card's expiry date is in the past.");

        Assert.Empty(posts);
        Assert.Empty((await GetIntent(id))["charges"]!.AsArray());
    }

    [Fact]
    public async Task Pay_WithNothingFilledIn_SaysWhatEachFieldNeeds_AndFocusesTheName()
    {
        var (context, page) = await PhoneAsync();
        await using var _ = context;
        var posts = CountPosts(page);
        await page.GotoAsync(await CreateIntent(new IntentBuilder()));

        await PayButton(page).ClickAsync();

        await AssertInvalid(page, "Name on card", "Enter the name on the card.");
        await AssertInvalid(page, "Card number", "Enter the card number.");
        await AssertInvalid(page, "Expiry (MM/YY)", "Enter the expiry date as MM/YY.");
        await AssertInvalid(page, "CVC", "Enter the card's security code (CVC).");
        await Expect(Field(page, "Name on card")).ToBeFocusedAsync();
        Assert.Empty(posts);
    }

    [Theory]
    [InlineData("42424242424", "Your card number is incomplete.", null)]
    [InlineData("4242424242424242", null, "1299")]
    public async Task Fields_AreCheckedOnLeavingThemForTheNext(string number, string? numberError, string? expiry)
    {
        var (context, page) = await PhoneAsync();
        await using var _ = context;
        await page.GotoAsync(await CreateIntent(new IntentBuilder()));

        await Field(page, "Card number").PressSequentiallyAsync(number);
        await page.Keyboard.PressAsync("Tab");
        if (numberError is not null) await AssertInvalid(page, "Card number", numberError);
        else await AssertValid(page, "Card number");
        if (expiry is null) return;

        await Field(page, "Expiry (MM/YY)").PressSequentiallyAsync(expiry);
        await page.Keyboard.PressAsync("Tab");
        await AssertInvalid(page, "Expiry (MM/YY)", "Your card's expiry date is more than 20 years away. Check it and try again.");
    }

    [Fact]
    public async Task Pay_ShowsItIsBusy_WhileThePaymentIsOnItsWay_AndASecondPressSendsNothing()
    {
        var (id, url) = await CreateIntentWithId(new IntentBuilder());
        var (context, page) = await PhoneAsync();
        await using var _ = context;
        var posts = CountPosts(page);
        await page.GotoAsync(url);
        await FillCard(page, Payments.Checkout.Decline);
        // The page leaves for the answer, so what Pay looks like once the form goes is noted as it happens.
        await page.EvaluateAsync("""
            () => {
              const pay = document.querySelector('button.pay');
              new MutationObserver(() => {
                if (pay.getAttribute('aria-busy') !== 'true' || sessionStorage.getItem('busy')) return;
                const spinner = pay.querySelector('.spinner'), box = spinner.getBoundingClientRect();
                sessionStorage.setItem('busy', JSON.stringify({
                  text: pay.innerText.trim(), ariaDisabled: pay.getAttribute('aria-disabled'), focused: document.activeElement === pay,
                  spinner: getComputedStyle(spinner).display !== 'none' && box.width > 0 && box.height > 0,
                  status: document.getElementById('pay-status').textContent }));
              }).observe(pay, { attributes: true, childList: true, subtree: true, characterData: true });
            }
            """);

        // The payment is held on its way while Pay is pressed again.
        var sent = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        await page.RouteAsync(url, async route =>
        {
            if (route.Request.Method == "POST") { sent.TrySetResult(); await release.Task; }
            await route.FallbackAsync();
        });
        var box = (await PayButton(page).BoundingBoxAsync())!;
        var first = PayButton(page).ClickAsync();
        await sent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await page.Mouse.ClickAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForTimeoutAsync(300);
        release.SetResult();
        await first;

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("declined");
        var busy = JsonNode.Parse(await page.EvaluateAsync<string>("() => sessionStorage.getItem('busy')"))!;
        Assert.Equal("Processing…", (string?)busy["text"]);
        Assert.True((bool)busy["spinner"]!, "The spinner was not showing.");
        Assert.Equal("true", (string?)busy["ariaDisabled"]);
        Assert.True((bool)busy["focused"]!, "Pay lost the focus when it went busy.");
        Assert.Equal("Processing your payment…", (string?)busy["status"]);
        // One post, one attempt: the second press was refused while the first was on its way.
        Assert.Single(posts);
        Assert.Single((await GetIntent(id))["charges"]!.AsArray());

        // The answer is a fresh form: Pay is itself again and the bank's answer has the focus.
        await Expect(PayButton(page)).ToHaveAccessibleNameAsync("Pay $80.00");
        await Expect(PayButton(page)).Not.ToHaveAttributeAsync("aria-busy", "true");
        await Expect(page.GetByRole(AriaRole.Alert)).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Pay_Approved_TheSuccessPageShowsTheCardsBrandAndLast4AndTheCustomersEmail()
    {
        var (id, url) = await CreateIntentWithId(new IntentBuilder().With("integration_type", "iframe")
            .Without("success_url").Without("cancel_url").With("email", "jane@shop.example"));
        var (context, page) = await PhoneAsync();
        await using var _ = context;
        await page.GotoAsync(url);

        await Field(page, "Name on card").FillAsync("Jane Customer");
        await Field(page, "Card number").PressSequentiallyAsync("378282246310005");
        await Field(page, "Expiry (MM/YY)").PressSequentiallyAsync("1234");
        await Field(page, "CVC").PressSequentiallyAsync("1234");
        await PayButton(page).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Payment successful");
        var details = page.GetByRole(AriaRole.Table, new() { Name = "Payment details" });
        await Expect(details.GetByRole(AriaRole.Row, new() { NameRegex = new Regex(@"^Paid with\s*American Express\s+ending in\s+0005$") })).ToBeVisibleAsync();
        await Expect(details.GetByRole(AriaRole.Row, new() { NameRegex = new Regex(@"^Customer\s*jane@shop\.example$") })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("$80.00");
        await AssertFitsWidth(page);
        var charge = Assert.Single((await GetIntent(id))["charges"]!.AsArray())!;
        Assert.Equal("amex", (string?)charge["card_brand"]);
        Assert.Equal("0005", (string?)charge["card_last4"]);

        // The link opened again later shows the same.
        await page.GotoAsync(url);
        await Expect(page.GetByTestId("paid-with")).ToContainTextAsync("American Express");
        await Expect(page.GetByTestId("customer")).ToHaveTextAsync("jane@shop.example");
    }

    [Fact]
    public async Task WithoutScript_TheServerChecksTheForm_AndShowsEachProblemBesideItsField_FocusOnTheFirst()
    {
        var (id, url) = await CreateIntentWithId(new IntentBuilder());
        var (context, page) = await PhoneAsync(javaScript: false);
        await using var _ = context;
        await page.GotoAsync(url);

        await Field(page, "Name on card").FillAsync("Jane Customer");
        await Field(page, "Card number").FillAsync("4242 4242 4242 4241");
        await Field(page, "Expiry (MM/YY)").FillAsync(PastExpiry);
        await Field(page, "CVC").FillAsync("12");
        var response = await page.RunAndWaitForResponseAsync(() => PayButton(page).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url == url);

        Assert.Equal(422, response.Status);
        await AssertInvalid(page, "Card number", "Your card number is invalid. Check it and try again.");
        await AssertInvalid(page, "Expiry (MM/YY)", "Your card's expiry date is in the past.");
        await AssertInvalid(page, "CVC", "Your card's security code (CVC) is invalid.");
        await AssertValid(page, "Name on card");
        await Expect(Field(page, "Card number")).ToBeFocusedAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        // The name comes back; the card never does.
        await Expect(Field(page, "Name on card")).ToHaveValueAsync("Jane Customer");
        await Expect(Field(page, "Card number")).ToHaveValueAsync("");
        await AssertFitsWidth(page);
        Assert.Empty((await GetIntent(id))["charges"]!.AsArray());
    }

    [Fact]
    public async Task LiveMode_ChecksTheNameThenHandsTheCardToCollectJs_AndPostsOnlyItsToken()
    {
        await using var nmi = await FakeNmi.StartAsync();
        var live = await LiveMerchant.CreateAsync(server, nmi);
        var (id, path) = await live.CreateIntentAsync(new IntentBuilder().With("integration_type", "iframe").Without("success_url").Without("cancel_url"));
        var (context, page) = await PhoneAsync();
        await using var _ = context;
        // Collect.js as the page uses it: configure, then startPaymentRequest answers the callback with a token.
        await page.RouteAsync(nmi.BaseUrl + "/token/Collect.js", route => route.FulfillAsync(new()
        {
            ContentType = "text/javascript",
            Body = "window.CollectJS = { requests: 0, configure: function (c) { this.config = c; }, startPaymentRequest: function () {"
                + $" this.requests++; var config = this.config; setTimeout(function () {{ config.callback({{ token: '{FakeNmi.TestToken}' }}); }}, 0); }} }};",
        }));
        var posted = new List<string>();
        page.Request += (_, r) => { if (r.Method == "POST") posted.Add(r.PostData ?? ""); };
        await page.GotoAsync(server.BaseUrl + path);

        await PayButton(page).ClickAsync();
        await AssertInvalid(page, "Name on card", "Enter the name on the card.");
        Assert.Equal(0, await page.EvaluateAsync<int>("() => CollectJS.requests"));

        await Field(page, "Name on card").FillAsync("Jane Customer");
        await PayButton(page).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Payment successful");

        var form = Assert.Single(posted);
        Assert.Contains($"payment_token={FakeNmi.TestToken}", form);
        Assert.DoesNotContain("card_number", form);
        Assert.DoesNotContain("card_cvc", form);
        Assert.Equal(FakeNmi.TestToken, nmi.LastTransact["payment_token"]);
        var intent = await Envelopes.AssertOk(await live.Api().GetAsync($"/api/platform/intents/{id}"));
        Assert.Equal("succeeded", (string?)intent["status"]);
    }

    private async Task<(IBrowserContext Context, IPage Page)> PhoneAsync(bool javaScript = true) =>
        await chromium.NewPageAsync(new() { ViewportSize = new() { Width = Width, Height = 740 }, JavaScriptEnabled = javaScript });

    private static ILocator Field(IPage page, string label) => page.GetByLabel(label, new() { Exact = true });

    private static ILocator PayButton(IPage page) => page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^(Pay|Processing)") });

    private static async Task FillCard(IPage page, string number)
    {
        await Field(page, "Name on card").FillAsync("Jane Customer");
        await Field(page, "Card number").FillAsync(number);
        await Field(page, "Expiry (MM/YY)").FillAsync("12/34");
        await Field(page, "CVC").FillAsync("123");
    }

    /// <summary>The field is marked invalid and described by its error, which shows beside it.</summary>
    private static async Task AssertInvalid(IPage page, string label, string message)
    {
        var field = Field(page, label);
        await Expect(field).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(field).ToHaveAccessibleDescriptionAsync(message);
        var error = page.Locator("#" + await field.GetAttributeAsync("aria-describedby"));
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToHaveTextAsync(message);
        // Beside its field: right below it, in the same column.
        var (input, text) = (await field.BoundingBoxAsync(), await error.BoundingBoxAsync());
        Assert.True(input is not null && text is not null && text.Y >= input.Y + input.Height && text.Y - (input.Y + input.Height) < 24
            && text.X >= input.X - 1 && text.X < input.X + input.Width, $"The error for {label} is not right below its field.");
    }

    private static async Task AssertValid(IPage page, string label)
    {
        var field = Field(page, label);
        await Expect(field).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(field).ToHaveAccessibleDescriptionAsync("");
        await Expect(page.Locator($"#{await field.GetAttributeAsync("id")}-error")).ToBeHiddenAsync();
    }

    private static async Task AssertFitsWidth(IPage page)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The page scrolls {overflow}px sideways at {Width}px wide.");
    }

    /// <summary>The form posts the page sends to PaymentHub.</summary>
    private List<IRequest> CountPosts(IPage page)
    {
        var posts = new List<IRequest>();
        page.Request += (_, r) => { if (r.Method == "POST" && r.Url.StartsWith(server.BaseUrl + "/pay/", StringComparison.Ordinal)) lock (posts) posts.Add(r); };
        return posts;
    }

    private async Task<string> CreateIntent(IntentBuilder builder) => (await CreateIntentWithId(builder)).Url;

    private async Task<(string Id, string Url)> CreateIntentWithId(IntentBuilder builder)
    {
        using var api = server.LiveApi();
        var response = await api.PostJson("/api/platform/intents", builder.Json());
        var body = await response.Body();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Create intent returned {(int)response.StatusCode}: {body.ToJsonString()}");
        return ((string)body["data"]!["intent_id"]!, (string)body["data"]!["payment_url"]!);
    }

    private async Task<JsonNode> GetIntent(string id)
    {
        using var api = server.LiveApi();
        return await Envelopes.AssertOk(await api.GetAsync($"/api/platform/intents/{id}"));
    }
}
