-- What real providers need of a refund and a payment after the first answer:
--   * two refund statuses: `awaiting_transfer` (an offline refund finance approved, until the
--     merchant's own transfer is recorded: HD 1) and `needs_review` (the provider could not say
--     what happened within its give-up time; finance decides);
--   * the resolver's per-row back-off (`checks`, `next_check_at`) and the last problem seen;
--   * the offline transfer record (reference, WIB date, optional evidence file and its digest);
--   * finance's decision by hand on a refund or payment the provider could not decide.
--
-- A new refund status changes the table's CHECK, which SQLite can only do by rebuilding the
-- table (foreign keys are off while migrations run and checked after). Its indexes and the
-- reservation triggers of 0003 are created again.

CREATE TABLE refunds_new (
    id                   INTEGER PRIMARY KEY,
    reference            TEXT    NOT NULL UNIQUE CHECK (length(reference) = 16),
    payment_id           INTEGER NOT NULL REFERENCES payments (id),
    amount               INTEGER NOT NULL CHECK (amount > 0),
    mode                 TEXT    NOT NULL CHECK (mode IN ('api', 'offline')),
    status               TEXT    NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'submitting', 'processing',
                                                            'succeeded', 'failed', 'unknown', 'settled_offline',
                                                            'awaiting_transfer', 'needs_review')),
    reason               TEXT    NOT NULL,
    requested_by         INTEGER NOT NULL REFERENCES operators (id),
    requested_at         INTEGER NOT NULL,
    decided_by           INTEGER REFERENCES operators (id),
    decided_at           INTEGER,
    decision_note        TEXT,
    idempotency_key      TEXT    UNIQUE,
    provider_ref         TEXT,
    submitted_at         INTEGER,
    completed_at         INTEGER,
    updated_at           INTEGER NOT NULL,
    -- Status queries so far, and when the next is due (NULL: none scheduled).
    checks               INTEGER NOT NULL DEFAULT 0 CHECK (checks >= 0),
    next_check_at        INTEGER,
    -- Resends under the original ids after the provider said "not found".
    resends              INTEGER NOT NULL DEFAULT 0 CHECK (resends >= 0),
    -- The provider's last problem as JSON {code, message}, shown on the refund.
    problem              TEXT,
    -- The merchant's own transfer of an offline refund.
    transfer_reference   TEXT,
    transfer_date        TEXT CHECK (transfer_date IS NULL OR transfer_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    transfer_evidence    TEXT,
    transfer_evidence_sha256 TEXT CHECK (transfer_evidence_sha256 IS NULL OR length(transfer_evidence_sha256) = 64),
    transfer_recorded_by INTEGER REFERENCES operators (id),
    transfer_recorded_at INTEGER,
    -- Finance's decision by hand when the provider could not say.
    resolved_by          INTEGER REFERENCES operators (id),
    resolved_at          INTEGER,
    resolution_note      TEXT,
    -- Four eyes: the requester never decides, records the transfer of, or resolves their own refund.
    CHECK (decided_by IS NULL OR decided_by <> requested_by),
    CHECK (transfer_recorded_by IS NULL OR transfer_recorded_by <> requested_by),
    CHECK (resolved_by IS NULL OR resolved_by <> requested_by),
    CHECK (status <> 'settled_offline' OR mode = 'offline'),
    CHECK (status <> 'awaiting_transfer' OR mode = 'offline')
);
INSERT INTO refunds_new (id, reference, payment_id, amount, mode, status, reason, requested_by, requested_at, decided_by,
                         decided_at, decision_note, idempotency_key, provider_ref, submitted_at, completed_at, updated_at)
SELECT id, reference, payment_id, amount, mode, status, reason, requested_by, requested_at, decided_by,
       decided_at, decision_note, idempotency_key, provider_ref, submitted_at, completed_at, updated_at
FROM refunds;
DROP TABLE refunds;
ALTER TABLE refunds_new RENAME TO refunds;

CREATE INDEX refunds_by_payment ON refunds (payment_id);
CREATE INDEX refunds_by_status ON refunds (status, requested_at DESC, id DESC);
CREATE INDEX refunds_by_requested_at ON refunds (requested_at);
CREATE INDEX refunds_by_provider_ref ON refunds (provider_ref) WHERE provider_ref IS NOT NULL;
CREATE INDEX refunds_due_checks ON refunds (next_check_at) WHERE next_check_at IS NOT NULL;

-- Reserving refunds on a payment never add up to more than its paid amount.
CREATE TRIGGER refunds_reserve_within_paid BEFORE INSERT ON refunds
WHEN NEW.status NOT IN ('rejected', 'failed')
 AND NEW.amount + (SELECT COALESCE(SUM(amount), 0) FROM refunds
                   WHERE payment_id = NEW.payment_id AND status NOT IN ('rejected', 'failed'))
     > (SELECT amount FROM payments WHERE id = NEW.payment_id)
BEGIN
    SELECT RAISE(ABORT, 'refunds would exceed the paid amount');
END;

-- A released refund never reserves again: a retry is a new refund, checked again.
CREATE TRIGGER refunds_released_stay_released BEFORE UPDATE OF status ON refunds
WHEN OLD.status IN ('rejected', 'failed') AND NEW.status NOT IN ('rejected', 'failed')
BEGIN
    SELECT RAISE(ABORT, 'a rejected or failed refund cannot reserve again');
END;

-- What a refund is for never changes after it was checked.
CREATE TRIGGER refunds_amount_and_payment_fixed BEFORE UPDATE OF amount, payment_id ON refunds
WHEN NEW.amount <> OLD.amount OR NEW.payment_id <> OLD.payment_id
BEGIN
    SELECT RAISE(ABORT, 'a refund''s amount and payment never change');
END;

-- Finance's decision by hand on a payment the provider could not decide (needs_review).
ALTER TABLE payments ADD COLUMN resolved_by INTEGER REFERENCES operators (id);
ALTER TABLE payments ADD COLUMN resolved_at INTEGER;
ALTER TABLE payments ADD COLUMN resolution_note TEXT;

-- Four eyes: whoever took the payment never resolves it by hand.
CREATE TRIGGER payments_resolver_not_creator BEFORE UPDATE OF resolved_by ON payments
WHEN NEW.resolved_by IS NOT NULL AND NEW.resolved_by = NEW.created_by
BEGIN
    SELECT RAISE(ABORT, 'whoever took a payment cannot resolve it by hand');
END;
