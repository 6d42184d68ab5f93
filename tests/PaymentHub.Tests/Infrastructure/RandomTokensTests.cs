using PaymentHub.Infrastructure;

namespace PaymentHub.Tests.Infrastructure;

public sealed class RandomTokensTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TimeOrdered_Tokens_SortByteWiseInCreationOrder()
    {
        // Each a later millisecond, in steps from one millisecond to years, so every character the time fills changes.
        var times = Enumerable.Range(0, 2_000).Select(i => Start.AddMilliseconds(i + (long)Math.Pow(1.015, i))).ToList();

        var tokens = times.Select(RandomTokens.NewTimeOrdered).ToList();

        Assert.Equal(tokens, tokens.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TimeOrdered_Tokens_AreUrlSafe_AndRandomBeyondTheTime()
    {
        var tokens = Enumerable.Range(0, 1_000).Select(_ => RandomTokens.NewTimeOrdered(Start)).ToList();

        Assert.All(tokens, t => Assert.Matches("^[A-Za-z0-9_-]{32}$", t));
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        // Same millisecond: the first 8 characters (48 bits) are the time, the other 24 (144 bits) differ.
        Assert.Single(tokens.Select(t => t[..8]).Distinct());
        for (var position = 8; position < 32; position++)
            Assert.True(tokens.Select(t => t[position]).Distinct().Count() > 40, $"character {position} is not random");
    }
}
