using Carter;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.TestClock;

/// <summary>GET /test/clock: the time the merchant's test objects live in.</summary>
public sealed class GetClock : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapTestClock().MapGet("", Handle)
            .WithErrors(TestClockModule.LiveRefusedExample)
            .WithResponseExample(ClockView.Example)
            .WithTags("Test clock")
            .WithName("GetTestClock")
            .WithSummary("Read the test clock")
            .WithDescription("The time your test-mode objects live in: the real time moved ahead by offset_ms (0 until you advance it). Test mode only.");

    public static async Task<ApiOk<ClockView>> Handle(Caller caller, MerchantClock clock, CancellationToken ct)
    {
        var offset = await clock.OffsetAsync(caller.MerchantId, ct);
        return new ApiOk<ClockView>(ClockView.Of(clock.RealNow, offset));
    }
}
