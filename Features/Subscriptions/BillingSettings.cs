using System.Globalization;
using PaymentHub.Infrastructure;

namespace PaymentHub.Features.Subscriptions;

/// <summary>
/// Settings of recurring billing (section <c>PaymentHub:Billing</c>, docs/operations.md):
/// <c>RetryDays</c>, when a failed renewal is tried again, in days after it fell due (default
/// "1,3,5": three retries; "" retries never); <c>Concurrency</c>, how many renewals a run sends to the
/// gateways at once (default 64).
/// </summary>
public sealed record BillingSettings(IReadOnlyList<int> RetryDays, int Concurrency)
{
    public const string DefaultRetryDays = "1,3,5";

    public static BillingSettings From(IConfiguration config)
    {
        var text = config["PaymentHub:Billing:RetryDays"] ?? DefaultRetryDays;
        var days = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var day) || day is < 1 or > 365 || (days.Count > 0 && day <= days[^1]))
                throw new ConfigurationException(
                    $"PaymentHub:Billing:RetryDays is '{text}': give increasing whole days between 1 and 365, comma-separated (e.g. {DefaultRetryDays}), or nothing for no retries.");
            days.Add(day);
        }
        var concurrency = config.GetValue("PaymentHub:Billing:Concurrency", 64);
        if (concurrency is < 1 or > 1024)
            throw new ConfigurationException($"PaymentHub:Billing:Concurrency is {concurrency}: give a number between 1 and 1024.");
        return new BillingSettings(days, concurrency);
    }
}
