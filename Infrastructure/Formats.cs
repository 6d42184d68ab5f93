using System.Globalization;

namespace PaymentHub.Infrastructure;

/// <summary>How times leave the API: ISO 8601 in UTC with six fractional digits, the form the API's existing clients parse.</summary>
public static class Formats
{
    public static string Timestamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static string Timestamp(long unixMs) => Timestamp(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));

    public static string? Timestamp(long? unixMs) => unixMs is { } ms ? Timestamp(ms) : null;
}
