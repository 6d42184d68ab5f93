using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PaymentHub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PaymentHub.Tests.Features.Checkout;

/// <summary>
/// The payment form as a customer on a phone uses it (375×740, real chromium).
/// </summary>
public sealed class CheckoutFormBrowserTests(LiveServerFixture server, ChromiumFixture chromium)
    : IClassFixture<LiveServerFixture>, IClassFixture<ChromiumFixture>
{
    private const int Width = 375;
    // The app's clock starts on 22 November 2026 (TestClock): 10/26 is past, 12/34 is not.
    private const string PastExpiry = "10/26";

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

    private async Task<(IBrowserContext Context, IPage Page)> PhoneAsync(bool javaScript = true) =>
        await chromium.NewPageAsync(new() { ViewportSize = new() { Width = Width, Height = 740 }, JavaScriptEnabled = javaScript });

    private static ILocator Field(IPage page, string label) => page.GetByLabel(label, new() { Exact = true });

    private static ILocator PayButton(IPage page) => page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^(Pay|Processing)") });

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
