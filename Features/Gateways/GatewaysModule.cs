using Microsoft.Extensions.Options;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Gateways.Nmi;

namespace PaymentHub.Features.Gateways;

public static class GatewaysModule
{
    public static IServiceCollection AddGatewaysModule(this IServiceCollection services)
    {
        // PaymentHub:Nmi:TimeoutSeconds in appsettings, or PAYMENTHUB_NMI_TIMEOUT_SECONDS like the other PAYMENTHUB_ settings, the variable winning.
        services.AddOptions<NmiOptions>().Configure<IConfiguration>((options, config) =>
        {
            config.GetSection("PaymentHub:Nmi").Bind(options);
            if (int.TryParse(config["PAYMENTHUB_NMI_TIMEOUT_SECONDS"], System.Globalization.CultureInfo.InvariantCulture, out var seconds)) options.TimeoutSeconds = seconds;
        });
        services.AddHttpClient(NmiOptions.HttpClientName).ConfigureHttpClient((sp, client) =>
            client.Timeout = TimeSpan.FromSeconds(Math.Max(1, sp.GetRequiredService<IOptions<NmiOptions>>().Value.TimeoutSeconds)));

        services.AddSingleton<IGatewaySettingsStore, GatewaySettingsStore>();
        services.AddSingleton<GatewayResolver>();
        services.AddSingleton<IGatewayResolver>(sp => sp.GetRequiredService<GatewayResolver>());
        services.AddSingleton<ICheckoutGatewayInfo>(sp => sp.GetRequiredService<GatewayResolver>());
        return services;
    }
}
