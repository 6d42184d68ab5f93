using System.Net;
using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

public sealed class PayIntentTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly Checkout _checkout = new(app);

    [Fact]
    public async Task Pay_WithApprovedCard_RedirectsToSuccessUrlAndRecordsChargeAndEvent()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder("PAY-OK").With("metadata", new JsonObject { ["order"] = "77" }));

        var response = await _checkout.PayAsync(_checkout.Browser(), path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"https://example.com/success?intent_id={id}&reference_id=PAY-OK", response.Headers.Location!.ToString());
        var intent = await _checkout.IntentAsync(id);
        Assert.Equal("succeeded", (string)intent["status"]!);
        var charge = Assert.Single(intent["charges"]!.AsArray())!;
        Assert.Equal("success", (string)charge["status"]!);
        Assert.Equal("80.00", (string)charge["amount"]!);
        Assert.Equal("4242", (string)charge["card_last4"]!);
        Assert.Equal("visa", (string)charge["card_brand"]!);
        Assert.StartsWith("sim_", (string)charge["gateway_transaction_id"]!);

        var events = await _checkout.EventsAsync(id);
        var succeeded = Assert.Single(events, e => e.Type == "payment.succeeded");
        var payload = JsonNode.Parse(succeeded.Payload)!;
        Assert.Equal(id, (string)payload["intent_id"]!);
        Assert.Equal((long)charge["id"]!, (long)payload["charge_id"]!);
        Assert.Equal("77", (string)payload["metadata"]!["order"]!);
        Assert.False((bool)payload["livemode"]!);
    }

    [Fact]
    public async Task Pay_WithDeclinedCard_ShowsTheDeclineAndLeavesTheIntentPayable()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());

        var response = await _checkout.PayAsync(_checkout.Browser(), path, Checkout.Decline);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Your card was declined.", html);
        Assert.Contains("4 attempts left", html);
        Checkout.AssertCardFieldsEmpty(html);
        var intent = await _checkout.IntentAsync(id);
        Assert.Equal("requires_payment", (string)intent["status"]!);
        var charge = Assert.Single(intent["charges"]!.AsArray())!;
        Assert.Equal("failed", (string)charge["status"]!);
        Assert.Equal("card_declined", (string)charge["failure_code"]!);
        var failed = Assert.Single(await _checkout.EventsAsync(id), e => e.Type == "payment.failed");
        Assert.Equal("Your card was declined.", (string)JsonNode.Parse(failed.Payload)!["message"]!);
    }

    [Fact]
    public async Task Pay_DeclinedThenApproved_SucceedsOnTheRetry()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());
        var browser = _checkout.Browser();

        await _checkout.PayAsync(browser, path, Checkout.InsufficientFunds);
        var retry = await _checkout.PayAsync(browser, path);

        Assert.Equal(HttpStatusCode.Redirect, retry.StatusCode);
        var intent = await _checkout.IntentAsync(id);
        Assert.Equal("succeeded", (string)intent["status"]!);
        Assert.Equal(["failed", "success"], intent["charges"]!.AsArray().Select(c => (string)c!["status"]!));
    }

    [Fact]
    public async Task Pay_FiveDeclines_FailsTheIntentAndRedirectsToFailUrl()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder("PAY-FIVE").With("fail_url", "https://example.com/fail?x=1"));
        var browser = _checkout.Browser();

        HttpResponseMessage last = null!;
        for (var i = 0; i < 5; i++) last = await _checkout.PayAsync(browser, path, Checkout.Decline);

        Assert.Equal(HttpStatusCode.Redirect, last.StatusCode);
        Assert.Equal($"https://example.com/fail?x=1&intent_id={id}&reference_id=PAY-FIVE", last.Headers.Location!.ToString());
        var intent = await _checkout.IntentAsync(id);
        Assert.Equal("failed", (string)intent["status"]!);
        Assert.Equal(5, intent["charges"]!.AsArray().Count);

        var page = await browser.GetAsync(path);
        Assert.Contains("Payment failed", await page.Content.ReadAsStringAsync());
        Assert.Equal(5, (await _checkout.EventsAsync(id)).Count(e => e.Type == "payment.failed"));
    }

    [Fact]
    public async Task Pay_ProcessingError_IsAFailedAttemptNotAnUnknownOne()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());

        await _checkout.PayAsync(_checkout.Browser(), path, "4000 0000 0000 0119");

        var charge = (await _checkout.IntentAsync(id))["charges"]![0]!;
        Assert.Equal("failed", (string)charge["status"]!);
        Assert.Equal("processing_error", (string)charge["failure_code"]!);
    }

    [Fact]
    public async Task Pay_Recurring_StoresTheCardAndStartsTheSubscription()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder().Recurring(30).With("metadata", new JsonObject { ["plan"] = "pro" }));

        await _checkout.PayAsync(_checkout.Browser(), path);

        var intent = await _checkout.IntentAsync(id);
        var subscription = intent["subscription"]!;
        Assert.StartsWith("sub_", (string)subscription["subscription_id"]!);
        Assert.Equal("active", (string)subscription["status"]!);
        Assert.Equal(30, (long)subscription["interval_days"]!);
        var paidAt = DateTimeOffset.Parse((string)intent["charges"]![0]!["created_at"]!);
        Assert.Equal(app.Clock.GetUtcNow().AddDays(30), DateTimeOffset.Parse((string)subscription["next_charge_at"]!));
        Assert.True(paidAt <= app.Clock.GetUtcNow());

        var events = await _checkout.EventsAsync(id);
        Assert.Equal(["payment.succeeded", "subscription.created"], events.Select(e => e.Type));
        var created = JsonNode.Parse(events[1].Payload)!;
        Assert.Equal((string)subscription["subscription_id"]!, (string)created["subscription_id"]!);
        Assert.Equal("pro", (string)created["metadata"]!["plan"]!);
        Assert.Equal(1, await _checkout.ScalarAsync<long>(
            "SELECT COUNT(*) FROM subscriptions s JOIN vaulted_cards v ON v.vault_id = s.vault_id WHERE s.intent_id = @id AND v.card_last4 = '4242'", new { id }));
    }

    [Fact]
    public async Task Pay_AnExpiredIntent_ShowsExpiredAndChargesNothing()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder().With("expires_in_minutes", 5));
        var browser = _checkout.Browser();
        var page = await browser.GetAsync(path);
        var token = await Checkout.AntiforgeryToken(page);
        app.Clock.Advance(TimeSpan.FromMinutes(6));
        try
        {
            var response = await browser.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__af"] = token, ["name_on_card"] = "J", ["card_number"] = Checkout.Approve, ["card_expiry"] = "12/30", ["card_cvc"] = "123",
            }));
            Assert.Contains("expired", await response.Content.ReadAsStringAsync());
            Assert.Empty((await _checkout.IntentAsync(id))["charges"]!.AsArray());
        }
        finally
        {
            app.Clock.Advance(TimeSpan.FromMinutes(-6));
        }
    }

    [Theory]
    [InlineData("4242 4242 4242 4241", "12/30", "123", "card number is invalid")]
    [InlineData("4242", "12/30", "123", "card number is invalid")]
    [InlineData(Checkout.Approve, "13/30", "123", "MM/YY")]
    [InlineData(Checkout.Approve, "01/20", "123", "in the past")]
    [InlineData(Checkout.Approve, "12/30", "12", "CVC")]
    public async Task Pay_WithMalformedCard_ReRendersTheFormWithoutCharging(string card, string expiry, string cvc, string message)
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());

        var response = await _checkout.PayAsync(_checkout.Browser(), path, card, expiry, cvc);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains(message, html);
        Checkout.AssertCardFieldsEmpty(html);
        Assert.Empty((await _checkout.IntentAsync(id))["charges"]!.AsArray());
    }

    [Fact]
    public async Task Pay_WithoutAntiforgeryToken_IsRefusedWithAPage()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());
        var browser = _checkout.Browser();
        await browser.GetAsync(path);

        var response = await browser.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name_on_card"] = "J", ["card_number"] = Checkout.Approve, ["card_expiry"] = "12/30", ["card_cvc"] = "123",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("reload", await response.Content.ReadAsStringAsync());
        Assert.Empty((await _checkout.IntentAsync(id))["charges"]!.AsArray());
    }

    [Fact]
    public async Task Pay_TooOftenForOneIntent_IsRateLimited()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());
        var browser = _checkout.Browser();
        var token = await Checkout.AntiforgeryToken(await browser.GetAsync(path));
        var form = new Dictionary<string, string>
        {
            ["__af"] = token, ["name_on_card"] = "J", ["card_number"] = "4242 4242 4242 4241", ["card_expiry"] = "12/30", ["card_cvc"] = "123",
        };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 11; i++) statuses.Add((await browser.PostAsync(path, new FormUrlEncodedContent(form))).StatusCode);

        Assert.All(statuses.Take(10), s => Assert.Equal(HttpStatusCode.UnprocessableEntity, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[10]);
        Assert.Empty((await _checkout.IntentAsync(id))["charges"]!.AsArray());
    }

    [Fact]
    public async Task CustomerCancel_InUrlMode_CancelsAndRedirectsToCancelUrl()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder("PAY-CANCEL"));
        var browser = _checkout.Browser();
        var token = await Checkout.AntiforgeryToken(await browser.GetAsync(path));

        var response = await browser.PostAsync(path + "/cancel", new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"https://example.com/cancel?intent_id={id}&reference_id=PAY-CANCEL", response.Headers.Location!.ToString());
        Assert.Equal("cancelled", (string)(await _checkout.IntentAsync(id))["status"]!);
        var canceled = Assert.Single(await _checkout.EventsAsync(id));
        Assert.Equal("payment.canceled", canceled.Type);
        Assert.Equal(1, await _checkout.ScalarAsync<long>(
            "SELECT COUNT(*) FROM intent_logs WHERE intent_id = @id AND event_type = 'payment.canceled' AND actor_type = 'customer'", new { id }));
    }

    [Fact]
    public async Task CardNumbers_NeverReachTheDatabaseOrTheLogs()
    {
        var (_, path) = await _checkout.CreateAsync(new IntentBuilder().Recurring(7));
        var (_, declined) = await _checkout.CreateAsync(new IntentBuilder());
        await _checkout.PayAsync(_checkout.Browser(), declined, "4000 0000 0000 9995", cvc: "9731");
        await _checkout.PayAsync(_checkout.Browser(), path, "4111 1111 1111 1111", cvc: "8642");
        // Refused by the form's own checks (a past expiry): the page answers 422 without the card.
        var refused = await _checkout.PayAsync(_checkout.Browser(), declined, "5555 5555 5555 4444", expiry: "10/26", cvc: "5128");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var page = await refused.Content.ReadAsStringAsync();
        Assert.DoesNotContain("5555 5555", page);
        Assert.DoesNotContain("5555555555554444", page);
        Assert.DoesNotMatch(StandAlone("5128"), page);

        var text = await TestDatabases.AllStoredTextAsync(app.DataPath);
        Assert.Contains("evt_", text); // the search does see the stored rows
        Assert.DoesNotContain("4111111111111111", text);
        Assert.DoesNotContain("4000000000009995", text);
        // CVCs are short: look for them standing alone, not inside the ids' hex and base64 runs.
        Assert.DoesNotMatch(StandAlone("8642"), text);
        Assert.DoesNotMatch(StandAlone("9731"), text);
        Assert.DoesNotContain("5555555555554444", text);
        Assert.DoesNotMatch(StandAlone("5128"), text);
        var logs = app.Logs.All;
        Assert.Contains("Gateway simulator order", logs);
        Assert.DoesNotContain("4111111111111111", logs);
        Assert.DoesNotContain("4111 1111 1111 1111", logs);
        Assert.DoesNotMatch(StandAlone("8642"), logs);
        Assert.DoesNotMatch(StandAlone("9731"), logs);
        Assert.DoesNotContain("5555555555554444", logs);
        Assert.DoesNotContain("5555 5555 5555 4444", logs);
        Assert.DoesNotMatch(StandAlone("5128"), logs);
    }

    private static System.Text.RegularExpressions.Regex StandAlone(string digits) => new($"(?<![0-9A-Za-z_-]){digits}(?![0-9A-Za-z_-])");

}
