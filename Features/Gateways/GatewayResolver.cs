using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Gateways.Nmi;
using PaymentHub.Features.Gateways.Simulator;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Gateways;

/// <summary>
/// Which gateway a merchant's mode uses, decided in one place: test mode is the simulator, always;
/// live mode is NMI with the merchant's own settings. Both the gateway calls and the checkout's card
/// form ask here, so they can never disagree. The simulator keeps its ledger in the merchant's test
/// time, so that (for example) a stored card expires by the test clock.
/// </summary>
internal sealed class GatewayResolver(
    IGatewaySettingsStore settings,
    IHttpClientFactory httpClients,
    Db db,
    DbWriter writer,
    TimeProvider clock,
    IMerchantClock clocks,
    ILoggerFactory loggers) : IGatewayResolver, ICheckoutGatewayInfo
{
    public const string NotConfigured = "Live payments are not configured: set the merchant's NMI security key";

    async Task<IGateway> IGatewayResolver.ForAsync(string merchantId, string mode, CancellationToken ct) =>
        await LiveSettingsAsync(merchantId, mode, ct) is { } live
            ? new NmiGateway(new NmiAccount(merchantId, live.SecurityKey!, BaseUrl(live)), httpClients.CreateClient(NmiOptions.HttpClientName),
                db, writer, clock, loggers.CreateLogger<NmiGateway>())
            : new SimulatorGateway(merchantId, db, writer, await clocks.ProviderAsync(merchantId, mode, ct), loggers.CreateLogger<SimulatorGateway>());

    /// <summary>Nothing to load in test mode; Collect.js in live mode, from the same host as the API (white-label gateways serve their own).</summary>
    async Task<CheckoutGatewayInfo> ICheckoutGatewayInfo.ForAsync(string merchantId, string mode, CancellationToken ct) =>
        await LiveSettingsAsync(merchantId, mode, ct) is { } live
            ? new CheckoutGatewayInfo(NmiGateway.GatewayName, live.TokenizationKey, BaseUrl(live) + "/token/Collect.js")
            : new CheckoutGatewayInfo(SimulatorGateway.GatewayName, null, null);

    /// <summary>Null in test mode; in live mode the merchant's NMI settings, which must hold a security key.</summary>
    private async Task<GatewaySettings?> LiveSettingsAsync(string merchantId, string mode, CancellationToken ct)
    {
        switch (mode)
        {
            case "test":
                return null;
            case "live":
                var live = await settings.GetAsync(merchantId, "live", ct);
                return live is { Gateway: NmiGateway.GatewayName, HasSecurityKey: true } ? live : throw new InvalidOperationException(NotConfigured);
            default:
                throw new ArgumentException($"Unknown mode '{mode}': use test or live.", nameof(mode));
        }
    }

    private static string BaseUrl(GatewaySettings live) => live.BaseUrl ?? NmiAccount.DefaultBaseUrl;
}
