using System.Text.Json;
using Dapper;
using System.Data.Common;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Features.Subscriptions.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Intents;

/// <summary>An intents row as stored.</summary>
public record IntentRow
{
    public required string Id { get; init; }
    public required string MerchantId { get; init; }
    public required string Mode { get; init; }
    public required string ReferenceId { get; init; }
    public string? CustomerRefId { get; init; }
    public required string IntentType { get; init; }
    public long? IntervalDays { get; init; }
    public long Amount { get; init; }
    public required string Currency { get; init; }
    public long? Tax { get; init; }
    public long? Discount { get; init; }
    public required string Email { get; init; }
    public required string Name { get; init; }
    public required string IntegrationType { get; init; }
    public string? SuccessUrl { get; init; }
    public string? CancelUrl { get; init; }
    public string? FailUrl { get; init; }
    public string? AllowedOrigins { get; init; }
    public required string CaptureMethod { get; init; }
    public string? Metadata { get; init; }
    public required string Status { get; init; }
    public required string PaymentToken { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }
    public long ExpiresAt { get; init; }

    // IntentQueries reads these by position on its hot path (FoundRow.Read): add columns at the end.
    public const string Columns = """
        id AS Id, merchant_id AS MerchantId, mode AS Mode, reference_id AS ReferenceId, customer_ref_id AS CustomerRefId,
        intent_type AS IntentType, interval_days AS IntervalDays, amount AS Amount, currency AS Currency, tax AS Tax,
        discount AS Discount, email AS Email, name AS Name, integration_type AS IntegrationType, success_url AS SuccessUrl,
        cancel_url AS CancelUrl, fail_url AS FailUrl, capture_method AS CaptureMethod, metadata AS Metadata, status AS Status,
        payment_token AS PaymentToken, created_at AS CreatedAt, updated_at AS UpdatedAt, expires_at AS ExpiresAt,
        allowed_origins AS AllowedOrigins
        """;
}

public sealed record ItemView(string Name, long Quantity, string Price);

/// <summary>The subscription a paid recurring intent started (GET /subscriptions/{id} has the whole of it).</summary>
public sealed record IntentSubscriptionView(string SubscriptionId, string Status, string Amount, long IntervalDays,
    string? NextChargeAt, long FailedAttempts, string CreatedAt, string? CancelledAt, string CurrentPeriodEnd, bool CancelAtPeriodEnd,
    string? CancellationReason)
{
    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("subscription_id"u8, SubscriptionId);
        w.WriteString("status"u8, Status);
        w.WriteString("amount"u8, Amount);
        w.WriteNumber("interval_days"u8, IntervalDays);
        w.WriteString("next_charge_at"u8, NextChargeAt);
        w.WriteNumber("failed_attempts"u8, FailedAttempts);
        w.WriteString("created_at"u8, CreatedAt);
        w.WriteString("cancelled_at"u8, CancelledAt);
        w.WriteString("current_period_end"u8, CurrentPeriodEnd);
        w.WriteBoolean("cancel_at_period_end"u8, CancelAtPeriodEnd);
        w.WriteString("cancellation_reason"u8, CancellationReason);
        w.WriteEndObject();
    }
}

/// <summary>The intent as every intents endpoint returns it.</summary>
public sealed record IntentView(
    string Id,
    string IntentId,
    string ReferenceId,
    string? CustomerRefId,
    string Status,
    string Amount,
    string Currency,
    string Type,
    long? IntervalDays,
    string Email,
    string Name,
    string? Tax,
    string? Discount,
    IReadOnlyList<ItemView> OrderItems,
    JsonElement? Metadata,
    string IntegrationType,
    string? SuccessUrl,
    string? CancelUrl,
    string? FailUrl,
    IReadOnlyList<string> AllowedOrigins,
    string CaptureMethod,
    string PaymentUrl,
    bool Livemode,
    string ExpiresAt,
    string CreatedAt,
    string UpdatedAt,
    IReadOnlyList<ChargeView> Charges,
    IntentSubscriptionView? Subscription) : IWritesOwnJson
{
    /// <summary>What the serializer writes with the API's options, property by property (IntentViewJsonTests compares the two).</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, Id);
        w.WriteString("intent_id"u8, IntentId);
        w.WriteString("reference_id"u8, ReferenceId);
        w.WriteString("customer_ref_id"u8, CustomerRefId);
        w.WriteString("status"u8, Status);
        w.WriteString("amount"u8, Amount);
        w.WriteString("currency"u8, Currency);
        w.WriteString("type"u8, Type);
        if (IntervalDays is { } days) w.WriteNumber("interval_days"u8, days); else w.WriteNull("interval_days"u8);
        w.WriteString("email"u8, Email);
        w.WriteString("name"u8, Name);
        w.WriteString("tax"u8, Tax);
        w.WriteString("discount"u8, Discount);
        w.WriteStartArray("order_items"u8);
        foreach (var item in OrderItems)
        {
            w.WriteStartObject();
            w.WriteString("name"u8, item.Name);
            w.WriteNumber("quantity"u8, item.Quantity);
            w.WriteString("price"u8, item.Price);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WritePropertyName("metadata"u8);
        if (Metadata is { } metadata) metadata.WriteTo(w); else w.WriteNullValue();
        w.WriteString("integration_type"u8, IntegrationType);
        w.WriteString("success_url"u8, SuccessUrl);
        w.WriteString("cancel_url"u8, CancelUrl);
        w.WriteString("fail_url"u8, FailUrl);
        w.WriteStartArray("allowed_origins"u8);
        foreach (var origin in AllowedOrigins) w.WriteStringValue(origin);
        w.WriteEndArray();
        w.WriteString("capture_method"u8, CaptureMethod);
        w.WriteString("payment_url"u8, PaymentUrl);
        w.WriteBoolean("livemode"u8, Livemode);
        w.WriteString("expires_at"u8, ExpiresAt);
        w.WriteString("created_at"u8, CreatedAt);
        w.WriteString("updated_at"u8, UpdatedAt);
        w.WriteStartArray("charges"u8);
        foreach (var charge in Charges) charge.WriteJson(w);
        w.WriteEndArray();
        w.WritePropertyName("subscription"u8);
        if (Subscription is { } subscription) subscription.WriteJson(w); else w.WriteNullValue();
        w.WriteEndObject();
    }
}

/// <summary>What the read slices need.</summary>
public sealed record IntentReads([FromServices] Db Db, [FromServices] Currencies Currencies, [FromServices] Settings Settings);

/// <summary>Loading intents for the caller, always filtered by merchant and mode.</summary>
public static class IntentQueries
{
    // The GET hot path reads the intent and its order items in one statement (a row per item, the
    // intent's columns repeated and read from the first row only) and learns in it whether the intent
    // has charges or a subscription, skipping those queries when not (most reads are of intents that
    // are not paid yet). One statement instead of two: on SQLite each one is a read transaction of its
    // own (file locks taken and dropped, a statement reset and bound) besides the row's interop calls.
    // By id, the statement names only the id and the caller's merchant and mode are checked on the row:
    // with them in the WHERE clause too, PostgreSQL without statistics yet (a new database, or one just
    // moved there) took the (merchant_id, mode) listing index and walked every intent of the merchant
    // for each read, 6-9 ms at 25,000 intents (GETs at 68-382/s) until its first ANALYZE.
    private const string FoundSelect = """
        SELECT intents.id, intents.reference_id, intents.customer_ref_id, intents.intent_type, intents.interval_days,
            intents.amount, intents.currency, intents.tax, intents.discount, intents.email, intents.name,
            intents.integration_type, intents.success_url, intents.cancel_url, intents.fail_url, intents.capture_method,
            intents.metadata, intents.status, intents.payment_token, intents.created_at, intents.updated_at,
            intents.expires_at, intents.allowed_origins,
            (SELECT COUNT(*) FROM charges WHERE charges.intent_id = intents.id),
            (SELECT COUNT(*) FROM subscriptions WHERE subscriptions.intent_id = intents.id),
            intent_items.position, intent_items.name, intent_items.quantity, intent_items.price,
            intents.merchant_id, intents.mode
        FROM intents LEFT JOIN intent_items ON intent_items.intent_id = intents.id
        """;
    private const string FoundOrder = " ORDER BY intent_items.position";
    internal const string ByIdSql = FoundSelect + " WHERE intents.id = @Value" + FoundOrder;
    // The unique (merchant_id, mode, reference_id) index answers this one whole.
    private const string ByReferenceSql = FoundSelect
        + " WHERE intents.reference_id = @Value AND intents.merchant_id = @MerchantId AND intents.mode = @Mode" + FoundOrder;

    private sealed record FoundRow : IntentRow
    {
        public long ChargeCount { get; init; }
        public long SubscriptionCount { get; init; }
        public required List<IntentItemRow> Items { get; init; }

        /// <summary>
        /// Reads the rows of <see cref="ByIdSql"/> by position with typed getters (the GET hot path,
        /// where Dapper's parser, a boxed value per column, cost as much as the query itself): the
        /// intent from the first row, an order item from each row that has one.
        /// </summary>
        public static FoundRow? Read(Rows r, Caller caller)
        {
            // Another merchant's intent, or one of the other mode, is not there for this caller.
            if (!r.Read() || r.Text(29) != caller.MerchantId || r.Text(30) != caller.Mode) return null;
            var id = r.Text(0);
            var row = new FoundRow
            {
                Id = id, MerchantId = caller.MerchantId, Mode = caller.Mode, ReferenceId = r.Text(1),
                CustomerRefId = r.TextOrNull(2), IntentType = r.Text(3), IntervalDays = r.IntegerOrNull(4), Amount = r.Integer(5),
                Currency = r.Text(6), Tax = r.IntegerOrNull(7), Discount = r.IntegerOrNull(8), Email = r.Text(9), Name = r.Text(10),
                IntegrationType = r.Text(11), SuccessUrl = r.TextOrNull(12), CancelUrl = r.TextOrNull(13), FailUrl = r.TextOrNull(14),
                CaptureMethod = r.Text(15), Metadata = r.TextOrNull(16), Status = r.Text(17), PaymentToken = r.Text(18),
                CreatedAt = r.Integer(19), UpdatedAt = r.Integer(20), ExpiresAt = r.Integer(21), AllowedOrigins = r.TextOrNull(22),
                ChargeCount = r.Integer(23), SubscriptionCount = r.Integer(24), Items = [],
            };
            // An intent without items has one row, its item columns NULL (the LEFT JOIN).
            if (r.IsNull(25)) return row;
            do row.Items.Add(new IntentItemRow(id, r.Integer(25), r.Text(26), r.Integer(27), r.Integer(28)));
            while (r.Read());
            return row;
        }
    }

    public static async Task<IReadOnlyList<IntentView>> ViewsAsync(DbConnection c, IReadOnlyList<IntentRow> rows,
        Currencies currencies, string publicBase, CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        var ids = rows.Select(r => r.Id).ToArray();
        var items = await IntentItems.ForIntentsAsync(c, ids, ct);
        var charges = await ChargeReads.ForIntentsAsync(c, ids, ct);
        var subscriptions = await SubscriptionReads.ForIntentsAsync(c, ids, ct);
        return rows.Select(r =>
        {
            var exponent = currencies.Get(r.Currency).Exponent;
            return View(r, items[r.Id].ToList(), charges[r.Id].Select(ch => ChargeView.Of(ch, exponent)).ToList(),
                subscriptions.GetValueOrDefault(r.Id) is { } sub ? SubscriptionViewOf(sub, exponent) : null, currencies, publicBase);
        }).ToList();
    }

    /// <summary>One intent with its items, charges and subscription, on prepared statements (the GET hot path).</summary>
    public static IntentView? FindView(ReadSession s, Caller caller, bool byReference, string value, Currencies currencies, string publicBase)
    {
        var row = byReference
            ? s.Rows(ByReferenceSql, r => FoundRow.Read(r, caller), ("Value", value), ("MerchantId", caller.MerchantId), ("Mode", caller.Mode))
            : s.Rows(ByIdSql, r => FoundRow.Read(r, caller), ("Value", value));
        if (row is null) return null;
        var exponent = currencies.Get(row.Currency).Exponent;
        var items = row.Items;
        List<ChargeView> charges = row.ChargeCount == 0 ? [] : ChargeReads.ForIntent(s, row.Id).Select(c => ChargeView.Of(c, exponent)).ToList();
        var subscription = row.SubscriptionCount > 0 && SubscriptionReads.ForIntent(s, row.Id) is { } sub ? SubscriptionViewOf(sub, exponent) : null;
        return View(row, items, charges, subscription, currencies, publicBase);
    }

    public static IntentSubscriptionView SubscriptionViewOf(SubscriptionRow s, int exponent) => new(
        s.Id, s.Status, Amounts.Format(s.Amount, exponent), s.IntervalDays, Formats.Timestamp(s.UpcomingChargeAt), s.FailedAttempts,
        Formats.Timestamp(s.CreatedAt), Formats.Timestamp(s.CancelledAt), Formats.Timestamp(s.CurrentPeriodEnd), s.CancelAtPeriodEnd,
        s.CancellationReason);

    public static IntentView View(IntentRow r, IReadOnlyList<IntentItemRow> items, IReadOnlyList<ChargeView> charges,
        IntentSubscriptionView? subscription, Currencies currencies, string publicBase)
    {
        var exponent = currencies.Get(r.Currency).Exponent;
        string Money(long minor) => Amounts.Format(minor, exponent);
        return new IntentView(
            Id: r.Id,
            IntentId: r.Id,
            ReferenceId: r.ReferenceId,
            CustomerRefId: r.CustomerRefId,
            Status: r.Status,
            Amount: Money(r.Amount),
            Currency: r.Currency,
            Type: r.IntentType,
            IntervalDays: r.IntervalDays,
            Email: r.Email,
            Name: r.Name,
            Tax: r.Tax is { } tax ? Money(tax) : null,
            Discount: r.Discount is { } discount ? Money(discount) : null,
            OrderItems: items.Select(i => new ItemView(i.Name, i.Quantity, Money(i.Price))).ToList(),
            Metadata: r.Metadata is null ? null : JsonDocument.Parse(r.Metadata).RootElement.Clone(),
            IntegrationType: r.IntegrationType,
            SuccessUrl: r.SuccessUrl,
            CancelUrl: r.CancelUrl,
            FailUrl: r.FailUrl,
            AllowedOrigins: FrameOrigins.Parse(r.AllowedOrigins),
            CaptureMethod: r.CaptureMethod,
            PaymentUrl: PaymentUrl(publicBase, r.PaymentToken),
            Livemode: r.Mode == "live",
            ExpiresAt: Formats.Timestamp(r.ExpiresAt),
            CreatedAt: Formats.Timestamp(r.CreatedAt),
            UpdatedAt: Formats.Timestamp(r.UpdatedAt),
            Charges: charges,
            Subscription: subscription);
    }

    public static string PaymentUrl(string publicBase, string token) => $"{publicBase}/pay/{token}";
}
