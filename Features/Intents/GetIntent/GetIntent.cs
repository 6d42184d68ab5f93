using Carter;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Intents;

/// <summary>GET /intents/{intent_id}: the intent with its items, charges and subscription.</summary>
public sealed class GetIntent : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/intents/{intent_id}", Handle)
            .WithTags("Intents")
            .WithName("GetIntent")
            .WithSummary("Get a payment intent")
            .WithDescription("The intent with its order items, charge history and subscription.");

    public static Results<ApiOk<IntentView>, ApiError> Handle(
        [FromRoute(Name = "intent_id")] string intentId, Caller caller, [AsParameters] IntentReads s, HttpContext http)
    {
        using var session = s.Db.Sessions.Rent();
        var view = IntentQueries.FindView(session, caller, byReference: false, intentId, s.Currencies, s.Settings.PublicBase(http.Request));
        return view is null ? ApiError.NotFound(ErrorCodes.IntentNotFound, "Payment intent") : new ApiOk<IntentView>(view);
    }
}
