using System.Diagnostics;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Gateways.Nmi;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Tests.Features.Gateways;

public sealed class NmiGatewayTests : IAsyncLifetime
{
    private static readonly Currencies Currencies = Currencies.LoadEmbedded();
    private static readonly Currency Usd = Currencies.Get("USD");
    private const string Visa = "4111111111111111";

    private FakeNmi _nmi = null!;
    private GatewayTestDatabase _db = null!;
    private readonly CapturingLogger<NmiGateway> _log = new();

    public async Task InitializeAsync()
    {
        _nmi = await FakeNmi.StartAsync();
        _db = await GatewayTestDatabase.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        await _nmi.DisposeAsync();
        await _db.DisposeAsync();
    }

    private NmiGateway Gateway(string securityKey = FakeNmi.SecurityKey, TimeSpan? timeout = null, string? baseUrl = null) =>
        new(new NmiAccount(_db.MerchantId, securityKey, baseUrl ?? _nmi.BaseUrl),
            new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(10) }, _db.Db, _db.Writer, _db.Clock, _log);

    private static GatewayPayment Payment(long amount = 1234, string number = Visa, string? orderId = null, Currency? currency = null,
        bool storeCard = false, StoredCredential? stored = null) =>
        new(orderId ?? "ord_" + Guid.NewGuid().ToString("N")[..12], amount, currency ?? Usd,
            new PaymentSource(Card: new CardDetails(number, 12, 2030, "123", "Jane Q Doe")), storeCard, stored,
            new GatewayCustomer("jane@example.com", null, null, "203.0.113.9"), "Order 42");

    private static string RefundOrder() => "ord_re_" + Guid.NewGuid().ToString("N")[..12];

    private static GatewayPayment Vaulted(string vaultId, long amount, StoredCredential? stored) =>
        new("ord_" + Guid.NewGuid().ToString("N")[..12], amount, Usd, new PaymentSource(VaultId: vaultId), StoredCredential: stored);

    [Fact]
    public async Task Sale_WithTestCard_IsApprovedAndSendsTheWireFields()
    {
        var payment = Payment(1234);
        var result = await Gateway().SaleAsync(payment, default);

        Assert.Equal(GatewayOutcome.Approved, result.Outcome);
        Assert.False(string.IsNullOrEmpty(result.TransactionId));
        Assert.Equal("123456", result.AuthCode);
        Assert.Equal(("visa", "1111", "12/30"), (result.CardBrand, result.CardLast4, result.CardExpiry));
        var sent = _nmi.LastTransact;
        Assert.Equal(FakeNmi.SecurityKey, sent["security_key"]);
        Assert.Equal("sale", sent["type"]);
        Assert.Equal("12.34", sent["amount"]);
        Assert.Equal("USD", sent["currency"]);
        Assert.Equal(payment.OrderId, sent["orderid"]);
        Assert.Equal(Visa, sent["ccnumber"]);
        Assert.Equal("1230", sent["ccexp"]);
        Assert.Equal("123", sent["cvv"]);
        Assert.Equal(("Jane Q", "Doe", "jane@example.com", "203.0.113.9", "Order 42"),
            (sent["first_name"], sent["last_name"], sent["email"], sent["ipaddress"], sent["order_description"]));
        Assert.False(sent.ContainsKey("customer_vault"));
        Assert.False(sent.ContainsKey("billing_method"));
    }

    [Fact]
    public async Task Sale_InZeroAndThreeDecimalCurrencies_SendsAmountWithTheCurrencyExponent()
    {
        await Gateway().SaleAsync(Payment(500, currency: Currencies.Get("JPY")), default);
        Assert.Equal(("500", "JPY"), (_nmi.LastTransact["amount"], _nmi.LastTransact["currency"]));
        await Gateway().SaleAsync(Payment(12345, currency: Currencies.Get("KWD")), default);
        Assert.Equal("12.345", _nmi.LastTransact["amount"]);
    }

    [Theory]
    [InlineData(220, "incorrect_number")]
    [InlineData(223, "expired_card")]
    [InlineData(225, "incorrect_cvc")]
    [InlineData(250, "pickup_card")]
    [InlineData(253, "fraudulent")]
    [InlineData(261, "stop_all_recurring")]
    [InlineData(262, "stop_recurring_program")]
    public async Task Sale_DeclinedWithHardCode_IsHardDecline(int responseCode, string declineCode)
    {
        var result = await Gateway().SaleAsync(Payment(responseCode), default);
        Assert.Equal(GatewayOutcome.HardDecline, result.Outcome);
        Assert.Equal(declineCode, result.DeclineCode);
        Assert.False(string.IsNullOrEmpty(result.TransactionId));
    }

    [Theory]
    [InlineData(200, "card_declined")]
    [InlineData(201, "do_not_honor")]
    [InlineData(202, "insufficient_funds")]
    [InlineData(203, "over_limit")]
    [InlineData(204, "transaction_not_allowed")]
    [InlineData(260, "declined_with_instructions")]
    [InlineData(263, "updated_cardholder_data")]
    [InlineData(264, "try_again_later")]
    public async Task Sale_DeclinedWithSoftCode_IsSoftDecline(int responseCode, string declineCode)
    {
        var result = await Gateway().SaleAsync(Payment(responseCode), default);
        Assert.Equal(GatewayOutcome.SoftDecline, result.Outcome);
        Assert.Equal(declineCode, result.DeclineCode);
    }

    [Theory]
    [InlineData("4000000000000002", GatewayOutcome.HardDecline, "pickup_card")]
    [InlineData("4000000000009995", GatewayOutcome.SoftDecline, "insufficient_funds")]
    [InlineData("4000000000000069", GatewayOutcome.HardDecline, "expired_card")]
    [InlineData("4000000000000119", GatewayOutcome.Error, "processor_error")]
    public async Task Sale_WithDecliningCard_MapsTheFamily(string number, GatewayOutcome outcome, string code)
    {
        var result = await Gateway().SaleAsync(Payment(1500, number), default);
        Assert.Equal((outcome, code), (result.Outcome, result.DeclineCode));
    }

    [Fact]
    public async Task Sale_BelowOneDollar_IsSoftDeclineAsNmiTestMode()
    {
        var result = await Gateway().SaleAsync(Payment(50), default);
        Assert.Equal((GatewayOutcome.SoftDecline, "card_declined"), (result.Outcome, result.DeclineCode));
        Assert.Equal("DECLINE", result.Message);
    }

    [Theory]
    [InlineData(420)]
    [InlineData(421)]
    public async Task Sale_WithCommunicationError_IsError(int code)
    {
        var result = await Gateway().SaleAsync(Payment(code), default);
        Assert.Equal((GatewayOutcome.Error, "communication_error"), (result.Outcome, result.DeclineCode));
    }

    [Fact]
    public async Task Sale_WithLuhnInvalidNumber_IsErrorResponse3()
    {
        var result = await Gateway().SaleAsync(Payment(1500, "4111111111111112"), default);
        Assert.Equal(GatewayOutcome.Error, result.Outcome);
        Assert.StartsWith("Invalid Credit Card Number", result.Message);
    }

    [Fact]
    public async Task Sale_WithWrongSecurityKey_IsAuthenticationFailedError()
    {
        var result = await Gateway(securityKey: "wrong-key").SaleAsync(Payment(), default);
        Assert.Equal(GatewayOutcome.Error, result.Outcome);
        Assert.Equal("authentication_failed", result.DeclineCode);
        Assert.Equal("Authentication Failed", result.Message);
        Assert.Empty(_nmi.Ledger);
    }

    [Fact]
    public async Task Sale_WithSameOrderIdTwice_SecondIsDuplicateErrorAndChargesOnce()
    {
        var payment = Payment(1500);
        var first = await Gateway().SaleAsync(payment, default);
        var second = await Gateway().SaleAsync(payment, default);

        Assert.Equal(GatewayOutcome.Approved, first.Outcome);
        Assert.Equal(GatewayOutcome.Error, second.Outcome);
        Assert.Equal("duplicate_transaction", second.DeclineCode);
        Assert.StartsWith("Duplicate transaction REFID:", second.Message);
        Assert.Single(_nmi.Ledger, t => t.OrderId == payment.OrderId);
    }

    [Fact]
    public async Task Capture_MoreThanAuthorized_IsErrorWithNmiMessage_ThenLessSucceeds()
    {
        var gateway = Gateway();
        var auth = await gateway.AuthorizeAsync(Payment(1000), default);
        Assert.Equal(GatewayOutcome.Approved, auth.Outcome);
        Assert.Equal("auth", _nmi.LastTransact["type"]);

        var over = await gateway.CaptureAsync(auth.TransactionId!, 1500, Usd, default);
        Assert.Equal(GatewayOutcome.Error, over.Outcome);
        Assert.StartsWith("The specified amount of 15.00 exceeds the authorization amount of 10.00", over.Message);
        Assert.Equal(("capture", auth.TransactionId, "15.00"), (_nmi.LastTransact["type"], _nmi.LastTransact["transactionid"], _nmi.LastTransact["amount"]));

        var ok = await gateway.CaptureAsync(auth.TransactionId!, 800, Usd, default);
        Assert.Equal(GatewayOutcome.Approved, ok.Outcome);
        Assert.Equal(auth.TransactionId, ok.TransactionId);
    }

    [Fact]
    public async Task Refund_MoreThanTheBalance_IsErrorWithNmiMessage()
    {
        var gateway = Gateway();
        var sale = await gateway.SaleAsync(Payment(1000), default);

        var part = await gateway.RefundAsync(sale.TransactionId!, 600, Usd, RefundOrder(), default);
        Assert.Equal(GatewayOutcome.Approved, part.Outcome);
        Assert.NotEqual(sale.TransactionId, part.TransactionId);
        Assert.Equal("6.00", _nmi.LastTransact["amount"]);

        var over = await gateway.RefundAsync(sale.TransactionId!, 500, Usd, RefundOrder(), default);
        Assert.Equal(GatewayOutcome.Error, over.Outcome);
        Assert.StartsWith("Refund amount may not exceed the transaction balance", over.Message);

        Assert.Equal(GatewayOutcome.Approved, (await gateway.RefundAsync(sale.TransactionId!, 400, Usd, RefundOrder(), default)).Outcome);
    }

    [Fact]
    public async Task Void_PendingSettlement_Succeeds_ButNotAfterSettlement()
    {
        var gateway = Gateway();
        var voided = await gateway.SaleAsync(Payment(1000), default);
        Assert.Equal(GatewayOutcome.Approved, (await gateway.VoidAsync(voided.TransactionId!, default)).Outcome);

        var settled = await gateway.SaleAsync(Payment(1000), default);
        _nmi.Settle();
        var late = await gateway.VoidAsync(settled.TransactionId!, default);
        Assert.Equal(GatewayOutcome.Error, late.Outcome);
        Assert.StartsWith("Only transactions pending settlement can be voided", late.Message);

        var unknown = await gateway.VoidAsync("999", default);
        Assert.Equal(("invalid_transaction", "Invalid Transaction ID specified"), (unknown.DeclineCode, unknown.Message));
    }

    [Fact]
    public async Task Sale_WithMalformedBody_IsUnknown()
    {
        _nmi.Fault = FakeNmi.Faults.MalformedBody;
        var result = await Gateway().SaleAsync(Payment(), default);
        Assert.Equal(GatewayOutcome.Unknown, result.Outcome);
    }

    [Fact]
    public async Task Sale_WhenRateLimited_IsErrorRateLimited()
    {
        _nmi.Fault = FakeNmi.Faults.RateLimited;
        var result = await Gateway().SaleAsync(Payment(), default);
        Assert.Equal((GatewayOutcome.Error, "rate_limited"), (result.Outcome, result.DeclineCode));
    }

    [Fact]
    public async Task Sale_WithServerError_IsUnknown()
    {
        _nmi.Fault = FakeNmi.Faults.ServerError;
        Assert.Equal(GatewayOutcome.Unknown, (await Gateway().SaleAsync(Payment(), default)).Outcome);
    }

    [Fact]
    public async Task Sale_WhenConnectionIsRefused_IsUnknown()
    {
        var result = await Gateway(baseUrl: "http://127.0.0.1:1").SaleAsync(Payment(), default);
        Assert.Equal(GatewayOutcome.Unknown, result.Outcome);
    }

    [Fact]
    public async Task Sale_WhenNmiHangs_TimesOutAsUnknown()
    {
        _nmi.Fault = FakeNmi.Faults.Hang;
        var watch = Stopwatch.StartNew();
        var result = await Gateway(timeout: TimeSpan.FromSeconds(1)).SaleAsync(Payment(), default);
        Assert.Equal(GatewayOutcome.Unknown, result.Outcome);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Sale_WhenAnswerIsLost_QuerySettlesItAsApprovedWithoutASecondCharge()
    {
        var payment = Payment(2500);
        _nmi.Fault = FakeNmi.Faults.DropAnswer;
        var lost = await Gateway().SaleAsync(payment, default);
        Assert.Equal(GatewayOutcome.Unknown, lost.Outcome);

        _nmi.Fault = FakeNmi.Faults.None;
        var settled = await Gateway().QueryAsync(GatewayLookup.Charge(payment.OrderId), default);

        var sale = Assert.Single(_nmi.Ledger, t => t.Type == "sale");
        Assert.Equal(GatewayOutcome.Approved, settled.Outcome);
        Assert.Equal(sale.Id, settled.TransactionId);
        Assert.Equal(("1111", "12/30", "visa"), (settled.CardLast4, settled.CardExpiry, settled.CardBrand));
        Assert.Equal(payment.OrderId, _nmi.Requests[^1].Fields["order_id"]);
        Assert.EndsWith("/api/query.php", _nmi.Requests[^1].Path);
    }

    [Fact]
    public async Task Query_ForDeclinedRefundedAndUnknownOrders()
    {
        var gateway = Gateway();
        var declined = Payment(1500, "4000000000000002");
        await gateway.SaleAsync(declined, default);
        Assert.Equal(GatewayOutcome.HardDecline, (await gateway.QueryAsync(GatewayLookup.Charge(declined.OrderId), default)).Outcome);

        var refunded = Payment(1500);
        var sale = await gateway.SaleAsync(refunded, default);
        await gateway.RefundAsync(sale.TransactionId!, 1500, Usd, RefundOrder(), default);
        var afterRefund = await gateway.QueryAsync(GatewayLookup.Charge(refunded.OrderId), default);
        Assert.Equal((GatewayOutcome.Approved, sale.TransactionId), (afterRefund.Outcome, afterRefund.TransactionId));

        var missing = await gateway.QueryAsync(GatewayLookup.Charge("ord_never_sent"), default);
        Assert.Equal((GatewayOutcome.Error, "not_found"), (missing.Outcome, missing.DeclineCode));

        var wrongKey = await Gateway(securityKey: "wrong").QueryAsync(GatewayLookup.Charge(refunded.OrderId), default);
        Assert.Equal((GatewayOutcome.Error, "authentication_failed"), (wrongKey.Outcome, wrongKey.DeclineCode));
    }

    [Fact]
    public async Task StoredCredential_FirstChargeVaultsAndFlagsStored_RenewalFlagsUsedWithInitialTransaction()
    {
        var gateway = Gateway();
        var first = await gateway.SaleAsync(Payment(1999, storeCard: true, stored: new StoredCredential(true, null)), default);

        Assert.Equal(GatewayOutcome.Approved, first.Outcome);
        Assert.StartsWith("vault_nmi_", first.VaultId);
        var firstFields = _nmi.LastTransact;
        Assert.Equal("add_customer", firstFields["customer_vault"]);
        Assert.Equal(("recurring", "customer", "stored"),
            (firstFields["billing_method"], firstFields["initiated_by"], firstFields["stored_credential_indicator"]));
        Assert.False(firstFields.ContainsKey("initial_transaction_id"));

        var row = await _db.QuerySingleAsync<(string GatewayVaultId, string Brand, string Last4, string Expiry, string Mode, string Gateway)>(
            "SELECT gateway_vault_id, card_brand, card_last4, card_expiry, mode, gateway FROM vaulted_cards WHERE vault_id = @Id", new { Id = first.VaultId });
        var nmiVaultId = _nmi.Ledger.Single().VaultId;
        Assert.Equal((nmiVaultId, "visa", "1111", "12/30", "live", "nmi"), row);

        var renewal = await gateway.SaleAsync(Vaulted(first.VaultId!, 1999, new StoredCredential(false, first.TransactionId)), default);
        Assert.Equal(GatewayOutcome.Approved, renewal.Outcome);
        Assert.Equal(("1111", first.VaultId), (renewal.CardLast4, renewal.VaultId));
        var renewalFields = _nmi.LastTransact;
        Assert.Equal(nmiVaultId, renewalFields["customer_vault_id"]);
        Assert.Equal(("recurring", "merchant", "used", first.TransactionId),
            (renewalFields["billing_method"], renewalFields["initiated_by"], renewalFields["stored_credential_indicator"], renewalFields["initial_transaction_id"]));
        Assert.False(renewalFields.ContainsKey("ccnumber"));
        Assert.False(renewalFields.ContainsKey("customer_vault"));
    }

    [Fact]
    public async Task VaultedCharge_OfRenewalDecliningCard_IsSoftDecline()
    {
        var gateway = Gateway();
        var first = await gateway.SaleAsync(Payment(1999, "4000000000000341", storeCard: true), default);
        Assert.Equal(GatewayOutcome.Approved, first.Outcome);
        var renewal = await gateway.SaleAsync(Vaulted(first.VaultId!, 1999, new StoredCredential(false, first.TransactionId)), default);
        Assert.Equal((GatewayOutcome.SoftDecline, "do_not_honor"), (renewal.Outcome, renewal.DeclineCode));
    }

    [Fact]
    public async Task VaultedCharge_WithUnknownVaultId_IsErrorWithoutCallingNmi()
    {
        var result = await Gateway().SaleAsync(Vaulted("vault_nmi_nope", 1000, null), default);
        Assert.Equal((GatewayOutcome.Error, "vault_not_found"), (result.Outcome, result.DeclineCode));
        Assert.Empty(_nmi.Requests);
    }

    [Fact]
    public async Task Sale_WithPaymentToken_SendsTokenInsteadOfCard()
    {
        var payment = new GatewayPayment("ord_tok_" + Guid.NewGuid().ToString("N")[..8], 1000, Usd, new PaymentSource(PaymentToken: FakeNmi.TestToken));
        var result = await Gateway().SaleAsync(payment, default);
        Assert.Equal(GatewayOutcome.Approved, result.Outcome);
        Assert.Equal(FakeNmi.TestToken, _nmi.LastTransact["payment_token"]);
        Assert.False(_nmi.LastTransact.ContainsKey("ccnumber"));
        Assert.False(_nmi.LastTransact.ContainsKey("cvv"));
    }

    [Fact]
    public async Task Refund_SendsItsOwnOrderId_AndIsFoundByIt()
    {
        var gateway = Gateway();
        var payment = Payment(1000);
        var sale = await gateway.SaleAsync(payment, default);
        var orderId = RefundOrder();
        var lookup = GatewayLookup.Refund(orderId, sale.TransactionId!);
        var before = await gateway.QueryAsync(lookup, default);
        Assert.Equal((GatewayOutcome.Error, "not_found"), (before.Outcome, before.DeclineCode));

        _nmi.Fault = FakeNmi.Faults.DropAnswer;
        var lost = await gateway.RefundAsync(sale.TransactionId!, 400, Usd, orderId, default);
        _nmi.Fault = FakeNmi.Faults.None;
        var found = await gateway.QueryAsync(lookup, default);

        Assert.Equal(GatewayOutcome.Unknown, lost.Outcome);
        Assert.Equal(orderId, _nmi.Requests.Last(r => r.Path.EndsWith("transact.php", StringComparison.Ordinal)).Fields["orderid"]);
        var refund = Assert.Single(_nmi.Ledger, t => t.Type == "refund");
        Assert.Equal((GatewayOutcome.Approved, refund.Id), (found.Outcome, found.TransactionId));
        Assert.Equal(orderId, _nmi.Requests[^1].Fields["order_id"]);
        var charge = await gateway.QueryAsync(GatewayLookup.Charge(payment.OrderId), default);
        Assert.Equal(sale.TransactionId, charge.TransactionId); // the sale's own lookup is not confused by the refund
    }

    [Fact]
    public async Task Query_ForACaptureOrVoid_AsksByTheAuthorizationsTransactionId_AndReadsItsCondition()
    {
        var gateway = Gateway();
        var payment = Payment(1000);
        var auth = await gateway.AuthorizeAsync(payment, default);
        var capture = GatewayLookup.Capture(payment.OrderId, auth.TransactionId!);
        var voiding = GatewayLookup.Void(payment.OrderId, auth.TransactionId!);

        var pending = await gateway.QueryAsync(capture, default);
        Assert.Equal((GatewayOutcome.Error, "not_found"), (pending.Outcome, pending.DeclineCode));
        Assert.Equal(auth.TransactionId, _nmi.Requests[^1].Fields["transaction_id"]);
        Assert.False(_nmi.Requests[^1].Fields.ContainsKey("order_id"));

        await gateway.CaptureAsync(auth.TransactionId!, 700, Usd, default);
        Assert.Equal(GatewayOutcome.Approved, (await gateway.QueryAsync(capture, default)).Outcome);
        var notVoided = await gateway.QueryAsync(voiding, default);
        Assert.Equal((GatewayOutcome.HardDecline, "captured"), (notVoided.Outcome, notVoided.DeclineCode));

        var other = Payment(1000);
        var voided = await gateway.AuthorizeAsync(other, default);
        await gateway.VoidAsync(voided.TransactionId!, default);
        Assert.Equal(GatewayOutcome.Approved, (await gateway.QueryAsync(GatewayLookup.Void(other.OrderId, voided.TransactionId!), default)).Outcome);
        var notCaptured = await gateway.QueryAsync(GatewayLookup.Capture(other.OrderId, voided.TransactionId!), default);
        Assert.Equal((GatewayOutcome.HardDecline, "voided"), (notCaptured.Outcome, notCaptured.DeclineCode));
    }

    [Fact]
    public async Task Query_WhenNmiFails_IsUnknown()
    {
        var payment = Payment(1000);
        await Gateway().SaleAsync(payment, default);

        foreach (var fault in new[] { FakeNmi.Faults.ServerError, FakeNmi.Faults.MalformedBody })
        {
            _nmi.QueryFault = fault;
            Assert.Equal(GatewayOutcome.Unknown, (await Gateway().QueryAsync(GatewayLookup.Charge(payment.OrderId), default)).Outcome);
        }
    }

    [Fact]
    public async Task Sale_GivenUpByTheCallerWhileNmiHangs_IsUnknown_NotAnException()
    {
        _nmi.Fault = FakeNmi.Faults.Hang;
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var result = await Gateway().SaleAsync(Payment(), giveUp.Token);

        Assert.Equal(GatewayOutcome.Unknown, result.Outcome);
    }

    [Fact]
    public async Task Logs_NeverContainCardNumberCvvOrSecurityKey()
    {
        var gateway = Gateway();
        var sale = await gateway.SaleAsync(Payment(1234, storeCard: true, stored: new StoredCredential(true, null)), default);
        await gateway.SaleAsync(Payment(1500, "4000000000000002"), default);
        await gateway.RefundAsync(sale.TransactionId!, 100, Usd, RefundOrder(), default);
        await Gateway(securityKey: "wrong-" + FakeNmi.SecurityKey).SaleAsync(Payment(), default);
        _nmi.Fault = FakeNmi.Faults.MalformedBody;
        await gateway.SaleAsync(Payment(), default);

        var logs = _log.All;
        Assert.NotEmpty(_log.Entries);
        Assert.Contains(_nmi.Requests, r => r.Fields.GetValueOrDefault("ccnumber") == Visa); // it was sent …
        Assert.DoesNotContain(Visa, logs);                                                    // … and never logged
        Assert.DoesNotContain("4000000000000002", logs);
        Assert.DoesNotContain("cvv", logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(FakeNmi.SecurityKey, logs);
    }
}
