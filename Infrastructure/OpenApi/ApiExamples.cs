using System.Text.Json.Nodes;

namespace PaymentHub.Infrastructure.OpenApi;

/// <summary>
/// The examples the reference shows: a create-intent request written the way merchants' existing
/// integrations write it, and the answers this server really returns. Kept as JSON text so numbers
/// keep the spelling clients use (50.00), which a serializer would rewrite (50).
/// </summary>
internal static class ApiExamples
{
    public const string InvalidApiKey = "Invalid API Key provided.";

    /// <summary>The body of POST /api/platform/intents in the reference's example: a recurring intent shown in an iframe.</summary>
    public const string CreateIntentRequest = """
        {
          "amount": 80,
          "currency": "USD",
          "intent_type": "recurring",
          "interval_days": 30,
          "email": "customer@example.com",
          "name": "John Doe",
          "reference_id": "ORDER-123456",
          "customer_ref_id": "CUST-001",
          "integration_type": "iframe",
          "allowed_origins": ["https://example.com"],
          "success_url": "https://example.com/success",
          "cancel_url": "https://example.com/cancel",
          "metadata": {
            "internal_id": "999"
          },
          "order_items": [
            {
              "name": "Product 1",
              "quantity": 1,
              "price": 50.00
            }
          ]
        }
        """;

    private const string Intent = """
        {
          "id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b",
          "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b",
          "reference_id": "ORDER-123456",
          "customer_ref_id": "CUST-001",
          "status": "requires_payment",
          "amount": "80.00",
          "currency": "USD",
          "type": "recurring",
          "interval_days": 30,
          "email": "customer@example.com",
          "name": "John Doe",
          "tax": null,
          "discount": null,
          "order_items": [
            { "name": "Product 1", "quantity": 1, "price": "50.00" }
          ],
          "metadata": { "internal_id": "999" },
          "integration_type": "iframe",
          "success_url": "https://example.com/success",
          "cancel_url": "https://example.com/cancel",
          "fail_url": null,
          "allowed_origins": ["https://example.com"],
          "capture_method": "automatic",
          "payment_url": "https://pay.example.com/pay/Jx3vQm9sT2kLp8RwZa4bYc7dEf1gHh5i",
          "livemode": false,
          "expires_at": "2026-11-23T12:00:00.000000Z",
          "created_at": "2026-11-22T12:00:00.000000Z",
          "updated_at": "2026-11-22T12:00:00.000000Z",
          "charges": [],
          "subscription": null
        }
        """;

    private static readonly Dictionary<string, string> SuccessData = new(StringComparer.Ordinal)
    {
        ["CreateIntent"] = Intent,
        ["GetIntent"] = Intent,
        ["GetIntentByReference"] = Intent,
        ["ListIntents"] = $$"""{ "items": [{{Intent}}], "page": 1, "per_page": 10, "total": 1 }""",
        ["GetIntentLogs"] = """
            {
              "items": [
                {
                  "id": 1,
                  "event_type": "intent.created",
                  "message": "Payment intent created for 80.00 USD.",
                  "actor_type": "api",
                  "created_at": "2026-11-22T12:00:00.000000Z"
                }
              ],
              "page": 1,
              "per_page": 10,
              "total": 1
            }
            """,
        ["CancelIntent"] = """{ "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b", "status": "cancelled" }""",
        ["ListEvents"] = """
            {
              "items": [
                {
                  "id": "evt_0193a5e2-9e3f-7d50-b16c-4f8e0a3b5c7d",
                  "type": "payment.succeeded",
                  "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b",
                  "subscription_id": null,
                  "payload": {
                    "event": "payment.succeeded",
                    "event_id": "evt_0193a5e2-9e3f-7d50-b16c-4f8e0a3b5c7d",
                    "created_at": "2026-11-22T12:01:00.000000Z",
                    "livemode": false,
                    "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b",
                    "charge_id": 105,
                    "metadata": { "order_id": "123456" }
                  },
                  "created_at": "2026-11-22T12:01:00.000000Z"
                }
              ],
              "page": 1,
              "per_page": 10,
              "total": 1
            }
            """,
        ["CaptureIntent"] = """
            { "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b", "status": "succeeded", "charge_id": 105,
              "amount_captured": "60.00", "currency": "USD" }
            """,
        ["RefundIntent"] = """
            { "refund_id": "re_0193a5e2-8d2e-7c4f-a05b-3e7d9f2a4b6c", "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b",
              "charge_id": 105, "amount": "30.00", "currency": "USD", "status": "succeeded", "reason": "damaged",
              "amount_refunded": "30.00", "created_at": "2026-11-22T12:00:00.000000Z" }
            """,
    };

    /// <summary>The 200 body of an operation, in the success envelope; null when none is known.</summary>
    public static JsonNode? Success(string? operationId) =>
        operationId is not null && SuccessData.TryGetValue(operationId, out var data)
            ? new JsonObject { ["success"] = true, ["data"] = JsonNode.Parse(data) }
            : null;

    public static JsonNode Error(string code, string message, JsonNode? data = null) =>
        new JsonObject { ["success"] = false, ["message"] = message, ["code"] = code, ["data"] = data ?? new JsonArray() };

    /// <summary>A 422 for one field and one message (with the code only the idempotency-key reuse carries).</summary>
    public static JsonNode Validation(string field, string message, string? code = null)
    {
        var body = new JsonObject
        {
            ["message"] = "The given data was invalid.",
            ["errors"] = new JsonObject { [field] = new JsonArray(message) },
        };
        if (code is not null) body["code"] = code;
        return body;
    }

    /// <summary>A 422 with two fields, as a create-intent request without email and with amount 0 gets it.</summary>
    public static JsonNode Validation() => JsonNode.Parse("""
        {
          "message": "The given data was invalid.",
          "errors": {
            "email": ["The email field is required."],
            "amount": ["The amount must be at least 1."]
          }
        }
        """)!;

    public static JsonNode Parse(string json) => JsonNode.Parse(json)!;
}
