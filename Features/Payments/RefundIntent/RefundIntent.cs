using Carter;
using System.Reflection;
using System.Text.Json.Serialization;
using FluentValidation;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Payments;

/// <summary>
/// POST /intents/{intent_id}/refunds: gives back all or part of a succeeded charge. The refundable
/// balance is reserved before the gateway is called, so two refunds at once can never exceed it.
/// </summary>
public sealed class RefundIntent : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPost("/intents/{intent_id}/refunds", Handle)
            .Validate<Request>()
            .Accepts<Request>("application/json")
            .WithRequestExample("""{ "amount": 30.00, "reason": "damaged" }""")
            .WithErrors(
                new ErrorExample(404, ErrorCodes.IntentNotFound, "Payment intent not found.", "No such intent for this API client's merchant and mode."),
                new ErrorExample(404, ErrorCodes.ChargeNotFound, "Charge not found.", "The charge_id given is not a successful charge of the intent."),
                new ErrorExample(409, ErrorCodes.InvalidState, "This payment intent is requires_payment and has no captured charge to refund.",
                    "Nothing was captured."),
                new ErrorExample(409, ErrorCodes.AlreadyRefunded, "This charge has already been refunded in full.", "Nothing is left to refund."),
                new ErrorExample(409, ErrorCodes.GatewayDeclined, "The refund failed: Refund amount may not exceed the transaction balance",
                    "The gateway refused the refund; the amount is released."))
            .WithTags("Intents")
            .WithName("RefundIntent")
            .WithSummary("Refund a payment")
            .WithDescription("Refunds a succeeded charge in full (no amount) or in part; never more than was captured in total.");

    public sealed record Request : IBindableFromHttpContext<Request>
    {
        public FlexNumber? Amount { get; init; }
        public string? Reason { get; init; }
        public long? ChargeId { get; init; }

        /// <summary>Not part of the body: the amount's rules depend on the intent's currency.</summary>
        [JsonIgnore] public PaymentTarget Target { get; private init; } = null!;

        public static async ValueTask<Request?> BindAsync(HttpContext ctx, ParameterInfo parameter) =>
            (await JsonBody.ReadOptionalAsync(ctx, new Request())) with { Target = await PaymentTarget.FromAsync(ctx, parameter) };
    }

    /// <summary>The body's own rules; whether the charge still has that much to refund is checked by the handler.</summary>
    public sealed class Validator : AbstractValidator<Request>
    {
        public Validator(Db db, Currencies currencies)
        {
            RuleFor(r => r.Amount).PartialAmountOf(r => r.Target, db, currencies);
            RuleFor(r => r.Reason).MaximumLength(500).WithMessage(Messages.MaxChars(500));
        }
    }

    public sealed record Response(string RefundId, string IntentId, long ChargeId, string Amount, string Currency, string Status,
        string? Reason, string AmountRefunded, string CreatedAt);

    private const string RefundableChargeSql = $"""
        SELECT {ChargeReads.Columns} FROM charges
        WHERE intent_id = @IntentId AND status = 'success' AND (@ChargeId IS NULL OR id = @ChargeId)
        ORDER BY id LIMIT 1
        """;
    private const string ReserveSql = """
        UPDATE charges SET refunded_amount = refunded_amount + @Amount, updated_at = @Now
        WHERE id = @ChargeId AND captured_amount - refunded_amount >= @Amount
        """;
    private const string InsertSql = """
        INSERT INTO refunds (id, charge_id, intent_id, merchant_id, mode, amount, reason, status, order_id, created_at, updated_at)
        VALUES (@Id, @ChargeId, @IntentId, @MerchantId, @Mode, @Amount, @Reason, 'pending', @OrderId, @Now, @Now)
        """;

    public static async Task<Results<ApiOk<Response>, ApiError, ApiValidationError>> Handle(
        [FromRoute(Name = "intent_id")] string intentId, Request request, Caller caller, [AsParameters] GatewayOperation s, CancellationToken ct)
    {
        // The refundable balance is reserved and the refund recorded (pending, with the order id the gateway will know it by) before the call.
        var now = await s.Clock.NowAsync(caller.MerchantId, caller.Mode, ct);
        var start = await s.Writer.WriteAsync<object>(async tx =>
        {
            var intent = await IntentState.LoadAsync(tx, intentId);
            if (intent is null || intent.MerchantId != caller.MerchantId || intent.Mode != caller.Mode) return ApiError.NotFound(ErrorCodes.IntentNotFound, "Payment intent");
            var charge = await tx.Connection.QuerySingleOrDefaultAsync<ChargeRow>(RefundableChargeSql,
                new { IntentId = intentId, request.ChargeId }, tx.Transaction);
            if (charge is null)
                return request.ChargeId is null
                    ? ApiError.Conflict(ErrorCodes.InvalidState, $"This payment intent is {intent.Status} and has no captured charge to refund.")
                    : ApiError.NotFound(ErrorCodes.ChargeNotFound, "Charge");
            var currency = s.Currencies.Get(charge.Currency);
            var refundable = charge.CapturedAmount - charge.RefundedAmount;
            if (refundable <= 0) return ApiError.Conflict(ErrorCodes.AlreadyRefunded, "This charge has already been refunded in full.");

            var amount = refundable;
            if (request.Amount is { } requested)
            {
                var problem = PartialAmount.OverLimit(requested, refundable, "refundable", currency);
                if (problem is not null) return ApiValidationError.For("amount", problem);
                amount = Amounts.ToMinor(requested.Value!.Value, currency.Exponent);
            }

            var refundId = "re_" + Guid.CreateVersion7();
            await tx.Connection.ExecuteAsync(ReserveSql, new { ChargeId = charge.Id, Amount = amount, Now = now.ToUnixTimeMilliseconds() }, tx.Transaction);
            await tx.Connection.ExecuteAsync(InsertSql, new
            {
                Id = refundId, ChargeId = charge.Id, IntentId = intentId, caller.MerchantId, caller.Mode, Amount = amount,
                request.Reason, OrderId = "ord_" + Guid.CreateVersion7().ToString("N"), Now = now.ToUnixTimeMilliseconds(),
            }, tx.Transaction);
            await IntentLog.WriteAsync(tx, intentId, "refund.requested",
                $"Refund {refundId} of {currency.Code} {Amounts.Format(amount, currency.Exponent)} requested.", Actor.Api, now);
            return await Refunds.LoadAsync(tx, refundId);
        }, CancellationToken.None);
        if (start is not Refunds.Row refund) return start is ApiError e ? e : (ApiValidationError)start;

        var gateway = await s.Gateways.ForAsync(caller.MerchantId, caller.Mode, ct);
        var currency = s.Currencies.Get(refund.Currency);
        var result = await s.Calls.SendAsync(gateway, refund.Lookup(),
            deadline => gateway.RefundAsync(refund.ChargeTransactionId!, refund.Amount, currency, refund.OrderId!, deadline));
        var recordedAt = await s.Clock.NowAsync(caller.MerchantId, caller.Mode, ct);
        var settled = await s.Writer.WriteAsync(tx => Refunds.RecordAsync(tx, refund.Id, result, s.Currencies, recordedAt), CancellationToken.None);

        if (settled.Status == "failed") return ApiError.Conflict(ErrorCodes.GatewayDeclined, $"The refund failed: {settled.FailureMessage}");
        return new ApiOk<Response>(new Response(refund.Id, intentId, settled.ChargeId, Amounts.Format(settled.Amount, currency.Exponent), currency.Code,
            settled.Status, settled.Reason, Amounts.Format(settled.RefundedAmount, currency.Exponent), Formats.Timestamp(settled.CreatedAt)));
    }
}
