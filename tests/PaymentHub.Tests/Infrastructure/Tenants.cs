using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Merchants;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>Extra merchants and API clients for isolation tests.</summary>
public static class Tenants
{
    public static async Task<NewApiClient> CreateMerchantClientAsync(PaymentHubFactory app, string mode, string? merchantId = null)
    {
        _ = app.Server; // make sure the app (and its database) exists
        var writer = app.Services.GetRequiredService<DbWriter>();
        return await writer.WriteAsync(async tx =>
        {
            var now = app.Clock.GetUtcNow();
            if (merchantId is null)
            {
                merchantId = "mch_" + Guid.NewGuid();
                await tx.Connection.ExecuteAsync("INSERT INTO merchants (id, name, created_at) VALUES (@merchantId, 'Other merchant', 0)",
                    new { merchantId }, tx.Transaction);
            }
            return await ApiClients.CreateAsync(tx, merchantId, mode, "test client", now);
        });
    }
}
