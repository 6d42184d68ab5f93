namespace PaymentHub.Features.Payments.SettleCharges;

/// <summary>
/// Settles charges left pending or unknown (a lost gateway answer, a crash between the gateway
/// call and recording its outcome) by asking the gateway, every
/// <c>PaymentHub:SettleIntervalSeconds</c> (default 60; 0 turns it off). Safe to run in several
/// processes: recording an outcome only takes effect on a charge still pending or unknown.
/// </summary>
internal sealed class ChargeSettlement(PaymentService payments, IConfiguration config, ILogger<ChargeSettlement> logger) : BackgroundService
{
    // Younger charges may still be waiting for their answer in the request that made them.
    private static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(1);
    private const int Batch = 50;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = config.GetValue("PaymentHub:SettleIntervalSeconds", 60);
        if (seconds <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var settled = await payments.SettleAsync(MinimumAge, Batch, stoppingToken);
                if (settled > 0) logger.LogInformation("Settled {Count} charges with their gateway", settled);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Settling charges failed; will retry on the next tick");
            }
        }
    }
}
