using Carter;
using PaymentHub.Features.Checkout;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Checkout;

/// <summary>POST /pay/{token}/cancel: the customer gives up; the intent is cancelled and, in url mode, they go back to cancel_url.</summary>
public sealed class CancelCheckout : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/pay/{token}/cancel", Handle).ExcludeFromDescription();

    private const string Message = "Payment cancelled by the customer.";

    public static async Task<IResult> Handle(string token, IFormCollection form, Db db, DbWriter writer, Currencies currencies,
        IMerchantClock clock, HttpContext http, CancellationToken ct)
    {
        var intent = await CheckoutFlow.Load(db, currencies, token, ct);
        if (intent is null) return CheckoutFlow.NotFound();
        var now = await clock.NowAsync(intent.MerchantId, intent.Mode, ct);
        if (intent.Status == IntentStatus.RequiresPayment && !intent.IsExpiredAt(now))
        {
            await writer.WriteAsync(async tx =>
            {
                var snapshot = await IntentState.LoadAsync(tx, intent.IntentId);
                return snapshot is not null
                    && await IntentCancellation.CancelAsync(tx, snapshot, IntentStatus.RequiresPayment, Actor.Customer, Message, now);
            }, CancellationToken.None);
            intent = await CheckoutFlow.Load(db, currencies, token, ct) ?? intent;
        }

        if (intent.Status == IntentStatus.Cancelled && intent.IntegrationType == "url" && intent.CancelUrl is not null)
            return Results.Redirect(Redirects.WithIntent(intent.CancelUrl, intent)!);
        return (await CheckoutFlow.ClosedAsync(db, intent, now, ct))?.Invoke(http) ?? CheckoutFlow.NotFound();
    }
}
