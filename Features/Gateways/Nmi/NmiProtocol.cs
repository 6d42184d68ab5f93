using System.Globalization;
using System.Net;
using System.Xml;
using System.Xml.Linq;
using PaymentHub.Features.Gateways.Contracts;

namespace PaymentHub.Features.Gateways.Nmi;

/// <summary>NMI's answers read into our outcomes: transact.php's key=value fields and query.php's XML.</summary>
internal static class NmiProtocol
{
    /// <summary>The <c>key=value&amp;…</c> body of transact.php, URL-decoded; null when it is not one.</summary>
    public static IReadOnlyDictionary<string, string>? ParseAnswer(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in body.Trim().Split('&'))
        {
            if (pair.Length == 0) continue;
            var eq = pair.IndexOf('=');
            if (eq <= 0) return null;
            fields[WebUtility.UrlDecode(pair[..eq])] = WebUtility.UrlDecode(pair[(eq + 1)..]);
        }
        return fields.TryGetValue("response", out var r) && r is "1" or "2" or "3" ? fields : null;
    }

    /// <summary>The outcome of a parsed answer. Card details are added by the caller.</summary>
    public static GatewayResult Classify(IReadOnlyDictionary<string, string> answer)
    {
        var response = answer["response"];
        var text = Get(answer, "responsetext");
        var code = int.TryParse(Get(answer, "response_code"), NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : (int?)null;
        var transactionId = Get(answer, "transactionid");
        var authCode = Get(answer, "authcode");

        if (code is 420 or 421)
            return new GatewayResult(GatewayOutcome.Error, transactionId, "communication_error", text ?? "Communication error with the processor");

        return response switch
        {
            "1" => new GatewayResult(GatewayOutcome.Approved, transactionId, Message: text, AuthCode: authCode),
            "2" => new GatewayResult(IsHardDecline(code) ? GatewayOutcome.HardDecline : GatewayOutcome.SoftDecline,
                transactionId, DeclineCodeOf(code), text),
            _ => new GatewayResult(GatewayOutcome.Error, transactionId, ErrorCodeOf(code, text), text),
        };
    }

    /// <summary>Hard: 220–253, 261, 262. Everything else that declines (200–204, 260, 264, other 2xx) is soft.</summary>
    public static bool IsHardDecline(int? code) => code is >= 220 and <= 253 or 261 or 262;

    public static string DeclineCodeOf(int? code) => code switch
    {
        200 => "card_declined",
        201 => "do_not_honor",
        202 => "insufficient_funds",
        203 => "over_limit",
        204 => "transaction_not_allowed",
        220 => "incorrect_number",
        221 => "no_such_issuer",
        222 => "no_card_on_file",
        223 => "expired_card",
        224 => "invalid_expiry",
        225 => "incorrect_cvc",
        240 => "call_issuer",
        250 => "pickup_card",
        251 => "lost_card",
        252 => "stolen_card",
        253 => "fraudulent",
        260 => "declined_with_instructions",
        261 => "stop_all_recurring",
        262 => "stop_recurring_program",
        263 => "updated_cardholder_data",
        264 => "try_again_later",
        _ => "card_declined",
    };

    private static string ErrorCodeOf(int? code, string? text)
    {
        if (text is not null && text.StartsWith("Authentication Failed", StringComparison.OrdinalIgnoreCase)) return "authentication_failed";
        if (text is not null && text.StartsWith("Duplicate transaction", StringComparison.OrdinalIgnoreCase)) return "duplicate_transaction";
        if (text is not null && text.StartsWith("Invalid Transaction ID", StringComparison.OrdinalIgnoreCase)) return "invalid_transaction";
        return code switch
        {
            301 => "rate_limited",
            >= 300 and < 400 => "gateway_rejected",
            410 or 411 => "merchant_configuration",
            430 => "duplicate_transaction",
            >= 400 and < 500 => "processor_error",
            _ => "gateway_error",
        };
    }

    /// <summary>
    /// The answer of query.php, read for what <paramref name="lookup"/> asked about. For an approved
    /// charge, <see cref="GatewayResult.VaultId"/> is NMI's own customer vault id (<c>customerid</c>) when
    /// the transaction has one: the caller turns it into ours.
    /// </summary>
    public static GatewayResult ClassifyQuery(string? body, GatewayLookup lookup)
    {
        XDocument xml;
        try
        {
            xml = XDocument.Parse(body ?? "");
        }
        catch (XmlException)
        {
            return new GatewayResult(GatewayOutcome.Unknown, Message: "NMI's query answer could not be read.");
        }
        var root = xml.Root;
        if (root is null || root.Name.LocalName != "nm_response")
            return new GatewayResult(GatewayOutcome.Unknown, Message: "NMI's query answer could not be read.");
        if (root.Element("error_response")?.Value is { } error)
            return new GatewayResult(GatewayOutcome.Error, DeclineCode: ErrorCodeOf(null, error), Message: error);

        var transactions = root.Elements("transaction").ToList();
        return lookup.Kind switch
        {
            GatewayLookupKind.Charge => ChargeOf(transactions, lookup.OrderId),
            GatewayLookupKind.Refund => RefundOf(transactions, lookup.OrderId),
            _ => AuthorizationChangeOf(transactions, lookup),
        };
    }

    /// <summary>A sale or authorization by its order id; refunds and credits may carry the same order id and are not it.</summary>
    private static GatewayResult ChargeOf(List<XElement> all, string orderId)
    {
        var transactions = all.Where(t => FirstActionType(t) is not ("refund" or "credit")).ToList();
        if (transactions.Count == 0)
            return new GatewayResult(GatewayOutcome.Error, DeclineCode: "not_found", Message: $"No transaction with order id {orderId} was found.");

        var live = transactions.FirstOrDefault(t => Condition(t) is "complete" or "pendingsettlement" or "pending");
        if (live is not null) return WithCard(new GatewayResult(GatewayOutcome.Approved, Value(live, "transaction_id"),
            Message: Condition(live), VaultId: Value(live, "customerid"), AuthCode: Value(live, "authorization_code")), live);

        var dead = transactions.FirstOrDefault(t => Condition(t) is "failed" or "canceled");
        if (dead is not null)
            return WithCard(new GatewayResult(GatewayOutcome.HardDecline, Value(dead, "transaction_id"), DeadCode(dead), Condition(dead)), dead);

        return new GatewayResult(GatewayOutcome.Unknown, Value(transactions[0], "transaction_id"),
            Message: $"NMI reports the transaction as '{Condition(transactions[0])}'.");
    }

    /// <summary>A refund by the order id we sent with it: a transaction whose first action is the refund.</summary>
    private static GatewayResult RefundOf(List<XElement> all, string orderId)
    {
        var refund = all.FirstOrDefault(t => FirstActionType(t) == "refund");
        if (refund is null)
            return new GatewayResult(GatewayOutcome.Error, DeclineCode: "not_found", Message: $"No refund with order id {orderId} was found.");
        return Condition(refund) switch
        {
            "complete" or "pendingsettlement" or "pending" => new GatewayResult(GatewayOutcome.Approved, Value(refund, "transaction_id"), Message: Condition(refund)),
            "failed" or "canceled" => new GatewayResult(GatewayOutcome.HardDecline, Value(refund, "transaction_id"), DeadCode(refund),
                LastAction(refund)?.Element("response_text")?.Value ?? Condition(refund)),
            var other => new GatewayResult(GatewayOutcome.Unknown, Value(refund, "transaction_id"), Message: $"NMI reports the refund as '{other}'."),
        };
    }

    /// <summary>
    /// A capture or void shows in the condition of the authorization it acted on: captured is
    /// pendingsettlement or complete, voided is canceled, and an authorization still pending was
    /// neither (as far as NMI knows yet).
    /// </summary>
    private static GatewayResult AuthorizationChangeOf(List<XElement> all, GatewayLookup lookup)
    {
        var auth = all.FirstOrDefault(t => Value(t, "transaction_id") == lookup.TransactionId);
        if (auth is null)
            return new GatewayResult(GatewayOutcome.Error, DeclineCode: "invalid_transaction", Message: $"NMI has no transaction {lookup.TransactionId}.");
        var id = Value(auth, "transaction_id");
        var capture = lookup.Kind == GatewayLookupKind.Capture;
        return (Condition(auth), capture) switch
        {
            ("pending", _) => new GatewayResult(GatewayOutcome.Error, id, "not_found",
                $"The authorization is still pending: no {lookup.Operation} of it was found."),
            ("pendingsettlement" or "complete", true) => new GatewayResult(GatewayOutcome.Approved, id, Message: Condition(auth)),
            ("canceled", false) => new GatewayResult(GatewayOutcome.Approved, id, Message: Condition(auth)),
            ("canceled", true) => new GatewayResult(GatewayOutcome.HardDecline, id, "voided", "The authorization was voided."),
            ("pendingsettlement" or "complete", false) => new GatewayResult(GatewayOutcome.HardDecline, id, "captured", "The authorization was captured, so it can no longer be voided."),
            ("failed", _) => new GatewayResult(GatewayOutcome.HardDecline, id, DeadCode(auth), "The authorization failed."),
            var (other, _) => new GatewayResult(GatewayOutcome.Unknown, id, Message: $"NMI reports the authorization as '{other}'."),
        };
    }

    private static string DeadCode(XElement transaction) =>
        Condition(transaction) == "canceled" ? "voided"
            : int.TryParse(LastAction(transaction)?.Element("response_code")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var rc)
                ? DeclineCodeOf(rc) : "card_declined";

    /// <summary>Brand, last 4 and expiry from NMI's masked card fields (cc_number "4xxxxxxxxxxx1111", cc_exp "MMYY"), when present.</summary>
    public static GatewayResult WithMaskedCard(GatewayResult result, string? maskedNumber, string? expiry, string? type)
    {
        if (string.IsNullOrEmpty(maskedNumber) && string.IsNullOrEmpty(expiry)) return result;
        string? last4 = null, brand = null;
        if (!string.IsNullOrEmpty(maskedNumber) && maskedNumber.Length >= 4 && maskedNumber[^4..].All(char.IsAsciiDigit))
        {
            last4 = maskedNumber[^4..];
            var leading = new string(maskedNumber.TakeWhile(char.IsAsciiDigit).ToArray());
            brand = CardNumbers.BrandOf(leading);
        }
        if (!string.IsNullOrEmpty(type)) brand = type.ToLowerInvariant();
        var exp = CardNumbers.ParseExpiry(expiry);
        return result with
        {
            CardBrand = result.CardBrand ?? (brand is "unknown" ? null : brand),
            CardLast4 = result.CardLast4 ?? last4,
            CardExpiry = result.CardExpiry ?? (exp is { } e ? CardNumbers.Expiry(e.Month, e.Year) : null),
        };
    }

    private static GatewayResult WithCard(GatewayResult result, XElement transaction) =>
        WithMaskedCard(result, Value(transaction, "cc_number"), Value(transaction, "cc_exp"), Value(transaction, "cc_type"));

    private static string? FirstActionType(XElement transaction) => transaction.Element("action")?.Element("action_type")?.Value;

    private static XElement? LastAction(XElement transaction) => transaction.Elements("action").LastOrDefault();

    private static string? Condition(XElement transaction) => transaction.Element("condition")?.Value.Trim().ToLowerInvariant();

    private static string? Value(XElement transaction, string name) => transaction.Element(name)?.Value is { Length: > 0 } v ? v : null;

    private static string? Get(IReadOnlyDictionary<string, string> answer, string key) =>
        answer.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
}
