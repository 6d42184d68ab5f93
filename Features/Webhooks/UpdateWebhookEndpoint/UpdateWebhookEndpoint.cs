using Carter;
using System.Reflection;
using Dapper;
using FluentValidation;
using PaymentHub.Features.Intents.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// PATCH /webhook-endpoints/{endpoint_id}: changes the fields given. enabled: false stops sending
/// (what was waiting is marked dead); enabled: true sends again from now on and clears the reason.
/// </summary>
public sealed class UpdateWebhookEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPatch("/webhook-endpoints/{endpoint_id}", Handle)
            .Validate<Request>()
            .Accepts<Request>("application/json")
            .WithRequestExample("""{ "enabled": true, "event_types": ["*"] }""")
            .WithResponseExample(EndpointExamples.Endpoint)
            .WithErrors(EndpointExamples.NotFound)
            .WithTags("Webhooks")
            .WithName("UpdateWebhookEndpoint")
            .WithSummary("Update a webhook endpoint")
            .WithDescription("""
                Changes only the fields you send. description "" clears it; event_types [] or ["*"] means every type.
                enabled: false stops deliveries (those still waiting are marked dead; redeliver-dead sends them once the endpoint is
                enabled again); enabled: true re-enables a disabled endpoint and clears disabled_reason.
                """);

    public sealed record Request : EndpointFields, IBindableFromHttpContext<Request>
    {
        public static async ValueTask<Request?> BindAsync(HttpContext ctx, ParameterInfo parameter) => await JsonBody.ReadAsync<Request>(ctx);
    }

    public sealed class Validator : AbstractValidator<Request>
    {
        public Validator() => this.RulesForEndpointFields();
    }

    // Re-enabling starts afresh: no reason, and no failure streak carried over.
    private const string UpdateSql = """
        UPDATE webhook_endpoints SET
            url = COALESCE(@Url, url),
            description = CASE WHEN @SetDescription THEN @Description ELSE description END,
            event_types = CASE WHEN @SetEventTypes THEN @EventTypes ELSE event_types END,
            x_signature = COALESCE(@XSignature, x_signature),
            disabled_reason = CASE WHEN @Enable AND enabled = 0 THEN NULL ELSE disabled_reason END,
            disabled_at = CASE WHEN @Enable AND enabled = 0 THEN NULL ELSE disabled_at END,
            failing_since = CASE WHEN @Enable AND enabled = 0 THEN NULL ELSE failing_since END,
            enabled = CASE WHEN @Enable THEN 1 ELSE enabled END,
            updated_at = @Now
        WHERE id = @Id
        """;

    public static async Task<Results<ApiOk<EndpointView>, ApiError, ApiValidationError>> Handle(
        [FromRoute(Name = "endpoint_id")] string endpointId, Request request, Caller caller, [AsParameters] EndpointServices s, CancellationToken ct)
    {
        if (request.Url is not null && await s.RefuseAddressAsync(request.Url, caller, ct) is { } refused) return refused;
        var now = s.Clock.GetUtcNow();
        var row = await s.Writer.WriteAsync(async tx =>
        {
            if (await Endpoints.FindAsync(tx, endpointId, caller) is null)
                return null;
            if (request.Enabled == false)
                Endpoints.Disable(tx, endpointId, caller.Actor == Actor.Admin ? "Disabled in the admin panel." : "Disabled through the API.", now);
            await tx.Connection.ExecuteAsync(UpdateSql, new
            {
                Id = endpointId, request.Url,
                SetDescription = request.Description is not null, Description = string.IsNullOrEmpty(request.Description) ? null : request.Description,
                SetEventTypes = request.EventTypes is not null, EventTypes = EventTypes.Store(request.EventTypes),
                // The column is an integer flag on both databases.
                XSignature = request.XSignature is { } x ? (x ? 1L : 0L) : (long?)null, Enable = request.Enabled == true, Now = now.ToUnixTimeMilliseconds(),
            }, tx.Transaction);
            return await Endpoints.FindAsync(tx, endpointId, caller);
        }, CancellationToken.None);
        return row is null ? EndpointExamples.NotFoundError() : new ApiOk<EndpointView>(row.View(now));
    }
}
