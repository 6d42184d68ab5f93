using PaymentHub.Features.Checkout.ShowCheckout;

namespace PaymentHub.Features.Checkout;

public static class CheckoutModule
{
    public static IServiceCollection AddCheckoutModule(this IServiceCollection services) => services;

    public static WebApplication MapCheckout(this WebApplication app)
    {
        app.MapGet("/pay/{token}", ShowCheckout.ShowCheckout.Handle).ExcludeFromDescription();
        return app;
    }
}
