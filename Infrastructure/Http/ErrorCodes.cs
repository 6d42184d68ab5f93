namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// The stable, machine-readable <c>code</c> of every error answer except ordinary validation (422).
/// Clients branch on these, never on the English message. <see cref="All"/> feeds the API
/// reference's introduction; docs/api.md ("Errors") lists the same, which a test checks.
/// </summary>
public static class ErrorCodes
{
    public const string MalformedJson = "malformed_json";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string PayloadTooLarge = "payload_too_large";
    public const string InvalidIdempotencyKey = "invalid_idempotency_key";
    public const string InvalidRequest = "invalid_request";
    public const string InvalidApiKey = "invalid_api_key";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string TestModeOnly = "test_mode_only";
    public const string NotFound = "not_found";
    public const string IntentNotFound = "intent_not_found";
    public const string ChargeNotFound = "charge_not_found";
    public const string WebhookEndpointNotFound = "webhook_endpoint_not_found";
    public const string EventNotFound = "event_not_found";
    public const string SubscriptionNotFound = "subscription_not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string ReferenceConflict = "reference_conflict";
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";
    public const string InvalidState = "invalid_state";
    public const string AlreadyRefunded = "already_refunded";
    public const string GatewayDeclined = "gateway_declined";
    public const string WebhookEndpointDisabled = "webhook_endpoint_disabled";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string InternalError = "internal_error";
    public const string GatewayUnavailable = "gateway_unavailable";

    public sealed record Entry(string Code, int Status, string Meaning);

    public static readonly IReadOnlyList<Entry> All =
    [
        new(MalformedJson, 400, "The body is empty, not JSON, or not a JSON object."),
        new(UnsupportedMediaType, 400, "The body is not sent as Content-Type: application/json."),
        new(PayloadTooLarge, 400, "The body is over 64 KiB."),
        new(InvalidIdempotencyKey, 400, "The Idempotency-Key header is empty, over 255 characters, or not printable ASCII."),
        new(InvalidRequest, 400, "The HTTP request itself could not be read (for example a broken chunked body)."),
        new(InvalidApiKey, 401, "X-Client-ID or X-Client-Secret is missing, unknown, wrong or revoked."),
        new(Unauthorized, 401, "A page that needs a sign-in (the admin panel, the job dashboard) was asked for without one."),
        new(Forbidden, 403, "A form was posted without its anti-forgery token, or by an admin panel user who may only look."),
        new(TestModeOnly, 403, "The test clock is for test mode: a live-mode API key was used."),
        new(NotFound, 404, "No such route, or no such checkout link."),
        new(IntentNotFound, 404, "No payment intent with this id or reference for this API client's merchant and mode."),
        new(ChargeNotFound, 404, "No such charge on this intent."),
        new(WebhookEndpointNotFound, 404, "No webhook endpoint with this id for this API client's merchant and mode."),
        new(EventNotFound, 404, "No event with this id for this API client's merchant and mode."),
        new(SubscriptionNotFound, 404, "No subscription with this id for this API client's merchant and mode."),
        new(MethodNotAllowed, 405, "The route exists, but not for this HTTP method."),
        new(ReferenceConflict, 409, "An intent with this reference_id exists already; data.intent_id names it."),
        new(IdempotencyKeyInUse, 409, "A request with this Idempotency-Key is still running; retry when it has finished."),
        new(InvalidState, 409, "The intent's or subscription's state does not allow this (for example cancelling a paid intent, or a subscription while a renewal charge is being confirmed)."),
        new(AlreadyRefunded, 409, "The charge has been refunded in full already."),
        new(GatewayDeclined, 409, "The gateway refused a capture, refund or void; the intent is unchanged and you may retry."),
        new(WebhookEndpointDisabled, 409, "The webhook endpoint is disabled: enable it (PATCH enabled: true) before redelivering to it."),
        new(IdempotencyKeyReused, 422, "This Idempotency-Key was used before with a different request (sent beside the 422's errors)."),
        new(InternalError, 500, "Something failed on our side; quote the X-Correlation-ID header to support."),
        new(GatewayUnavailable, 503, "The merchant's live gateway is not configured, so the checkout can't take payments."),
    ];
}
