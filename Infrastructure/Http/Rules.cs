using System.Net.Mail;
using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;

namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// Messages worded as Laravel's validator words them: the API's clients were written against a
/// Laravel implementation and may show these texts to people. ":attribute" becomes the field's name.
/// </summary>
public static class Messages
{
    public const string Required = "The :attribute field is required.";
    public const string Numeric = "The :attribute must be a number.";
    public const string Integer = "The :attribute must be an integer.";
    public static string MaxChars(int n) => $"The :attribute must not be greater than {n} characters.";
}

public static class Checks
{
    public static bool IsEmail(string? s) =>
        s is not null && !HasWhiteSpace(s) && MailAddress.TryCreate(s, out var address)
        && address.Address == s && address.Host.Contains('.') && !address.Host.StartsWith('.') && !address.Host.EndsWith('.');

    private static bool HasWhiteSpace(string s)
    {
        foreach (var c in s)
            if (char.IsWhiteSpace(c)) return true;
        return false;
    }

    public static bool IsHttpUrl(string? s) =>
        s is not null && Uri.TryCreate(s, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;
}

/// <summary>A failure under a key the client chose (a metadata key): the key is kept verbatim in the error path.</summary>
public sealed record ClientKey(string ParentProperty, string Key);

/// <summary>Rule building blocks shared by request validators.</summary>
public static class Rules
{
    public const decimal MaxMoney = 999_999_999.99m;

    /// <summary>A money amount: a number (or numeric string) ≥ <paramref name="min"/>, within range, with no more decimals than the currency has.</summary>
    public static IRuleBuilderOptionsConditions<T, FlexNumber?> Money<T>(this IRuleBuilder<T, FlexNumber?> rule, bool required, decimal min,
        Func<ValidationContext<T>, int?> exponent) =>
        rule.Custom((value, ctx) =>
        {
            if (value is not { } n)
            {
                if (required) ctx.AddFailure(Messages.Required);
                return;
            }
            if (!n.IsNumber) ctx.AddFailure(Messages.Numeric);
            else if (n.Value < min) ctx.AddFailure($"The :attribute must be at least {min}.");
            else if (n.Value > MaxMoney) ctx.AddFailure($"The :attribute must not be greater than {MaxMoney}.");
            else if (exponent(ctx) is { } e && n.Decimals > e)
                ctx.AddFailure(e == 0
                    ? "The :attribute must be a whole number in this currency."
                    : $"The :attribute must not have more than {e} decimal places.");
        });

    public static IRuleBuilderOptions<T, FlexNumber?> Integer<T>(this IRuleBuilder<T, FlexNumber?> rule) =>
        rule.Must(n => n is null || n.Value.IsInteger).WithMessage(Messages.Integer);

    public static IRuleBuilderOptions<T, FlexNumber?> Between<T>(this IRuleBuilder<T, FlexNumber?> rule, long min, long max) =>
        rule.Must(n => n is null || (n.Value.Value >= min && n.Value.Value <= max)).WithMessage($"The :attribute must be between {min} and {max}.");

    public static IRuleBuilderOptions<T, string?> Url<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(u => u is null || (u.Length <= 2048 && Checks.IsHttpUrl(u))).WithMessage("The :attribute must be a valid http or https URL.");

    /// <summary>
    /// At most 50 keys of at most 40 characters, scalar values of at most 500 characters: metadata is
    /// echoed in every event, so it must stay small and flat (docs/api.md).
    /// </summary>
    public static IRuleBuilderOptionsConditions<T, Dictionary<string, JsonElement>> Metadata<T>(this IRuleBuilder<T, Dictionary<string, JsonElement>> rule) =>
        rule.Custom((metadata, ctx) =>
        {
            if (metadata.Count > 50)
            {
                ctx.AddFailure("The :attribute must not have more than 50 keys.");
                return;
            }
            foreach (var (key, value) in metadata)
            {
                // The key is the client's own text: it must reach the error path as sent, not snake-cased.
                void Fail(string message) => ctx.AddFailure(new ValidationFailure($"{ctx.PropertyPath}.{key}", message)
                    { CustomState = new ClientKey(ctx.PropertyPath, key) });
                if (key.Length is 0 or > 40)
                    Fail("Each metadata key must be 1 to 40 characters long.");
                else if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    Fail("The :attribute must be a string, number, boolean or null.");
                else if (value.ValueKind == JsonValueKind.String ? value.GetString()!.Length > 500 : value.GetRawText().Length > 500)
                    Fail(Messages.MaxChars(500));
            }
        });
}
