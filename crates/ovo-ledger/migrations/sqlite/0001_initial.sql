-- The ledger's first schema. Instants are INTEGER Unix milliseconds, UTC.
-- Money is INTEGER whole rupiah. Phones are canonical MSISDN text (62…).

CREATE TABLE operators (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('staff', 'support', 'finance', 'admin')),
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE customers (
    id                   INTEGER PRIMARY KEY,
    merchant_customer_id TEXT    UNIQUE,
    full_name            TEXT    NOT NULL,
    name_key             TEXT    NOT NULL, -- folded for prefix search: lower case, accents removed
    phone                TEXT    NOT NULL CHECK (phone GLOB '628[0-9]*'),
    email                TEXT,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX customers_by_phone ON customers (phone);
CREATE INDEX customers_by_name_key ON customers (name_key);

-- A linked OVO account through one provider product.
CREATE TABLE bindings (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    product      TEXT    NOT NULL,
    phone        TEXT    NOT NULL CHECK (phone GLOB '628[0-9]*'),
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'failed', 'expired', 'unlinking', 'unlinked')),
    provider_ref TEXT,
    created_at   INTEGER NOT NULL,
    linked_at    INTEGER,
    unlinked_at  INTEGER,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX bindings_by_customer ON bindings (customer_id);
-- One OVO account binds to one customer per merchant and product at a time.
CREATE UNIQUE INDEX bindings_one_live_per_account ON bindings (product, phone)
    WHERE status IN ('pending', 'active', 'unlinking');

CREATE TABLE balance_snapshots (
    id            INTEGER PRIMARY KEY,
    binding_id    INTEGER NOT NULL REFERENCES bindings (id),
    fetched_at    INTEGER NOT NULL,
    outcome       TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed')),
    cash          INTEGER CHECK (cash >= 0),
    points        INTEGER CHECK (points >= 0),
    error_code    TEXT,
    error_message TEXT,
    CHECK (outcome = 'failed' OR (cash IS NOT NULL AND points IS NOT NULL))
);
CREATE INDEX balance_snapshots_latest ON balance_snapshots (binding_id, fetched_at DESC);

CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    reference     TEXT    NOT NULL UNIQUE CHECK (length(reference) = 16),
    customer_id   INTEGER REFERENCES customers (id),
    binding_id    INTEGER REFERENCES bindings (id),
    product       TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    phone         TEXT    CHECK (phone IS NULL OR phone GLOB '628[0-9]*'),
    amount        INTEGER NOT NULL CHECK (amount > 0),
    cash_amount   INTEGER CHECK (cash_amount >= 0),
    points_amount INTEGER CHECK (points_amount >= 0),
    status        TEXT    NOT NULL CHECK (status IN ('created', 'pending', 'succeeded', 'failed', 'unknown', 'expired', 'cancelled', 'needs_review')),
    provider_ref  TEXT,
    created_by    INTEGER REFERENCES operators (id),
    created_at    INTEGER NOT NULL,
    succeeded_at  INTEGER,
    updated_at    INTEGER NOT NULL,
    CHECK (cash_amount IS NULL OR points_amount IS NULL OR cash_amount + points_amount = amount)
);
CREATE INDEX payments_newest ON payments (created_at DESC, id DESC);
CREATE INDEX payments_by_status ON payments (status, created_at DESC, id DESC);
CREATE INDEX payments_by_product ON payments (product, created_at DESC, id DESC);
CREATE INDEX payments_by_product_status ON payments (product, status, created_at DESC, id DESC);
CREATE INDEX payments_by_customer ON payments (customer_id, created_at DESC, id DESC);
CREATE INDEX payments_by_provider_ref ON payments (provider_ref) WHERE provider_ref IS NOT NULL;

CREATE TABLE refunds (
    id              INTEGER PRIMARY KEY,
    reference       TEXT    NOT NULL UNIQUE CHECK (length(reference) = 16),
    payment_id      INTEGER NOT NULL REFERENCES payments (id),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    mode            TEXT    NOT NULL CHECK (mode IN ('api', 'offline')),
    status          TEXT    NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'submitting', 'processing', 'succeeded', 'failed', 'unknown', 'settled_offline')),
    reason          TEXT    NOT NULL,
    requested_by    INTEGER NOT NULL REFERENCES operators (id),
    requested_at    INTEGER NOT NULL,
    decided_by      INTEGER REFERENCES operators (id),
    decided_at      INTEGER,
    decision_note   TEXT,
    idempotency_key TEXT    UNIQUE,
    provider_ref    TEXT,
    submitted_at    INTEGER,
    completed_at    INTEGER,
    updated_at      INTEGER NOT NULL,
    -- Four eyes: the requester never decides their own refund.
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE INDEX refunds_by_payment ON refunds (payment_id);
CREATE INDEX refunds_by_status ON refunds (status, requested_at DESC, id DESC);

-- What happened to a payment or refund, in order: the timeline screens read this.
CREATE TABLE timeline_events (
    id         INTEGER PRIMARY KEY,
    payment_id INTEGER REFERENCES payments (id),
    refund_id  INTEGER REFERENCES refunds (id),
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '{}',
    CHECK (payment_id IS NOT NULL OR refund_id IS NOT NULL)
);
CREATE INDEX timeline_by_payment ON timeline_events (payment_id, at);
CREATE INDEX timeline_by_refund ON timeline_events (refund_id, at);

-- Provider transaction history entries, cached and de-duplicated per linked account.
CREATE TABLE provider_history (
    id                INTEGER PRIMARY KEY,
    binding_id        INTEGER NOT NULL REFERENCES bindings (id),
    provider_entry_id TEXT    NOT NULL,
    occurred_at       INTEGER NOT NULL,
    amount            INTEGER NOT NULL,
    description       TEXT    NOT NULL,
    raw               TEXT    NOT NULL,
    fetched_at        INTEGER NOT NULL,
    UNIQUE (binding_id, provider_entry_id)
);
CREATE INDEX provider_history_by_time ON provider_history (binding_id, occurred_at DESC);

-- Inbound provider notifications, verified or not, de-duplicated by a per-product key.
CREATE TABLE notification_inbox (
    id           INTEGER PRIMARY KEY,
    product      TEXT    NOT NULL,
    dedup_key    TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    verified     INTEGER NOT NULL CHECK (verified IN (0, 1)),
    headers      TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    processed_at INTEGER,
    outcome      TEXT,
    UNIQUE (product, dedup_key)
);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES operators (id)
);

-- Per-product refund rule overrides (merchant contract terms); absent = provider default.
CREATE TABLE refund_policy_overrides (
    product         TEXT PRIMARY KEY,
    mode            TEXT    NOT NULL CHECK (mode IN ('api', 'offline')),
    partial_allowed INTEGER NOT NULL CHECK (partial_allowed IN (0, 1)),
    window_days     INTEGER CHECK (window_days IS NULL OR window_days >= 0),
    daily_limit     INTEGER CHECK (daily_limit IS NULL OR daily_limit > 0),
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER NOT NULL REFERENCES operators (id)
);

-- Append-only, hash-chained: hash = sha256(prev_hash || canonical encoding of the row).
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    operator_id  INTEGER REFERENCES operators (id),
    operator     TEXT,
    action       TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    outcome      TEXT    NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    detail       TEXT    NOT NULL,
    prev_hash    TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE
);
CREATE INDEX audit_by_action ON audit_log (action, seq DESC);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
