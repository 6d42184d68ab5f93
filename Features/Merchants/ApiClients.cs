using Dapper;
using System.Data.Common;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Merchants;

/// <summary>A client as created: the only moment its secret exists outside the caller's hands.</summary>
public sealed record NewApiClient(string ClientId, string ClientSecret, string MerchantId, string Mode);

/// <summary>An API client as listed: never its secret, which is stored only as a hash.</summary>
public sealed record ApiClientSummary(string ClientId, string Name, string Mode, long CreatedAt, long? RevokedAt);

/// <summary>Creating and revoking API clients (admin panel, command line and bootstrap share these).</summary>
public static class ApiClients
{
    /// <summary>Raised by a unit that revoked a client, so that caches of verified clients forget it as it commits.</summary>
    public static readonly CommitSignal Changed = new("api_clients.changed");

    private const string InsertSql = """
        INSERT INTO api_clients (client_id, merchant_id, mode, name, secret_hash, created_at)
        VALUES (@ClientId, @MerchantId, @Mode, @Name, @SecretHash, @CreatedAt)
        """;

    private const string RevokeSql = """
        UPDATE api_clients SET revoked_at = @Now
        WHERE client_id = @ClientId AND merchant_id = @MerchantId AND revoked_at IS NULL
        """;

    /// <summary>A merchant's clients of one mode, newest first, revoked ones included.</summary>
    public static async Task<IReadOnlyList<ApiClientSummary>> ListAsync(DbConnection c, string merchantId, string mode, CancellationToken ct) =>
        (await c.QueryAsync<ApiClientSummary>(new CommandDefinition("""
            SELECT client_id AS ClientId, name AS Name, mode AS Mode, created_at AS CreatedAt, revoked_at AS RevokedAt
            FROM api_clients WHERE merchant_id = @MerchantId AND mode = @Mode
            ORDER BY created_at DESC, client_id
            """, new { MerchantId = merchantId, Mode = mode }, cancellationToken: ct))).ToList();

    public static async Task<NewApiClient> CreateAsync(DbTx tx, string merchantId, string mode, string name, DateTimeOffset now,
        string? clientId = null, string? clientSecret = null)
    {
        if (mode is not ("test" or "live")) throw new ArgumentException("Mode must be test or live.", nameof(mode));
        clientId ??= Secrets.NewClientId(mode);
        clientSecret ??= Secrets.NewClientSecret(mode);
        if (Secrets.ModeOf(clientId) is { } declared && declared != mode)
            throw new ArgumentException($"The client id {clientId} declares mode {declared}, not {mode}.", nameof(clientId));
        await tx.Connection.ExecuteAsync(InsertSql, new
        {
            ClientId = clientId, MerchantId = merchantId, Mode = mode, Name = name,
            SecretHash = Secrets.HashSecret(clientSecret), CreatedAt = now.ToUnixTimeMilliseconds(),
        }, tx.Transaction);
        return new NewApiClient(clientId, clientSecret, merchantId, mode);
    }

    /// <summary>Revokes a client at once; false when it is unknown or already revoked.</summary>
    public static async Task<bool> RevokeAsync(DbTx tx, string merchantId, string clientId, DateTimeOffset now)
    {
        var revoked = await tx.Connection.ExecuteAsync(RevokeSql,
            new { ClientId = clientId, MerchantId = merchantId, Now = now.ToUnixTimeMilliseconds() }, tx.Transaction) == 1;
        if (revoked) tx.AfterCommit(Changed);
        return revoked;
    }

    /// <summary>Rotation: a new client for the same merchant and mode, the old one revoked in the same transaction.</summary>
    public static async Task<NewApiClient?> RotateAsync(DbTx tx, string merchantId, string clientId, DateTimeOffset now)
    {
        var old = await tx.Connection.QuerySingleOrDefaultAsync<(string Mode, string Name)?>(
            "SELECT mode AS Mode, name AS Name FROM api_clients WHERE client_id = @ClientId AND merchant_id = @MerchantId AND revoked_at IS NULL",
            new { ClientId = clientId, MerchantId = merchantId }, tx.Transaction);
        if (old is null) return null;
        await RevokeAsync(tx, merchantId, clientId, now);
        return await CreateAsync(tx, merchantId, old.Value.Mode, old.Value.Name, now);
    }
}
