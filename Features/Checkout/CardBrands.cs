namespace PaymentHub.Features.Checkout;

/// <summary>
/// The card brands the checkout recognises (the brands of <see cref="Gateways.Contracts.CardNumbers.BrandOf"/>)
/// and their names for customers.
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
}
