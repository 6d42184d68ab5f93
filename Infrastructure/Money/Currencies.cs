using System.Globalization;
using System.Numerics;

namespace PaymentHub.Infrastructure.Money;

public sealed record Currency(string Code, int Exponent, bool Payable, string Name);

/// <summary>ISO 4217 codes and their minor units, from the currency-codes 2.2.0 data set.</summary>
public sealed class Currencies
{
    private readonly Dictionary<string, Currency> _byCode;

    public Currencies(IEnumerable<Currency> currencies) =>
        _byCode = currencies.ToDictionary(c => c.Code, StringComparer.OrdinalIgnoreCase);

    public static Currencies LoadEmbedded()
    {
        using var stream = typeof(Currencies).Assembly.GetManifestResourceStream("iso4217.csv")
            ?? throw new InvalidOperationException("The ISO 4217 table is missing from the build.");
        using var reader = new StreamReader(stream);
        var list = new List<Currency>();
        reader.ReadLine(); // header: code,number,minor_units,payable,name
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            var parts = line.Split(',', 5);
            list.Add(new Currency(parts[0], int.Parse(parts[2], CultureInfo.InvariantCulture), parts[3] == "true", parts[4]));
        }
        return new Currencies(list);
    }

    /// <summary>A currency a payment can be made in; null for unknown codes, metals, funds and test codes.</summary>
    public Currency? FindPayable(string? code) =>
        code is not null && _byCode.TryGetValue(code.Trim(), out var c) && c.Payable ? c : null;

    public Currency Get(string code) => _byCode[code];
}

/// <summary>Conversions between integer minor units and the decimal strings of the API.</summary>
public static class Amounts
{
    public static long ToMinor(decimal major, int exponent) =>
        (long)(major * (decimal)BigInteger.Pow(10, exponent));

    /// <summary>1234 USD → "12.34"; 80 JPY → "80"; 1234 KWD → "1.234".</summary>
    public static string Format(long minor, int exponent)
    {
        if (exponent == 0) return minor.ToString(CultureInfo.InvariantCulture);
        if (exponent <= 18 && minor != long.MinValue) return FormatScaled(minor, exponent);
        var value = minor / (decimal)BigInteger.Pow(10, exponent);
        return value.ToString("F" + exponent.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// What the decimal division and "F" format above write, in integer arithmetic: every amount of
    /// every answer goes through here, and BigInteger.Pow, the decimal division and the format string
    /// were most of a GET's formatting (FormatsTests compares the two).
    /// </summary>
    private static string FormatScaled(long minor, int exponent)
    {
        long scale = 1;
        for (var i = 0; i < exponent; i++) scale *= 10;
        var magnitude = Math.Abs(minor);
        Span<char> text = stackalloc char[48];
        var length = 0;
        if (minor < 0) text[length++] = '-';
        (magnitude / scale).TryFormat(text[length..], out var whole, provider: CultureInfo.InvariantCulture);
        length += whole;
        text[length++] = '.';
        var fraction = magnitude % scale;
        for (var i = length + exponent - 1; i >= length; i--)
        {
            text[i] = (char)('0' + fraction % 10);
            fraction /= 10;
        }
        return new string(text[..(length + exponent)]);
    }
}
