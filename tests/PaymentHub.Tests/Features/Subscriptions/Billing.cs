using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;
using CheckoutDriver = PaymentHub.Tests.Features.Payments.Checkout;

namespace PaymentHub.Tests.Features.Subscriptions;

/// <summary>
/// A merchant of its own (so its test clock and listings are its alone) whose customers subscribe on
/// the hosted checkout; helpers for the subscription, test clock and events endpoints.
/// </summary>
public sealed class Billing(PaymentHubFactory app, HttpClient api)
{
    public const string Subscriptions = "/api/platform/subscriptions";
    public const string Clock = "/api/platform/test/clock";

    public HttpClient Api => api;
    public CheckoutDriver Checkout { get; } = new(app);

    public static async Task<Billing> NewMerchantAsync(PaymentHubFactory app) => new(app, await app.NewMerchantApiAsync());

    /// <summary>A recurring intent paid on the checkout with <paramref name="card"/>; returns (intent_id, subscription_id).</summary>
    public async Task<(string IntentId, string SubscriptionId)> SubscribeAsync(int intervalDays = 30, string card = CheckoutDriver.Approve,
        IntentBuilder? intent = null)
    {
        var created = await api.CreateIntentAsync((intent ?? new IntentBuilder()).Recurring(intervalDays));
        var intentId = (string)created["intent_id"]!;
        await Checkout.PayAsync(Checkout.Browser(), new Uri((string)created["payment_url"]!).AbsolutePath, card);
        var paid = await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{intentId}"));
        Assert.Equal("succeeded", (string)paid["status"]!);
        return (intentId, (string)paid["subscription"]!["subscription_id"]!);
    }

    public async Task<JsonNode> SubscriptionAsync(string id) => await Envelopes.AssertOk(await api.GetAsync($"{Subscriptions}/{id}"));

    /// <summary>Advances the test clock; returns the answer's data.</summary>
    public async Task<JsonNode> AdvanceAsync(object body) => await Envelopes.AssertOk(await api.PostJson($"{Clock}/advance", body));

    public Task<JsonNode> AdvanceDaysAsync(int days) => AdvanceAsync(new { days });

    public async Task<JsonNode> CancelAsync(string subscriptionId, object? body = null) =>
        await Envelopes.AssertOk(body is null
            ? await api.PostAsync($"{Subscriptions}/{subscriptionId}/cancel", null)
            : await api.PostJson($"{Subscriptions}/{subscriptionId}/cancel", body));

    /// <summary>The merchant's events of <paramref name="type"/>, oldest first, through GET /events.</summary>
    public async Task<List<JsonNode>> EventsAsync(string type)
    {
        var data = await Envelopes.AssertOk(await api.GetAsync($"/api/platform/events?type={type}&per_page=100"));
        return data["items"]!.AsArray().Select(e => e!["payload"]!).Reverse().ToList();
    }

    public static DateTimeOffset Time(JsonNode? node) => DateTimeOffset.Parse((string)node!, System.Globalization.CultureInfo.InvariantCulture);
}
