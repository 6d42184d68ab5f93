using Carter;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.TestClock;

/// <summary>
/// POST /test/clock/reset: the merchant's test objects live in the real time again. Nothing is run
/// and nothing is undone: objects keep the times they have, so what was scheduled ahead (a renewal)
/// waits until the real time reaches it.
/// </summary>
public sealed class ResetClock : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapTestClock().MapPost("/reset", Handle)
            .WithErrors(TestClockModule.LiveRefusedExample)
            .WithResponseExample("""{ "now": "2026-11-22T12:00:00.000000Z", "offset_ms": 0, "livemode": false }""")
            .WithTags("Test clock")
            .WithName("ResetTestClock")
            .WithSummary("Reset the test clock")
            .WithDescription("Back to the real time. Objects keep their times: what was scheduled ahead waits for the real time to reach it. Test mode only.");

    public static async Task<ApiOk<ClockView>> Handle(Caller caller, MerchantClock clock, CancellationToken ct)
    {
        using (await clock.LockAsync(caller.MerchantId, ct))
            await clock.SaveAsync(caller.MerchantId, 0);
        return new ApiOk<ClockView>(ClockView.Of(clock.RealNow, 0));
    }
}
