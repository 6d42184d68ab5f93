using System.Net;
using PaymentHub.Features.Merchants;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>What someone who just ran PaymentHub meets: a page at /, and on a later start a word about the keys.</summary>
public sealed class NewcomerTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public async Task Root_IsAPageLinkingTheReferenceHealthAndAdminPanel()
    {
        var response = await app.CreateClient().GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("href=\"/docs\"", html);
        Assert.Contains("href=\"/health\"", html);
        Assert.Contains("href=\"/admin\"", html);
        Assert.Contains("href=\"/admin/jobs\"", html);
        Assert.Contains("/api/platform", html);
    }

    [Fact]
    public async Task ASecondStart_SaysTheKeysWerePrintedOnTheFirst_AndHowToGetNewOnes()
    {
        app.CreateClient(); // the first start created the merchant and printed its keys
        var console = new StringWriter();

        await app.Services.BootstrapMerchantsAsync(console);

        var text = console.ToString();
        Assert.Contains(app.DataPath, text);
        Assert.Contains("printed once, when that folder was first used", text);
        Assert.Contains("PAYMENTHUB_BOOTSTRAP_CLIENT_ID", text);
        Assert.DoesNotContain(PaymentHubFactory.ClientSecret, text);
    }
}
