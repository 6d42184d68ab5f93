using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Intents.CancelIntent;

/// <summary>POST /intents/{intent_id}/cancel: the merchant stops a pending intent; a repeat is a no-op.</summary>
public static class CancelIntent
{
    public sealed record Response(string IntentId, string Status);

    private sealed record Current(string Status, string? Metadata);

    private const string CurrentSql = "SELECT status AS Status, metadata AS Metadata FROM intents WHERE id = @IntentId AND merchant_id = @MerchantId AND mode = @Mode";
    private const string CancelSql = """
        UPDATE intents SET status = 'cancelled', updated_at = @Now
        WHERE id = @IntentId AND status = 'requires_payment'
        """;

    public static async Task<Results<ApiOk<Response>, ApiError>> Handle(
        [FromRoute(Name = "intent_id")] string intentId, Caller caller, DbWriter writer, TimeProvider clock, CancellationToken ct)
    {
        return await writer.WriteAsync<Results<ApiOk<Response>, ApiError>>(async tx =>
        {
            var current = await tx.Connection.QuerySingleOrDefaultAsync<Current>(CurrentSql,
                new { IntentId = intentId, caller.MerchantId, caller.Mode }, tx.Transaction);
            if (current is null) return ApiError.NotFound("Payment intent");
            if (current.Status == IntentStatus.Cancelled) return new ApiOk<Response>(new Response(intentId, IntentStatus.Cancelled));
            if (current.Status != IntentStatus.RequiresPayment)
                return ApiError.Conflict($"This payment intent is {current.Status} and can no longer be cancelled.");

            var now = clock.GetUtcNow();
            await tx.Connection.ExecuteAsync(CancelSql, new { IntentId = intentId, Now = now.ToUnixTimeMilliseconds() }, tx.Transaction);
            const string message = "Payment intent cancelled by the merchant.";
            await IntentLog.WriteAsync(tx, intentId, "payment.canceled", message, Actor.Api, now);
            await Outbox.EmitAsync(tx, new WebhookEvent(caller.MerchantId, caller.Mode, "payment.canceled", intentId, null, new JsonObject
            {
                ["intent_id"] = intentId,
                ["message"] = message,
                ["metadata"] = current.Metadata is null ? new JsonObject() : JsonNode.Parse(current.Metadata),
            }), now);
            return new ApiOk<Response>(new Response(intentId, IntentStatus.Cancelled));
        }, ct);
    }
}
