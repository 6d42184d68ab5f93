using Carter;
using Dapper;
using FluentValidation;
using PaymentHub.Features.Subscriptions.Contracts;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Money;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Subscriptions;

/// <summary>GET /subscriptions: the caller's subscriptions, newest first, filtered and paginated.</summary>
public sealed class ListSubscriptions : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/subscriptions", Handle)
            .Validate<Query>()
            .WithParameters(
                new ParameterDoc("status", "Only subscriptions in this status.", Values: SubscriptionDocs.Statuses),
                new ParameterDoc("customer_ref_id", "Only subscriptions of this customer_ref_id of yours (as sent with the intent)."),
                new ParameterDoc("email", "Only subscriptions of this customer email (exact match).", Format: "email"))
            .WithResponseExample($$"""{ "items": [{{SubscriptionExamples.Subscription}}], "page": 1, "per_page": 10, "total": 1 }""")
            .WithTags("Subscriptions")
            .WithName("ListSubscriptions")
            .WithSummary("List subscriptions")
            .WithDescription("Newest first, filtered by status, customer_ref_id and email; each with its charges.");

    public sealed record Query : IPagedQuery
    {
        public string? Status { get; init; }
        [FromQuery(Name = "customer_ref_id")] public string? CustomerRefId { get; init; }
        public string? Email { get; init; }
        public string? Page { get; init; }
        [FromQuery(Name = "per_page")] public string? PerPage { get; init; }
    }

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(q => q.Status).Must(s => s is null || SubscriptionDocs.Statuses.Contains(s))
                .WithMessage($"The selected status is invalid. Use one of: {string.Join(", ", SubscriptionDocs.Statuses)}.");
            RuleFor(q => q.CustomerRefId).MaximumLength(100).WithMessage(Messages.MaxChars(100));
            RuleFor(q => q.Email).MaximumLength(255).WithMessage(Messages.MaxChars(255));
            this.RulesForPaging();
        }
    }

    private const string Where = """
        merchant_id = @MerchantId AND mode = @Mode AND (@Status IS NULL OR status = @Status)
        AND (@CustomerRefId IS NULL OR customer_ref_id = @CustomerRefId) AND (@Email IS NULL OR email = @Email)
        """;
    private const string CountSql = $"SELECT COUNT(*) FROM subscriptions WHERE {Where}";
    private const string PageSql = $"""
        SELECT {SubscriptionRow.Columns} FROM subscriptions WHERE {Where}
        ORDER BY created_at DESC, id DESC LIMIT @Limit OFFSET @Offset
        """;

    public static async Task<ApiOk<Paged<SubscriptionView>>> Handle([AsParameters] Query query, Caller caller, Db db, Currencies currencies, CancellationToken ct)
    {
        var paging = Paging.Of(query);
        var args = new { caller.MerchantId, caller.Mode, query.Status, query.CustomerRefId, query.Email, Limit = paging.PerPage, paging.Offset };
        await using var connection = await db.OpenReadAsync(ct);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, args, cancellationToken: ct));
        var rows = (await connection.QueryAsync<SubscriptionRow>(new CommandDefinition(PageSql, args, cancellationToken: ct))).ToList();
        var items = await SubscriptionQueries.ViewsAsync(connection, rows, currencies, ct);
        return new ApiOk<Paged<SubscriptionView>>(new Paged<SubscriptionView>(items, paging.Page, paging.PerPage, total));
    }
}
