using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace PaymentHub.Infrastructure.Http;

/// <summary>The success envelope: <c>{"success": true, "data": {...}}</c>, status 200 (creation too).</summary>
public sealed record Envelope<T>(bool Success, T Data);

/// <summary>
/// The error envelope: <c>{"success": false, "message": "...", "code": "...", "data": []}</c>. The message is
/// for people and may change; the code (<see cref="ErrorCodes"/>) is for programs and does not.
/// Data may carry details instead of the empty array.
/// </summary>
public sealed record ErrorEnvelope(bool Success, string Message, string Code, object Data);

/// <summary>
/// The 422 body: <c>{"message": "The given data was invalid.", "errors": {"field.path": ["..."]}}</c>.
/// Only the reuse of an idempotency key with another body adds a <c>code</c>.
/// </summary>
public sealed record ValidationEnvelope(string Message, IReadOnlyDictionary<string, string[]> Errors)
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    [System.Text.Json.Serialization.JsonPropertyOrder(1)]
    public string? Code { get; init; }
}

internal static class Json
{
    public static JsonSerializerOptions Options(HttpContext ctx) =>
        ctx.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

    public static Task WriteAsync<T>(HttpContext ctx, int status, T body)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(body, Options(ctx), contentType: ContentType);
    }

    public const string ContentType = "application/json; charset=utf-8";

    /// <summary>The success envelope around a body that writes itself, with the API's encoder, straight to the response.</summary>
    public static async Task WriteOwnAsync(HttpContext ctx, IWritesOwnJson data)
    {
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = ContentType;
        var body = ctx.Response.BodyWriter;
        WriteOwn(ctx, body, data);
        await body.FlushAsync(ctx.RequestAborted);
    }

    /// <summary>The bytes <see cref="WriteOwnAsync"/> sends, into <paramref name="output"/>.</summary>
    public static void WriteOwn(HttpContext ctx, System.Buffers.IBufferWriter<byte> output, IWritesOwnJson data)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = Options(ctx).Encoder });
        writer.WriteStartObject();
        writer.WriteBoolean("success"u8, true);
        writer.WritePropertyName("data"u8);
        data.WriteJson(writer);
        writer.WriteEndObject();
    }
}

/// <summary>An answer that can give its status, content type and body without running against a response.</summary>
internal interface IRenderableResult
{
    /// <summary>The answer as <see cref="IResult.ExecuteAsync"/> would send it, or null when only running it tells.</summary>
    (int Status, string ContentType, byte[] Body)? Render(HttpContext ctx);
}

/// <summary>
/// A response body that writes its own JSON, property by property, for the API's hottest answers,
/// where the serializer's walk over reflected metadata was a tenth of the request. What it writes
/// must be exactly what the serializer would write with the API's options (a test compares them).
/// </summary>
public interface IWritesOwnJson
{
    void WriteJson(Utf8JsonWriter writer);
}

/// <summary>200 with the success envelope.</summary>
public sealed class ApiOk<T>(T data) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IRenderableResult
{
    public T Data { get; } = data;
    public int? StatusCode => StatusCodes.Status200OK;
    object? IValueHttpResult.Value => Data;

    public Task ExecuteAsync(HttpContext ctx) => Data is IWritesOwnJson own
        ? Json.WriteOwnAsync(ctx, own)
        : Json.WriteAsync(ctx, StatusCodes.Status200OK, new Envelope<T>(true, Data));

    (int Status, string ContentType, byte[] Body)? IRenderableResult.Render(HttpContext ctx)
    {
        if (Data is not IWritesOwnJson own) return null;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        Json.WriteOwn(ctx, buffer, own);
        return (StatusCodes.Status200OK, Json.ContentType, buffer.WrittenSpan.ToArray());
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Envelope<T>), ["application/json"]));
}

/// <summary>Any non-validation error, in the error envelope, with its stable code.</summary>
public sealed class ApiError(int status, string code, string message, object? data = null) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => status;
    public string Code => code;
    public string Message => message;

    public Task ExecuteAsync(HttpContext ctx) =>
        Json.WriteAsync(ctx, status, new ErrorEnvelope(false, message, code, data ?? Array.Empty<object>()));

    /// <summary>404 for an object of the caller's merchant and mode that does not exist (or is not theirs).</summary>
    public static ApiError NotFound(string code, string what) => new(StatusCodes.Status404NotFound, code, $"{what} not found.");
    public static ApiError Conflict(string code, string message, object? data = null) => new(StatusCodes.Status409Conflict, code, message, data);
    public static ApiError BadRequest(string code, string message) => new(StatusCodes.Status400BadRequest, code, message);
    public static ApiError Unauthorized() => new(StatusCodes.Status401Unauthorized, ErrorCodes.InvalidApiKey, "Invalid API Key provided.");
}

/// <summary>422 in Laravel's shape (no success flag), which the API's existing clients already parse.</summary>
public sealed class ApiValidationError(IReadOnlyDictionary<string, string[]> errors, string? code = null) : IResult, IStatusCodeHttpResult
{
    public IReadOnlyDictionary<string, string[]> Errors => errors;
    public int? StatusCode => StatusCodes.Status422UnprocessableEntity;

    public Task ExecuteAsync(HttpContext ctx) => Json.WriteAsync(ctx, StatusCodes.Status422UnprocessableEntity,
        new ValidationEnvelope("The given data was invalid.", errors) { Code = code });

    public static ApiValidationError For(string field, string message, string? code = null) =>
        new(new Dictionary<string, string[]> { [field] = [message] }, code);
}

/// <summary>
/// Raised where a result cannot be returned (model binding): the error middleware turns it into
/// the error envelope with this status, code and message.
/// </summary>
public sealed class ApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}

/// <summary>Raised while binding a body whose fields have the wrong JSON types: answered 422 with each field's path.</summary>
public sealed class ApiValidationException(IReadOnlyDictionary<string, string[]> errors) : Exception("The given data was invalid.")
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
