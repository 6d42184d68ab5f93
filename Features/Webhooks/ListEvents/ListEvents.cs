using Carter;
using System.Text.Json;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// GET /events: the webhook events emitted for the caller's merchant and mode, newest first, for
/// reconciliation and replay. Each item carries the payload exactly as it is (or will be) delivered.
/// </summary>
public sealed class ListEvents : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/events", Handle)
            .Validate<Query>()
            .WithParameters(
                new ParameterDoc("type", "Only events of this type, e.g. payment.succeeded.", Example: "payment.succeeded"),
                new ParameterDoc("intent_id", "Only the events of this intent (pi_…).", Example: "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b"))
            .WithTags("Events")
            .WithName("ListEvents")
            .WithSummary("List webhook events")
            .WithDescription("The events emitted for your merchant and mode, newest first; filter by type and intent_id.");

    public sealed record EventView(string Id, string Type, string? IntentId, string? SubscriptionId, JsonElement Payload, string CreatedAt);

    private sealed record Row(string Id, string Type, string? IntentId, string? SubscriptionId, string Payload, long CreatedAt);

    private const string Where = """
        merchant_id = @MerchantId AND mode = @Mode
        AND (@Type IS NULL OR type = @Type) AND (@IntentId IS NULL OR intent_id = @IntentId)
        """;
    private const string CountSql = $"SELECT COUNT(*) FROM events WHERE {Where}";
    private const string PageSql = $"""
        SELECT id AS Id, type AS Type, intent_id AS IntentId, subscription_id AS SubscriptionId, payload AS Payload, created_at AS CreatedAt
        FROM events WHERE {Where}
        ORDER BY seq DESC LIMIT @Limit OFFSET @Offset
        """;

    public sealed record Query : IPagedQuery
    {
        public string? Type { get; init; }
        [FromQuery(Name = "intent_id")] public string? IntentId { get; init; }
        public string? Page { get; init; }
        [FromQuery(Name = "per_page")] public string? PerPage { get; init; }
    }

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(q => q.Type).MaximumLength(100).WithMessage(Messages.MaxChars(100));
            RuleFor(q => q.IntentId).MaximumLength(100).WithMessage(Messages.MaxChars(100));
            this.RulesForPaging();
        }
    }

    public static async Task<ApiOk<Paged<EventView>>> Handle([AsParameters] Query query, Caller caller, Db db, CancellationToken ct)
    {
        var paging = Paging.Of(query);
        var (type, intentId) = (query.Type, query.IntentId);
        var args = new { caller.MerchantId, caller.Mode, Type = type, IntentId = intentId, Limit = paging.PerPage, paging.Offset };
        await using var connection = await db.OpenReadAsync(ct);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, args, cancellationToken: ct));
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(PageSql, args, cancellationToken: ct));
        var items = rows.Select(r => new EventView(r.Id, r.Type, r.IntentId, r.SubscriptionId,
            JsonDocument.Parse(r.Payload).RootElement.Clone(), Formats.Timestamp(r.CreatedAt))).ToList();
        return new ApiOk<Paged<EventView>>(new Paged<EventView>(items, paging.Page, paging.PerPage, total));
    }
}
