using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Webhooks;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Webhooks;

/// <summary>What the API shows and does about deliveries: an event's deliveries, redelivery, test pings, pruning.</summary>
public sealed class EventDeliveriesTests(WebhookApp app) : IClassFixture<WebhookApp>
{
    private static string IntentId() => "pi_" + Guid.NewGuid();

    [Fact]
    public async Task GetEvent_ShowsThePayloadAndEachDeliveryWithItsAttempts()
    {
        await using var hooks = await Hooks.StartAsync(app);
        hooks.Receiver.Answer = r => r.Attempt == 1 ? new WebhookReceiver.Reply(500, Body: new string('x', 3000)) : new WebhookReceiver.Reply();
        var intent = IntentId();
        var eventId = await hooks.EmitAsync(intent);
        await hooks.DeliverAsync();
        app.Clock.Advance(TimeSpan.FromSeconds(6));
        await hooks.DeliverAsync();

        var detail = await hooks.EventAsync(eventId);

        Assert.Equal((eventId, "payment.canceled", intent), ((string)detail["id"]!, (string)detail["type"]!, (string)detail["intent_id"]!));
        Assert.Equal(eventId, (string)detail["payload"]!["event_id"]!);
        var delivery = detail["deliveries"]!.AsArray().Single()!;
        Assert.Equal((hooks.EndpointId, hooks.Receiver.Url, "succeeded", 200), ((string)delivery["endpoint_id"]!, (string)delivery["url"]!,
            (string)delivery["status"]!, (int)delivery["last_status_code"]!));
        Assert.NotNull(delivery["delivered_at"]);
        Assert.Null(delivery["next_attempt_at"]);
        var attempts = delivery["attempts"]!.AsArray();
        Assert.Equal(2, attempts.Count);
        Assert.Equal(1024, ((string)attempts[0]!["response_excerpt"]!).Length);
        Assert.All(attempts, a => Assert.True((long)a!["latency_ms"]! >= 0));
        await Envelopes.AssertError(await hooks.Api.GetAsync("/api/platform/events/evt_nope"), HttpStatusCode.NotFound, "Event not found.", ErrorCodes.EventNotFound);
        var other = await app.NewMerchantApiAsync();
        await Envelopes.AssertError(await other.GetAsync($"/api/platform/events/{eventId}"), HttpStatusCode.NotFound, code: ErrorCodes.EventNotFound);
    }

    [Fact]
    public async Task RedeliverEvent_ToOneEndpointOrAll_SendsItAgainWithTheSameId()
    {
        await using var hooks = await Hooks.StartAsync(app);
        await using var second = await WebhookReceiver.StartAsync();
        var secondId = (string)(await Envelopes.AssertOk(await hooks.Api.PostJson(Hooks.Endpoints, $$"""{ "url": "{{second.Url}}" }""")))["id"]!;
        var eventId = await hooks.EmitAsync(IntentId());
        await hooks.DeliverAsync();

        var one = await Envelopes.AssertOk(await hooks.Api.PostJson($"/api/platform/events/{eventId}/redeliver", $$"""{ "endpoint_id": "{{secondId}}" }"""));
        Assert.Equal("pending", (string)one["deliveries"]!.AsArray().Single(d => (string)d!["endpoint_id"]! == secondId)!["status"]!);
        await hooks.DeliverAsync();
        Assert.Single(hooks.Receiver.Requests);
        Assert.Equal([eventId, eventId], second.Requests.Select(r => r.Id));

        await Envelopes.AssertOk(await hooks.Api.PostAsync($"/api/platform/events/{eventId}/redeliver", null));
        await hooks.DeliverAsync();
        Assert.Equal([eventId, eventId], hooks.Receiver.Requests.Select(r => r.Id));
        Assert.Equal(3, second.Requests.Count);
        Assert.All(hooks.Receiver.Requests, r => Assert.True(WebhookReceiver.SignedWith(r, hooks.Secret)));

        await Envelopes.AssertError(await hooks.Api.PostJson($"/api/platform/events/{eventId}/redeliver", """{ "endpoint_id": "we_nope" }"""),
            HttpStatusCode.NotFound, code: ErrorCodes.WebhookEndpointNotFound);
        await hooks.Api.PatchJson($"{Hooks.Endpoints}/{secondId}", """{ "enabled": false }""");
        await Envelopes.AssertError(await hooks.Api.PostJson($"/api/platform/events/{eventId}/redeliver", $$"""{ "endpoint_id": "{{secondId}}" }"""),
            HttpStatusCode.Conflict, code: ErrorCodes.WebhookEndpointDisabled);
        await Envelopes.AssertError(await hooks.Api.PostAsync("/api/platform/events/evt_nope/redeliver", null), HttpStatusCode.NotFound, code: ErrorCodes.EventNotFound);
    }

    [Fact]
    public async Task RedeliverDead_AfterTheEndpointIsEnabledAgain_SendsWhatWasGivenUp_InOrder()
    {
        await using var hooks = await Hooks.StartAsync(app);
        hooks.Receiver.Answer = _ => new WebhookReceiver.Reply(410);
        var intent = IntentId();
        var events = new[] { await hooks.EmitAsync(intent), await hooks.EmitAsync(intent), await hooks.EmitAsync(intent) };
        await hooks.DeliverAsync();
        var dead = $"{Hooks.Endpoints}/{hooks.EndpointId}/redeliver-dead";
        await Envelopes.AssertError(await hooks.Api.PostAsync(dead, null), HttpStatusCode.Conflict, code: ErrorCodes.WebhookEndpointDisabled);

        hooks.Receiver.Answer = _ => new WebhookReceiver.Reply();
        await Envelopes.AssertOk(await hooks.Api.PatchJson($"{Hooks.Endpoints}/{hooks.EndpointId}", """{ "enabled": true }"""));
        var redelivered = await Envelopes.AssertOk(await hooks.Api.PostAsync(dead, null));
        await hooks.DeliverAsync();

        Assert.Equal(3, (int)redelivered["redelivered"]!);
        Assert.Equal([events[0], events[0], events[1], events[2]], hooks.Receiver.Requests.Select(r => r.Id));
        foreach (var e in events) Assert.Equal("succeeded", (string)(await hooks.DeliveryAsync(e))["status"]!);
        Assert.Equal(0, (int)(await Envelopes.AssertOk(await hooks.Api.PostAsync(dead, null)))["redelivered"]!);
    }

    [Fact]
    public async Task TestEndpoint_SendsASignedPingNow_AndAnswersWhatTheEndpointSaid()
    {
        await using var hooks = await Hooks.StartAsync(app);
        hooks.Receiver.Answer = _ => new WebhookReceiver.Reply(200, Body: "pong");

        var result = await Envelopes.AssertOk(await hooks.Api.PostAsync($"{Hooks.Endpoints}/{hooks.EndpointId}/test", null));

        var ping = Assert.Single(hooks.Receiver.Requests);
        Assert.True(WebhookReceiver.SignedWith(ping, hooks.Secret));
        Assert.Equal(("ping", hooks.EndpointId), (ping.Type, (string)ping.Json["endpoint_id"]!));
        Assert.Null(ping.Json["sequence"]);
        Assert.Equal((ping.Id, true, 200, "pong"), ((string)result["event_id"]!, (bool)result["delivered"]!, (int)result["status_code"]!, (string)result["response_excerpt"]!));
        Assert.Equal("succeeded", (string)(await hooks.DeliveryAsync(ping.Id))["status"]!);
    }

    [Fact]
    public async Task TestEndpoint_ThatFails_IsNotRetried_AndLeavesTheEndpointAlone()
    {
        await using var hooks = await Hooks.StartAsync(app);
        hooks.Receiver.Answer = _ => new WebhookReceiver.Reply(410);

        var result = await Envelopes.AssertOk(await hooks.Api.PostAsync($"{Hooks.Endpoints}/{hooks.EndpointId}/test", null));

        Assert.Equal((false, 410), ((bool)result["delivered"]!, (int)result["status_code"]!));
        Assert.Equal("dead", (string)(await hooks.DeliveryAsync((string)result["event_id"]!))["status"]!);
        var endpoint = await hooks.EndpointAsync();
        Assert.True((bool)endpoint["enabled"]!);
        Assert.Null(endpoint["failing_since"]);
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        await hooks.DeliverAsync();
        Assert.Single(hooks.Receiver.Requests);
    }

    [Fact]
    public async Task PruneAttempts_DeletesAttemptsOlderThan30Days_AndKeepsTheRest()
    {
        await using var hooks = await Hooks.StartAsync(app);
        var old = await hooks.EmitAsync(IntentId());
        await hooks.DeliverAsync();
        app.Clock.Advance(TimeSpan.FromDays(29));
        var recent = await hooks.EmitAsync(IntentId());
        await hooks.DeliverAsync();
        app.Clock.Advance(TimeSpan.FromDays(2));

        await app.Services.GetRequiredService<PruneWebhookAttempts>().RunAsync(CancellationToken.None);

        Assert.Empty((await hooks.DeliveryAsync(old))["attempts"]!.AsArray());
        Assert.Equal("succeeded", (string)(await hooks.DeliveryAsync(old))["status"]!);
        Assert.Single((await hooks.DeliveryAsync(recent))["attempts"]!.AsArray());
    }
}
