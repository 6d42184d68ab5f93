using System.Globalization;
using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PaymentHub.Tests.Features.Gateways;

/// <summary>
/// A local NMI: a real Kestrel server on 127.0.0.1 speaking NMI's wire formats — form fields in,
/// key=value answers out from /api/transact.php, XML from /api/query.php — with an in-memory
/// ledger and Customer Vault.
///
/// Rules (beyond what NMI documents):
/// - security_key must be <see cref="SecurityKey"/>, else response=3 "Authentication Failed" (300);
///   query.php answers &lt;error_response&gt;Authentication Failed&lt;/error_response&gt;.
/// - sale/auth: a Luhn-invalid ccnumber → 3 "Invalid Credit Card Number" (300, nothing recorded);
///   ccexp in the past → 2 "Expired Card" (223). payment_token <see cref="TestToken"/> is card
///   4111111111111111 exp 10/25 (NMI's test token; its expiry is not checked).
/// - amount &lt; 1.00 → 2 "DECLINE" (200), as NMI's test mode; amount 2.00–2.99 → 2 with
///   response_code 200 + cents (2.23 → 223 expired card, 2.61 → 261 stop all recurring, …);
///   amount 4.20 / 4.21 → 3 with response_code 420 / 421 (communication error).
/// - cards: 4000000000000002 → 2/250 pick up card (hard); 4000000000009995 → 2/202 insufficient
///   funds (soft); 4000000000000069 → 2/223 expired card (hard); 4000000000000119 → 3/400
///   processor error; 4000000000000341 approves, but a charge of it from the vault → 2/201 do not
///   honor (soft). Every other valid card approves (1/100 SUCCESS).
/// - duplicates: a sale/auth whose orderid was used within dup_seconds (field, default
///   <see cref="DefaultDupSeconds"/>) → 3 "Duplicate transaction REFID:n" (300).
/// - customer_vault=add_customer stores the card on approval and answers customer_vault_id;
///   customer_vault_id=… charges it (unknown id → 3 "Invalid Customer Vault Id").
/// - capture ≤ authorized ("The specified amount of X exceeds the authorization amount of Y");
///   void only while pending/pendingsettlement ("Only transactions pending settlement can be
///   voided"); refund ≤ captured − refunded, omitted/0.00 = all ("Refund amount may not exceed the
///   transaction balance"); unknown transactionid → "Invalid Transaction ID specified". A refund is
///   a transaction of its own, carrying the orderid sent with it (else the original's). A capture
///   or void adds an action to the authorization and changes its condition (pendingsettlement,
///   canceled). <see cref="Settle"/> moves pendingsettlement to complete.
/// - query.php answers by order_id and/or transaction_id: each transaction with its condition and
///   its actions in order.
/// - <see cref="Fault"/> (transact.php): malformed body, HTTP 429, HTTP 500, a hung connection,
///   or process-then-drop (the transaction is recorded, then the connection is aborted).
///   <see cref="QueryFault"/> (query.php): malformed body, HTTP 429, HTTP 500 or a hung connection.
/// Every received request's form fields are kept in <see cref="Requests"/>.
/// </summary>
public sealed class FakeNmi : IAsyncDisposable
{
    public const string SecurityKey = "fake-nmi-security-key-6457Thfj624V5r7W";
    public const string TestToken = "00000000-000000-000000-000000000000";
    public const int DefaultDupSeconds = 1200;

    public enum Faults { None, MalformedBody, RateLimited, ServerError, Hang, DropAnswer }

    public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Fields);

    public sealed record Transaction(string Id, string Type, string? OrderId, decimal Amount, decimal Captured, decimal Refunded,
        string Condition, int ResponseCode, string ResponseText, string? CardNumber, string? CardExp, string? VaultId, DateTimeOffset At)
    {
        /// <summary>What happened to the transaction after it was created (capture, void, settle), oldest first.</summary>
        public IReadOnlyList<FollowUp> FollowUps { get; init; } = [];
    }

    public sealed record FollowUp(string Type, decimal Amount, int ResponseCode, string ResponseText, DateTimeOffset At);

    private sealed record VaultedCard(string Number, string Exp);

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<Transaction> _ledger = [];
    private readonly Dictionary<string, VaultedCard> _vault = [];
    private readonly CancellationTokenSource _stopping = new();
    private long _nextTransactionId = 4743046890;
    private long _nextRefId = 1000001;

    private FakeNmi(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";
    public Faults Fault { get; set; }
    public Faults QueryFault { get; set; }
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public IReadOnlyList<ReceivedRequest> Requests { get { lock (_gate) return _requests.ToList(); } }
    public IReadOnlyList<Transaction> Ledger { get { lock (_gate) return _ledger.ToList(); } }

    /// <summary>The last transact.php request's form fields.</summary>
    public IReadOnlyDictionary<string, string> LastTransact => Requests.Last(r => r.Path.EndsWith("transact.php", StringComparison.Ordinal)).Fields;

    public static async Task<FakeNmi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var fake = new FakeNmi(app);
        app.MapPost("/api/transact.php", (RequestDelegate)fake.TransactAsync);
        app.MapPost("/api/query.php", (RequestDelegate)fake.QueryAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = address.TrimEnd('/');
        return fake;
    }

    /// <summary>Settlement: what is pending settlement is complete (and can no longer be voided).</summary>
    public void Settle()
    {
        lock (_gate)
            for (var i = 0; i < _ledger.Count; i++)
                if (_ledger[i].Condition == "pendingsettlement")
                    _ledger[i] = With(_ledger[i] with { Condition = "complete" }, "settle", _ledger[i].Captured, "SUCCESS");
    }

    private async Task TransactAsync(HttpContext context)
    {
        var fields = await ReadFieldsAsync(context);
        if (await FailAsync(context, Fault)) return;

        List<KeyValuePair<string, string>> answer;
        lock (_gate) answer = Process(fields);

        if (Fault == Faults.DropAnswer)
        {
            context.Abort(); // processed and recorded; the caller never hears of it
            return;
        }
        context.Response.ContentType = "text/html; charset=UTF-8";
        await context.Response.WriteAsync(Encode(answer));
    }

    /// <summary>Answers as <paramref name="fault"/> says instead of doing the work; false when there is no such fault.</summary>
    private async Task<bool> FailAsync(HttpContext context, Faults fault)
    {
        switch (fault)
        {
            case Faults.RateLimited:
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                return true;
            case Faults.ServerError:
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await context.Response.WriteAsync("Internal Server Error");
                return true;
            case Faults.MalformedBody:
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<html><body><h1>Gateway maintenance</h1></body></html>");
                return true;
            case Faults.Hang:
                using (var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token))
                {
                    try { await Task.Delay(Timeout.Infinite, both.Token); } catch (OperationCanceledException) { }
                }
                context.Abort();
                return true;
            default:
                return false;
        }
    }

    private async Task QueryAsync(HttpContext context)
    {
        var fields = await ReadFieldsAsync(context);
        if (QueryFault != Faults.DropAnswer && await FailAsync(context, QueryFault)) return;
        context.Response.ContentType = "text/xml; charset=UTF-8";
        if (Get(fields, "security_key") != SecurityKey)
        {
            await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<nm_response><error_response>Authentication Failed</error_response></nm_response>");
            return;
        }
        var orderId = Get(fields, "order_id");
        var transactionId = Get(fields, "transaction_id");
        List<Transaction> found;
        lock (_gate)
            found = _ledger.Where(t => (orderId is null || t.OrderId == orderId) && (transactionId is null || t.Id == transactionId)).ToList();

        var root = new XElement("nm_response", found.Select(t => new XElement("transaction",
            new XElement("transaction_id", t.Id),
            new XElement("transaction_type", "cc"),
            new XElement("condition", t.Condition),
            new XElement("order_id", t.OrderId ?? ""),
            new XElement("authorization_code", t.ResponseCode == 100 ? "123456" : ""),
            new XElement("cc_number", t.CardNumber is null ? "" : t.CardNumber[0] + new string('x', t.CardNumber.Length - 5) + t.CardNumber[^4..]),
            new XElement("cc_exp", t.CardExp ?? ""),
            new XElement("customerid", t.VaultId ?? ""),
            new[] { new FollowUp(t.Type, t.Amount, t.ResponseCode, t.ResponseText, t.At) }.Concat(t.FollowUps).Select(a => new XElement("action",
                new XElement("amount", a.Amount.ToString("0.00", CultureInfo.InvariantCulture)),
                new XElement("action_type", a.Type),
                new XElement("date", a.At.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)),
                new XElement("success", a.ResponseCode == 100 ? "1" : "0"),
                new XElement("response_text", a.ResponseText),
                new XElement("response_code", a.ResponseCode.ToString(CultureInfo.InvariantCulture)))))));
        await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root);
    }

    private async Task<Dictionary<string, string>> ReadFieldsAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        lock (_gate) _requests.Add(new ReceivedRequest(context.Request.Path, fields));
        return fields;
    }

    private List<KeyValuePair<string, string>> Process(Dictionary<string, string> f)
    {
        var type = Get(f, "type") ?? "";
        if (Get(f, "security_key") != SecurityKey) return Answer(3, "Authentication Failed", 300, type);
        return type switch
        {
            "sale" or "auth" => Charge(f, type),
            "capture" => Capture(f),
            "void" => Void(f),
            "refund" => Refund(f),
            _ => Answer(3, "Invalid Transaction Type REFID:" + _nextRefId++, 300, type),
        };
    }

    private List<KeyValuePair<string, string>> Charge(Dictionary<string, string> f, string type)
    {
        var now = Clock.GetUtcNow();
        var orderId = Get(f, "orderid");
        var dupSeconds = int.TryParse(Get(f, "dup_seconds"), CultureInfo.InvariantCulture, out var d) ? d : DefaultDupSeconds;
        if (orderId is not null && dupSeconds > 0
            && _ledger.Any(t => t.OrderId == orderId && t.Type is "sale" or "auth" && now - t.At < TimeSpan.FromSeconds(dupSeconds)))
            return Answer(3, "Duplicate transaction REFID:" + _nextRefId++, 300, type, orderId: orderId);

        if (!decimal.TryParse(Get(f, "amount"), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            return Answer(3, "Invalid amount REFID:" + _nextRefId++, 300, type, orderId: orderId);

        string number, exp;
        var fromVault = false;
        if (Get(f, "customer_vault_id") is { } vaultId)
        {
            if (!_vault.TryGetValue(vaultId, out var stored))
                return Answer(3, "Invalid Customer Vault Id REFID:" + _nextRefId++, 300, type, orderId: orderId);
            (number, exp, fromVault) = (stored.Number, stored.Exp, true);
        }
        else if (Get(f, "payment_token") is { } token)
        {
            if (token != TestToken) return Answer(3, "Invalid Payment Token REFID:" + _nextRefId++, 300, type, orderId: orderId);
            (number, exp) = ("4111111111111111", "1025");
        }
        else if (Get(f, "ccnumber") is { } ccnumber)
        {
            if (!Luhn(ccnumber)) return Answer(3, "Invalid Credit Card Number REFID:" + _nextRefId++, 300, type, orderId: orderId);
            exp = Get(f, "ccexp") ?? "";
            if (exp.Length != 4 || !int.TryParse(exp[..2], CultureInfo.InvariantCulture, out var month) || month is < 1 or > 12
                || !int.TryParse(exp[2..], CultureInfo.InvariantCulture, out var year))
                return Answer(3, "Invalid Credit Card Expiration Date REFID:" + _nextRefId++, 300, type, orderId: orderId);
            number = ccnumber;
            if (new DateTimeOffset(2000 + year, month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1) <= now)
                return Record(f, type, orderId, amount, number, exp, 2, "Expired Card", 223, null);
        }
        else
        {
            return Answer(3, "Payment Information Missing REFID:" + _nextRefId++, 300, type, orderId: orderId);
        }

        var (response, text, code) = Decide(amount, number, fromVault);
        string? newVaultId = null;
        if (response == 1 && !fromVault && Get(f, "customer_vault") == "add_customer")
        {
            newVaultId = RandomNumberGenerator.GetInt32(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
            _vault[newVaultId] = new VaultedCard(number, exp);
        }
        return Record(f, type, orderId, amount, number, exp, response, text, code, newVaultId);
    }

    private static (int Response, string Text, int Code) Decide(decimal amount, string number, bool fromVault)
    {
        if (amount < 1.00m) return (2, "DECLINE", 200);
        if (amount is >= 2.00m and < 3.00m) return (2, "DECLINE", 200 + (int)((amount - 2.00m) * 100));
        if (amount == 4.20m) return (3, "Communication Error", 420);
        if (amount == 4.21m) return (3, "Communication Error", 421);
        return number switch
        {
            "4000000000000002" => (2, "Pick up card", 250),
            "4000000000009995" => (2, "Insufficient funds", 202),
            "4000000000000069" => (2, "Expired card", 223),
            "4000000000000119" => (3, "Processor error", 400),
            "4000000000000341" when fromVault => (2, "Do not honor", 201),
            _ => (1, "SUCCESS", 100),
        };
    }

    private List<KeyValuePair<string, string>> Record(Dictionary<string, string> f, string type, string? orderId, decimal amount,
        string number, string exp, int response, string text, int code, string? vaultId)
    {
        var id = NextTransactionId();
        var condition = response == 1 ? (type == "sale" ? "pendingsettlement" : "pending") : "failed";
        _ledger.Add(new Transaction(id, type, orderId, amount, response == 1 && type == "sale" ? amount : 0, 0,
            condition, code, text, number, exp, vaultId ?? Get(f, "customer_vault_id"), Clock.GetUtcNow()));
        var answer = Answer(response, text, code, type, id, orderId, response == 1 ? "123456" : "");
        if (vaultId is not null) answer.Add(new("customer_vault_id", vaultId));
        return answer;
    }

    private List<KeyValuePair<string, string>> Capture(Dictionary<string, string> f)
    {
        var index = Find(f);
        if (index < 0) return Answer(3, "Invalid Transaction ID specified", 300, "capture");
        var t = _ledger[index];
        if (t.Type != "auth" || t.Condition != "pending")
            return Answer(3, "A capture requires that the existing transaction be an AUTH REFID:" + _nextRefId++, 300, "capture", t.Id, t.OrderId);
        var amount = decimal.TryParse(Get(f, "amount"), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var a) && a > 0 ? a : t.Amount;
        if (amount > t.Amount)
            return Answer(3, $"The specified amount of {Money(amount)} exceeds the authorization amount of {Money(t.Amount)} REFID:{_nextRefId++}", 300, "capture", t.Id, t.OrderId);
        _ledger[index] = With(t with { Captured = amount, Condition = "pendingsettlement" }, "capture", amount, "SUCCESS");
        return Answer(1, "SUCCESS", 100, "capture", t.Id, t.OrderId, "123456");
    }

    private List<KeyValuePair<string, string>> Void(Dictionary<string, string> f)
    {
        var index = Find(f);
        if (index < 0) return Answer(3, "Invalid Transaction ID specified", 300, "void");
        var t = _ledger[index];
        if (t.Condition is not ("pending" or "pendingsettlement"))
            return Answer(3, "Only transactions pending settlement can be voided REFID:" + _nextRefId++, 300, "void", t.Id, t.OrderId);
        _ledger[index] = With(t with { Condition = "canceled" }, "void", t.Amount, "Transaction Void Successful");
        return Answer(1, "Transaction Void Successful", 100, "void", t.Id, t.OrderId);
    }

    private List<KeyValuePair<string, string>> Refund(Dictionary<string, string> f)
    {
        var index = Find(f);
        if (index < 0) return Answer(3, "Invalid Transaction ID specified", 300, "refund");
        var t = _ledger[index];
        var balance = t.Condition is "pendingsettlement" or "complete" ? t.Captured - t.Refunded : 0;
        var amount = decimal.TryParse(Get(f, "amount"), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var a) && a > 0 ? a : balance;
        if (amount <= 0 || amount > balance)
            return Answer(3, "Refund amount may not exceed the transaction balance REFID:" + _nextRefId++, 300, "refund", "", t.OrderId);
        _ledger[index] = t with { Refunded = t.Refunded + amount };
        var id = NextTransactionId();
        var orderId = Get(f, "orderid") ?? t.OrderId;
        _ledger.Add(new Transaction(id, "refund", orderId, amount, 0, 0, "pendingsettlement", 100, "SUCCESS", t.CardNumber, t.CardExp, null, Clock.GetUtcNow()));
        return Answer(1, "SUCCESS", 100, "refund", id, orderId);
    }

    private int Find(Dictionary<string, string> f)
    {
        var id = Get(f, "transactionid");
        return id is null ? -1 : _ledger.FindIndex(t => t.Id == id && t.Type != "refund" && t.ResponseCode == 100);
    }

    private Transaction With(Transaction t, string action, decimal amount, string text) =>
        t with { FollowUps = [.. t.FollowUps, new FollowUp(action, amount, 100, text, Clock.GetUtcNow())] };

    private string NextTransactionId() => (_nextTransactionId++).ToString(CultureInfo.InvariantCulture);

    private static List<KeyValuePair<string, string>> Answer(int response, string text, int code, string type,
        string transactionId = "", string? orderId = null, string authCode = "") =>
    [
        new("response", response.ToString(CultureInfo.InvariantCulture)),
        new("responsetext", text),
        new("authcode", authCode),
        new("transactionid", transactionId),
        new("avsresponse", response == 1 ? "N" : ""),
        new("cvvresponse", response == 1 ? "N" : ""),
        new("orderid", orderId ?? ""),
        new("type", type),
        new("response_code", code.ToString(CultureInfo.InvariantCulture)),
    ];

    // NMI leaves spaces as they are ("responsetext=Authentication Failed"); only the delimiters are escaped.
    private static string Encode(List<KeyValuePair<string, string>> answer) =>
        string.Join("&", answer.Select(kv => kv.Key + "=" + kv.Value.Replace("%", "%25").Replace("&", "%26").Replace("=", "%3D").Replace("+", "%2B")));

    private static string Money(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    private static string? Get(Dictionary<string, string> f, string key) => f.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    private static bool Luhn(string number)
    {
        if (number.Length is < 12 or > 19 || !number.All(char.IsAsciiDigit)) return false;
        var sum = 0;
        for (var i = 0; i < number.Length; i++)
        {
            var digit = number[number.Length - 1 - i] - '0';
            if (i % 2 == 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
            sum += digit;
        }
        return sum % 10 == 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
