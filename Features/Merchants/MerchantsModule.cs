using Microsoft.AspNetCore.Identity;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Features.Merchants;

public static class MerchantsModule
{
    public static IServiceCollection AddMerchantsModule(this IServiceCollection services) =>
        services.AddSingleton<IApiKeyVerifier, ApiKeyVerifier>()
            .AddSingleton<IPasswordHasher<AdminUser>, PasswordHasher<AdminUser>>()
            .AddSingleton<AdminUsers>();

    /// <summary>On an empty database, creates the default merchant and keys and prints them once.</summary>
    public static async Task BootstrapMerchantsAsync(this IServiceProvider services, TextWriter console)
    {
        var result = await Bootstrap.RunAsync(services.GetRequiredService<DbWriter>(), services.GetRequiredService<Db>(),
            services.GetRequiredService<Settings>(), services.GetRequiredService<TimeProvider>(), services.GetRequiredService<AdminUsers>());
        if (result is not null) Bootstrap.Print(result, console);
        else Bootstrap.PrintExisting(services.GetRequiredService<Settings>(), console);
    }
}
