using Dapper;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Merchants.Contracts;

/// <summary>The text a merchant's customers see on their card statements, set in the admin panel (none: the gateway account's own).</summary>
public static class StatementDescriptors
{
    public static async Task<string?> ForAsync(Db db, string merchantId, CancellationToken ct)
    {
        await using var connection = await db.OpenReadAsync(ct);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT statement_descriptor FROM merchants WHERE id = @Id", new { Id = merchantId }, cancellationToken: ct));
    }
}
