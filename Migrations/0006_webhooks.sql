-- PaymentHub schema, part 6: webhook endpoints, one delivery row per (event, endpoint), and every
-- attempt to send it. The delivery rows are the work list of the dispatcher: what is due is what
-- is pending with next_attempt_at in the past and no live lease, so a restart loses nothing.

-- Each intent's events are numbered 1, 2, 3… in the order they happened, so receivers can order
-- them; the number is also in the payload. Events recorded before this migration get their number
-- here (their stored payloads stay as they were: they were never sent). NULL: no intent.
ALTER TABLE events ADD COLUMN sequence INTEGER NULL;
UPDATE events SET sequence = (SELECT COUNT(*) FROM events e WHERE e.intent_id = events.intent_id AND e.seq <= events.seq)
WHERE intent_id IS NOT NULL;

-- A merchant's receiving URL in one mode. The signing secret is encrypted with ASP.NET Core Data
-- Protection (purpose "PaymentHub.WebhookSecrets"); after a rotation the previous secret keeps
-- signing beside the new one until previous_secret_expires_at.
CREATE TABLE webhook_endpoints (
    id                         TEXT PRIMARY KEY,          -- we_ + UUID
    merchant_id                TEXT NOT NULL REFERENCES merchants (id),
    mode                       TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    url                        TEXT NOT NULL,
    description                TEXT NULL,
    event_types                TEXT NULL,                 -- space-separated types; NULL: every type
    x_signature                INTEGER NOT NULL DEFAULT 0,  -- 1: also send x-signature (SHA-1 of body + secret)
    enabled                    INTEGER NOT NULL DEFAULT 1,
    disabled_reason            TEXT NULL,
    disabled_at                INTEGER NULL,
    failing_since              INTEGER NULL,              -- first failed attempt since the last success
    secret_protected           TEXT NOT NULL,
    previous_secret_protected  TEXT NULL,
    previous_secret_expires_at INTEGER NULL,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL,
    deleted_at                 INTEGER NULL               -- kept for the deliveries' history; invisible to the API
);
CREATE INDEX ix_webhook_endpoints_merchant ON webhook_endpoints (merchant_id, mode, created_at);

-- One event to one endpoint. status: pending (waiting for its next attempt, or being sent),
-- succeeded, dead (retries used up, or the endpoint was disabled or deleted first).
-- A sender claims a row by setting locked_until and locked_by (a token of its claim) in the same
-- transaction that found it due; only that sender records its outcome.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    event_seq        INTEGER NOT NULL REFERENCES events (seq),
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id),
    intent_id        TEXT NULL,                 -- the event's, for in-order delivery per intent
    status           TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,  -- attempts since it was (re)queued: the position in the retry schedule
    next_attempt_at  INTEGER NULL,
    locked_until     INTEGER NULL,
    locked_by        TEXT NULL,
    last_status_code INTEGER NULL,
    last_error       TEXT NULL,
    delivered_at     INTEGER NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (event_seq, endpoint_id)
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX ix_webhook_deliveries_order ON webhook_deliveries (endpoint_id, intent_id, event_seq);

CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY,
    delivery_id      INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at     INTEGER NOT NULL,
    status_code      INTEGER NULL,              -- NULL: no HTTP answer (timeout, refused, blocked address)
    latency_ms       INTEGER NOT NULL,
    response_excerpt TEXT NULL,                 -- the answer's first 1024 bytes
    error            TEXT NULL
);
CREATE INDEX ix_webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
CREATE INDEX ix_webhook_attempts_time ON webhook_attempts (attempted_at);
