using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// Reads a JSON request body with the limits and answers the API promises. A body that can't be
/// read as a JSON object — the wrong content type, over 64 KiB, not JSON — is a 400 that says which.
/// A field of the wrong JSON type (<c>"email": 123</c>, <c>"metadata": "x"</c>) is a validation
/// error like any other: it is set aside, the rest of the body is bound, and the endpoint's
/// validator answers one 422 with every field's problem (see <see cref="ValidationFilter{T}"/>).
/// The raw bytes stay on the request for the idempotency filter.
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;
    // Keys in the request's items: objects, not strings, so a lookup hashes a reference, not text.
    private static readonly object RawBodyKey = new();
    internal static readonly object TypeErrorsKey = new();

    /// <summary>A body that may be left out entirely (no content, no content type): then <paramref name="whenAbsent"/>.</summary>
    public static async ValueTask<T> ReadOptionalAsync<T>(HttpContext ctx, T whenAbsent) where T : class
    {
        if (string.IsNullOrEmpty(ctx.Request.ContentType) && (await ReadRawAsync(ctx)).Length == 0) return whenAbsent;
        return await ReadAsync<T>(ctx);
    }

    public static async ValueTask<T> ReadAsync<T>(HttpContext ctx) where T : class
    {
        if (!IsJson(ctx.Request.ContentType))
            throw new ApiException(400, ErrorCodes.UnsupportedMediaType, "The request body must be JSON: send the header Content-Type: application/json.");

        var bytes = await ReadRawAsync(ctx);
        if (bytes.Length == 0)
            throw new ApiException(400, ErrorCodes.MalformedJson, "The request body is empty: send a JSON object.");

        var options = Json.Options(ctx);
        try
        {
            // The common case: one pass, straight into the request type.
            if (JsonSerializer.Deserialize<T>(bytes, options) is { } request) return request;
        }
        catch (JsonException)
        {
            // Not JSON, not an object, or a field of the wrong type: the slow path below says which.
        }
        return ReadLeniently<T>(ctx, bytes, options);
    }

    /// <summary>Parses the body as a tree, sets aside fields of the wrong JSON type (recording why), and binds the rest.</summary>
    private static T ReadLeniently<T>(HttpContext ctx, byte[] bytes, JsonSerializerOptions options) where T : class
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : "";
            throw new ApiException(400, ErrorCodes.MalformedJson, $"The request body is not valid JSON{where}.");
        }
        if (root is not JsonObject body)
            throw new ApiException(400, ErrorCodes.MalformedJson, "The request body must be a JSON object.");

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        JsonShape.Check(body, typeof(T), "", options, errors);
        T request;
        try
        {
            request = body.Deserialize<T>(options)!;
        }
        catch (JsonException ex)
        {
            // A shape the check does not know: still a 422 on the field the serializer names.
            var field = FieldPath(ex.Path);
            throw new ApiValidationException(new Dictionary<string, string[]>
            {
                [field.Length == 0 ? "body" : field] = [$"The {(field.Length == 0 ? "body" : field.Replace('_', ' '))} has the wrong JSON type."],
            });
        }
        if (errors.Count == 0) return request;
        // Endpoints with a validator merge these with its own findings; without one, answer now.
        if (ctx.GetEndpoint()?.Metadata.GetMetadata<ValidatedRequest>() is null) throw new ApiValidationException(errors);
        ctx.Items[TypeErrorsKey] = errors;
        return request;
    }

    /// <summary>The body as sent (empty when there is none), read once and kept for later readers.</summary>
    public static async ValueTask<byte[]> ReadRawAsync(HttpContext ctx)
    {
        if (ctx.Items.TryGetValue(RawBodyKey, out var cached) && cached is byte[] done) return done;

        if (ctx.Request.ContentLength > MaxBytes) throw TooLarge();
        var bytes = ctx.Request.ContentLength is { } length ? await ReadExactlyAsync(ctx, (int)length) : await ReadToEndAsync(ctx);
        ctx.Items[RawBodyKey] = bytes;
        return bytes;
    }

    /// <summary>
    /// A body of announced length, read into an array of that size: the usual case, one allocation.
    /// The server ends the body at the announced length, and a body cut short fails the read.
    /// </summary>
    private static async ValueTask<byte[]> ReadExactlyAsync(HttpContext ctx, int length)
    {
        var bytes = length == 0 ? [] : new byte[length];
        var filled = 0;
        int read;
        while (filled < length && (read = await ctx.Request.Body.ReadAsync(bytes.AsMemory(filled), ctx.RequestAborted)) > 0)
            filled += read;
        return filled == length ? bytes : bytes[..filled];
    }

    /// <summary>A body of unknown length (chunked), read to its end or to the limit.</summary>
    private static async ValueTask<byte[]> ReadToEndAsync(HttpContext ctx)
    {
        using var buffer = new MemoryStream();
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            int read;
            while ((read = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted)) > 0)
            {
                if (buffer.Length + read > MaxBytes) throw TooLarge();
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }

    private static ApiException TooLarge() =>
        new(400, ErrorCodes.PayloadTooLarge, $"The request body is larger than the limit of {MaxBytes / 1024} KiB.");

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return false;
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase)
                && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>"$.order_items[0].price" → "order_items.0.price".</summary>
    internal static string FieldPath(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$") return "";
        var path = jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
        return System.Text.RegularExpressions.Regex.Replace(path, @"\[(\d+)\]", ".$1").TrimStart('.');
    }
}

/// <summary>
/// Which JSON types a request type's properties accept, read from the type itself, so every JSON
/// endpoint (present and future) gets the same answer for a field of the wrong type. Offending
/// properties are removed from the tree and reported under their path, in the validators' words.
/// </summary>
internal static class JsonShape
{
    private enum Kind { Any, String, Number, Integer, Boolean, Array, Object, Map }

    private sealed record Expected(Kind Kind, Type? Element);

    private static readonly ConcurrentDictionary<Type, Dictionary<string, (Expected Expected, Type Type)>> Properties = new();

    public static void Check(JsonObject body, Type type, string prefix, JsonSerializerOptions options, Dictionary<string, string[]> errors)
    {
        var known = PropertiesOf(type, options);
        foreach (var (name, value) in body.ToList())
        {
            if (!known.TryGetValue(name, out var property)) continue; // unknown fields are ignored
            var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            if (!Fits(value, property.Expected, path, options, errors))
                body.Remove(name);
        }
    }

    /// <summary>True when <paramref name="value"/> is of the expected kind (checking arrays' and objects' contents); false (with an error) otherwise.</summary>
    private static bool Fits(JsonNode? value, Expected expected, string path, JsonSerializerOptions options, Dictionary<string, string[]> errors)
    {
        if (value is null) return true; // null means "not given"; the validator decides whether that is allowed
        var kind = value.GetValueKind();
        bool ok = expected.Kind switch
        {
            Kind.Any => true,
            Kind.String => kind == JsonValueKind.String,
            Kind.Number => kind is JsonValueKind.Number or JsonValueKind.String, // numeric strings are read as numbers
            Kind.Integer => kind == JsonValueKind.Number,
            Kind.Boolean => kind is JsonValueKind.True or JsonValueKind.False,
            Kind.Array => kind == JsonValueKind.Array,
            Kind.Object or Kind.Map => kind == JsonValueKind.Object,
            _ => true,
        };
        if (!ok)
        {
            errors[path] = [Message(expected.Kind).Replace(":attribute", path.Replace('_', ' '), StringComparison.Ordinal)];
            return false;
        }
        if (expected.Kind == Kind.Object && expected.Element is { } nested)
            Check(value.AsObject(), nested, path, options, errors);
        if (expected.Kind == Kind.Array && expected.Element is { } element)
        {
            var items = value.AsArray();
            var inner = ExpectedOf(element);
            for (var i = 0; i < items.Count; i++)
                if (!Fits(items[i], inner, $"{path}.{i}", options, errors))
                    items[i] = null;
        }
        return true;
    }

    private static string Message(Kind kind) => kind switch
    {
        Kind.String => "The :attribute must be a string.",
        Kind.Number => "The :attribute must be a number.",
        Kind.Integer => "The :attribute must be an integer.",
        Kind.Boolean => "The :attribute field must be true or false.",
        Kind.Array => "The :attribute must be an array.",
        _ => "The :attribute must be an object.",
    };

    private static Dictionary<string, (Expected Expected, Type Type)> PropertiesOf(Type type, JsonSerializerOptions options) =>
        Properties.GetOrAdd(type, t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .ToDictionary(
                p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? options.PropertyNamingPolicy?.ConvertName(p.Name) ?? p.Name,
                p => (ExpectedOf(p.PropertyType), p.PropertyType),
                StringComparer.OrdinalIgnoreCase));

    private static Expected ExpectedOf(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string)) return new(Kind.String, null);
        if (t == typeof(FlexNumber) || t == typeof(decimal) || t == typeof(double)) return new(Kind.Number, null);
        if (t == typeof(int) || t == typeof(long)) return new(Kind.Integer, null);
        if (t == typeof(bool)) return new(Kind.Boolean, null);
        if (t == typeof(JsonElement) || t == typeof(JsonNode) || t == typeof(object)) return new(Kind.Any, null);
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>)) return new(Kind.Map, null);
        if (t.IsArray) return new(Kind.Array, t.GetElementType());
        if (t.IsGenericType && t.GetGenericTypeDefinition() is var g && (g == typeof(List<>) || g == typeof(IReadOnlyList<>) || g == typeof(IList<>)))
            return new(Kind.Array, t.GetGenericArguments()[0]);
        if (t.IsClass) return new(Kind.Object, t);
        return new(Kind.Any, null);
    }
}
