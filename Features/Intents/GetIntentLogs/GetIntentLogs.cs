using Carter;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Intents;

/// <summary>GET /intents/{intent_id}/logs: what happened to the intent and who did it, newest first.</summary>
public sealed class GetIntentLogs : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/intents/{intent_id}/logs", Handle)
            .Validate<Query>()
            .WithTags("Intents")
            .WithName("GetIntentLogs")
            .WithSummary("List an intent's event log");

    public sealed record LogView(long Id, string EventType, string Message, string ActorType, string CreatedAt);

    private sealed record LogRow(long Id, string EventType, string Message, string ActorType, long CreatedAt);

    private const string OwnedSql = "SELECT COUNT(*) FROM intents WHERE id = @IntentId AND merchant_id = @MerchantId AND mode = @Mode";
    private const string CountSql = "SELECT COUNT(*) FROM intent_logs WHERE intent_id = @IntentId";
    private const string PageSql = """
        SELECT id AS Id, event_type AS EventType, message AS Message, actor_type AS ActorType, created_at AS CreatedAt
        FROM intent_logs WHERE intent_id = @IntentId
        ORDER BY id DESC LIMIT @Limit OFFSET @Offset
        """;

    public sealed record Query : IPagedQuery
    {
        [FromRoute(Name = "intent_id")] public string IntentId { get; init; } = "";
        public string? Page { get; init; }
        [FromQuery(Name = "per_page")] public string? PerPage { get; init; }
    }

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => this.RulesForPaging();
    }

    public static async Task<Results<ApiOk<Paged<LogView>>, ApiError>> Handle([AsParameters] Query query, Caller caller, Db db, CancellationToken ct)
    {
        var paging = Paging.Of(query);
        var intentId = query.IntentId;
        await using var connection = await db.OpenReadAsync(ct);
        var owned = await connection.ExecuteScalarAsync<long>(new CommandDefinition(OwnedSql,
            new { IntentId = intentId, caller.MerchantId, caller.Mode }, cancellationToken: ct));
        if (owned == 0) return ApiError.NotFound(ErrorCodes.IntentNotFound, "Payment intent");

        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, new { IntentId = intentId }, cancellationToken: ct));
        var rows = await connection.QueryAsync<LogRow>(new CommandDefinition(PageSql,
            new { IntentId = intentId, Limit = paging.PerPage, paging.Offset }, cancellationToken: ct));
        var items = rows.Select(r => new LogView(r.Id, r.EventType, r.Message, r.ActorType, Formats.Timestamp(r.CreatedAt))).ToList();
        return new ApiOk<Paged<LogView>>(new Paged<LogView>(items, paging.Page, paging.PerPage, total));
    }
}
