using Dapper;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Merchants;

internal sealed class ApiKeyVerifier(Db db) : IApiKeyVerifier
{
    private const string Sql = """
        SELECT client_id AS ClientId, merchant_id AS MerchantId, mode AS Mode, secret_hash AS SecretHash
        FROM api_clients
        WHERE client_id = @ClientId AND revoked_at IS NULL
        """;

    private sealed record Row(string ClientId, string MerchantId, string Mode, string SecretHash);

    public async Task<Caller?> VerifyAsync(string clientId, string clientSecret, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Sql, new { ClientId = clientId }, cancellationToken: ct));
        // Hash even when the client is unknown, so timing does not reveal which client ids exist.
        var matches = Secrets.SecretMatches(clientSecret, row?.SecretHash ?? new string('0', 64));
        return row is not null && matches ? new Caller(row.ClientId, row.MerchantId, row.Mode) : null;
    }
}
