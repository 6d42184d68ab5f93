using Carter;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Intents;

/// <summary>
/// POST /intents/{intent_id}/cancel: the merchant stops a pending intent (voiding an authorization
/// when there is one); cancelling a cancelled intent is a no-op.
/// </summary>
public sealed class CancelIntent : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPost("/intents/{intent_id}/cancel", Handle)
            .WithErrors(
                new ErrorExample(409, ErrorCodes.InvalidState, "This payment intent is succeeded and can no longer be cancelled.", "The intent is paid, failed or expired."),
                new ErrorExample(409, ErrorCodes.GatewayDeclined,
                    "The authorization could not be released: Only transactions pending settlement can be voided. The intent is unchanged; you may retry.",
                    "The gateway refused to release an authorization."))
            .WithTags("Intents")
            .WithName("CancelIntent")
            .WithSummary("Cancel a payment intent")
            .WithDescription("Cancels a pending intent. Cancelling a cancelled intent is a no-op.");

    public sealed record Response(string IntentId, string Status);

    private const string Message = "Payment intent cancelled by the merchant.";

    public static async Task<Results<ApiOk<Response>, ApiError>> Handle(
        [FromRoute(Name = "intent_id")] string intentId, Caller caller, DbWriter writer, IAuthorizationVoider voider, IMerchantClock clock, CancellationToken ct)
    {
        var now = await clock.NowAsync(caller.MerchantId, caller.Mode, ct);
        var outcome = await writer.WriteAsync<object>(async tx =>
        {
            var intent = await IntentState.LoadAsync(tx, intentId);
            if (intent is null || intent.MerchantId != caller.MerchantId || intent.Mode != caller.Mode) return ApiError.NotFound(ErrorCodes.IntentNotFound, "Payment intent");
            return intent.Status switch
            {
                IntentStatus.Cancelled => Cancelled(intentId),
                IntentStatus.RequiresCapture => intent,
                IntentStatus.RequiresPayment when await IntentCancellation.CancelAsync(tx, intent, IntentStatus.RequiresPayment, Actor.Api, Message, now)
                    => Cancelled(intentId),
                _ => ApiError.Conflict(ErrorCodes.InvalidState, $"This payment intent is {intent.Status} and can no longer be cancelled."),
            };
        }, ct);

        if (outcome is not IntentSnapshot authorized) return outcome is ApiError e ? e : (ApiOk<Response>)outcome;

        // An authorization holds the customer's funds: release it at the gateway before cancelling.
        var voided = await voider.VoidAsync(authorized.Id, Actor.Api, Message, ct);
        return voided.Status switch
        {
            VoidResult.Outcome.Voided => Cancelled(intentId),
            // The gateway's answer was lost: the intent stays processing until it is known, and payment.canceled tells when.
            VoidResult.Outcome.Pending => new ApiOk<Response>(new Response(intentId, IntentStatus.Processing)),
            _ => ApiError.Conflict(ErrorCodes.GatewayDeclined, voided.Message!),
        };
    }

    private static ApiOk<Response> Cancelled(string intentId) => new(new Response(intentId, IntentStatus.Cancelled));
}
