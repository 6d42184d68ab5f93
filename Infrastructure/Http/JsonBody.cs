using System.Text.Json;
using System.Text.RegularExpressions;

namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// Reads a JSON request body with the limits and messages the API promises: the right content
/// type, at most 64 KiB, well-formed JSON, and the right JSON type for every field, each failure a
/// 400 that says which. The raw bytes stay on the request for the idempotency filter.
/// </summary>
public static partial class JsonBody
{
    public const int MaxBytes = 64 * 1024;
    private const string RawBodyKey = "PaymentHub.RawBody";

    /// <summary>A body that may be left out entirely (no content, no content type): then <paramref name="whenAbsent"/>.</summary>
    public static async ValueTask<T> ReadOptionalAsync<T>(HttpContext ctx, T whenAbsent) where T : class
    {
        if (string.IsNullOrEmpty(ctx.Request.ContentType) && (await ReadRawAsync(ctx)).Length == 0) return whenAbsent;
        return await ReadAsync<T>(ctx);
    }

    public static async ValueTask<T> ReadAsync<T>(HttpContext ctx) where T : class
    {
        if (!IsJson(ctx.Request.ContentType))
            throw new ApiException(400, "The request body must be JSON: send the header Content-Type: application/json.");

        var bytes = await ReadRawAsync(ctx);
        if (bytes.Length == 0)
            throw new ApiException(400, "The request body is empty: send a JSON object.");

        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Json.Options(ctx))
                ?? throw new ApiException(400, "The request body must be a JSON object, not null.");
        }
        catch (JsonException ex)
        {
            throw new ApiException(400, Describe(ex, typeof(T)));
        }
    }

    /// <summary>The body as sent (empty when there is none), read once and kept for later readers.</summary>
    public static async ValueTask<byte[]> ReadRawAsync(HttpContext ctx)
    {
        if (ctx.Items.TryGetValue(RawBodyKey, out var cached) && cached is byte[] done) return done;

        if (ctx.Request.ContentLength > MaxBytes) throw TooLarge();
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBytes) throw TooLarge();
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.ToArray();
        ctx.Items[RawBodyKey] = bytes;
        return bytes;
    }

    private static ApiException TooLarge() => new(400, $"The request body is larger than the limit of {MaxBytes / 1024} KiB.");

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return false;
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase)
                && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static string Describe(JsonException ex, Type root)
    {
        var field = FieldPath(ex.Path);
        // Our converters throw with a message meant for people; the serializer's own messages name .NET types.
        if (ex.Data.Contains(FlexNumberConverter.Marker))
            return $"The field '{field}' must be a number or a numeric string.";

        var converted = CouldNotConvert().Match(ex.Message);
        if (converted.Success)
        {
            var expected = JsonTypeName(converted.Groups[1].Value, root);
            return field.Length == 0
                ? "The request body must be a JSON object."
                : $"The field '{field}' has the wrong JSON type: expected {expected}.";
        }

        var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : "";
        return $"The request body is not valid JSON{where}.";
    }

    /// <summary>"$.order_items[0].price" → "order_items.0.price".</summary>
    internal static string FieldPath(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$") return "";
        var path = jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
        return Index().Replace(path, ".$1").TrimStart('.');
    }

    private static string JsonTypeName(string dotnetType, Type root)
    {
        var t = dotnetType;
        // Containers first: their names also hold their element types ("List`1[...+Item]", "Dictionary`2[System.String,...]").
        if (t.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal) || t.EndsWith("[]", StringComparison.Ordinal)) return "an array";
        if (t.StartsWith("System.Collections.Generic.Dictionary", StringComparison.Ordinal)) return "an object";
        if (dotnetType == root.FullName || dotnetType.Contains('+')) return "an object";
        if (t.Contains("String")) return "a string";
        if (t.Contains("Boolean")) return "true or false";
        if (t.Contains("Int") || t.Contains("Decimal") || t.Contains("Double")) return "a number";
        return "another type";
    }

    [GeneratedRegex(@"could not be converted to ([^\s.]+(?:\.[^\s.]+)*)\.", RegexOptions.CultureInvariant)]
    private static partial Regex CouldNotConvert();

    [GeneratedRegex(@"\[(\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex Index();
}
