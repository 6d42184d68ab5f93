using Microsoft.Extensions.Options;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Gateways.Nmi;
using PaymentHub.Features.Gateways.Simulator;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Gateways;

/// <summary>Test mode → the simulator, always; live mode → NMI with the merchant's own settings.</summary>
internal sealed class GatewayResolver(
    IGatewaySettingsStore settings,
    IHttpClientFactory httpClients,
    Db db,
    DbWriter writer,
    TimeProvider clock,
    ILoggerFactory loggers) : IGatewayResolver
{
    public const string NotConfigured = "Live payments are not configured: set the merchant's NMI security key";

    public async Task<IGateway> ForAsync(string merchantId, string mode, CancellationToken ct)
    {
        switch (mode)
        {
            case "test":
                return new SimulatorGateway(merchantId, db, writer, clock, loggers.CreateLogger<SimulatorGateway>());
            case "live":
                var live = await settings.GetAsync(merchantId, "live", ct);
                if (live is not { Gateway: NmiGateway.GatewayName, HasSecurityKey: true })
                    throw new InvalidOperationException(NotConfigured);
                var account = new NmiAccount(merchantId, live.SecurityKey!, live.BaseUrl ?? NmiAccount.DefaultBaseUrl);
                return new NmiGateway(account, httpClients.CreateClient(NmiOptions.HttpClientName), db, writer, clock, loggers.CreateLogger<NmiGateway>());
            default:
                throw new ArgumentException($"Unknown mode '{mode}': use test or live.", nameof(mode));
        }
    }
}

/// <summary>What the hosted checkout loads to collect a card: nothing in test mode, Collect.js in live mode.</summary>
internal sealed class CheckoutGatewayInfoProvider(IGatewaySettingsStore settings) : ICheckoutGatewayInfo
{
    public async Task<CheckoutGatewayInfo> ForAsync(string merchantId, string mode, CancellationToken ct)
    {
        switch (mode)
        {
            case "test":
                return new CheckoutGatewayInfo(SimulatorGateway.GatewayName, null, null);
            case "live":
                var live = await settings.GetAsync(merchantId, "live", ct);
                if (live is not { Gateway: NmiGateway.GatewayName, HasSecurityKey: true })
                    throw new InvalidOperationException(GatewayResolver.NotConfigured);
                // White-label NMI gateways serve Collect.js from their own host, like the API.
                var baseUrl = live.BaseUrl ?? NmiAccount.DefaultBaseUrl;
                return new CheckoutGatewayInfo(NmiGateway.GatewayName, live.TokenizationKey, baseUrl + "/token/Collect.js");
            default:
                throw new ArgumentException($"Unknown mode '{mode}': use test or live.", nameof(mode));
        }
    }
}
