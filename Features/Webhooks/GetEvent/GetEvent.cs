using Carter;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Webhooks;

/// <summary>GET /events/{event_id}: the event, its payload, and its deliveries to each endpoint with every attempt.</summary>
public sealed class GetEvent : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapGet("/events/{event_id}", Handle)
            .WithResponseExample(EndpointExamples.EventDetail)
            .WithErrors(EndpointExamples.EventNotFound)
            .WithTags("Events")
            .WithName("GetEvent")
            .WithSummary("Get an event and its deliveries")
            .WithDescription("""
                The event with its payload (the body each endpoint receives) and one delivery per endpoint: status (pending,
                succeeded or dead), when the next attempt is due, and every attempt with its status code, latency, the first kilobyte
                of the answer and the error. Attempts older than 30 days are pruned.
                """);

    public static async Task<Results<ApiOk<EventDetail>, ApiError>> Handle(
        [FromRoute(Name = "event_id")] string eventId, Caller caller, Db db, CancellationToken ct)
    {
        await using var connection = await db.OpenReadAsync(ct);
        return await EventDetails.LoadAsync(connection, eventId, caller, ct) is { } detail
            ? new ApiOk<EventDetail>(detail)
            : ApiError.NotFound(ErrorCodes.EventNotFound, "Event");
    }
}
