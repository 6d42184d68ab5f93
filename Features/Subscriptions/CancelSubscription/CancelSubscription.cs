using Carter;
using System.Reflection;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Subscriptions;

/// <summary>
/// POST /subscriptions/{subscription_id}/cancel: stops future charges, now (<c>subscription.canceled</c>
/// with the reason) or, with <c>at_period_end</c>, when the paid period ends. Cancelling a cancelled
/// subscription is a no-op.
/// </summary>
public sealed class CancelSubscription : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPost("/subscriptions/{subscription_id}/cancel", Handle)
            .Validate<Request>()
            .Accepts<Request>("application/json")
            .WithParameters(SubscriptionDocs.IdParameter)
            .WithRequestExample("""{ "at_period_end": false, "reason": "Customer asked to stop." }""")
            .WithResponseExample("""
                { "subscription_id": "sub_0193a5e3-1b2c-7d3e-8f4a-5b6c7d8e9f0a", "status": "cancelled", "cancel_at_period_end": false,
                  "cancelled_at": "2026-12-01T09:30:00.000000Z", "current_period_end": "2026-12-22T12:00:00.000000Z" }
                """)
            .WithErrors(SubscriptionDocs.NotFound,
                new ErrorExample(409, ErrorCodes.InvalidState,
                    "A renewal charge of this subscription is being confirmed with the gateway; cancel it once that is settled.",
                    "A renewal charge is in flight or its answer was lost; it is settled within minutes."))
            .WithTags("Subscriptions")
            .WithName("CancelSubscription")
            .WithSummary("Cancel a subscription")
            .WithDescription("Stops future charges at once, or with at_period_end at the end of the period already paid for. " +
                "The body is optional. Cancelling a cancelled subscription is a no-op.");

    /// <summary>The optional body.</summary>
    public sealed record Request : IBindableFromHttpContext<Request>
    {
        /// <summary>Let the period already paid for run out, then cancel (default: cancel now).</summary>
        public bool? AtPeriodEnd { get; init; }
        /// <summary>Why, in your words; kept as the cancellation reason and sent in <c>subscription.canceled</c>.</summary>
        public string? Reason { get; init; }

        public static async ValueTask<Request?> BindAsync(HttpContext ctx, ParameterInfo parameter) =>
            await JsonBody.ReadOptionalAsync(ctx, new Request());
    }

    public sealed class Validator : AbstractValidator<Request>
    {
        public Validator() => RuleFor(r => r.Reason).MaximumLength(500).WithMessage(Messages.MaxChars(500));
    }

    public sealed record Response(string SubscriptionId, string Status, bool CancelAtPeriodEnd, string? CancelledAt, string CurrentPeriodEnd);

    private sealed record Row(string Id, string IntentId, string Status, long CurrentPeriodEnd, long CancelAtPeriodEnd, long? CancelledAt, long OpenAttempts)
    {
        public bool EndsWithPeriod => CancelAtPeriodEnd == 1;
    }

    private const string LoadSql = """
        SELECT s.id AS Id, s.intent_id AS IntentId, s.status AS Status, COALESCE(s.current_period_end, s.next_charge_at) AS CurrentPeriodEnd,
               s.cancel_at_period_end AS CancelAtPeriodEnd, s.cancelled_at AS CancelledAt,
               (SELECT COUNT(*) FROM renewal_attempts a WHERE a.subscription_id = s.id AND a.status IN ('pending', 'unknown')) AS OpenAttempts
        FROM subscriptions s WHERE s.id = @Id AND s.merchant_id = @MerchantId AND s.mode = @Mode
        """;
    private const string CancelNowSql = """
        UPDATE subscriptions SET status = 'cancelled', cancelled_at = @Now, cancellation_reason = @Reason, updated_at = @Now
        WHERE id = @Id AND status IN ('active', 'past_due')
        """;
    private const string CancelLaterSql = """
        UPDATE subscriptions SET cancel_at_period_end = 1, cancellation_reason = @Reason, updated_at = @Now
        WHERE id = @Id AND status = 'active' AND cancel_at_period_end = 0
        """;

    public static async Task<Results<ApiOk<Response>, ApiError, ApiValidationError>> Handle(
        [FromRoute(Name = "subscription_id")] string subscriptionId, Request request, Caller caller, DbWriter writer, IMerchantClock clock,
        CancellationToken ct)
    {
        var now = await clock.NowAsync(caller.MerchantId, caller.Mode, ct);
        return await writer.WriteAsync<Results<ApiOk<Response>, ApiError, ApiValidationError>>(async tx =>
        {
            var s = tx.SingleOrDefault<Row>(LoadSql, ("Id", subscriptionId), ("MerchantId", caller.MerchantId), ("Mode", caller.Mode));
            if (s is null) return SubscriptionDocs.NotFoundError();
            if (s.Status == "cancelled") return Answer(s, s.Status, s.EndsWithPeriod, s.CancelledAt);

            var said = string.IsNullOrWhiteSpace(request.Reason) ? "" : $": {request.Reason.Trim().TrimEnd('.')}";
            var at = now.ToUnixTimeMilliseconds();
            // At the end of a period already paid for; a past_due subscription's paid period is over, so it ends now.
            if (request.AtPeriodEnd == true && s.Status == "active")
            {
                if (s.EndsWithPeriod) return Answer(s, s.Status, true, null);
                tx.Execute(CancelLaterSql, ("Reason", $"Cancelled by the merchant at the end of the billing period{said}."), ("Now", at), ("Id", s.Id));
                await IntentLog.WriteAsync(tx, s.IntentId, "subscription.cancel_scheduled",
                    $"Subscription {s.Id} will be cancelled at the end of its billing period, {Formats.Timestamp(s.CurrentPeriodEnd)}; it will not be charged again.",
                    caller.Actor, now);
                return Answer(s, s.Status, true, null);
            }
            // A renewal whose outcome is not yet known may have taken the money: cancelling now could not say what the customer paid for.
            if (s.OpenAttempts > 0)
                return ApiError.Conflict(ErrorCodes.InvalidState,
                    "A renewal charge of this subscription is being confirmed with the gateway; cancel it once that is settled.");

            var reason = $"Cancelled by the merchant{said}.";
            tx.Execute(CancelNowSql, ("Now", at), ("Reason", reason), ("Id", s.Id));
            var intent = (await IntentState.LoadAsync(tx, s.IntentId))!;
            await SubscriptionEvents.CanceledAsync(tx, intent, s.Id, reason, caller.Actor, now);
            return Answer(s, "cancelled", s.EndsWithPeriod, at);
        }, ct);
    }

    private static ApiOk<Response> Answer(Row s, string status, bool atPeriodEnd, long? cancelledAt) =>
        new(new Response(s.Id, status, atPeriodEnd, Formats.Timestamp(cancelledAt), Formats.Timestamp(s.CurrentPeriodEnd)));
}
