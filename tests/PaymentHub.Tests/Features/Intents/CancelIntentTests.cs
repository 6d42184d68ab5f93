using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>POST /intents/{intent_id}/cancel: state, log row and outbox event together; a repeat is a no-op.</summary>
public sealed class CancelIntentTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly HttpClient _api = app.Api();

    private long Count(string sql, string id) => app.Scalar<long>(sql, new { id });

    [Fact]
    public async Task CancelIntent_RequiresPayment_CancelsWithLogAndEvent()
    {
        var id = await _api.CreateIntentIdAsync(new IntentBuilder().With("metadata", new JsonObject { ["order_id"] = "42" }));
        app.Clock.Advance(TimeSpan.FromMinutes(1));

        var response = await _api.CancelAsync(id);

        Assert.Equal($$$"""{"success":true,"data":{"intent_id":"{{{id}}}","status":"cancelled"}}""", await response.Content.ReadAsStringAsync());
        var fetched = await Envelopes.AssertOk(await _api.GetAsync($"{IntentCalls.Intents}/{id}"));
        Assert.Equal("cancelled", (string?)fetched["status"]);
        Assert.NotEqual((string?)fetched["created_at"], (string?)fetched["updated_at"]);

        Assert.Equal(1, Count("SELECT COUNT(*) FROM intent_logs WHERE intent_id = @id AND event_type = 'payment.canceled' AND actor_type = 'api'", id));
        using var db = app.Open();
        var evt = db.QuerySingle<(string Type, string Mode, string Payload, string MerchantId, string EventId)>(
            "SELECT type, mode, payload, merchant_id, id FROM events WHERE intent_id = @id", new { id });
        Assert.Equal("payment.canceled", evt.Type);
        Assert.Equal("test", evt.Mode);
        Assert.Equal(app.FixtureMerchantId(), evt.MerchantId);
        Assert.StartsWith("evt_", evt.EventId);
        var payload = JsonNode.Parse(evt.Payload)!;
        Assert.Equal("payment.canceled", (string?)payload["event"]);
        Assert.Equal(id, (string?)payload["intent_id"]);
        Assert.Equal(evt.EventId, (string?)payload["event_id"]);
        Assert.False((bool)payload["livemode"]!);
        Assert.Equal("42", (string?)payload["metadata"]!["order_id"]);
        Assert.False(string.IsNullOrEmpty((string?)payload["message"]));
    }

    [Fact]
    public async Task CancelIntent_Twice_IsANoOpWithOneEvent()
    {
        var id = await _api.CreateIntentIdAsync();
        await Envelopes.AssertOk(await _api.CancelAsync(id));

        var again = await Envelopes.AssertOk(await _api.CancelAsync(id));

        Assert.Equal("cancelled", (string?)again["status"]);
        Assert.Equal(id, (string?)again["intent_id"]);
        Assert.Equal(1, Count("SELECT COUNT(*) FROM events WHERE intent_id = @id", id));
        Assert.Equal(1, Count("SELECT COUNT(*) FROM intent_logs WHERE intent_id = @id AND event_type = 'payment.canceled'", id));
    }

    [Fact]
    public async Task CancelIntent_Unknown_Returns404()
    {
        var response = await _api.CancelAsync("pi_00000000-0000-0000-0000-000000000000");

        await Envelopes.AssertError(response, HttpStatusCode.NotFound, "Payment intent not found.");
    }

    [Theory]
    [InlineData("succeeded")]
    [InlineData("expired")]
    [InlineData("failed")]
    public async Task CancelIntent_InTerminalState_Returns409AndChangesNothing(string status)
    {
        var id = await _api.CreateIntentIdAsync();
        await app.WriteAsync(tx => tx.Connection.ExecuteAsync("UPDATE intents SET status = @status WHERE id = @id", new { status, id }, tx.Transaction));

        var response = await _api.CancelAsync(id);

        await Envelopes.AssertError(response, HttpStatusCode.Conflict, $"This payment intent is {status} and can no longer be cancelled.");
        Assert.Equal(status, app.Scalar<string>("SELECT status FROM intents WHERE id = @id", new { id }));
        Assert.Equal(0, Count("SELECT COUNT(*) FROM events WHERE intent_id = @id", id));
    }
}
