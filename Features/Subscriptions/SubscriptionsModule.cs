using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Features.Subscriptions;

public static class SubscriptionsModule
{
    public static IServiceCollection AddSubscriptionsModule(this IServiceCollection services, IConfiguration config) =>
        services.AddSingleton(BillingSettings.From(config))
            .AddSingleton<Renewals>()
            .AddSingleton<IRenewalOutcomes>(sp => sp.GetRequiredService<Renewals>())
            .AddRecurringJob<RenewSubscriptions>(RenewSubscriptions.JobId, "RenewIntervalSeconds", 60)
            .AddTransient<IDueWork>(sp => sp.GetRequiredService<RenewSubscriptions>());
}
