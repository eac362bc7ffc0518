-- Settlement reconciliation: each imported settlement file (a batch), its lines as matched
-- against the ledger, and the exceptions finance resolves with a reason.
CREATE TABLE settlement_batches (
    id           INTEGER PRIMARY KEY,
    environment  TEXT    NOT NULL CHECK (environment IN ('builtin_sandbox', 'provider_sandbox', 'production')),
    product      TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    file_sha256  TEXT    NOT NULL CHECK (length(file_sha256) = 64),
    imported_by  INTEGER NOT NULL REFERENCES operators (id),
    imported_at  INTEGER NOT NULL,
    -- The WIB dates of the file's first and last line.
    first_date   TEXT    NOT NULL,
    last_date    TEXT    NOT NULL CHECK (last_date >= first_date),
    line_count   INTEGER NOT NULL CHECK (line_count > 0),
    payments_total INTEGER NOT NULL CHECK (payments_total >= 0),
    refunds_total  INTEGER NOT NULL CHECK (refunds_total >= 0),
    -- NULL when the file has no such column.
    fees_total   INTEGER,
    net_total    INTEGER,
    UNIQUE (environment, product, file_sha256)
);
CREATE INDEX settlement_batches_newest ON settlement_batches (environment, imported_at DESC, id DESC);

CREATE TABLE settlement_lines (
    id          INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL REFERENCES settlement_batches (id),
    line_no     INTEGER NOT NULL CHECK (line_no > 0),
    -- The reference as the file writes it.
    reference   TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('payment', 'refund')),
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    fee         INTEGER,
    net         INTEGER,
    settled_at  INTEGER NOT NULL,
    status_text TEXT,
    payment_id  INTEGER REFERENCES payments (id),
    refund_id   INTEGER REFERENCES refunds (id),
    outcome     TEXT    NOT NULL CHECK (outcome IN ('matched', 'amount_mismatch', 'not_in_ledger', 'status_mismatch', 'settled_twice')),
    UNIQUE (batch_id, line_no)
);
CREATE INDEX settlement_lines_by_payment ON settlement_lines (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX settlement_lines_by_refund ON settlement_lines (refund_id) WHERE refund_id IS NOT NULL;

CREATE TABLE settlement_exceptions (
    id            INTEGER PRIMARY KEY,
    environment   TEXT    NOT NULL,
    product       TEXT    NOT NULL,
    batch_id      INTEGER NOT NULL REFERENCES settlement_batches (id),
    line_id       INTEGER REFERENCES settlement_lines (id),
    payment_id    INTEGER REFERENCES payments (id),
    refund_id     INTEGER REFERENCES refunds (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('amount_mismatch', 'not_in_ledger', 'not_in_file', 'status_mismatch', 'settled_twice')),
    reference     TEXT    NOT NULL,
    ledger_amount INTEGER,
    file_amount   INTEGER,
    found_at      INTEGER NOT NULL,
    resolved_by   INTEGER REFERENCES operators (id),
    resolved_at   INTEGER,
    resolution    TEXT,
    CHECK ((resolved_at IS NULL) = (resolved_by IS NULL)),
    CHECK ((resolved_at IS NULL) = (resolution IS NULL)),
    CHECK (kind = 'not_in_file' OR line_id IS NOT NULL)
);
CREATE INDEX settlement_exceptions_open ON settlement_exceptions (environment, found_at DESC, id DESC) WHERE resolved_at IS NULL;
CREATE INDEX settlement_exceptions_by_payment ON settlement_exceptions (payment_id) WHERE payment_id IS NOT NULL;

-- Succeeded payments by product and time, for "in the ledger but not in the file".
CREATE INDEX payments_succeeded ON payments (product, succeeded_at) WHERE succeeded_at IS NOT NULL;
