using System.Text.Json.Nodes;
using PaymentHub.Features.Payments;
using PaymentHub.Tests.Features.Gateways;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

/// <summary>
/// The app stops while a refund's gateway answer is lost; started again on the same data, its own
/// settlement job finds the refund in the database and settles it, with nothing carried over in
/// Hangfire's memory.
/// </summary>
public sealed class SettlePaymentsRestartTests
{
    [Fact]
    public async Task Restart_WhileARefundsAnswerIsLost_TheRunningSettlementJobSettlesIt()
    {
        var dataPath = PaymentHubFactory.NewDataPath();
        await using var nmi = await FakeNmi.StartAsync();
        try
        {
            string intentId, refundId;
            await using (var before = new PaymentHubOnData(dataPath))
            {
                var live = await LiveMerchant.CreateAsync(before, nmi);
                var (id, path) = await live.CreateIntentAsync(new IntentBuilder());
                intentId = id;
                await live.PayWithTokenAsync(path);
                var api = live.Api();

                nmi.Fault = FakeNmi.Faults.DropAnswer;
                nmi.QueryFault = FakeNmi.Faults.ServerError;
                var refund = await Envelopes.AssertOk(await api.PostJson($"/api/platform/intents/{intentId}/refunds", new { amount = 20 }));
                Assert.Equal("unknown", (string)refund["status"]!);
                refundId = (string)refund["refund_id"]!;
            }
            nmi.Fault = FakeNmi.Faults.None;
            nmi.QueryFault = FakeNmi.Faults.None;

            await using var after = new PaymentHubOnData(dataPath, ("PaymentHub:Jobs:Server", "true"), ("PaymentHub:SettleIntervalSeconds", "1"));
            after.Clock.Advance(SettlePayments.MinimumAge + TimeSpan.FromMinutes(1));
            _ = after.Services; // starts the app and its Hangfire server

            var status = "";
            for (var i = 0; i < 100 && status != "succeeded"; i++)
            {
                await Task.Delay(100);
                status = after.Scalar<string>("SELECT status FROM refunds WHERE id = @refundId", new { refundId });
            }

            Assert.Equal("succeeded", status);
            var refunded = JsonNode.Parse(after.Scalar<string>(
                "SELECT payload FROM events WHERE intent_id = @intentId AND type = 'payment.refunded'", new { intentId }))!;
            Assert.Equal((refundId, "20.00"), ((string)refunded["refund_id"]!, (string)refunded["amount"]!));
            Assert.Single(nmi.Ledger, t => t.Type == "refund");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            PaymentHubFactory.DeleteData(dataPath);
        }
    }
}
