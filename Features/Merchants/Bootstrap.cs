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

    public static async Task<Result?> RunAsync(DbWriter writer, Settings settings, TimeProvider clock)
    {
        return await writer.WriteAsync(async tx =>
        {
            var merchants = await tx.Connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM merchants", transaction: tx.Transaction);
            if (merchants > 0) return null;

            var now = clock.GetUtcNow();
            var merchantId = "mch_" + Guid.CreateVersion7();
            await tx.Connection.ExecuteAsync(
                "INSERT INTO merchants (id, name, created_at) VALUES (@Id, @Name, @Now)",
                new { Id = merchantId, Name = "Default merchant", Now = now.ToUnixTimeMilliseconds() }, tx.Transaction);
            var client = await ApiClients.CreateAsync(tx, merchantId, "test", "Bootstrap test key", now,
                settings.BootstrapClientId, settings.BootstrapClientSecret);

            var password = settings.AdminPassword ?? RandomTokens.New(12);
            await tx.Connection.ExecuteAsync(
                "INSERT INTO admin_users (username, password_hash, created_at) VALUES ('admin', @Hash, @Now)",
                new { Hash = Secrets.HashPassword(password), Now = now.ToUnixTimeMilliseconds() }, tx.Transaction);
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

             Admin panel login: {r.AdminUser} / {(r.PasswordGenerated ? r.AdminPassword : "(the password you configured)")}
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
