using Carter;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Intents;

/// <summary>GET /intents/reference/{reference_id}: the same intent, found by the merchant's own reference.</summary>
public sealed class GetIntentByReference : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/intents/reference/{reference_id}", Handle)
            .WithTags("Intents")
            .WithName("GetIntentByReference")
            .WithSummary("Get a payment intent by your reference_id");

    public static Results<ApiOk<IntentView>, ApiError> Handle(
        [FromRoute(Name = "reference_id")] string referenceId, Caller caller, [AsParameters] IntentReads s, HttpContext http)
    {
        using var session = s.Db.Sessions.Rent();
        var view = IntentQueries.FindView(session, caller, byReference: true, referenceId, s.Currencies, s.Settings.PublicBase(http.Request));
        return view is null ? ApiError.NotFound(ErrorCodes.IntentNotFound, "Payment intent") : new ApiOk<IntentView>(view);
    }
}
