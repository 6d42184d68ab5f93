using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// A numeric input that accepts a JSON number or a numeric string ("80", "50.00"): merchants'
/// integrations send both. <see cref="Value"/> is null when the text is not a number, so validation can
/// say so in the 422 envelope; a JSON boolean, array or object is a 400 from the reader.
/// </summary>
[JsonConverter(typeof(FlexNumberConverter))]
public readonly record struct FlexNumber(string Raw, decimal? Value)
{
    public bool IsNumber => Value is not null;

    public bool IsInteger => Value is { } v && decimal.Truncate(v) == v;

    /// <summary>Digits after the decimal point once trailing zeros are dropped ("50.10" → 1).</summary>
    public int Decimals
    {
        get
        {
            if (Value is not { } v) return 0;
            var text = v.ToString(CultureInfo.InvariantCulture);
            var dot = text.IndexOf('.');
            return dot < 0 ? 0 : text[(dot + 1)..].TrimEnd('0').Length;
        }
    }

    public static FlexNumber Parse(string raw)
    {
        const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        var ok = decimal.TryParse(raw.Trim(), style, CultureInfo.InvariantCulture, out var value);
        return new FlexNumber(raw, ok ? value : null);
    }

    public override string ToString() => Raw;
}

public sealed class FlexNumberConverter : JsonConverter<FlexNumber>
{
    internal const string Marker = "PaymentHub.FlexNumber";

    public override FlexNumber Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                var text = System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                return reader.TryGetDecimal(out var d) ? new FlexNumber(text, d) : new FlexNumber(text, null);
            case JsonTokenType.String:
                return FlexNumber.Parse(reader.GetString()!);
            default:
                var ex = new JsonException("Expected a number.");
                ex.Data[Marker] = true;
                throw ex;
        }
    }

    public override void Write(Utf8JsonWriter writer, FlexNumber value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Raw);
}
