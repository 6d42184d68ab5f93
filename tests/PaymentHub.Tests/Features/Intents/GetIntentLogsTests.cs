using System.Net;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>GET /intents/{intent_id}/logs: the intent's event log, newest first, paginated.</summary>
public sealed class GetIntentLogsTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly HttpClient _api = app.Api();

    [Fact]
    public async Task GetIntentLogs_AfterCreateAndCancel_ListsBothNewestFirst()
    {
        var id = await _api.CreateIntentIdAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(3));
        await Envelopes.AssertOk(await _api.CancelAsync(id));

        var data = await Envelopes.AssertOk(await _api.GetAsync($"{IntentCalls.Intents}/{id}/logs"));

        Assert.Equal(2, (long)data["total"]!);
        Assert.Equal(1, (int)data["page"]!);
        Assert.Equal(10, (int)data["per_page"]!);
        var items = data["items"]!.AsArray();
        Assert.Equal(["payment.canceled", "intent.created"], items.Select(i => (string?)i!["event_type"]));
        Assert.All(items, i => Assert.Equal("api", (string?)i!["actor_type"]));
        Assert.Equal("Payment intent created for 80.00 USD.", (string?)items[1]!["message"]);
        Assert.Equal("Payment intent cancelled by the merchant.", (string?)items[0]!["message"]);
        Assert.True(string.CompareOrdinal((string)items[0]!["created_at"]!, (string)items[1]!["created_at"]!) > 0);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", (string?)items[0]!["created_at"]);
    }

    [Fact]
    public async Task GetIntentLogs_Paginated_ReturnsOnePerPage()
    {
        var id = await _api.CreateIntentIdAsync();
        await _api.CancelAsync(id);

        var first = await Envelopes.AssertOk(await _api.GetAsync($"{IntentCalls.Intents}/{id}/logs?per_page=1"));
        var second = await Envelopes.AssertOk(await _api.GetAsync($"{IntentCalls.Intents}/{id}/logs?per_page=1&page=2"));

        Assert.Equal(2, (long)first["total"]!);
        Assert.Equal("payment.canceled", (string?)first["items"]!.AsArray().Single()!["event_type"]);
        Assert.Equal(2, (int)second["page"]!);
        Assert.Equal("intent.created", (string?)second["items"]!.AsArray().Single()!["event_type"]);
    }

    [Fact]
    public async Task GetIntentLogs_ForUnknownIntent_Returns404()
    {
        var response = await _api.GetAsync($"{IntentCalls.Intents}/pi_00000000-0000-0000-0000-000000000000/logs");

        await Envelopes.AssertError(response, HttpStatusCode.NotFound, "Payment intent not found.");
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("per_page=101", "per_page")]
    [InlineData("per_page=x", "per_page")]
    public async Task GetIntentLogs_WithBadPaging_Returns422(string query, string field)
    {
        var id = await _api.CreateIntentIdAsync();

        var response = await _api.GetAsync($"{IntentCalls.Intents}/{id}/logs?{query}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull((await response.Body())["errors"]![field]);
    }
}
