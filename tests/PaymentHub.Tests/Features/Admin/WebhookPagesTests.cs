using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Features.Webhooks;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Admin;

/// <summary>
/// Webhook endpoints in the panel, each action through its API endpoint's handler, against a real
/// receiver; deliveries are sent by the delivery job's code, run by the test.
/// </summary>
public sealed partial class WebhookPagesTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    /// <summary>A merchant of its own (so no other test's events reach its endpoints), its test API, and the panel showing it.</summary>
    private async Task<(string Merchant, HttpClient Api, AdminClient Admin)> OwnMerchantAsync()
    {
        var merchant = await app.CreateMerchantAsync("Webhook shop");
        var api = app.Api(await app.CreateClientAsync(merchant));
        var admin = await AdminClient.SignInAsync(app);
        Assert.Equal(HttpStatusCode.Found, (await admin.SwitchMerchantAsync(merchant)).StatusCode);
        return (merchant, api, admin);
    }

    /// <summary>Creates an endpoint on the Webhooks page; returns its id and the page it leads to (which shows the secret).</summary>
    private static async Task<(string Id, string Page)> CreateAsync(AdminClient admin, string url, params (string, string)[] more)
    {
        var response = await admin.SubmitAsync("/admin/webhooks", "create-endpoint", [("Create.Url", url), .. more]);
        var location = response.Headers.Location?.ToString() ?? "";
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var id = Regex.Match(location, "/admin/webhooks/(we_[0-9a-f-]+)$").Groups[1].Value;
        Assert.NotEmpty(id);
        return (id, WebUtility.HtmlDecode(await admin.FollowAsync(response)));
    }

    /// <summary>A payment.canceled event of the merchant: an intent created and cancelled through the API.</summary>
    private static async Task<string> CancelledIntentAsync(HttpClient api)
    {
        var id = await api.CreateIntentIdAsync();
        Assert.Equal(HttpStatusCode.OK, (await api.CancelAsync(id)).StatusCode);
        return id;
    }

    private string EventOf(string intentId) => app.Scalar<string>("SELECT id FROM events WHERE intent_id = @intentId AND type = 'payment.canceled'", new { intentId });

    /// <summary>One row, as a tuple of its columns.</summary>
    private T Row<T>(string sql, object args)
    {
        using var connection = app.Open();
        return connection.QuerySingle<T>(sql, args);
    }

    private static string? Secret(string html) => SecretValue().Match(html) is { Success: true } m ? m.Groups[1].Value : null;

    [Fact]
    public async Task Create_ShowsTheSecretOnce_KeepsItEncrypted_AndTheTestEventIsSignedWithIt()
    {
        var (merchant, _, admin) = await OwnMerchantAsync();
        await using var receiver = await WebhookReceiver.StartAsync();

        var (id, page) = await CreateAsync(admin, receiver.Url, ("Create.Description", "Order system"),
            ("Create.EventTypes", "payment.succeeded"), ("Create.EventTypes", "payment.canceled"));
        var secret = Secret(page);
        var again = await admin.PageAsync($"/admin/webhooks/{id}");
        var list = WebUtility.HtmlDecode(await admin.PageAsync("/admin/webhooks"));
        var tested = WebUtility.HtmlDecode(await admin.FollowAsync(await admin.SubmitAsync($"/admin/webhooks/{id}", "test-endpoint")));

        Assert.Contains("Copy its signing secret now: it is not shown again.", page);
        Assert.Matches("^whsec_[A-Za-z0-9+/=]{32,}$", secret);
        Assert.DoesNotContain(secret!, again);
        Assert.Null(Secret(again));
        Assert.Equal(("Order system", "payment.canceled payment.succeeded", merchant), Row<(string, string, string)>(
            "SELECT description, event_types, merchant_id FROM webhook_endpoints WHERE id = @id", new { id }));
        Assert.DoesNotContain(secret!, app.Scalar<string>("SELECT secret_protected FROM webhook_endpoints WHERE id = @id", new { id }));
        Assert.Contains($"<a href=\"/admin/webhooks/{id}\">{receiver.Url}</a>", list);
        Assert.Contains("payment.canceled, payment.succeeded", list);
        Assert.Matches("The test event was delivered: HTTP 200 in \\d+ ms.", tested);
        var ping = Assert.Single(receiver.Requests);
        Assert.Equal("ping", ping.Type);
        Assert.True(WebhookReceiver.SignedWith(ping, secret!));
        Assert.Contains(">ping <span class=\"muted\">" + ping.Id + "</span></h3>", tested);
    }

    [Fact]
    public async Task Create_WithABadUrl_OrAPrivateOneInLiveMode_IsRefusedNextToTheField()
    {
        var (_, _, admin) = await OwnMerchantAsync();

        var bad = await admin.SubmitAsync("/admin/webhooks", "create-endpoint", ("Create.Url", "shop.example/hooks"));
        await admin.SubmitAsync("/admin", "/admin/session/mode", ("mode", "live"));
        var local = await admin.SubmitAsync("/admin/webhooks", "create-endpoint", ("Create.Url", "http://127.0.0.1:9/hooks"));

        var badHtml = await bad.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Contains("<p class=\"field-error\" id=\"endpoint-url-error\">The url must be an absolute http or https URL.</p>", badHtml);
        Assert.Matches("<input id=\"endpoint-url\"[^>]*aria-invalid=\"true\"", badHtml);
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Contains("The url must reach a public address in live mode", WebUtility.HtmlDecode(await local.Content.ReadAsStringAsync()));
        Assert.Equal(0, app.Scalar<long>("SELECT COUNT(*) FROM webhook_endpoints WHERE url IN ('shop.example/hooks', 'http://127.0.0.1:9/hooks')"));
    }

    [Fact]
    public async Task RetryNow_OnADeliveryThatFailed_SendsItAgain_AndThePageShowsEveryAttempt()
    {
        var (_, api, admin) = await OwnMerchantAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = r => r.Attempt == 1 ? new WebhookReceiver.Reply(503, Body: "busy, try later") : new WebhookReceiver.Reply(Body: "thanks");
        var (endpoint, _) = await CreateAsync(admin, receiver.Url);
        var intent = await CancelledIntentAsync(api);
        var eventId = EventOf(intent);
        await Hooks.Deliver(app);

        var failed = WebUtility.HtmlDecode(await admin.PageAsync($"/admin/webhooks/{endpoint}"));
        var retried = WebUtility.HtmlDecode(await admin.FollowAsync(await admin.SubmitAsync($"/admin/webhooks/{endpoint}", "retry-delivery",
            ("Retry.EventId", eventId))));
        var queued = Row<(string, long)>("SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = @endpoint", new { endpoint });
        await Hooks.Deliver(app);
        var delivered = WebUtility.HtmlDecode(await admin.PageAsync($"/admin/webhooks/{endpoint}"));

        Assert.Contains($">payment.canceled <span class=\"muted\">{eventId}</span></h3>", failed);
        Assert.Contains("attempt 1 failed (HTTP 503); next attempt", failed);
        Assert.Contains("<dt>Last error</dt><dd>HTTP 503: only a 2xx answer counts as delivered</dd>", failed);
        Assert.Matches(new Regex($"aria-label=\"Attempts of {eventId}\">.*?<td class=\"num\">503</td>.*?<code>busy, try later</code>", RegexOptions.Singleline), failed);
        Assert.Contains($"&quot;intent_id&quot;: &quot;{intent}&quot;", WebUtility.HtmlEncode(failed));
        Assert.Contains($"<a href=\"/admin/intents/{intent}\">{intent}</a>", failed);
        Assert.Contains($"name=\"Retry.EventId\" value=\"{eventId}\"", failed);
        Assert.Contains($"{eventId} is being sent to this endpoint again now", retried);
        Assert.Equal(("pending", 0L), queued);
        Assert.Equal([eventId, eventId], receiver.Requests.Select(r => r.Id));
        Assert.Contains("<span class=\"status succeeded\">succeeded</span> delivered", delivered);
        Assert.Matches(new Regex($"aria-label=\"Attempts of {eventId}\">.*?>503</td>.*?>200</td>.*?<code>thanks</code>", RegexOptions.Singleline), delivered);
        Assert.DoesNotContain($"name=\"Retry.EventId\" value=\"{eventId}\"", delivered);
    }

    [Fact]
    public async Task Disable_GivesUpWhatWaits_TheDashboardCountsIt_AndEnableThenRedeliverDeadSendsIt()
    {
        var (_, api, admin) = await OwnMerchantAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, _) = await CreateAsync(admin, receiver.Url);
        var eventId = EventOf(await CancelledIntentAsync(api));

        var disabled = WebUtility.HtmlDecode(await admin.FollowAsync(await admin.SubmitAsync($"/admin/webhooks/{endpoint}", "endpoint-enabled")));
        var dashboard = await admin.PageAsync("/admin");
        var list = await admin.PageAsync("/admin/webhooks");
        var dead = await admin.PageAsync($"/admin/webhooks/{endpoint}?status=dead");
        var refused = WebUtility.HtmlDecode(await admin.FollowAsync(await admin.SubmitAsync($"/admin/webhooks/{endpoint}", "redeliver-dead")));
        var enabled = WebUtility.HtmlDecode(await admin.FollowAsync(await admin.SubmitAsync($"/admin/webhooks/{endpoint}", "endpoint-enabled")));
        var redelivered = await admin.FollowAsync(await admin.SubmitAsync($"/admin/webhooks/{endpoint}", "redeliver-dead"));
        await Hooks.Deliver(app);

        Assert.Contains("The endpoint is disabled", disabled);
        Assert.Contains("Disabled in the admin panel.", disabled);
        Assert.Contains("Enable endpoint", disabled);
        Assert.Contains("<a href=\"/admin/webhooks\" aria-label=\"1 failed webhook deliveries: open Webhooks\" data-testid=\"failed-deliveries\">1</a>", dashboard);
        Assert.Contains($"<a href=\"/admin/webhooks/{endpoint}?status=dead\">1</a>", list);
        Assert.Contains("1 delivery dead, newest first.", dead);
        Assert.Contains(eventId, dead);
        Assert.Contains("class=\"flash error\" role=\"alert\">The webhook endpoint is disabled; enable it before redelivering to it.", refused);
        Assert.Contains("The endpoint is enabled", enabled);
        Assert.Contains("1 dead delivery is being sent again.", redelivered);
        Assert.Equal(eventId, Assert.Single(receiver.Requests).Id);
        Assert.Contains("data-testid=\"failed-deliveries\">0</a>", await admin.PageAsync("/admin"));
        Assert.Contains("0 deliveries dead", await admin.PageAsync($"/admin/webhooks/{endpoint}?status=dead"));
    }

    [Fact]
    public async Task Rotate_ShowsTheNewSecretOnce_AndDeliveriesAreSignedWithBothForADay()
    {
        var (_, _, admin) = await OwnMerchantAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, created) = await CreateAsync(admin, receiver.Url);

        var rotated = WebUtility.HtmlDecode(await admin.FollowAsync(await admin.SubmitAsync($"/admin/webhooks/{endpoint}", "rotate-secret")));
        await admin.SubmitAsync($"/admin/webhooks/{endpoint}", "test-endpoint");

        var (first, second) = (Secret(created)!, Secret(rotated)!);
        Assert.StartsWith("whsec_", second);
        Assert.NotEqual(first, second);
        Assert.Contains("The previous secret also signs until 2026-11-23 12:00 UTC.", rotated);
        Assert.Null(Secret(await admin.PageAsync($"/admin/webhooks/{endpoint}")));
        var ping = Assert.Single(receiver.Requests);
        Assert.True(WebhookReceiver.SignedWith(ping, first));
        Assert.True(WebhookReceiver.SignedWith(ping, second));
    }

    [Fact]
    public async Task AViewer_SeesNoForms_AndEveryPostIsRefused_AsIsEveryPostWithoutItsToken()
    {
        var (merchant, api, admin) = await OwnMerchantAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, _) = await CreateAsync(admin, receiver.Url);
        var eventId = EventOf(await CancelledIntentAsync(api));
        var viewer = await AdminClient.SignInAsync(app, await AdminClient.NewUserAsync(app, AdminRoles.Viewer));
        await viewer.SwitchMerchantAsync(merchant);
        var viewerToken = await viewer.TokenAsync();
        var endpointPage = $"/admin/webhooks/{endpoint}";
        var forms = new (string Path, string Form, (string, string)[] Fields)[]
        {
            ("/admin/webhooks", "create-endpoint", [("Create.Url", receiver.Url + "?sneaky")]),
            (endpointPage, "test-endpoint", []),
            (endpointPage, "endpoint-enabled", [("Toggle.Enabled", "false")]),
            (endpointPage, "rotate-secret", []),
            (endpointPage, "redeliver-dead", []),
            (endpointPage, "retry-delivery", [("Retry.EventId", eventId)]),
        };

        foreach (var path in new[] { "/admin/webhooks", endpointPage })
        {
            var html = await viewer.PageAsync(path);
            Assert.DoesNotMatch("<input type=\"hidden\" name=\"_handler\"", html);
            Assert.Contains(receiver.Url, html);
        }
        Assert.Contains("can look but not change endpoints", await viewer.PageAsync(endpointPage));
        foreach (var (path, form, fields) in forms)
        {
            Assert.NotNull(AdminClient.FindForm(await admin.PageAsync(path), form));
            var byViewer = await viewer.PostAsync(path, [("_handler", form), ("__af", viewerToken), .. fields]);
            var withoutToken = await admin.PostAsync(path, [("_handler", form), .. fields]);
            Assert.True(byViewer.StatusCode == HttpStatusCode.Forbidden, $"viewer {form}: {(int)byViewer.StatusCode}");
            Assert.Contains("Read-only access", await byViewer.Content.ReadAsStringAsync());
            Assert.True(withoutToken.StatusCode == HttpStatusCode.Forbidden, $"no token {form}: {(int)withoutToken.StatusCode}");
            Assert.Contains("This form has expired", await withoutToken.Content.ReadAsStringAsync());
        }
        Assert.Empty(receiver.Requests);
        Assert.Equal((1L, 1L, "pending"), Row<(long, long, string)>("""
            SELECT (SELECT COUNT(*) FROM webhook_endpoints WHERE merchant_id = @merchant), e.enabled, d.status
            FROM webhook_endpoints e JOIN webhook_deliveries d ON d.endpoint_id = e.id WHERE e.id = @endpoint
            """, new { merchant, endpoint }));
        Assert.Equal(0, app.Scalar<long>("SELECT COUNT(*) FROM webhook_endpoints WHERE id = @endpoint AND previous_secret_protected IS NOT NULL", new { endpoint }));
    }

    [Fact]
    public async Task AnotherMerchantsEndpoint_IsNotFound_AndABadFilterIsExplained()
    {
        var (_, _, admin) = await OwnMerchantAsync();
        var (endpoint, _) = await CreateAsync(admin, "https://shop.example/hooks");
        var other = await AdminClient.SignInAsync(app);

        var response = await other.GetAsync($"/admin/webhooks/{endpoint}");
        var filtered = await admin.PageAsync($"/admin/webhooks/{endpoint}?status=failed");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("The selected status is invalid. Use one of: pending, succeeded, dead.", filtered);
    }

    [GeneratedRegex("<code data-reveal=\"Signing secret\">([^<]+)</code>")]
    private static partial Regex SecretValue();
}
