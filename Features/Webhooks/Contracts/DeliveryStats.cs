using Dapper;
using System.Data.Common;

namespace PaymentHub.Features.Webhooks.Contracts;

/// <summary>Figures over a merchant's webhook deliveries for its dashboard and its webhooks page.</summary>
public static class DeliveryStats
{
    private const string FailedSql = """
        SELECT COUNT(*) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
        WHERE e.merchant_id = @MerchantId AND e.mode = @Mode AND d.status = 'dead'
        """;

    private const string FailedPerEndpointSql = """
        SELECT d.endpoint_id AS EndpointId, COUNT(*) AS Dead FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
        WHERE e.merchant_id = @MerchantId AND e.mode = @Mode AND d.status = 'dead'
        GROUP BY d.endpoint_id
        """;

    /// <summary>Deliveries that gave up: retries used up, or their endpoint disabled. Redelivery sends them again.</summary>
    public static Task<long> FailedAsync(DbConnection c, string merchantId, string mode, CancellationToken ct) =>
        c.ExecuteScalarAsync<long>(new CommandDefinition(FailedSql, new { MerchantId = merchantId, Mode = mode }, cancellationToken: ct));

    /// <summary>The same count per endpoint; endpoints without any are left out.</summary>
    public static async Task<Dictionary<string, long>> FailedPerEndpointAsync(DbConnection c, string merchantId, string mode, CancellationToken ct) =>
        (await c.QueryAsync<(string EndpointId, long Dead)>(new CommandDefinition(FailedPerEndpointSql, new { MerchantId = merchantId, Mode = mode }, cancellationToken: ct)))
        .ToDictionary(r => r.EndpointId, r => r.Dead, StringComparer.Ordinal);
}
