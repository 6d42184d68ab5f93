using PaymentHub.Features.Payments.CaptureIntent;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Features.Payments.RefundIntent;
using PaymentHub.Features.Payments.SettleCharges;

namespace PaymentHub.Features.Payments;

public static class PaymentsModule
{
    public static IServiceCollection AddPaymentsModule(this IServiceCollection services) =>
        services.AddSingleton<PaymentService>()
            .AddSingleton<IAuthorizationVoider>(sp => sp.GetRequiredService<PaymentService>())
            .AddHostedService<ChargeSettlement>();

    public static RouteGroupBuilder MapPayments(this RouteGroupBuilder platform)
    {
        var intents = platform.MapGroup("/intents").WithTags("Intents");
        intents.MapPost("/{intent_id}/capture", CaptureIntent.CaptureIntent.Handle)
            .Accepts<CaptureIntent.CaptureIntent.Request>("application/json")
            .WithName("CaptureIntent")
            .WithSummary("Capture an authorized payment")
            .WithDescription("For capture_method manual: takes the authorized amount, or a smaller amount given in the body.");
        intents.MapPost("/{intent_id}/refunds", RefundIntent.RefundIntent.Handle)
            .Accepts<RefundIntent.RefundIntent.Request>("application/json")
            .WithName("RefundIntent")
            .WithSummary("Refund a payment")
            .WithDescription("Refunds a succeeded charge in full (no amount) or in part; never more than was captured in total.");
        return platform;
    }
}
