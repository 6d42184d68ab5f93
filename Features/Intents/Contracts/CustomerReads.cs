using Dapper;
using System.Data.Common;

namespace PaymentHub.Features.Intents.Contracts;

/// <summary>A customer as their intents name them: by email and, when the merchant sends one, their own customer_ref_id.</summary>
/// <remarks>Settable properties, not a constructor: Dapper then maps by name, whatever type SQLite reports for a computed column.</remarks>
public sealed record CustomerSummary
{
    public required string Email { get; init; }
    public string? CustomerRefId { get; init; }
    public required string Name { get; init; }
    public long Intents { get; init; }
    public long LastSeenAt { get; init; }
}

public static class CustomerReads
{
    private const string RecentSql = """
        SELECT email AS Email, customer_ref_id AS CustomerRefId, MAX(name) AS Name, COUNT(*) AS Intents, MAX(created_at) AS LastSeenAt
        FROM intents
        WHERE merchant_id = @MerchantId AND mode = @Mode
        GROUP BY email, customer_ref_id
        ORDER BY MAX(created_at) DESC
        LIMIT @Limit
        """;

    /// <summary>The customers of a merchant's mode who bought most recently.</summary>
    public static async Task<IReadOnlyList<CustomerSummary>> RecentAsync(DbConnection c, string merchantId, string mode, int limit, CancellationToken ct) =>
        (await c.QueryAsync<CustomerSummary>(new CommandDefinition(RecentSql, new { MerchantId = merchantId, Mode = mode, Limit = limit },
            cancellationToken: ct))).ToList();
}
