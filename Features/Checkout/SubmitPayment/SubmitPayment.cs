using Carter;
using FluentValidation;
using Microsoft.AspNetCore.Antiforgery;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Payments;
using PaymentHub.Features.TestClock.Contracts;
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

    /// <summary>
    /// The payment form as posted. With Collect.js (<see cref="Tokenized"/>) the card goes from the
    /// browser to the gateway and only its payment token arrives; otherwise the card itself does.
    /// </summary>
    public sealed record Request(string NameOnCard, string CardNumber, string CardExpiry, string CardCvc, string PaymentToken, bool Tokenized)
    {
        public static Request From(IFormCollection form, bool tokenized) => new(
            form["name_on_card"].ToString().Trim(), form["card_number"].ToString(), form["card_expiry"].ToString(),
            form["card_cvc"].ToString().Trim(), form["payment_token"].ToString(), tokenized);

        /// <summary>What pays, from a request the <see cref="Validator"/> accepted.</summary>
        public PaymentSource Source()
        {
            if (Tokenized) return new PaymentSource(PaymentToken: PaymentToken);
            var (month, year) = CardNumbers.ParseExpiry(CardExpiry)!.Value;
            return new PaymentSource(Card: new CardDetails(CardNumbers.Digits(CardNumber)!, month, year, CardCvc, NameOnCard));
        }

        // Records print every property; the card number and CVC must never reach a log.
        public override string ToString() => $"SubmitPayment.Request {{ Tokenized = {Tokenized} }}";
    }

    /// <summary>The form's rules, in the order the customer reads the fields; the page shows the first that fails.</summary>
    public sealed class Validator : AbstractValidator<Request>
    {
        public Validator(TimeProvider clock)
        {
            ClassLevelCascadeMode = CascadeMode.Stop;
            RuleLevelCascadeMode = CascadeMode.Stop;
            RuleFor(r => r.NameOnCard)
                .NotEmpty().WithMessage("Enter the name on the card.")
                .MaximumLength(100).WithMessage("The name on the card is too long.");
            When(r => r.Tokenized, () =>
                RuleFor(r => r.PaymentToken)
                    .Must(t => t.Length is > 0 and <= 200).WithMessage("The card details did not reach us. Please enter them again."));
            Unless(r => r.Tokenized, () =>
            {
                RuleFor(r => r.CardNumber)
                    .Must(n => CardNumbers.Digits(n) is { } digits && CardNumbers.LuhnValid(digits))
                    .WithMessage("Your card number is invalid. Check it and try again.");
                RuleFor(r => r.CardExpiry).Custom((text, ctx) =>
                {
                    var now = clock.GetUtcNow();
                    if (CardNumbers.ParseExpiry(text) is not { } expiry)
                        ctx.AddFailure("Enter the expiry date as MM/YY.");
                    else if (CardNumbers.IsExpired(expiry.Month, expiry.Year, now))
                        ctx.AddFailure("Your card's expiry date is in the past.");
                    else if (CardNumbers.IsTooFarAhead(expiry.Year, now))
                        ctx.AddFailure($"Your card's expiry date is more than {CardNumbers.MaxYearsAhead} years away. Check it and try again.");
                });
                RuleFor(r => r.CardCvc)
                    .Must(cvc => cvc.Length is 3 or 4 && cvc.All(char.IsAsciiDigit))
                    .WithMessage("Your card's security code (CVC) is invalid.");
            });
        }
    }

    public sealed record Services(Db Db, Currencies Currencies, IMerchantClock Clock, ICheckoutGatewayInfo Gateways,
        IAntiforgery Antiforgery, IValidator<Request> Validator, PaymentService Payments);

    public static async Task<IResult> Handle(string token, IFormCollection form, [AsParameters] Services s, HttpContext http, CancellationToken ct)
    {
        var intent = await CheckoutFlow.Load(s.Db, s.Currencies, token, ct);
        if (intent is null) return CheckoutFlow.NotFound();
        var now = await s.Clock.NowAsync(intent.MerchantId, intent.Mode, ct);
        if (CheckoutFlow.Closed(intent, now) is { } closed) return closed(http);

        var gateway = await CheckoutFlow.GatewayAsync(s.Gateways, intent, ct);
        if (gateway is null) return CheckoutFlow.Unavailable(http, intent);
        var request = Request.From(form, tokenized: gateway.Gateway == "nmi");
        var validation = await s.Validator.ValidateAsync(request, ct);
        if (!validation.IsValid)
        {
            var problem = validation.Errors[0].ErrorMessage;
            return CheckoutPage.Form(http, s.Antiforgery, intent, gateway, problem, request.NameOnCard, new FrameEvent("error", problem), 422);
        }

        var (first, last) = CardNumbers.SplitName(request.NameOnCard);
        var customer = new GatewayCustomer(intent.Email, first, last, http.Connection.RemoteIpAddress?.ToString());
        var result = await s.Payments.PayAsync(intent.IntentId, request.Source(), customer, ct);

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
                return CheckoutPage.Form(http, s.Antiforgery, after, gateway, message, request.NameOnCard,
                    new FrameEvent("payment.failed", declined.Message, "failed"), 402);
            case PayResult.Pending:
                return CheckoutPage.Outcome(http, after, "Confirming your payment",
                    "We are confirming your payment with the bank. This page refreshes by itself; please don't pay again.", null, refreshSeconds: 5);
            default:
                return CheckoutFlow.Closed(after, now)?.Invoke(http)
                    ?? CheckoutPage.Form(http, s.Antiforgery, after, gateway);
        }
    }
}
