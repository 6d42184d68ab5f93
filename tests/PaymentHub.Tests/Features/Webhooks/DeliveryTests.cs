using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using PaymentHub.Features.Webhooks;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Webhooks;

/// <summary>PaymentHub with a one-second webhook timeout, so a receiver that hangs costs a test one second.</summary>
public sealed class WebhookApp : PaymentHubFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("PaymentHub:Webhooks:TimeoutSeconds", "1");
    }
}

/// <summary>
/// Delivery through the recurring job's code, run by the test (no Hangfire server), against a real
/// receiver that checks signatures itself; the clock is moved, never waited for.
/// </summary>
public sealed class DeliveryTests(WebhookApp app) : IClassFixture<WebhookApp>
{
    private static string IntentId() => "pi_" + Guid.NewGuid();

    [Fact]
    public async Task Deliver_ToAReceiverAnswering200_SendsTheSignedPayloadOnce_AndRecordsTheAttempt()
    {
        await using var hooks = await Hooks.StartAsync(app);
        var intent = IntentId();
        var eventId = await hooks.EmitAsync(intent);

        await hooks.DeliverAsync();

        var r = Assert.Single(hooks.Receiver.Requests);
        Assert.Equal(eventId, r.Id);
        Assert.True(WebhookReceiver.SignedWith(r, hooks.Secret), r.Signature);
        Assert.Equal(app.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(), r.Timestamp);
        Assert.Null(r.XSignature);
        var payload = r.Json;
        Assert.Equal(("payment.canceled", eventId, intent, false, 1), ((string)payload["event"]!, (string)payload["event_id"]!,
            (string)payload["intent_id"]!, (bool)payload["livemode"]!, (int)payload["sequence"]!));
        var delivery = await hooks.DeliveryAsync(eventId);
        Assert.Equal("succeeded", (string)delivery["status"]!);
        var attempt = Assert.Single(delivery["attempts"]!.AsArray())!;
        Assert.Equal((200, "ok"), ((int)attempt["status_code"]!, (string)attempt["response_excerpt"]!));

        await hooks.DeliverAsync();
        Assert.Single(hooks.Receiver.Requests);
    }

    [Fact]
    public async Task Deliver_AnEventStampedByATestClockDaysAhead_IsSentAtOnce()
    {
        await using var hooks = await Hooks.StartAsync(app);
        var intent = IntentId();
        var ahead = app.Clock.GetUtcNow().AddDays(40);
        var eventId = await app.WriteAsync(tx => Outbox.EmitAsync(tx, new WebhookEvent(hooks.MerchantId, "test", "subscription.renewed", intent, "sub_x",
            new JsonObject { ["subscription_id"] = "sub_x", ["intent_id"] = intent }), ahead));

        await hooks.DeliverAsync();

        var r = Assert.Single(hooks.Receiver.Requests);
        Assert.Equal((eventId, Formats.Timestamp(ahead)), (r.Id, (string)r.Json["created_at"]!));
        Assert.Equal(app.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(), r.Timestamp);
    }

    [Fact]
    public async Task Deliver_AfterA500_RetriesAfterFiveSecondsWithTheSameWebhookId()
    {
        await using var hooks = await Hooks.StartAsync(app);
        hooks.Receiver.Answer = r => r.Attempt == 1 ? new WebhookReceiver.Reply(500, Body: "boom") : new WebhookReceiver.Reply();
        var eventId = await hooks.EmitAsync(IntentId());

        await hooks.DeliverAsync();
        var failed = await hooks.DeliveryAsync(eventId);
        Assert.Equal("pending", (string)failed["status"]!);
        var wait = DateTimeOffset.Parse((string)failed["next_attempt_at"]!) - app.Clock.GetUtcNow();
        Assert.InRange(wait, TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(5.5));
        Assert.Equal(500, (int)failed["last_status_code"]!);

        await hooks.DeliverAsync();
        Assert.Single(hooks.Receiver.Requests);
        app.Clock.Advance(TimeSpan.FromSeconds(6));
        await hooks.DeliverAsync();

        var requests = hooks.Receiver.Requests;
        Assert.Equal([eventId, eventId], requests.Select(r => r.Id));
        Assert.All(requests, r => Assert.True(WebhookReceiver.SignedWith(r, hooks.Secret)));
        var delivery = await hooks.DeliveryAsync(eventId);
        Assert.Equal("succeeded", (string)delivery["status"]!);
        Assert.Equal([500, 200], delivery["attempts"]!.AsArray().Select(a => (int)a!["status_code"]!));
        Assert.Equal("boom", (string)delivery["attempts"]![0]!["response_excerpt"]!);
    }

    [Fact]
    public async Task Deliver_ToAReceiverThatHangs_TimesOutAndRetries()
    {
        await using var hooks = await Hooks.StartAsync(app);
        hooks.Receiver.Answer = _ => new WebhookReceiver.Reply(Delay: TimeSpan.FromSeconds(5));
        var eventId = await hooks.EmitAsync(IntentId());

        await hooks.DeliverAsync();

        var delivery = await hooks.DeliveryAsync(eventId);
        Assert.Equal("pending", (string)delivery["status"]!);
        var attempt = delivery["attempts"]![0]!;
        Assert.Null(attempt["status_code"]);
        Assert.Equal("timed out after 1 s", (string)attempt["error"]!);
        Assert.InRange((long)attempt["latency_ms"]!, 900, 6000);
    }

    [Fact]
    public async Task Deliver_ToAClosedPort_RecordsConnectionRefused()
    {
        await using var hooks = await Hooks.StartAsync(app);
        var closed = new Uri(hooks.Receiver.Url);
        await hooks.Receiver.DisposeAsync();
        var eventId = await hooks.EmitAsync(IntentId());

        await hooks.DeliverAsync();

        var delivery = await hooks.DeliveryAsync(eventId);
        Assert.Equal("pending", (string)delivery["status"]!);
        Assert.Equal("connection refused", (string)delivery["attempts"]![0]!["error"]!);
        Assert.Equal("connection refused", (string)delivery["last_error"]!);
        Assert.Equal(closed.ToString(), (string)delivery["url"]!);
    }

    [Fact]
    public async Task Deliver_AnsweredWith410_DisablesTheEndpoint_AndGivesUpWhatWasWaiting()
    {
        await using var hooks = await Hooks.StartAsync(app);
        hooks.Receiver.Answer = _ => new WebhookReceiver.Reply(410);
        var intent = IntentId();
        var first = await hooks.EmitAsync(intent);
        var second = await hooks.EmitAsync(intent);

        await hooks.DeliverAsync();

        Assert.Single(hooks.Receiver.Requests);
        var endpoint = await hooks.EndpointAsync();
        Assert.False((bool)endpoint["enabled"]!);
        Assert.Contains("410", (string)endpoint["disabled_reason"]!);
        Assert.NotNull(endpoint["disabled_at"]);
        Assert.Equal("dead", (string)(await hooks.DeliveryAsync(first))["status"]!);
        var waiting = await hooks.DeliveryAsync(second);
        Assert.Equal("dead", (string)waiting["status"]!);
        Assert.Contains("disabled", (string)waiting["last_error"]!);
        await hooks.EmitAsync(intent);
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        await hooks.DeliverAsync();
        Assert.Single(hooks.Receiver.Requests);
    }

    [Fact]
    public async Task Deliver_WithRetryAfter_WaitsAsLongAsTheReceiverAsks()
    {
        await using var hooks = await Hooks.StartAsync(app);
        hooks.Receiver.Answer = r => r.Attempt == 1 ? new WebhookReceiver.Reply(503, RetryAfter: "120") : new WebhookReceiver.Reply();
        var eventId = await hooks.EmitAsync(IntentId());

        await hooks.DeliverAsync();
        var failed = await hooks.DeliveryAsync(eventId);
        Assert.Equal(app.Clock.GetUtcNow().AddSeconds(120), DateTimeOffset.Parse((string)failed["next_attempt_at"]!));

        app.Clock.Advance(TimeSpan.FromSeconds(60));
        await hooks.DeliverAsync();
        Assert.Single(hooks.Receiver.Requests);
        app.Clock.Advance(TimeSpan.FromSeconds(61));
        await hooks.DeliverAsync();
        Assert.Equal(2, hooks.Receiver.Requests.Count);
        Assert.Equal("succeeded", (string)(await hooks.DeliveryAsync(eventId))["status"]!);
    }

    [Fact]
    public async Task Deliver_WhileAnIntentsEarlierEventIsRetried_HoldsItsLaterOnes_ButNotOtherIntents()
    {
        await using var hooks = await Hooks.StartAsync(app);
        var (slow, other) = (IntentId(), IntentId());
        // The receiver fails the first three requests for the slow intent, then recovers.
        var failures = 0;
        hooks.Receiver.Answer = r => (string)r.Json["intent_id"]! == slow && Interlocked.Increment(ref failures) <= 3
            ? new WebhookReceiver.Reply(500) : new WebhookReceiver.Reply();
        var slowEvents = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            slowEvents.Add(await hooks.EmitAsync(slow, i == 0 ? "payment.failed" : "payment.canceled"));
            if (i == 1) await hooks.EmitAsync(other);
        }

        for (var round = 0; round < 6; round++)
        {
            await hooks.DeliverAsync();
            app.Clock.Advance(TimeSpan.FromMinutes(31));
        }

        var requests = hooks.Receiver.Requests;
        var delivered = requests.Where(r => (string)r.Json["intent_id"]! == slow).Select(r => r.Id).ToList();
        Assert.Equal([slowEvents[0], slowEvents[0], slowEvents[0], slowEvents[0], slowEvents[1], slowEvents[2], slowEvents[3]], delivered);
        Assert.Equal([1, 1, 1, 1, 2, 3, 4], requests.Where(r => (string)r.Json["intent_id"]! == slow).Select(r => (int)r.Json["sequence"]!));
        // The other intent's event did not wait for the slow one: it went out with the first attempt of the slow intent's first event.
        Assert.Contains(requests.Take(2), r => (string)r.Json["intent_id"]! == other);
    }

    [Fact]
    public async Task Deliver_FailingForThreeDays_FollowsTheScheduleThenDies_AndDisablesTheEndpoint()
    {
        await using var hooks = await Hooks.StartAsync(app);
        hooks.Receiver.Answer = _ => new WebhookReceiver.Reply(503);
        var start = app.Clock.GetUtcNow();
        var eventId = await hooks.EmitAsync(IntentId());

        await hooks.DeliverAsync();
        for (var i = 0; i < 20 && (string)(await hooks.DeliveryAsync(eventId))["status"]! == "pending"; i++)
        {
            app.Clock.Set(DateTimeOffset.Parse((string)(await hooks.DeliveryAsync(eventId))["next_attempt_at"]!));
            await hooks.DeliverAsync();
        }

        var delivery = await hooks.DeliveryAsync(eventId);
        Assert.Equal("dead", (string)delivery["status"]!);
        Assert.StartsWith("Retries used up.", (string)delivery["last_error"]!);
        var times = delivery["attempts"]!.AsArray().Select(a => DateTimeOffset.Parse((string)a!["attempted_at"]!)).ToList();
        Assert.Equal(10, times.Count);
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        for (var i = 0; i < gaps.Count; i++)
            Assert.InRange(gaps[i], WebhookDispatcher.Delays[i] - TimeSpan.FromMilliseconds(1), WebhookDispatcher.Delays[i] * 1.1);
        Assert.InRange(times[^1] - start, WebhookDispatcher.FailingLimit, TimeSpan.FromDays(3.5));
        var endpoint = await hooks.EndpointAsync();
        Assert.False((bool)endpoint["enabled"]!);
        Assert.Contains("3 days", (string)endpoint["disabled_reason"]!);
        Assert.Equal(start, DateTimeOffset.Parse((string)endpoint["failing_since"]!));
    }

    [Fact]
    public async Task Deliver_WithXSignature_AddsTheSha1OfBodyAndSecret()
    {
        await using var hooks = await Hooks.StartAsync(app, fields: new JsonObject { ["x_signature"] = true });
        await hooks.EmitAsync(IntentId());

        await hooks.DeliverAsync();

        var r = Assert.Single(hooks.Receiver.Requests);
        Assert.Equal(WebhookReceiver.ExpectedXSignature(r, hooks.Secret), r.XSignature);
        Assert.True(WebhookReceiver.SignedWith(r, hooks.Secret));
    }

    [Fact]
    public async Task Deliver_OnlyTheEventTypesTheEndpointTakes()
    {
        await using var hooks = await Hooks.StartAsync(app, fields: new JsonObject { ["event_types"] = new JsonArray("payment.refunded") });
        var intent = IntentId();
        await hooks.EmitAsync(intent, "payment.canceled");
        var refunded = await hooks.EmitAsync(intent, "payment.refunded");

        await hooks.DeliverAsync();

        Assert.Equal([refunded], hooks.Receiver.Requests.Select(r => r.Id));
    }

    [Fact]
    public async Task RotateSecret_SignsWithBothSecretsFor24Hours_ThenWithTheNewOneOnly()
    {
        await using var hooks = await Hooks.StartAsync(app);
        var old = hooks.Secret;
        var rotated = await Envelopes.AssertOk(await hooks.Api.PostAsync($"{Hooks.Endpoints}/{hooks.EndpointId}/rotate-secret", null));
        var fresh = (string)rotated["secret"]!;
        Assert.NotEqual(old, fresh);
        Assert.Equal(app.Clock.GetUtcNow().AddHours(24), DateTimeOffset.Parse((string)rotated["previous_secret_expires_at"]!));

        await hooks.EmitAsync(IntentId());
        await hooks.DeliverAsync();
        app.Clock.Advance(TimeSpan.FromHours(23));
        await hooks.EmitAsync(IntentId());
        await hooks.DeliverAsync();
        app.Clock.Advance(TimeSpan.FromHours(1));
        await hooks.EmitAsync(IntentId());
        await hooks.DeliverAsync();

        var requests = hooks.Receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.True(WebhookReceiver.SignedWith(r, fresh)));
        Assert.Equal([true, true, false], requests.Select(r => WebhookReceiver.SignedWith(r, old)));
        Assert.Equal([2, 2, 1], requests.Select(r => r.Signature.Split(' ').Length));
        Assert.Null((await hooks.EndpointAsync())["previous_secret_expires_at"]);
    }
}
