-- PaymentHub schema, part 4: every gateway operation whose answer can be lost leaves a row saying
-- what was asked, committed before the gateway is called, so that the settlement job can ask the
-- gateway what became of it instead of guessing or repeating it.

-- A refund's own order id, sent to the gateway with the refund, by which the gateway can be asked
-- about it. Refunds recorded before this column existed never sent one and keep NULL.
ALTER TABLE refunds ADD COLUMN order_id TEXT NULL;
CREATE UNIQUE INDEX ux_refunds_order_id ON refunds (order_id);
CREATE INDEX ix_refunds_unsettled ON refunds (status, updated_at);

-- Captures and voids of an authorization, one row per attempt. While one is pending or unknown its
-- intent stays processing; the authorization's state at the gateway tells what became of it.
-- actor and message are what the intent's log and events say once the attempt is settled.
CREATE TABLE authorization_operations (
    id               INTEGER PRIMARY KEY,
    charge_id        INTEGER NOT NULL REFERENCES charges (id),
    intent_id        TEXT NOT NULL REFERENCES intents (id),
    merchant_id      TEXT NOT NULL REFERENCES merchants (id),
    mode             TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    kind             TEXT NOT NULL CHECK (kind IN ('capture', 'void')),
    amount           INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'unknown', 'succeeded', 'failed')),
    actor            TEXT NOT NULL,
    message          TEXT NULL,
    failure_message  TEXT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX ix_authorization_operations_intent ON authorization_operations (intent_id, id);
CREATE INDEX ix_authorization_operations_unsettled ON authorization_operations (status, updated_at);
