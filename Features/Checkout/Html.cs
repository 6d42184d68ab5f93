using System.Text.Encodings.Web;
using System.Text.Unicode;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Merchants.Contracts;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Checkout;

/// <summary>Shared page frame and encoding for the customer-facing pages.</summary>
internal static class Html
{
    // Markup characters are escaped; other text (€, ¥, "Café") stays as written: the pages are UTF-8.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static string E(string? s) => Encoder.Encode(s ?? "");

    /// <summary>An amount as the customer reads it: "$80.00", "¥1,200", "KWD 1.234" (<see cref="MoneyDisplay"/>).</summary>
    public static string Money(long minor, Currency c) => MoneyDisplay.Format(minor, c);

    public static IResult Page(string title, string body, int status = 200, string? extraHead = null) =>
        Results.Content($$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>{{E(title)}}</title>
            <style>
            :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
            body { margin: 0; background: #f4f5f7; color: #1d2330; }
            main { max-width: 28rem; margin: 2rem auto; background: #fff; border-radius: 12px; padding: 1.5rem;
                   box-shadow: 0 1px 3px rgba(0,0,0,.12); }
            h1 { font-size: 1.25rem; margin: 0 0 1rem; }
            table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
            th, td { padding: .35rem 0; vertical-align: top; text-align: left; font-weight: 400; }
            td.num { text-align: right; white-space: nowrap; }
            tr.total td { border-top: 1px solid #d9dce1; font-weight: 600; padding-top: .6rem; }
            .muted { color: #5b6475; font-size: .9rem; }
            .banner { background: #fff4d6; border: 1px solid #f0c451; border-radius: 8px; padding: .6rem .8rem; font-size: .85rem; margin-bottom: 1rem; }
            .notice { padding: 1rem; border-radius: 8px; background: #eef1f5; }
            .error { background: #fde8e8; border: 1px solid #f5a3a3; border-radius: 8px; padding: .6rem .8rem; margin: .5rem 0 1rem; }
            label { display: block; font-weight: 600; font-size: .9rem; margin: .8rem 0 .3rem; }
            input { width: 100%; box-sizing: border-box; font-size: 1rem; padding: .6rem; border: 1px solid #b8bfcc; border-radius: 6px; }
            input:focus, button:focus, a:focus { outline: 3px solid #4c7dff; outline-offset: 1px; }
            .row { display: flex; gap: .75rem; } .row > div { flex: 1; }
            .merchant-head { display: flex; align-items: center; gap: .6rem; margin: 0 0 1rem; font-size: 1.05rem; font-weight: 600; }
            .merchant-head img { max-height: 40px; max-width: 160px; object-fit: contain; }
            button { font-size: 1rem; padding: .75rem 1rem; border-radius: 6px; border: 0; cursor: pointer; }
            button.pay { width: 100%; margin-top: 1.2rem; background: #1f5eff; color: #fff; font-weight: 600; }
            button.cancel { width: 100%; margin-top: .5rem; background: transparent; color: #1f5eff; }
            .receipt { margin: 1.25rem 0; border-bottom: 1px solid #d9dce1; }
            .receipt th { color: #5b6475; white-space: nowrap; padding-right: 1rem; }
            .receipt td { text-align: right; font-weight: 500; padding-bottom: .6rem; }
            .last4 { white-space: nowrap; }
            .success-icon { display: block; margin: .5rem 0 .75rem; }
            .sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
            code { background: #f1f2f4; padding: 0 .2rem; border-radius: 3px; }
            </style>
            {{extraHead}}
            </head>
            <body>
            <main>
            {{body}}
            </main>
            </body>
            </html>
            """, "text/html; charset=utf-8", statusCode: status);

    /// <summary>A green tick above a paid page's heading.</summary>
    public const string SuccessIcon = """
        <svg class="success-icon" viewBox="0 0 48 48" width="48" height="48" aria-hidden="true"><circle cx="24" cy="24" r="24" fill="#e3f5ea"/><circle cx="24" cy="24" r="16" fill="#1a8f4c"/><path d="m16.5 24.5 5 5 10-11" fill="none" stroke="#fff" stroke-width="3.2" stroke-linecap="round" stroke-linejoin="round"/></svg>
        """;

    /// <summary>The merchant at the top of every page of its checkout: its logo, when it set one, and its name.</summary>
    public static string MerchantHeader(CheckoutIntent i)
    {
        var logo = LogoUrls.IsValid(i.Brand?.LogoUrl) ? $"<img src=\"{E(i.Brand!.LogoUrl)}\" alt=\"\">" : "";
        return $"<header class=\"merchant-head\">{logo}<span data-testid=\"merchant\">{E(i.MerchantName)}</span></header>";
    }

    /// <summary>Where customers can ask about a payment, when the merchant gave an address.</summary>
    public static string Support(CheckoutIntent i) => i.Brand?.SupportEmail is { Length: > 0 } email
        ? $"<p class=\"muted\">Questions about this payment? <a href=\"mailto:{E(email)}\">{E(email)}</a></p>"
        : "";

    /// <summary>The Pay button in the merchant's brand colour, with black or white text, whichever reads better on it.</summary>
    public static string PayButtonStyle(CheckoutIntent i) => BrandColors.IsValid(i.Brand?.Color)
        ? $" style=\"background: {i.Brand!.Color}; color: {BrandColors.TextOn(i.Brand.Color!)}\""
        : "";

    /// <summary>"$80.00 every 30 days, first charge today", with the amount written as the caller writes money.</summary>
    public static string RecurringTerms(string amount, CheckoutIntent i) => $"{amount} every {i.IntervalDays} days, first charge today";

    /// <summary>Items, tax, discount, total and, for subscriptions, the terms (the merchant is in <see cref="MerchantHeader"/>).</summary>
    public static string Summary(CheckoutIntent i)
    {
        var rows = string.Concat(i.Items.Select(item =>
            $"<tr><td>{E(item.Name)}{(item.Quantity > 1 ? $" × {item.Quantity}" : "")}</td><td class=\"num\">{E(Money(item.Price * item.Quantity, i.Currency))}</td></tr>"));
        if (i.Tax is { } tax and > 0) rows += $"<tr><td>Tax</td><td class=\"num\">{E(Money(tax, i.Currency))}</td></tr>";
        if (i.Discount is { } discount and > 0) rows += $"<tr><td>Discount</td><td class=\"num\">−{E(Money(discount, i.Currency))}</td></tr>";
        rows += $"<tr class=\"total\"><td>Total</td><td class=\"num\" data-testid=\"total\">{E(Money(i.Amount, i.Currency))}</td></tr>";
        var terms = i.IntentType == "recurring"
            ? $"<p class=\"muted\" data-testid=\"terms\">{E(RecurringTerms(Money(i.Amount, i.Currency), i))}. You can cancel any time with {E(i.MerchantName)}.</p>"
            : "";
        return $"""
            <table aria-label="Order summary">{rows}</table>
            {terms}
            """;
    }
}
