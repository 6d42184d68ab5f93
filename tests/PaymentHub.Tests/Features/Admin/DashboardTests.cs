using System.Text.RegularExpressions;
using PaymentHub.Tests.Infrastructure;
using CheckoutDriver = PaymentHub.Tests.Features.Payments.Checkout;

namespace PaymentHub.Tests.Features.Admin;

/// <summary>The dashboard's figures, on a merchant of its own so that other tests' payments don't count.</summary>
public sealed class DashboardTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public async Task Dashboard_ShowsVolumeSuccessRateSubscriptionsAndMrr_AndAChartOfTheDay()
    {
        var merchant = await app.CreateMerchantAsync("Dashboard shop");
        var api = app.Api(await app.CreateClientAsync(merchant));
        var checkout = new CheckoutDriver(app);
        async Task PayAsync(IntentBuilder intent, string card = CheckoutDriver.Approve)
        {
            var created = await api.CreateIntentAsync(intent.With("integration_type", "iframe").Without("success_url").Without("cancel_url"));
            await checkout.PayAsync(checkout.Browser(), new Uri((string)created["payment_url"]!).AbsolutePath, card);
        }
        await PayAsync(new IntentBuilder());
        await PayAsync(new IntentBuilder().Recurring(15));
        await PayAsync(new IntentBuilder().With("currency", "JPY").With("amount", 1200)
            .With("order_items", new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "Tea", ["quantity"] = 1, ["price"] = 1200 })));
        await PayAsync(new IntentBuilder(), CheckoutDriver.Decline);
        var admin = await AdminClient.SignInAsync(app);
        await admin.SwitchMerchantAsync(merchant);

        var html = System.Net.WebUtility.HtmlDecode(await admin.PageAsync("/admin"));

        Assert.Matches(new Regex("id=\"today\">Today</h2>.*?USD 160.00.*?JPY 1200", RegexOptions.Singleline), html);
        Assert.Matches(new Regex("id=\"month\">Last 30 days</h2>.*?USD 160.00", RegexOptions.Singleline), html);
        Assert.Contains("data-testid=\"success-rate\">75%", html);
        Assert.Contains("data-testid=\"active-subscriptions\">1 active", html);
        Assert.Matches(@"MRR\s+USD 160.00", html); // 80.00 every 15 days
        Assert.Contains("data-testid=\"failed-deliveries\">0", html);
        Assert.Contains("<svg class=\"chart\"", html);
        Assert.Contains($"<title>{app.Clock.GetUtcNow():yyyy-MM-dd}: USD 160.00</title>", html);
        Assert.Equal(30, Regex.Matches(html, "<rect[^>]*fill=\"#1f5eff\"").Count / 2); // a USD and a JPY chart
    }

    [Fact]
    public async Task Dashboard_OfAMerchantWithoutPayments_SaysSo()
    {
        var merchant = await app.CreateMerchantAsync("Empty shop");
        var admin = await AdminClient.SignInAsync(app);
        await admin.SwitchMerchantAsync(merchant);

        var html = System.Net.WebUtility.HtmlDecode(await admin.PageAsync("/admin"));

        Assert.Contains("No payments in the last 30 days", html);
        Assert.Contains("data-testid=\"success-rate\">—", html);
        Assert.Contains("No payment intents.", html);
    }
}
