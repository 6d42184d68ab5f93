using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.TestClock;

public static class TestClockModule
{
    public static IServiceCollection AddTestClockModule(this IServiceCollection services) =>
        services.AddSingleton<MerchantClock>()
            .AddSingleton<IMerchantClock>(sp => sp.GetRequiredService<MerchantClock>());

    /// <summary>The <c>/api/platform/test/clock</c> routes: platform routes that answer live-mode keys 403 before anything else.</summary>
    internal static RouteGroupBuilder MapTestClock(this IEndpointRouteBuilder app)
    {
        var group = app.MapPlatform().MapGroup("/test/clock");
        group.AddEndpointFilter(async (ctx, next) =>
            ctx.HttpContext.Items[Caller.ItemKey] is Caller { Mode: "test" } ? await next(ctx) : LiveRefused());
        return group;
    }

    public static readonly ErrorExample LiveRefusedExample = new(403, ErrorCodes.TestModeOnly, LiveMessage, "A live-mode API key was used.");

    private const string LiveMessage = "The test clock is for test mode only: use a test-mode API key (pk_test_…). Live objects always live in the real time.";

    private static ApiError LiveRefused() => new(StatusCodes.Status403Forbidden, ErrorCodes.TestModeOnly, LiveMessage);
}

/// <summary>A merchant's test clock as the API shows it.</summary>
public sealed record ClockView(string Now, long OffsetMs, bool Livemode = false)
{
    public static ClockView Of(DateTimeOffset realNow, long offsetMs) => new(Formats.Timestamp(realNow.AddMilliseconds(offsetMs)), offsetMs);

    public const string Example = """{ "now": "2027-11-22T12:00:00.000000Z", "offset_ms": 31536000000, "livemode": false }""";
}
