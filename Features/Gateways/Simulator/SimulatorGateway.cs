using System.Security.Cryptography;
using Dapper;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;
using static PaymentHub.Features.Gateways.Simulator.SimulatorCards;

namespace PaymentHub.Features.Gateways.Simulator;

/// <summary>
/// Test mode's gateway: deterministic outcomes by card number (<see cref="SimulatorCards"/>), with a
/// ledger in simulator_transactions so capture, void and refund limits and queries by order id
/// behave like a real gateway's and survive restarts. One instance serves one merchant.
/// </summary>
internal sealed class SimulatorGateway(string merchantId, Db db, DbWriter writer, TimeProvider clock, ILogger<SimulatorGateway> logger) : IGateway
{
    public const string GatewayName = "simulator";

    /// <summary>A captured transaction settles this long after capture; until then it can be voided.</summary>
    public static readonly TimeSpan SettlementDelay = TimeSpan.FromHours(24);

    public string Name => GatewayName;

    /// <summary>The simulator answers from the local database; anything slower than this is stuck.</summary>
    public TimeSpan Timeout => TimeSpan.FromSeconds(30);

    public Task<GatewayResult> SaleAsync(GatewayPayment payment, CancellationToken ct) => ChargeAsync(payment, "sale", ct);

    public Task<GatewayResult> AuthorizeAsync(GatewayPayment payment, CancellationToken ct) => ChargeAsync(payment, "auth", ct);

    private async Task<GatewayResult> ChargeAsync(GatewayPayment payment, string kind, CancellationToken ct)
    {
        var result = await writer.WriteAsync(async tx =>
        {
            var previous = await FindByOrderAsync(tx, payment.OrderId);
            if (previous is not null)
            {
                // The same attempt again (a retry after a lost answer): answer what happened, charge nothing.
                return previous.Kind == kind && previous.Amount == payment.Amount && previous.Currency == payment.Currency.Code
                    ? previous.ToResult()
                    : Error("duplicate_order_id", $"Order id {payment.OrderId} was already used for a different transaction.");
            }

            var decided = await DecideAsync(tx, payment);
            if (decided.Rejected is not null) return decided.Rejected;

            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var (status, code, message) = decided.Declined ?? Charge(decided.Card, stored: decided.StoredVaultId is not null);
            var approved = status == Statuses.Approved;
            if (approved && kind == "auth") status = Statuses.Authorized;

            string? vaultId = decided.StoredVaultId;
            if (approved && payment.StoreCard && vaultId is null)
            {
                vaultId = "vault_sim_" + RandomTokens.New(15);
                await tx.Connection.ExecuteAsync(InsertVaultedCard, new
                {
                    VaultId = vaultId, MerchantId = merchantId, Behaviour = ToBehaviour(decided.Card),
                    decided.Brand, decided.Last4, decided.Expiry, Now = now,
                }, tx.Transaction);
            }

            var row = new TxnRow
            {
                TxnId = NewTransactionId(), MerchantId = merchantId, OrderId = payment.OrderId, Kind = kind,
                Amount = payment.Amount, Currency = payment.Currency.Code,
                Captured = approved && kind == "sale" ? payment.Amount : 0,
                Status = status, DeclineCode = code, Message = message,
                CardBrand = decided.Brand, CardLast4 = decided.Last4, CardExpiry = decided.Expiry,
                VaultId = approved ? vaultId : null,
                AuthCode = approved ? RandomNumberGenerator.GetInt32(100000, 1000000).ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
                CreatedAt = now, CapturedAt = approved && kind == "sale" ? now : null, UpdatedAt = now,
            };
            Insert(tx, row);
            return row.ToResult();
        }, ct);

        logger.LogInformation("Simulator {Kind} for order {OrderId}: {Outcome} {Code}", kind, payment.OrderId, result.Outcome, result.DeclineCode);
        return result;
    }

    /// <summary>What to charge; <see cref="Declined"/> is a decline before any card rule (kept in the ledger); <see cref="Rejected"/> a request refused outright (not kept).</summary>
    private sealed record Decision(SimulatedCard Card, string? Brand, string? Last4, string? Expiry, string? StoredVaultId,
        GatewayResult? Rejected, (string Status, string? Code, string Message)? Declined = null);

    private async Task<Decision> DecideAsync(DbTx tx, GatewayPayment payment)
    {
        var source = payment.Source;
        Decision Reject(GatewayResult r) => new(SimulatedCard.Approve, null, null, null, null, r);

        if (payment.Amount <= 0) return Reject(Error("invalid_amount", "The amount must be positive."));
        var given = (source.Card is null ? 0 : 1) + (source.PaymentToken is null ? 0 : 1) + (source.VaultId is null ? 0 : 1);
        if (given != 1) return Reject(Error("invalid_request", "Pay with exactly one of a card, a payment token or a vault id."));
        if (source.PaymentToken is not null)
            return Reject(Error("invalid_request", "The simulator takes card details or a vault id; payment tokens come from NMI Collect.js in live mode."));

        var now = clock.GetUtcNow();
        if (source.Card is { } card)
        {
            var digits = CardNumbers.Digits(card.Number);
            var last4 = digits is null ? null : CardNumbers.Last4(digits);
            if (digits is null || !CardNumbers.LuhnValid(digits))
                return new Decision(SimulatedCard.Decline, null, last4, null, null, null,
                    (Statuses.HardDeclined, "incorrect_number", "Your card number is incorrect."));
            var brand = CardNumbers.BrandOf(digits);
            if (card.ExpMonth is < 1 or > 12)
                return new Decision(SimulatedCard.Decline, brand, last4, null, null, null,
                    (Statuses.HardDeclined, "invalid_expiry_month", "Your card's expiration month is invalid."));
            var expiry = CardNumbers.Expiry(card.ExpMonth, card.ExpYear);
            var simulated = CardNumbers.IsExpired(card.ExpMonth, card.ExpYear, now) ? SimulatedCard.ExpiredCard : SimulatorCards.Of(digits);
            return new Decision(simulated, brand, last4, expiry, null, null);
        }

        // Prepared on the writer's connection: renewals charge stored cards by the thousand.
        var vaulted = tx.SingleOrDefault<VaultRow>(SelectVaultedCard, ("VaultId", source.VaultId), ("MerchantId", merchantId));
        if (vaulted is null) return Reject(Error("vault_not_found", $"No stored card {source.VaultId} for this merchant in test mode."));
        var storedCard = FromBehaviour(vaulted.Behaviour);
        if (CardNumbers.ParseExpiry(vaulted.CardExpiry) is { } exp && CardNumbers.IsExpired(exp.Month, exp.Year, now))
            storedCard = SimulatedCard.ExpiredCard;
        return new Decision(storedCard, vaulted.CardBrand, vaulted.CardLast4, vaulted.CardExpiry, vaulted.VaultId, null);
    }

    public async Task<GatewayResult> CaptureAsync(string transactionId, long amount, Currency currency, CancellationToken ct)
    {
        var result = await writer.WriteAsync(async tx =>
        {
            var row = await FindAsync(tx, transactionId);
            if (row is null) return InvalidTransaction();
            if (row.Kind != "auth")
                return Error("invalid_state", row.Kind == "sale" ? "A sale is captured already; only authorizations can be captured." : "Only authorizations can be captured.");
            if (row.Status == Statuses.Captured) return Error("invalid_state", "The authorization was already captured.");
            if (row.Status == Statuses.Voided) return Error("invalid_state", "The authorization was voided.");
            if (row.Status != Statuses.Authorized) return Error("invalid_state", "Only approved authorizations can be captured.");
            if (row.Currency != currency.Code) return Error("currency_mismatch", $"The authorization is in {row.Currency}, not {currency.Code}.");
            if (amount <= 0) return Error("invalid_amount", "The amount must be positive.");
            if (amount > row.Amount)
                return Error("amount_too_large", $"The specified amount of {Amounts.Format(amount, currency.Exponent)} exceeds the authorization amount of {Amounts.Format(row.Amount, currency.Exponent)}");

            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            await tx.Connection.ExecuteAsync(
                "UPDATE simulator_transactions SET status = @Status, captured = @Amount, captured_at = @Now, updated_at = @Now WHERE txn_id = @TxnId",
                new { Status = Statuses.Captured, Amount = amount, Now = now, row.TxnId }, tx.Transaction);
            return Approved(row, row.TxnId);
        }, ct);
        logger.LogInformation("Simulator capture of {TransactionId}: {Outcome} {Code}", transactionId, result.Outcome, result.DeclineCode);
        return result;
    }

    public async Task<GatewayResult> VoidAsync(string transactionId, CancellationToken ct)
    {
        var result = await writer.WriteAsync(async tx =>
        {
            var row = await FindAsync(tx, transactionId);
            if (row is null) return InvalidTransaction();
            var now = clock.GetUtcNow();
            var pending = row.Kind != "refund" && row.Refunded == 0 && (row.Status == Statuses.Authorized
                || row.Status == Statuses.Captured && row.CapturedAt is { } at && now < DateTimeOffset.FromUnixTimeMilliseconds(at) + SettlementDelay);
            if (!pending) return Error("invalid_state", "Only transactions pending settlement can be voided");

            await tx.Connection.ExecuteAsync(
                "UPDATE simulator_transactions SET status = @Status, updated_at = @Now WHERE txn_id = @TxnId",
                new { Status = Statuses.Voided, Now = now.ToUnixTimeMilliseconds(), row.TxnId }, tx.Transaction);
            return Approved(row, row.TxnId);
        }, ct);
        logger.LogInformation("Simulator void of {TransactionId}: {Outcome} {Code}", transactionId, result.Outcome, result.DeclineCode);
        return result;
    }

    public async Task<GatewayResult> RefundAsync(string transactionId, long amount, Currency currency, string orderId, CancellationToken ct)
    {
        var result = await writer.WriteAsync(async tx =>
        {
            // The same refund again (a retry after a lost answer): answer what happened, refund nothing more.
            if (await FindRefundAsync(tx.Connection, orderId, tx.Transaction) is { } previous)
                return previous.ParentTxnId == transactionId && previous.Amount == amount
                    ? previous.ToResult()
                    : Error("duplicate_order_id", $"Order id {orderId} was already used for a different refund.");
            var row = await FindAsync(tx, transactionId);
            if (row is null) return InvalidTransaction();
            if (row.Kind == "refund") return Error("invalid_state", "A refund cannot be refunded.");
            if (row.Status != Statuses.Captured) return Error("invalid_state", "Only captured transactions can be refunded.");
            if (row.Currency != currency.Code) return Error("currency_mismatch", $"The transaction is in {row.Currency}, not {currency.Code}.");
            if (amount <= 0) return Error("invalid_amount", "The amount must be positive.");
            if (row.Refunded + amount > row.Captured) return Error("amount_too_large", "Refund amount may not exceed the transaction balance");

            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            await tx.Connection.ExecuteAsync(
                "UPDATE simulator_transactions SET refunded = refunded + @Amount, updated_at = @Now WHERE txn_id = @TxnId",
                new { Amount = amount, Now = now, row.TxnId }, tx.Transaction);
            var refund = new TxnRow
            {
                TxnId = NewTransactionId(), MerchantId = merchantId, OrderId = orderId, Kind = "refund", ParentTxnId = row.TxnId,
                Amount = amount, Currency = currency.Code, Captured = 0, Status = Statuses.Refunded, Message = "Refunded (simulated).",
                CardBrand = row.CardBrand, CardLast4 = row.CardLast4, CardExpiry = row.CardExpiry,
                CreatedAt = now, UpdatedAt = now,
            };
            Insert(tx, refund);
            return Approved(row, refund.TxnId);
        }, ct);
        logger.LogInformation("Simulator refund of {TransactionId}: {Outcome} {Code}", transactionId, result.Outcome, result.DeclineCode);
        return result;
    }

    public async Task<GatewayResult> QueryAsync(GatewayLookup lookup, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        switch (lookup.Kind)
        {
            case GatewayLookupKind.Charge:
                var charge = await connection.QueryFirstOrDefaultAsync<TxnRow>(new CommandDefinition(
                    SelectColumns + " WHERE merchant_id = @MerchantId AND order_id = @OrderId AND kind IN ('sale', 'auth') ORDER BY created_at DESC, txn_id",
                    new { MerchantId = merchantId, lookup.OrderId }, cancellationToken: ct));
                return charge?.ToResult() ?? NotFound($"No transaction with order id {lookup.OrderId}.");
            case GatewayLookupKind.Refund:
                var refund = await FindRefundAsync(connection, lookup.OrderId, null);
                return refund?.ToResult() ?? NotFound($"No refund with order id {lookup.OrderId}.");
            default:
                // A capture or a void shows in the state of the authorization it acted on.
                var auth = await connection.QuerySingleOrDefaultAsync<TxnRow>(new CommandDefinition(
                    SelectColumns + " WHERE txn_id = @TxnId AND merchant_id = @MerchantId",
                    new { TxnId = lookup.TransactionId, MerchantId = merchantId }, cancellationToken: ct));
                if (auth is null) return InvalidTransaction();
                var capture = lookup.Kind == GatewayLookupKind.Capture;
                return auth.Status switch
                {
                    Statuses.Captured => capture ? Approved(auth, auth.TxnId) : Error("invalid_state", "The authorization was captured, not voided."),
                    Statuses.Voided => capture ? new GatewayResult(GatewayOutcome.HardDecline, auth.TxnId, "voided", "The authorization was voided.") : Approved(auth, auth.TxnId),
                    Statuses.Authorized => NotFound($"The authorization has not been {(capture ? "captured" : "voided")}."),
                    _ => Error("invalid_state", "The transaction is not an approved authorization."),
                };
        }
    }

    private Task<TxnRow?> FindRefundAsync(System.Data.IDbConnection connection, string orderId, System.Data.IDbTransaction? transaction) =>
        connection.QueryFirstOrDefaultAsync<TxnRow>(
            SelectColumns + " WHERE merchant_id = @MerchantId AND order_id = @OrderId AND kind = 'refund'",
            new { MerchantId = merchantId, OrderId = orderId }, transaction);

    private Task<TxnRow?> FindAsync(DbTx tx, string transactionId) =>
        tx.Connection.QuerySingleOrDefaultAsync<TxnRow>(SelectColumns + " WHERE txn_id = @TxnId AND merchant_id = @MerchantId",
            new { TxnId = transactionId, MerchantId = merchantId }, tx.Transaction);

    private const string FindByOrderSql =
        SelectColumns + " WHERE merchant_id = @MerchantId AND order_id = @OrderId AND kind IN ('sale', 'auth') ORDER BY created_at DESC, txn_id";

    private Task<TxnRow?> FindByOrderAsync(DbTx tx, string orderId) =>
        Task.FromResult(tx.SingleOrDefault<TxnRow>(FindByOrderSql, ("MerchantId", merchantId), ("OrderId", orderId)));

    private static void Insert(DbTx tx, TxnRow r) => tx.Execute(InsertTransaction,
        ("TxnId", r.TxnId), ("MerchantId", r.MerchantId), ("OrderId", r.OrderId), ("Kind", r.Kind), ("ParentTxnId", r.ParentTxnId),
        ("Amount", r.Amount), ("Currency", r.Currency), ("Captured", r.Captured), ("Refunded", r.Refunded), ("Status", r.Status),
        ("DeclineCode", r.DeclineCode), ("Message", r.Message), ("CardBrand", r.CardBrand), ("CardLast4", r.CardLast4), ("CardExpiry", r.CardExpiry),
        ("VaultId", r.VaultId), ("AuthCode", r.AuthCode), ("CreatedAt", r.CreatedAt), ("CapturedAt", r.CapturedAt), ("UpdatedAt", r.UpdatedAt));

    private static string NewTransactionId() => "sim_" + RandomTokens.New(15);

    private static GatewayResult Error(string code, string message) => new(GatewayOutcome.Error, DeclineCode: code, Message: message);

    private static GatewayResult InvalidTransaction() => Error("invalid_transaction", "Invalid Transaction ID specified");

    private static GatewayResult NotFound(string message) => Error("not_found", message);

    private static GatewayResult Approved(TxnRow original, string transactionId) =>
        new(GatewayOutcome.Approved, transactionId, Message: "Approved (simulated).",
            CardBrand: original.CardBrand, CardLast4: original.CardLast4, CardExpiry: original.CardExpiry, VaultId: original.VaultId);

    private const string SelectColumns = """
        SELECT txn_id AS TxnId, merchant_id AS MerchantId, order_id AS OrderId, kind AS Kind, parent_txn_id AS ParentTxnId,
               amount AS Amount, currency AS Currency, captured AS Captured, refunded AS Refunded, status AS Status,
               decline_code AS DeclineCode, message AS Message, card_brand AS CardBrand, card_last4 AS CardLast4,
               card_expiry AS CardExpiry, vault_id AS VaultId, auth_code AS AuthCode, created_at AS CreatedAt,
               captured_at AS CapturedAt, updated_at AS UpdatedAt
        FROM simulator_transactions
        """;

    private const string InsertTransaction = """
        INSERT INTO simulator_transactions (txn_id, merchant_id, order_id, kind, parent_txn_id, amount, currency, captured, refunded,
                                            status, decline_code, message, card_brand, card_last4, card_expiry, vault_id, auth_code,
                                            created_at, captured_at, updated_at)
        VALUES (@TxnId, @MerchantId, @OrderId, @Kind, @ParentTxnId, @Amount, @Currency, @Captured, @Refunded,
                @Status, @DeclineCode, @Message, @CardBrand, @CardLast4, @CardExpiry, @VaultId, @AuthCode,
                @CreatedAt, @CapturedAt, @UpdatedAt)
        """;

    private const string InsertVaultedCard = """
        INSERT INTO vaulted_cards (vault_id, merchant_id, mode, gateway, gateway_vault_id, behaviour, card_brand, card_last4, card_expiry, created_at)
        VALUES (@VaultId, @MerchantId, 'test', 'simulator', NULL, @Behaviour, @Brand, @Last4, @Expiry, @Now)
        """;

    private const string SelectVaultedCard = """
        SELECT vault_id AS VaultId, behaviour AS Behaviour, card_brand AS CardBrand, card_last4 AS CardLast4, card_expiry AS CardExpiry
        FROM vaulted_cards
        WHERE vault_id = @VaultId AND merchant_id = @MerchantId AND mode = 'test' AND gateway = 'simulator'
        """;

    private sealed class VaultRow
    {
        public required string VaultId { get; init; }
        public string? Behaviour { get; init; }
        public string? CardBrand { get; init; }
        public string? CardLast4 { get; init; }
        public string? CardExpiry { get; init; }
    }

    private sealed class TxnRow
    {
        public required string TxnId { get; init; }
        public required string MerchantId { get; init; }
        public string? OrderId { get; init; }
        public required string Kind { get; init; }
        public string? ParentTxnId { get; init; }
        public long Amount { get; init; }
        public required string Currency { get; init; }
        public long Captured { get; init; }
        public long Refunded { get; init; }
        public required string Status { get; init; }
        public string? DeclineCode { get; init; }
        public string? Message { get; init; }
        public string? CardBrand { get; init; }
        public string? CardLast4 { get; init; }
        public string? CardExpiry { get; init; }
        public string? VaultId { get; init; }
        public string? AuthCode { get; init; }
        public long CreatedAt { get; init; }
        public long? CapturedAt { get; init; }
        public long UpdatedAt { get; init; }

        public GatewayResult ToResult()
        {
            var outcome = Status switch
            {
                Statuses.Authorized or Statuses.Captured or Statuses.Refunded => GatewayOutcome.Approved,
                Statuses.SoftDeclined => GatewayOutcome.SoftDecline,
                Statuses.HardDeclined => GatewayOutcome.HardDecline,
                Statuses.Voided => GatewayOutcome.HardDecline, // as NMI's query answers "canceled"
                _ => GatewayOutcome.Error,
            };
            return new GatewayResult(outcome, TxnId,
                DeclineCode: Status == Statuses.Voided ? "voided" : DeclineCode,
                Message: Status == Statuses.Voided ? "The transaction was voided." : Message,
                CardBrand, CardLast4, CardExpiry, VaultId, AuthCode);
        }
    }
}
