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

    public Task<Caller?> VerifyAsync(string clientId, string clientSecret, CancellationToken ct)
    {
        Row? row;
        using (var session = db.Sessions.Rent())
            row = session.SingleOrDefault<Row>(Sql, ("ClientId", clientId));
        // Hash even when the client is unknown, so timing does not reveal which client ids exist.
        var matches = Secrets.SecretMatches(clientSecret, row?.SecretHash ?? new string('0', 64));
        return Task.FromResult(row is not null && matches ? new Caller(row.ClientId, row.MerchantId, row.Mode) : null);
    }
}
