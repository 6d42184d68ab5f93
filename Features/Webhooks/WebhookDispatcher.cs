using System.Collections.Concurrent;
using System.Diagnostics;
using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// Sends what is due in webhook_deliveries. The table decides what is due (pending, next_attempt_at
/// passed, no live lease, no earlier event of the same intent still pending for the same endpoint);
/// a run claims due rows with a lease in the same transaction that found them, so two runs — in
/// this process or another on the same database — never send the same attempt. Runs happen inside
/// Hangfire jobs: the recurring <see cref="DeliverWebhooks"/> and the fire-and-forget
/// <see cref="DeliverWebhooksNow"/> that <see cref="Notify"/> enqueues after a commit created deliveries.
/// One run at a time per process keeps many attempts in flight (async HTTP), and a run in progress
/// is woken to claim new work at once.
/// </summary>
public sealed class WebhookDispatcher(
    DbWriter writer, WebhookSender sender, IOptions<WebhookOptions> options, TimeProvider clock, IBackgroundJobClient jobs,
    ILogger<WebhookDispatcher> logger)
{
    /// <summary>The retry schedule: after the nth failed attempt, wait Delays[n-1]; after the tenth, the delivery is dead.</summary>
    public static readonly IReadOnlyList<TimeSpan> Delays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24),
    ];

    public static int MaxAttempts => Delays.Count + 1;

    /// <summary>An endpoint whose attempts have all failed for this long is disabled.</summary>
    public static readonly TimeSpan FailingLimit = TimeSpan.FromDays(3);

    /// <summary>A receiver's Retry-After is honoured up to this long.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(24);

    /// <summary>How long a fire-and-forget run keeps claiming before it hands on to a fresh job, so no job holds a worker for good.</summary>
    public static readonly TimeSpan LongRun = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a recurring run keeps claiming. Short, because the next occurrence waits for it (the
    /// job never overlaps itself) on a worker the other jobs need; work left over goes to a fresh job.
    /// </summary>
    public static readonly TimeSpan ShortRun = TimeSpan.FromSeconds(2);

    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private long _claims;
    // 1 while a run is going in this process.
    private int _running;
    // 1 when work may have arrived since the run's last claim.
    private int _wanted;
    // When a DeliverWebhooksNow job was last enqueued and has not started yet (Environment.TickCount64), else 0.
    private long _queuedAt;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// New deliveries were committed: wake the run in progress, or enqueue a job to start one
    /// (unless one was enqueued moments ago and has not started yet; it will see them).
    /// </summary>
    public void Notify()
    {
        Interlocked.Exchange(ref _wanted, 1);
        if (Volatile.Read(ref _running) == 1)
        {
            Volatile.Read(ref _wake).TrySetResult();
            return;
        }
        var queued = Interlocked.Read(ref _queuedAt);
        var now = Environment.TickCount64;
        if (queued != 0 && now - queued < 5_000) return;
        if (Interlocked.CompareExchange(ref _queuedAt, now, queued) != queued) return;
        jobs.Enqueue<DeliverWebhooksNow>(job => job.RunAsync(CancellationToken.None));
    }

    /// <summary>
    /// Sends everything due now, until nothing is due and nothing is in flight, claiming for at
    /// most <paramref name="claimFor"/>; returns the number of attempts made. When a run is already
    /// going in this process, it is woken instead and this returns 0 at once.
    /// </summary>
    public async Task<int> RunAsync(TimeSpan claimFor, CancellationToken ct)
    {
        Interlocked.Exchange(ref _queuedAt, 0);
        Interlocked.Exchange(ref _wanted, 1);
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            Volatile.Read(ref _wake).TrySetResult();
            return 0;
        }
        var attempts = 0;
        var budget = Stopwatch.StartNew();
        while (true)
        {
            bool finished;
            try
            {
                var (made, done) = await PumpAsync(budget, claimFor, ct);
                attempts += made;
                finished = done;
            }
            finally
            {
                Interlocked.Exchange(ref _running, 0);
            }
            if (!finished)
            {
                // Out of time with work left: a fresh job carries on, and other jobs get the worker meanwhile.
                if (!ct.IsCancellationRequested) Notify();
                return attempts;
            }
            // Work committed after the last claim and before _running was cleared would otherwise wait for the next recurring run.
            if (Volatile.Read(ref _wanted) == 0 || Interlocked.CompareExchange(ref _running, 1, 0) != 0) return attempts;
        }
    }

    /// <summary>
    /// Claims and sends until nothing more is due (true) or the budget is spent (false). An attempt
    /// holds one of the run's slots until its outcome is committed; it counts against its endpoint's
    /// share only while its request is out.
    /// </summary>
    private async Task<(int Attempts, bool Finished)> PumpAsync(Stopwatch budget, TimeSpan claimFor, CancellationToken ct)
    {
        var settings = options.Value;
        var max = Math.Max(1, settings.MaxConcurrentSends);
        var perEndpoint = Math.Max(1, settings.MaxConcurrentSendsPerEndpoint);
        var inFlight = new List<Task>();
        var sending = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var attempts = 0;
        var more = true;
        while (true)
        {
            // Take the wake-up before reading _wanted: a Notify after the read completes this very task.
            var wake = Volatile.Read(ref _wake);
            if (wake.Task.IsCompleted)
            {
                wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _wake, wake);
            }
            if (Interlocked.Exchange(ref _wanted, 0) == 1) more = true;
            var overBudget = budget.Elapsed > claimFor || ct.IsCancellationRequested;
            var room = max - inFlight.Count;
            // Claim in batches: when half the slots are free, not after every single answer.
            if (more && !overBudget && (inFlight.Count == 0 || room >= max / 2))
            {
                var claimed = await ClaimAsync(room, sending, perEndpoint);
                more = claimed.Count == room;
                foreach (var d in claimed)
                {
                    sending.AddOrUpdate(d.EndpointId, 1, (_, n) => n + 1);
                    inFlight.Add(AttemptAsync(d, () =>
                    {
                        // An endpoint that was at its share can take more now, while earlier outcomes are still being committed.
                        if (sending.AddOrUpdate(d.EndpointId, 0, (_, n) => n - 1) == perEndpoint - 1) Notify();
                    }));
                }
            }
            if (inFlight.Count == 0)
            {
                if (overBudget) return (attempts, !more && Volatile.Read(ref _wanted) == 0);
                if (Volatile.Read(ref _wanted) == 1) continue;
                return (attempts, true);
            }
            var first = await Task.WhenAny(inFlight.Append(wake.Task));
            if (first == wake.Task) continue;
            // Each outcome may free a slot or let the next event of the same intent go.
            more = true;
            attempts += inFlight.RemoveAll(t => t.IsCompleted);
        }
    }

    /// <summary>A delivery with what it takes to send it; <see cref="DueSql"/> and <see cref="ByIdSql"/> add the WHERE.</summary>
    private const string ClaimedSelect = """
        SELECT d.id AS Id, d.endpoint_id AS EndpointId, d.attempts AS Attempts, e.id AS EventId, e.type AS EventType, e.payload AS Payload,
               w.url AS Url, w.mode AS Mode, w.secret_protected AS SecretProtected, w.previous_secret_protected AS PreviousSecretProtected,
               w.previous_secret_expires_at AS PreviousSecretExpiresAt, w.x_signature AS XSignature
        FROM webhook_deliveries d
        JOIN events e ON e.seq = d.event_seq
        JOIN webhook_endpoints w ON w.id = d.endpoint_id
        """;

    public const string ByIdSql = ClaimedSelect + " WHERE d.id = @Id";

    private const string DueSql = ClaimedSelect + """

        WHERE d.status = 'pending' AND d.next_attempt_at <= @Now
          AND (d.locked_until IS NULL OR d.locked_until <= @Now)
          AND d.endpoint_id NOT IN @Busy
          AND NOT EXISTS (
              SELECT 1 FROM webhook_deliveries p
              WHERE p.endpoint_id = d.endpoint_id AND p.intent_id = d.intent_id AND p.event_seq < d.event_seq AND p.status = 'pending')
        ORDER BY d.next_attempt_at, d.id
        LIMIT @Limit
        """;

    private const string LeaseSql = "UPDATE webhook_deliveries SET locked_until = @Until, locked_by = @Token WHERE id IN @Ids";

    /// <summary>A claim token no other claim, in this process or another, ever had.</summary>
    public string NewToken() => $"{_owner}:{Interlocked.Increment(ref _claims)}";

    /// <summary>
    /// Finds up to <paramref name="limit"/> due deliveries and leases them, in one transaction; no
    /// endpoint gets more than <paramref name="perEndpoint"/> requests out, counting those <paramref name="sending"/>.
    /// </summary>
    private Task<List<ClaimedDelivery>> ClaimAsync(int limit, IReadOnlyDictionary<string, int> sending, int perEndpoint)
    {
        var token = NewToken();
        var lease = options.Value.Lease;
        var counts = sending.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        var full = counts.Where(e => e.Value >= perEndpoint).Select(e => e.Key).ToList();
        return writer.WriteAsync(async tx =>
        {
            var now = clock.GetUtcNow();
            var taken = new Dictionary<string, int>(counts, StringComparer.Ordinal);
            var due = (await tx.Connection.QueryAsync<ClaimedDelivery>(tx.Connection.Lists(DueSql),
                    new { Now = now.ToUnixTimeMilliseconds(), Busy = full.ToArray(), Limit = limit }, tx.Transaction))
                .Where(d => (taken[d.EndpointId] = taken.GetValueOrDefault(d.EndpointId) + 1) <= perEndpoint)
                .ToList();
            if (due.Count == 0) return due;
            await tx.Connection.ExecuteAsync(tx.Connection.Lists(LeaseSql),
                new { Until = (now + lease).ToUnixTimeMilliseconds(), Token = token, Ids = due.Select(d => d.Id).ToArray() }, tx.Transaction);
            foreach (var d in due) d.Token = token;
            return due;
        });
    }

    /// <summary>Sends one delivery claimed elsewhere (a test ping) now, and records it.</summary>
    public Task<AttemptResult> SendNowAsync(ClaimedDelivery d) => AttemptAsync(d, sent: null);

    /// <summary>
    /// One attempt: send, then record what came of it; <paramref name="sent"/> runs as soon as the
    /// request is over. Stopping the process does not cut it short: its own timeout bounds it, and a
    /// clean stop records what the endpoint answered instead of sending it again later.
    /// </summary>
    private async Task<AttemptResult> AttemptAsync(ClaimedDelivery d, Action? sent)
    {
        await Task.Yield();
        AttemptResult result;
        try
        {
            result = await sender.SendAsync(d);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Webhook delivery {DeliveryId} to endpoint {EndpointId} could not be attempted", d.Id, d.EndpointId);
            result = new AttemptResult(clock.GetUtcNow(), null, TimeSpan.Zero, null, ex.Message, null);
        }
        finally
        {
            sent?.Invoke();
        }
        try
        {
            await RecordAsync(d, result);
        }
        catch (Exception ex)
        {
            // Unrecorded, the delivery keeps its lease until it runs out; then it is sent again.
            logger.LogError(ex, "The outcome of webhook delivery {DeliveryId} could not be recorded", d.Id);
        }
        return result;
    }

    private const string AttemptSql = """
        INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, response_excerpt, error)
        VALUES (@DeliveryId, @At, @StatusCode, @LatencyMs, @Excerpt, @Error)
        """;

    // A success counts even if the delivery was given up meanwhile (its endpoint disabled): it did arrive.
    private const string SucceededSql = """
        UPDATE webhook_deliveries SET status = 'succeeded', attempts = @Attempts, next_attempt_at = NULL, locked_until = NULL, locked_by = NULL,
            last_status_code = @StatusCode, last_error = NULL, delivered_at = @Now, updated_at = @Now
        WHERE id = @Id AND locked_by = @Token
        """;

    private const string FailedSql = """
        UPDATE webhook_deliveries SET status = @Status, attempts = @Attempts, next_attempt_at = @NextAttemptAt, locked_until = NULL, locked_by = NULL,
            last_status_code = @StatusCode, last_error = @Error, updated_at = @Now
        WHERE id = @Id AND locked_by = @Token AND status = 'pending'
        """;

    private const string HealthySql = "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = @Id AND failing_since IS NOT NULL";
    private const string FailingSql = "UPDATE webhook_endpoints SET failing_since = @Now WHERE id = @Id AND failing_since IS NULL";
    private const string FailingSinceSql = "SELECT failing_since FROM webhook_endpoints WHERE id = @Id AND enabled = 1";

    /// <summary>
    /// Records the attempt and moves the delivery on: succeeded; retried on the schedule (never
    /// sooner than Retry-After asks); or dead. A 410, or nothing but failures for three days,
    /// disables the endpoint. A test ping is tried once and never changes the endpoint.
    /// </summary>
    private async Task RecordAsync(ClaimedDelivery d, AttemptResult r)
    {
        var attempts = d.Attempts + 1;
        var next = r.Succeeded || d.IsPing || r.StatusCode == 410 ? null : NextAttemptAt(attempts, r.At, r.RetryAfter);
        var excerpt = r.Excerpt;
        var error = r.Error ?? (r.Succeeded ? null : $"HTTP {r.StatusCode}: only a 2xx answer counts as delivered");
        var disabledBecause = await writer.WriteAsync(tx =>
        {
            var at = r.At.ToUnixTimeMilliseconds();
            tx.Execute(AttemptSql, ("DeliveryId", d.Id), ("At", at), ("StatusCode", r.StatusCode),
                ("LatencyMs", (long)r.Latency.TotalMilliseconds), ("Excerpt", excerpt), ("Error", r.Error));
            if (r.Succeeded)
            {
                tx.Execute(SucceededSql, ("Attempts", attempts), ("StatusCode", r.StatusCode), ("Now", at), ("Id", d.Id), ("Token", d.Token));
                if (!d.IsPing) tx.Execute(HealthySql, ("Id", d.EndpointId));
                return Task.FromResult<string?>(null);
            }
            tx.Execute(FailedSql, ("Status", next is null ? "dead" : "pending"), ("Attempts", attempts), ("NextAttemptAt", next?.ToUnixTimeMilliseconds()),
                ("StatusCode", r.StatusCode), ("Error", next is null && !d.IsPing && r.StatusCode != 410 ? $"Retries used up. Last: {error}" : error),
                ("Now", at), ("Id", d.Id), ("Token", d.Token));
            if (d.IsPing) return Task.FromResult<string?>(null);
            tx.Execute(FailingSql, ("Now", at), ("Id", d.EndpointId));
            string? reason = null;
            if (r.StatusCode == 410)
                reason = "The endpoint answered 410 Gone, which asks for no more deliveries.";
            else if (tx.Scalar<long?>(FailingSinceSql, ("Id", d.EndpointId)) is { } since && at - since >= (long)FailingLimit.TotalMilliseconds)
                reason = $"Every attempt since {Formats.Timestamp(since)} failed (3 days). The last: {error}";
            return Task.FromResult(reason is not null && Endpoints.Disable(tx, d.EndpointId, reason, r.At) ? reason : null);
        });
        if (disabledBecause is not null)
            logger.LogWarning("Webhook endpoint {EndpointId} was disabled: {Reason}", d.EndpointId, disabledBecause);
    }

    /// <summary>When to try again after the <paramref name="attempts"/>th failed attempt, or null when that was the last.</summary>
    public static DateTimeOffset? NextAttemptAt(long attempts, DateTimeOffset now, TimeSpan? retryAfter)
    {
        if (attempts >= MaxAttempts) return null;
        var delay = Delays[(int)attempts - 1];
        // Up to 10 % later, so deliveries that failed together (a receiver's outage) don't all come back in
        // the same second. Never earlier: the schedule (75 h 35 min) must outlast FailingLimit, or a delivery
        // could die before its endpoint has failed for three days and the endpoint would stay enabled.
        delay *= 1 + (0.1 * Random.Shared.NextDouble());
        if (retryAfter is { } asked && asked > delay) delay = asked < MaxRetryAfter ? asked : MaxRetryAfter;
        return now + delay;
    }
}
