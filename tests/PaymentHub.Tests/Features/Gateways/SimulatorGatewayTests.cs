using Microsoft.Extensions.Logging.Abstractions;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Gateways.Simulator;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Tests.Features.Gateways;

public sealed class SimulatorGatewayTests : IAsyncLifetime
{
    private static readonly Currency Usd = Currencies.LoadEmbedded().Get("USD");
    private GatewayTestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await GatewayTestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private SimulatorGateway Gateway(string? merchantId = null) =>
        new(merchantId ?? _db.MerchantId, _db.Db, _db.Writer, _db.Clock, NullLogger<SimulatorGateway>.Instance);

    private static GatewayPayment Payment(string number = "4242424242424242", long amount = 1000, bool storeCard = false,
        int expMonth = 12, int expYear = 2030, string? orderId = null) =>
        new(orderId ?? "ord_" + Guid.NewGuid().ToString("N")[..12], amount, Usd,
            new PaymentSource(Card: new CardDetails(number, expMonth, expYear, "123", "Jane Doe")), storeCard);

    private static string RefundOrder() => "ord_re_" + Guid.NewGuid().ToString("N")[..12];

    private static GatewayPayment Renewal(string vaultId, long amount = 1000) =>
        new("ord_" + Guid.NewGuid().ToString("N")[..12], amount, Usd, new PaymentSource(VaultId: vaultId),
            StoredCredential: new StoredCredential(false, "sim_first"));

    [Theory]
    [InlineData("4242424242424242", GatewayOutcome.Approved, null, "visa")]
    [InlineData("4111111111111111", GatewayOutcome.Approved, null, "visa")]
    [InlineData("4000000000000002", GatewayOutcome.HardDecline, "card_declined", "visa")]
    [InlineData("4000000000009995", GatewayOutcome.SoftDecline, "insufficient_funds", "visa")]
    [InlineData("4000000000000069", GatewayOutcome.HardDecline, "expired_card", "visa")]
    [InlineData("4000000000000119", GatewayOutcome.Error, "processing_error", "visa")]
    [InlineData("4000000000000341", GatewayOutcome.Approved, null, "visa")]
    [InlineData("5555555555554444", GatewayOutcome.Approved, null, "mastercard")]
    [InlineData("2223003122003222", GatewayOutcome.Approved, null, "mastercard")]
    [InlineData("378282246310005", GatewayOutcome.Approved, null, "amex")]
    [InlineData("6011111111111117", GatewayOutcome.Approved, null, "discover")]
    [InlineData("4242 4242 4242 4242", GatewayOutcome.Approved, null, "visa")]
    [InlineData("4242424242424241", GatewayOutcome.HardDecline, "incorrect_number", null)]
    [InlineData("1234", GatewayOutcome.HardDecline, "incorrect_number", null)]
    public async Task Sale_ByCardNumber_HasTheDocumentedOutcome(string number, GatewayOutcome outcome, string? code, string? brand)
    {
        var result = await Gateway().SaleAsync(Payment(number), default);
        Assert.Equal((outcome, code), (result.Outcome, result.DeclineCode));
        Assert.Equal(brand, result.CardBrand);
        Assert.Equal(number.Replace(" ", "")[^4..], result.CardLast4);
        if (outcome == GatewayOutcome.Approved)
        {
            Assert.StartsWith("sim_", result.TransactionId);
            Assert.Equal("12/30", result.CardExpiry);
            Assert.Matches("^[0-9]{6}$", result.AuthCode!);
        }
    }

    [Fact]
    public async Task Sale_WithPastExpiry_IsExpiredCard()
    {
        var result = await Gateway().SaleAsync(Payment(expMonth: 10, expYear: 2026), default); // the clock is 2026-11-22
        Assert.Equal((GatewayOutcome.HardDecline, "expired_card"), (result.Outcome, result.DeclineCode));
        var thisMonth = await Gateway().SaleAsync(Payment(expMonth: 11, expYear: 26), default);
        Assert.Equal(GatewayOutcome.Approved, thisMonth.Outcome);
    }

    [Fact]
    public async Task Sale_WithExpiryYearAtTheEndOfTheCalendar_IsAnsweredNotThrown()
    {
        var result = await Gateway().SaleAsync(Payment(expMonth: 12, expYear: 9999), default);

        Assert.Equal(GatewayOutcome.Approved, result.Outcome);
        Assert.Equal("12/99", result.CardExpiry);
    }

    [Fact]
    public async Task RenewalDecliningCard_FirstChargeApproves_ThenEveryVaultedChargeDeclines()
    {
        var first = await Gateway().SaleAsync(Payment("4000000000000341", storeCard: true), default);
        Assert.Equal(GatewayOutcome.Approved, first.Outcome);
        Assert.StartsWith("vault_sim_", first.VaultId);

        for (var i = 0; i < 3; i++)
        {
            var renewal = await Gateway().SaleAsync(Renewal(first.VaultId!), default);
            Assert.Equal((GatewayOutcome.SoftDecline, "card_declined"), (renewal.Outcome, renewal.DeclineCode));
            Assert.Equal(("0341", "visa"), (renewal.CardLast4, renewal.CardBrand));
        }
    }

    [Fact]
    public async Task VaultedCharge_OfApprovingCard_Approves_AndOtherMerchantCannotUseIt()
    {
        var first = await Gateway().SaleAsync(Payment("4242424242424242", storeCard: true), default);
        var renewal = await Gateway().SaleAsync(Renewal(first.VaultId!), default);
        Assert.Equal(GatewayOutcome.Approved, renewal.Outcome);
        Assert.Equal((first.VaultId, "4242", "12/30"), (renewal.VaultId, renewal.CardLast4, renewal.CardExpiry));

        var stolen = await Gateway(_db.OtherMerchantId).SaleAsync(Renewal(first.VaultId!), default);
        Assert.Equal((GatewayOutcome.Error, "vault_not_found"), (stolen.Outcome, stolen.DeclineCode));
    }

    [Fact]
    public async Task Vault_RowKeepsBrandLast4ExpiryAndBehaviour_NeverTheNumber()
    {
        var result = await Gateway().SaleAsync(Payment("4000000000000341", storeCard: true), default);

        var row = await _db.QuerySingleAsync<(string VaultId, string MerchantId, string Mode, string Gateway, string Behaviour, string Brand, string Last4, string Expiry)>(
            "SELECT vault_id, merchant_id, mode, gateway, behaviour, card_brand, card_last4, card_expiry FROM vaulted_cards");
        Assert.Equal((result.VaultId!, _db.MerchantId, "test", "simulator", "decline_renewals", "visa", "0341", "12/30"), row);

        var everything = await _db.QueryAsync<string>("""
            SELECT COALESCE(vault_id, '') || '|' || COALESCE(gateway_vault_id, '') || '|' || COALESCE(behaviour, '') || '|' || COALESCE(card_brand, '') || '|' ||
                   COALESCE(card_last4, '') || '|' || COALESCE(card_expiry, '') FROM vaulted_cards
            UNION ALL
            SELECT txn_id || '|' || COALESCE(order_id, '') || '|' || COALESCE(message, '') || '|' || COALESCE(card_last4, '') || '|' || COALESCE(vault_id, '')
            FROM simulator_transactions
            """);
        Assert.All(everything, line => Assert.DoesNotContain("4000000000000341", line));
        Assert.All(everything, line => Assert.DoesNotContain("|123|", line));
    }

    [Fact]
    public async Task Sale_WithoutStoreCard_VaultsNothing_AndDeclinesAreNeverVaulted()
    {
        await Gateway().SaleAsync(Payment(), default);
        await Gateway().SaleAsync(Payment("4000000000000002", storeCard: true), default);
        Assert.Empty(await _db.QueryAsync<string>("SELECT vault_id FROM vaulted_cards"));
    }

    [Fact]
    public async Task Capture_IsLimitedToTheAuthorizedAmount_AndHappensOnce()
    {
        var gateway = Gateway();
        var auth = await gateway.AuthorizeAsync(Payment(amount: 1000), default);
        Assert.Equal(GatewayOutcome.Approved, auth.Outcome);

        var over = await gateway.CaptureAsync(auth.TransactionId!, 1500, Usd, default);
        Assert.Equal((GatewayOutcome.Error, "amount_too_large"), (over.Outcome, over.DeclineCode));
        Assert.Equal("The specified amount of 15.00 exceeds the authorization amount of 10.00", over.Message);

        var captured = await gateway.CaptureAsync(auth.TransactionId!, 800, Usd, default);
        Assert.Equal((GatewayOutcome.Approved, auth.TransactionId), (captured.Outcome, captured.TransactionId));
        Assert.Equal(GatewayOutcome.Error, (await gateway.CaptureAsync(auth.TransactionId!, 100, Usd, default)).Outcome);

        var sale = await gateway.SaleAsync(Payment(), default);
        Assert.Equal(GatewayOutcome.Error, (await gateway.CaptureAsync(sale.TransactionId!, 100, Usd, default)).Outcome);
        Assert.Equal("invalid_transaction", (await gateway.CaptureAsync("sim_nope", 100, Usd, default)).DeclineCode);
    }

    [Fact]
    public async Task Refund_TotalIsLimitedToTheCapturedAmount()
    {
        var gateway = Gateway();
        var auth = await gateway.AuthorizeAsync(Payment(amount: 1000), default);
        Assert.Equal(GatewayOutcome.Error, (await gateway.RefundAsync(auth.TransactionId!, 100, Usd, RefundOrder(), default)).Outcome); // not captured yet
        await gateway.CaptureAsync(auth.TransactionId!, 800, Usd, default);

        var first = await gateway.RefundAsync(auth.TransactionId!, 500, Usd, RefundOrder(), default);
        Assert.Equal(GatewayOutcome.Approved, first.Outcome);
        Assert.StartsWith("sim_", first.TransactionId);
        Assert.NotEqual(auth.TransactionId, first.TransactionId);

        var over = await gateway.RefundAsync(auth.TransactionId!, 400, Usd, RefundOrder(), default);
        Assert.Equal((GatewayOutcome.Error, "amount_too_large"), (over.Outcome, over.DeclineCode));
        Assert.Equal("Refund amount may not exceed the transaction balance", over.Message);

        Assert.Equal(GatewayOutcome.Approved, (await gateway.RefundAsync(auth.TransactionId!, 300, Usd, RefundOrder(), default)).Outcome);
        Assert.Equal(GatewayOutcome.Error, (await gateway.RefundAsync(auth.TransactionId!, 1, Usd, RefundOrder(), default)).Outcome);
    }

    [Fact]
    public async Task Void_OnlyBeforeCaptureOrSettlement()
    {
        var gateway = Gateway();
        var auth = await gateway.AuthorizeAsync(Payment(amount: 1000), default);
        Assert.Equal(GatewayOutcome.Approved, (await gateway.VoidAsync(auth.TransactionId!, default)).Outcome);
        Assert.Equal(GatewayOutcome.Error, (await gateway.CaptureAsync(auth.TransactionId!, 1000, Usd, default)).Outcome);
        Assert.Equal(GatewayOutcome.Error, (await gateway.VoidAsync(auth.TransactionId!, default)).Outcome);

        var fresh = await gateway.SaleAsync(Payment(), default);
        Assert.Equal(GatewayOutcome.Approved, (await gateway.VoidAsync(fresh.TransactionId!, default)).Outcome);
        Assert.Equal(GatewayOutcome.Error, (await gateway.RefundAsync(fresh.TransactionId!, 100, Usd, RefundOrder(), default)).Outcome);

        var settled = await gateway.SaleAsync(Payment(), default);
        _db.Clock.Advance(TimeSpan.FromHours(25));
        var late = await gateway.VoidAsync(settled.TransactionId!, default);
        Assert.Equal("Only transactions pending settlement can be voided", late.Message);
        Assert.Equal(GatewayOutcome.Approved, (await gateway.RefundAsync(settled.TransactionId!, 1000, Usd, RefundOrder(), default)).Outcome);
    }

    [Fact]
    public async Task Query_ByOrderId_AnswersWhatHappened_AndSurvivesANewInstance()
    {
        var payment = Payment();
        var sale = await Gateway().SaleAsync(payment, default);

        var queried = await Gateway().QueryAsync(GatewayLookup.Charge(payment.OrderId), default); // a new instance, as after a restart
        Assert.Equal((GatewayOutcome.Approved, sale.TransactionId, "4242"), (queried.Outcome, queried.TransactionId, queried.CardLast4));

        var declined = Payment("4000000000009995");
        await Gateway().SaleAsync(declined, default);
        Assert.Equal(GatewayOutcome.SoftDecline, (await Gateway().QueryAsync(GatewayLookup.Charge(declined.OrderId), default)).Outcome);

        var missing = await Gateway().QueryAsync(GatewayLookup.Charge("ord_never"), default);
        Assert.Equal((GatewayOutcome.Error, "not_found"), (missing.Outcome, missing.DeclineCode));
        Assert.Equal(GatewayOutcome.Error, (await Gateway(_db.OtherMerchantId).QueryAsync(GatewayLookup.Charge(payment.OrderId), default)).Outcome);
    }

    [Fact]
    public async Task Refund_RetriedWithTheSameOrderId_RefundsOnce_AndIsFoundByItsOrderId()
    {
        var gateway = Gateway();
        var sale = await gateway.SaleAsync(Payment(amount: 1000), default);
        var orderId = RefundOrder();
        Assert.Equal((GatewayOutcome.Error, "not_found"), Outcome(await gateway.QueryAsync(GatewayLookup.Refund(orderId, sale.TransactionId!), default)));

        var first = await gateway.RefundAsync(sale.TransactionId!, 600, Usd, orderId, default);
        var again = await Gateway().RefundAsync(sale.TransactionId!, 600, Usd, orderId, default);
        var queried = await Gateway().QueryAsync(GatewayLookup.Refund(orderId, sale.TransactionId!), default);

        Assert.Equal((GatewayOutcome.Approved, first.TransactionId), (again.Outcome, again.TransactionId));
        Assert.Equal((GatewayOutcome.Approved, first.TransactionId), (queried.Outcome, queried.TransactionId));
        Assert.Equal(600L, await _db.QuerySingleAsync<long>("SELECT refunded FROM simulator_transactions WHERE txn_id = @Id", new { Id = sale.TransactionId }));
        Assert.Equal("duplicate_order_id", (await gateway.RefundAsync(sale.TransactionId!, 100, Usd, orderId, default)).DeclineCode);
    }

    [Fact]
    public async Task Query_ForACaptureOrVoid_ReadsTheAuthorizationsState()
    {
        var gateway = Gateway();
        var payment = Payment(amount: 1000);
        var auth = await gateway.AuthorizeAsync(payment, default);
        var capture = GatewayLookup.Capture(payment.OrderId, auth.TransactionId!);
        var voiding = GatewayLookup.Void(payment.OrderId, auth.TransactionId!);
        Assert.Equal((GatewayOutcome.Error, "not_found"), Outcome(await gateway.QueryAsync(capture, default)));
        Assert.Equal((GatewayOutcome.Error, "not_found"), Outcome(await gateway.QueryAsync(voiding, default)));

        await gateway.CaptureAsync(auth.TransactionId!, 700, Usd, default);
        Assert.Equal(GatewayOutcome.Approved, (await gateway.QueryAsync(capture, default)).Outcome);
        Assert.Equal(GatewayOutcome.Error, (await gateway.QueryAsync(voiding, default)).Outcome);

        var other = Payment(amount: 1000);
        var voided = await gateway.AuthorizeAsync(other, default);
        await gateway.VoidAsync(voided.TransactionId!, default);
        Assert.Equal(GatewayOutcome.Approved, (await gateway.QueryAsync(GatewayLookup.Void(other.OrderId, voided.TransactionId!), default)).Outcome);
        Assert.Equal((GatewayOutcome.HardDecline, "voided"), Outcome(await gateway.QueryAsync(GatewayLookup.Capture(other.OrderId, voided.TransactionId!), default)));
        Assert.Equal("invalid_transaction", (await Gateway(_db.OtherMerchantId).QueryAsync(capture, default)).DeclineCode);
    }

    private static (GatewayOutcome, string?) Outcome(GatewayResult r) => (r.Outcome, r.DeclineCode);

    [Fact]
    public async Task Sale_RetriedWithTheSameOrderId_AnswersTheFirstResultWithoutASecondCharge()
    {
        var payment = Payment(amount: 1234);
        var first = await Gateway().SaleAsync(payment, default);
        var again = await Gateway().SaleAsync(payment, default);

        Assert.Equal(first.TransactionId, again.TransactionId);
        Assert.Equal(1L, await _db.QuerySingleAsync<long>("SELECT COUNT(*) FROM simulator_transactions WHERE order_id = @OrderId", new { payment.OrderId }));
        var different = await Gateway().SaleAsync(payment with { Amount = 999 }, default);
        Assert.Equal((GatewayOutcome.Error, "duplicate_order_id"), (different.Outcome, different.DeclineCode));
    }

    [Fact]
    public async Task Capture_OfAnotherMerchantsTransaction_IsInvalid()
    {
        var auth = await Gateway().AuthorizeAsync(Payment(amount: 1000), default);
        var result = await Gateway(_db.OtherMerchantId).CaptureAsync(auth.TransactionId!, 1000, Usd, default);
        Assert.Equal("invalid_transaction", result.DeclineCode);
    }

    [Fact]
    public async Task Sale_WithPaymentToken_IsRefusedInTestMode()
    {
        var result = await Gateway().SaleAsync(new GatewayPayment("ord_tok", 1000, Usd, new PaymentSource(PaymentToken: "tok")), default);
        Assert.Equal((GatewayOutcome.Error, "invalid_request"), (result.Outcome, result.DeclineCode));
    }
}
