using PaymentHub.Features.Gateways.Contracts;

namespace PaymentHub.Features.Checkout;

/// <summary>
/// The payment form's fields and what is said about them. The server's validator and the page's
/// checks in the browser use the same sentences, so a customer reads the same words whichever
/// finds the problem.
/// </summary>
internal static class CardForm
{
    public const string Name = "name_on_card";
    public const string Number = "card_number";
    public const string Expiry = "card_expiry";
    public const string Cvc = "card_cvc";

    /// <summary>The fields in the order the customer reads them.</summary>
    public static readonly IReadOnlyList<string> Fields = [Name, Number, Expiry, Cvc];

    public const string NameMissing = "Enter the name on the card.";
    public const string NameTooLong = "The name on the card is too long.";
    public const string NumberMissing = "Enter the card number.";
    /// <summary>Said only in the browser, which sees a number still being typed; the server calls it invalid.</summary>
    public const string NumberIncomplete = "Your card number is incomplete.";
    public const string NumberInvalid = "Your card number is invalid. Check it and try again.";
    public const string ExpiryFormat = "Enter the expiry date as MM/YY.";
    public const string ExpiryPast = "Your card's expiry date is in the past.";
    public static readonly string ExpiryTooFar = $"Your card's expiry date is more than {CardNumbers.MaxYearsAhead} years away. Check it and try again.";
    public const string CvcMissing = "Enter the card's security code (CVC).";
    public const string CvcInvalid = "Your card's security code (CVC) is invalid.";
    public const string TokenMissing = "The card details did not reach us. Please enter them again.";
}

/// <summary>What was wrong with the last post: a message per field (by its name in the form), and one for the whole form (a decline).</summary>
internal sealed record FormProblems(IReadOnlyDictionary<string, string> Fields, string? Alert = null)
{
    public static FormProblems Form(string alert) => new(new Dictionary<string, string>(), alert);

    public string? For(string field) => Fields.GetValueOrDefault(field);

    /// <summary>The first field in the form's order that has a problem; null when none has.</summary>
    public string? FirstField => CardForm.Fields.FirstOrDefault(Fields.ContainsKey);
}
