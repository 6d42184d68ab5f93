using Hangfire;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Features.Payments;

/// <summary>
/// Recurring job: settles gateway calls whose answer was lost (or whose outcome was never recorded,
/// after a crash) by asking the gateway what became of them: charges, refunds, captures and voids.
/// Our tables say what is open (a row pending or unknown), so a restart loses nothing; recording an
/// outcome only takes effect on a row still open, so two runs never settle twice.
/// </summary>
[DisableConcurrentExecution(timeoutInSeconds: 60)]
[AutomaticRetry(Attempts = 0)]
public sealed class SettlePayments(PaymentService payments, ILogger<SettlePayments> logger) : IRecurringJob
{
    public const string JobId = "settle-payments";
    // Younger calls may still be waiting for their answer in the request that made them.
    public static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(1);
    public const int Batch = 50;

    public async Task RunAsync(CancellationToken ct)
    {
        var settled = await payments.SettleAsync(MinimumAge, Batch, ct);
        if (settled > 0) logger.LogInformation("Settled {Count} gateway calls", settled);
    }
}
