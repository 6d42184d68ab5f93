using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace PaymentHub.Infrastructure.Http;

/// <summary>The success envelope: <c>{"success": true, "data": {...}}</c>, status 200 (creation too).</summary>
public sealed record Envelope<T>(bool Success, T Data);

/// <summary>The error envelope: <c>{"success": false, "message": "...", "data": []}</c>; data may carry details instead.</summary>
public sealed record ErrorEnvelope(bool Success, string Message, object Data);

/// <summary>The 422 body: <c>{"message": "The given data was invalid.", "errors": {"field.path": ["..."]}}</c>.</summary>
public sealed record ValidationEnvelope(string Message, IReadOnlyDictionary<string, string[]> Errors);

internal static class Json
{
    public static JsonSerializerOptions Options(HttpContext ctx) =>
        ctx.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

    public static Task WriteAsync<T>(HttpContext ctx, int status, T body)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(body, Options(ctx), contentType: "application/json; charset=utf-8");
    }
}

/// <summary>200 with the success envelope.</summary>
public sealed class ApiOk<T>(T data) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult
{
    public T Data { get; } = data;
    public int? StatusCode => StatusCodes.Status200OK;
    object? IValueHttpResult.Value => Data;

    public Task ExecuteAsync(HttpContext ctx) => Json.WriteAsync(ctx, StatusCodes.Status200OK, new Envelope<T>(true, Data));

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Envelope<T>), ["application/json"]));
}

/// <summary>Any non-validation error, in the error envelope.</summary>
public sealed class ApiError(int status, string message, object? data = null) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => status;
    public string Message => message;

    public Task ExecuteAsync(HttpContext ctx) =>
        Json.WriteAsync(ctx, status, new ErrorEnvelope(false, message, data ?? Array.Empty<object>()));

    public static ApiError NotFound(string what) => new(StatusCodes.Status404NotFound, $"{what} not found.");
    public static ApiError Conflict(string message, object? data = null) => new(StatusCodes.Status409Conflict, message, data);
    public static ApiError BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
    public static ApiError Unauthorized() => new(StatusCodes.Status401Unauthorized, "Invalid API Key provided.");
}

/// <summary>422 in Laravel's shape (no success flag), which the API's existing clients already parse.</summary>
public sealed class ApiValidationError(IReadOnlyDictionary<string, string[]> errors) : IResult, IStatusCodeHttpResult
{
    public IReadOnlyDictionary<string, string[]> Errors => errors;
    public int? StatusCode => StatusCodes.Status422UnprocessableEntity;

    public Task ExecuteAsync(HttpContext ctx) => Json.WriteAsync(ctx, StatusCodes.Status422UnprocessableEntity,
        new ValidationEnvelope("The given data was invalid.", errors));

    public static ApiValidationError For(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>
/// Raised where a result cannot be returned (model binding): the error middleware turns it into
/// the error envelope with this status and message.
/// </summary>
public sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
