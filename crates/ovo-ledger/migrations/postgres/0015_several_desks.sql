-- Customer tokens of linked accounts, sealed (XChaCha20-Poly1305) under the ledger's token key,
-- which every desk of the ledger keeps in its OS keychain: one row per linking.
CREATE TABLE link_secrets (
    environment TEXT COLLATE "C" NOT NULL,
    product     TEXT COLLATE "C" NOT NULL,
    reference   TEXT COLLATE "C" NOT NULL,
    sealed      TEXT COLLATE "C" NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (environment, product, reference)
);

-- One-time codes with which an admin enrols another desk in a shared ledger: the ledger's keys
-- sealed under a key derived (argon2id) from the code, which is shown once and stored nowhere.
-- `sealed` is cleared when the code ends (used, withdrawn, expired, too many wrong codes).
CREATE TABLE desk_enrolments (
    id              TEXT COLLATE "C" PRIMARY KEY,
    salt            TEXT COLLATE "C" NOT NULL,
    sealed          TEXT COLLATE "C",
    created_by      BIGINT NOT NULL REFERENCES operators (id),
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    failed_attempts BIGINT NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    ended           TEXT COLLATE "C" CHECK (ended IN ('used', 'withdrawn', 'expired', 'too_many_attempts')),
    ended_at        BIGINT,
    desk_name       TEXT COLLATE "C",
    CHECK ((ended IS NULL) = (ended_at IS NULL)),
    CHECK (ended IS NULL OR sealed IS NULL),
    CHECK (ended IS NOT NULL OR sealed IS NOT NULL)
);

-- Background work a desk is doing (a status query, a refund's resolution, a linking's completion,
-- an unlink, a notification's application), claimed until `until` so that no other desk does the
-- same at once; a crashed desk's claims lapse.
CREATE TABLE work_claims (
    kind    TEXT COLLATE "C" NOT NULL,
    subject BIGINT NOT NULL,
    desk    TEXT COLLATE "C" NOT NULL,
    until   BIGINT NOT NULL,
    PRIMARY KEY (kind, subject)
);

-- Every desk hears of a change to what operators watch (LISTEN ledger_changes): one
-- notification per statement, delivered at commit, naming the table.
CREATE FUNCTION ledger_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ledger_changes', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
CREATE TRIGGER payments_announce AFTER INSERT OR UPDATE OR DELETE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_changed();
CREATE TRIGGER refunds_announce AFTER INSERT OR UPDATE OR DELETE ON refunds
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_changed();
CREATE TRIGGER bindings_announce AFTER INSERT OR UPDATE OR DELETE ON bindings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_changed();
CREATE TRIGGER customers_announce AFTER INSERT OR UPDATE OR DELETE ON customers
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_changed();
