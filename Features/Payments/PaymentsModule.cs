using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Features.Payments;

public static class PaymentsModule
{
    public static IServiceCollection AddPaymentsModule(this IServiceCollection services) =>
        services.AddSingleton<GatewayCalls>()
            .AddSingleton<PaymentService>()
            .AddSingleton<RenewalPayments>()
            .AddSingleton<IAuthorizationVoider>(sp => sp.GetRequiredService<PaymentService>())
            .AddRecurringJob<SettlePayments>(SettlePayments.JobId, "SettleIntervalSeconds", 60);
}
