using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Checkout;

/// <summary>What every checkout slice does first: find the intent by its token, decide whether it can be paid, and how.</summary>
internal static class CheckoutFlow
{
    internal static async Task<CheckoutIntent?> Load(Db db, Currencies currencies, string token, CancellationToken ct)
    {
        if (token.Length is 0 or > 100) return null;
        await using var connection = await db.OpenReadAsync(ct);
        return await CheckoutIntents.FindByTokenAsync(connection, token, currencies, ct);
    }

    /// <summary>How the page collects the card; null when the merchant's live gateway is not set up.</summary>
    internal static async Task<CheckoutGatewayInfo?> GatewayAsync(ICheckoutGatewayInfo gateways, CheckoutIntent intent, CancellationToken ct)
    {
        try
        {
            return await gateways.ForAsync(intent.MerchantId, intent.Mode, ct);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    internal static IResult Unavailable(HttpContext http, CheckoutIntent intent) => CheckoutPage.Outcome(http, intent,
        "Payments unavailable", "This merchant cannot take card payments right now. Please contact them or try again later.",
        new FrameEvent("error", "Payments are not available for this merchant."), status: 503);

    internal static IResult NotFound() => Html.Page("Payment link not found",
        "<h1>Payment link not found</h1><p class=\"notice\">This payment link does not exist. Check the link you were given, or ask the merchant for a new one.</p>", 404);

    /// <summary>The page for an intent that can't be paid now, or null when it can; a paid one's names the card that paid.</summary>
    internal static async Task<Func<HttpContext, IResult>?> ClosedAsync(Db db, CheckoutIntent intent, DateTimeOffset now, CancellationToken ct)
    {
        if (intent.Status is not (IntentStatus.Succeeded or IntentStatus.RequiresCapture)) return Closed(intent, now);
        PaidCard? card;
        await using (var connection = await db.OpenReadAsync(ct)) card = await ChargeReads.PaidCardAsync(connection, intent.IntentId, ct);
        return http => CheckoutPage.Outcome(http, intent, "Payment successful",
            "This payment has been completed. Thank you!", new FrameEvent("payment.success", "Payment completed.", "succeeded"),
            Redirects.WithIntent(intent.SuccessUrl, intent), receipt: CheckoutPage.Receipt(intent, card));
    }

    private static Func<HttpContext, IResult>? Closed(CheckoutIntent intent, DateTimeOffset now) => intent.Status switch
    {
        IntentStatus.Cancelled => http => CheckoutPage.Outcome(http, intent, "Payment cancelled",
            "This payment was cancelled and can no longer be paid.", new FrameEvent("payment.canceled", "Payment cancelled.", "canceled"),
            Redirects.WithIntent(intent.CancelUrl, intent)),
        IntentStatus.Failed => http => CheckoutPage.Outcome(http, intent, "Payment failed",
            "This payment could not be completed and can no longer be paid. Please contact the merchant.",
            new FrameEvent("payment.failed", "Payment failed.", "failed"), Redirects.WithIntent(intent.FailUrl, intent)),
        IntentStatus.Processing => http => CheckoutPage.Outcome(http, intent, "Confirming your payment",
            "We are confirming your payment with the bank. This page refreshes by itself; please don't pay again.", null, refreshSeconds: 5),
        _ when intent.Status == IntentStatus.Expired || intent.IsExpiredAt(now) => http => CheckoutPage.Outcome(http, intent, "Payment link expired",
            "This payment link has expired and can no longer be paid. Ask the merchant for a new one.",
            new FrameEvent("payment.failed", "The payment link has expired.", "failed")),
        _ => null,
    };
}

/// <summary>The merchant's return URLs with intent_id and reference_id appended, so their pages know which payment came back.</summary>
internal static class Redirects
{
    public static string? WithIntent(string? url, CheckoutIntent intent)
    {
        if (url is null) return null;
        var separator = url.Contains('?') ? '&' : '?';
        var fragment = "";
        var hash = url.IndexOf('#');
        if (hash >= 0) (url, fragment) = (url[..hash], url[hash..]);
        return $"{url}{separator}intent_id={Uri.EscapeDataString(intent.IntentId)}&reference_id={Uri.EscapeDataString(intent.ReferenceId)}{fragment}";
    }
}
