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

    /// <summary>A complete page; <paramref name="wide"/> lays the payment page out in two columns on a wide screen (order left, form right).</summary>
    public static IResult Page(string title, string body, int status = 200, string? extraHead = null, bool wide = false) =>
        Results.Content($$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>{{E(title)}}</title>
            <style>
            :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
                    --text: #1a1f36; --muted: #5b6475; --line: #d5dae2; --accent: #1f5eff; --danger: #c0262d; }
            * { box-sizing: border-box; }
            body { margin: 0; background: #f3f5f8; color: var(--text); line-height: 1.45; -webkit-text-size-adjust: 100%; }
            main { max-width: 30rem; margin: 2.5rem auto; background: #fff; border-radius: 14px; padding: 1.75rem;
                   box-shadow: 0 1px 2px rgba(16,24,40,.06), 0 6px 24px rgba(16,24,40,.08); }
            @media (min-width: 52rem) {
              main.wide { max-width: 56rem; display: grid; grid-template-columns: 1fr 1fr; gap: 3.5rem; padding: 2.5rem 3rem; }
            }
            @media (max-width: 32rem) {
              body { background: #fff; }
              main { margin: 0; border-radius: 0; box-shadow: none; padding: 1.25rem 1rem 2rem; }
            }
            h1 { font-size: 1.25rem; margin: 0 0 1rem; }
            .order h1 { font-size: 1rem; font-weight: 500; color: var(--muted); margin: 0; }
            .due { font-size: 2.25rem; font-weight: 650; letter-spacing: -.02em; margin: .1rem 0 1rem; line-height: 1.15; overflow-wrap: anywhere; }
            .due span { font-size: 1rem; font-weight: 500; color: var(--muted); letter-spacing: 0; }
            table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
            th, td { padding: .4rem 0; vertical-align: top; text-align: left; font-weight: 400; }
            td { overflow-wrap: anywhere; }
            td.num { text-align: right; white-space: nowrap; padding-left: 1rem; }
            tr.total td { border-top: 1px solid var(--line); font-weight: 600; padding-top: .7rem; }
            .muted { color: var(--muted); font-size: .9rem; }
            .banner { background: #fff7e0; border: 1px solid #efc45a; border-radius: 8px; padding: .6rem .8rem; font-size: .85rem; margin-bottom: 1.25rem; }
            .banner summary { cursor: pointer; margin-top: .3rem; }
            .banner table { margin: .4rem 0; }
            .banner td { padding: .15rem .5rem .15rem 0; }
            .notice { padding: 1rem; border-radius: 8px; background: #eef1f5; }
            .alert { background: #fdecec; border: 1px solid #f1b0b0; color: #7d1a1a; border-radius: 8px; padding: .7rem .85rem; margin: 0 0 1rem; }
            .alert:focus { outline: none; }
            .field { margin: 0 0 .9rem; min-width: 0; }
            label { display: block; font-weight: 600; font-size: .875rem; margin: 0 0 .3rem; }
            .control { position: relative; }
            input { width: 100%; font: inherit; font-size: 1rem; color: var(--text); padding: .65rem .75rem; background: #fff;
                    border: 1px solid var(--line); border-radius: 6px; box-shadow: 0 1px 1px rgba(16,24,40,.04); }
            input::placeholder { color: #8a93a3; }
            input[aria-invalid="true"] { border-color: var(--danger); }
            input:focus-visible, button:focus-visible, a:focus-visible, summary:focus-visible {
                    outline: 3px solid rgba(31,94,255,.55); outline-offset: 1px; }
            input:focus { border-color: var(--accent); }
            #card_number { padding-right: 3.6rem; }
            .card-brand { position: absolute; right: .6rem; top: 50%; transform: translateY(-50%); display: flex; pointer-events: none; }
            .card-brand svg { display: none; }
            .card-brand[data-brand="unknown"] .b-unknown, .card-brand[data-brand="visa"] .b-visa, .card-brand[data-brand="mastercard"] .b-mastercard,
            .card-brand[data-brand="amex"] .b-amex, .card-brand[data-brand="discover"] .b-discover { display: block; }
            .hosted { min-height: 2.75rem; }
            .field-error { color: var(--danger); font-size: .85rem; margin: .35rem 0 0; display: flex; gap: .35rem; align-items: baseline; }
            .field-error::before { content: "!" / ""; flex: none; width: 1rem; height: 1rem; border-radius: 50%; background: var(--danger); color: #fff;
                    font-size: .7rem; font-weight: 700; line-height: 1rem; text-align: center; transform: translateY(.1rem); }
            .field-error[hidden], .alert[hidden] { display: none; }
            .row { display: flex; gap: .75rem; } .row > .field { flex: 1; }
            .merchant-head { display: flex; align-items: center; gap: .6rem; margin: 0 0 1.25rem; font-size: 1.05rem; font-weight: 600; }
            .merchant-head img { max-height: 40px; max-width: 160px; object-fit: contain; }
            button { font: inherit; font-size: 1rem; padding: .75rem 1rem; border-radius: 6px; border: 0; cursor: pointer; }
            button.pay { width: 100%; min-height: 3rem; margin-top: .6rem; background: var(--accent); color: #fff; font-weight: 600;
                    display: flex; align-items: center; justify-content: center; gap: .6rem; box-shadow: 0 1px 2px rgba(16,24,40,.15); }
            button.pay:hover { filter: brightness(.95); }
            button.pay[aria-busy="true"] { cursor: progress; filter: none; opacity: .8; }
            .spinner { display: none; width: 1.1rem; height: 1.1rem; border: 2px solid currentColor; border-right-color: transparent;
                    border-radius: 50%; animation: spin .7s linear infinite; }
            button.pay[aria-busy="true"] .spinner { display: inline-block; }
            @keyframes spin { to { transform: rotate(360deg); } }
            @media (prefers-reduced-motion: reduce) { .spinner { animation-duration: 2s; } }
            button.cancel { width: 100%; margin-top: .4rem; background: transparent; color: var(--muted); }
            button.cancel:hover { color: var(--text); text-decoration: underline; }
            .receipt { margin: 1.25rem 0; border-bottom: 1px solid var(--line); }
            .receipt th { color: var(--muted); white-space: nowrap; padding-right: 1rem; }
            .receipt td { text-align: right; font-weight: 500; padding-bottom: .6rem; }
            .last4 { white-space: nowrap; }
            .success-icon { display: block; margin: .5rem 0 .75rem; }
            .sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
            code { background: #f1f2f4; padding: 0 .2rem; border-radius: 3px; }
            </style>
            {{extraHead}}
            </head>
            <body>
            <main{{(wide ? " class=\"wide\"" : "")}}>
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
