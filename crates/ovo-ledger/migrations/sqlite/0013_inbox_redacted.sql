-- The inbox keeps notifications with their secrets (tokens, authCodes, signatures) replaced by
-- keyed hashes. Rows stored before are redacted once by the back office, which holds the key,
-- when it opens: until then `redacted` is 0.

ALTER TABLE notification_inbox ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0 CHECK (redacted IN (0, 1));
CREATE INDEX notification_inbox_unredacted ON notification_inbox (id) WHERE redacted = 0;
