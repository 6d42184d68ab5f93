using Carter;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// Carter modules and validators are listed in <c>Parts</c>, not found by scanning (a scan lays out
/// every type at start). These find them the way the scans did and fail when one is not listed:
/// a module left out would lose its routes, a validator left out would fail its endpoint's requests.
/// </summary>
public sealed class PartsTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public void EveryCarterModule_IsRegistered()
    {
        var modules = typeof(Program).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && typeof(ICarterModule).IsAssignableFrom(t));
        var registered = app.Services.GetServices<ICarterModule>().Select(m => m.GetType()).ToHashSet();

        var missing = modules.Where(m => !registered.Contains(m)).Select(m => m.FullName).ToList();
        Assert.True(missing.Count == 0, "Carter modules not listed in Parts.Modules(): " + string.Join(", ", missing));
        Assert.Equal(registered.Count, app.Services.GetServices<ICarterModule>().Count());
    }

    [Fact]
    public void EveryValidator_IsRegisteredForItsType()
    {
        var missing = new List<string>();
        foreach (var found in AssemblyScanner.FindValidatorsInAssembly(typeof(Program).Assembly, includeInternalTypes: true))
        {
            var validators = app.Services.GetServices(found.InterfaceType).ToList();
            if (!validators.Any(v => v!.GetType() == found.ValidatorType)) missing.Add($"{found.ValidatorType.FullName} as {found.InterfaceType}");
            // One per request type: the endpoints resolve a single IValidator<T>.
            else if (validators.Count != 1) missing.Add($"{found.InterfaceType}: {validators.Count} registered");
        }
        Assert.True(missing.Count == 0, "Validators not listed (once) in Parts.AddValidators(): " + string.Join(", ", missing));
    }
}
