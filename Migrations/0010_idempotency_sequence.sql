-- PaymentHub schema, part 10: idempotency keys numbered in the order they are claimed.
-- The purge walked an index on created_at to find keys past their 24 hours; every keyed request
-- wrote an entry in it (and a commit of keyed creates a few of its pages) only for that hourly job.
-- Keys are claimed in time order, so the purge now walks them by their number instead (seq: SQLite's
-- row id, an identity column on PostgreSQL) and the index is gone. The key itself stays unique.
CREATE TABLE idempotency_keys_v10 (
    seq            INTEGER PRIMARY KEY,
    client_id      TEXT NOT NULL,
    idem_key       TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    status_code    INTEGER NULL,             -- NULL while the first request is still running
    content_type   TEXT NULL,
    response_body  BLOB NULL,                -- as stored by KeptAnswers (packed, or as it was sent)
    created_at     INTEGER NOT NULL,
    locked_until   INTEGER NOT NULL,         -- an in-flight claim older than this may be taken over
    UNIQUE (client_id, idem_key)
);
INSERT INTO idempotency_keys_v10 (client_id, idem_key, request_hash, status_code, content_type, response_body, created_at, locked_until)
SELECT client_id, idem_key, request_hash, status_code, content_type, response_body, created_at, locked_until
FROM idempotency_keys ORDER BY created_at;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_v10 RENAME TO idempotency_keys;
