using Dapper;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Merchants;

/// <summary>
/// On an empty database: a default merchant, a test API client and an admin login, printed once so
/// a newcomer can call the API a minute after <c>dotnet run</c>. PAYMENTHUB_* settings replace the
/// generated values.
/// </summary>
public static class Bootstrap
{
    public sealed record Result(string MerchantId, NewApiClient TestClient, string AdminUser, string AdminPassword, bool PasswordGenerated);

    public static async Task<Result?> RunAsync(DbWriter writer, Db db, Settings settings, TimeProvider clock, AdminUsers users)
    {
        // Hashing the password is slow on purpose: only when there is something to create, and before the unit of work.
        await using (var connection = await db.OpenReadAsync())
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM merchants") > 0) return null;
        var password = settings.AdminPassword ?? RandomTokens.New(12);
        var passwordHash = users.HashPassword(password);

        return await writer.WriteAsync(async tx =>
        {
            var merchants = await tx.Connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM merchants", transaction: tx.Transaction);
            if (merchants > 0) return null;

            var now = clock.GetUtcNow();
            var merchantId = await MerchantProfiles.CreateAsync(tx, "Default merchant", now);
            var client = await ApiClients.CreateAsync(tx, merchantId, "test", "Bootstrap test key", now,
                settings.BootstrapClientId, settings.BootstrapClientSecret);
            await AdminUsers.InsertAsync(tx, "admin", passwordHash, AdminRoles.Admin, now);
            return new Result(merchantId, client, "admin", password, settings.AdminPassword is null);
        });
    }

    /// <summary>The one-time banner. Written to the console, not the log: it holds secrets.</summary>
    public static void Print(Result r, TextWriter output)
    {
        output.WriteLine($"""

            ================ PaymentHub first start ================
             A default merchant and a test API client were created.
             These secrets are shown only now; keep them.

               X-Client-ID:     {r.TestClient.ClientId}
               X-Client-Secret: {r.TestClient.ClientSecret}

             Admin panel (/admin) login: {r.AdminUser} / {(r.PasswordGenerated ? r.AdminPassword : "(the password you configured)")}
            =========================================================

            """);
    }

    /// <summary>A later start: where the keys went, and how to get new ones.</summary>
    public static void PrintExisting(Settings settings, TextWriter output) =>
        output.WriteLine($"""
            PaymentHub is using the existing data folder {settings.DataPath}.
            Its API keys and admin password were printed once, when that folder was first used.
            Lost them? Start with an empty folder (PAYMENTHUB_DATA=...) to get new ones, or set
            PAYMENTHUB_BOOTSTRAP_CLIENT_ID / _SECRET before the first start to choose them yourself.
            """);
}
