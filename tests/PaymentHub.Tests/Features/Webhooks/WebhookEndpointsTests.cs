using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Security;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Webhooks;

/// <summary>
/// PaymentHub whose name resolution answers a public address for <see cref="Host"/> when the
/// endpoint is created and 127.0.0.1 ever after (DNS rebinding). With the setting that allows
/// private addresses, creation does not look the name up, so every answer is 127.0.0.1.
/// </summary>
public sealed class RebindingApp : PaymentHubFactory
{
    public const string Host = "hooks.rebind.test";

    public bool AllowPrivate { get; init; }

    private sealed class Resolver(int publicAnswers) : IHostResolver
    {
        private int _calls;

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
            host != Host ? Dns.GetHostAddressesAsync(host, ct)
            : Task.FromResult(Interlocked.Increment(ref _calls) <= publicAnswers ? [IPAddress.Parse("93.184.216.34")] : new[] { IPAddress.Loopback });
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (AllowPrivate) builder.UseSetting("PaymentHub:Webhooks:AllowPrivateAddresses", "true");
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<IHostResolver>();
            services.AddSingleton<IHostResolver>(new Resolver(AllowPrivate ? 0 : 1));
        });
    }
}

public sealed class WebhookEndpointsTests(WebhookApp app) : IClassFixture<WebhookApp>
{
    private const string Endpoints = Hooks.Endpoints;

    private static string Body(string url, string extra = "") => $$"""{ "url": "{{url}}"{{extra}} }""";

    [Fact]
    public async Task CreateEndpoint_ShowsTheSecretOnce_AndKeepsItEncryptedAtRest()
    {
        var api = await app.NewMerchantApiAsync();

        var created = await Envelopes.AssertOk(await api.PostJson(Endpoints,
            Body("https://shop.example/hooks", """, "description": "Orders", "event_types": ["payment.succeeded", "payment.refunded"] """)));

        var secret = (string)created["secret"]!;
        Assert.StartsWith("whsec_", secret);
        Assert.StartsWith("we_", (string)created["id"]!);
        Assert.Equal(["payment.refunded", "payment.succeeded"], created["event_types"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(("https://shop.example/hooks", "Orders", true, false, false),
            ((string)created["url"]!, (string)created["description"]!, (bool)created["enabled"]!, (bool)created["x_signature"]!, (bool)created["livemode"]!));
        var fetched = await Envelopes.AssertOk(await api.GetAsync($"{Endpoints}/{created["id"]}"));
        Assert.Null(fetched["secret"]);
        var listed = await Envelopes.AssertOk(await api.GetAsync(Endpoints));
        Assert.Equal(1, (int)listed["total"]!);
        Assert.Null(listed["items"]![0]!["secret"]);

        var stored = app.Scalar<string>("SELECT secret_protected FROM webhook_endpoints WHERE id = @Id", new { Id = (string)created["id"]! });
        Assert.DoesNotContain(secret["whsec_".Length..], stored);
        var everything = await TestDatabases.AllStoredTextAsync(app.DataPath);
        Assert.Contains((string)created["id"]!, everything); // the search does see the stored rows
        Assert.DoesNotContain(secret["whsec_".Length..], everything);
    }

    [Fact]
    public async Task CreateEndpoint_WithoutUrlOrWithBadFields_Returns422()
    {
        var api = await app.NewMerchantApiAsync();

        await Envelopes.AssertValidationError(await api.PostJson(Endpoints, "{}"), "url", "The url field is required.");
        await Envelopes.AssertValidationError(await api.PostJson(Endpoints, Body("ftp://shop.example/x")), "url", "The url must be an absolute http or https URL.");
        await Envelopes.AssertValidationError(await api.PostJson(Endpoints, Body("/relative")), "url", "The url must be an absolute http or https URL.");
        await Envelopes.AssertValidationError(await api.PostJson(Endpoints, Body("https://shop.example", """, "event_types": ["payment.nope"]""")),
            "event_types.0", "The event types.0 must be \"*\" or one of: payment.succeeded, payment.failed, payment.canceled, payment.expired, payment.captured, payment.refunded, subscription.created, subscription.renewed, subscription.failed, subscription.canceled.");
        await Envelopes.AssertValidationError(await api.PostJson(Endpoints, """{ "url": "https://shop.example", "enabled": "yes" }"""),
            "enabled", "The enabled field must be true or false.");
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000/hook")]
    [InlineData("http://localhost:9000/hook")]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("http://192.168.1.20/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::1]:9000/hook")]
    public async Task CreateEndpoint_InLiveMode_OnALocalAddress_Returns422(string url)
    {
        var live = await app.NewMerchantApiAsync("live");

        var response = await live.PostJson(Endpoints, Body(url));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var message = (string)(await response.Body())["errors"]!["url"]![0]!;
        Assert.StartsWith("The url must reach a public address in live mode: ", message);
        Assert.Equal(0, (int)(await Envelopes.AssertOk(await live.GetAsync(Endpoints)))["total"]!);
    }

    [Fact]
    public async Task CreateEndpoint_InTestMode_OnALocalAddress_IsAllowed()
    {
        var api = await app.NewMerchantApiAsync();

        var created = await Envelopes.AssertOk(await api.PostJson(Endpoints, Body("http://127.0.0.1:9000/hook")));

        Assert.False((bool)created["livemode"]!);
    }

    [Fact]
    public async Task LiveEndpoint_WhoseNameLaterResolvesToLoopback_IsRefusedWhenSending_UnlessTheSettingAllowsIt()
    {
        foreach (var allow in new[] { false, true })
        {
            await using var rebinding = new RebindingApp { AllowPrivate = allow };
            await using var receiver = await WebhookReceiver.StartAsync();
            var port = new Uri(receiver.Url).Port;
            var merchant = await rebinding.CreateMerchantAsync();
            var live = rebinding.Api(await rebinding.CreateClientAsync(merchant, "live"));
            await Envelopes.AssertOk(await live.PostJson(Endpoints, Body($"http://{RebindingApp.Host}:{port}/hook")));
            var intent = "pi_" + Guid.NewGuid();
            var eventId = await rebinding.WriteAsync(tx => PaymentHub.Features.Webhooks.Contracts.Outbox.EmitAsync(tx,
                new PaymentHub.Features.Webhooks.Contracts.WebhookEvent(merchant, "live", "payment.canceled", intent, null, new JsonObject { ["intent_id"] = intent }),
                rebinding.Clock.GetUtcNow()));

            await Hooks.Deliver(rebinding);

            var delivery = (await Envelopes.AssertOk(await live.GetAsync($"/api/platform/events/{eventId}")))["deliveries"]![0]!;
            if (allow)
            {
                Assert.Single(receiver.Requests);
                Assert.Equal("succeeded", (string)delivery["status"]!);
            }
            else
            {
                Assert.Empty(receiver.Requests);
                Assert.Equal("pending", (string)delivery["status"]!);
                Assert.Equal($"refused to connect: {RebindingApp.Host} resolves to 127.0.0.1, which is not a public address", (string)delivery["last_error"]!);
            }
        }
    }

    [Fact]
    public async Task UpdateEndpoint_ChangesOnlyWhatIsGiven_AndDisablingAndEnablingWork()
    {
        var api = await app.NewMerchantApiAsync();
        var id = (string)(await Envelopes.AssertOk(await api.PostJson(Endpoints, Body("https://a.example/h", """, "description": "A" """))))["id"]!;

        var changed = await Envelopes.AssertOk(await api.PatchJson($"{Endpoints}/{id}", """{ "url": "https://b.example/h", "x_signature": true }"""));
        Assert.Equal(("https://b.example/h", "A", true, true), ((string)changed["url"]!, (string)changed["description"]!, (bool)changed["x_signature"]!, (bool)changed["enabled"]!));

        var disabled = await Envelopes.AssertOk(await api.PatchJson($"{Endpoints}/{id}", """{ "enabled": false, "description": "" }"""));
        Assert.Equal((false, "Disabled through the API."), ((bool)disabled["enabled"]!, (string)disabled["disabled_reason"]!));
        Assert.Null(disabled["description"]);

        var enabled = await Envelopes.AssertOk(await api.PatchJson($"{Endpoints}/{id}", """{ "enabled": true, "event_types": ["*"] }"""));
        Assert.True((bool)enabled["enabled"]!);
        Assert.Null(enabled["disabled_reason"]);
        Assert.Null(enabled["disabled_at"]);
        Assert.Equal(["*"], enabled["event_types"]!.AsArray().Select(t => (string)t!));
    }

    [Fact]
    public async Task DeleteEndpoint_RemovesIt_FromGetAndList()
    {
        var api = await app.NewMerchantApiAsync();
        var id = (string)(await Envelopes.AssertOk(await api.PostJson(Endpoints, Body("https://a.example/h"))))["id"]!;

        var deleted = await Envelopes.AssertOk(await api.DeleteAsync($"{Endpoints}/{id}"));

        Assert.Equal((id, true), ((string)deleted["id"]!, (bool)deleted["deleted"]!));
        await Envelopes.AssertError(await api.GetAsync($"{Endpoints}/{id}"), HttpStatusCode.NotFound, "Webhook endpoint not found.", ErrorCodes.WebhookEndpointNotFound);
        await Envelopes.AssertError(await api.DeleteAsync($"{Endpoints}/{id}"), HttpStatusCode.NotFound, code: ErrorCodes.WebhookEndpointNotFound);
        Assert.Equal(0, (int)(await Envelopes.AssertOk(await api.GetAsync(Endpoints)))["total"]!);
    }

    [Fact]
    public async Task Endpoints_OfAnotherMerchantOrMode_AreNotFound()
    {
        var api = await app.NewMerchantApiAsync();
        var id = (string)(await Envelopes.AssertOk(await api.PostJson(Endpoints, Body("https://a.example/h"))))["id"]!;
        var other = await app.NewMerchantApiAsync();

        foreach (var request in new Func<Task<HttpResponseMessage>>[]
                 {
                     () => other.GetAsync($"{Endpoints}/{id}"),
                     () => other.PatchJson($"{Endpoints}/{id}", """{ "enabled": false }"""),
                     () => other.PostAsync($"{Endpoints}/{id}/rotate-secret", null),
                     () => other.PostAsync($"{Endpoints}/{id}/test", null),
                     () => other.PostAsync($"{Endpoints}/{id}/redeliver-dead", null),
                     () => other.DeleteAsync($"{Endpoints}/{id}"),
                 })
            await Envelopes.AssertError(await request(), HttpStatusCode.NotFound, code: ErrorCodes.WebhookEndpointNotFound);
        Assert.Equal(0, (int)(await Envelopes.AssertOk(await other.GetAsync(Endpoints)))["total"]!);
        Assert.True((bool)(await Envelopes.AssertOk(await api.GetAsync($"{Endpoints}/{id}")))["enabled"]!);
    }
}
