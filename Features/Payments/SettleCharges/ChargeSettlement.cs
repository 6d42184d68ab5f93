using PaymentHub.Infrastructure;

namespace PaymentHub.Features.Payments.SettleCharges;

/// <summary>
/// Settles charges left pending or unknown (a lost gateway answer, a crash between the gateway
/// call and recording its outcome) by asking the gateway, every
/// <c>PaymentHub:SettleIntervalSeconds</c> (default 60; 0 turns it off). Safe to run in several
/// processes: recording an outcome only takes effect on a charge still pending or unknown.
/// </summary>
internal sealed class ChargeSettlement(PaymentService payments, IConfiguration config, ILogger<ChargeSettlement> logger)
    : PeriodicSweep(config, "SettleIntervalSeconds", 60, logger)
{
    // Younger charges may still be waiting for their answer in the request that made them.
    private static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(1);
    private const int Batch = 50;
    private readonly ILogger _logger = logger;

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var settled = await payments.SettleAsync(MinimumAge, Batch, ct);
        if (settled > 0) _logger.LogInformation("Settled {Count} charges with their gateway", settled);
    }
}
