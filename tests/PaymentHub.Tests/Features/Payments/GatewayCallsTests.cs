using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Gateways;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Payments;
using PaymentHub.Infrastructure.Money;
using PaymentHub.Tests.Features.Gateways;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

/// <summary>The one gateway-call wrapper: what a throw, a lost answer and a slow gateway become.</summary>
public sealed class GatewayCallsTests(GatewayCallsTests.ThrowingGatewayFactory app) : IClassFixture<GatewayCallsTests.ThrowingGatewayFactory>
{
    private static readonly Currency Usd = Currencies.LoadEmbedded().Get("USD");
    private readonly CapturingLogger<GatewayCalls> _log = new();

    /// <summary>A gateway whose answers the test writes.</summary>
    private sealed class ScriptedGateway(TimeSpan timeout) : IGateway
    {
        public Func<CancellationToken, Task<GatewayResult>> Sale { get; init; } = _ => Task.FromResult(new GatewayResult(GatewayOutcome.Approved, "txn_1"));
        public Func<CancellationToken, Task<GatewayResult>> Query { get; init; } = _ => Task.FromResult(new GatewayResult(GatewayOutcome.Error, DeclineCode: "not_found"));
        public int Queries { get; private set; }

        public string Name => "scripted";
        public TimeSpan Timeout => timeout;
        public Task<GatewayResult> SaleAsync(GatewayPayment payment, CancellationToken ct) => Sale(ct);
        public Task<GatewayResult> AuthorizeAsync(GatewayPayment payment, CancellationToken ct) => Sale(ct);
        public Task<GatewayResult> CaptureAsync(string transactionId, long amount, Currency currency, CancellationToken ct) => Sale(ct);
        public Task<GatewayResult> VoidAsync(string transactionId, CancellationToken ct) => Sale(ct);
        public Task<GatewayResult> RefundAsync(string transactionId, long amount, Currency currency, string orderId, CancellationToken ct) => Sale(ct);

        public Task<GatewayResult> QueryAsync(GatewayLookup lookup, CancellationToken ct)
        {
            Queries++;
            return Query(ct);
        }
    }

    private static GatewayPayment Payment() =>
        new("ord_calls", 1000, Usd, new PaymentSource(Card: new CardDetails("4242424242424242", 12, 2030, "123", "Jane")));

    private Task<GatewayResult> SendAsync(ScriptedGateway gateway) =>
        new GatewayCalls(_log).SendAsync(gateway, GatewayLookup.Charge("ord_calls"), ct => gateway.SaleAsync(Payment(), ct));

    [Fact]
    public async Task Send_WhenTheGatewayThrows_IsAFailedAttemptThatWasNotSent_AndNothingIsAsked()
    {
        var gateway = new ScriptedGateway(TimeSpan.FromSeconds(5)) { Sale = _ => throw new ArgumentOutOfRangeException("year") };

        var result = await SendAsync(gateway);

        Assert.Equal((GatewayOutcome.Error, GatewayCalls.NotSent), (result.Outcome, result.DeclineCode));
        Assert.Contains("No money was taken", result.Message);
        Assert.Equal(0, gateway.Queries);
        Assert.Contains("failed in our own code before anything was sent", _log.All);
        Assert.Contains("ArgumentOutOfRangeException", _log.All);
    }

    [Fact]
    public async Task Send_WhenTheAnswerIsLost_AsksAtOnce_AndTakesWhatTheGatewayFound()
    {
        var gateway = new ScriptedGateway(TimeSpan.FromSeconds(5))
        {
            Sale = _ => Task.FromResult(new GatewayResult(GatewayOutcome.Unknown)),
            Query = _ => Task.FromResult(new GatewayResult(GatewayOutcome.Approved, "txn_found")),
        };

        var result = await SendAsync(gateway);

        Assert.Equal((GatewayOutcome.Approved, "txn_found"), (result.Outcome, result.TransactionId));
        Assert.Equal(1, gateway.Queries);
        Assert.Contains("Gateway scripted order ord_calls charge query: Approved", _log.All);
    }

    [Theory]
    [InlineData("not_found")]
    [InlineData("authentication_failed")]
    public async Task Send_WhenTheAnswerIsLost_AndTheGatewayCannotSayYet_StaysUnknown(string queryCode)
    {
        var gateway = new ScriptedGateway(TimeSpan.FromSeconds(5))
        {
            Sale = _ => Task.FromResult(new GatewayResult(GatewayOutcome.Unknown)),
            Query = _ => Task.FromResult(new GatewayResult(GatewayOutcome.Error, DeclineCode: queryCode)),
        };

        Assert.Equal(GatewayOutcome.Unknown, (await SendAsync(gateway)).Outcome);
    }

    [Fact]
    public async Task Send_GivesTheGatewayATokenCancelledAtItsTimeout()
    {
        var gateway = new ScriptedGateway(TimeSpan.FromMilliseconds(200))
        {
            Sale = async ct =>
            {
                try { await Task.Delay(Timeout.Infinite, ct); }
                catch (OperationCanceledException) { }
                return new GatewayResult(GatewayOutcome.Unknown, Message: "given up");
            },
        };
        var watch = Stopwatch.StartNew();

        var result = await SendAsync(gateway);

        Assert.Equal(GatewayOutcome.Unknown, result.Outcome);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Send_WhenTheGatewayIgnoresItsTimeout_StopsWaiting_AndTheAnswerCountsAsLost()
    {
        var stuck = new TaskCompletionSource<GatewayResult>();
        var gateway = new ScriptedGateway(TimeSpan.FromMilliseconds(100)) { Sale = _ => stuck.Task };
        var watch = Stopwatch.StartNew();

        var result = await SendAsync(gateway);

        Assert.Equal(GatewayOutcome.Unknown, result.Outcome);
        Assert.InRange(watch.Elapsed, GatewayCalls.Grace, GatewayCalls.Grace + TimeSpan.FromSeconds(3));
        Assert.Equal(1, gateway.Queries);
        stuck.SetResult(new GatewayResult(GatewayOutcome.Approved));
    }

    [Fact]
    public async Task Query_WhenTheGatewayThrows_IsUnknown_NeverAnOutcome()
    {
        var gateway = new ScriptedGateway(TimeSpan.FromSeconds(5)) { Query = _ => throw new InvalidOperationException("bug") };

        var result = await new GatewayCalls(_log).QueryAsync(gateway, GatewayLookup.Refund("ord_re", "txn_1"));

        Assert.Equal(GatewayOutcome.Unknown, result.Outcome);
    }

    /// <summary>The app with a test-mode gateway whose charges fail in our own code before anything is sent.</summary>
    public sealed class ThrowingGatewayFactory : PaymentHubFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<IGatewayResolver>(sp =>
                new ThrowingResolver(sp.GetRequiredService<GatewayResolver>())));
        }

        private sealed class ThrowingResolver(IGatewayResolver inner) : IGatewayResolver
        {
            public async Task<IGateway> ForAsync(string merchantId, string mode, CancellationToken ct) =>
                new ThrowingGateway(await inner.ForAsync(merchantId, mode, ct));
        }

        private sealed class ThrowingGateway(IGateway inner) : IGateway
        {
            public string Name => inner.Name;
            public TimeSpan Timeout => inner.Timeout;
            public Task<GatewayResult> SaleAsync(GatewayPayment payment, CancellationToken ct) => throw new ArgumentOutOfRangeException(nameof(payment));
            public Task<GatewayResult> AuthorizeAsync(GatewayPayment payment, CancellationToken ct) => throw new ArgumentOutOfRangeException(nameof(payment));
            public Task<GatewayResult> CaptureAsync(string transactionId, long amount, Currency currency, CancellationToken ct) => inner.CaptureAsync(transactionId, amount, currency, ct);
            public Task<GatewayResult> VoidAsync(string transactionId, CancellationToken ct) => inner.VoidAsync(transactionId, ct);
            public Task<GatewayResult> RefundAsync(string transactionId, long amount, Currency currency, string orderId, CancellationToken ct) =>
                inner.RefundAsync(transactionId, amount, currency, orderId, ct);
            public Task<GatewayResult> QueryAsync(GatewayLookup lookup, CancellationToken ct) => inner.QueryAsync(lookup, ct);
        }
    }

    [Fact]
    public async Task Pay_WhenTheGatewayThrowsBeforeSending_FailsTheAttemptAtOnce_WithAClearMessage()
    {
        var checkout = new Checkout(app);
        var (id, path) = await checkout.CreateAsync(new IntentBuilder());

        var response = await checkout.PayAsync(checkout.Browser(), path);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("could not be sent to the bank because of an error on our side. No money was taken", html);
        Assert.Contains("id=\"pay-form\"", html);
        var intent = await checkout.IntentAsync(id);
        Assert.Equal("requires_payment", (string)intent["status"]!);
        var charge = Assert.Single(intent["charges"]!.AsArray())!;
        Assert.Equal(("failed", "not_sent"), ((string)charge["status"]!, (string)charge["failure_code"]!));
        Assert.Single(await checkout.EventsAsync(id), e => e.Type == "payment.failed");
        Assert.Contains("failed in our own code before anything was sent", app.Logs.All);
    }
}
