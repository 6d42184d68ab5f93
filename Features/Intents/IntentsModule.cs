using FluentValidation;
using PaymentHub.Features.Intents.CancelIntent;
using PaymentHub.Features.Intents.CreateIntent;
using PaymentHub.Features.Intents.ExpireIntents;
using PaymentHub.Features.Intents.GetIntent;
using PaymentHub.Features.Intents.GetIntentByReference;
using PaymentHub.Features.Intents.GetIntentLogs;
using PaymentHub.Features.Intents.ListIntents;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Intents;

public static class IntentsModule
{
    public static IServiceCollection AddIntentsModule(this IServiceCollection services) =>
        services.AddSingleton<IValidator<CreateIntent.CreateIntent.Request>, CreateIntent.CreateIntent.Validator>()
            .AddSingleton<IntentExpiry>()
            .AddHostedService<IntentExpirySweep>();

    public static RouteGroupBuilder MapIntents(this RouteGroupBuilder platform)
    {
        var intents = platform.MapGroup("/intents").WithTags("Intents");

        intents.MapPost("", CreateIntent.CreateIntent.Handle)
            .Validate<CreateIntent.CreateIntent.Request>()
            .Accepts<CreateIntent.CreateIntent.Request>("application/json")
            .WithName("CreateIntent")
            .WithSummary("Create a payment intent")
            .WithDescription("Initializes a payment and returns the hosted checkout link (payment_url).");
        intents.MapGet("", ListIntents.ListIntents.Handle)
            .WithName("ListIntents")
            .WithSummary("List payment intents")
            .WithDescription("Newest first, filtered by status, type, customer_ref_id, email and creation time.");
        intents.MapGet("/reference/{reference_id}", GetIntentByReference.GetIntentByReference.Handle)
            .WithName("GetIntentByReference")
            .WithSummary("Get a payment intent by your reference_id");
        intents.MapGet("/{intent_id}", GetIntent.GetIntent.Handle)
            .WithName("GetIntent")
            .WithSummary("Get a payment intent")
            .WithDescription("The intent with its order items, charge history and subscription.");
        intents.MapGet("/{intent_id}/logs", GetIntentLogs.GetIntentLogs.Handle)
            .WithName("GetIntentLogs")
            .WithSummary("List an intent's event log");
        intents.MapPost("/{intent_id}/cancel", CancelIntent.CancelIntent.Handle)
            .WithName("CancelIntent")
            .WithSummary("Cancel a payment intent")
            .WithDescription("Cancels a pending intent. Cancelling a cancelled intent is a no-op.");
        return platform;
    }
}
