using Carter;
using System.Globalization;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Intents;

/// <summary>GET /intents: the caller's intents, newest first, filtered and paginated.</summary>
public sealed class ListIntents : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/intents", Handle)
            .WithTags("Intents")
            .WithName("ListIntents")
            .WithSummary("List payment intents")
            .WithDescription("Newest first, filtered by status, type, customer_ref_id, email and creation time.");

    public sealed record Query(
        string? Status, string? Type,
        [FromQuery(Name = "customer_ref_id")] string? CustomerRefId,
        string? Email,
        [FromQuery(Name = "created_from")] string? CreatedFrom,
        [FromQuery(Name = "created_to")] string? CreatedTo,
        string? Page,
        [FromQuery(Name = "per_page")] string? PerPage);

    private sealed record Filter(string Sql, DynamicParameters Parameters, Paging Paging);

    public static async Task<Results<ApiOk<Paged<IntentView>>, ApiValidationError>> Handle(
        [AsParameters] Query query, Caller caller, [AsParameters] IntentReads s, HttpContext http, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var filter = BuildFilter(query, caller, errors);
        if (errors.Count > 0) return new ApiValidationError(errors);

        await using var connection = await s.Db.OpenReadAsync(ct);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM intents WHERE {filter.Sql}", filter.Parameters, cancellationToken: ct));
        filter.Parameters.Add("Limit", filter.Paging.PerPage);
        filter.Parameters.Add("Offset", filter.Paging.Offset);
        var rows = (await connection.QueryAsync<IntentRow>(new CommandDefinition(
            $"SELECT {IntentRow.Columns} FROM intents WHERE {filter.Sql} ORDER BY created_at DESC, id DESC LIMIT @Limit OFFSET @Offset",
            filter.Parameters, cancellationToken: ct))).ToList();
        var items = await IntentQueries.ViewsAsync(connection, rows, s.Currencies, s.Settings.PublicBase(http.Request), ct);
        return new ApiOk<Paged<IntentView>>(new Paged<IntentView>(items, filter.Paging.Page, filter.Paging.PerPage, total));
    }

    private static Filter BuildFilter(Query q, Caller caller, Dictionary<string, string[]> errors)
    {
        var sql = new StringBuilder("merchant_id = @MerchantId AND mode = @Mode");
        var p = new DynamicParameters(new { caller.MerchantId, caller.Mode });

        if (q.Status is not null)
        {
            if (!IntentStatus.All.Contains(q.Status)) errors["status"] = [$"The selected status is invalid. Use one of: {string.Join(", ", IntentStatus.All)}."];
            sql.Append(" AND status = @Status");
            p.Add("Status", q.Status);
        }
        if (q.Type is not null)
        {
            if (q.Type is not ("one_time" or "recurring")) errors["type"] = ["The selected type is invalid. Use one_time or recurring."];
            sql.Append(" AND intent_type = @Type");
            p.Add("Type", q.Type);
        }
        if (q.CustomerRefId is not null)
        {
            sql.Append(" AND customer_ref_id = @CustomerRefId");
            p.Add("CustomerRefId", q.CustomerRefId);
        }
        if (q.Email is not null)
        {
            sql.Append(" AND email = @Email");
            p.Add("Email", q.Email);
        }
        if (q.CreatedFrom is not null)
        {
            if (ParseTime(q.CreatedFrom, endOfDay: false) is { } from) { sql.Append(" AND created_at >= @From"); p.Add("From", from); }
            else errors["created_from"] = ["The created from is not a valid date (use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z)."];
        }
        if (q.CreatedTo is not null)
        {
            if (ParseTime(q.CreatedTo, endOfDay: true) is { } to) { sql.Append(" AND created_at < @To"); p.Add("To", to); }
            else errors["created_to"] = ["The created to is not a valid date (use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z)."];
        }
        return new Filter(sql.ToString(), p, Paging.Read(q.Page, q.PerPage, errors));
    }

    /// <summary>Unix ms for an ISO 8601 date or time; a bare date as created_to includes that whole day.</summary>
    private static long? ParseTime(string text, bool endOfDay)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return (endOfDay ? start.AddDays(1) : start).ToUnixTimeMilliseconds();
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return endOfDay ? t.ToUnixTimeMilliseconds() + 1 : t.ToUnixTimeMilliseconds();
        return null;
    }
}
