using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Identity;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Merchants;

/// <summary>The admin panel's roles: an admin may do everything, a viewer may look at everything and change nothing.</summary>
public static class AdminRoles
{
    public const string Admin = "admin";
    public const string Viewer = "viewer";

    public static bool IsKnown(string? role) => role is Admin or Viewer;
}

/// <summary>A person who may sign in to the admin panel (never with their password hash).</summary>
public sealed record AdminUser(long Id, string Username, string Role, long CreatedAt, long? LockedUntil);

/// <summary>
/// A signed-in user. <see cref="Stamp"/> changes when their password or role changes, which ends
/// the sessions that carry the old one.
/// </summary>
public sealed record AdminSignIn(long UserId, string Username, string Role, string Stamp);

/// <summary>
/// Admin panel users: passwords hashed with ASP.NET Core's <see cref="PasswordHasher{TUser}"/>, and
/// a lockout per user in the database (<see cref="MaxFailures"/> failed sign-ins in a row lock the
/// account for <see cref="LockoutPeriod"/>). A refused sign-in looks the same whether the user
/// does not exist, is locked, or typed the wrong password, and takes as long.
/// Hashing is slow by design, so it always happens outside the single writer's units of work.
/// </summary>
public sealed class AdminUsers(Db db, DbWriter writer, TimeProvider clock, IPasswordHasher<AdminUser> hasher)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan LockoutPeriod = TimeSpan.FromMinutes(15);
    public const int MinPasswordLength = 10;

    // What a password is checked against when there is no user to check it against, so that an
    // unknown name costs the same time as a known one.
    private readonly Lazy<string> _decoyHash = new(() => hasher.HashPassword(Nobody, RandomNumberGenerator.GetHexString(32)));
    private static readonly AdminUser Nobody = new(0, "", AdminRoles.Viewer, 0, null);

    private sealed record Row(long Id, string Username, string Role, string PasswordHash, long CreatedAt, long? LockedUntil)
    {
        public AdminUser User => new(Id, Username, Role, CreatedAt, LockedUntil);
    }

    private const string Columns = """
        id AS Id, username AS Username, role AS Role, password_hash AS PasswordHash, created_at AS CreatedAt, locked_until AS LockedUntil
        """;
    private const string InsertSql = """
        INSERT INTO admin_users (username, password_hash, role, created_at) VALUES (@Username, @Hash, @Role, @Now)
        ON CONFLICT (username) DO NOTHING
        RETURNING id
        """;
    private const string FailedSql = """
        UPDATE admin_users SET
            failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= @Max THEN 0 ELSE failed_sign_ins + 1 END,
            locked_until = CASE WHEN failed_sign_ins + 1 >= @Max THEN @Until ELSE locked_until END
        WHERE id = @Id AND (locked_until IS NULL OR locked_until <= @Now)
        """;
    // Only if nothing changed since the password was checked: not locked meanwhile, not given a new password.
    private const string SucceededSql = """
        UPDATE admin_users SET failed_sign_ins = 0, locked_until = NULL, password_hash = @NewHash
        WHERE id = @Id AND password_hash = @OldHash AND (locked_until IS NULL OR locked_until <= @Now)
        """;

    public static string Normalize(string? username) => (username ?? "").Trim().ToLowerInvariant();

    public string HashPassword(string password) => hasher.HashPassword(Nobody, password);

    /// <summary>Creates a user inside the caller's unit (the first start's admin); false when the name is taken.</summary>
    public static async Task<bool> InsertAsync(DbTx tx, string username, string passwordHash, string role, DateTimeOffset now)
    {
        if (!AdminRoles.IsKnown(role)) throw new ArgumentException($"Unknown role '{role}': use admin or viewer.", nameof(role));
        var id = await tx.Connection.ExecuteScalarAsync<long?>(InsertSql,
            new { Username = Normalize(username), Hash = passwordHash, Role = role, Now = now.ToUnixTimeMilliseconds() }, tx.Transaction);
        return id is not null;
    }

    /// <summary>Creates a user; false when the name is taken.</summary>
    public async Task<bool> CreateAsync(string username, string password, string role, CancellationToken ct)
    {
        var hash = HashPassword(password);
        return await writer.WriteAsync(tx => InsertAsync(tx, username, hash, role, clock.GetUtcNow()), ct);
    }

    /// <summary>Checks a sign-in, counting failures towards the lockout; null when refused, for whatever reason.</summary>
    public async Task<AdminSignIn?> SignInAsync(string? username, string? password, CancellationToken ct)
    {
        var name = Normalize(username);
        Row? user = null;
        if (name.Length is > 0 and <= 100)
        {
            await using var connection = await db.OpenReadAsync(ct);
            user = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
                $"SELECT {Columns} FROM admin_users WHERE username = @Username", new { Username = name }, cancellationToken: ct));
        }
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        // Checked even when there is no such user or the account is locked, so no answer comes sooner than another.
        var verdict = Verify(user?.PasswordHash ?? _decoyHash.Value, password ?? "");
        if (user is null || user.LockedUntil > now) return null;

        if (verdict == PasswordVerificationResult.Failed)
        {
            await writer.WriteAsync(tx => tx.Connection.ExecuteAsync(FailedSql, new
            {
                user.Id, Max = MaxFailures, Now = now, Until = now + (long)LockoutPeriod.TotalMilliseconds,
            }, tx.Transaction), CancellationToken.None);
            return null;
        }

        // A hash in an older format (or with fewer iterations than today's) is replaced now that the password is known.
        var hash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? HashPassword(password!) : user.PasswordHash;
        var changed = await writer.WriteAsync(tx => tx.Connection.ExecuteAsync(SucceededSql,
            new { user.Id, OldHash = user.PasswordHash, NewHash = hash, Now = now }, tx.Transaction), CancellationToken.None);
        return changed == 1 ? new AdminSignIn(user.Id, user.Username, user.Role, Stamp(hash, user.Role)) : null;
    }

    /// <summary>The user as they stand now, for checking a session; null when they no longer exist.</summary>
    public async Task<AdminSignIn?> CurrentAsync(long userId, CancellationToken ct)
    {
        await using var connection = await db.OpenReadAsync(ct);
        var user = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM admin_users WHERE id = @Id", new { Id = userId }, cancellationToken: ct));
        return user is null ? null : new AdminSignIn(user.Id, user.Username, user.Role, Stamp(user.PasswordHash, user.Role));
    }

    public async Task<IReadOnlyList<AdminUser>> ListAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenReadAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM admin_users ORDER BY username", cancellationToken: ct));
        return rows.Select(r => r.User).ToList();
    }

    /// <summary>Gives a user a new password and lifts a lockout; false when there is no such user.</summary>
    public async Task<bool> SetPasswordAsync(string username, string password, CancellationToken ct)
    {
        var hash = HashPassword(password);
        return await writer.WriteAsync(async tx => await tx.Connection.ExecuteAsync(
            "UPDATE admin_users SET password_hash = @Hash, failed_sign_ins = 0, locked_until = NULL WHERE username = @Username",
            new { Username = Normalize(username), Hash = hash }, tx.Transaction) == 1, ct);
    }

    /// <summary>Removes a user; false when there is no such user or it is the last admin, who would leave nobody able to change anything.</summary>
    public async Task<bool> DeleteAsync(long userId, CancellationToken ct) =>
        await writer.WriteAsync(async tx => await tx.Connection.ExecuteAsync("""
            DELETE FROM admin_users
            WHERE id = @Id AND (role <> 'admin' OR (SELECT COUNT(*) FROM admin_users WHERE role = 'admin') > 1)
            """, new { Id = userId }, tx.Transaction) == 1, ct);

    private PasswordVerificationResult Verify(string storedHash, string password) =>
        storedHash.StartsWith(LegacyPrefix, StringComparison.Ordinal)
            ? LegacyMatches(storedHash, password) ? PasswordVerificationResult.SuccessRehashNeeded : PasswordVerificationResult.Failed
            : SafeVerify(storedHash, password);

    private PasswordVerificationResult SafeVerify(string storedHash, string password)
    {
        try
        {
            return hasher.VerifyHashedPassword(Nobody, storedHash, password);
        }
        catch (FormatException)
        {
            return PasswordVerificationResult.Failed;
        }
    }

    /// <summary>Changes whenever the password hash or the role does.</summary>
    private static string Stamp(string passwordHash, string role) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{role}\n{passwordHash}")))[..24];

    // Before the panel existed the first admin's password was stored as
    // "pbkdf2-sha512$<iterations>$<salt>$<hash>" (base64); such a hash is accepted once and replaced.
    private const string LegacyPrefix = "pbkdf2-sha512$";

    private static bool LegacyMatches(string stored, string password)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || !int.TryParse(parts[1], out var iterations) || iterations is < 1 or > 10_000_000) return false;
        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA512, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
