using System.Net;
using PaymentHub.Features.Merchants;
using PaymentHub.Features.Merchants.Contracts;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Checkout;

/// <summary>What a merchant sets in the admin panel's Settings, as its customers see it on the checkout.</summary>
public sealed class MerchantBrandTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private async Task<(string Html, HttpResponseMessage Response)> CheckoutOfAsync(MerchantSettingsUpdate settings)
    {
        var merchant = await app.CreateMerchantAsync();
        await app.WriteAsync(tx => MerchantProfiles.UpdateAsync(tx, merchant, settings));
        var intent = await app.Api(await app.CreateClientAsync(merchant)).CreateIntentAsync();
        var response = await new Payments.Checkout(app).Browser().GetAsync($"/pay/{IntentCalls.Token(intent)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync(), response);
    }

    [Fact]
    public async Task Checkout_ShowsTheMerchantsNameLogoAndSupportEmail_AndPaysInItsColour()
    {
        var (html, response) = await CheckoutOfAsync(new MerchantSettingsUpdate("Acme Coffee", "help@acme.example",
            "https://cdn.acme.example/logo.png", "#0a2540", null, null));

        Assert.Contains("<header class=\"merchant-head\"><img src=\"https://cdn.acme.example/logo.png\" alt=\"\"><span data-testid=\"merchant\">Acme Coffee</span></header>", html);
        Assert.Contains("<title>Pay Acme Coffee</title>", html);
        Assert.Contains("class=\"pay\" style=\"background: #0a2540; color: #ffffff\"><span class=\"spinner\" aria-hidden=\"true\"></span><span class=\"label\">Pay $80.00</span></button>", html);
        Assert.Contains("<a href=\"mailto:help@acme.example\">help@acme.example</a>", html);
        Assert.Contains("img-src 'self' data: https://cdn.acme.example;", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Checkout_WithoutBranding_LooksAsBefore()
    {
        var (html, response) = await CheckoutOfAsync(new MerchantSettingsUpdate("Plain shop", null, null, null, null, null));

        Assert.Contains("<span data-testid=\"merchant\">Plain shop</span>", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("<button type=\"submit\" class=\"pay\"><span class=\"spinner\" aria-hidden=\"true\"></span><span class=\"label\">Pay $80.00</span></button>", html);
        Assert.DoesNotContain("mailto:", html);
        Assert.Contains("img-src 'self' data:;", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Theory]
    [InlineData("#ffd700", BrandColors.Dark)]
    [InlineData("#ffffff", BrandColors.Dark)]
    [InlineData("#1f5eff", BrandColors.Light)]
    [InlineData("#000000", BrandColors.Light)]
    [InlineData("#777777", BrandColors.Dark)]
    public void TextOnABrandColour_IsWhicheverOfBlackAndWhiteReadsBetter_AtLeast4Point5To1(string background, string expected)
    {
        var text = BrandColors.TextOn(background);

        Assert.Equal(expected, text);
        Assert.True(BrandColors.Contrast(background, text) >= 4.5, $"{text} on {background}: {BrandColors.Contrast(background, text):0.00}");
    }
}
