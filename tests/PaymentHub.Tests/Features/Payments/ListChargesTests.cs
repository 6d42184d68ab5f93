using System.Text.Json.Nodes;
using PaymentHub.Tests.Features.Subscriptions;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

/// <summary>GET /charges: first payments, renewals and refunds (negative) in a time range, with totals per currency.</summary>
public sealed class ListChargesTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private const string Charges = "/api/platform/charges";

    /// <summary>A merchant with a 30-day subscription renewed for a year, and a one-time payment of 50.00 refunded by 20.00 after it.</summary>
    private async Task<(Billing Billing, DateTimeOffset PaidAt, string SubscriptionId)> AYearOfBillingAsync()
    {
        var billing = await Billing.NewMerchantAsync(app);
        var (_, subscriptionId) = await billing.SubscribeAsync(30);
        var paidAt = Billing.Time((await billing.SubscriptionAsync(subscriptionId))["created_at"]);
        await billing.AdvanceDaysAsync(365);
        var oneTime = await billing.Api.CreateIntentAsync(new IntentBuilder().With("amount", 50)
            .With("order_items", new JsonArray(new JsonObject { ["name"] = "Mug", ["quantity"] = 1, ["price"] = 50 })));
        await billing.Checkout.PayAsync(billing.Checkout.Browser(), new Uri((string)oneTime["payment_url"]!).AbsolutePath);
        await Envelopes.AssertOk(await billing.Api.PostJson($"{IntentCalls.Intents}/{(string)oneTime["intent_id"]!}/refunds", new { amount = 20 }));
        return (billing, paidAt, subscriptionId);
    }

    private static async Task<JsonNode> ListAsync(HttpClient api, string query = "") =>
        await Envelopes.AssertOk(await api.GetAsync($"{Charges}?per_page=100{query}"));

    [Fact]
    public async Task Charges_ListPaymentsRenewalsAndRefunds_NewestFirst_WithTotalsPerCurrency()
    {
        var (billing, paidAt, subscriptionId) = await AYearOfBillingAsync();

        var all = await ListAsync(billing.Api);

        Assert.Equal(15, (int)all["total"]!);
        var items = all["items"]!.AsArray();
        Assert.Equal(["refund", "payment"], items.Take(2).Select(i => (string)i!["type"]!));
        Assert.Equal(("-20.00", "success"), ((string)items[0]!["amount"]!, (string)items[0]!["status"]!));
        Assert.StartsWith("re_", (string)items[0]!["refund_id"]!);
        Assert.Equal((long)items[1]!["charge_id"]!, (long)items[0]!["charge_id"]!);
        var renewals = items.Where(i => (string)i!["type"]! == "renewal").ToList();
        Assert.Equal(12, renewals.Count);
        Assert.All(renewals, r => Assert.Equal((subscriptionId, "80.00", "USD"), ((string)r!["subscription_id"]!, (string)r["amount"]!, (string)r["currency"]!)));
        Assert.Equal(paidAt.AddDays(360), Billing.Time(renewals[0]!["created_at"]));
        Assert.Equal(paidAt, Billing.Time(items[^1]!["created_at"]));
        var usd = Assert.Single(all["totals"]!.AsArray())!;
        Assert.Equal(("USD", 15, "1090.00", "20.00", "1070.00"),
            ((string)usd["currency"]!, (int)usd["count"]!, (string)usd["charged"]!, (string)usd["refunded"]!, (string)usd["net"]!));
    }

    [Fact]
    public async Task Charges_InADateRange_AndByType_AreFiltered_AndTotalledOverTheWholeRange()
    {
        var (billing, paidAt, _) = await AYearOfBillingAsync();
        string Day(int days) => paidAt.AddDays(days).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var quarter = await ListAsync(billing.Api, $"&from={Day(60)}&to={Day(120)}");
        Assert.Equal(3, (int)quarter["total"]!); // renewals on days 60, 90 and 120; "to" includes its whole day
        Assert.Equal("240.00", (string)quarter["totals"]![0]!["charged"]!);

        var exact = await ListAsync(billing.Api, $"&from={Uri.EscapeDataString(paidAt.AddDays(60).ToString("O"))}&to={Uri.EscapeDataString(paidAt.AddDays(120).ToString("O"))}");
        Assert.Equal(3, (int)exact["total"]!);

        var page = await Envelopes.AssertOk(await billing.Api.GetAsync($"{Charges}?type=renewal&per_page=5&page=3"));
        Assert.Equal((12, 3, 5, 2), ((int)page["total"]!, (int)page["page"]!, (int)page["per_page"]!, page["items"]!.AsArray().Count));
        Assert.Equal("960.00", (string)page["totals"]![0]!["charged"]!);

        var refunds = await ListAsync(billing.Api, "&type=refund");
        Assert.Equal(("-20.00", "0.00", "20.00", "-20.00"), ((string)refunds["items"]![0]!["amount"]!, (string)refunds["totals"]![0]!["charged"]!,
            (string)refunds["totals"]![0]!["refunded"]!, (string)refunds["totals"]![0]!["net"]!));

        Assert.Equal(0, (int)(await ListAsync(billing.Api, "&status=failed"))["total"]!);
        var empty = await ListAsync(billing.Api, "&from=2020-01-01&to=2020-12-31");
        Assert.Equal(0, (int)empty["total"]!);
        Assert.Empty(empty["totals"]!.AsArray());
    }

    [Fact]
    public async Task Charges_ShowFailedRenewals_AndNothingOfOtherMerchantsOrModes()
    {
        var billing = await Billing.NewMerchantAsync(app);
        await billing.SubscribeAsync(30, PaymentHub.Tests.Features.Payments.Checkout.RenewalsDecline);
        await billing.AdvanceDaysAsync(40);

        var failed = await ListAsync(billing.Api, "&status=failed");

        Assert.Equal(4, (int)failed["total"]!);
        Assert.All(failed["items"]!.AsArray(), i => Assert.Equal(("renewal", "card_declined"), ((string)i!["type"]!, (string)i["failure_code"]!)));
        Assert.Equal((4, "0.00", "0.00"), ((int)failed["totals"]![0]!["count"]!, (string)failed["totals"]![0]!["charged"]!, (string)failed["totals"]![0]!["net"]!));
        Assert.Equal(0, (int)(await ListAsync(await app.NewMerchantApiAsync()))["total"]!);
        Assert.Equal(0, (int)(await ListAsync(await app.NewMerchantApiAsync("live")))["total"]!);
    }

    [Theory]
    [InlineData("from=yesterday", "from", "The from is not a valid date (use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z).")]
    [InlineData("to=2026-13-01", "to", "The to is not a valid date (use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z).")]
    [InlineData("from=2026-12-01&to=2026-11-01", "to", "The to must be after the from.")]
    [InlineData("status=paid", "status", "The selected status is invalid. Use one of: pending, unknown, authorized, success, failed, voided.")]
    [InlineData("type=sale", "type", "The selected type is invalid. Use one of: payment, renewal, refund.")]
    [InlineData("per_page=101", "per_page", "The per page must be an integer between 1 and 100.")]
    [InlineData("page=0", "page", "The page must be an integer of at least 1.")]
    public async Task Charges_WithAnInvalidQuery_Returns422(string query, string field, string message) =>
        await Envelopes.AssertValidationError(await app.Api().GetAsync($"{Charges}?{query}"), field, message);
}
