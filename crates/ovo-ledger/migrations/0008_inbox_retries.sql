-- The notification inbox is work, not only a record: a row is marked applied (processed_at)
-- in the same write transaction that changes its payment. Until then it is tried again, each
-- row with its own back-off (attempts, next_try_at; NULL = due now) and its last failure.

ALTER TABLE notification_inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE notification_inbox ADD COLUMN next_try_at INTEGER;
ALTER TABLE notification_inbox ADD COLUMN last_error TEXT;
CREATE INDEX notification_inbox_unapplied ON notification_inbox (next_try_at) WHERE processed_at IS NULL;
