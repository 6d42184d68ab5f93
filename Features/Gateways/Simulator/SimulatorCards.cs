namespace PaymentHub.Features.Gateways.Simulator;

/// <summary>Which simulated card a number is; stored on a vaulted card as its behaviour.</summary>
internal enum SimulatedCard { Approve, Decline, InsufficientFunds, ExpiredCard, ProcessingError, DeclineRenewals }

/// <summary>
/// The simulator's card table (Stripe's well-known test numbers; docs/api.md, "Test cards"). Any other Luhn-valid number approves;
/// a Luhn-invalid one is a hard decline (incorrect_number); a past expiry is expired_card.
/// </summary>
internal static class SimulatorCards
{
    public static SimulatedCard Of(string digits) => digits switch
    {
        "4000000000000002" => SimulatedCard.Decline,
        "4000000000009995" => SimulatedCard.InsufficientFunds,
        "4000000000000069" => SimulatedCard.ExpiredCard,
        "4000000000000119" => SimulatedCard.ProcessingError,
        "4000000000000341" => SimulatedCard.DeclineRenewals,
        _ => SimulatedCard.Approve, // 4242424242424242, 4111111111111111 and any other valid number
    };

    public static string ToBehaviour(SimulatedCard card) => card switch
    {
        SimulatedCard.Decline => "decline",
        SimulatedCard.InsufficientFunds => "insufficient_funds",
        SimulatedCard.ExpiredCard => "expired_card",
        SimulatedCard.ProcessingError => "processing_error",
        SimulatedCard.DeclineRenewals => "decline_renewals",
        _ => "approve",
    };

    public static SimulatedCard FromBehaviour(string? behaviour) => behaviour switch
    {
        "decline" => SimulatedCard.Decline,
        "insufficient_funds" => SimulatedCard.InsufficientFunds,
        "expired_card" => SimulatedCard.ExpiredCard,
        "processing_error" => SimulatedCard.ProcessingError,
        "decline_renewals" => SimulatedCard.DeclineRenewals,
        _ => SimulatedCard.Approve,
    };

    /// <summary>The outcome of charging the card; <paramref name="stored"/> is a charge of the vaulted card (a renewal).</summary>
    public static (string Status, string? Code, string Message) Charge(SimulatedCard card, bool stored) => card switch
    {
        SimulatedCard.Decline => (Statuses.HardDeclined, "card_declined", "Your card was declined."),
        SimulatedCard.InsufficientFunds => (Statuses.SoftDeclined, "insufficient_funds", "Your card has insufficient funds."),
        SimulatedCard.ExpiredCard => (Statuses.HardDeclined, "expired_card", "Your card has expired."),
        SimulatedCard.ProcessingError => (Statuses.Failed, "processing_error", "An error occurred while processing your card. Try again in a little bit."),
        // Soft, so that dunning retries can be tested: every retry declines too, until the subscription is cancelled.
        SimulatedCard.DeclineRenewals when stored => (Statuses.SoftDeclined, "card_declined", "Your card was declined (simulated: charges of the stored card fail)."),
        _ => (Statuses.Approved, null, "Approved (simulated)."),
    };

    /// <summary>simulator_transactions.status values.</summary>
    public static class Statuses
    {
        public const string Authorized = "authorized";
        public const string Approved = "captured"; // a sale is captured at once
        public const string Captured = "captured";
        public const string Voided = "voided";
        public const string SoftDeclined = "soft_declined";
        public const string HardDeclined = "hard_declined";
        public const string Failed = "failed";
        public const string Refunded = "refunded";
    }
}
