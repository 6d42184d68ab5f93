using System.Net;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

public sealed class CreateIntentSmokeTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public async Task CreateIntent_ThenGet_ReturnsTheSameIntent()
    {
        var api = app.Api();
        var created = await api.PostJson("/api/platform/intents", new IntentBuilder().Json());
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = (string)(await created.Body())["data"]!["intent_id"]!;

        var fetched = await api.GetAsync($"/api/platform/intents/{id}");
        var body = await fetched.Body();
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(id, (string)body["data"]!["intent_id"]!);
        Assert.Equal("requires_payment", (string)body["data"]!["status"]!);
        Assert.Equal("80.00", (string)body["data"]!["amount"]!);
    }
}
