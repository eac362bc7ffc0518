-- Every operation the provider specs name: a linked account that must be linked again
-- (Faspay 02, "needs_relink", with the provider's page in redirect_url), a provider's test-mode
-- phone on a payment, a payment's attempts (Tazapay requests again on the same payin), and each
-- payment's give-up time from its product's poll schedule.
--
-- A new binding status changes the table's CHECK, which SQLite can only do by rebuilding the
-- table: `Ledger::open` runs migrations with foreign keys off, as SQLite's procedure asks, and
-- checks them all before the ledger opens.

CREATE TABLE bindings_new (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    product      TEXT    NOT NULL,
    phone        TEXT    NOT NULL CHECK (phone GLOB '628[0-9]*'),
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'needs_relink', 'failed', 'expired', 'unlinking', 'unlinked')),
    provider_ref TEXT,
    created_at   INTEGER NOT NULL,
    linked_at    INTEGER,
    unlinked_at  INTEGER,
    updated_at   INTEGER NOT NULL,
    environment  TEXT    NOT NULL DEFAULT 'builtin_sandbox'
        CHECK (environment IN ('builtin_sandbox', 'provider_sandbox', 'production')),
    reference    TEXT CHECK (reference IS NULL OR length(reference) = 16),
    redirect_url TEXT,
    expires_at   INTEGER,
    problem      TEXT
);
INSERT INTO bindings_new (id, customer_id, product, phone, status, provider_ref, created_at, linked_at, unlinked_at,
                          updated_at, environment, reference, redirect_url, expires_at, problem)
SELECT id, customer_id, product, phone, status, provider_ref, created_at, linked_at, unlinked_at,
       updated_at, environment, reference, redirect_url, expires_at, problem
FROM bindings;
DROP TABLE bindings;
ALTER TABLE bindings_new RENAME TO bindings;
CREATE INDEX bindings_by_customer ON bindings (customer_id);
CREATE UNIQUE INDEX bindings_by_reference ON bindings (reference) WHERE reference IS NOT NULL;
CREATE INDEX bindings_by_provider_ref ON bindings (provider_ref) WHERE provider_ref IS NOT NULL;
CREATE INDEX bindings_by_phone ON bindings (phone);
-- One OVO account binds to one customer per product at a time, in each environment; an
-- account waiting to be linked again is still that customer's.
CREATE UNIQUE INDEX bindings_one_live_per_account ON bindings (environment, product, phone)
    WHERE status IN ('pending', 'active', 'needs_relink', 'unlinking');

-- A provider's documented test-mode number (only in the Provider sandbox); phone is then NULL.
ALTER TABLE payments ADD COLUMN test_phone TEXT CHECK (test_phone IS NULL OR test_phone IN ('tazapay_bypass'));
-- The current attempt (1 = the first call; n = the n-th request on the same provider payment).
ALTER TABLE payments ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1);
ALTER TABLE payments ADD COLUMN attempt_started_at INTEGER;
-- When the poller hands the open payment to an operator (needs_review).
ALTER TABLE payments ADD COLUMN give_up_at INTEGER;
