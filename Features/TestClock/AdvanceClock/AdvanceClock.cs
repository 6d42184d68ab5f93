using Carter;
using System.Reflection;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.TestClock;

/// <summary>
/// POST /test/clock/advance: moves the merchant's test clock forward by <c>days</c> or to <c>to</c>,
/// and before answering runs everything of the merchant's test objects that falls due on the way, in
/// time order: the clock stops at each due time in turn (a renewal, a dunning retry, an intent's
/// expiry), the work due then runs as of that time, and what it schedules next (the following
/// renewal, a retry) is run in its turn if it too falls before the end. So a year of a 30-day
/// subscription is twelve renewals, each on its own date. The same code runs these as the recurring
/// jobs do (<see cref="IDueWork"/>); Hangfire's own clock is never moved.
/// </summary>
public sealed class AdvanceClock : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapTestClock().MapPost("/advance", Handle)
            .Validate<Request>()
            .Accepts<Request>("application/json")
            .WithErrors(TestClockModule.LiveRefusedExample)
            .WithRequestExample("""{ "days": 365 }""")
            .WithResponseExample("""
                { "now": "2027-11-22T12:00:00.000000Z", "offset_ms": 31536000000, "livemode": false, "advanced_from": "2026-11-22T12:00:00.000000Z",
                  "summary": { "renewals": 12, "failures": 0, "cancellations": 0, "expiries": 1, "due_times": 13 } }
                """)
            .WithTags("Test clock")
            .WithName("AdvanceTestClock")
            .WithSummary("Advance the test clock")
            .WithDescription("Moves your test-mode time forward by days, or to a time, and runs what falls due on the way " +
                "(renewals, dunning retries and cancellations, intent expiries) in time order before answering, with a summary. Test mode only.");

    public const int MaxDays = 3650;
    /// <summary>Due times one advance stops at, at most; what is left is due and runs in the next advance or the jobs' next runs.</summary>
    public const int MaxDueTimes = 20_000;

    public sealed record Request : IBindableFromHttpContext<Request>
    {
        public FlexNumber? Days { get; init; }
        public string? To { get; init; }

        public static async ValueTask<Request?> BindAsync(HttpContext ctx, ParameterInfo parameter) => await JsonBody.ReadAsync<Request>(ctx);
    }

    /// <summary>The body's own rules; whether <c>to</c> is ahead of the clock is checked by the handler, which reads the clock.</summary>
    public sealed class Validator : AbstractValidator<Request>
    {
        public Validator()
        {
            RuleLevelCascadeMode = CascadeMode.Stop;
            RuleFor(r => r.Days).NotNull().WithMessage("The days field is required when to is not present.").When(r => r.To is null);
            RuleFor(r => r.Days).Null().WithMessage("Send days or to, not both.").When(r => r.To is not null);
            RuleFor(r => r.Days).Integer().Between(1, MaxDays).When(r => r.Days is not null && r.To is null);
            RuleFor(r => r.To)
                .Must(t => IsoTimes.Parse(t!, endOfDay: false) is not null).WithMessage($"The to is not a valid time ({IsoTimes.Hint}).")
                .When(r => r.To is not null);
        }
    }

    public sealed record Summary(int Renewals, int Failures, int Cancellations, int Expiries, int DueTimes);

    public sealed record Response(string Now, long OffsetMs, bool Livemode, string AdvancedFrom, Summary Summary);

    public static async Task<Results<ApiOk<Response>, ApiValidationError>> Handle(
        Request request, Caller caller, MerchantClock clock, IEnumerable<IDueWork> work, CancellationToken ct)
    {
        var merchantId = caller.MerchantId;
        using var _ = await clock.LockAsync(merchantId, ct);
        var from = clock.RealNow.AddMilliseconds(await clock.OffsetAsync(merchantId, ct));
        DateTimeOffset target;
        if (request.To is { } to)
        {
            target = DateTimeOffset.FromUnixTimeMilliseconds(IsoTimes.Parse(to, endOfDay: false)!.Value);
            if (target <= from)
                return ApiValidationError.For("to", $"The to must be after the test clock's time, {Formats.Timestamp(from)}: the clock only moves forward (reset goes back to the real time).");
            if (target > from.AddDays(MaxDays))
                return ApiValidationError.For("to", $"The to must be at most {MaxDays} days after the test clock's time, {Formats.Timestamp(from)}.");
        }
        else
        {
            target = from.AddDays((double)request.Days!.Value.Value!.Value);
        }

        // Once started, the run finishes even if the client goes away: a half-run advance would leave work done at times the clock never reached.
        var (done, dueTimes) = await RunDueAsync(merchantId, from, target, clock, work.ToList(), CancellationToken.None);
        var offset = Math.Max(0, target.ToUnixTimeMilliseconds() - clock.RealNow.ToUnixTimeMilliseconds());
        await clock.SaveAsync(merchantId, offset);
        return new ApiOk<Response>(new Response(Formats.Timestamp(target), offset, false, Formats.Timestamp(from),
            new Summary(done.Renewals, done.Failures, done.Cancellations, done.Expiries, dueTimes)));
    }

    /// <summary>Stops at each due time up to <paramref name="target"/>, earliest first, and runs what is due then.</summary>
    private static async Task<(DueWorkDone Done, int DueTimes)> RunDueAsync(string merchantId, DateTimeOffset from, DateTimeOffset target,
        MerchantClock clock, List<IDueWork> work, CancellationToken ct)
    {
        var done = DueWorkDone.None;
        var at = from;
        DateTimeOffset? stuckAt = null;
        var dueTimes = 0;
        while (dueTimes < MaxDueTimes && !ct.IsCancellationRequested)
        {
            long? next = null;
            foreach (var w in work)
                if (await w.NextDueAsync(merchantId, target.ToUnixTimeMilliseconds(), ct) is { } due && (next is null || due < next))
                    next = due;
            if (next is null) break;
            // What was already overdue runs now: the clock never goes back.
            at = DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(next.Value, at.ToUnixTimeMilliseconds()));
            var step = DueWorkDone.None;
            using (clock.Hold(merchantId, at))
                foreach (var w in work)
                    step += await w.RunDueAsync(merchantId, at, ct);
            dueTimes++;
            done += step;
            // Due, but nothing could move twice at the same time (claimed by another instance meanwhile): leave it to its job rather than spin.
            if (step.IsEmpty)
            {
                if (stuckAt == at) break;
                stuckAt = at;
            }
        }
        return (done, dueTimes);
    }
}
