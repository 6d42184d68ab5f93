using System.Globalization;
using System.Net;
using Dapper;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Gateways.Nmi;

/// <summary>One merchant's NMI account. ToString never shows the security key.</summary>
public sealed record NmiAccount(string MerchantId, string SecurityKey, string BaseUrl, string Mode = "live")
{
    public const string DefaultBaseUrl = "https://secure.nmi.com";

    public override string ToString() => $"NmiAccount {{ MerchantId = {MerchantId}, Mode = {Mode}, BaseUrl = {BaseUrl} }}";
}

/// <summary>Configuration section PaymentHub:Nmi.</summary>
public sealed class NmiOptions
{
    public const string HttpClientName = "nmi";

    /// <summary>How long one call to NMI may take before its outcome is Unknown.</summary>
    public int TimeoutSeconds { get; set; } = 30;
}

/// <summary>
/// Live mode's gateway: NMI's Direct Post API (transact.php, form fields in, key=value answers out)
/// and its query API (query.php, XML out). A call whose answer is lost — timeout, dropped
/// connection, HTTP 5xx, a body that is not NMI's, or a failure of ours while reading the answer —
/// is Unknown, never a decline: the caller settles it with <see cref="QueryAsync"/>. Only what
/// fails before the request leaves (building its fields) can throw. Logs carry the order id,
/// outcome and response code only.
/// </summary>
internal sealed class NmiGateway(NmiAccount account, HttpClient http, Db db, DbWriter writer, TimeProvider clock, ILogger<NmiGateway> logger) : IGateway
{
    public const string GatewayName = "nmi";

    public string Name => GatewayName;

    public TimeSpan Timeout => http.Timeout;

    public Task<GatewayResult> SaleAsync(GatewayPayment payment, CancellationToken ct) => ChargeAsync(payment, "sale", ct);

    public Task<GatewayResult> AuthorizeAsync(GatewayPayment payment, CancellationToken ct) => ChargeAsync(payment, "auth", ct);

    private async Task<GatewayResult> ChargeAsync(GatewayPayment payment, string type, CancellationToken ct)
    {
        var source = payment.Source;
        var given = (source.Card is null ? 0 : 1) + (source.PaymentToken is null ? 0 : 1) + (source.VaultId is null ? 0 : 1);
        if (given != 1) return Refused(type, payment.OrderId, "invalid_request", "Pay with exactly one of a card, a payment token or a vault id.");
        if (payment.Amount <= 0) return Refused(type, payment.OrderId, "invalid_amount", "The amount must be positive.");

        var fields = new List<KeyValuePair<string, string>>
        {
            new("type", type),
            new("amount", Amounts.Format(payment.Amount, payment.Currency.Exponent)),
            new("currency", payment.Currency.Code),
            new("orderid", payment.OrderId),
        };
        if (payment.Description is { Length: > 0 } description) fields.Add(new("order_description", description));
        AddCustomer(fields, payment.Customer, source.Card?.NameOnCard);

        GatewayResult card = new(GatewayOutcome.Approved);
        if (source.Card is { } typed)
        {
            var digits = CardNumbers.Digits(typed.Number) ?? typed.Number;
            fields.Add(new("ccnumber", digits));
            fields.Add(new("ccexp", typed.ExpMonth.ToString("00", CultureInfo.InvariantCulture) + (CardNumbers.FullYear(typed.ExpYear) % 100).ToString("00", CultureInfo.InvariantCulture)));
            if (!string.IsNullOrEmpty(typed.Cvc)) fields.Add(new("cvv", typed.Cvc));
            card = card with
            {
                CardBrand = CardNumbers.BrandOf(digits) is var b && b != "unknown" ? b : null,
                CardLast4 = CardNumbers.Last4(digits),
                CardExpiry = typed.ExpMonth is >= 1 and <= 12 ? CardNumbers.Expiry(typed.ExpMonth, typed.ExpYear) : null,
            };
        }
        else if (source.PaymentToken is { } token)
        {
            fields.Add(new("payment_token", token));
        }
        else
        {
            var vaulted = await FindVaultedCardAsync(source.VaultId!, ct);
            if (vaulted is null) return Refused(type, payment.OrderId, "vault_not_found", $"No stored card {source.VaultId} for this merchant in {account.Mode} mode.");
            fields.Add(new("customer_vault_id", vaulted.GatewayVaultId));
            card = card with { CardBrand = vaulted.CardBrand, CardLast4 = vaulted.CardLast4, CardExpiry = vaulted.CardExpiry, VaultId = vaulted.VaultId };
        }

        if (payment.StoreCard && source.VaultId is null) fields.Add(new("customer_vault", "add_customer"));
        if (payment.StoredCredential is { } stored)
        {
            fields.Add(new("billing_method", "recurring"));
            if (stored.Initial)
            {
                fields.Add(new("initiated_by", "customer"));
                fields.Add(new("stored_credential_indicator", "stored"));
            }
            else
            {
                fields.Add(new("initiated_by", "merchant"));
                fields.Add(new("stored_credential_indicator", "used"));
                if (stored.InitialTransactionId is { Length: > 0 } initial) fields.Add(new("initial_transaction_id", initial));
            }
        }

        return await TransactAsync(type, payment.OrderId, fields, ct, async (result, answer) =>
        {
            result = result with { CardBrand = card.CardBrand, CardLast4 = card.CardLast4, CardExpiry = card.CardExpiry, VaultId = card.VaultId };
            if (answer is null) return result;
            // A payment token's card is known only to NMI: take what it tells us, if anything.
            result = NmiProtocol.WithMaskedCard(result, Get(answer, "cc_number"), Get(answer, "cc_exp"), Get(answer, "cc_type"));
            if (result.Approved && payment.StoreCard && source.VaultId is null && Get(answer, "customer_vault_id") is { } nmiVaultId)
                result = result with { VaultId = await RecordVaultedCardAsync(nmiVaultId, result, payment.OrderId) };
            return result;
        });
    }

    public Task<GatewayResult> CaptureAsync(string transactionId, long amount, Currency currency, CancellationToken ct) =>
        TransactAsync("capture", transactionId,
        [
            new("type", "capture"),
            new("transactionid", transactionId),
            new("amount", Amounts.Format(amount, currency.Exponent)),
        ], ct, (result, _) => Task.FromResult(result with { TransactionId = result.TransactionId ?? (result.Approved ? transactionId : null) }));

    public Task<GatewayResult> VoidAsync(string transactionId, CancellationToken ct) =>
        TransactAsync("void", transactionId, [new("type", "void"), new("transactionid", transactionId)], ct,
            (result, _) => Task.FromResult(result with { TransactionId = result.TransactionId ?? (result.Approved ? transactionId : null) }));

    public Task<GatewayResult> RefundAsync(string transactionId, long amount, Currency currency, string orderId, CancellationToken ct)
    {
        if (amount <= 0) return Task.FromResult(Refused("refund", orderId, "invalid_amount", "The amount must be positive."));
        return TransactAsync("refund", orderId,
        [
            new("type", "refund"),
            new("transactionid", transactionId),
            new("amount", Amounts.Format(amount, currency.Exponent)),
            new("orderid", orderId),
        ], ct, (result, _) => Task.FromResult(result));
    }

    /// <summary>
    /// query.php: charges and refunds by the order id we sent with them; captures and voids by the
    /// authorization's transaction id, whose condition shows whether they took effect.
    /// </summary>
    public async Task<GatewayResult> QueryAsync(GatewayLookup lookup, CancellationToken ct)
    {
        var byTransaction = lookup.Kind is GatewayLookupKind.Capture or GatewayLookupKind.Void;
        var (body, lost) = await PostAsync("/api/query.php",
            [byTransaction ? new("transaction_id", lookup.TransactionId!) : new("order_id", lookup.OrderId)], ct);
        GatewayResult result;
        try
        {
            result = lost ?? NmiProtocol.ClassifyQuery(body, lookup);
            // A first recurring payment whose answer was lost: the query names the card NMI stored, so its subscription can start.
            if (result.VaultId is { } customerVaultId)
                result = result with { VaultId = await VaultIdForAsync(customerVaultId, result, lookup.OrderId, ct) };
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "NMI's query answer for order {OrderId} could not be read", lookup.OrderId);
            result = new GatewayResult(GatewayOutcome.Unknown, Message: "NMI's query answer could not be read.");
        }
        logger.LogInformation("NMI query for {Operation} of order {OrderId}: {Outcome} {Code}", lookup.Operation, lookup.OrderId, result.Outcome, result.DeclineCode);
        return result;
    }

    /// <summary>
    /// Posts to transact.php and reads the answer with <paramref name="read"/>. Once the request may
    /// have left, nothing throws: a failure of ours while reading a real answer is Unknown too, since
    /// NMI may have acted on the request.
    /// </summary>
    private async Task<GatewayResult> TransactAsync(string type, string reference, List<KeyValuePair<string, string>> fields, CancellationToken ct,
        Func<GatewayResult, IReadOnlyDictionary<string, string>?, Task<GatewayResult>> read)
    {
        var (body, failed) = await PostAsync("/api/transact.php", fields, ct);
        IReadOnlyDictionary<string, string>? answer = null;
        GatewayResult result;
        try
        {
            answer = failed is null ? NmiProtocol.ParseAnswer(body) : null;
            result = failed ?? (answer is null
                ? new GatewayResult(GatewayOutcome.Unknown, Message: "NMI's answer could not be read.")
                : NmiProtocol.Classify(answer));
            result = await read(result, answer);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "NMI {Type} {Reference}: the answer could not be processed; the outcome is unknown", type, reference);
            result = new GatewayResult(GatewayOutcome.Unknown, Message: "NMI's answer could not be processed; the outcome is unknown.");
        }
        Log(type, reference, result, answer);
        return result;
    }

    /// <summary>The answer's body, or the outcome when there is no body to read. Throws only before anything is sent.</summary>
    private async Task<(string? Body, GatewayResult? Failed)> PostAsync(string path, List<KeyValuePair<string, string>> fields, CancellationToken ct)
    {
        fields.Insert(0, new("security_key", account.SecurityKey));
        var url = new Uri(account.BaseUrl.TrimEnd('/') + path, UriKind.Absolute);
        using var content = new FormUrlEncodedContent(fields);
        try
        {
            using var response = await http.PostAsync(url, content, ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                return (null, new GatewayResult(GatewayOutcome.Error, DeclineCode: "rate_limited", Message: "NMI's rate limit was reached (HTTP 429); try again later."));
            if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout)
                return (null, new GatewayResult(GatewayOutcome.Unknown, Message: $"NMI answered HTTP {(int)response.StatusCode}; the outcome is unknown."));
            if (!response.IsSuccessStatusCode)
                return (null, new GatewayResult(GatewayOutcome.Error, DeclineCode: "gateway_http_error", Message: $"NMI answered HTTP {(int)response.StatusCode}."));
            return (await response.Content.ReadAsStringAsync(ct), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, new GatewayResult(GatewayOutcome.Unknown, Message: $"NMI did not answer within {http.Timeout.TotalSeconds:0.#} s; the outcome is unknown."));
        }
        catch (OperationCanceledException)
        {
            return (null, new GatewayResult(GatewayOutcome.Unknown, Message: "The call to NMI was given up before its answer came; the outcome is unknown."));
        }
        catch (HttpRequestException ex)
        {
            return (null, new GatewayResult(GatewayOutcome.Unknown, Message: $"The connection to NMI failed ({ex.HttpRequestError}); the outcome is unknown."));
        }
        catch (Exception ex)
        {
            // The request may have left: whatever went wrong, only a query can tell what NMI did with it.
            logger.LogWarning(ex, "The call to NMI ended without an answer");
            return (null, new GatewayResult(GatewayOutcome.Unknown, Message: "The connection to NMI was lost; the outcome is unknown."));
        }
    }

    private static void AddCustomer(List<KeyValuePair<string, string>> fields, GatewayCustomer? customer, string? nameOnCard)
    {
        var (first, last) = customer?.FirstName is null && customer?.LastName is null
            ? CardNumbers.SplitName(nameOnCard)
            : (customer.FirstName, customer.LastName);
        if (!string.IsNullOrWhiteSpace(first)) fields.Add(new("first_name", first));
        if (!string.IsNullOrWhiteSpace(last)) fields.Add(new("last_name", last));
        if (!string.IsNullOrWhiteSpace(customer?.Email)) fields.Add(new("email", customer.Email));
        if (!string.IsNullOrWhiteSpace(customer?.IpAddress)) fields.Add(new("ipaddress", customer.IpAddress));
    }

    private async Task<VaultRow?> FindVaultedCardAsync(string vaultId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<VaultRow>(new CommandDefinition("""
            SELECT vault_id AS VaultId, gateway_vault_id AS GatewayVaultId, card_brand AS CardBrand, card_last4 AS CardLast4, card_expiry AS CardExpiry
            FROM vaulted_cards
            WHERE vault_id = @VaultId AND merchant_id = @MerchantId AND mode = @Mode AND gateway = 'nmi' AND gateway_vault_id IS NOT NULL
            """, new { VaultId = vaultId, account.MerchantId, account.Mode }, cancellationToken: ct));
    }

    /// <summary>Our vault id for a card NMI keeps as <paramref name="customerVaultId"/>: the one recorded already, else a new record.</summary>
    private async Task<string?> VaultIdForAsync(string customerVaultId, GatewayResult result, string orderId, CancellationToken ct)
    {
        await using (var connection = await db.OpenAsync(ct))
        {
            var known = await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition("""
                SELECT vault_id FROM vaulted_cards
                WHERE merchant_id = @MerchantId AND mode = @Mode AND gateway = 'nmi' AND gateway_vault_id = @GatewayVaultId
                ORDER BY created_at LIMIT 1
                """, new { account.MerchantId, account.Mode, GatewayVaultId = customerVaultId }, cancellationToken: ct));
            if (known is not null) return known;
        }
        return await RecordVaultedCardAsync(customerVaultId, result, orderId);
    }

    /// <summary>Keeps the stored card's token, brand, last 4 and expiry; returns our vault id for it.</summary>
    private async Task<string?> RecordVaultedCardAsync(string nmiVaultId, GatewayResult result, string orderId)
    {
        var vaultId = "vault_nmi_" + RandomTokens.New(15);
        try
        {
            // The charge has happened: the record must not be lost to the caller's cancellation.
            await writer.WriteAsync(tx => tx.Connection.ExecuteAsync("""
                INSERT INTO vaulted_cards (vault_id, merchant_id, mode, gateway, gateway_vault_id, behaviour, card_brand, card_last4, card_expiry, created_at)
                VALUES (@VaultId, @MerchantId, @Mode, 'nmi', @GatewayVaultId, NULL, @CardBrand, @CardLast4, @CardExpiry, @Now)
                """, new
            {
                VaultId = vaultId, account.MerchantId, account.Mode, GatewayVaultId = nmiVaultId,
                result.CardBrand, result.CardLast4, result.CardExpiry, Now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            }, tx.Transaction), CancellationToken.None);
            return vaultId;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "NMI stored the card of order {OrderId} but recording it failed; renewals will not find it", orderId);
            return null;
        }
    }

    private GatewayResult Refused(string type, string reference, string code, string message)
    {
        var result = new GatewayResult(GatewayOutcome.Error, DeclineCode: code, Message: message);
        Log(type, reference, result, null);
        return result;
    }

    // Order id (or transaction id), outcome and response code only: never card data or the key.
    private void Log(string type, string reference, GatewayResult result, IReadOnlyDictionary<string, string>? answer)
    {
        var responseCode = answer is null ? null : Get(answer, "response_code");
        if (result.Outcome is GatewayOutcome.Unknown or GatewayOutcome.Error)
            logger.LogWarning("NMI {Type} {Reference}: {Outcome} {Code} response_code {ResponseCode}", type, reference, result.Outcome, result.DeclineCode, responseCode);
        else
            logger.LogInformation("NMI {Type} {Reference}: {Outcome} {Code} response_code {ResponseCode}", type, reference, result.Outcome, result.DeclineCode, responseCode);
    }

    private static string? Get(IReadOnlyDictionary<string, string> answer, string key) =>
        answer.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    private sealed class VaultRow
    {
        public required string VaultId { get; init; }
        public required string GatewayVaultId { get; init; }
        public string? CardBrand { get; init; }
        public string? CardLast4 { get; init; }
        public string? CardExpiry { get; init; }
    }
}
