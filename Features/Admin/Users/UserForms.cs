using System.Text.RegularExpressions;
using FluentValidation;
using PaymentHub.Features.Merchants;

namespace PaymentHub.Features.Admin;

/// <summary>A new panel user as typed on the Users page.</summary>
public sealed partial class NewUserForm
{
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string? Role { get; set; } = AdminRoles.Viewer;

    public sealed class Validator : AbstractValidator<NewUserForm>
    {
        public Validator()
        {
            RuleFor(f => f.Username).Must(u => Name().IsMatch(AdminUsers.Normalize(u)))
                .WithMessage("Use 1 to 64 letters, digits and . _ @ - for the username.");
            RuleFor(f => f.Password).Password();
            RuleFor(f => f.Role).Must(AdminRoles.IsKnown).WithMessage("Choose admin or viewer.");
        }
    }

    [GeneratedRegex("^[a-z0-9._@-]{1,64}$")]
    private static partial Regex Name();
}

/// <summary>A new password for a user, as typed on the Users page.</summary>
public sealed class NewPasswordForm
{
    public string? Username { get; set; }
    public string? Password { get; set; }

    public sealed class Validator : AbstractValidator<NewPasswordForm>
    {
        public Validator()
        {
            RuleFor(f => f.Username).NotEmpty().WithMessage("Choose whose password to set.");
            RuleFor(f => f.Password).Password();
        }
    }
}

internal static class PasswordRules
{
    /// <summary>Long enough to resist guessing with the lockout in place; short enough to type.</summary>
    public static IRuleBuilderOptions<T, string?> Password<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(p => p is { Length: >= AdminUsers.MinPasswordLength and <= 200 })
            .WithMessage($"Use a password of at least {AdminUsers.MinPasswordLength} characters.");
}
