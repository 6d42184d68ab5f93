using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Subscriptions;

/// <summary>
/// Renewing one due subscription, in the three steps of every gateway call:
/// <list type="number">
/// <item><b>Claim</b> (one unit of work): the renewal attempt row — subscription, period, attempt
/// number, order id — and its pending charge. The attempt's unique key (subscription, period,
/// attempt) lets exactly one worker claim it, across threads and instances sharing the database;
/// the others find it taken and move on. A subscription with an attempt still open is not due.</item>
/// <item><b>Charge</b> (no unit of work): the stored card, merchant-initiated, through the one
/// gateway-call wrapper.</item>
/// <item><b>Record</b> (a second unit): the outcome on the charge, the attempt and the subscription,
/// with the log row and event. A lost answer leaves the attempt unknown; the settlement job asks the
/// gateway by order id and records here, exactly as an answer at once would have been recorded
/// (<see cref="IRenewalOutcomes"/>). A crash between the steps leaves it pending, settled the same way.</item>
/// </list>
/// Periods follow the schedule: a successful renewal of period n+1 starts it where period n ended,
/// whenever it was charged. A failure makes the subscription past_due and retries it the configured
/// days after the due date (<see cref="BillingSettings.RetryDays"/>); a hard decline (which includes the
/// networks' "stop recurring" answers) is never retried, and neither is the last retry: the subscription
/// is cancelled with the reason. A subscription cancelled for the end of its period ends when that
/// renewal would have fallen due. Times are the merchant's own (<see cref="IMerchantClock"/>).
/// </summary>
public sealed class Renewals(DbWriter writer, RenewalPayments payments, BillingSettings settings, IMerchantClock clocks, Currencies currencies)
    : IRenewalOutcomes
{
    /// <summary>How one renewal ended for the subscription.</summary>
    public enum Outcome
    {
        /// <summary>Not due (any more), or another worker has this attempt.</summary>
        Skipped,
        Renewed,
        /// <summary>Declined; past_due until a retry.</summary>
        Failed,
        /// <summary>Declined and not retried again: cancelled.</summary>
        FailedAndCancelled,
        /// <summary>Cancelled at the end of its period, as the merchant asked.</summary>
        Ended,
        /// <summary>The gateway's answer was lost; the attempt is settled later.</summary>
        Pending,
    }

    /// <summary>NMI's answers that ask the merchant to stop charging the card for recurring payments.</summary>
    public static readonly IReadOnlySet<string> StopRecurringCodes = new HashSet<string>(StringComparer.Ordinal)
        { "stop_all_recurring", "stop_recurring_program" };

    private sealed record SubscriptionRow(string Id, string IntentId, string MerchantId, string Mode, string Status, long Amount, string Currency,
        long IntervalDays, string VaultId, string? InitialTransactionId, string? Email, string? Name, long NextChargeAt, long CurrentPeriod,
        long? CurrentPeriodEnd, long FailedAttempts, long CancelAtPeriodEnd, string? CancellationReason);

    private sealed record AttemptRow(long AttemptId, long Period, long Attempt, long PeriodStart, string SubscriptionId, string IntentId,
        long Amount, string Currency, long IntervalDays);

    private const string LoadSql = """
        SELECT id AS Id, intent_id AS IntentId, merchant_id AS MerchantId, mode AS Mode, status AS Status, amount AS Amount, currency AS Currency,
               interval_days AS IntervalDays, vault_id AS VaultId, initial_transaction_id AS InitialTransactionId, email AS Email, name AS Name,
               next_charge_at AS NextChargeAt, current_period AS CurrentPeriod, current_period_end AS CurrentPeriodEnd,
               failed_attempts AS FailedAttempts, cancel_at_period_end AS CancelAtPeriodEnd, cancellation_reason AS CancellationReason
        FROM subscriptions WHERE id = @Id
        """;
    private const string InsertAttemptSql = """
        INSERT INTO renewal_attempts (subscription_id, period, attempt, order_id, status, period_start, created_at, updated_at)
        VALUES (@SubscriptionId, @Period, @Attempt, @OrderId, 'pending', @PeriodStart, @Now, @Now)
        ON CONFLICT (subscription_id, period, attempt) DO NOTHING
        RETURNING id
        """;
    private const string LinkChargeSql = "UPDATE renewal_attempts SET charge_id = @ChargeId WHERE id = @Id";
    private const string AttemptSql = """
        SELECT a.id AS AttemptId, a.period AS Period, a.attempt AS Attempt, a.period_start AS PeriodStart, s.id AS SubscriptionId,
               s.intent_id AS IntentId, s.amount AS Amount, s.currency AS Currency, s.interval_days AS IntervalDays
        FROM renewal_attempts a JOIN subscriptions s ON s.id = a.subscription_id
        WHERE a.charge_id = @ChargeId
        """;
    private const string AttemptSucceededSql = "UPDATE renewal_attempts SET status = 'succeeded', updated_at = @Now WHERE id = @Id";
    private const string AttemptFailedSql = """
        UPDATE renewal_attempts SET status = 'failed', failure_code = @Code, failure_message = @Message, updated_at = @Now WHERE id = @Id
        """;
    private const string AttemptUnknownSql = "UPDATE renewal_attempts SET status = 'unknown', updated_at = @Now WHERE id = @Id AND status = 'pending'";
    private const string RenewedSql = """
        UPDATE subscriptions SET status = 'active', current_period = @Period, current_period_start = @Start, current_period_end = @End,
            next_charge_at = @End, failed_attempts = 0, updated_at = @Now
        WHERE id = @Id AND status IN ('active', 'past_due') AND current_period = @Previous
        """;
    private const string PastDueSql = """
        UPDATE subscriptions SET status = 'past_due', failed_attempts = @Failed, next_charge_at = @Next, updated_at = @Now
        WHERE id = @Id AND status IN ('active', 'past_due')
        """;
    private const string CancelledSql = """
        UPDATE subscriptions SET status = 'cancelled', failed_attempts = @Failed, cancelled_at = @Now, cancellation_reason = @Reason, updated_at = @Now
        WHERE id = @Id AND status IN ('active', 'past_due')
        """;
    private const string EndedSql = """
        UPDATE subscriptions SET status = 'cancelled', cancelled_at = @At, updated_at = @Now
        WHERE id = @Id AND status = 'active' AND cancel_at_period_end = 1
        """;

    /// <summary>What claiming did: the charge to send (its attempt committed), or why there is none.</summary>
    internal sealed record Claim(Outcome Outcome, RenewalCharge? Charge = null, long ChargeId = 0);

    /// <summary>Renews one subscription if it is due at <paramref name="now"/> (its merchant's time).</summary>
    public async Task<Outcome> RenewAsync(string subscriptionId, DateTimeOffset now, CancellationToken ct)
    {
        var claim = await ClaimAsync(subscriptionId, now);
        if (claim.Charge is null) return claim.Outcome;
        // Claimed and committed: from here the attempt must be recorded, whatever the caller's token says.
        var result = await payments.SendAsync(claim.Charge, CancellationToken.None);
        return await writer.WriteAsync(tx => RecordAsync(tx, claim.ChargeId, result, now), CancellationToken.None);
    }

    /// <summary>The first step alone, committed: what a crash right after it would leave behind (tests use it so).</summary>
    internal Task<Claim> ClaimAsync(string subscriptionId, DateTimeOffset now) =>
        writer.WriteAsync(tx => ClaimAsync(tx, subscriptionId, now), CancellationToken.None);

    /// <summary>Renews each subscription at its own time, <see cref="BillingSettings.Concurrency"/> at once; sums what happened.</summary>
    public async Task<DueWorkDone> RenewAllAsync(IEnumerable<(string Id, DateTimeOffset Now)> due, CancellationToken ct)
    {
        int renewed = 0, failed = 0, cancelled = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = ct },
            async (d, _) =>
            {
                switch (await RenewAsync(d.Id, d.Now, ct))
                {
                    case Outcome.Renewed: Interlocked.Increment(ref renewed); break;
                    case Outcome.Failed: Interlocked.Increment(ref failed); break;
                    case Outcome.FailedAndCancelled: Interlocked.Increment(ref failed); Interlocked.Increment(ref cancelled); break;
                    case Outcome.Ended: Interlocked.Increment(ref cancelled); break;
                }
            });
        return new DueWorkDone(Renewals: renewed, Failures: failed, Cancellations: cancelled);
    }

    /// <summary>The settlement job found what became of a renewal charge: record it as of the merchant's time now.</summary>
    public async Task RecordAsync(long chargeId, string merchantId, string mode, GatewayResult result, CancellationToken ct)
    {
        var now = await clocks.NowAsync(merchantId, mode, ct);
        await writer.WriteAsync(tx => RecordAsync(tx, chargeId, result, now), CancellationToken.None);
    }

    private async Task<Claim> ClaimAsync(DbTx tx, string subscriptionId, DateTimeOffset now)
    {
        var s = tx.SingleOrDefault<SubscriptionRow>(LoadSql, ("Id", subscriptionId));
        var at = now.ToUnixTimeMilliseconds();
        if (s is null || s.Status is not ("active" or "past_due") || s.NextChargeAt > at) return new Claim(Outcome.Skipped);
        if (s.CancelAtPeriodEnd == 1 && s.Status == "active") return new Claim(await EndAsync(tx, s, now));

        var period = s.CurrentPeriod + 1;
        var attempt = s.FailedAttempts + 1;
        var orderId = "ord_" + Guid.CreateVersion7().ToString("N");
        var attemptId = tx.Scalar<long?>(InsertAttemptSql, ("SubscriptionId", s.Id), ("Period", period), ("Attempt", attempt), ("OrderId", orderId),
            ("PeriodStart", s.CurrentPeriodEnd ?? s.NextChargeAt), ("Now", at));
        if (attemptId is null) return new Claim(Outcome.Skipped);

        var charge = new RenewalCharge(s.IntentId, s.Id, s.MerchantId, s.Mode, s.Amount, s.Currency, s.VaultId, s.InitialTransactionId, s.Email, s.Name,
            orderId, $"Renewal {period} of {s.Id}");
        var gateway = RenewalPayments.GatewayOf(s.Mode);
        var chargeId = RenewalPayments.Start(tx, charge, gateway, now);
        tx.Execute(LinkChargeSql, ("ChargeId", chargeId), ("Id", attemptId.Value));
        await IntentLog.WriteAsync(tx, s.IntentId, "renewal.attempted",
            $"Renewal {period} of subscription {s.Id}{(attempt > 1 ? $" (retry {attempt - 1})" : "")}: {Money(s.Amount, s.Currency)} " +
            $"charged to the stored card through the {gateway} gateway.", Actor.System, now);
        return new Claim(Outcome.Pending, charge, chargeId);
    }

    /// <summary>The merchant asked to stop at the end of the period, and it has come: no charge, cancelled as of the period's end.</summary>
    private async Task<Outcome> EndAsync(DbTx tx, SubscriptionRow s, DateTimeOffset now)
    {
        var endedAt = s.CurrentPeriodEnd ?? s.NextChargeAt;
        if (tx.Execute(EndedSql, ("At", endedAt), ("Now", now.ToUnixTimeMilliseconds()), ("Id", s.Id)) == 0) return Outcome.Skipped;
        var intent = (await IntentState.LoadAsync(tx, s.IntentId))!;
        await SubscriptionEvents.CanceledAsync(tx, intent, s.Id,
            s.CancellationReason ?? "Cancelled by the merchant at the end of the billing period.", Actor.System, DateTimeOffset.FromUnixTimeMilliseconds(endedAt));
        return Outcome.Ended;
    }

    private async Task<Outcome> RecordAsync(DbTx tx, long chargeId, GatewayResult result, DateTimeOffset now)
    {
        var a = tx.SingleOrDefault<AttemptRow>(AttemptSql, ("ChargeId", chargeId));
        // The charge's outcome is recorded whatever else is found, so that it never stays open to be asked about again.
        if (!RenewalPayments.Record(tx, chargeId, result, now) || a is null) return Outcome.Skipped;
        var intent = (await IntentState.LoadAsync(tx, a.IntentId))!;
        var at = now.ToUnixTimeMilliseconds();
        var money = Money(a.Amount, a.Currency);
        var card = result.CardLast4 is null ? "" : $" ({result.CardBrand} •••• {result.CardLast4})";

        if (result.Outcome == GatewayOutcome.Approved)
        {
            tx.Execute(AttemptSucceededSql, ("Now", at), ("Id", a.AttemptId));
            var end = DateTimeOffset.FromUnixTimeMilliseconds(a.PeriodStart).AddDays(a.IntervalDays);
            tx.Execute(RenewedSql, ("Period", a.Period), ("Start", a.PeriodStart), ("End", end.ToUnixTimeMilliseconds()), ("Now", at),
                ("Id", a.SubscriptionId), ("Previous", a.Period - 1));
            await SubscriptionEvents.RenewedAsync(tx, intent, a.SubscriptionId, chargeId,
                $"Renewal {a.Period} of subscription {a.SubscriptionId}: {money} paid{card}. Paid until {Formats.Timestamp(end)}, when the next charge is due.", now);
            return Outcome.Renewed;
        }
        if (result.Outcome == GatewayOutcome.Unknown)
        {
            tx.Execute(AttemptUnknownSql, ("Now", at), ("Id", a.AttemptId));
            await IntentLog.WriteAsync(tx, a.IntentId, "renewal.unknown",
                $"The gateway's answer to renewal {a.Period} of subscription {a.SubscriptionId} was lost; it is being confirmed with the gateway and will not be charged again meanwhile.",
                Actor.System, now);
            return Outcome.Pending;
        }

        var message = RenewalPayments.FailureMessage(result);
        var code = RenewalPayments.FailureCode(result);
        tx.Execute(AttemptFailedSql, ("Code", code), ("Message", message), ("Now", at), ("Id", a.AttemptId));
        var failed = a.Attempt;
        var stop = result.Outcome == GatewayOutcome.HardDecline || StopRecurringCodes.Contains(code);
        var retryIndex = (int)failed - 1;
        if (!stop && retryIndex < settings.RetryDays.Count)
        {
            var next = DateTimeOffset.FromUnixTimeMilliseconds(a.PeriodStart).AddDays(settings.RetryDays[retryIndex]);
            tx.Execute(PastDueSql, ("Failed", failed), ("Next", next.ToUnixTimeMilliseconds()), ("Now", at), ("Id", a.SubscriptionId));
            await SubscriptionEvents.FailedAsync(tx, intent, a.SubscriptionId, message,
                $"Renewal {a.Period} of subscription {a.SubscriptionId} failed{card}: {message} The subscription is past due; " +
                $"retry {failed} of {settings.RetryDays.Count} on {Formats.Timestamp(next)}.", now);
            return Outcome.Failed;
        }

        var reason = stop
            ? $"The card was declined ({code}) and will not be charged again: {message}"
            : failed == 1
                ? $"The renewal charge failed and no retries are configured: {message}"
                : $"The renewal charge failed {failed} times and no retries are left: {message}";
        tx.Execute(CancelledSql, ("Failed", failed), ("Now", at), ("Reason", reason), ("Id", a.SubscriptionId));
        await SubscriptionEvents.FailedAsync(tx, intent, a.SubscriptionId, message,
            $"Renewal {a.Period} of subscription {a.SubscriptionId} failed{card}: {message}", now);
        await SubscriptionEvents.CanceledAsync(tx, intent, a.SubscriptionId, reason, Actor.System, now);
        return Outcome.FailedAndCancelled;
    }

    private string Money(long amount, string currency)
    {
        var c = currencies.Get(currency);
        return $"{c.Code} {Amounts.Format(amount, c.Exponent)}";
    }
}
