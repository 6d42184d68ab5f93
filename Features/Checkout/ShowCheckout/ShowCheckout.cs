using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Checkout.ShowCheckout;

/// <summary>GET /pay/{token}: the hosted checkout page, or a clear page when it can't be paid.</summary>
public static class ShowCheckout
{
    public static async Task<IResult> Handle(string token, Db db, Currencies currencies, TimeProvider clock, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var intent = token.Length is > 0 and <= 100 ? await CheckoutIntents.FindByTokenAsync(connection, token, currencies, ct) : null;
        if (intent is null)
            return Html.Page("Payment link not found",
                "<h1>Payment link not found</h1><p class=\"notice\">This payment link does not exist. Check the link you were given, or ask the merchant for a new one.</p>", 404);

        var notPayable = NotPayableReason(intent, clock.GetUtcNow());
        if (notPayable is not null)
            return Html.Page(notPayable.Value.Title,
                $"<h1>{Html.E(notPayable.Value.Title)}</h1>{Html.Summary(intent)}<p class=\"notice\" role=\"status\">{Html.E(notPayable.Value.Text)}</p>");

        var banner = intent.Mode == "test"
            ? "<div class=\"banner\" role=\"note\"><strong>Test mode.</strong> No real money moves.</div>"
            : "";
        return Html.Page($"Pay {intent.MerchantName}", $"""
            {banner}
            <h1>Checkout</h1>
            {Html.Summary(intent)}
            """);
    }

    /// <summary>Why an intent can't be paid now, or null when it can.</summary>
    public static (string Title, string Text)? NotPayableReason(CheckoutIntent intent, DateTimeOffset now) => intent.Status switch
    {
        IntentStatus.Succeeded or IntentStatus.RequiresCapture => ("Already paid", "This payment has been completed. Thank you!"),
        IntentStatus.Cancelled => ("Payment cancelled", "This payment was cancelled and can no longer be paid."),
        IntentStatus.Failed => ("Payment failed", "This payment could not be completed and can no longer be paid. Please contact the merchant."),
        IntentStatus.Expired => ("Payment link expired", "This payment link has expired and can no longer be paid. Ask the merchant for a new one."),
        _ when intent.IsExpiredAt(now) => ("Payment link expired", "This payment link has expired and can no longer be paid. Ask the merchant for a new one."),
        _ => null,
    };
}
