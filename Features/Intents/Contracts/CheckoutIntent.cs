using Dapper;
using System.Data.Common;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Intents.Contracts;

/// <summary>What the hosted checkout may know about an intent, found by its payment token.</summary>
public sealed record CheckoutIntent(
    string IntentId, string MerchantId, string MerchantName, string Mode, string ReferenceId, string Status,
    string IntentType, long? IntervalDays, long Amount, long? Tax, long? Discount, Currency Currency,
    string Email, string Name, string IntegrationType, string? SuccessUrl, string? CancelUrl, string? FailUrl,
    string CaptureMethod, long ExpiresAt, string? AllowedOrigins, IReadOnlyList<CheckoutItem> Items, CheckoutBrand? Brand = null)
{
    /// <summary>Origins allowed to frame the checkout and receive its events: the intent's own, else the merchant's; none: any site.</summary>
    public IReadOnlyList<string> FrameOrigins => Contracts.FrameOrigins.Parse(AllowedOrigins);

    public bool IsExpiredAt(DateTimeOffset now) => now.ToUnixTimeMilliseconds() >= ExpiresAt;
}

public sealed record CheckoutItem(string Name, long Quantity, long Price);

/// <summary>How the merchant presents itself on the checkout beside its name (settings in the admin panel); any may be unset.</summary>
public sealed record CheckoutBrand(string? LogoUrl, string? Color, string? SupportEmail);

public static class CheckoutIntents
{
    private sealed record Row(
        string IntentId, string MerchantId, string MerchantName, string Mode, string ReferenceId, string Status,
        string IntentType, long? IntervalDays, long Amount, long? Tax, long? Discount, string Currency,
        string Email, string Name, string IntegrationType, string? SuccessUrl, string? CancelUrl, string? FailUrl,
        string CaptureMethod, long ExpiresAt, string? IntentOrigins, string? MerchantOrigins, string? LogoUrl, string? BrandColor,
        string? SupportEmail);

    private const string Sql = """
        SELECT i.id AS IntentId, i.merchant_id AS MerchantId, m.name AS MerchantName, i.mode AS Mode, i.reference_id AS ReferenceId,
               i.status AS Status, i.intent_type AS IntentType, i.interval_days AS IntervalDays, i.amount AS Amount, i.tax AS Tax,
               i.discount AS Discount, i.currency AS Currency, i.email AS Email, i.name AS Name, i.integration_type AS IntegrationType,
               i.success_url AS SuccessUrl, i.cancel_url AS CancelUrl, i.fail_url AS FailUrl, i.capture_method AS CaptureMethod,
               i.expires_at AS ExpiresAt, i.allowed_origins AS IntentOrigins, m.allowed_origins AS MerchantOrigins,
               m.logo_url AS LogoUrl, m.brand_color AS BrandColor, m.support_email AS SupportEmail
        FROM intents i JOIN merchants m ON m.id = i.merchant_id
        WHERE i.payment_token = @Token
        """;

    public static async Task<CheckoutIntent?> FindByTokenAsync(DbConnection c, string token, Currencies currencies, CancellationToken ct)
    {
        var r = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Sql, new { Token = token }, cancellationToken: ct));
        if (r is null) return null;
        var items = (await IntentItems.ForIntentAsync(c, r.IntentId, ct)).Select(i => new CheckoutItem(i.Name, i.Quantity, i.Price)).ToList();
        return new CheckoutIntent(r.IntentId, r.MerchantId, r.MerchantName, r.Mode, r.ReferenceId, r.Status, r.IntentType,
            r.IntervalDays, r.Amount, r.Tax, r.Discount, currencies.Get(r.Currency), r.Email, r.Name, r.IntegrationType,
            r.SuccessUrl, r.CancelUrl, r.FailUrl, r.CaptureMethod, r.ExpiresAt, string.IsNullOrWhiteSpace(r.IntentOrigins) ? r.MerchantOrigins : r.IntentOrigins, items,
            new CheckoutBrand(r.LogoUrl, r.BrandColor, r.SupportEmail));
    }
}
