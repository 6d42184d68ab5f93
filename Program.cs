using System.Text.Json;
using PaymentHub.Features.Checkout;
using PaymentHub.Features.Gateways;
using PaymentHub.Features.Intents;
using PaymentHub.Features.Merchants;
using PaymentHub.Features.Payments;
using PaymentHub.Features.Webhooks;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Idempotency;
using PaymentHub.Infrastructure.Money;
using PaymentHub.Infrastructure.OpenApi;

var builder = WebApplication.CreateBuilder(args);
var settings = Settings.From(builder.Configuration);

builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(_ => new Db(settings.DatabasePath));
builder.Services.AddSingleton<DbWriter>();
builder.Services.AddSingleton(Currencies.LoadEmbedded());
builder.Services.AddSingleton<IdempotencyPurge>().AddHostedService<IdempotencyPurgeSweep>();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
    o.SerializerOptions.DictionaryKeyPolicy = null;
});
builder.Services.AddPaymentHubOpenApi();
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = JsonBody.MaxBytes * 4);

builder.Services.AddMerchantsModule();
builder.Services.AddIntentsModule();
builder.Services.AddPaymentsModule();
builder.Services.AddCheckoutModule(builder.Configuration);
builder.Services.AddGatewaysModule();

var app = builder.Build();

try
{
    await app.Services.MigrateDatabaseAsync(settings);
}
catch (MigrationFailedException ex)
{
    await Console.Error.WriteLineAsync($"PaymentHub did not start: {ex.Message}");
    return 1;
}
await app.Services.BootstrapMerchantsAsync(Console.Out);

app.UseApiErrors();
app.UseMiddleware<ApiKeyAuthentication>();
app.UseStaticFiles();
app.UseCheckoutRateLimits();
app.UseAntiforgery();

var platform = app.MapGroup("/api/platform")
    .WithMetadata(new ApiKeyRequired())
    .AddEndpointFilter<IdempotencyFilter>()
    .WithPlatformApiDocs();
platform.MapIntents();
platform.MapPayments();
platform.MapWebhooks();

app.MapCheckout();
app.MapHealth();
app.MapApiDocs();

await app.RunAsync();
return 0;

public partial class Program;
