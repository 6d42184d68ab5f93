using FluentValidation;

namespace PaymentHub.Features.Admin;

/// <summary>A new API client as typed on the API clients page.</summary>
public sealed class NewClientForm
{
    public string? Name { get; set; }

    public sealed class Validator : AbstractValidator<NewClientForm>
    {
        public Validator() =>
            RuleFor(f => f.Name).Must(n => n?.Trim() is { Length: >= 1 and <= 100 })
                .WithMessage("Give the client a name of up to 100 characters, such as the shop's website.");
    }
}
