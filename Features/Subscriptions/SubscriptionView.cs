using System.Data.Common;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Features.Subscriptions.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Subscriptions;

/// <summary>A subscription as every subscriptions endpoint returns it.</summary>
public sealed record SubscriptionView(
    string Id,
    string SubscriptionId,
    string IntentId,
    string Status,
    string Amount,
    string Currency,
    long IntervalDays,
    string? CustomerRefId,
    string? Email,
    string? Name,
    long CurrentPeriod,
    string CurrentPeriodStart,
    string CurrentPeriodEnd,
    string? NextChargeAt,
    long FailedAttempts,
    bool CancelAtPeriodEnd,
    string? CancellationReason,
    string? CancelledAt,
    string? CardBrand,
    string? CardLast4,
    string? CardExpiry,
    bool Livemode,
    string CreatedAt,
    string UpdatedAt,
    IReadOnlyList<ChargeView> Charges);

/// <summary>Loading subscriptions for the caller, always filtered by merchant and mode.</summary>
public static class SubscriptionQueries
{
    private const string ByIdSql = $"SELECT {SubscriptionRow.Columns} FROM subscriptions WHERE id = @Id AND merchant_id = @MerchantId AND mode = @Mode";

    /// <summary>One subscription with its charges, on prepared statements.</summary>
    public static SubscriptionView? Find(ReadSession s, Caller caller, string id, Currencies currencies)
    {
        var row = s.SingleOrDefault<SubscriptionRow>(ByIdSql, ("Id", id), ("MerchantId", caller.MerchantId), ("Mode", caller.Mode));
        return row is null ? null : View(row, ChargeReads.ForSubscription(s, row.Id), currencies);
    }

    public static async Task<IReadOnlyList<SubscriptionView>> ViewsAsync(DbConnection c, IReadOnlyList<SubscriptionRow> rows, Currencies currencies,
        CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        var charges = await ChargeReads.ForSubscriptionsAsync(c, rows.Select(r => r.Id).ToArray(), ct);
        return rows.Select(r => View(r, charges[r.Id], currencies)).ToList();
    }

    public static SubscriptionView View(SubscriptionRow s, IEnumerable<ChargeRow> charges, Currencies currencies)
    {
        var exponent = currencies.Get(s.Currency).Exponent;
        return new SubscriptionView(
            Id: s.Id,
            SubscriptionId: s.Id,
            IntentId: s.IntentId,
            Status: s.Status,
            Amount: Amounts.Format(s.Amount, exponent),
            Currency: s.Currency,
            IntervalDays: s.IntervalDays,
            CustomerRefId: s.CustomerRefId,
            Email: s.Email,
            Name: s.Name,
            CurrentPeriod: s.CurrentPeriod,
            CurrentPeriodStart: Formats.Timestamp(s.CurrentPeriodStart),
            CurrentPeriodEnd: Formats.Timestamp(s.CurrentPeriodEnd),
            NextChargeAt: Formats.Timestamp(s.UpcomingChargeAt),
            FailedAttempts: s.FailedAttempts,
            CancelAtPeriodEnd: s.CancelAtPeriodEnd,
            CancellationReason: s.CancellationReason,
            CancelledAt: Formats.Timestamp(s.CancelledAt),
            CardBrand: s.CardBrand,
            CardLast4: s.CardLast4,
            CardExpiry: s.CardExpiry,
            Livemode: s.Mode == "live",
            CreatedAt: Formats.Timestamp(s.CreatedAt),
            UpdatedAt: Formats.Timestamp(s.UpdatedAt),
            Charges: charges.Select(c => ChargeView.Of(c, exponent)).ToList());
    }
}

/// <summary>The subscription the API reference shows.</summary>
internal static class SubscriptionExamples
{
    public const string Subscription = """
        {
          "id": "sub_0193a5e3-1b2c-7d3e-8f4a-5b6c7d8e9f0a",
          "subscription_id": "sub_0193a5e3-1b2c-7d3e-8f4a-5b6c7d8e9f0a",
          "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b",
          "status": "active",
          "amount": "80.00",
          "currency": "USD",
          "interval_days": 30,
          "customer_ref_id": "CUST-001",
          "email": "customer@example.com",
          "name": "John Doe",
          "current_period": 2,
          "current_period_start": "2026-12-22T12:00:00.000000Z",
          "current_period_end": "2027-01-21T12:00:00.000000Z",
          "next_charge_at": "2027-01-21T12:00:00.000000Z",
          "failed_attempts": 0,
          "cancel_at_period_end": false,
          "cancellation_reason": null,
          "cancelled_at": null,
          "card_brand": "visa",
          "card_last4": "4242",
          "card_expiry": "12/30",
          "livemode": false,
          "created_at": "2026-11-22T12:00:00.000000Z",
          "updated_at": "2026-12-22T12:00:01.000000Z",
          "charges": [
            {
              "id": 105, "kind": "sale", "status": "success", "amount": "80.00", "amount_captured": "80.00", "amount_refunded": "0.00",
              "subscription_id": "sub_0193a5e3-1b2c-7d3e-8f4a-5b6c7d8e9f0a", "gateway_transaction_id": "sim_3kq9w8e7r6t5y4u",
              "failure_code": null, "failure_message": null, "card_brand": "visa", "card_last4": "4242", "card_expiry": "12/30",
              "created_at": "2026-11-22T12:00:00.000000Z"
            },
            {
              "id": 230, "kind": "renewal", "status": "success", "amount": "80.00", "amount_captured": "80.00", "amount_refunded": "0.00",
              "subscription_id": "sub_0193a5e3-1b2c-7d3e-8f4a-5b6c7d8e9f0a", "gateway_transaction_id": "sim_8h7g6f5d4s3a2p1",
              "failure_code": null, "failure_message": null, "card_brand": "visa", "card_last4": "4242", "card_expiry": "12/30",
              "created_at": "2026-12-22T12:00:01.000000Z"
            }
          ]
        }
        """;
}
