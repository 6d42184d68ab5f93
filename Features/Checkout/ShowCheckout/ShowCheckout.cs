using Carter;
using Microsoft.AspNetCore.Antiforgery;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Checkout;

/// <summary>GET /pay/{token}: the hosted checkout page, or a clear page when it can't be paid.</summary>
public sealed class ShowCheckout : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/pay/{token}", Handle).ExcludeFromDescription();

    public sealed record Services([FromServices] Db Db, [FromServices] Currencies Currencies, [FromServices] IMerchantClock Clock, [FromServices] ICheckoutGatewayInfo Gateways, [FromServices] IAntiforgery Antiforgery);

    public static async Task<IResult> Handle(string token, [AsParameters] Services s, HttpContext http, CancellationToken ct)
    {
        var intent = await CheckoutFlow.Load(s.Db, s.Currencies, token, ct);
        if (intent is null) return CheckoutFlow.NotFound();

        var now = await s.Clock.NowAsync(intent.MerchantId, intent.Mode, ct);
        if (await CheckoutFlow.ClosedAsync(s.Db, intent, now, ct) is { } closed) return closed(http);
        var gateway = await CheckoutFlow.GatewayAsync(s.Gateways, intent, ct);
        if (gateway is null) return CheckoutFlow.Unavailable(http, intent);
        return CheckoutPage.Form(http, s.Antiforgery, intent, gateway, now,
            frameEvent: new FrameEvent("payment.started", "Checkout opened."));
    }
}
