using FluentValidation;
using PaymentHub.Features.Admin;
using PaymentHub.Features.Checkout;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents;
using PaymentHub.Features.Merchants;
using PaymentHub.Features.Payments;
using PaymentHub.Features.Subscriptions;
using PaymentHub.Features.TestClock;
using PaymentHub.Features.Webhooks;
using PaymentHub.Features.Webhooks.Contracts;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Infrastructure;

/// <summary>
/// The Carter modules (one per slice) and FluentValidation validators, listed rather than found by
/// scanning: Carter's and FluentValidation's scans call <c>GetTypes()</c> on the whole assembly, which
/// loads every type of PaymentHub (admin pages, CLI and all) at each start. A new module or validator
/// goes here; <c>PartsTests</c> fails when one exists that is not listed.
/// </summary>
internal static class Parts
{
    public static Type[] Modules() =>
    [
        typeof(Health), typeof(Home), typeof(ApiDocsRoutes),
        typeof(CreateIntent), typeof(GetIntent), typeof(GetIntentByReference), typeof(ListIntents), typeof(CancelIntent), typeof(GetIntentLogs),
        typeof(CaptureIntent), typeof(RefundIntent), typeof(ListCharges),
        typeof(GetSubscription), typeof(ListSubscriptions), typeof(CancelSubscription),
        typeof(CreateWebhookEndpoint), typeof(GetWebhookEndpoint), typeof(ListWebhookEndpoints), typeof(UpdateWebhookEndpoint),
        typeof(DeleteWebhookEndpoint), typeof(RotateWebhookSecret), typeof(TestWebhookEndpoint),
        typeof(ListEvents), typeof(GetEvent), typeof(RedeliverEvent), typeof(RedeliverDeadWebhooks),
        typeof(ShowCheckout), typeof(CheckoutData), typeof(SubmitPayment), typeof(CancelCheckout),
        typeof(GetClock), typeof(AdvanceClock), typeof(ResetClock),
        typeof(AdminPanel),
    ];

    /// <summary>Every validator as <c>IValidator&lt;T&gt;</c>, one instance each (stateless, and costly to build: built at first use).</summary>
    public static IServiceCollection AddValidators(this IServiceCollection services) => services
        .AddSingleton<IValidator<CreateIntent.Request>, CreateIntent.Validator>()
        .AddSingleton<IValidator<CreateIntent.Item?>, CreateIntent.ItemValidator>()
        .AddSingleton<IValidator<ListIntents.Query>, ListIntents.Validator>()
        .AddSingleton<IValidator<GetIntentLogs.Query>, GetIntentLogs.Validator>()
        .AddSingleton<IValidator<CaptureIntent.Request>, CaptureIntent.Validator>()
        .AddSingleton<IValidator<RefundIntent.Request>, RefundIntent.Validator>()
        .AddSingleton<IValidator<ListCharges.Query>, ListCharges.Validator>()
        .AddSingleton<IValidator<ListSubscriptions.Query>, ListSubscriptions.Validator>()
        .AddSingleton<IValidator<CancelSubscription.Request>, CancelSubscription.Validator>()
        .AddSingleton<IValidator<CreateWebhookEndpoint.Request>, CreateWebhookEndpoint.Validator>()
        .AddSingleton<IValidator<UpdateWebhookEndpoint.Request>, UpdateWebhookEndpoint.Validator>()
        .AddSingleton<IValidator<ListWebhookEndpoints.Query>, ListWebhookEndpoints.Validator>()
        .AddSingleton<IValidator<ListEvents.Query>, ListEvents.Validator>()
        .AddSingleton<IValidator<RedeliverEvent.Request>, RedeliverEvent.Validator>()
        .AddSingleton<IValidator<EndpointDeliveries.Query>, EndpointDeliveries.Validator>()
        .AddSingleton<IValidator<SubmitPayment.Request>, SubmitPayment.Validator>()
        .AddSingleton<IValidator<AdvanceClock.Request>, AdvanceClock.Validator>()
        .AddSingleton<IValidator<MerchantSettingsUpdate>, MerchantSettingsUpdate.Validator>()
        .AddSingleton<IValidator<GatewaySettingsUpdate>, GatewaySettingsUpdate.Validator>()
        .AddSingleton<IValidator<NewClientForm>, NewClientForm.Validator>()
        .AddSingleton<IValidator<NewUserForm>, NewUserForm.Validator>()
        .AddSingleton<IValidator<NewPasswordForm>, NewPasswordForm.Validator>();
}
