-- PaymentHub schema, part 1: tenancy, intents, their log, the webhook outbox, idempotency.
-- Times are integer Unix epoch milliseconds (UTC); money is integer minor units beside its currency.

CREATE TABLE merchants (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    allowed_origins TEXT NULL,           -- space-separated origins allowed to frame the checkout
    created_at      INTEGER NOT NULL
);

CREATE TABLE api_clients (
    client_id    TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL REFERENCES merchants (id),
    mode         TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,          -- hex SHA-256 of the secret; the secret itself is never stored
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER NULL
);
CREATE INDEX ix_api_clients_merchant ON api_clients (merchant_id);

CREATE TABLE admin_users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE intents (
    id               TEXT PRIMARY KEY,
    merchant_id      TEXT NOT NULL REFERENCES merchants (id),
    mode             TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    reference_id     TEXT NOT NULL,
    customer_ref_id  TEXT NULL,
    intent_type      TEXT NOT NULL CHECK (intent_type IN ('one_time', 'recurring')),
    interval_days    INTEGER NULL,
    amount           INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    tax              INTEGER NULL,
    discount         INTEGER NULL,
    email            TEXT NOT NULL,
    name             TEXT NOT NULL,
    integration_type TEXT NOT NULL CHECK (integration_type IN ('url', 'iframe')),
    success_url      TEXT NULL,
    cancel_url       TEXT NULL,
    fail_url         TEXT NULL,
    capture_method   TEXT NOT NULL CHECK (capture_method IN ('automatic', 'manual')),
    metadata         TEXT NULL,          -- JSON object as sent
    status           TEXT NOT NULL,
    payment_token    TEXT NOT NULL UNIQUE,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    UNIQUE (merchant_id, mode, reference_id)
);
CREATE INDEX ix_intents_listing ON intents (merchant_id, mode, created_at DESC);
CREATE INDEX ix_intents_status ON intents (status, expires_at);

CREATE TABLE intent_items (
    intent_id TEXT NOT NULL REFERENCES intents (id),
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    quantity  INTEGER NOT NULL,
    price     INTEGER NOT NULL,
    PRIMARY KEY (intent_id, position)
);

CREATE TABLE intent_logs (
    id         INTEGER PRIMARY KEY,
    intent_id  TEXT NOT NULL REFERENCES intents (id),
    event_type TEXT NOT NULL,
    message    TEXT NOT NULL,
    actor_type TEXT NOT NULL CHECK (actor_type IN ('api', 'customer', 'system', 'admin', 'gateway')),
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_intent_logs_intent ON intent_logs (intent_id, id);

-- The webhook outbox: written in the same transaction as the change it reports.
CREATE TABLE events (
    seq             INTEGER PRIMARY KEY,      -- creation order, for in-order delivery per intent
    id              TEXT NOT NULL UNIQUE,     -- evt_ + UUID, the id merchants see
    merchant_id     TEXT NOT NULL REFERENCES merchants (id),
    mode            TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    type            TEXT NOT NULL,
    intent_id       TEXT NULL,
    subscription_id TEXT NULL,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX ix_events_merchant ON events (merchant_id, mode, seq);
CREATE INDEX ix_events_intent ON events (intent_id, seq);

CREATE TABLE idempotency_keys (
    client_id      TEXT NOT NULL,
    idem_key       TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    status_code    INTEGER NULL,             -- NULL while the first request is still running
    content_type   TEXT NULL,
    response_body  BLOB NULL,
    created_at     INTEGER NOT NULL,
    locked_until   INTEGER NOT NULL,         -- an in-flight claim older than this may be taken over
    PRIMARY KEY (client_id, idem_key)
);
CREATE INDEX ix_idempotency_created ON idempotency_keys (created_at);
