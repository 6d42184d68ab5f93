using Carter;
using Dapper;
using FluentValidation;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Webhooks;

/// <summary>GET /webhook-endpoints: the caller's endpoints in its mode, oldest first, paged.</summary>
public sealed class ListWebhookEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/webhook-endpoints", Handle)
            .Validate<Query>()
            .WithResponseExample($$"""{ "items": [{{EndpointExamples.Endpoint}}], "page": 1, "per_page": 10, "total": 1 }""")
            .WithTags("Webhooks")
            .WithName("ListWebhookEndpoints")
            .WithSummary("List webhook endpoints")
            .WithDescription("Your endpoints in this mode, oldest first, without their secrets.");

    public sealed record Query : IPagedQuery
    {
        public string? Page { get; init; }
        [FromQuery(Name = "per_page")] public string? PerPage { get; init; }
    }

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() => this.RulesForPaging();
    }

    private const string Where = "merchant_id = @MerchantId AND mode = @Mode AND deleted_at IS NULL";
    private const string CountSql = $"SELECT COUNT(*) FROM webhook_endpoints WHERE {Where}";
    private const string PageSql = $"""
        SELECT {Endpoints.Columns} FROM webhook_endpoints WHERE {Where}
        ORDER BY created_at, id LIMIT @Limit OFFSET @Offset
        """;

    public static async Task<ApiOk<Paged<EndpointView>>> Handle([AsParameters] Query query, Caller caller, [AsParameters] EndpointServices s, CancellationToken ct)
    {
        var paging = Paging.Of(query);
        var args = new { caller.MerchantId, caller.Mode, Limit = paging.PerPage, paging.Offset };
        await using var connection = await s.Db.OpenReadAsync(ct);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, args, cancellationToken: ct));
        var rows = await connection.QueryAsync<EndpointRow>(new CommandDefinition(PageSql, args, cancellationToken: ct));
        var now = s.Clock.GetUtcNow();
        return new ApiOk<Paged<EndpointView>>(new Paged<EndpointView>(rows.Select(r => r.View(now)).ToList(), paging.Page, paging.PerPage, total));
    }
}
