using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Gateways.Contracts;

namespace PaymentHub.Tests.Infrastructure.Security;

public sealed class KeysAtRestTests
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A factory whose Data Protection keys are encrypted with a certificate.</summary>
    private sealed class CertificateFactory(string pfx, string password) : PaymentHubFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("PAYMENTHUB_KEY_CERTIFICATE", pfx);
            builder.UseSetting("PAYMENTHUB_KEY_CERTIFICATE_PASSWORD", password);
        }
    }

    private static Task SaveNmiKeyAsync(PaymentHubFactory app) =>
        app.Services.GetRequiredService<IGatewaySettingsStore>().SaveAsync(app.FixtureMerchantId(), "live",
            new GatewaySettingsUpdate("nmi", "nmi-secret-key-1234", "tok", null), CancellationToken.None);

    [SqliteFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task DataFolder_Database_AndKeyFiles_AreTheOwnersOnly()
    {
        await using var app = new PaymentHubFactory();
        await app.Api().CreateIntentAsync();
        await SaveNmiKeyAsync(app);

        Assert.Equal(Folder, File.GetUnixFileMode(app.DataPath));
        Assert.Equal(File600, File.GetUnixFileMode(app.DatabasePath));
        Assert.Equal(File600, File.GetUnixFileMode(app.DatabasePath + "-wal"));
        var keys = Path.Combine(app.DataPath, "keys");
        Assert.Equal(Folder, File.GetUnixFileMode(keys));
        var keyFiles = Directory.GetFiles(keys, "*.xml");
        Assert.NotEmpty(keyFiles);
        Assert.All(keyFiles, f => Assert.Equal(File600, File.GetUnixFileMode(f)));
    }

    [Fact]
    public async Task WithAKeysFolder_TheKeyRingLivesThere_NotInTheDataFolder()
    {
        var keys = Path.Combine(Path.GetTempPath(), "paymenthub-tests", "keys-" + Guid.NewGuid().ToString("N"));
        var data = PaymentHubFactory.NewDataPath();
        try
        {
            await using var app = new PaymentHubOnData(data, ("PAYMENTHUB_KEYS", keys));
            await SaveNmiKeyAsync(app);

            Assert.NotEmpty(Directory.GetFiles(keys, "key-*.xml"));
            Assert.False(Directory.Exists(Path.Combine(data, "keys")));
            var stored = await app.Services.GetRequiredService<IGatewaySettingsStore>().GetAsync(app.FixtureMerchantId(), "live", CancellationToken.None);
            Assert.Equal("nmi-secret-key-1234", stored!.SecurityKey);
        }
        finally
        {
            PaymentHubFactory.DeleteData(data);
            PaymentHubFactory.DeleteData(keys);
        }
    }

    [Fact]
    public async Task TheFirstStart_CreatesTheKey_SoTheKeysFolderCanBeCopiedToOtherInstances()
    {
        await using var app = new PaymentHubFactory();

        (await app.CreateClient().GetAsync("/health")).EnsureSuccessStatusCode();

        Assert.Single(Directory.GetFiles(Path.Combine(app.DataPath, "keys"), "key-*.xml"));
        Assert.Contains(app.Logs.Lines, l => l.Contains("No XML encryptor configured"));
    }

    [Fact]
    public async Task ARestart_ReadsTheKeyRingAtItsFirstUse_NotAtStart()
    {
        var data = PaymentHubFactory.NewDataPath();
        try
        {
            await using (var first = new PaymentHubOnData(data))
                (await first.CreateClient().GetAsync("/health")).EnsureSuccessStatusCode();
            // A key file nobody can read: a start that read the key ring would log its error.
            var key = Directory.GetFiles(Path.Combine(data, "keys"), "key-*.xml").Single();
            await File.WriteAllTextAsync(key, "not a key");

            await using var restarted = new PaymentHubOnData(data);
            (await restarted.CreateClient().GetAsync("/health")).EnsureSuccessStatusCode();

            Assert.DoesNotContain(restarted.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
            Assert.DoesNotContain(restarted.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>(),
                s => s.GetType().Assembly == typeof(Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions).Assembly);
            // The first use reads it, and finds what is wrong with it.
            await Assert.ThrowsAnyAsync<Exception>(() => SaveNmiKeyAsync(restarted));
        }
        finally
        {
            PaymentHubFactory.DeleteData(data);
        }
    }

    [PostgresFact]
    public async Task TwoInstances_WithDataFoldersOfTheirOwn_ButOneDatabaseAndKeysFolder_DecryptEachOthersSecrets()
    {
        var keys = Path.Combine(Path.GetTempPath(), "paymenthub-tests", "keys-" + Guid.NewGuid().ToString("N"));
        var first = PaymentHubFactory.NewDataPath();
        var second = PaymentHubFactory.NewDataPath();
        try
        {
            await using var a = new PaymentHubOnData(first, ("PAYMENTHUB_KEYS", keys));
            await SaveNmiKeyAsync(a);
            await using var b = new PaymentHubOnData(second, ("PAYMENTHUB_KEYS", keys), ("PAYMENTHUB_DATABASE", TestDatabases.ConnectionStringFor(first)));

            var stored = await b.Services.GetRequiredService<IGatewaySettingsStore>().GetAsync(a.FixtureMerchantId(), "live", CancellationToken.None);

            Assert.Equal("nmi-secret-key-1234", stored!.SecurityKey);
        }
        finally
        {
            PaymentHubFactory.DeleteData(first);
            PaymentHubFactory.DeleteData(second);
            PaymentHubFactory.DeleteData(keys);
        }
    }

    [Fact]
    public async Task WithAKeyCertificate_KeysAreStoredEncrypted_AndStillDecrypt()
    {
        var folder = Directory.CreateTempSubdirectory("paymenthub-cert-").FullName;
        try
        {
            var pfx = Path.Combine(folder, "keys.pfx");
            using (var rsa = RSA.Create(2048))
            {
                var request = new CertificateRequest("CN=PaymentHub keys", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
                await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));
            }
            await using var app = new CertificateFactory(pfx, "pfx-password");
            await SaveNmiKeyAsync(app);

            var xml = await File.ReadAllTextAsync(Directory.GetFiles(Path.Combine(app.DataPath, "keys"), "key-*.xml").Single());
            Assert.Contains("EncryptedData", xml);
            Assert.DoesNotContain("<value>", xml);
            var stored = await app.Services.GetRequiredService<IGatewaySettingsStore>().GetAsync(app.FixtureMerchantId(), "live", CancellationToken.None);
            Assert.Equal("nmi-secret-key-1234", stored!.SecurityKey);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task AMissingKeyCertificate_StopsStartUpWithAClearMessage()
    {
        var data = Directory.CreateTempSubdirectory("paymenthub-cert-").FullName;
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "--urls", "http://127.0.0.1:0"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                Environment = { ["PAYMENTHUB_DATA"] = data, ["PAYMENTHUB_KEY_CERTIFICATE"] = "/nonexistent/keys.pfx" },
            };
            using var process = System.Diagnostics.Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(1, process.ExitCode);
            Assert.Equal("PaymentHub did not start: PAYMENTHUB_KEY_CERTIFICATE names /nonexistent/keys.pfx, which does not exist.", (await stderr).Trim());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
