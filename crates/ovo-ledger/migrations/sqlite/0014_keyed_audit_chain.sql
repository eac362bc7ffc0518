-- Where the keyed audit chain begins: rows before `keyed_from` were sealed by earlier versions
-- with plain sha256(prev_hash || row); from it on, hash = HMAC-SHA256(audit key, prev_hash || row).
-- The app anchors the same boundary outside the file (the keychain) at its first open and trusts
-- this copy only until then.
CREATE TABLE audit_chain (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    keyed_from INTEGER NOT NULL CHECK (keyed_from >= 1)
);
INSERT INTO audit_chain (id, keyed_from) SELECT 1, COALESCE(MAX(seq), 0) + 1 FROM audit_log;
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN
    SELECT RAISE(ABORT, 'audit_chain is fixed');
END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN
    SELECT RAISE(ABORT, 'audit_chain is fixed');
END;
