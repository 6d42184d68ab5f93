using System.Globalization;

namespace PaymentHub.Infrastructure.Http;

/// <summary>Times in query strings and bodies: an ISO 8601 date (2026-01-31, UTC) or date and time (2026-01-31T12:00:00Z).</summary>
public static class IsoTimes
{
    public const string Hint = "use ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z";

    /// <summary>
    /// Unix ms for the text, or null when it is neither. As the upper end of a range
    /// (<paramref name="endOfDay"/>), a bare date includes that whole day and a time includes its millisecond.
    /// </summary>
    public static long? Parse(string text, bool endOfDay)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return (endOfDay ? start.AddDays(1) : start).ToUnixTimeMilliseconds();
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return endOfDay ? t.ToUnixTimeMilliseconds() + 1 : t.ToUnixTimeMilliseconds();
        return null;
    }
}
