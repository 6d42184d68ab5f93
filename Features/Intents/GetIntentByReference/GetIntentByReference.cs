using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Intents.GetIntentByReference;

/// <summary>GET /intents/reference/{reference_id}: the same intent, found by the merchant's own reference.</summary>
public static class GetIntentByReference
{
    public static async Task<Results<ApiOk<IntentView>, ApiError>> Handle(
        [FromRoute(Name = "reference_id")] string referenceId, Caller caller, [AsParameters] IntentReads s, HttpContext http, CancellationToken ct)
    {
        await using var connection = await s.Db.OpenAsync(ct);
        var row = await IntentQueries.FindByReferenceAsync(connection, caller, referenceId, ct);
        if (row is null) return ApiError.NotFound("Payment intent");
        return new ApiOk<IntentView>(await IntentQueries.ViewAsync(connection, row, s.Currencies, s.Settings.PublicBase(http.Request), ct));
    }
}
