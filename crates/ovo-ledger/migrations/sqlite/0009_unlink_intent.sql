-- An unlink is recorded before the provider is asked (status 'unlinking'): the status it was
-- unlinked from (where a refusal returns it), how often it was sent without a final answer,
-- and when the background work may send it again (NULL = due now).
ALTER TABLE bindings ADD COLUMN unlink_from TEXT CHECK (unlink_from IS NULL OR unlink_from IN ('active', 'needs_relink'));
ALTER TABLE bindings ADD COLUMN unlink_tries INTEGER NOT NULL DEFAULT 0 CHECK (unlink_tries >= 0);
ALTER TABLE bindings ADD COLUMN next_unlink_at INTEGER;
CREATE INDEX bindings_unlinking ON bindings (next_unlink_at) WHERE status = 'unlinking';
