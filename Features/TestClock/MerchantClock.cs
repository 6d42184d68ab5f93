using System.Collections.Concurrent;
using Dapper;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.TestClock;

/// <summary>
/// The merchants' test clocks, read through a small in-memory cache: creating a test intent is a hot
/// path and must not cost a query. A clock this process changes is updated in the cache at once;
/// one changed by another process sharing the database is seen once its entry is older than
/// <see cref="CacheFor"/>. While this process advances a merchant's clock, that merchant's time
/// stands at each due time in turn (<see cref="Hold"/>), so everything run for that step says so.
/// </summary>
public sealed class MerchantClock(TimeProvider time, Db db, DbWriter writer) : IMerchantClock
{
    /// <summary>How long a clock read from the database is trusted before it is read again.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private sealed record Entry(long OffsetMs, long FreshUntilTicks);
    private sealed record ClockRow(long OffsetMs);

    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _advancing = new(StringComparer.Ordinal);

    private const string OffsetSql = "SELECT offset_ms AS OffsetMs FROM test_clocks WHERE merchant_id = @MerchantId";
    private const string SaveSql = """
        INSERT INTO test_clocks (merchant_id, offset_ms, updated_at) VALUES (@MerchantId, @OffsetMs, @Now)
        ON CONFLICT (merchant_id) DO UPDATE SET offset_ms = excluded.offset_ms, updated_at = excluded.updated_at
        """;

    public ValueTask<DateTimeOffset> NowAsync(string merchantId, string mode, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        if (mode != "test") return ValueTask.FromResult(now);
        if (_held.TryGetValue(merchantId, out var held)) return ValueTask.FromResult(held);
        return ValueTask.FromResult(now.AddMilliseconds(CachedOffset(merchantId)));
    }

    public ValueTask<TimeProvider> ProviderAsync(string merchantId, string mode, CancellationToken ct = default)
    {
        if (mode != "test") return ValueTask.FromResult(time);
        if (_held.TryGetValue(merchantId, out var held)) return ValueTask.FromResult<TimeProvider>(new FixedTime(held));
        var offset = CachedOffset(merchantId);
        return ValueTask.FromResult(offset == 0 ? time : new ShiftedTime(time, TimeSpan.FromMilliseconds(offset)));
    }

    /// <summary>How far ahead of the real time the merchant's test clock is, read from the database (not the cache).</summary>
    public async Task<long> OffsetAsync(string merchantId, CancellationToken ct)
    {
        await using var connection = await db.OpenReadAsync(ct);
        var offset = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(OffsetSql, new { MerchantId = merchantId }, cancellationToken: ct)) ?? 0;
        Remember(merchantId, offset);
        return offset;
    }

    /// <summary>Sets the merchant's test clock <paramref name="offsetMs"/> ahead of the real time (0: the real time).</summary>
    public async Task SaveAsync(string merchantId, long offsetMs)
    {
        await writer.WriteAsync(tx => Task.FromResult(tx.Execute(SaveSql,
            ("MerchantId", merchantId), ("OffsetMs", offsetMs), ("Now", time.GetUtcNow().ToUnixTimeMilliseconds()))));
        Remember(merchantId, offsetMs);
    }

    /// <summary>Until disposed, the merchant's test time stands at <paramref name="at"/> in this process.</summary>
    public IDisposable Hold(string merchantId, DateTimeOffset at)
    {
        _held[merchantId] = at;
        return new Release(() => _held.TryRemove(merchantId, out _));
    }

    /// <summary>One advance (or reset) of a merchant's clock at a time in this process.</summary>
    public async Task<IDisposable> LockAsync(string merchantId, CancellationToken ct)
    {
        var gate = _advancing.GetOrAdd(merchantId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Release(() => gate.Release());
    }

    public DateTimeOffset RealNow => time.GetUtcNow();

    private long CachedOffset(string merchantId)
    {
        var tick = Environment.TickCount64;
        if (_cache.TryGetValue(merchantId, out var entry) && entry.FreshUntilTicks > tick) return entry.OffsetMs;
        using var session = db.Sessions.Rent();
        var offset = session.SingleOrDefault<ClockRow>(OffsetSql, ("MerchantId", merchantId))?.OffsetMs ?? 0;
        Remember(merchantId, offset);
        return offset;
    }

    // Elapsed time, not the business clock: how long an entry is trusted has nothing to do with any test clock.
    private void Remember(string merchantId, long offsetMs) =>
        _cache[merchantId] = new Entry(offsetMs, Environment.TickCount64 + (long)CacheFor.TotalMilliseconds);

    private sealed class Release(Action release) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) release();
        }
    }

    /// <summary>The real time moved ahead by a fixed amount.</summary>
    private sealed class ShiftedTime(TimeProvider real, TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => real.GetUtcNow() + offset;
    }

    /// <summary>A time that stands still (a test clock while an advance runs the work of one due time).</summary>
    private sealed class FixedTime(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}
