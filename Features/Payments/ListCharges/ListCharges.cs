using Carter;
using Dapper;
using FluentValidation;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Money;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Payments;

/// <summary>
/// GET /charges: every movement of money in a time range, for reconciliation. One line per charge
/// attempt (a first payment or a renewal) and one per refund, the refund's amount negative, newest
/// first, with totals per currency of the whole range (not only the page).
/// </summary>
public sealed class ListCharges : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/charges", Handle)
            .Validate<Query>()
            .WithParameters(
                new ParameterDoc("from", $"Lines created at or after this time: ISO 8601 date or date and time ({IsoTimes.Hint}). None: from the first.",
                    Example: "2026-11-01"),
                new ParameterDoc("to", "Lines created before the end of this date, or before this exact time (ISO 8601). None: up to now.", Example: "2026-11-30"),
                new ParameterDoc("status", "Only lines in this status (a refund that went through is success).", Values: [.. Statuses]),
                new ParameterDoc("type", "Only first payments (payment), renewals of subscriptions (renewal) or refunds (refund).", Values: [.. Types]))
            .WithResponseExample("""
                {
                  "items": [
                    { "type": "refund", "charge_id": 105, "refund_id": "re_0193a5e2-8d2e-7c4f-a05b-3e7d9f2a4b6c",
                      "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b", "subscription_id": null, "status": "success", "amount": "-30.00",
                      "currency": "USD", "gateway_transaction_id": "sim_9s8d7f6g5h4j3k2", "failure_code": null, "failure_message": null,
                      "card_brand": "visa", "card_last4": "4242", "created_at": "2026-11-23T09:00:00.000000Z" },
                    { "type": "renewal", "charge_id": 230, "refund_id": null, "intent_id": "pi_0193a5e2-0a1b-7c2d-8e3f-4a5b6c7d8e9f",
                      "subscription_id": "sub_0193a5e3-1b2c-7d3e-8f4a-5b6c7d8e9f0a", "status": "success", "amount": "80.00", "currency": "USD",
                      "gateway_transaction_id": "sim_8h7g6f5d4s3a2p1", "failure_code": null, "failure_message": null, "card_brand": "visa",
                      "card_last4": "4242", "created_at": "2026-11-22T12:00:01.000000Z" },
                    { "type": "payment", "charge_id": 105, "refund_id": null, "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b",
                      "subscription_id": null, "status": "success", "amount": "80.00", "currency": "USD", "gateway_transaction_id": "sim_3kq9w8e7r6t5y4u",
                      "failure_code": null, "failure_message": null, "card_brand": "visa", "card_last4": "4242", "created_at": "2026-11-22T10:15:00.000000Z" }
                  ],
                  "page": 1, "per_page": 10, "total": 3,
                  "totals": [ { "currency": "USD", "count": 3, "charged": "160.00", "refunded": "30.00", "net": "130.00" } ]
                }
                """)
            .WithTags("Charges")
            .WithName("ListCharges")
            .WithSummary("List charges and refunds")
            .WithDescription("Every charge attempt (first payments and renewals) and every refund (a negative amount) in a time range, newest first, " +
                "filtered by status and type, with totals per currency over the whole range: charged, refunded and net.");

    public static readonly string[] Statuses = ["pending", "unknown", "authorized", "success", "failed", "voided"];
    public static readonly string[] Types = ["payment", "renewal", "refund"];

    public sealed record Query : IPagedQuery
    {
        public string? From { get; init; }
        public string? To { get; init; }
        public string? Status { get; init; }
        public string? Type { get; init; }
        public string? Page { get; init; }
        [FromQuery(Name = "per_page")] public string? PerPage { get; init; }
    }

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(q => q.From).Must(t => t is null || IsoTimes.Parse(t, endOfDay: false) is not null)
                .WithMessage($"The from is not a valid date ({IsoTimes.Hint}).");
            RuleFor(q => q.To).Must(t => t is null || IsoTimes.Parse(t, endOfDay: true) is not null)
                .WithMessage($"The to is not a valid date ({IsoTimes.Hint}).");
            RuleFor(q => q.To).Must((q, to) => IsoTimes.Parse(to!, endOfDay: true) > IsoTimes.Parse(q.From!, endOfDay: false))
                .WithMessage("The to must be after the from.")
                .When(q => q.From is not null && q.To is not null && IsoTimes.Parse(q.From, false) is not null && IsoTimes.Parse(q.To, true) is not null);
            RuleFor(q => q.Status).Must(s => s is null || Statuses.Contains(s))
                .WithMessage($"The selected status is invalid. Use one of: {string.Join(", ", Statuses)}.");
            RuleFor(q => q.Type).Must(t => t is null || Types.Contains(t))
                .WithMessage($"The selected type is invalid. Use one of: {string.Join(", ", Types)}.");
            this.RulesForPaging();
        }
    }

    public sealed record Line(string Type, long ChargeId, string? RefundId, string IntentId, string? SubscriptionId, string Status, string Amount,
        string Currency, string? GatewayTransactionId, string? FailureCode, string? FailureMessage, string? CardBrand, string? CardLast4, string CreatedAt);

    public sealed record CurrencyTotal(string Currency, long Count, string Charged, string Refunded, string Net);

    /// <summary>A page of lines, shaped like every listing, with the range's totals.</summary>
    public sealed record Response(IReadOnlyList<Line> Items, int Page, int PerPage, long Total, IReadOnlyList<CurrencyTotal> Totals);

    // Classes, not positional records: a NULL in a computed column has no type SQLite can report, and Dapper would find no matching constructor.
    private sealed class LineRow
    {
        public string Type { get; init; } = "";
        public long ChargeId { get; init; }
        public string? RefundId { get; init; }
        public string IntentId { get; init; } = "";
        public string? SubscriptionId { get; init; }
        public string Status { get; init; } = "";
        public long Amount { get; init; }
        public string Currency { get; init; } = "";
        public string? GatewayTransactionId { get; init; }
        public string? FailureCode { get; init; }
        public string? FailureMessage { get; init; }
        public string? CardBrand { get; init; }
        public string? CardLast4 { get; init; }
        public long CreatedAt { get; init; }
    }

    private sealed class TotalRow
    {
        public string Currency { get; init; } = "";
        public long Count { get; init; }
        public long Charged { get; init; }
        public long Refunded { get; init; }
    }

    // Charges count what they took (the captured amount once successful, else what was asked); refunds count negative.
    // The time range is applied inside each part, where the (merchant, mode, created_at) indexes can serve it.
    private const string Lines = """
        WITH lines AS (
            SELECT CASE WHEN c.kind = 'renewal' THEN 'renewal' ELSE 'payment' END AS Type, c.id AS ChargeId, NULL AS RefundId,
                   c.intent_id AS IntentId, c.subscription_id AS SubscriptionId, c.status AS Status,
                   CASE WHEN c.status = 'success' THEN c.captured_amount ELSE c.amount END AS Amount, c.currency AS Currency,
                   c.gateway_transaction_id AS GatewayTransactionId, c.failure_code AS FailureCode, c.failure_message AS FailureMessage,
                   c.card_brand AS CardBrand, c.card_last4 AS CardLast4, c.created_at AS CreatedAt, 0 AS Part
            FROM charges c
            WHERE c.merchant_id = @MerchantId AND c.mode = @Mode AND c.created_at >= @From AND c.created_at < @To
            UNION ALL
            SELECT 'refund', r.charge_id, r.id, r.intent_id, c.subscription_id, CASE WHEN r.status = 'succeeded' THEN 'success' ELSE r.status END,
                   -r.amount, c.currency, r.gateway_refund_id, NULL, r.failure_message, c.card_brand, c.card_last4, r.created_at, 1
            FROM refunds r JOIN charges c ON c.id = r.charge_id
            WHERE r.merchant_id = @MerchantId AND r.mode = @Mode AND r.created_at >= @From AND r.created_at < @To
        )
        """;
    private const string Filter = "(@Status IS NULL OR Status = @Status) AND (@Type IS NULL OR Type = @Type)";
    private const string CountSql = $"{Lines} SELECT COUNT(*) FROM lines WHERE {Filter}";
    private const string PageSql = $"""
        {Lines}
        SELECT Type, ChargeId, RefundId, IntentId, SubscriptionId, Status, Amount, Currency, GatewayTransactionId, FailureCode, FailureMessage,
               CardBrand, CardLast4, CreatedAt
        FROM lines WHERE {Filter}
        ORDER BY CreatedAt DESC, Part DESC, ChargeId DESC, RefundId DESC LIMIT @Limit OFFSET @Offset
        """;
    private const string TotalsSql = $"""
        {Lines}
        SELECT Currency, COUNT(*) AS Count,
               COALESCE(SUM(CASE WHEN Type <> 'refund' AND Status = 'success' THEN Amount END), 0) AS Charged,
               COALESCE(SUM(CASE WHEN Type = 'refund' AND Status = 'success' THEN -Amount END), 0) AS Refunded
        FROM lines WHERE {Filter}
        GROUP BY Currency ORDER BY Currency
        """;

    public static async Task<ApiOk<Response>> Handle([AsParameters] Query query, Caller caller, Db db, Currencies currencies, CancellationToken ct)
    {
        var paging = Paging.Of(query);
        var args = new
        {
            caller.MerchantId, caller.Mode, query.Status, query.Type, Limit = paging.PerPage, paging.Offset,
            From = query.From is null ? 0 : IsoTimes.Parse(query.From, endOfDay: false)!.Value,
            To = query.To is null ? long.MaxValue : IsoTimes.Parse(query.To, endOfDay: true)!.Value,
        };
        await using var connection = await db.OpenReadAsync(ct);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, args, cancellationToken: ct));
        var rows = await connection.QueryAsync<LineRow>(new CommandDefinition(PageSql, args, cancellationToken: ct));
        var totals = await connection.QueryAsync<TotalRow>(new CommandDefinition(TotalsSql, args, cancellationToken: ct));

        string Money(long minor, string currency) => Amounts.Format(minor, currencies.Get(currency).Exponent);
        var items = rows.Select(r => new Line(r.Type, r.ChargeId, r.RefundId, r.IntentId, r.SubscriptionId, r.Status, Money(r.Amount, r.Currency),
            r.Currency, r.GatewayTransactionId, r.FailureCode, r.FailureMessage, r.CardBrand, r.CardLast4, Formats.Timestamp(r.CreatedAt))).ToList();
        var sums = totals.Select(t => new CurrencyTotal(t.Currency, t.Count, Money(t.Charged, t.Currency), Money(t.Refunded, t.Currency),
            Money(t.Charged - t.Refunded, t.Currency))).ToList();
        return new ApiOk<Response>(new Response(items, paging.Page, paging.PerPage, total, sums));
    }
}
