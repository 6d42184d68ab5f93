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

    private sealed record Owner(string MerchantId, string Mode);

    // Only the id in the WHERE clause, the owner checked on the row: with the merchant and mode there too,
    // PostgreSQL without statistics yet (a new database, or one just filled by migrate-to-postgres)
    // walks the merchant's (merchant_id, mode) listing index instead of the primary key.
    internal const string OwnerSql = "SELECT merchant_id AS MerchantId, mode AS Mode FROM intents WHERE id = @IntentId";

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
        var owner = await connection.QuerySingleOrDefaultAsync<Owner>(new CommandDefinition(OwnerSql, new { IntentId = intentId }, cancellationToken: ct));
        if (owner is null || owner.MerchantId != caller.MerchantId || owner.Mode != caller.Mode)
            return ApiError.NotFound(ErrorCodes.IntentNotFound, "Payment intent");

        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, new { IntentId = intentId }, cancellationToken: ct));
        var rows = await connection.QueryAsync<LogRow>(new CommandDefinition(PageSql,
            new { IntentId = intentId, Limit = paging.PerPage, paging.Offset }, cancellationToken: ct));
        var items = rows.Select(r => new LogView(r.Id, r.EventType, r.Message, r.ActorType, Formats.Timestamp(r.CreatedAt))).ToList();
        return new ApiOk<Paged<LogView>>(new Paged<LogView>(items, paging.Page, paging.PerPage, total));
    }
}
