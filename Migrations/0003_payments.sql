-- PaymentHub schema, part 3: charge attempts, refunds, subscriptions.

-- One row per attempt to take money. The row is committed (pending) before the gateway is called
-- and carries the order id sent to the gateway, so a lost answer is settled by a query, never by
-- a second charge.
CREATE TABLE charges (
    id                     INTEGER PRIMARY KEY,
    intent_id              TEXT NOT NULL REFERENCES intents (id),
    subscription_id        TEXT NULL,
    merchant_id            TEXT NOT NULL REFERENCES merchants (id),
    mode                   TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    kind                   TEXT NOT NULL CHECK (kind IN ('sale', 'authorization', 'renewal')),
    status                 TEXT NOT NULL CHECK (status IN ('pending', 'unknown', 'authorized', 'success', 'failed', 'voided')),
    amount                 INTEGER NOT NULL,
    currency               TEXT NOT NULL,
    captured_amount        INTEGER NOT NULL DEFAULT 0,
    refunded_amount        INTEGER NOT NULL DEFAULT 0,
    order_id               TEXT NOT NULL UNIQUE,
    gateway                TEXT NOT NULL,
    gateway_transaction_id TEXT NULL,
    failure_code           TEXT NULL,
    failure_message        TEXT NULL,
    decline_type           TEXT NULL CHECK (decline_type IN ('hard', 'soft', 'error')),
    card_brand             TEXT NULL,
    card_last4             TEXT NULL,
    card_expiry            TEXT NULL,
    vault_id               TEXT NULL,             -- the stored card, when this attempt stored one
    initiated_by           TEXT NOT NULL CHECK (initiated_by IN ('customer', 'merchant')),
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);
CREATE INDEX ix_charges_intent ON charges (intent_id, id);
CREATE INDEX ix_charges_merchant ON charges (merchant_id, mode, created_at);
CREATE INDEX ix_charges_unsettled ON charges (status, updated_at);

CREATE TABLE refunds (
    id                 TEXT PRIMARY KEY,
    charge_id          INTEGER NOT NULL REFERENCES charges (id),
    intent_id          TEXT NOT NULL REFERENCES intents (id),
    merchant_id        TEXT NOT NULL REFERENCES merchants (id),
    mode               TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    amount             INTEGER NOT NULL,
    reason             TEXT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'unknown')),
    gateway_refund_id  TEXT NULL,
    failure_message    TEXT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX ix_refunds_intent ON refunds (intent_id, created_at);

CREATE TABLE subscriptions (
    id                      TEXT PRIMARY KEY,
    intent_id               TEXT NOT NULL UNIQUE REFERENCES intents (id),
    merchant_id             TEXT NOT NULL REFERENCES merchants (id),
    mode                    TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    status                  TEXT NOT NULL CHECK (status IN ('active', 'past_due', 'cancelled')),
    amount                  INTEGER NOT NULL,
    currency                TEXT NOT NULL,
    interval_days           INTEGER NOT NULL,
    vault_id                TEXT NOT NULL,
    initial_transaction_id  TEXT NULL,
    card_brand              TEXT NULL,
    card_last4              TEXT NULL,
    card_expiry             TEXT NULL,
    next_charge_at          INTEGER NOT NULL,
    failed_attempts         INTEGER NOT NULL DEFAULT 0,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    cancelled_at            INTEGER NULL
);
CREATE INDEX ix_subscriptions_due ON subscriptions (status, next_charge_at);
CREATE INDEX ix_subscriptions_merchant ON subscriptions (merchant_id, mode, created_at);
