using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;
using FluentValidation.Results;

namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// Runs the request's validator before the handler and answers 422 in the validation envelope,
/// together with the fields the body reader found of the wrong JSON type (<see cref="JsonBody"/>):
/// one answer lists every problem. A request type without a registered validator is a start-up bug,
/// not a pass: resolving it throws.
/// </summary>
public sealed partial class ValidationFilter<T>(IValidator<T> validator) : IEndpointFilter where T : class
{
    // Most validators have no asynchronous rule, and FluentValidation's asynchronous path costs several
    // times the synchronous one; a validator found to have one (it throws when run synchronously) is
    // run asynchronously from then on. One filter serves one endpoint, so this is that endpoint's fact.
    private volatile bool _asynchronous;

    /// <summary>
    /// The filter of one endpoint, made at its first request (validators are singletons, and costly to
    /// build: not all of them when the endpoints are built) and kept, so what it learns about its
    /// validator lasts. <c>AddEndpointFilter&lt;ValidationFilter&lt;T&gt;&gt;()</c> would make one per request, and
    /// compile a factory for each endpoint at start (an expression tree, and a first-chance exception
    /// inside ASP.NET Core). No validator for <typeparamref name="T"/> throws at that first request.
    /// </summary>
    public static EndpointFilterDelegate Factory(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var services = context.ApplicationServices;
        var filter = new Lazy<ValidationFilter<T>>(() => new ValidationFilter<T>(services.GetRequiredService<IValidator<T>>()));
        return ctx => filter.Value.InvokeAsync(ctx, next);
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var request = Request(ctx.Arguments);
        ValidationResult result;
        if (_asynchronous)
            result = await validator.ValidateAsync(request, ctx.HttpContext.RequestAborted);
        else
        {
            try
            {
                result = validator.Validate(request);
            }
            catch (AsyncValidatorInvokedSynchronouslyException)
            {
                _asynchronous = true;
                result = await validator.ValidateAsync(request, ctx.HttpContext.RequestAborted);
            }
        }
        var typeErrors = ctx.HttpContext.Items.TryGetValue(JsonBody.TypeErrorsKey, out var found) ? (Dictionary<string, string[]>)found! : null;
        return result.IsValid && typeErrors is null ? await next(ctx) : ToResult(result, typeErrors);
    }

    /// <summary>The endpoint's one <typeparamref name="T"/> argument (a loop: this runs on every validated request).</summary>
    private static T Request(IList<object?> arguments)
    {
        T? found = null;
        foreach (var argument in arguments)
            if (argument is T request)
                found = found is null ? request : throw new InvalidOperationException($"The endpoint takes more than one {typeof(T).Name}.");
        return found ?? throw new InvalidOperationException($"The endpoint takes no {typeof(T).Name}.");
    }

    internal static ApiValidationError ToResult(ValidationResult result, IReadOnlyDictionary<string, string[]>? typeErrors = null)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (typeErrors is not null)
            foreach (var (field, messages) in typeErrors) errors[field] = messages;
        foreach (var group in result.Errors.GroupBy(e => e.CustomState is ClientKey k ? $"{FieldPath(k.ParentProperty)}.{k.Key}" : FieldPath(e.PropertyName)))
        {
            // A field set aside for its type was bound as absent: "is required" about it would be wrong.
            if (typeErrors is not null && typeErrors.Keys.Any(t => group.Key == t || group.Key.StartsWith(t + ".", StringComparison.Ordinal))) continue;
            errors[group.Key] = group.Select(e => e.ErrorMessage.Replace(":attribute", Attribute(group.Key), StringComparison.Ordinal)).Distinct().ToArray();
        }
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
        builder.AddEndpointFilterFactory(ValidationFilter<T>.Factory)
            .WithMetadata(new ValidatedRequest(typeof(T)))
            .Produces<ValidationEnvelope>(StatusCodes.Status422UnprocessableEntity);
}

/// <summary>Marks an endpoint whose request is checked by a validator, which then also reports fields of the wrong JSON type.</summary>
public sealed record ValidatedRequest(Type RequestType);
