-- The customer desk: linkings per environment with their own reference, provider problems,
-- name-word search, and provider history with a direction.

ALTER TABLE bindings ADD COLUMN environment TEXT NOT NULL DEFAULT 'builtin_sandbox'
    CHECK (environment IN ('builtin_sandbox', 'provider_sandbox', 'production'));
ALTER TABLE bindings ADD COLUMN reference TEXT CHECK (reference IS NULL OR length(reference) = 16);
ALTER TABLE bindings ADD COLUMN redirect_url TEXT;
ALTER TABLE bindings ADD COLUMN expires_at INTEGER;
-- JSON {kind, provider_code, detail, at}: why the linking failed or the last unlink did not go through.
ALTER TABLE bindings ADD COLUMN problem TEXT;
CREATE UNIQUE INDEX bindings_by_reference ON bindings (reference) WHERE reference IS NOT NULL;
CREATE INDEX bindings_by_provider_ref ON bindings (provider_ref) WHERE provider_ref IS NOT NULL;
CREATE INDEX bindings_by_phone ON bindings (phone);
-- One OVO account binds to one customer per product at a time, in each environment.
DROP INDEX bindings_one_live_per_account;
CREATE UNIQUE INDEX bindings_one_live_per_account ON bindings (environment, product, phone)
    WHERE status IN ('pending', 'active', 'unlinking');

ALTER TABLE payments ADD COLUMN environment TEXT NOT NULL DEFAULT 'builtin_sandbox'
    CHECK (environment IN ('builtin_sandbox', 'provider_sandbox', 'production'));
CREATE INDEX refunds_by_provider_ref ON refunds (provider_ref) WHERE provider_ref IS NOT NULL;

ALTER TABLE balance_snapshots ADD COLUMN error_kind TEXT;

ALTER TABLE provider_history ADD COLUMN direction TEXT NOT NULL DEFAULT 'debit' CHECK (direction IN ('debit', 'credit'));

-- Each word of a customer's folded name, for prefix search on any word ("santoso" finds Budi Santoso).
CREATE TABLE customer_name_words (
    word        TEXT    NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    PRIMARY KEY (word, customer_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO customer_name_words (word, customer_id)
WITH RECURSIVE split (id, word, rest) AS (
    SELECT id, '', name_key || ' ' FROM customers
    UNION ALL
    SELECT id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1) FROM split WHERE rest <> ''
)
SELECT word, id FROM split WHERE word <> '';
