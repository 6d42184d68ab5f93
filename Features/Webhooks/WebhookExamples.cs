using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;

namespace PaymentHub.Features.Webhooks;

/// <summary>The module's answers for the API reference (real answers' data), and the errors its slices share.</summary>
public static class EndpointExamples
{
    public const string Endpoint = """
        { "id": "we_0193a5e2-8a4b-7c2d-9e1f-3a5b7c9d1e2f", "url": "https://shop.example.com/webhooks/paymenthub", "description": "Order system",
          "event_types": ["payment.succeeded", "payment.refunded"], "x_signature": false, "enabled": true, "disabled_reason": null,
          "disabled_at": null, "failing_since": null, "previous_secret_expires_at": null, "livemode": false,
          "created_at": "2026-11-22T12:00:00.000000Z", "updated_at": "2026-11-22T12:00:00.000000Z" }
        """;

    public const string Created = """
        { "id": "we_0193a5e2-8a4b-7c2d-9e1f-3a5b7c9d1e2f", "url": "https://shop.example.com/webhooks/paymenthub", "description": "Order system",
          "event_types": ["payment.succeeded", "payment.refunded"], "x_signature": false, "enabled": true, "disabled_reason": null,
          "disabled_at": null, "failing_since": null, "previous_secret_expires_at": null, "livemode": false,
          "created_at": "2026-11-22T12:00:00.000000Z", "updated_at": "2026-11-22T12:00:00.000000Z",
          "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
        """;

    public const string Rotated = """
        { "id": "we_0193a5e2-8a4b-7c2d-9e1f-3a5b7c9d1e2f", "url": "https://shop.example.com/webhooks/paymenthub", "description": "Order system",
          "event_types": ["*"], "x_signature": false, "enabled": true, "disabled_reason": null, "disabled_at": null, "failing_since": null,
          "previous_secret_expires_at": "2026-11-23T12:00:00.000000Z", "livemode": false,
          "created_at": "2026-11-01T09:30:00.000000Z", "updated_at": "2026-11-22T12:00:00.000000Z",
          "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD" }
        """;

    public const string Disabled = """
        { "id": "we_0193a5e2-8a4b-7c2d-9e1f-3a5b7c9d1e2f", "url": "https://shop.example.com/webhooks/paymenthub", "description": null,
          "event_types": ["*"], "x_signature": false, "enabled": false,
          "disabled_reason": "Every attempt since 2026-11-19T12:00:00.000000Z failed (3 days). The last: HTTP 503: only a 2xx answer counts as delivered",
          "disabled_at": "2026-11-22T12:00:05.000000Z", "failing_since": "2026-11-19T12:00:00.000000Z", "previous_secret_expires_at": null,
          "livemode": true, "created_at": "2026-11-01T09:30:00.000000Z", "updated_at": "2026-11-22T12:00:05.000000Z" }
        """;

    public const string EventDetail = """
        { "id": "evt_0193a5e3-1c2d-7e4f-8a9b-0c1d2e3f4a5b", "type": "payment.succeeded", "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b",
          "subscription_id": null,
          "payload": { "event": "payment.succeeded", "event_id": "evt_0193a5e3-1c2d-7e4f-8a9b-0c1d2e3f4a5b", "created_at": "2026-11-22T12:00:00.000000Z",
                       "livemode": false, "sequence": 1, "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b", "charge_id": 1,
                       "metadata": { "order_number": 1001 } },
          "created_at": "2026-11-22T12:00:00.000000Z",
          "deliveries": [ { "endpoint_id": "we_0193a5e2-8a4b-7c2d-9e1f-3a5b7c9d1e2f", "url": "https://shop.example.com/webhooks/paymenthub",
                            "status": "succeeded", "next_attempt_at": null, "delivered_at": "2026-11-22T12:00:05.412000Z",
                            "last_status_code": 200, "last_error": null,
                            "attempts": [
                              { "attempted_at": "2026-11-22T12:00:00.012000Z", "status_code": 500, "latency_ms": 41,
                                "response_excerpt": "Internal Server Error", "error": null },
                              { "attempted_at": "2026-11-22T12:00:05.380000Z", "status_code": 200, "latency_ms": 32,
                                "response_excerpt": "ok", "error": null } ] } ] }
        """;

    public static readonly ErrorExample NotFound = new(404, ErrorCodes.WebhookEndpointNotFound, "Webhook endpoint not found.",
        "No such webhook endpoint for this API client's merchant and mode.");

    public static readonly ErrorExample EventNotFound = new(404, ErrorCodes.EventNotFound, "Event not found.",
        "No such event for this API client's merchant and mode.");

    public static readonly ErrorExample Disabled409 = new(409, ErrorCodes.WebhookEndpointDisabled,
        "The webhook endpoint is disabled; enable it before redelivering to it.", "The endpoint is disabled.");

    public static ApiError NotFoundError() => ApiError.NotFound(ErrorCodes.WebhookEndpointNotFound, "Webhook endpoint");

    public static ApiError DisabledError() => ApiError.Conflict(ErrorCodes.WebhookEndpointDisabled, Disabled409.Message);
}
