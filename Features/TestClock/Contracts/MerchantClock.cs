namespace PaymentHub.Features.TestClock.Contracts;

/// <summary>
/// "Now" for a merchant's objects. Live objects live in the real time (the injected
/// <see cref="TimeProvider"/>). Test objects live in the merchant's test clock: the real time moved
/// ahead by however far the merchant advanced it (docs/billing.md, "Test clock"). Every time rule of
/// a test object (expiry, renewals, dunning, the times it records) asks here, never the
/// <see cref="TimeProvider"/> directly.
/// </summary>
public interface IMerchantClock
{
    /// <summary>The merchant's time in <paramref name="mode"/>. Cheap: test clocks are cached in memory.</summary>
    ValueTask<DateTimeOffset> NowAsync(string merchantId, string mode, CancellationToken ct = default);

    /// <summary>The same time as a <see cref="TimeProvider"/>, for code written against one (the test-mode gateway).</summary>
    ValueTask<TimeProvider> ProviderAsync(string merchantId, string mode, CancellationToken ct = default);
}

/// <summary>
/// Work that falls due at a time: intents that expire, subscriptions that renew. Its module runs it
/// across merchants in a recurring job; advancing a merchant's test clock runs the same code for that
/// merchant's test objects, one due time after another, before it answers.
/// </summary>
public interface IDueWork
{
    /// <summary>The earliest due time (Unix ms) of the merchant's test objects that is at or before <paramref name="until"/>; null when none is.</summary>
    Task<long?> NextDueAsync(string merchantId, long until, CancellationToken ct);

    /// <summary>Runs everything of the merchant's test objects that is due at <paramref name="now"/>, as of that time.</summary>
    Task<DueWorkDone> RunDueAsync(string merchantId, DateTimeOffset now, CancellationToken ct);
}

/// <summary>
/// A row a job found due, and how far its merchant's test clock runs ahead of the real time (0 for
/// live rows and merchants without one): the row's "now" is the real time plus that.
/// </summary>
// A class, not a positional record: with no rows SQLite can't tell the type of an expression column, and Dapper would find no matching constructor.
public sealed class DueRow
{
    public string Id { get; init; } = "";
    public long OffsetMs { get; init; }
}

/// <summary>What a run of due work did: renewals charged, renewal charges that failed, subscriptions cancelled, intents expired.</summary>
public sealed record DueWorkDone(int Renewals = 0, int Failures = 0, int Cancellations = 0, int Expiries = 0)
{
    public static readonly DueWorkDone None = new();

    public bool IsEmpty => this == None;

    public static DueWorkDone operator +(DueWorkDone a, DueWorkDone b) =>
        new(a.Renewals + b.Renewals, a.Failures + b.Failures, a.Cancellations + b.Cancellations, a.Expiries + b.Expiries);
}
