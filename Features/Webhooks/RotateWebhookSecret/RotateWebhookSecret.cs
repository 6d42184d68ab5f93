using Carter;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;
using PaymentHub.Infrastructure.Security;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// POST /webhook-endpoints/{endpoint_id}/rotate-secret: a new signing secret, shown in this answer
/// only. For 24 hours every delivery is signed with both, so receivers can switch without missing one.
/// </summary>
public sealed class RotateWebhookSecret : ICarterModule
{
    public static readonly TimeSpan Overlap = TimeSpan.FromHours(24);

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPost("/webhook-endpoints/{endpoint_id}/rotate-secret", Handle)
            .WithResponseExample(EndpointExamples.Rotated)
            .WithErrors(EndpointExamples.NotFound)
            .WithTags("Webhooks")
            .WithName("RotateWebhookSecret")
            .WithSummary("Rotate a webhook endpoint's secret")
            .WithDescription("""
                Replaces the signing secret; the new one is in this answer only. Until previous_secret_expires_at (24 hours),
                webhook-signature carries a signature with each secret, so a receiver that knows either accepts the delivery.
                Rotating again within the 24 hours ends the oldest secret at once. x-signature always uses the newest secret.
                """);

    private const string RotateSql = """
        UPDATE webhook_endpoints SET previous_secret_protected = secret_protected, previous_secret_expires_at = @Until,
            secret_protected = @SecretProtected, updated_at = @Now
        WHERE id = @Id
        """;

    public static async Task<Results<ApiOk<EndpointView>, ApiError>> Handle(
        [FromRoute(Name = "endpoint_id")] string endpointId, Caller caller, [AsParameters] EndpointServices s, CancellationToken ct)
    {
        var secret = WebhookSigner.NewSecret();
        var secretProtected = s.Secrets.Protect(secret);
        var now = s.Clock.GetUtcNow();
        var row = await s.Writer.WriteAsync(async tx =>
        {
            if (await Endpoints.FindAsync(tx, endpointId, caller) is null)
                return null;
            tx.Execute(RotateSql, ("Until", (now + Overlap).ToUnixTimeMilliseconds()), ("SecretProtected", secretProtected),
                ("Now", now.ToUnixTimeMilliseconds()), ("Id", endpointId));
            return await Endpoints.FindAsync(tx, endpointId, caller);
        }, CancellationToken.None);
        return row is null ? EndpointExamples.NotFoundError() : new ApiOk<EndpointView>(row.View(now) with { Secret = secret });
    }
}
