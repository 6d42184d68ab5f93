using Carter;
using System.Reflection;
using System.Text.Json.Serialization;
using FluentValidation;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
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

    private sealed record Started(string RefundId, ChargeRow Charge, IntentSnapshot Intent, long Amount, long CreatedAt);

    private const string RefundableChargeSql = $"""
        SELECT {ChargeReads.Columns} FROM charges
        WHERE intent_id = @IntentId AND status = 'success' AND (@ChargeId IS NULL OR id = @ChargeId)
        ORDER BY id LIMIT 1
        """;
    private const string ReserveSql = """
        UPDATE charges SET refunded_amount = refunded_amount + @Amount, updated_at = @Now
        WHERE id = @ChargeId AND captured_amount - refunded_amount >= @Amount
        """;
    private const string ReleaseSql = "UPDATE charges SET refunded_amount = refunded_amount - @Amount, updated_at = @Now WHERE id = @ChargeId";
    private const string InsertSql = """
        INSERT INTO refunds (id, charge_id, intent_id, merchant_id, mode, amount, reason, status, created_at, updated_at)
        VALUES (@Id, @ChargeId, @IntentId, @MerchantId, @Mode, @Amount, @Reason, 'pending', @Now, @Now)
        """;
    private const string FinishSql = """
        UPDATE refunds SET status = @Status, gateway_refund_id = @GatewayRefundId, failure_message = @FailureMessage, updated_at = @Now
        WHERE id = @Id
        """;

    public static async Task<Results<ApiOk<Response>, ApiError, ApiValidationError>> Handle(
        [FromRoute(Name = "intent_id")] string intentId, Request request, Caller caller, [AsParameters] GatewayOperation s, CancellationToken ct)
    {
        var start = await s.Writer.WriteAsync<object>(async tx =>
        {
            var intent = await IntentState.LoadAsync(tx, intentId);
            if (intent is null || intent.MerchantId != caller.MerchantId || intent.Mode != caller.Mode) return ApiError.NotFound("Payment intent");
            var charge = await tx.Connection.QuerySingleOrDefaultAsync<ChargeRow>(RefundableChargeSql,
                new { IntentId = intentId, request.ChargeId }, tx.Transaction);
            if (charge is null)
                return request.ChargeId is null
                    ? ApiError.Conflict($"This payment intent is {intent.Status} and has no captured charge to refund.")
                    : ApiError.NotFound("Charge");
            var currency = s.Currencies.Get(charge.Currency);
            var refundable = charge.CapturedAmount - charge.RefundedAmount;
            if (refundable <= 0) return ApiError.Conflict("This charge has already been refunded in full.");

            var amount = refundable;
            if (request.Amount is { } requested)
            {
                var problem = PartialAmount.OverLimit(requested, refundable, "refundable", currency);
                if (problem is not null) return ApiValidationError.For("amount", problem);
                amount = Amounts.ToMinor(requested.Value!.Value, currency.Exponent);
            }

            var now = s.Clock.GetUtcNow();
            var refundId = "re_" + Guid.CreateVersion7();
            await tx.Connection.ExecuteAsync(ReserveSql, new { ChargeId = charge.Id, Amount = amount, Now = now.ToUnixTimeMilliseconds() }, tx.Transaction);
            await tx.Connection.ExecuteAsync(InsertSql, new
            {
                Id = refundId, ChargeId = charge.Id, IntentId = intentId, caller.MerchantId, caller.Mode, Amount = amount,
                request.Reason, Now = now.ToUnixTimeMilliseconds(),
            }, tx.Transaction);
            await IntentLog.WriteAsync(tx, intentId, "refund.requested",
                $"Refund {refundId} of {currency.Code} {Amounts.Format(amount, currency.Exponent)} requested.", Actor.Api, now);
            return new Started(refundId, charge, intent, amount, now.ToUnixTimeMilliseconds());
        }, CancellationToken.None);
        if (start is not Started started) return start is ApiError e ? e : (ApiValidationError)start;

        var currency = s.Currencies.Get(started.Charge.Currency);
        var gateway = await s.Gateways.ForAsync(caller.MerchantId, caller.Mode, ct);
        GatewayResult result;
        try { result = await gateway.RefundAsync(started.Charge.GatewayTransactionId!, started.Amount, currency, CancellationToken.None); }
        catch (Exception) { result = new GatewayResult(GatewayOutcome.Unknown, Message: "The gateway did not answer."); }

        return await s.Writer.WriteAsync<Results<ApiOk<Response>, ApiError, ApiValidationError>>(async tx =>
        {
            var now = s.Clock.GetUtcNow();
            var money = $"{currency.Code} {Amounts.Format(started.Amount, currency.Exponent)}";
            var status = result.Outcome switch
            {
                GatewayOutcome.Approved => "succeeded",
                GatewayOutcome.Unknown => "unknown",
                _ => "failed",
            };
            await tx.Connection.ExecuteAsync(FinishSql, new
            {
                Id = started.RefundId, Status = status, GatewayRefundId = result.TransactionId,
                FailureMessage = status == "failed" ? PaymentService.CustomerMessage(result) : null, Now = now.ToUnixTimeMilliseconds(),
            }, tx.Transaction);

            if (status == "failed")
            {
                // Nothing left the merchant's account: give the balance back.
                await tx.Connection.ExecuteAsync(ReleaseSql, new { ChargeId = started.Charge.Id, started.Amount, Now = now.ToUnixTimeMilliseconds() }, tx.Transaction);
                await IntentLog.WriteAsync(tx, intentId, "refund.failed", $"Refund of {money} failed: {PaymentService.CustomerMessage(result)}", Actor.Gateway, now);
                return ApiError.Conflict($"The refund failed: {PaymentService.CustomerMessage(result)}");
            }
            if (status == "unknown")
                await IntentLog.WriteAsync(tx, intentId, "refund.unknown",
                    $"The gateway did not confirm the refund of {money}; it stays reserved until it is confirmed.", Actor.System, now);
            else
            {
                await IntentLog.WriteAsync(tx, intentId, "payment.refunded", $"{money} refunded.", Actor.Gateway, now);
                await Outbox.EmitAsync(tx, new WebhookEvent(caller.MerchantId, caller.Mode, "payment.refunded", intentId, null, new JsonObject
                {
                    ["intent_id"] = intentId,
                    ["charge_id"] = started.Charge.Id,
                    ["refund_id"] = started.RefundId,
                    ["amount"] = Amounts.Format(started.Amount, currency.Exponent),
                    ["currency"] = currency.Code,
                    ["reason"] = request.Reason,
                    ["metadata"] = started.Intent.MetadataNode(),
                }), now);
            }
            var refunded = await tx.Connection.ExecuteScalarAsync<long>("SELECT refunded_amount FROM charges WHERE id = @Id", new { started.Charge.Id }, tx.Transaction);
            return new ApiOk<Response>(new Response(started.RefundId, intentId, started.Charge.Id, Amounts.Format(started.Amount, currency.Exponent),
                currency.Code, status, request.Reason, Amounts.Format(refunded, currency.Exponent), Formats.Timestamp(started.CreatedAt)));
        }, CancellationToken.None);
    }
}
