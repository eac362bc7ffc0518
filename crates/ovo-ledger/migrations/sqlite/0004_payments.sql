-- Taking payments: the idempotency key stored before the provider call, what the payment page
-- shows while the customer acts (redirect, push deadline), the provider's last status and
-- problem, and the status poller's back-off.

ALTER TABLE payments ADD COLUMN idempotency_key TEXT;
ALTER TABLE payments ADD COLUMN source TEXT CHECK (source IS NULL OR source IN ('cash', 'points', 'points_first'));
ALTER TABLE payments ADD COLUMN description TEXT;
ALTER TABLE payments ADD COLUMN redirect_url TEXT;
ALTER TABLE payments ADD COLUMN push_deadline INTEGER;
ALTER TABLE payments ADD COLUMN provider_status TEXT;
-- JSON {kind, provider_code, detail, at}: why the payment failed or is not settled yet.
ALTER TABLE payments ADD COLUMN problem TEXT;
-- The status poller: when to ask next, and how often it asked.
ALTER TABLE payments ADD COLUMN next_check_at INTEGER;
ALTER TABLE payments ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX payments_by_idempotency_key ON payments (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX payments_due_checks ON payments (next_check_at) WHERE next_check_at IS NOT NULL;

-- Which payment a notification was about (when known).
ALTER TABLE notification_inbox ADD COLUMN payment_id INTEGER REFERENCES payments (id);
