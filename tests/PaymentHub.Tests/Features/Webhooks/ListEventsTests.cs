using System.Net;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Webhooks;

public sealed class ListEventsTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly Payments.Checkout _checkout = new(app);

    [Fact]
    public async Task ListEvents_AfterAPayment_ShowsPaymentSucceededWithItsPayload()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());
        await _checkout.PayAsync(_checkout.Browser(), path);

        var response = await app.Api().GetAsync($"/api/platform/events?type=payment.succeeded&intent_id={id}");

        var data = (await response.Body())["data"]!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (int)data["total"]!);
        var evt = data["items"]![0]!;
        Assert.StartsWith("evt_", (string)evt["id"]!);
        Assert.Equal("payment.succeeded", (string)evt["type"]!);
        Assert.Equal(id, (string)evt["payload"]!["intent_id"]!);
        Assert.Equal((string)evt["id"]!, (string)evt["payload"]!["event_id"]!);
    }

    [Fact]
    public async Task ListEvents_NewestFirst_AndOnlyTheCallersMerchantAndMode()
    {
        var api = await app.NewMerchantApiAsync();
        var first = await api.CreateIntentIdAsync();
        var second = await api.CreateIntentIdAsync();
        await api.CancelAsync(first);
        await api.CancelAsync(second);
        var other = await app.NewMerchantApiAsync();
        await other.CancelAsync(await other.CreateIntentIdAsync());

        var data = (await (await api.GetAsync("/api/platform/events?per_page=1")).Body())["data"]!;

        Assert.Equal(2, (int)data["total"]!);
        Assert.Equal(second, (string)data["items"]![0]!["intent_id"]!);
        var live = (await (await (await app.NewMerchantApiAsync("live")).GetAsync("/api/platform/events")).Body())["data"]!;
        Assert.Equal(0, (int)live["total"]!);
    }

    [Fact]
    public async Task ListEvents_WithBadPaging_Returns422()
    {
        var response = await app.Api().GetAsync("/api/platform/events?per_page=0");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }
}
