using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Webhooks;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Webhooks;

/// <summary>
/// A merchant of its own (so deliveries of other tests never reach it), a receiver and an endpoint
/// pointing at it. Disposing deletes the endpoint, so nothing of this test is retried into another.
/// </summary>
public sealed class Hooks : IAsyncDisposable
{
    public const string Endpoints = "/api/platform/webhook-endpoints";

    private readonly PaymentHubFactory _app;

    private Hooks(PaymentHubFactory app, HttpClient api, string merchantId, string mode, WebhookReceiver receiver) =>
        (_app, Api, MerchantId, Mode, Receiver) = (app, api, merchantId, mode, receiver);

    public HttpClient Api { get; }
    public string MerchantId { get; }
    public string Mode { get; }
    public WebhookReceiver Receiver { get; }
    public JsonNode Endpoint { get; private set; } = null!;
    public string EndpointId => (string)Endpoint["id"]!;
    public string Secret => (string)Endpoint["secret"]!;

    /// <summary>A new merchant with an API client in <paramref name="mode"/>, a receiver, and an endpoint to it (with <paramref name="fields"/> added to the body).</summary>
    public static async Task<Hooks> StartAsync(PaymentHubFactory app, string mode = "test", JsonObject? fields = null)
    {
        var merchant = await app.CreateMerchantAsync();
        var api = app.Api(await app.CreateClientAsync(merchant, mode));
        var hooks = new Hooks(app, api, merchant, mode, await WebhookReceiver.StartAsync());
        var body = fields ?? [];
        body["url"] ??= hooks.Receiver.Url;
        hooks.Endpoint = await Envelopes.AssertOk(await api.PostJson(Endpoints, body.ToJsonString()));
        return hooks;
    }

    /// <summary>Writes an event for <paramref name="intentId"/> as the payment code would; returns its id.</summary>
    public Task<string> EmitAsync(string intentId, string type = "payment.canceled") =>
        _app.WriteAsync(tx => Outbox.EmitAsync(tx, new WebhookEvent(MerchantId, Mode, type, intentId, null,
            new JsonObject { ["intent_id"] = intentId, ["message"] = "for a test", ["metadata"] = new JsonObject() }), _app.Clock.GetUtcNow()));

    /// <summary>One run of the recurring delivery job, as Hangfire would start it.</summary>
    public Task DeliverAsync() => Deliver(_app);

    public static Task Deliver(PaymentHubFactory app) => app.Services.GetRequiredService<DeliverWebhooks>().RunAsync(CancellationToken.None);

    public async Task<JsonNode> EventAsync(string eventId) => await Envelopes.AssertOk(await Api.GetAsync($"/api/platform/events/{eventId}"));

    public async Task<JsonNode> EndpointAsync() => await Envelopes.AssertOk(await Api.GetAsync($"{Endpoints}/{EndpointId}"));

    /// <summary>The one delivery of an event (to this endpoint).</summary>
    public async Task<JsonNode> DeliveryAsync(string eventId) => (await EventAsync(eventId))["deliveries"]!.AsArray().Single(d => (string)d!["endpoint_id"]! == EndpointId)!;

    public async ValueTask DisposeAsync()
    {
        await Api.DeleteAsync($"{Endpoints}/{EndpointId}");
        await Receiver.DisposeAsync();
    }
}

public static class HttpJson
{
    public static Task<HttpResponseMessage> PatchJson(this HttpClient client, string url, string json) => client.PatchAsync(url, Http.Json(json));
}
