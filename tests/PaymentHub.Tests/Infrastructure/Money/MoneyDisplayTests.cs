using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Tests.Infrastructure.Money;

/// <summary>Amounts as the checkout shows them to customers: the symbol table, ISO 4217's minor units, and the code where no symbol fits.</summary>
public sealed class MoneyDisplayTests
{
    private static readonly Currencies Iso = Currencies.LoadEmbedded();

    [Theory]
    [InlineData(8000, "USD", "$80.00")]
    [InlineData(123456789, "USD", "$1,234,567.89")]
    [InlineData(5, "USD", "$0.05")]
    [InlineData(0, "USD", "$0.00")]
    [InlineData(1200, "JPY", "¥1,200")]
    [InlineData(80, "JPY", "¥80")]
    [InlineData(1000, "EUR", "€10.00")]
    [InlineData(1999, "GBP", "£19.99")]
    [InlineData(150000, "KRW", "₩150,000")]
    [InlineData(8000, "CAD", "CA$80.00")]
    [InlineData(8000, "AUD", "A$80.00")]
    [InlineData(8000, "CNY", "CN¥80.00")]
    [InlineData(249900, "INR", "₹2,499.00")]
    [InlineData(1234, "KWD", "KWD 1.234")]
    [InlineData(1234567, "BHD", "BHD 1,234.567")]
    [InlineData(8000, "CHF", "CHF 80.00")]
    [InlineData(123456, "SEK", "SEK 1,234.56")]
    [InlineData(1200, "ISK", "ISK 1,200")]
    [InlineData(-500, "EUR", "-€5.00")]
    public void Format_WritesTheSymbolOrTheCode_WithTheCurrencysMinorUnits(long minor, string code, string expected) =>
        Assert.Equal(expected, MoneyDisplay.Format(minor, Iso.Get(code)));

    [Fact]
    public void Format_OfAFourDecimalUnit_KeepsAllFourDecimals() =>
        Assert.Equal("CLF 1.2345", MoneyDisplay.Format(12345, Iso.Get("CLF")));

    [Fact]
    public void EverySymbol_BelongsToAPayableCurrency_AndNoTwoShareOne()
    {
        Assert.All(MoneyDisplay.Table, s => Assert.NotNull(Iso.FindPayable(s.Key)));
        Assert.Equal(MoneyDisplay.Table.Count, MoneyDisplay.Table.Values.Distinct().Count());
        Assert.Null(MoneyDisplay.SymbolOf("KWD"));
    }
}
