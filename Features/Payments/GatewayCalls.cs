using System.Globalization;
using PaymentHub.Features.Gateways.Contracts;

namespace PaymentHub.Features.Payments;

/// <summary>
/// The one way payments talk to a gateway. Pay, capture, void and refund (and later renewals) send
/// through <see cref="SendAsync"/>; the settlement job asks through <see cref="QueryAsync"/>. Here,
/// once for all of them:
/// <list type="bullet">
/// <item>a call gets the gateway's <see cref="IGateway.Timeout"/>, and past it (plus a grace for a
/// gateway that ignores its token) its answer counts as lost;</item>
/// <item>a lost answer (Unknown) is followed at once by a query for the operation, so the caller
/// usually learns what happened without waiting for the settlement job;</item>
/// <item>an exception is our own failure before anything was sent (gateways turn every failure after
/// a request may have left into Unknown), so it is a failed attempt with a clear message, never a
/// lost answer that would keep the payment waiting for a settlement that can find nothing;</item>
/// <item>each call is logged by order id and outcome, never with card data.</item>
/// </list>
/// </summary>
public sealed class GatewayCalls(ILogger<GatewayCalls> logger)
{
    /// <summary>How much longer than its own timeout a gateway gets before we stop waiting for it.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>The decline code of an attempt that failed in our own code before anything was sent.</summary>
    public const string NotSent = "not_sent";

    /// <summary>
    /// Sends one operation. Never throws: the result is the gateway's answer, what a query found when
    /// the answer was lost, Unknown when neither came, or an error <see cref="NotSent"/>.
    /// </summary>
    public async Task<GatewayResult> SendAsync(IGateway gateway, GatewayLookup lookup, Func<CancellationToken, Task<GatewayResult>> send)
    {
        var result = await CallAsync(gateway, lookup, "", send, NotSentResult(lookup));
        if (result.Outcome != GatewayOutcome.Unknown) return result;
        // The answer was lost, not necessarily the operation: ask what became of it before anyone is told anything.
        var settled = await QueryAsync(gateway, lookup);
        return settled.Outcome is GatewayOutcome.Approved or GatewayOutcome.SoftDecline or GatewayOutcome.HardDecline ? settled : result;
    }

    /// <summary>What became of an operation, as <see cref="IGateway.QueryAsync"/> says; Unknown when the gateway could not be asked.</summary>
    public Task<GatewayResult> QueryAsync(IGateway gateway, GatewayLookup lookup) =>
        CallAsync(gateway, lookup, " query", ct => gateway.QueryAsync(lookup, ct),
            new GatewayResult(GatewayOutcome.Unknown, Message: "The gateway could not be asked; the outcome is still unknown."));

    private async Task<GatewayResult> CallAsync(IGateway gateway, GatewayLookup lookup, string suffix,
        Func<CancellationToken, Task<GatewayResult>> call, GatewayResult whenThrown)
    {
        // Elapsed time, not the business clock: a timeout is about how long we wait, whatever "now" a test clock says.
        using var deadline = new CancellationTokenSource(gateway.Timeout);
        GatewayResult result;
        try
        {
            result = await call(deadline.Token).WaitAsync(gateway.Timeout + Grace);
        }
        catch (TimeoutException)
        {
            result = new GatewayResult(GatewayOutcome.Unknown,
                Message: $"The gateway did not answer within {gateway.Timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s; the outcome is unknown.");
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Gateway {Gateway} order {OrderId} {Operation}{Query}: failed in our own code before anything was sent",
                gateway.Name, lookup.OrderId, lookup.Operation, suffix);
            result = whenThrown;
        }

        var level = result.Outcome is GatewayOutcome.Unknown or GatewayOutcome.Error ? LogLevel.Warning : LogLevel.Information;
        logger.Log(level, "Gateway {Gateway} order {OrderId} {Operation}{Query}: {Outcome} {Code}",
            gateway.Name, lookup.OrderId, lookup.Operation, suffix, result.Outcome, result.DeclineCode);
        return result;
    }

    private static GatewayResult NotSentResult(GatewayLookup lookup) => new(GatewayOutcome.Error, DeclineCode: NotSent,
        Message: lookup.Kind == GatewayLookupKind.Charge
            ? "The payment could not be sent to the bank because of an error on our side. No money was taken; please try again."
            : $"The {lookup.Operation} could not be sent to the gateway because of an error on our side; nothing changed there.");
}
