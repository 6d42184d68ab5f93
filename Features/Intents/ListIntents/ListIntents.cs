using Carter;
using System.Text;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Intents;

/// <summary>GET /intents: the caller's intents, newest first, filtered and paginated.</summary>
public sealed class ListIntents : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/intents", Handle)
            .Validate<Query>()
            .WithParameters(
                new ParameterDoc("status", "Only intents in this status.", Values: [.. IntentStatus.All]),
                new ParameterDoc("type", "Only one_time or only recurring intents.", Values: ["one_time", "recurring"]),
                new ParameterDoc("customer_ref_id", "Only intents for this customer_ref_id of yours."),
                new ParameterDoc("email", "Only intents for this customer email (exact match).", Format: "email"),
                new ParameterDoc("created_from", "Created at or after this time: ISO 8601 date or date and time (2026-01-31, 2026-01-31T12:00:00Z).",
                    Example: "2026-11-01"),
                new ParameterDoc("created_to", "Created before the end of this date, or before this exact time (ISO 8601).", Example: "2026-11-30"))
            .WithTags("Intents")
            .WithName("ListIntents")
            .WithSummary("List payment intents")
            .WithDescription("Newest first, filtered by status, type, customer_ref_id, email and creation time.");

    public sealed record Query : IPagedQuery
    {
        public string? Status { get; init; }
        public string? Type { get; init; }
        [FromQuery(Name = "customer_ref_id")] public string? CustomerRefId { get; init; }
        public string? Email { get; init; }
        [FromQuery(Name = "created_from")] public string? CreatedFrom { get; init; }
        [FromQuery(Name = "created_to")] public string? CreatedTo { get; init; }
        public string? Page { get; init; }
        [FromQuery(Name = "per_page")] public string? PerPage { get; init; }
    }

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(q => q.Status).Must(s => s is null || IntentStatus.All.Contains(s))
                .WithMessage($"The selected status is invalid. Use one of: {string.Join(", ", IntentStatus.All)}.");
            RuleFor(q => q.Type).Must(t => t is null or "one_time" or "recurring")
                .WithMessage("The selected type is invalid. Use one_time or recurring.");
            RuleFor(q => q.CustomerRefId).MaximumLength(100).WithMessage(Messages.MaxChars(100));
            RuleFor(q => q.Email).MaximumLength(255).WithMessage(Messages.MaxChars(255));
            RuleFor(q => q.CreatedFrom).Must(t => t is null || IsoTimes.Parse(t, endOfDay: false) is not null)
                .WithMessage($"The created from is not a valid date ({IsoTimes.Hint}).");
            RuleFor(q => q.CreatedTo).Must(t => t is null || IsoTimes.Parse(t, endOfDay: true) is not null)
                .WithMessage($"The created to is not a valid date ({IsoTimes.Hint}).");
            this.RulesForPaging();
        }
    }

    public static async Task<ApiOk<Paged<IntentView>>> Handle(
        [AsParameters] Query query, Caller caller, [AsParameters] IntentReads s, HttpContext http, CancellationToken ct)
    {
        var (where, parameters) = Filter(query, caller);
        var paging = Paging.Of(query);
        await using var connection = await s.Db.OpenReadAsync(ct);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM intents WHERE {where}", parameters, cancellationToken: ct));
        parameters.Add("Limit", paging.PerPage);
        parameters.Add("Offset", paging.Offset);
        var rows = (await connection.QueryAsync<IntentRow>(new CommandDefinition(
            $"SELECT {IntentRow.Columns} FROM intents WHERE {where} ORDER BY created_at DESC, id DESC LIMIT @Limit OFFSET @Offset",
            parameters, cancellationToken: ct))).ToList();
        var items = await IntentQueries.ViewsAsync(connection, rows, s.Currencies, s.Settings.PublicBase(http.Request), ct);
        return new ApiOk<Paged<IntentView>>(new Paged<IntentView>(items, paging.Page, paging.PerPage, total));
    }

    /// <summary>The WHERE clause of a validated query, always scoped to the caller's merchant and mode.</summary>
    private static (string Sql, DynamicParameters Parameters) Filter(Query q, Caller caller)
    {
        var sql = new StringBuilder("merchant_id = @MerchantId AND mode = @Mode");
        var p = new DynamicParameters(new { caller.MerchantId, caller.Mode });
        void And(string condition, string name, object value)
        {
            sql.Append(" AND ").Append(condition);
            p.Add(name, value);
        }
        if (q.Status is not null) And("status = @Status", "Status", q.Status);
        if (q.Type is not null) And("intent_type = @Type", "Type", q.Type);
        if (q.CustomerRefId is not null) And("customer_ref_id = @CustomerRefId", "CustomerRefId", q.CustomerRefId);
        if (q.Email is not null) And("email = @Email", "Email", q.Email);
        if (q.CreatedFrom is not null) And("created_at >= @From", "From", IsoTimes.Parse(q.CreatedFrom, endOfDay: false)!);
        if (q.CreatedTo is not null) And("created_at < @To", "To", IsoTimes.Parse(q.CreatedTo, endOfDay: true)!);
        return (sql.ToString(), p);
    }
}
