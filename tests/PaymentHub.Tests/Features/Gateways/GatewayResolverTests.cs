using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Gateways;

public sealed class GatewayResolverTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private async Task<string> MerchantIdAsync()
    {
        _ = app.Services; // builds the host: migrations and bootstrap have run
        await using var connection = await app.Services.GetRequiredService<Db>().OpenAsync();
        return await connection.QuerySingleAsync<string>("SELECT id FROM merchants ORDER BY created_at LIMIT 1");
    }

    private async Task<string> NewMerchantAsync()
    {
        var id = "mch_" + Guid.NewGuid().ToString("N");
        await using var connection = await app.Services.GetRequiredService<Db>().OpenAsync();
        await connection.ExecuteAsync("INSERT INTO merchants (id, name, created_at) VALUES (@Id, 'Another', 0)", new { Id = id });
        return id;
    }

    [Fact]
    public async Task ForAsync_InTestMode_IsTheSimulator()
    {
        var merchantId = await MerchantIdAsync();
        var gateway = await app.Services.GetRequiredService<IGatewayResolver>().ForAsync(merchantId, "test", default);
        Assert.Equal("simulator", gateway.Name);
        Assert.Equal(TimeSpan.FromSeconds(30), app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("nmi").Timeout);

        var info = await app.Services.GetRequiredService<ICheckoutGatewayInfo>().ForAsync(merchantId, "test", default);
        Assert.Equal(new CheckoutGatewayInfo("simulator", null, null), info);
    }

    [Fact]
    public async Task ForAsync_InLiveModeWithoutSettings_ThrowsNotConfigured()
    {
        var merchantId = await NewMerchantAsync();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            app.Services.GetRequiredService<IGatewayResolver>().ForAsync(merchantId, "live", default));
        Assert.Equal("Live payments are not configured: set the merchant's NMI security key", error.Message);
    }

    [Fact]
    public async Task SaveSettings_EncryptsTheKey_AndLiveModeResolvesNmi()
    {
        var merchantId = await NewMerchantAsync();
        var store = app.Services.GetRequiredService<IGatewaySettingsStore>();
        var saved = await store.SaveAsync(merchantId, "live",
            new GatewaySettingsUpdate("nmi", "secret-key-1234567890", "tok-public-key", "https://gw.example.test/"), default);

        Assert.Equal(("secret-key-1234567890", "tok-public-key", "https://gw.example.test"), (saved.SecurityKey, saved.TokenizationKey, saved.BaseUrl));
        Assert.DoesNotContain("secret-key-1234567890", saved.ToString());
        await using (var connection = await app.Services.GetRequiredService<Db>().OpenAsync())
        {
            var stored = await connection.QuerySingleAsync<string>(
                "SELECT security_key_protected FROM gateway_settings WHERE merchant_id = @MerchantId AND mode = 'live'", new { MerchantId = merchantId });
            Assert.DoesNotContain("secret-key", stored);
        }
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(app.DataPath, "keys"), "*.xml"));

        var gateway = await app.Services.GetRequiredService<IGatewayResolver>().ForAsync(merchantId, "live", default);
        Assert.Equal("nmi", gateway.Name);
        var info = await app.Services.GetRequiredService<ICheckoutGatewayInfo>().ForAsync(merchantId, "live", default);
        Assert.Equal(new CheckoutGatewayInfo("nmi", "tok-public-key", "https://gw.example.test/token/Collect.js"), info);

        // A blank key keeps the stored one; other fields are replaced.
        var kept = await store.SaveAsync(merchantId, "live", new GatewaySettingsUpdate("nmi", null, "tok-2", null), default);
        Assert.Equal(("secret-key-1234567890", "tok-2", null), (kept.SecurityKey, kept.TokenizationKey, kept.BaseUrl));
        var defaultInfo = await app.Services.GetRequiredService<ICheckoutGatewayInfo>().ForAsync(merchantId, "live", default);
        Assert.Equal("https://secure.nmi.com/token/Collect.js", defaultInfo.CollectJsUrl);

        // An empty key removes it: live payments stop.
        await store.SaveAsync(merchantId, "live", new GatewaySettingsUpdate("nmi", "", "tok-2", null), default);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            app.Services.GetRequiredService<IGatewayResolver>().ForAsync(merchantId, "live", default));
    }

    [Fact]
    public async Task ForAsync_InLiveMode_ChargesThroughTheMerchantsNmiAccount()
    {
        await using var nmi = await FakeNmi.StartAsync();
        var merchantId = await NewMerchantAsync();
        await app.Services.GetRequiredService<IGatewaySettingsStore>().SaveAsync(merchantId, "live",
            new GatewaySettingsUpdate("nmi", FakeNmi.SecurityKey, "tok", nmi.BaseUrl), default);

        var gateway = await app.Services.GetRequiredService<IGatewayResolver>().ForAsync(merchantId, "live", default);
        var usd = app.Services.GetRequiredService<PaymentHub.Infrastructure.Money.Currencies>().Get("USD");
        var result = await gateway.SaleAsync(new GatewayPayment("ord_live_1", 4200, usd,
            new PaymentSource(Card: new CardDetails("4111111111111111", 12, 2030, "999", null)), StoreCard: true), default);

        Assert.Equal(GatewayOutcome.Approved, result.Outcome);
        Assert.Equal(FakeNmi.SecurityKey, nmi.LastTransact["security_key"]);
        Assert.StartsWith("vault_nmi_", result.VaultId);
        var renewal = await gateway.SaleAsync(new GatewayPayment("ord_live_2", 4200, usd, new PaymentSource(VaultId: result.VaultId),
            StoredCredential: new StoredCredential(false, result.TransactionId)), default);
        Assert.Equal(GatewayOutcome.Approved, renewal.Outcome);
    }

    [Fact]
    public async Task SaveSettings_WithInvalidValues_ThrowsArgumentException()
    {
        var merchantId = await NewMerchantAsync();
        var store = app.Services.GetRequiredService<IGatewaySettingsStore>();
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(merchantId, "live", new GatewaySettingsUpdate("stripe", "k", null, null), default));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(merchantId, "prod", new GatewaySettingsUpdate("nmi", "k", null, null), default));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(merchantId, "live", new GatewaySettingsUpdate("nmi", "k", null, "ftp://x"), default));
    }
}
