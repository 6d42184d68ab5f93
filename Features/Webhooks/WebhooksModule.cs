namespace PaymentHub.Features.Webhooks;

public static class WebhooksModule
{
    public static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder platform)
    {
        platform.MapGet("/events", ListEvents.ListEvents.Handle)
            .WithTags("Events")
            .WithName("ListEvents")
            .WithSummary("List webhook events")
            .WithDescription("The events emitted for your merchant and mode, newest first; filter by type and intent_id.");
        return platform;
    }
}
