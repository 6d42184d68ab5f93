using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Payments;
using PaymentHub.Tests.Features.Gateways;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

/// <summary>
/// Refunds, captures and voids whose gateway answer is lost: they stay unknown (money reserved,
/// intent processing) until the settlement job asks the gateway what became of them, and then move
/// exactly as an answer at once would have moved them.
/// </summary>
public sealed class SettlePaymentsTests(ShortNmiTimeoutFactory app) : LiveModeTests(app)
{
    private readonly Checkout _checkout = new(app);

    private HttpClient Api() => Live.Api();

    /// <summary>A live intent paid (or, manual, authorized) with the Collect.js test token.</summary>
    private async Task<string> PaidAsync(bool manual = false)
    {
        var (id, path) = await Live.CreateIntentAsync(new IntentBuilder().With("capture_method", manual ? "manual" : "automatic"));
        await Live.PayWithTokenAsync(path);
        Assert.Equal(manual ? "requires_capture" : "succeeded", await StatusAsync(id));
        return id;
    }

    private async Task<string> StatusAsync(string id) =>
        (string)(await Envelopes.AssertOk(await Api().GetAsync($"/api/platform/intents/{id}")))["status"]!;

    /// <summary>Runs <paramref name="call"/> while NMI processes requests but their answers never arrive, nor do queries.</summary>
    private async Task<HttpResponseMessage> WithAnswersLostAsync(Func<Task<HttpResponseMessage>> call, FakeNmi.Faults fault = FakeNmi.Faults.DropAnswer)
    {
        Nmi.Fault = fault;
        Nmi.QueryFault = FakeNmi.Faults.ServerError;
        try
        {
            return await call();
        }
        finally
        {
            Nmi.Fault = FakeNmi.Faults.None;
            Nmi.QueryFault = FakeNmi.Faults.None;
        }
    }

    private static readonly TimeSpan PastMinimumAge = SettlePayments.MinimumAge + TimeSpan.FromSeconds(1);

    private async Task<long> LogsAsync(string id, string eventType) =>
        await _checkout.ScalarAsync<long>("SELECT COUNT(*) FROM intent_logs WHERE intent_id = @id AND event_type = @eventType", new { id, eventType });

    [Fact]
    public async Task Refund_WhoseAnswerIsLost_StaysUnknownAndReserved_ThenSettlesAsSucceededWithItsEvent()
    {
        var id = await PaidAsync();

        var response = await WithAnswersLostAsync(() => Api().PostJson($"/api/platform/intents/{id}/refunds", new { amount = 30, reason = "damaged" }));

        var refund = await Envelopes.AssertOk(response);
        Assert.Equal("unknown", (string)refund["status"]!);
        Assert.Equal("30.00", (string)refund["amount_refunded"]!);
        var refundId = (string)refund["refund_id"]!;
        var orderId = await _checkout.ScalarAsync<string>("SELECT order_id FROM refunds WHERE id = @refundId", new { refundId });
        var atNmi = Assert.Single(Nmi.Ledger, t => t.Type == "refund" && t.OrderId == orderId);
        Assert.DoesNotContain(await _checkout.EventsAsync(id), e => e.Type == "payment.refunded");
        Assert.Equal(1, await LogsAsync(id, "refund.unknown"));

        await SettleAsync(TimeSpan.FromSeconds(30)); // too young: its request might still be waiting for the answer
        Assert.Equal("unknown", await _checkout.ScalarAsync<string>("SELECT status FROM refunds WHERE id = @refundId", new { refundId }));

        await SettleAsync(PastMinimumAge);

        Assert.Equal("succeeded", await _checkout.ScalarAsync<string>("SELECT status FROM refunds WHERE id = @refundId", new { refundId }));
        Assert.Equal(atNmi.Id, await _checkout.ScalarAsync<string>("SELECT gateway_refund_id FROM refunds WHERE id = @refundId", new { refundId }));
        var refunded = Assert.Single(await _checkout.EventsAsync(id), e => e.Type == "payment.refunded");
        var payload = JsonNode.Parse(refunded.Payload)!;
        Assert.Equal((refundId, "30.00", "damaged"), ((string)payload["refund_id"]!, (string)payload["amount"]!, (string)payload["reason"]!));
        Assert.Equal(1, await LogsAsync(id, "payment.refunded"));
        Assert.Equal("30.00", (string)(await Envelopes.AssertOk(await Api().GetAsync($"/api/platform/intents/{id}")))["charges"]![0]!["amount_refunded"]!);
        Assert.Single(Nmi.Ledger, t => t.Type == "refund" && t.OrderId == orderId);

        await SettleAsync(PastMinimumAge); // a second run finds nothing left to do
        Assert.Single(await _checkout.EventsAsync(id), e => e.Type == "payment.refunded");
    }

    [Fact]
    public async Task Refund_ThatTheGatewayHasNoRecordOf_StaysReserved_AndAsksTheMerchantToCheckOnce()
    {
        var id = await PaidAsync();

        var response = await WithAnswersLostAsync(() => Api().PostJson($"/api/platform/intents/{id}/refunds", new { amount = 25 }), FakeNmi.Faults.Hang);

        var refundId = (string)(await Envelopes.AssertOk(response))["refund_id"]!;
        Assert.Equal("unknown", await _checkout.ScalarAsync<string>("SELECT status FROM refunds WHERE id = @refundId", new { refundId }));
        Assert.Equal(2500L, await _checkout.ScalarAsync<long>("SELECT refunded_amount FROM charges WHERE intent_id = @id", new { id }));

        await SettleAsync(PastMinimumAge); // NMI has no record of it yet: it may still arrive
        Assert.Equal(0, await LogsAsync(id, "refund.unconfirmed"));

        // Long past the time it could arrive, no record is still not proof that no money moved (a gateway may
        // file it under the original sale): releasing the amount could refund twice, so it stays reserved.
        await SettleAsync(PaymentService.NotReceivedAfter + TimeSpan.FromMinutes(1));
        await SettleAsync(PaymentService.NotReceivedAfter + TimeSpan.FromMinutes(5));

        Assert.Equal("unknown", await _checkout.ScalarAsync<string>("SELECT status FROM refunds WHERE id = @refundId", new { refundId }));
        Assert.Equal(2500L, await _checkout.ScalarAsync<long>("SELECT refunded_amount FROM charges WHERE intent_id = @id", new { id }));
        Assert.Equal(1, await LogsAsync(id, "refund.unconfirmed"));
        Assert.Equal(0, await LogsAsync(id, "refund.failed"));
        Assert.DoesNotContain(await _checkout.EventsAsync(id), e => e.Type == "payment.refunded");
        var tooMuch = await Api().PostJson($"/api/platform/intents/{id}/refunds", new { amount = 80 });
        await Envelopes.AssertValidationError(tooMuch, "amount", "The amount must not be greater than the refundable 55.00.");
    }

    [Fact]
    public async Task Capture_WhoseAnswerIsLost_KeepsTheIntentProcessing_ThenSettlesAsCaptured()
    {
        var id = await PaidAsync(manual: true);

        var response = await WithAnswersLostAsync(() => Api().PostJson($"/api/platform/intents/{id}/capture", new { amount = "60.50" }));

        var capture = await Envelopes.AssertOk(response);
        Assert.Equal(("processing", "60.50"), ((string)capture["status"]!, (string)capture["amount_captured"]!));
        Assert.Equal("processing", await StatusAsync(id));
        Assert.Equal("unknown", await _checkout.ScalarAsync<string>("SELECT status FROM authorization_operations WHERE intent_id = @id", new { id }));
        Assert.Equal(1, await LogsAsync(id, "capture.unknown"));
        var retry = await Api().PostJson($"/api/platform/intents/{id}/capture", new { amount = "60.50" });
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);

        await SettleAsync(PastMinimumAge);

        Assert.Equal("succeeded", await StatusAsync(id));
        var charge = (await Envelopes.AssertOk(await Api().GetAsync($"/api/platform/intents/{id}")))["charges"]![0]!;
        Assert.Equal(("success", "60.50"), ((string)charge["status"]!, (string)charge["amount_captured"]!));
        Assert.Equal(["payment.captured", "payment.succeeded"], (await _checkout.EventsAsync(id)).Select(e => e.Type).ToList());
        Assert.Equal(1, Nmi.Requests.Count(r => r.Path.EndsWith("transact.php", StringComparison.Ordinal) && r.Fields.GetValueOrDefault("type") == "capture"));
    }

    [Fact]
    public async Task Capture_ThatNeverReachedTheGateway_FailsLater_AndTheAuthorizationCanBeCapturedAgain()
    {
        var id = await PaidAsync(manual: true);

        await WithAnswersLostAsync(() => Api().PostJson($"/api/platform/intents/{id}/capture", new { amount = 10 }), FakeNmi.Faults.Hang);
        Assert.Equal("processing", await StatusAsync(id));

        await SettleAsync(PastMinimumAge);
        Assert.Equal("processing", await StatusAsync(id));
        await SettleAsync(PaymentService.NotReceivedAfter + TimeSpan.FromMinutes(1));

        Assert.Equal("requires_capture", await StatusAsync(id));
        Assert.Equal("failed", await _checkout.ScalarAsync<string>("SELECT status FROM authorization_operations WHERE intent_id = @id", new { id }));
        Assert.Equal(1, await LogsAsync(id, "capture.failed"));
        Assert.Empty(await _checkout.EventsAsync(id));
        var again = await Api().PostJson($"/api/platform/intents/{id}/capture", new { amount = 10 });
        Assert.Equal("succeeded", (string)(await Envelopes.AssertOk(again))["status"]!);
    }

    [Fact]
    public async Task Void_WhoseAnswerIsLost_KeepsTheIntentProcessing_ThenSettlesAsCancelled()
    {
        var id = await PaidAsync(manual: true);

        var response = await WithAnswersLostAsync(() => Api().PostAsync($"/api/platform/intents/{id}/cancel", null));

        Assert.Equal("processing", (string)(await Envelopes.AssertOk(response))["status"]!);
        Assert.Equal("processing", await StatusAsync(id));
        Assert.Equal(1, await LogsAsync(id, "void.unknown"));
        var authorization = await _checkout.ScalarAsync<string>("SELECT gateway_transaction_id FROM charges WHERE intent_id = @id", new { id });
        Assert.Equal("canceled", Assert.Single(Nmi.Ledger, t => t.Id == authorization).Condition); // NMI did void it

        await SettleAsync(PastMinimumAge);

        Assert.Equal("cancelled", await StatusAsync(id));
        var charge = (await Envelopes.AssertOk(await Api().GetAsync($"/api/platform/intents/{id}")))["charges"]![0]!;
        Assert.Equal("voided", (string)charge["status"]!);
        var canceled = Assert.Single(await _checkout.EventsAsync(id));
        Assert.Equal("payment.canceled", canceled.Type);
        Assert.Equal(1, await _checkout.ScalarAsync<long>(
            "SELECT COUNT(*) FROM intent_logs WHERE intent_id = @id AND event_type = 'payment.canceled' AND actor_type = 'api'", new { id }));
    }

    [Fact]
    public async Task Refund_WhoseAnswerIsLost_ButTheQueryAnswers_IsSettledAtOnce()
    {
        var id = await PaidAsync();
        Nmi.Fault = FakeNmi.Faults.DropAnswer;
        HttpResponseMessage response;
        try
        {
            response = await Api().PostJson($"/api/platform/intents/{id}/refunds", new { amount = 5 });
        }
        finally
        {
            Nmi.Fault = FakeNmi.Faults.None;
        }

        Assert.Equal("succeeded", (string)(await Envelopes.AssertOk(response))["status"]!);
        Assert.Single(await _checkout.EventsAsync(id), e => e.Type == "payment.refunded");
        Assert.EndsWith("/api/query.php", Nmi.Requests[^1].Path);
    }
}
