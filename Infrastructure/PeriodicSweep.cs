namespace PaymentHub.Infrastructure;

/// <summary>
/// Background work that runs every <c>PaymentHub:{setting}</c> seconds (0 turns it off). A failed
/// run is logged and retried on the next tick; the work itself must be safe to run twice.
/// </summary>
public abstract class PeriodicSweep(IConfiguration config, string setting, int defaultSeconds, ILogger logger) : BackgroundService
{
    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = config.GetValue($"PaymentHub:{setting}", defaultSeconds);
        if (seconds <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "{Sweep} failed; it runs again on the next tick", GetType().Name);
            }
        }
    }
}
