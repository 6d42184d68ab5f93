using System.Net;
using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

public sealed class CaptureAndRefundTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly Checkout _checkout = new(app);

    private async Task<string> AuthorizedAsync(int amount = 80)
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder().With("amount", amount).With("capture_method", "manual"));
        await _checkout.PayAsync(_checkout.Browser(), path);
        Assert.Equal("requires_capture", (string)(await _checkout.IntentAsync(id))["status"]!);
        return id;
    }

    private async Task<string> PaidAsync()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());
        await _checkout.PayAsync(_checkout.Browser(), path);
        return id;
    }

    [Fact]
    public async Task ManualCapture_AuthorizesWithoutTakingMoney()
    {
        var id = await AuthorizedAsync();

        var charge = (await _checkout.IntentAsync(id))["charges"]![0]!;
        Assert.Equal("authorized", (string)charge["status"]!);
        Assert.Equal("0.00", (string)charge["amount_captured"]!);
        Assert.DoesNotContain(await _checkout.EventsAsync(id), e => e.Type == "payment.succeeded");
    }

    [Fact]
    public async Task Capture_PartialAmount_SucceedsWithCapturedAndSucceededEvents()
    {
        var id = await AuthorizedAsync();

        var response = await app.Api().PostJson($"/api/platform/intents/{id}/capture", new { amount = "60.50" });

        var body = await response.Body();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("succeeded", (string)body["data"]!["status"]!);
        Assert.Equal("60.50", (string)body["data"]!["amount_captured"]!);
        var intent = await _checkout.IntentAsync(id);
        Assert.Equal("succeeded", (string)intent["status"]!);
        Assert.Equal("60.50", (string)intent["charges"]![0]!["amount_captured"]!);
        var types = (await _checkout.EventsAsync(id)).Select(e => e.Type).ToList();
        Assert.Equal(["payment.captured", "payment.succeeded"], types);
    }

    [Fact]
    public async Task Capture_WithoutBody_TakesTheFullAuthorization()
    {
        var id = await AuthorizedAsync();

        var response = await app.Api().PostAsync($"/api/platform/intents/{id}/capture", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("80.00", (string)(await response.Body())["data"]!["amount_captured"]!);
    }

    [Fact]
    public async Task Capture_MoreThanAuthorized_Returns422AndChangesNothing()
    {
        var id = await AuthorizedAsync();

        var response = await app.Api().PostJson($"/api/platform/intents/{id}/capture", new { amount = 80.01 });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("The amount must not be greater than the authorized 80.00.", (string)(await response.Body())["errors"]!["amount"]![0]!);
        Assert.Equal("requires_capture", (string)(await _checkout.IntentAsync(id))["status"]!);
    }

    [Fact]
    public async Task Capture_AnIntentNotAwaitingCapture_Returns409()
    {
        var id = await PaidAsync();

        var response = await app.Api().PostAsync($"/api/platform/intents/{id}/capture", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.False((bool)(await response.Body())["success"]!);
    }

    [Fact]
    public async Task Capture_ReplayedWithIdempotencyKey_CapturesOnce()
    {
        var id = await AuthorizedAsync();
        var api = app.Api();

        var first = await api.PostJson($"/api/platform/intents/{id}/capture", new { amount = 10 }, "cap-" + id);
        var second = await api.PostJson($"/api/platform/intents/{id}/capture", new { amount = 10 }, "cap-" + id);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Single(await _checkout.EventsAsync(id), e => e.Type == "payment.captured");
    }

    [Fact]
    public async Task Cancel_AnAuthorizedIntent_VoidsTheAuthorization()
    {
        var id = await AuthorizedAsync();

        var response = await app.Api().PostAsync($"/api/platform/intents/{id}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cancelled", (string)(await response.Body())["data"]!["status"]!);
        var intent = await _checkout.IntentAsync(id);
        Assert.Equal("cancelled", (string)intent["status"]!);
        Assert.Equal("voided", (string)intent["charges"]![0]!["status"]!);
        Assert.Single(await _checkout.EventsAsync(id), e => e.Type == "payment.canceled");
    }

    [Fact]
    public async Task Cancel_APaidIntent_Returns409()
    {
        var id = await PaidAsync();

        var response = await app.Api().PostAsync($"/api/platform/intents/{id}/cancel", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("succeeded", (string)(await _checkout.IntentAsync(id))["status"]!);
    }

    [Fact]
    public async Task Refund_InParts_NeverMoreThanCaptured()
    {
        var id = await PaidAsync();
        var api = app.Api();

        var first = await api.PostJson($"/api/platform/intents/{id}/refunds", new { amount = 30, reason = "damaged" });
        var tooMuch = await api.PostJson($"/api/platform/intents/{id}/refunds", new { amount = "50.01" });
        var rest = await api.PostAsync($"/api/platform/intents/{id}/refunds", null);
        var again = await api.PostJson($"/api/platform/intents/{id}/refunds", new { amount = 1 });

        var refund = (await first.Body())["data"]!;
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.StartsWith("re_", (string)refund["refund_id"]!);
        Assert.Equal("succeeded", (string)refund["status"]!);
        Assert.Equal("30.00", (string)refund["amount"]!);
        Assert.Equal("damaged", (string)refund["reason"]!);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooMuch.StatusCode);
        Assert.Equal("The amount must not be greater than the refundable 50.00.", (string)(await tooMuch.Body())["errors"]!["amount"]![0]!);
        Assert.Equal("50.00", (string)(await rest.Body())["data"]!["amount"]!);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var charge = (await _checkout.IntentAsync(id))["charges"]![0]!;
        Assert.Equal("80.00", (string)charge["amount_refunded"]!);
        var refunds = (await _checkout.EventsAsync(id)).Where(e => e.Type == "payment.refunded").Select(e => JsonNode.Parse(e.Payload)!).ToList();
        Assert.Equal(["30.00", "50.00"], refunds.Select(r => (string)r["amount"]!));
    }

    [Fact]
    public async Task Refund_AnUnpaidIntent_Returns409()
    {
        var (id, _) = await _checkout.CreateAsync(new IntentBuilder());

        var response = await app.Api().PostAsync($"/api/platform/intents/{id}/refunds", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task Refund_ReplayedWithIdempotencyKey_RefundsOnce()
    {
        var id = await PaidAsync();
        var api = app.Api();

        await api.PostJson($"/api/platform/intents/{id}/refunds", new { amount = 5 }, "ref-" + id);
        var replay = await api.PostJson($"/api/platform/intents/{id}/refunds", new { amount = 5 }, "ref-" + id);

        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal("5.00", (string)(await _checkout.IntentAsync(id))["charges"]![0]!["amount_refunded"]!);
    }

    [Fact]
    public async Task Refund_AnotherMerchantsIntent_Returns404()
    {
        var id = await PaidAsync();
        var other = await app.CreateClientAsync(await app.CreateMerchantAsync());

        var response = await app.Api(other.ClientId, other.ClientSecret).PostAsync($"/api/platform/intents/{id}/refunds", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
