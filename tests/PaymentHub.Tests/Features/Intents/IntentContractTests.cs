using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>The intent JSON merchants integrate against, compared with Contracts/*.json.</summary>
public sealed class IntentContractTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly HttpClient _api = app.Api();

    private static IntentBuilder FullRecurringIntent(string reference) => new IntentBuilder(reference)
        .Recurring(30)
        .With("customer_ref_id", "CUST-001")
        .With("integration_type", "iframe")
        .With("tax", 10)
        .With("discount", "5")
        .With("fail_url", "https://example.com/fail")
        .With("metadata", new JsonObject { ["internal_id"] = "999", ["vip"] = true })
        .With("order_items", new JsonArray(
            new JsonObject { ["name"] = "Product 1", ["quantity"] = 1, ["price"] = 50.00 },
            new JsonObject { ["name"] = "Product 2", ["quantity"] = 2, ["price"] = "12.5" }));

    [Fact]
    public async Task CreateIntent_Response_MatchesContract()
    {
        var response = await _api.PostJson(IntentCalls.Intents, FullRecurringIntent("CONTRACT-CREATE").Json());

        await JsonContract.AssertMatches("create-intent", response);
    }

    [Fact]
    public async Task GetIntent_Response_MatchesContract()
    {
        var id = await _api.CreateIntentIdAsync(FullRecurringIntent("CONTRACT-GET").With("capture_method", "manual"));

        var response = await _api.GetAsync($"{IntentCalls.Intents}/{id}");

        await JsonContract.AssertMatches("get-intent", response);
    }

    [Fact]
    public async Task CancelledIntent_Response_MatchesContract()
    {
        var id = await _api.CreateIntentIdAsync(new IntentBuilder("CONTRACT-CANCEL").With("currency", "JPY").With("amount", 1200)
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "Sencha", ["quantity"] = 3, ["price"] = 400 })));
        await _api.CancelAsync(id);

        var response = await _api.GetAsync($"{IntentCalls.Intents}/reference/CONTRACT-CANCEL");

        await JsonContract.AssertMatches("get-cancelled-jpy-intent", response);
    }

    [Fact]
    public void Masked_ReplacesVolatileFieldsAndKeepsTheRest()
    {
        var node = JsonNode.Parse("""{"a":{"intent_id":"pi_01a200d5-cb6d-7839-b398-c4a3c5486c26","created_at":"2026-01-01T00:00:00.000000Z","amount":"1.00"}}""");

        var masked = JsonContract.Masked(node);

        Assert.Equal("""{"a":{"intent_id":"(intent_id)","created_at":"(timestamp)","amount":"1.00"}}""", masked!.ToJsonString());
        Assert.ThrowsAny<Exception>(() => JsonContract.Masked(JsonNode.Parse("""{"intent_id":"not-an-id"}""")));
    }
}
