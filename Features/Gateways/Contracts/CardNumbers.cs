using System.Globalization;

namespace PaymentHub.Features.Gateways.Contracts;

/// <summary>
/// Card number, expiry and cardholder-name helpers: what the checkout form checks and what the
/// gateways send are read the same way. Nothing here stores or logs a number.
/// </summary>
public static class CardNumbers
{
    /// <summary>How far ahead an expiry year may be; cards are issued for a few years, so more is a typing mistake.</summary>
    public const int MaxYearsAhead = 20;

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

    /// <summary>A card number's length (12 to 19 digits) and check digit are right.</summary>
    public static bool LuhnValid(string digits)
    {
        if (digits.Length is < 12 or > 19) return false;
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (d is < 0 or > 9) return false;
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

    /// <summary>
    /// Reads an expiry as people type it ("MM/YY", "MM/YYYY", spaces allowed) or as NMI sends it
    /// ("MMYY"); the year comes back with four digits. Null when it is none of these or the month is not 1–12.
    /// </summary>
    public static (int Month, int Year)? ParseExpiry(string? expiry)
    {
        if (string.IsNullOrWhiteSpace(expiry)) return null;
        var text = expiry.Replace(" ", "", StringComparison.Ordinal);
        var slash = text.IndexOf('/');
        var (monthText, yearText) = slash >= 0
            ? (text[..slash], text[(slash + 1)..])
            : text.Length == 4 ? (text[..2], text[2..]) : ("", "");
        if (monthText.Length is < 1 or > 2 || yearText.Length is not (2 or 4)
            || !int.TryParse(monthText, NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            || !int.TryParse(yearText, NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || month is < 1 or > 12)
            return null;
        return (month, yearText.Length == 2 ? 2000 + year : year);
    }

    /// <summary>A card is good through the last day of its expiry month. Compared as numbers: any year is safe.</summary>
    public static bool IsExpired(int month, int year, DateTimeOffset now)
    {
        var full = FullYear(year);
        return full < now.Year || (full == now.Year && month < now.Month);
    }

    /// <summary>The expiry year is further ahead than any card is issued for (<see cref="MaxYearsAhead"/>).</summary>
    public static bool IsTooFarAhead(int year, DateTimeOffset now) => FullYear(year) - now.Year > MaxYearsAhead;

    /// <summary>
    /// A cardholder name as a gateway wants it: everything before the last space is the first name,
    /// the last word the last name; a single word is a first name only.
    /// </summary>
    public static (string? First, string? Last) SplitName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return (null, null);
        var trimmed = name.Trim();
        var space = trimmed.LastIndexOf(' ');
        return space > 0 ? (trimmed[..space].TrimEnd(), trimmed[(space + 1)..]) : (trimmed, null);
    }
}
