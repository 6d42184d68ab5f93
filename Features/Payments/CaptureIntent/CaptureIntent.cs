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
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
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

    private sealed record Started(ChargeRow Charge, IntentSnapshot Intent, long Amount);

    private const string AuthorizedChargeSql = $"SELECT {ChargeReads.Columns} FROM charges WHERE intent_id = @IntentId AND status = 'authorized' ORDER BY id DESC LIMIT 1";
    private const string CapturedSql = "UPDATE charges SET status = 'success', captured_amount = @Amount, updated_at = @Now WHERE id = @ChargeId AND status = 'authorized'";

    public static async Task<Results<ApiOk<Response>, ApiError, ApiValidationError>> Handle(
        [FromRoute(Name = "intent_id")] string intentId, Request request, Caller caller, [AsParameters] GatewayOperation s, CancellationToken ct)
    {
        var start = await s.Writer.WriteAsync<object>(async tx =>
        {
            var intent = await IntentState.LoadAsync(tx, intentId);
            if (intent is null || intent.MerchantId != caller.MerchantId || intent.Mode != caller.Mode) return ApiError.NotFound("Payment intent");
            if (intent.Status != IntentStatus.RequiresCapture)
                return ApiError.Conflict($"This payment intent is {intent.Status}; only an intent in requires_capture can be captured.");
            var charge = (await tx.Connection.QuerySingleOrDefaultAsync<ChargeRow>(AuthorizedChargeSql, new { IntentId = intentId }, tx.Transaction))!;
            var currency = s.Currencies.Get(intent.Currency);

            var amount = charge.Amount;
            if (request.Amount is { } requested)
            {
                var problem = PartialAmount.OverLimit(requested, charge.Amount, "authorized", currency);
                if (problem is not null) return ApiValidationError.For("amount", problem);
                amount = Amounts.ToMinor(requested.Value!.Value, currency.Exponent);
            }
            var now = s.Clock.GetUtcNow();
            await IntentState.MoveAsync(tx, intentId, IntentStatus.RequiresCapture, IntentStatus.Processing, now);
            await IntentLog.WriteAsync(tx, intentId, "capture.requested",
                $"Capture of {currency.Code} {Amounts.Format(amount, currency.Exponent)} requested.", Actor.Api, now);
            return new Started(charge, intent, amount);
        }, CancellationToken.None);
        if (start is not Started started) return start is ApiError e ? e : (ApiValidationError)start;

        var currency = s.Currencies.Get(started.Intent.Currency);
        var gateway = await s.Gateways.ForAsync(caller.MerchantId, caller.Mode, ct);
        GatewayResult result;
        try { result = await gateway.CaptureAsync(started.Charge.GatewayTransactionId!, started.Amount, currency, CancellationToken.None); }
        catch (Exception) { result = new GatewayResult(GatewayOutcome.Unknown, Message: "The gateway did not answer."); }

        return await s.Writer.WriteAsync<Results<ApiOk<Response>, ApiError, ApiValidationError>>(async tx =>
        {
            var now = s.Clock.GetUtcNow();
            var money = $"{currency.Code} {Amounts.Format(started.Amount, currency.Exponent)}";
            if (!result.Approved)
            {
                await IntentState.MoveAsync(tx, intentId, IntentStatus.Processing, IntentStatus.RequiresCapture, now);
                var why = result.Outcome == GatewayOutcome.Unknown ? "the gateway did not confirm it" : PaymentService.CustomerMessage(result);
                await IntentLog.WriteAsync(tx, intentId, "capture.failed", $"Capture of {money} failed: {why}", Actor.Gateway, now);
                return ApiError.Conflict($"The capture failed: {why}. The authorization is unchanged; you may retry.");
            }

            await tx.Connection.ExecuteAsync(CapturedSql, new { ChargeId = started.Charge.Id, started.Amount, Now = now.ToUnixTimeMilliseconds() }, tx.Transaction);
            await IntentState.MoveAsync(tx, intentId, IntentStatus.Processing, IntentStatus.Succeeded, now);
            await IntentLog.WriteAsync(tx, intentId, "payment.captured", $"{money} captured.", Actor.Api, now);
            await Outbox.EmitAsync(tx, new WebhookEvent(caller.MerchantId, caller.Mode, "payment.captured", intentId, null, new JsonObject
            {
                ["intent_id"] = intentId,
                ["charge_id"] = started.Charge.Id,
                ["amount"] = Amounts.Format(started.Amount, currency.Exponent),
                ["currency"] = currency.Code,
                ["metadata"] = started.Intent.MetadataNode(),
            }), now);
            var c = started.Charge;
            await PaymentService.SucceedAsync(tx, started.Intent, c.Id, $"Payment of {money} succeeded.",
                c.VaultId, c.GatewayTransactionId, new GatewayResult(GatewayOutcome.Approved, CardBrand: c.CardBrand, CardLast4: c.CardLast4, CardExpiry: c.CardExpiry), now);
            return new ApiOk<Response>(new Response(intentId, IntentStatus.Succeeded, c.Id, Amounts.Format(started.Amount, currency.Exponent), currency.Code));
        }, CancellationToken.None);
    }
}
