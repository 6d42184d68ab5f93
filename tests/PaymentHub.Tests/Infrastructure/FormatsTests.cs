using System.Globalization;
using System.Numerics;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>The API's hand-written time and amount formats against the .NET formats they replace.</summary>
public sealed class FormatsTests
{
    private static string CustomTimestamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string DecimalAmount(long minor, int exponent) =>
        (minor / (decimal)BigInteger.Pow(10, exponent)).ToString("F" + exponent.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    [Fact]
    public void Timestamp_IsTheCustomFormat_ForMillisecondsTicksAndOffsets()
    {
        var random = new Random(11);
        var times = new List<DateTimeOffset>
        {
            DateTimeOffset.UnixEpoch, DateTimeOffset.MinValue, DateTimeOffset.MaxValue,
            new(2026, 11, 23, 8, 23, 53, 342, TimeSpan.Zero), new(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(5.5)),
            new(1999, 12, 31, 23, 59, 59, 999, TimeSpan.FromHours(-8)),
        };
        for (var i = 0; i < 10_000; i++)
        {
            times.Add(DateTimeOffset.FromUnixTimeMilliseconds(random.NextInt64(0, 253_402_300_799_999)));
            times.Add(new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay),
                TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60))));
        }
        foreach (var t in times) Assert.Equal(CustomTimestamp(t), Formats.Timestamp(t));
        Assert.Equal("1970-01-01T00:00:00.000000Z", Formats.Timestamp(0));
    }

    [Fact]
    public void Amount_IsTheDecimalFormat_ForEveryExponentAndSign()
    {
        var random = new Random(11);
        var values = new List<long> { 0, 1, -1, 5, -5, 80, 8000, 10, 99, 100, 101, 999_999, long.MaxValue, long.MinValue, long.MinValue + 1, -long.MaxValue };
        for (var i = 0; i < 5_000; i++)
        {
            values.Add(random.NextInt64(long.MinValue, long.MaxValue));
            values.Add(random.NextInt64(-1_000_000_000, 1_000_000_000));
            values.Add(random.Next(-1000, 1000));
        }
        for (var exponent = 0; exponent <= 18; exponent++)
            foreach (var minor in values)
                Assert.Equal(exponent == 0 ? minor.ToString(CultureInfo.InvariantCulture) : DecimalAmount(minor, exponent), Amounts.Format(minor, exponent));
        Assert.Equal("80.00", Amounts.Format(8000, 2));
        Assert.Equal("-0.05", Amounts.Format(-5, 2));
        Assert.Equal("1.234", Amounts.Format(1234, 3));
    }
}
