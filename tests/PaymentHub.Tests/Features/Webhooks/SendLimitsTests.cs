using Microsoft.AspNetCore.Hosting;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Webhooks;

/// <summary>A slow receiver gets no more than its share of requests at once, and does not hold up other endpoints.</summary>
public sealed class SendLimitsTests
{
    private sealed class TwoPerEndpoint : PaymentHubFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("PaymentHub:Webhooks:MaxConcurrentSendsPerEndpoint", "2");
        }
    }

    [Fact]
    public async Task Deliver_ToASlowReceiver_KeepsTwoRequestsOutAtMost_WhileAnotherEndpointIsServed()
    {
        await using var app = new TwoPerEndpoint();
        await using var slow = await Hooks.StartAsync(app);
        await using var fast = await Hooks.StartAsync(app);
        var (current, peak) = (0, 0);
        slow.Receiver.Answer = _ =>
        {
            var now = Interlocked.Increment(ref current);
            lock (slow) peak = Math.Max(peak, now);
            Thread.Sleep(150);
            Interlocked.Decrement(ref current);
            return new WebhookReceiver.Reply();
        };
        for (var i = 0; i < 6; i++) await slow.EmitAsync("pi_" + Guid.NewGuid());
        await fast.EmitAsync("pi_" + Guid.NewGuid());

        await fast.DeliverAsync();

        Assert.Equal(6, slow.Receiver.Requests.Count);
        Assert.Equal(2, peak);
        Assert.Single(fast.Receiver.Requests);
        // The fast endpoint's event went out with the first claim, not after the slow endpoint's queue.
        Assert.True(fast.Receiver.Requests[0].Arrived < slow.Receiver.Requests[^1].Arrived);
    }
}
