namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// The stable, machine-readable <c>code</c> of every error answer except ordinary validation (422).
/// Clients branch on these, never on the English message. The list, with when each is sent, is in
/// docs/api.md ("Errors") and in the API reference's introduction; keep the three in step.
/// </summary>
public static class ErrorCodes
{
    // 400: the request itself could not be read.
    public const string MalformedJson = "malformed_json";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string PayloadTooLarge = "payload_too_large";
    public const string InvalidIdempotencyKey = "invalid_idempotency_key";
    public const string InvalidRequest = "invalid_request";

    // 401, 403
    public const string InvalidApiKey = "invalid_api_key";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string TestModeOnly = "test_mode_only";

    // 404, 405
    public const string NotFound = "not_found";
    public const string IntentNotFound = "intent_not_found";
    public const string ChargeNotFound = "charge_not_found";
    public const string MethodNotAllowed = "method_not_allowed";

    // 409: the request is understood but the object's state (or another request) stands in the way.
    public const string ReferenceConflict = "reference_conflict";
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";
    public const string InvalidState = "invalid_state";
    public const string AlreadyRefunded = "already_refunded";
    public const string GatewayDeclined = "gateway_declined";

    // 422 with a code: the idempotency key was used before with another body.
    public const string IdempotencyKeyReused = "idempotency_key_reused";

    // 429, 5xx
    public const string RateLimited = "rate_limited";
    public const string InternalError = "internal_error";
    public const string GatewayUnavailable = "gateway_unavailable";
}
