using System.Collections.Frozen;
using System.Globalization;
using System.Numerics;

namespace PaymentHub.Infrastructure.Money;

/// <summary>
/// Amounts as a customer reads them on an English page: "$80.00", "¥1,200", "€10.00", and the code
/// first ("KWD 1.234", "CHF 80.00") for a currency without a symbol of its own. The app runs with
/// invariant globalization, which carries no currency data, so the symbols are a table here: those
/// browsers write for English (<c>Intl.NumberFormat("en-US")</c>), where "$" is the US dollar and
/// other dollars say whose they are ("CA$", "A$"). The minor units are ISO 4217's.
/// </summary>
public static class MoneyDisplay
{
    private static readonly FrozenDictionary<string, string> Symbols = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["USD"] = "$", ["EUR"] = "€", ["GBP"] = "£", ["JPY"] = "¥", ["CNY"] = "CN¥", ["CAD"] = "CA$",
        ["AUD"] = "A$", ["NZD"] = "NZ$", ["HKD"] = "HK$", ["TWD"] = "NT$", ["MXN"] = "MX$", ["BRL"] = "R$",
        ["XCD"] = "EC$", ["INR"] = "₹", ["KRW"] = "₩", ["ILS"] = "₪", ["VND"] = "₫", ["PHP"] = "₱",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every code with a symbol, and its symbol.</summary>
    internal static IReadOnlyDictionary<string, string> Table => Symbols;

    /// <summary>The symbol written before amounts of <paramref name="code"/>, or null when the code itself is written.</summary>
    public static string? SymbolOf(string code) => Symbols.GetValueOrDefault(code);

    /// <summary>8000 USD → "$80.00"; 1200 JPY → "¥1,200"; 1234 KWD → "KWD 1.234"; -500 EUR → "-€5.00".</summary>
    public static string Format(long minor, Currency currency)
    {
        var number = Number(minor < 0 ? -(decimal)minor : minor, currency.Exponent);
        var text = SymbolOf(currency.Code) is { } symbol ? symbol + number : $"{currency.Code.ToUpperInvariant()} {number}";
        return minor < 0 ? "-" + text : text;
    }

    /// <summary>Digits grouped by thousands with commas, a point before exactly <paramref name="exponent"/> decimals.</summary>
    private static string Number(decimal minor, int exponent) =>
        (minor / (decimal)BigInteger.Pow(10, exponent)).ToString("N" + exponent.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
