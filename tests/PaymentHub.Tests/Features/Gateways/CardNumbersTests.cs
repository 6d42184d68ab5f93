using PaymentHub.Features.Gateways.Contracts;

namespace PaymentHub.Tests.Features.Gateways;

public sealed class CardNumbersTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("12/30", 12, 2030)]
    [InlineData("12 / 30", 12, 2030)]
    [InlineData("1/30", 1, 2030)]
    [InlineData("07/2031", 7, 2031)]
    [InlineData("1025", 10, 2025)]
    [InlineData("12/9999", 12, 9999)]
    public void ParseExpiry_ReadsTypedAndGatewayForms(string text, int month, int year) =>
        Assert.Equal((month, year), CardNumbers.ParseExpiry(text));

    [Theory]
    [InlineData("")]
    [InlineData("13/30")]
    [InlineData("00/30")]
    [InlineData("12/3")]
    [InlineData("12/203")]
    [InlineData("12-30")]
    [InlineData("123/30")]
    [InlineData("ab/cd")]
    public void ParseExpiry_RefusesWhatIsNotAnExpiry(string text) => Assert.Null(CardNumbers.ParseExpiry(text));

    [Theory]
    [InlineData(11, 2026, false)]
    [InlineData(12, 2026, false)]
    [InlineData(10, 2026, true)]
    [InlineData(12, 25, true)]
    [InlineData(1, 27, false)]
    [InlineData(12, 9999, false)]
    [InlineData(12, int.MaxValue, false)]
    public void IsExpired_GoodThroughTheLastDayOfTheMonth_ForAnyYear(int month, int year, bool expired) =>
        Assert.Equal(expired, CardNumbers.IsExpired(month, year, Now));

    [Theory]
    [InlineData(2046, false)]
    [InlineData(46, false)]
    [InlineData(2047, true)]
    [InlineData(9999, true)]
    public void IsTooFarAhead_MoreThanTwentyYears(int year, bool tooFar) => Assert.Equal(tooFar, CardNumbers.IsTooFarAhead(year, Now));

    [Theory]
    [InlineData("4242424242424242", true)]
    [InlineData("378282246310005", true)]
    [InlineData("4242424242424241", false)]
    [InlineData("42424242424", false)]
    [InlineData("42424242424242424242", false)]
    public void LuhnValid_ChecksLengthAndCheckDigit(string digits, bool valid) => Assert.Equal(valid, CardNumbers.LuhnValid(digits));

    [Theory]
    [InlineData("Jane Q Doe", "Jane Q", "Doe")]
    [InlineData("  Jane   Doe ", "Jane", "Doe")]
    [InlineData("Cher", "Cher", null)]
    [InlineData("   ", null, null)]
    [InlineData(null, null, null)]
    public void SplitName_LastWordIsTheLastName(string? name, string? first, string? last) =>
        Assert.Equal((first, last), CardNumbers.SplitName(name));
}
