using Carter;
using System.Reflection;
using System.Text.Json.Serialization;
using FluentValidation;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Payments;

/// <summary>
/// POST /intents/{intent_id}/capture: takes an authorized (capture_method manual) payment, in full or
/// a smaller amount, never more: the second half of an authorize-then-capture ("frozen") payment.
/// </summary>
public sealed class CaptureIntent : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPost("/intents/{intent_id}/capture", Handle)
            .Validate<Request>()
            .Accepts<Request>("application/json")
            .WithRequestExample("""{ "amount": 60.00 }""")
            .WithErrors(
                new ErrorExample(409, ErrorCodes.InvalidState, "This payment intent is succeeded; only an intent in requires_capture can be captured.",
                    "The intent is not waiting for capture."),
                new ErrorExample(409, ErrorCodes.GatewayDeclined,
                    "The capture failed: The specified amount of 90.00 exceeds the authorization amount of 80.00. The authorization is unchanged; you may retry.",
                    "The gateway refused the capture."))
            .WithTags("Intents")
            .WithName("CaptureIntent")
            .WithSummary("Capture an authorized payment")
            .WithDescription("For capture_method manual: takes the authorized amount, or a smaller amount given in the body.");

    public sealed record Request : IBindableFromHttpContext<Request>
    {
        public FlexNumber? Amount { get; init; }

        /// <summary>Not part of the body: the amount's rules depend on the intent's currency.</summary>
        [JsonIgnore] public PaymentTarget Target { get; private init; } = null!;

        public static async ValueTask<Request?> BindAsync(HttpContext ctx, ParameterInfo parameter) =>
            (await JsonBody.ReadOptionalAsync(ctx, new Request())) with { Target = await PaymentTarget.FromAsync(ctx, parameter) };
    }

    /// <summary>The body's own rules; whether the authorization covers the amount is checked by the handler.</summary>
    public sealed class Validator : AbstractValidator<Request>
    {
        public Validator(Db db, Currencies currencies) => RuleFor(r => r.Amount).PartialAmountOf(r => r.Target, db, currencies);
    }

    public sealed record Response(string IntentId, string Status, long ChargeId, string AmountCaptured, string Currency);

    private const string AuthorizedChargeSql = $"SELECT {ChargeReads.Columns} FROM charges WHERE intent_id = @IntentId AND status = 'authorized' ORDER BY id DESC LIMIT 1";

    public static async Task<Results<ApiOk<Response>, ApiError, ApiValidationError>> Handle(
        [FromRoute(Name = "intent_id")] string intentId, Request request, Caller caller, [AsParameters] GatewayOperation s, CancellationToken ct)
    {
        var now = await s.Clock.NowAsync(caller.MerchantId, caller.Mode, ct);
        var start = await s.Writer.WriteAsync<object>(async tx =>
        {
            var intent = await IntentState.LoadAsync(tx, intentId);
            if (intent is null || intent.MerchantId != caller.MerchantId || intent.Mode != caller.Mode) return ApiError.NotFound(ErrorCodes.IntentNotFound, "Payment intent");
            if (intent.Status != IntentStatus.RequiresCapture)
                return ApiError.Conflict(ErrorCodes.InvalidState, $"This payment intent is {intent.Status}; only an intent in requires_capture can be captured.");
            var charge = (await tx.Connection.QuerySingleOrDefaultAsync<ChargeRow>(AuthorizedChargeSql, new { IntentId = intentId }, tx.Transaction))!;
            var currency = s.Currencies.Get(intent.Currency);

            var amount = charge.Amount;
            if (request.Amount is { } requested)
            {
                var problem = PartialAmount.OverLimit(requested, charge.Amount, "authorized", currency);
                if (problem is not null) return ApiValidationError.For("amount", problem);
                amount = Amounts.ToMinor(requested.Value!.Value, currency.Exponent);
            }
            await IntentState.MoveAsync(tx, intentId, IntentStatus.RequiresCapture, IntentStatus.Processing, now);
            await IntentLog.WriteAsync(tx, intentId, "capture.requested",
                $"Capture of {currency.Code} {Amounts.Format(amount, currency.Exponent)} requested.", Actor.Api, now);
            return await AuthorizationOperations.StartAsync(tx, charge, AuthorizationOperations.Capture, amount, Actor.Api, null, now);
        }, CancellationToken.None);
        if (start is not AuthorizationOperations.Row capture) return start is ApiError e ? e : (ApiValidationError)start;

        var gateway = await s.Gateways.ForAsync(caller.MerchantId, caller.Mode, ct);
        var currency = s.Currencies.Get(capture.Currency);
        var result = await s.Calls.SendAsync(gateway, capture.Lookup(),
            deadline => gateway.CaptureAsync(capture.AuthorizationId!, capture.Amount, currency, deadline));
        var recordedAt = await s.Clock.NowAsync(caller.MerchantId, caller.Mode, ct);
        var settled = await s.Writer.WriteAsync(tx => AuthorizationOperations.RecordAsync(tx, capture.Id, result, s.Currencies, recordedAt),
            CancellationToken.None);

        return settled.Status switch
        {
            "failed" => ApiError.Conflict(ErrorCodes.GatewayDeclined, $"The capture failed: {settled.FailureMessage?.TrimEnd('.')}. The authorization is unchanged; you may retry."),
            // Succeeded, or the answer was lost and the intent stays processing until the gateway says (payment.captured tells when).
            var status => new ApiOk<Response>(new Response(intentId, status == "succeeded" ? IntentStatus.Succeeded : IntentStatus.Processing,
                capture.ChargeId, Amounts.Format(capture.Amount, currency.Exponent), currency.Code)),
        };
    }
}
