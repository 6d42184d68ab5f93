using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Intents.GetIntent;

/// <summary>GET /intents/{intent_id}: the intent with its items, charges and subscription.</summary>
public static class GetIntent
{
    public static async Task<Results<ApiOk<IntentView>, ApiError>> Handle(
        [FromRoute(Name = "intent_id")] string intentId, Caller caller, [AsParameters] IntentReads s, HttpContext http, CancellationToken ct)
    {
        await using var connection = await s.Db.OpenAsync(ct);
        var row = await IntentQueries.FindAsync(connection, caller, intentId, ct);
        if (row is null) return ApiError.NotFound("Payment intent");
        return new ApiOk<IntentView>(await IntentQueries.ViewAsync(connection, row, s.Currencies, s.Settings.PublicBase(http.Request), ct));
    }
}
