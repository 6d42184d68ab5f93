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

    /// <summary>
    /// The form's rules, in the order the customer reads the fields; each field gets its first
    /// problem. Expiry is judged by the merchant's clock, which the caller passes with <see cref="At"/>
    /// (a test-mode merchant may have moved it ahead): the page's own check uses the same time.
    /// </summary>
    public sealed class Validator : AbstractValidator<Request>
    {
        private const string NowKey = "now";

        /// <summary>What to validate and the merchant's time to judge the expiry by.</summary>
        public static ValidationContext<Request> At(Request request, DateTimeOffset now)
        {
            var context = new ValidationContext<Request>(request);
            context.RootContextData[NowKey] = now.ToUniversalTime();
            return context;
        }

        public Validator()
        {
            RuleLevelCascadeMode = CascadeMode.Stop;
            RuleFor(r => r.NameOnCard)
                .NotEmpty().WithMessage(CardForm.NameMissing)
                .MaximumLength(100).WithMessage(CardForm.NameTooLong);
            When(r => r.Tokenized, () =>
                RuleFor(r => r.PaymentToken)
                    .Must(t => t.Length is > 0 and <= 200).WithMessage(CardForm.TokenMissing));
            Unless(r => r.Tokenized, () =>
            {
                RuleFor(r => r.CardNumber)
                    .NotEmpty().WithMessage(CardForm.NumberMissing)
                    .Must(n => CardNumbers.Digits(n) is { } digits && CardNumbers.LuhnValid(digits)).WithMessage(CardForm.NumberInvalid);
                RuleFor(r => r.CardExpiry).Custom((text, ctx) =>
                {
                    var now = ctx.RootContextData.TryGetValue(NowKey, out var at) && at is DateTimeOffset time
                        ? time
                        : throw new InvalidOperationException("The card form is validated at the merchant's time: use Validator.At.");
                    if (CardNumbers.ParseExpiry(text) is not { } expiry)
                        ctx.AddFailure(CardForm.ExpiryFormat);
                    else if (CardNumbers.IsExpired(expiry.Month, expiry.Year, now))
                        ctx.AddFailure(CardForm.ExpiryPast);
                    else if (CardNumbers.IsTooFarAhead(expiry.Year, now))
                        ctx.AddFailure(CardForm.ExpiryTooFar);
                });
                RuleFor(r => r.CardCvc)
                    .NotEmpty().WithMessage(CardForm.CvcMissing)
                    .Must(cvc => cvc.Length is 3 or 4 && cvc.All(char.IsAsciiDigit)).WithMessage(CardForm.CvcInvalid);
            });
        }

        /// <summary>The form field a rule's property is shown beside; null for the payment token, which the customer never sees.</summary>
        internal static string? FieldOf(string property) => property switch
        {
            nameof(Request.NameOnCard) => CardForm.Name,
            nameof(Request.CardNumber) => CardForm.Number,
            nameof(Request.CardExpiry) => CardForm.Expiry,
            nameof(Request.CardCvc) => CardForm.Cvc,
            _ => null,
        };

        /// <summary>The failures as the page shows them: each beside its field, the rest above the form.</summary>
        internal static FormProblems Problems(FluentValidation.Results.ValidationResult result)
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            string? alert = null;
            foreach (var error in result.Errors)
            {
                if (FieldOf(error.PropertyName) is { } field) fields.TryAdd(field, error.ErrorMessage);
                else alert ??= error.ErrorMessage;
            }
            return new FormProblems(fields, alert);
        }
    }

    public sealed record Services([FromServices] Db Db, [FromServices] Currencies Currencies, [FromServices] IMerchantClock Clock, [FromServices] ICheckoutGatewayInfo Gateways,
        [FromServices] IAntiforgery Antiforgery, [FromServices] IValidator<Request> Validator, [FromServices] PaymentService Payments);

    public static async Task<IResult> Handle(string token, IFormCollection form, [AsParameters] Services s, HttpContext http, CancellationToken ct)
    {
        var intent = await CheckoutFlow.Load(s.Db, s.Currencies, token, ct);
        if (intent is null) return CheckoutFlow.NotFound();
        var now = await s.Clock.NowAsync(intent.MerchantId, intent.Mode, ct);
        if (await CheckoutFlow.ClosedAsync(s.Db, intent, now, ct) is { } closed) return closed(http);

        var gateway = await CheckoutFlow.GatewayAsync(s.Gateways, intent, ct);
        if (gateway is null) return CheckoutFlow.Unavailable(http, intent);
        var request = Request.From(form, tokenized: gateway.Gateway == "nmi");
        var validation = await s.Validator.ValidateAsync(Validator.At(request, now), ct);
        if (!validation.IsValid)
        {
            var problem = validation.Errors[0].ErrorMessage;
            return CheckoutPage.Form(http, s.Antiforgery, intent, gateway, now, Validator.Problems(validation), request.NameOnCard,
                new FrameEvent("error", problem), 422);
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
                return CheckoutPage.Form(http, s.Antiforgery, after, gateway, now, FormProblems.Form(message), request.NameOnCard,
                    new FrameEvent("payment.failed", declined.Message, "failed"), 402);
            case PayResult.Pending:
                return CheckoutPage.Outcome(http, after, "Confirming your payment",
                    "We are confirming your payment with the bank. This page refreshes by itself; please don't pay again.", null, refreshSeconds: 5);
            default:
                return (await CheckoutFlow.ClosedAsync(s.Db, after, now, ct))?.Invoke(http)
                    ?? CheckoutPage.Form(http, s.Antiforgery, after, gateway, now);
        }
    }
}
