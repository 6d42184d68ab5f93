using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Intents.GetIntent;

/// <summary>GET /intents/{intent_id}: the intent with its items, charges and subscription.</summary>
public static class GetIntent
{
    public static Results<ApiOk<IntentView>, ApiError> Handle(
        [FromRoute(Name = "intent_id")] string intentId, Caller caller, [AsParameters] IntentReads s, HttpContext http)
    {
        using var session = s.Db.Sessions.Rent();
        var view = IntentQueries.FindView(session, caller, byReference: false, intentId, s.Currencies, s.Settings.PublicBase(http.Request));
        return view is null ? ApiError.NotFound("Payment intent") : new ApiOk<IntentView>(view);
    }
}
