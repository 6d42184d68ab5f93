using Dapper;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace PaymentHub.Features.Webhooks.Contracts;

/// <summary>Figures over a merchant's webhook deliveries for its dashboard.</summary>
public static class DeliveryStats
{
    private const string FailedSql = """
        SELECT COUNT(*) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
        WHERE e.merchant_id = @MerchantId AND e.mode = @Mode AND d.status = 'dead'
        """;

    /// <summary>
    /// Deliveries that gave up (retries used up, or their endpoint disabled). Zero on a database
    /// without webhook delivery tables yet: nothing has been delivered, so nothing has failed.
    /// </summary>
    public static async Task<long> FailedAsync(DbConnection c, string merchantId, string mode, CancellationToken ct)
    {
        try
        {
            return await c.ExecuteScalarAsync<long>(new CommandDefinition(FailedSql, new { MerchantId = merchantId, Mode = mode }, cancellationToken: ct));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1 && ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return 0;
        }
    }
}
