using Carter;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Money;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Subscriptions;

/// <summary>GET /subscriptions/{subscription_id}: the subscription with its billing period, dunning state and charges.</summary>
public sealed class GetSubscription : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/subscriptions/{subscription_id}", Handle)
            .WithParameters(SubscriptionDocs.IdParameter)
            .WithErrors(SubscriptionDocs.NotFound)
            .WithResponseExample(SubscriptionExamples.Subscription)
            .WithTags("Subscriptions")
            .WithName("GetSubscription")
            .WithSummary("Get a subscription")
            .WithDescription("The subscription: status, amount, billing period, next charge, failed attempts, cancellation, and every charge (the first payment and each renewal attempt).");

    public static Results<ApiOk<SubscriptionView>, ApiError> Handle(
        [FromRoute(Name = "subscription_id")] string subscriptionId, Caller caller, Db db, Currencies currencies)
    {
        using var session = db.Sessions.Rent();
        var view = SubscriptionQueries.Find(session, caller, subscriptionId, currencies);
        return view is null ? SubscriptionDocs.NotFoundError() : new ApiOk<SubscriptionView>(view);
    }
}
