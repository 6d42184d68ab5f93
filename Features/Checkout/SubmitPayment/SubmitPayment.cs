using Carter;
using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using PaymentHub.Features.Checkout;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Payments;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Checkout;

/// <summary>
/// POST /pay/{token}: the customer's card (or, live, NMI's payment token) pays the intent. The card
/// exists only in this request's memory; the page never echoes it back.
/// </summary>
public sealed class SubmitPayment : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/pay/{token}", Handle).ExcludeFromDescription();

    public sealed record Services(Db Db, Currencies Currencies, TimeProvider Clock, ICheckoutGatewayInfo Gateways,
        IAntiforgery Antiforgery, PaymentService Payments);

    public static async Task<IResult> Handle(string token, IFormCollection form, [AsParameters] Services s, HttpContext http, CancellationToken ct)
    {
        var intent = await CheckoutFlow.Load(s.Db, s.Currencies, token, ct);
        if (intent is null) return CheckoutFlow.NotFound();
        var now = s.Clock.GetUtcNow();
        if (CheckoutFlow.Closed(intent, now) is { } closed) return closed(http);

        var gateway = await CheckoutFlow.GatewayAsync(s.Gateways, intent, ct);
        if (gateway is null) return CheckoutFlow.Unavailable(http, intent);
        var name = form["name_on_card"].ToString().Trim();
        var (source, problem) = ReadSource(form, gateway, name, now);
        if (problem is not null)
            return CheckoutPage.Form(http, s.Antiforgery, intent, gateway, problem, name, new FrameEvent("error", problem), 422);

        var (first, last) = SplitName(name);
        var customer = new GatewayCustomer(intent.Email, first, last, http.Connection.RemoteIpAddress?.ToString());
        var result = await s.Payments.PayAsync(intent.IntentId, source!, customer, ct);

        // Re-read: the page shows the state the payment left behind.
        var after = await CheckoutFlow.Load(s.Db, s.Currencies, token, ct) ?? intent;
        switch (result)
        {
            case PayResult.Paid when after.IntegrationType == "url" && after.SuccessUrl is not null:
                return Results.Redirect(Redirects.WithIntent(after.SuccessUrl, after)!, permanent: false, preserveMethod: false);
            case PayResult.Exhausted when after.IntegrationType == "url" && after.FailUrl is not null:
                return Results.Redirect(Redirects.WithIntent(after.FailUrl, after)!);
            case PayResult.Declined declined:
                var message = $"{declined.Message} You can try again or use another card ({declined.AttemptsLeft} attempts left).";
                return CheckoutPage.Form(http, s.Antiforgery, after, gateway, message, name,
                    new FrameEvent("payment.failed", declined.Message, "failed"), 402);
            case PayResult.Pending:
                return CheckoutPage.Outcome(http, after, "Confirming your payment",
                    "We are confirming your payment with the bank. This page refreshes by itself; please don't pay again.", null, refreshSeconds: 5);
            default:
                return CheckoutFlow.Closed(after, now)?.Invoke(http)
                    ?? CheckoutPage.Form(http, s.Antiforgery, after, gateway);
        }
    }

    /// <summary>The card (simulator) or payment token (NMI Collect.js) from the form, or what is wrong with it.</summary>
    private static (PaymentSource? Source, string? Problem) ReadSource(IFormCollection form, CheckoutGatewayInfo gateway, string name, DateTimeOffset now)
    {
        if (name.Length == 0) return (null, "Enter the name on the card.");
        if (name.Length > 100) return (null, "The name on the card is too long.");
        if (gateway.Gateway == "nmi")
        {
            var paymentToken = form["payment_token"].ToString();
            return paymentToken.Length is > 0 and <= 200
                ? (new PaymentSource(PaymentToken: paymentToken), null)
                : (null, "The card details did not reach us. Please enter them again.");
        }

        var number = new string(form["card_number"].ToString().Where(c => c is not (' ' or '-')).ToArray());
        if (number.Length is < 12 or > 19 || !number.All(char.IsAsciiDigit) || !Luhn(number))
            return (null, "Your card number is invalid. Check it and try again.");
        if (!TryExpiry(form["card_expiry"].ToString(), out var month, out var year))
            return (null, "Enter the expiry date as MM/YY.");
        if (year < now.Year || (year == now.Year && month < now.Month))
            return (null, "Your card's expiry date is in the past.");
        var cvc = form["card_cvc"].ToString().Trim();
        if (cvc.Length is < 3 or > 4 || !cvc.All(char.IsAsciiDigit))
            return (null, "Your card's security code (CVC) is invalid.");
        return (new PaymentSource(Card: new CardDetails(number, month, year, cvc, name)), null);
    }

    private static bool TryExpiry(string text, out int month, out int year)
    {
        month = year = 0;
        var parts = text.Replace(" ", "", StringComparison.Ordinal).Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out month)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out year)) return false;
        if (parts[1].Length == 2) year += 2000;
        else if (parts[1].Length != 4) return false;
        return month is >= 1 and <= 12;
    }

    internal static bool Luhn(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1) { d *= 2; if (d > 9) d -= 9; }
            sum += d;
        }
        return sum % 10 == 0;
    }

    private static (string? First, string? Last) SplitName(string name)
    {
        var space = name.LastIndexOf(' ');
        return space < 0 ? (name, null) : (name[..space], name[(space + 1)..]);
    }
}
