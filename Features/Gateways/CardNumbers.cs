using System.Globalization;

namespace PaymentHub.Features.Gateways;

/// <summary>Card number and expiry helpers shared by the gateways. Nothing here stores or logs a number.</summary>
internal static class CardNumbers
{
    /// <summary>The digits of a typed number (spaces and dashes dropped); null when anything else is in it.</summary>
    public static string? Digits(string? number)
    {
        if (string.IsNullOrWhiteSpace(number)) return null;
        var digits = new char[number.Length];
        var n = 0;
        foreach (var c in number)
        {
            if (c is ' ' or '-') continue;
            if (c is < '0' or > '9') return null;
            digits[n++] = c;
        }
        return n == 0 ? null : new string(digits, 0, n);
    }

    public static bool LuhnValid(string digits)
    {
        if (digits.Length is < 12 or > 19) return false;
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    /// <summary>visa, mastercard, amex, discover or unknown, from the leading digits (a masked number works too).</summary>
    public static string BrandOf(string? leadingDigits)
    {
        if (string.IsNullOrEmpty(leadingDigits)) return "unknown";
        int Prefix(int length) =>
            leadingDigits.Length >= length && int.TryParse(leadingDigits.AsSpan(0, length), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : -1;

        if (leadingDigits[0] == '4') return "visa";
        if (Prefix(2) is 34 or 37) return "amex";
        if (Prefix(2) is >= 51 and <= 55 || Prefix(4) is >= 2221 and <= 2720) return "mastercard";
        if (Prefix(4) == 6011 || Prefix(2) == 65 || Prefix(3) is >= 644 and <= 649 || Prefix(6) is >= 622126 and <= 622925) return "discover";
        return "unknown";
    }

    public static string Last4(string digits) => digits.Length >= 4 ? digits[^4..] : digits;

    /// <summary>A four-digit year for a year typed with two or four digits.</summary>
    public static int FullYear(int year) => year < 100 ? 2000 + year : year;

    /// <summary>"MM/YY", as the contract's CardExpiry and vaulted_cards store it.</summary>
    public static string Expiry(int month, int year) =>
        $"{month.ToString("00", CultureInfo.InvariantCulture)}/{(FullYear(year) % 100).ToString("00", CultureInfo.InvariantCulture)}";

    /// <summary>Parses "MM/YY" (or NMI's "MMYY"); null when it is not one.</summary>
    public static (int Month, int Year)? ParseExpiry(string? expiry)
    {
        if (string.IsNullOrEmpty(expiry)) return null;
        var compact = expiry.Replace("/", "", StringComparison.Ordinal);
        if (compact.Length != 4
            || !int.TryParse(compact.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            || !int.TryParse(compact.AsSpan(2, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || month is < 1 or > 12)
            return null;
        return (month, 2000 + year);
    }

    /// <summary>A card is good through the last day of its expiry month.</summary>
    public static bool IsExpired(int month, int year, DateTimeOffset now)
    {
        var firstDayAfter = new DateTimeOffset(FullYear(year), month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        return now >= firstDayAfter;
    }
}
