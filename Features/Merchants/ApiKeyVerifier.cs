using System.Security.Cryptography;
using System.Text;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Merchants;

/// <summary>
/// Checks API keys against <c>api_clients</c>, keeping each verified client in memory for a few
/// seconds so that a burst of requests from one client costs one query, not one per request.
/// A revoke or rotate in this process empties the cache as part of its commit (before the writer
/// reports the commit), so the old key stops working at once; one made by another process sharing
/// the database is seen within <see cref="Lifetime"/>.
/// <para>
/// A cached client also keeps the secret it was last verified with, so that its next requests compare
/// that (in constant time) instead of hashing what they present: SHA-256 through OpenSSL was about 3 %
/// of a GET's CPU. The database keeps only the hash; in memory, the process reads the secret from
/// every request anyway, and a cache entry lives <see cref="Lifetime"/> at most.
/// </para>
/// </summary>
internal sealed class ApiKeyVerifier : IApiKeyVerifier
{
    /// <summary>How long a verified client is trusted without asking the database again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private const string Sql = """
        SELECT client_id AS ClientId, merchant_id AS MerchantId, mode AS Mode, secret_hash AS SecretHash
        FROM api_clients
        WHERE client_id = @ClientId AND revoked_at IS NULL
        """;

    private sealed record Row(string ClientId, string MerchantId, string Mode, string SecretHash);

    private sealed record Entry(Caller Caller, byte[] SecretHash, DateTimeOffset LoadedAt)
    {
        /// <summary>The secret (UTF-8) a request proved against <see cref="SecretHash"/>; null until one did.</summary>
        public byte[]? Verified;
    }

    private readonly Db _db;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _generation;

    public ApiKeyVerifier(Db db, DbWriter writer, TimeProvider clock)
    {
        _db = db;
        _clock = clock;
        writer.OnCommitInline(ApiClients.Changed, Forget);
    }

    public Task<Caller?> VerifyAsync(string clientId, string clientSecret, CancellationToken ct)
    {
        var secret = Encoding.UTF8.GetBytes(clientSecret);
        Entry? entry;
        long generation;
        lock (_gate)
        {
            _entries.TryGetValue(clientId, out entry);
            generation = _generation;
        }
        if (entry is not null && _clock.GetUtcNow() - entry.LoadedAt is var age && age >= TimeSpan.Zero && age < Lifetime)
        {
            if (Volatile.Read(ref entry.Verified) is { } verified && CryptographicOperations.FixedTimeEquals(secret, verified))
                return Task.FromResult<Caller?>(entry.Caller);
            return Task.FromResult(Proves(secret, entry) ? entry.Caller : null);
        }

        var presented = SHA256.HashData(secret);
        Row? row;
        var loadedAt = _clock.GetUtcNow();
        using (var session = _db.Sessions.Rent())
            row = session.SingleOrDefault<Row>(Sql, ("ClientId", clientId));
        if (row is null || !TryHex(row.SecretHash, out var stored))
        {
            // Compare anyway, so timing does not reveal which client ids exist.
            CryptographicOperations.FixedTimeEquals(presented, new byte[SHA256.HashSizeInBytes]);
            lock (_gate)
                if (_generation == generation) _entries.Remove(clientId);
            return Task.FromResult<Caller?>(null);
        }

        var fresh = new Entry(new Caller(row.ClientId, row.MerchantId, row.Mode), stored, loadedAt);
        lock (_gate)
        {
            // A revoke that committed while we were reading must not be undone by caching what we read before it.
            if (_generation == generation) _entries[clientId] = fresh;
        }
        return Task.FromResult(Proves(secret, fresh, presented) ? fresh.Caller : null);
    }

    /// <summary>Whether <paramref name="secret"/> hashes to the entry's stored hash; if so, the entry keeps it for the next requests.</summary>
    private static bool Proves(byte[] secret, Entry entry, byte[]? hash = null)
    {
        if (!CryptographicOperations.FixedTimeEquals(hash ?? SHA256.HashData(secret), entry.SecretHash)) return false;
        Volatile.Write(ref entry.Verified, secret);
        return true;
    }

    /// <summary>Drops every cached client: called as a revoke or rotate commits.</summary>
    private void Forget()
    {
        lock (_gate)
        {
            _generation++;
            _entries.Clear();
        }
    }

    private static bool TryHex(string hex, out byte[] bytes)
    {
        try { bytes = Convert.FromHexString(hex); return bytes.Length == SHA256.HashSizeInBytes; }
        catch (FormatException) { bytes = []; return false; }
    }
}
