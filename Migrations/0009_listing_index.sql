-- PaymentHub schema, part 9: the intents' listing index in ascending order.
-- Intents arrive in time order. Descending, each new entry went in at the left end of its merchant's
-- range, which splits pages in half: the index stayed half empty and a commit of creates wrote several
-- of its pages. Ascending, new entries are appended at the end, pages fill, and a listing newest-first
-- reads the same index backwards (SQLite and PostgreSQL both do).
DROP INDEX ix_intents_listing;
CREATE INDEX ix_intents_listing ON intents (merchant_id, mode, created_at);
