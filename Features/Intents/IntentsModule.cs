using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Features.Intents;

public static class IntentsModule
{
    public static IServiceCollection AddIntentsModule(this IServiceCollection services) =>
        services.AddRecurringJob<ExpireIntents>(ExpireIntents.JobId, "ExpireIntervalSeconds", 60)
            .AddTransient<IDueWork>(sp => sp.GetRequiredService<ExpireIntents>());
}
