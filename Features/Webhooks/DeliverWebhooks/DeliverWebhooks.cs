using Hangfire;
using PaymentHub.Infrastructure.Jobs;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// Recurring job: sends every webhook delivery that is due — retries whose time has come, and
/// anything a fast-path job missed (a restart, a kill -9, another instance's lapsed lease). The
/// deliveries table says what is due, so a missed run is made up by the next one.
/// </summary>
[DisableConcurrentExecution(timeoutInSeconds: 60)]
[AutomaticRetry(Attempts = 0)]
public sealed class DeliverWebhooks(WebhookDispatcher dispatcher) : IRecurringJob
{
    public const string JobId = "deliver-webhooks";

    public Task RunAsync(CancellationToken ct) => dispatcher.RunAsync(WebhookDispatcher.ShortRun, ct);
}

/// <summary>
/// Fire-and-forget job, enqueued right after a commit that created deliveries, so they go out at
/// once instead of at the next recurring run. Losing it loses nothing: the rows are still due.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class DeliverWebhooksNow(WebhookDispatcher dispatcher)
{
    public Task RunAsync(CancellationToken ct) => dispatcher.RunAsync(WebhookDispatcher.LongRun, ct);
}
