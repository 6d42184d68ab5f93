namespace PaymentHub.Features.Checkout;

/// <summary>
/// The card brands the checkout recognises (the brands of <see cref="Gateways.Contracts.CardNumbers.BrandOf"/>):
/// their names for customers and the badge the card number field shows, drawn inline (the page
/// loads no images of its own).
/// </summary>
internal static class CardBrands
{
    public static readonly IReadOnlyDictionary<string, string> Names = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["visa"] = "Visa", ["mastercard"] = "Mastercard", ["amex"] = "American Express", ["discover"] = "Discover",
    };

    /// <summary>"Visa" for "visa"; a brand the gateway named otherwise is shown as it came, or "Card" when it named none.</summary>
    public static string NameOf(string? brand) =>
        brand is null or "" or "unknown" ? "Card" : Names.GetValueOrDefault(brand.ToLowerInvariant()) ?? brand;

    /// <summary>
    /// Sits inside the card number field: one drawing per brand, the one matching the card's
    /// <c>data-brand</c> shown (a blank card while none is known). The brand's name also goes to a
    /// polite live region, for those who don't see the badge.
    /// </summary>
    public const string Badge = """
        <span class="card-brand" id="card_brand" data-brand="unknown" aria-hidden="true">
        <svg class="b-unknown" viewBox="0 0 34 22" width="34" height="22"><rect x=".5" y=".5" width="33" height="21" rx="3" fill="#f3f4f7" stroke="#c9ced8"/><rect x="1" y="5" width="32" height="3.5" fill="#c9ced8"/><rect x="4" y="13" width="10" height="3" rx="1" fill="#c9ced8"/></svg>
        <svg class="b-visa" viewBox="0 0 34 22" width="34" height="22"><rect x=".5" y=".5" width="33" height="21" rx="3" fill="#fff" stroke="#c9ced8"/><text x="17" y="14.8" text-anchor="middle" font-family="Arial,Helvetica,sans-serif" font-size="9.5" font-weight="700" font-style="italic" fill="#1a1f71" textLength="21" lengthAdjust="spacingAndGlyphs">VISA</text></svg>
        <svg class="b-mastercard" viewBox="0 0 34 22" width="34" height="22"><rect x=".5" y=".5" width="33" height="21" rx="3" fill="#fff" stroke="#c9ced8"/><circle cx="13.5" cy="11" r="6" fill="#eb001b"/><circle cx="20.5" cy="11" r="6" fill="#f79e1b"/><path d="M17 6.13a6 6 0 0 1 0 9.74a6 6 0 0 1 0-9.74z" fill="#ff5f00"/></svg>
        <svg class="b-amex" viewBox="0 0 34 22" width="34" height="22"><rect width="34" height="22" rx="3" fill="#1f72cd"/><text x="17" y="14.3" text-anchor="middle" font-family="Arial,Helvetica,sans-serif" font-size="8.5" font-weight="700" fill="#fff" textLength="24" lengthAdjust="spacingAndGlyphs">AMEX</text></svg>
        <svg class="b-discover" viewBox="0 0 34 22" width="34" height="22"><rect x=".5" y=".5" width="33" height="21" rx="3" fill="#fff" stroke="#c9ced8"/><text x="2.4" y="12.9" textLength="13.4" lengthAdjust="spacingAndGlyphs" font-family="Arial,Helvetica,sans-serif" font-size="5.6" font-weight="700" fill="#231f20">DISC</text><circle cx="17.9" cy="10.9" r="2.1" fill="#f48120"/><text x="20.2" y="12.9" textLength="11.4" lengthAdjust="spacingAndGlyphs" font-family="Arial,Helvetica,sans-serif" font-size="5.6" font-weight="700" fill="#231f20">VER</text></svg>
        </span><span class="sr" id="card_brand_name" aria-live="polite"></span>
        """;
}
