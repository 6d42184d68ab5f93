using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Subscriptions;

/// <summary>What the subscription endpoints share in the API reference and their answers.</summary>
internal static class SubscriptionDocs
{
    public static readonly ParameterDoc IdParameter = new("subscription_id", "The subscription's id (sub_…), as the intent's subscription shows it.",
        Example: "sub_0193a5e3-1b2c-7d3e-8f4a-5b6c7d8e9f0a");

    public static readonly ErrorExample NotFound = new(404, ErrorCodes.SubscriptionNotFound, "Subscription not found.",
        "No such subscription for this API client's merchant and mode.");

    public static readonly string[] Statuses = ["active", "past_due", "cancelled"];

    public static ApiError NotFoundError() => ApiError.NotFound(ErrorCodes.SubscriptionNotFound, "Subscription");
}
