using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Intents;
using PaymentHub.Tests.Features.Subscriptions;
using PaymentHub.Tests.Infrastructure;

// Not "...Features.TestClock": that would hide the tests' TestClock (the movable TimeProvider) from every test under Features.
namespace PaymentHub.Tests.Features.TestClocks;

/// <summary>The merchant's test clock: reading, advancing and resetting it, and the time rules of test objects that read it.</summary>
public sealed class TestClockTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private const string Clock = Billing.Clock;

    private DateTimeOffset RealNow => app.Clock.GetUtcNow();

    [Fact]
    public async Task Clock_StartsAtTheRealTime_AdvancesByDaysOrToATime_AndResets()
    {
        var api = await app.NewMerchantApiAsync();

        var start = await Envelopes.AssertOk(await api.GetAsync(Clock));
        Assert.Equal((RealNow, 0L, false), (Billing.Time(start["now"]), (long)start["offset_ms"]!, (bool)start["livemode"]!));

        var byDays = await Envelopes.AssertOk(await api.PostJson($"{Clock}/advance", new { days = 3 }));
        Assert.Equal((RealNow.AddDays(3), RealNow), (Billing.Time(byDays["now"]), Billing.Time(byDays["advanced_from"])));
        Assert.Equal((long)TimeSpan.FromDays(3).TotalMilliseconds, (long)byDays["offset_ms"]!);
        Assert.Equal((0, 0, 0, 0, 0), ((int)byDays["summary"]!["renewals"]!, (int)byDays["summary"]!["failures"]!, (int)byDays["summary"]!["cancellations"]!,
            (int)byDays["summary"]!["expiries"]!, (int)byDays["summary"]!["due_times"]!));

        var to = RealNow.AddDays(10).AddHours(6);
        var toTime = await Envelopes.AssertOk(await api.PostJson($"{Clock}/advance", new { to = to.ToString("O") }));
        Assert.Equal(to, Billing.Time(toTime["now"]));
        Assert.Equal(to, Billing.Time((await Envelopes.AssertOk(await api.GetAsync(Clock)))["now"]));

        var date = await Envelopes.AssertOk(await api.PostJson($"{Clock}/advance", new { to = "2027-02-01" }));
        Assert.Equal(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero), Billing.Time(date["now"]));

        var reset = await Envelopes.AssertOk(await api.PostAsync($"{Clock}/reset", null));
        Assert.Equal((RealNow, 0L), (Billing.Time(reset["now"]), (long)reset["offset_ms"]!));
        Assert.Equal(0L, (long)(await Envelopes.AssertOk(await api.GetAsync(Clock)))["offset_ms"]!);
    }

    [Fact]
    public async Task Clock_IsTheMerchantsOwn_AndLiveKeysAreRefused()
    {
        var mine = await app.NewMerchantApiAsync();
        var other = await app.NewMerchantApiAsync();
        await Envelopes.AssertOk(await mine.PostJson($"{Clock}/advance", new { days = 30 }));

        Assert.Equal(0L, (long)(await Envelopes.AssertOk(await other.GetAsync(Clock)))["offset_ms"]!);

        var live = await app.NewMerchantApiAsync("live");
        foreach (var request in new Func<Task<HttpResponseMessage>>[]
                 {
                     () => live.GetAsync(Clock),
                     () => live.PostJson($"{Clock}/advance", new { days = 1 }),
                     () => live.PostJson($"{Clock}/advance", new { days = "not even valid" }),
                     () => live.PostAsync($"{Clock}/reset", null),
                 })
        {
            var body = await Envelopes.AssertError(await request(), HttpStatusCode.Forbidden, code: "test_mode_only");
            Assert.Contains("test mode only", (string)body["message"]!);
        }
    }

    [Fact]
    public async Task NewTestObjects_AreCreatedAtTheTestClocksTime_LiveOnesAtTheRealTime()
    {
        var api = await app.NewMerchantApiAsync();
        await Envelopes.AssertOk(await api.PostJson($"{Clock}/advance", new { days = 45 }));

        var intent = await api.CreateIntentAsync(new IntentBuilder().With("expires_in_minutes", 60));

        Assert.Equal(RealNow.AddDays(45), Billing.Time(intent["created_at"]));
        Assert.Equal(RealNow.AddDays(45).AddMinutes(60), Billing.Time(intent["expires_at"]));
        var live = await (await app.NewMerchantApiAsync("live")).CreateIntentAsync();
        Assert.Equal(RealNow, Billing.Time(live["created_at"]));
    }

    [Fact]
    public async Task Advance_PastAnIntentsExpiry_ExpiresIt_AsOfItsExpiryTime_AndTheCheckoutSaysSo()
    {
        var api = await app.NewMerchantApiAsync();
        var intent = await api.CreateIntentAsync(new IntentBuilder().With("expires_in_minutes", 90));
        var later = await api.CreateIntentAsync(new IntentBuilder().With("expires_in_minutes", 3 * 24 * 60));
        var id = (string)intent["intent_id"]!;

        var advanced = await Envelopes.AssertOk(await api.PostJson($"{Clock}/advance", new { days = 1 }));

        Assert.Equal((1, 1), ((int)advanced["summary"]!["expiries"]!, (int)advanced["summary"]!["due_times"]!));
        Assert.Equal("expired", (string)(await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{id}")))["status"]!);
        Assert.Equal("requires_payment", (string)(await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{(string)later["intent_id"]!}")))["status"]!);
        var expired = Assert.Single(await new Billing(app, api).EventsAsync("payment.expired"));
        Assert.Equal((id, Billing.Time(intent["expires_at"])), ((string)expired["intent_id"]!, Billing.Time(expired["created_at"])));
        var page = await new PaymentHub.Tests.Features.Payments.Checkout(app).Browser().GetAsync($"/pay/{IntentCalls.Token(intent)}");
        Assert.Contains("Payment link expired", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Checkout_ReadsTheTestClock_EvenBeforeTheExpiryJobHasRun()
    {
        var api = await app.NewMerchantApiAsync();
        var intent = await api.CreateIntentAsync(new IntentBuilder().With("expires_in_minutes", 60));
        var merchantId = app.Scalar<string>("SELECT merchant_id FROM intents WHERE id = @id", new { id = (string)intent["intent_id"]! });
        var checkout = new PaymentHub.Tests.Features.Payments.Checkout(app);
        var path = $"/pay/{IntentCalls.Token(intent)}";
        Assert.Contains("id=\"pay-form\"", await (await checkout.Browser().GetAsync(path)).Content.ReadAsStringAsync());

        // The clock moves (as another instance's advance would); no job has expired the intent.
        await app.Services.GetRequiredService<PaymentHub.Features.TestClock.MerchantClock>().SaveAsync(merchantId, (long)TimeSpan.FromHours(2).TotalMilliseconds);

        Assert.Contains("Payment link expired", await (await checkout.Browser().GetAsync(path)).Content.ReadAsStringAsync());
        var data = await Envelopes.AssertOk(await checkout.Browser().GetAsync($"/api/checkout/{IntentCalls.Token(intent)}"));
        Assert.Equal(("expired", false), ((string)data["status"]!, (bool)data["payable"]!));
        Assert.Equal("requires_payment", (string)(await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{(string)intent["intent_id"]!}")))["status"]!);
        // The job, whenever it runs, compares the intent with its own merchant's clock: it is due now, not in two hours.
        await app.Services.GetRequiredService<ExpireIntents>().RunAsync(CancellationToken.None);
        Assert.Equal("expired", (string)(await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{(string)intent["intent_id"]!}")))["status"]!);
    }

    [Theory]
    [InlineData("{}", "days", "The days field is required when to is not present.")]
    [InlineData("""{"days": 0}""", "days", "The days must be between 1 and 3650.")]
    [InlineData("""{"days": 3651}""", "days", "The days must be between 1 and 3650.")]
    [InlineData("""{"days": 1.5}""", "days", "The days must be an integer.")]
    [InlineData("""{"days": "x"}""", "days", "The days must be an integer.")]
    [InlineData("""{"days": 1, "to": "2030-01-01"}""", "days", "Send days or to, not both.")]
    [InlineData("""{"to": "next week"}""", "to", "The to is not a valid time (use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z).")]
    [InlineData("""{"to": 20300101}""", "to", "The to must be a string.")]
    [InlineData("""{"to": "2020-01-01"}""", "to", "The to must be after the test clock's time, 2026-11-22T12:00:00.000000Z: the clock only moves forward (reset goes back to the real time).")]
    [InlineData("""{"to": "2040-01-01"}""", "to", "The to must be at most 3650 days after the test clock's time, 2026-11-22T12:00:00.000000Z.")]
    public async Task Advance_WithAnInvalidBody_Returns422_AndLeavesTheClock(string body, string field, string message)
    {
        var api = await app.NewMerchantApiAsync();

        await Envelopes.AssertValidationError(await api.PostJson($"{Clock}/advance", body), field, message);

        Assert.Equal(0L, (long)(await Envelopes.AssertOk(await api.GetAsync(Clock)))["offset_ms"]!);
    }

    [Fact]
    public async Task Advance_WithoutABody_Returns400()
    {
        var response = await (await app.NewMerchantApiAsync()).PostAsync($"{Clock}/advance", null);
        await Envelopes.AssertError(response, HttpStatusCode.BadRequest, code: "unsupported_media_type");
    }
}
