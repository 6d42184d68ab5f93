using System.Globalization;
using FluentValidation;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Admin;

/// <summary>How the panel writes money and times, and how it runs the API's own validators on what a form sent.</summary>
internal static class AdminFormat
{
    /// <summary>"80.00" in "USD" → "USD 80.00": the code first, so the panel reads the same in every currency.</summary>
    public static string Money(string amount, string currency) => $"{currency} {amount}";

    /// <summary>An API timestamp ("2026-11-22T12:00:00.000000Z") or epoch milliseconds, to the minute, in UTC.</summary>
    public static string Time(string? iso) =>
        iso is not null && DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? Time(t) : "";

    public static string Time(long unixMs) => Time(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A form's optional amount: blank is none, anything else goes to the API's validator as typed.</summary>
    public static FlexNumber? Amount(string? text) => string.IsNullOrWhiteSpace(text) ? null : FlexNumber.Parse(text);

    /// <summary>What the API's validator for <typeparamref name="T"/> says about a request the panel built, one message per field; empty when valid.</summary>
    public static async Task<Dictionary<string, string>> ValidateAsync<T>(IServiceProvider services, T request, CancellationToken ct) where T : class
    {
        var result = await services.GetRequiredService<IValidator<T>>().ValidateAsync(request, ct);
        return result.IsValid ? [] : Messages(ValidationFilter<T>.ToResult(result));
    }

    /// <summary>What a form's own validator says, one message per property (its C# name); empty when valid.</summary>
    public static async Task<Dictionary<string, string>> CheckAsync<T>(IServiceProvider services, T form, CancellationToken ct) where T : class =>
        (await services.GetRequiredService<IValidator<T>>().ValidateAsync(form, ct)).Errors
            .GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.ErrorMessage).Distinct()), StringComparer.Ordinal);

    public static Dictionary<string, string> Messages(ApiValidationError error) =>
        error.Errors.ToDictionary(e => e.Key, e => string.Join(" ", e.Value), StringComparer.Ordinal);
}
