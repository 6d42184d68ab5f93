using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using PaymentHub.Features.Intents;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Infrastructure.OpenApi;

/// <summary>
/// Schemas as the wire really looks: <see cref="FlexNumber"/> is a number or a numeric string, the
/// error envelope's data is an array or an object, integers are written as JSON numbers, and the
/// create-intent request says which fields are required and what values they take.
/// </summary>
internal sealed class PaymentHubSchemaTransformer : IOpenApiSchemaTransformer
{
    private const string NumericPattern = @"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$";

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(FlexNumber))
            DescribeFlexNumber(schema);
        else if (type == typeof(ErrorEnvelope))
            DescribeErrorEnvelope(schema);
        else if (type == typeof(ValidationEnvelope))
            DescribeValidationEnvelope(schema);
        else if (type == typeof(CreateIntent.Request))
            DescribeCreateIntent(schema);
        else if (type == typeof(CreateIntent.Item))
            DescribeItem(schema);

        // The web defaults also read "12" for an int, so the generator writes [integer, string] with a
        // pattern; responses always write numbers, and the string form is not something to advertise.
        if (schema.Type is { } t && t.HasFlag(JsonSchemaType.String) && schema.Pattern is not null
            && (t.HasFlag(JsonSchemaType.Integer) || t.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = t & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        return Task.CompletedTask;
    }

    private static void DescribeFlexNumber(OpenApiSchema schema)
    {
        schema.Type = null;
        schema.Description ??= "A JSON number or a numeric string, e.g. 80, 50.00 or \"80.00\".";
        schema.OneOf =
        [
            new OpenApiSchema { Type = JsonSchemaType.Number },
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = NumericPattern },
        ];
    }

    private static void DescribeErrorEnvelope(OpenApiSchema schema)
    {
        if (schema.Properties?.TryGetValue("data", out var data) == true && data is OpenApiSchema d)
        {
            d.Description = "An empty array, or details such as the existing intent_id on a duplicate reference_id.";
            d.OneOf =
            [
                new OpenApiSchema { Type = JsonSchemaType.Array, MaxItems = 0 },
                new OpenApiSchema { Type = JsonSchemaType.Object },
            ];
        }
        if (schema.Properties?.TryGetValue("code", out var code) == true && code is OpenApiSchema c)
        {
            c.Description = "Stable, machine-readable: branch on this, not on the message. The list is in the introduction.";
            c.Enum = [.. ErrorCodes.All.Where(e => e.Status != 422).Select(e => (JsonNode)JsonValue.Create(e.Code))];
        }
        schema.Examples = [ApiExamples.Error(ErrorCodes.InvalidApiKey, ApiExamples.InvalidApiKey)];
    }

    private static void DescribeValidationEnvelope(OpenApiSchema schema)
    {
        schema.Required = new HashSet<string>(["message", "errors"]);
        if (schema.Properties?.TryGetValue("code", out var code) == true && code is OpenApiSchema c)
        {
            c.Description = "Present only when an Idempotency-Key was reused with a different request.";
            c.Type = JsonSchemaType.String;
            c.Enum = [JsonValue.Create(ErrorCodes.IdempotencyKeyReused)];
        }
    }

    private static void DescribeCreateIntent(OpenApiSchema schema)
    {
        schema.Required = new HashSet<string>(["amount", "currency", "intent_type", "email", "name", "reference_id", "order_items"]);
        Describe(schema, "amount", "Transaction total, at least 1 and at most 999,999,999.99, with no more decimals than the currency has.");
        Describe(schema, "currency", "ISO 4217 alphabetic code, any case (e.g. USD).", maxLength: 3);
        Describe(schema, "intent_type", "one_time or recurring.", values: ["one_time", "recurring"]);
        Describe(schema, "interval_days", "Billing cycle in days, 1 to 3650. Required when intent_type is recurring; not allowed for one_time.");
        Describe(schema, "email", "Customer's email address.", maxLength: 255, format: "email");
        Describe(schema, "name", "Customer's full name.", maxLength: 255);
        Describe(schema, "reference_id", "Your unique id for this payment, per merchant and mode; a duplicate is a 409.", maxLength: 100, pattern: "^[a-zA-Z0-9_-]+$");
        Describe(schema, "customer_ref_id", "Your id for the customer.", maxLength: 100);
        Describe(schema, "order_items", "1 to 100 items.");
        Describe(schema, "integration_type", "How the checkout is shown: url (redirect, the default) or iframe.", values: ["url", "iframe"]);
        Describe(schema, "success_url", "Absolute http(s) URL the customer returns to after paying. Required when integration_type is url.", format: "uri");
        Describe(schema, "cancel_url", "Absolute http(s) URL the customer returns to on cancel. Required when integration_type is url.", format: "uri");
        Describe(schema, "fail_url", "Absolute http(s) URL the customer is sent to after giving up on failed attempts.", format: "uri");
        Describe(schema, "allowed_origins", "Up to 10 exact https origins (https://shop.example) allowed to frame the iframe checkout and receive its events. Without any (here or as the merchant's default), every site may frame it.");
        Describe(schema, "tax", "Tax amount, at least 0.");
        Describe(schema, "discount", "Discount amount, at least 0.");
        Describe(schema, "metadata", "Up to 50 key-value pairs for your own tracking (key up to 40 characters, scalar value up to 500); echoed in webhooks.");
        Describe(schema, "capture_method", "automatic (default) charges at once; manual only authorizes until you capture.", values: ["automatic", "manual"]);
        Describe(schema, "expires_in_minutes", "Minutes until the intent expires, 5 to 43200; default 24 hours.");
        NotNullWhenRequired(schema);
        schema.Examples = [ApiExamples.Parse(ApiExamples.CreateIntentRequest)];
    }

    private static void DescribeItem(OpenApiSchema schema)
    {
        schema.Required = new HashSet<string>(["name", "quantity", "price"]);
        Describe(schema, "name", "Item name.", maxLength: 255);
        Describe(schema, "quantity", "An integer, at least 1.");
        Describe(schema, "price", "Unit price, at least 0.");
        NotNullWhenRequired(schema);
    }

    /// <summary>A required field sent as null is a 422, so the reference does not offer null for it.</summary>
    private static void NotNullWhenRequired(OpenApiSchema schema)
    {
        foreach (var name in schema.Required ?? new HashSet<string>())
            if (schema.Properties?.TryGetValue(name, out var p) == true && p is OpenApiSchema { Type: { } t } property && t.HasFlag(JsonSchemaType.Null))
                property.Type = t & ~JsonSchemaType.Null;
    }

    private static void Describe(OpenApiSchema schema, string property, string description,
        string[]? values = null, int? maxLength = null, string? format = null, string? pattern = null)
    {
        if (schema.Properties?.TryGetValue(property, out var found) != true || found is not OpenApiSchema p) return;
        p.Description = description;
        if (values is not null) p.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
        if (maxLength is not null) p.MaxLength = maxLength;
        if (format is not null) p.Format = format;
        if (pattern is not null) p.Pattern = pattern;
    }
}
