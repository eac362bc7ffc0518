-- Customer tokens of linked accounts, sealed (XChaCha20-Poly1305) under the ledger's token key,
-- which every desk of the ledger keeps in its OS keychain: one row per linking.
CREATE TABLE link_secrets (
    environment TEXT    NOT NULL,
    product     TEXT    NOT NULL,
    reference   TEXT    NOT NULL,
    sealed      TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (environment, product, reference)
);

-- One-time codes with which an admin enrols another desk in a shared ledger: the ledger's keys
-- sealed under a key derived (argon2id) from the code, which is shown once and stored nowhere.
-- `sealed` is cleared when the code ends (used, withdrawn, expired, too many wrong codes).
CREATE TABLE desk_enrolments (
    id              TEXT    PRIMARY KEY,
    salt            TEXT    NOT NULL,
    sealed          TEXT,
    created_by      INTEGER NOT NULL REFERENCES operators (id),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    ended           TEXT CHECK (ended IN ('used', 'withdrawn', 'expired', 'too_many_attempts')),
    ended_at        INTEGER,
    desk_name       TEXT,
    CHECK ((ended IS NULL) = (ended_at IS NULL)),
    CHECK (ended IS NULL OR sealed IS NULL),
    CHECK (ended IS NOT NULL OR sealed IS NOT NULL)
);

-- Background work a desk is doing (a status query, a refund's resolution, a linking's completion,
-- an unlink, a notification's application), claimed until `until` so that no other desk does the
-- same at once; a crashed desk's claims lapse.
CREATE TABLE work_claims (
    kind    TEXT    NOT NULL,
    subject INTEGER NOT NULL,
    desk    TEXT    NOT NULL,
    until   INTEGER NOT NULL,
    PRIMARY KEY (kind, subject)
);
