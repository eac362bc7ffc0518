-- The notification inbox is work, not only a record: a row is marked applied (processed_at)
-- in the same write transaction that changes its payment. Until then it is tried again, each
-- row with its own back-off (attempts, next_try_at; NULL = due now) and its last failure.

ALTER TABLE notification_inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE notification_inbox ADD COLUMN next_try_at INTEGER;
ALTER TABLE notification_inbox ADD COLUMN last_error TEXT;
CREATE INDEX notification_inbox_unapplied ON notification_inbox (next_try_at) WHERE processed_at IS NULL;

-- A payment whose outcome is unknown and that the provider has no record of after its
-- processing window is sent again under its original ids where the spec allows: how often,
-- and when it was last sent (the window counts from then).
ALTER TABLE payments ADD COLUMN resends INTEGER NOT NULL DEFAULT 0 CHECK (resends >= 0);
ALTER TABLE payments ADD COLUMN last_sent_at INTEGER;
