using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;
using FluentValidation.Results;

namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// Runs the request's validator before the handler and answers 422 in the validation envelope. A request
/// type without a registered validator is a start-up bug, not a pass: resolving it throws.
/// </summary>
public sealed partial class ValidationFilter<T>(IValidator<T> validator) : IEndpointFilter where T : class
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var request = ctx.Arguments.OfType<T>().Single();
        var result = await validator.ValidateAsync(request, ctx.HttpContext.RequestAborted);
        return result.IsValid ? await next(ctx) : ToResult(result);
    }

    internal static ApiValidationError ToResult(ValidationResult result)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var group in result.Errors.GroupBy(e => e.CustomState is ClientKey k ? $"{FieldPath(k.ParentProperty)}.{k.Key}" : FieldPath(e.PropertyName)))
            errors[group.Key] = group.Select(e => e.ErrorMessage.Replace(":attribute", Attribute(group.Key), StringComparison.Ordinal)).Distinct().ToArray();
        return new ApiValidationError(errors);
    }

    /// <summary>FluentValidation's "OrderItems[0].Price" → the wire's "order_items.0.price".</summary>
    internal static string FieldPath(string propertyName) =>
        string.Join('.', Index().Replace(propertyName, ".$1").Split('.').Select(JsonNamingPolicy.SnakeCaseLower.ConvertName));

    /// <summary>How Laravel names a field in a message: "reference_id" → "reference id".</summary>
    internal static string Attribute(string path) => path.Replace('_', ' ');

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex Index();
}

public static class ValidationExtensions
{
    /// <summary>Validates the endpoint's <typeparamref name="T"/> argument before the handler runs.</summary>
    public static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder builder) where T : class =>
        builder.AddEndpointFilter<ValidationFilter<T>>()
            .Produces<ValidationEnvelope>(StatusCodes.Status422UnprocessableEntity);
}
