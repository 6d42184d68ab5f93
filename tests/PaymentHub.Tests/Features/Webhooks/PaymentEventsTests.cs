using PaymentHub.Tests.Infrastructure;
using CheckoutDriver = PaymentHub.Tests.Features.Payments.Checkout;

namespace PaymentHub.Tests.Features.Webhooks;

/// <summary>PaymentHub as shipped: Hangfire running, the recurring delivery job at its default interval.</summary>
public sealed class RunningApp() : JobsOnAppBase(recurringSeconds: 5);

/// <summary>
/// What a merchant's receiver gets from real payments: cancelling, paying, refunding, capturing,
/// a decline, a subscription and its renewal each produce exactly their documented events, signed,
/// and each intent's events in order.
/// </summary>
public sealed class PaymentEventsTests(RunningApp app) : IClassFixture<RunningApp>
{
    [Fact]
    public async Task CancelPayRefundCaptureDeclineSubscribeAndRenew_ProduceTheirEvents_SignedAndInOrder()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var api = app.Api();
        var secret = (string)(await Envelopes.AssertOk(await api.PostJson(Hooks.Endpoints, $$"""{ "url": "{{receiver.Url}}" }""")))["secret"]!;
        var checkout = new CheckoutDriver(app);
        var expected = new Dictionary<string, string[]>();

        var cancelled = await api.CreateIntentIdAsync();
        await api.CancelAsync(cancelled);
        expected[cancelled] = ["payment.canceled"];

        var (paid, paidPath) = await checkout.CreateAsync(new IntentBuilder());
        await checkout.PayAsync(checkout.Browser(), paidPath);
        await Envelopes.AssertOk(await api.PostJson($"/api/platform/intents/{paid}/refunds", new { amount = 20 }));
        expected[paid] = ["payment.succeeded", "payment.refunded"];

        var (captured, capturedPath) = await checkout.CreateAsync(new IntentBuilder().With("capture_method", "manual"));
        await checkout.PayAsync(checkout.Browser(), capturedPath);
        await Envelopes.AssertOk(await api.PostAsync($"/api/platform/intents/{captured}/capture", null));
        expected[captured] = ["payment.captured", "payment.succeeded"];

        var (declined, declinedPath) = await checkout.CreateAsync(new IntentBuilder());
        await checkout.PayAsync(checkout.Browser(), declinedPath, CheckoutDriver.Decline);
        expected[declined] = ["payment.failed", "payment.expired"];

        var (recurring, recurringPath) = await checkout.CreateAsync(new IntentBuilder().Recurring());
        await checkout.PayAsync(checkout.Browser(), recurringPath);
        // A month later by the merchant's test clock (the declined intent, still unpaid, expires on the way):
        // those events carry the clock's time and are still sent at once.
        await Envelopes.AssertOk(await api.PostJson("/api/platform/test/clock/advance", new { days = 31 }));
        expected[recurring] = ["payment.succeeded", "subscription.created", "subscription.renewed"];

        var total = expected.Values.Sum(v => v.Length);
        await receiver.WaitAsync(r => r.Count >= total, TimeSpan.FromSeconds(15));
        await Task.Delay(500);
        var requests = receiver.Requests;
        Assert.Equal(total, requests.Count);
        Assert.All(requests, r => Assert.True(WebhookReceiver.SignedWith(r, secret), $"bad signature on {r.Type}"));
        foreach (var (intent, types) in expected)
        {
            var arrived = requests.Where(r => (string)r.Json["intent_id"]! == intent).ToList();
            Assert.Equal(types, arrived.Select(r => r.Type));
            Assert.Equal(Enumerable.Range(1, types.Length), arrived.Select(r => (int)r.Json["sequence"]!));
            Assert.All(arrived, r => Assert.Equal(r.Id, (string)r.Json["event_id"]!));
        }
        var subscription = requests.Single(r => r.Type == "subscription.created").Json;
        Assert.StartsWith("sub_", (string)subscription["subscription_id"]!);
        var refund = requests.Single(r => r.Type == "payment.refunded").Json;
        Assert.Equal(("20.00", "USD"), ((string)refund["amount"]!, (string)refund["currency"]!));
    }
}
