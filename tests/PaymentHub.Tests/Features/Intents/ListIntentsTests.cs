using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>GET /intents: newest first, filtered, paginated as <c>{items, page, per_page, total}</c>.</summary>
public sealed class ListIntentsTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private static IReadOnlyList<string?> References(JsonNode data) =>
        data["items"]!.AsArray().Select(i => (string?)i!["reference_id"]).ToList();

    private static async Task<JsonNode> List(HttpClient api, string query = "") =>
        await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}{query}"));

    /// <summary>Creates intents one second apart, so their creation order is unambiguous.</summary>
    private async Task<List<string>> CreateSeries(HttpClient api, int count, Func<int, IntentBuilder>? build = null)
    {
        var references = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var body = build?.Invoke(i) ?? new IntentBuilder();
            references.Add((string)(await api.CreateIntentAsync(body))["reference_id"]!);
            app.Clock.Advance(TimeSpan.FromSeconds(1));
        }
        return references;
    }

    [Fact]
    public async Task ListIntents_Defaults_ToTenPerPageNewestFirst()
    {
        var api = await app.NewMerchantApiAsync();
        var created = await CreateSeries(api, 12);

        var data = await List(api);

        Assert.Equal(["items", "page", "per_page", "total"], data.AsObject().Select(p => p.Key));
        Assert.Equal(1, (int)data["page"]!);
        Assert.Equal(10, (int)data["per_page"]!);
        Assert.Equal(12, (long)data["total"]!);
        Assert.Equal(created.AsEnumerable().Reverse().Take(10), References(data));
    }

    [Fact]
    public async Task ListIntents_SecondPage_HoldsTheRest()
    {
        var api = await app.NewMerchantApiAsync();
        var created = await CreateSeries(api, 5);

        var data = await List(api, "?page=2&per_page=2");

        Assert.Equal(2, (int)data["page"]!);
        Assert.Equal(2, (int)data["per_page"]!);
        Assert.Equal(5, (long)data["total"]!);
        Assert.Equal([created[2], created[1]], References(data));
        Assert.Equal([created[0]], References(await List(api, "?page=3&per_page=2")));
        Assert.Empty(References(await List(api, "?page=4&per_page=2")));
    }

    [Fact]
    public async Task ListIntents_PerPage100_IsAllowed()
    {
        var api = await app.NewMerchantApiAsync();
        await CreateSeries(api, 1);

        var data = await List(api, "?per_page=100");

        Assert.Equal(100, (int)data["per_page"]!);
        Assert.Single(References(data));
    }

    [Fact]
    public async Task ListIntents_FilteredByStatus_ReturnsOnlyThatStatus()
    {
        var api = await app.NewMerchantApiAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await api.CreateIntentIdAsync());
        await Envelopes.AssertOk(await api.CancelAsync(ids[1]));

        var cancelled = await List(api, "?status=cancelled");
        var pending = await List(api, "?status=requires_payment");

        Assert.Equal([ids[1]], cancelled["items"]!.AsArray().Select(i => (string)i!["intent_id"]!));
        Assert.Equal(1, (long)cancelled["total"]!);
        Assert.Equal(2, (long)pending["total"]!);
        Assert.All(pending["items"]!.AsArray(), i => Assert.Equal("requires_payment", (string?)i!["status"]));
    }

    [Fact]
    public async Task ListIntents_FilteredByType_ReturnsOnlyThatType()
    {
        var api = await app.NewMerchantApiAsync();
        var created = await CreateSeries(api, 3, i => i == 1 ? new IntentBuilder().Recurring() : new IntentBuilder());

        Assert.Equal([created[1]], References(await List(api, "?type=recurring")));
        Assert.Equal([created[2], created[0]], References(await List(api, "?type=one_time")));
    }

    [Fact]
    public async Task ListIntents_FilteredByCustomerAndEmail_MatchesExactly()
    {
        var api = await app.NewMerchantApiAsync();
        var created = await CreateSeries(api, 3, i => new IntentBuilder()
            .With("customer_ref_id", i == 0 ? "CUST-A" : "CUST-B")
            .With("email", i == 2 ? "other@example.com" : "customer@example.com"));

        Assert.Equal([created[0]], References(await List(api, "?customer_ref_id=CUST-A")));
        Assert.Equal([created[2], created[1]], References(await List(api, "?customer_ref_id=CUST-B")));
        Assert.Equal([created[2]], References(await List(api, "?email=other%40example.com")));
        Assert.Equal([created[1]], References(await List(api, "?email=customer%40example.com&customer_ref_id=CUST-B")));
        Assert.Empty(References(await List(api, "?customer_ref_id=CUST")));
    }

    [Fact]
    public async Task ListIntents_FilteredByCreationDate_IncludesWholeDays()
    {
        var api = await app.NewMerchantApiAsync();
        var created = new List<string>();
        foreach (var day in new[] { 1, 2, 3 })
        {
            app.Clock.Set(new DateTimeOffset(2027, 3, day, 10, 0, 0, TimeSpan.Zero));
            created.Add((string)(await api.CreateIntentAsync())["reference_id"]!);
        }

        Assert.Equal([created[2], created[1]], References(await List(api, "?created_from=2027-03-02")));
        Assert.Equal([created[1], created[0]], References(await List(api, "?created_to=2027-03-02")));
        Assert.Equal([created[1]], References(await List(api, "?created_from=2027-03-02&created_to=2027-03-02")));
        Assert.Equal([created[2], created[1]], References(await List(api, "?created_from=2027-03-02T10:00:00Z")));
        Assert.Equal([created[0]], References(await List(api, "?created_to=2027-03-01T10:00:00Z")));
        Assert.Empty(References(await List(api, "?created_from=2027-03-04")));
    }

    [Theory]
    [InlineData("page=0", "page", "The page must be an integer of at least 1.")]
    [InlineData("page=-1", "page", "The page must be an integer of at least 1.")]
    [InlineData("page=abc", "page", "The page must be an integer of at least 1.")]
    [InlineData("per_page=0", "per_page", "The per page must be an integer between 1 and 100.")]
    [InlineData("per_page=101", "per_page", "The per page must be an integer between 1 and 100.")]
    [InlineData("per_page=ten", "per_page", "The per page must be an integer between 1 and 100.")]
    [InlineData("status=paid", "status", "The selected status is invalid. Use one of: requires_payment, processing, requires_capture, succeeded, cancelled, expired, failed.")]
    [InlineData("type=monthly", "type", "The selected type is invalid. Use one_time or recurring.")]
    [InlineData("created_from=yesterday", "created_from", "The created from is not a valid date (use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z).")]
    [InlineData("created_to=31/01/2026", "created_to", "The created to is not a valid date (use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z).")]
    public async Task ListIntents_WithBadQuery_Returns422(string query, string field, string message)
    {
        var response = await app.Api().GetAsync($"{IntentCalls.Intents}?{query}");

        await Envelopes.AssertValidationError(response, field, message);
    }

    [Fact]
    public async Task ListIntents_Items_HaveTheFullIntentShape()
    {
        var api = await app.NewMerchantApiAsync();
        var id = await api.CreateIntentIdAsync();

        var item = (await List(api))["items"]![0]!;
        var single = await Envelopes.AssertOk(await api.GetAsync($"{IntentCalls.Intents}/{id}"));

        Assert.True(JsonNode.DeepEquals(single, item));
    }
}
