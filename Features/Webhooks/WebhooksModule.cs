using Microsoft.Extensions.Options;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Jobs;
using PaymentHub.Infrastructure.Security;

namespace PaymentHub.Features.Webhooks;

public static class WebhooksModule
{
    public static IServiceCollection AddWebhooksModule(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration("PaymentHub:Webhooks");
        services.AddSingleton<IHostResolver, SystemHostResolver>();
        AddClient(services, WebhookSender.PublicClient, publicOnly: true);
        AddClient(services, WebhookSender.AnyAddressClient, publicOnly: false);

        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddTransient<DeliverWebhooksNow>();
        services.AddHostedService<SendAfterCommit>();
        services.AddRecurringJob<DeliverWebhooks>(DeliverWebhooks.JobId, "WebhookDeliveryIntervalSeconds", 5);
        services.AddRecurringJob<PruneWebhookAttempts>(PruneWebhookAttempts.JobId, "WebhookPruneIntervalSeconds", 3600);
        return services;
    }

    /// <summary>
    /// One connection pool per address rule: a connection opened for a test-mode endpoint on a
    /// private address must never be reused for a live one. No proxy (it would connect on the
    /// endpoint's behalf, past the address check), no redirects (only the endpoint's own 2xx
    /// counts), no cookies, and no request logging (URLs may carry the merchant's tokens).
    /// </summary>
    private static void AddClient(IServiceCollection services, string name, bool publicOnly) =>
        services.AddHttpClient(name)
            .ConfigureHttpClient((sp, client) => client.Timeout = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var settings = sp.GetRequiredService<IOptions<WebhookOptions>>().Value;
                return new SocketsHttpHandler
                {
                    ConnectCallback = PublicOnlyConnect.Callback(sp.GetRequiredService<IHostResolver>(), publicOnly && !settings.AllowPrivateAddresses),
                    ConnectTimeout = settings.Timeout,
                    UseProxy = false,
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                };
            })
            // The handler's own pool lifetime handles DNS changes; the factory need not recycle it.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();

    /// <summary>Wakes the dispatcher after every commit that created deliveries.</summary>
    private sealed class SendAfterCommit(DbWriter writer, WebhookDispatcher dispatcher) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            writer.OnCommit(Outbox.DeliveriesCreated, dispatcher.Notify);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
