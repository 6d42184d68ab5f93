-- PaymentHub schema, part 2: gateways. Settings per merchant and mode, stored cards, and the
-- simulator's own ledger. Times are integer Unix epoch milliseconds (UTC); money is integer minor units.

-- A merchant's gateway per mode. The NMI security key is encrypted with ASP.NET Core Data
-- Protection (purpose "PaymentHub.GatewaySettings"); the tokenization key is public by design.
CREATE TABLE gateway_settings (
    merchant_id            TEXT NOT NULL REFERENCES merchants (id),
    mode                   TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    gateway                TEXT NOT NULL CHECK (gateway IN ('simulator', 'nmi')),
    security_key_protected TEXT NULL,
    tokenization_key       TEXT NULL,
    base_url               TEXT NULL,    -- NULL: https://secure.nmi.com
    updated_at             INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, mode)
);

-- Stored cards. Only what identifies the card to a person (brand, last 4, expiry) and the token;
-- never the card number or CVV, which stay with the gateway.
CREATE TABLE vaulted_cards (
    vault_id         TEXT PRIMARY KEY,   -- ours: vault_sim_… / vault_nmi_…
    merchant_id      TEXT NOT NULL REFERENCES merchants (id),
    mode             TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    gateway          TEXT NOT NULL CHECK (gateway IN ('simulator', 'nmi')),
    gateway_vault_id TEXT NULL,          -- the gateway's own id (NMI customer_vault_id); NULL for the simulator
    behaviour        TEXT NULL,          -- simulator only: which simulated card it was ('approve', 'decline_renewals', …)
    card_brand       TEXT NULL,
    card_last4       TEXT NULL,
    card_expiry      TEXT NULL,          -- MM/YY
    created_at       INTEGER NOT NULL
);
CREATE INDEX ix_vaulted_cards_merchant ON vaulted_cards (merchant_id, mode);

-- The simulator's transactions (test mode only), so capture/void/refund limits and queries by
-- order id hold across restarts and belong to this installation alone.
CREATE TABLE simulator_transactions (
    txn_id        TEXT PRIMARY KEY,      -- sim_…
    merchant_id   TEXT NOT NULL REFERENCES merchants (id),
    order_id      TEXT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('sale', 'auth', 'refund')),
    parent_txn_id TEXT NULL,             -- refunds: the transaction refunded
    amount        INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    captured      INTEGER NOT NULL DEFAULT 0,
    refunded      INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL CHECK (status IN ('authorized', 'captured', 'voided', 'soft_declined', 'hard_declined', 'failed', 'refunded')),
    decline_code  TEXT NULL,
    message       TEXT NULL,
    card_brand    TEXT NULL,
    card_last4    TEXT NULL,
    card_expiry   TEXT NULL,
    vault_id      TEXT NULL,
    auth_code     TEXT NULL,
    created_at    INTEGER NOT NULL,
    captured_at   INTEGER NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX ix_simulator_transactions_order ON simulator_transactions (merchant_id, order_id);
