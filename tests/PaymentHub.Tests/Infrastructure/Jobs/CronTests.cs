using Hangfire;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Tests.Infrastructure.Jobs;

public sealed class CronTests
{
    [Theory]
    [InlineData(1, "* * * * * *")]
    [InlineData(5, "*/5 * * * * *")]
    [InlineData(60, "* * * * *")]
    [InlineData(300, "*/5 * * * *")]
    [InlineData(3600, "0 * * * *")]
    [InlineData(7200, "0 */2 * * *")]
    [InlineData(86_400, "0 0 * * *")]
    public void CronEvery_GivesHangfireAnExpressionForTheInterval(int seconds, string cron)
    {
        Assert.Equal(cron, JobsSetup.CronEvery(seconds));
        // Hangfire parses the expression when a recurring job is added, and throws on one it can't read.
        IRecurringJobManager manager = new RecurringJobManager(new Hangfire.InMemory.InMemoryStorage());
        manager.AddOrUpdate("cron-test", () => Console.WriteLine(), cron);
        Assert.Throws<ArgumentException>(() => manager.AddOrUpdate("cron-test", () => Console.WriteLine(), "*/5 * *"));
    }

    [Fact]
    public void CronEvery_RefusesZero() => Assert.Throws<ArgumentOutOfRangeException>(() => JobsSetup.CronEvery(0));
}
