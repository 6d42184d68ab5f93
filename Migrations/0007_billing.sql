-- PaymentHub schema, part 7: recurring billing and the test clock.
-- Times are integer Unix epoch milliseconds (UTC); money is integer minor units beside its currency.

-- A subscription keeps its customer (to be listed by them without reading the intents) and its
-- billing period. Periods are numbered from 1 (the one the first payment paid for) and follow each
-- other without gaps: period n+1 starts where period n ends, however late its renewal was charged.
ALTER TABLE subscriptions ADD COLUMN customer_ref_id TEXT NULL;
ALTER TABLE subscriptions ADD COLUMN email TEXT NULL;
ALTER TABLE subscriptions ADD COLUMN name TEXT NULL;
ALTER TABLE subscriptions ADD COLUMN current_period INTEGER NOT NULL DEFAULT 1;
ALTER TABLE subscriptions ADD COLUMN current_period_start INTEGER NULL;
ALTER TABLE subscriptions ADD COLUMN current_period_end INTEGER NULL;
-- Cancelled by the merchant for the end of the period: renewals stop, the subscription ends then.
ALTER TABLE subscriptions ADD COLUMN cancel_at_period_end INTEGER NOT NULL DEFAULT 0 CHECK (cancel_at_period_end IN (0, 1));
ALTER TABLE subscriptions ADD COLUMN cancellation_reason TEXT NULL;

UPDATE subscriptions SET
    customer_ref_id = (SELECT i.customer_ref_id FROM intents i WHERE i.id = subscriptions.intent_id),
    email = (SELECT i.email FROM intents i WHERE i.id = subscriptions.intent_id),
    name = (SELECT i.name FROM intents i WHERE i.id = subscriptions.intent_id),
    current_period_start = created_at,
    current_period_end = next_charge_at;

-- The first payment belongs to the subscription it started, as its renewals do.
UPDATE charges SET subscription_id = (SELECT s.id FROM subscriptions s WHERE s.intent_id = charges.intent_id)
WHERE subscription_id IS NULL AND status = 'success' AND intent_id IN (SELECT intent_id FROM subscriptions);
CREATE INDEX ix_charges_subscription ON charges (subscription_id, id) WHERE subscription_id IS NOT NULL;

-- One row per attempt to charge a renewal, committed (pending, with the order id the gateway will
-- know it by) before the gateway is called. The unique key makes each attempt of each period
-- happen once, however many workers or instances look at the same due subscription; a row left
-- pending or unknown (a lost answer, a crash) is settled by asking the gateway about its order id.
CREATE TABLE renewal_attempts (
    id              INTEGER PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    period          INTEGER NOT NULL,        -- the billing period it pays for (2 = the first renewal)
    attempt         INTEGER NOT NULL,        -- 1 on schedule, then one per dunning retry
    order_id        TEXT NOT NULL UNIQUE,
    charge_id       INTEGER NULL REFERENCES charges (id),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'unknown', 'succeeded', 'failed')),
    period_start    INTEGER NOT NULL,        -- where the period it pays for starts (its due date)
    failure_code    TEXT NULL,
    failure_message TEXT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (subscription_id, period, attempt)
);
CREATE INDEX ix_renewal_attempts_open ON renewal_attempts (status, subscription_id) WHERE status IN ('pending', 'unknown');
CREATE INDEX ix_renewal_attempts_charge ON renewal_attempts (charge_id);

-- A merchant's test clock: test-mode objects live this far ahead of the real time (never behind).
-- No row: the real time.
CREATE TABLE test_clocks (
    merchant_id TEXT PRIMARY KEY REFERENCES merchants (id),
    offset_ms   INTEGER NOT NULL CHECK (offset_ms >= 0),
    updated_at  INTEGER NOT NULL
);
