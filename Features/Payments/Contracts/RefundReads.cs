using Dapper;
using System.Data.Common;

namespace PaymentHub.Features.Payments.Contracts;

/// <summary>A refund as other modules read it, with its charge's currency.</summary>
public sealed record RefundRow(string Id, long ChargeId, long Amount, string Currency, string? Reason, string Status, string? FailureMessage, long CreatedAt);

public static class RefundReads
{
    private const string ForIntentSql = """
        SELECT r.id AS Id, r.charge_id AS ChargeId, r.amount AS Amount, c.currency AS Currency, r.reason AS Reason, r.status AS Status,
               r.failure_message AS FailureMessage, r.created_at AS CreatedAt
        FROM refunds r JOIN charges c ON c.id = r.charge_id
        WHERE r.intent_id = @IntentId
        ORDER BY r.created_at, r.id
        """;

    public static async Task<IReadOnlyList<RefundRow>> ForIntentAsync(DbConnection c, string intentId, CancellationToken ct) =>
        (await c.QueryAsync<RefundRow>(new CommandDefinition(ForIntentSql, new { IntentId = intentId }, cancellationToken: ct))).ToList();
}
