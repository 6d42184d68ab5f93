using Carter;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Checkout;

/// <summary>
/// GET /api/checkout/{token}: the checkout page's data as JSON for merchants who build their own
/// widget. The payment token is the only credential.
/// </summary>
public sealed class CheckoutData : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/checkout/{token}", Handle)
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound)
            .Produces<ErrorEnvelope>(StatusCodes.Status503ServiceUnavailable)
            .WithErrors(
                new ErrorExample(404, ErrorCodes.NotFound, "Payment not found.", "No checkout has this token."),
                new ErrorExample(503, ErrorCodes.GatewayUnavailable,
                    "This merchant cannot take card payments right now: its live gateway is not configured.", "The merchant's live gateway is not set up."))
            .WithTags("Checkout")
            .WithName("GetCheckoutData")
            .WithSummary("Checkout data for your own widget")
            .WithDescription("The hosted checkout's data as JSON; the payment token from payment_url is the only credential.");

    public sealed record Item(string Name, long Quantity, string Price, string Total, ItemDisplay Display);

    /// <summary>An item's price and total as the hosted page writes them, e.g. "$80.00".</summary>
    public sealed record ItemDisplay(string Price, string Total);

    /// <summary>
    /// The amounts as the hosted page shows them to customers ("$80.00", "¥1,200", "KWD 1.234"), for
    /// a widget to show as they are; the money strings beside them stay plain numbers.
    /// </summary>
    public sealed record Display(string Amount, string? Tax, string? Discount, string? RecurringTerms);

    public sealed record Response(
        string IntentId, string ReferenceId, string Status, bool Payable, string Merchant, string Amount, string Currency,
        int CurrencyDecimals, string? Tax, string? Discount, IReadOnlyList<Item> OrderItems, string Type, long? IntervalDays,
        string? RecurringTerms, string IntegrationType, string CaptureMethod, bool Livemode, string ExpiresAt,
        string Gateway, string? TokenizationKey, string? CollectJsUrl, string PaymentUrl, Display Display);

    public static async Task<Results<ApiOk<Response>, ApiError>> Handle(string token, Db db, Currencies currencies, IMerchantClock clock,
        ICheckoutGatewayInfo gateways, Settings settings, HttpContext http, CancellationToken ct)
    {
        var intent = await CheckoutFlow.Load(db, currencies, token, ct);
        if (intent is null) return ApiError.NotFound(ErrorCodes.NotFound, "Payment");
        // Widgets on the merchant's own pages read this from the browser; the token is the credential, not a cookie.
        http.Response.Headers.AccessControlAllowOrigin = "*";
        var gateway = await CheckoutFlow.GatewayAsync(gateways, intent, ct);
        if (gateway is null)
            return new ApiError(StatusCodes.Status503ServiceUnavailable, ErrorCodes.GatewayUnavailable,
                "This merchant cannot take card payments right now: its live gateway is not configured.");
        var c = intent.Currency;
        string Money(long minor) => Amounts.Format(minor, c.Exponent);
        string Shown(long minor) => Html.Money(minor, c);
        string? ShownIfAny(long? minor) => minor is { } m ? Shown(m) : null;
        var payable = intent.Status == IntentStatus.RequiresPayment && !intent.IsExpiredAt(await clock.NowAsync(intent.MerchantId, intent.Mode, ct));
        return new ApiOk<Response>(new Response(
            intent.IntentId, intent.ReferenceId,
            intent.Status == IntentStatus.RequiresPayment && !payable ? IntentStatus.Expired : intent.Status,
            payable, intent.MerchantName, Money(intent.Amount), c.Code, c.Exponent,
            intent.Tax is { } tax ? Money(tax) : null, intent.Discount is { } d ? Money(d) : null,
            intent.Items.Select(i => new Item(i.Name, i.Quantity, Money(i.Price), Money(i.Price * i.Quantity),
                new ItemDisplay(Shown(i.Price), Shown(i.Price * i.Quantity)))).ToList(),
            intent.IntentType, intent.IntervalDays,
            intent.IntentType == "recurring" ? Html.RecurringTerms($"{c.Code} {Money(intent.Amount)}", intent) : null,
            intent.IntegrationType, intent.CaptureMethod, intent.Mode == "live", Formats.Timestamp(intent.ExpiresAt),
            gateway.Gateway, gateway.TokenizationKey, gateway.CollectJsUrl,
            $"{settings.PublicBase(http.Request)}/pay/{token}",
            new Display(Shown(intent.Amount), ShownIfAny(intent.Tax), ShownIfAny(intent.Discount),
                intent.IntentType == "recurring" ? Html.RecurringTerms(Shown(intent.Amount), intent) : null)));
    }
}
