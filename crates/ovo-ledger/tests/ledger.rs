//! The ledger against a real SQLite file in a temp directory.
#![allow(clippy::unwrap_used)]

use ovo_domain::{
    fold_name, BindingId, CustomerId, Idr, Msisdn, OperatorId, PaymentStatus, Product, Role,
    Timestamp,
};
use ovo_ledger::audit::{self, AuditOutcome, BrokenLink, ChainProblem, NewAuditEntry, Seal};
use ovo_ledger::customers::{self, NewCustomer};
use ovo_ledger::operators::{self, NewOperator};
use ovo_ledger::payments::{self, PaymentCursor, PaymentFilter};
use ovo_ledger::{commit, Backend, Ledger, LedgerError};
use ovo_test_support::audit_tamper as tamper;
use ovo_test_support::ledger as support;

/// Every migration a new ledger gets, in order: on a file the first schema first, then each
/// later file (0003 = refund reservations); on PostgreSQL its schema as of 0014, then the later ones.
fn assert_all_migrations(applied: &[i64], backend: Backend) {
    let first = if backend == Backend::Postgres { 14 } else { 1 };
    assert_eq!(applied.first(), Some(&first), "{applied:?}");
    assert!(backend == Backend::Postgres || applied.contains(&3), "{applied:?}");
    assert!(applied.windows(2).all(|w| w[0] < w[1]), "{applied:?}");
}

/// The audit key tests seal with, and a chain keyed from its first row.
const KEY: &[u8] = b"an audit key of thirty-two bytes";
const KEYED: audit::ChainLayout = audit::ChainLayout { keyed_from: 1, lost_key_from: None };

const T0: Timestamp = Timestamp::from_unix_millis(1_767_225_600_000); // 2026-01-01T00:00:00Z

/// A new ledger file, whatever backend the run uses: for what only SQLite has (its pragmas,
/// its migration files).
async fn fresh_file() -> (tempfile::TempDir, Ledger) {
    support::fresh_file().await
}

async fn fresh() -> (tempfile::TempDir, Ledger) {
    let (dir, ledger, report) = support::fresh_with_report().await;
    assert_eq!(report.backup, None, "a new ledger needs no backup");
    assert_all_migrations(&report.applied, ledger.backend());
    (dir, ledger)
}

fn entry(action: &str, n: i64) -> NewAuditEntry {
    NewAuditEntry {
        at: T0.plus_seconds(n),
        operator_id: None,
        operator: Some("rina".into()),
        action: action.into(),
        subject: format!("subject-{n}"),
        outcome: AuditOutcome::Ok,
        detail: serde_json::json!({ "n": n }),
    }
}

/// Appends `count` entries of `action` (numbered from 1) in one transaction.
async fn append_entries(ledger: &Ledger, action: &str, count: i64) -> Vec<audit::AuditEntry> {
    let mut tx = ledger.begin_write().await.unwrap();
    let mut entries = Vec::new();
    for n in 1..=count {
        entries.push(audit::append(&mut tx, KEY, &entry(action, n)).await.unwrap());
    }
    commit(tx).await.unwrap();
    entries
}

async fn add_operator(ledger: &Ledger, username: &str, role: Role) -> OperatorId {
    support::add_operator(ledger, username, role, T0).await
}

async fn add_customer(
    conn: &mut ovo_ledger::Connection,
    merchant_customer_id: Option<&str>,
    full_name: &str,
    phone: &Msisdn,
) -> CustomerId {
    let name_key = fold_name(full_name);
    let new = NewCustomer {
        merchant_customer_id,
        full_name,
        name_key: &name_key,
        phone,
        email: None,
        at: T0,
    };
    customers::insert(conn, &new).await.unwrap()
}

/// A Faspay account of `customer` in the built-in sandbox, linked at `T0`.
async fn add_active_faspay_account(
    conn: &mut ovo_ledger::Connection,
    customer_id: CustomerId,
    phone: &Msisdn,
    reference: &str,
) -> BindingId {
    use ovo_ledger::bindings::{self, BindingStatus, NewBinding};
    let reference = ovo_domain::Reference::parse(reference).unwrap();
    let new = NewBinding {
        customer_id,
        environment: ovo_domain::Environment::BuiltInSandbox,
        product: Product::FaspayOvoTokenize,
        phone,
        status: BindingStatus::Active,
        reference: &reference,
        provider_ref: None,
        expires_at: None,
        at: T0,
    };
    bindings::insert(conn, &new).await.unwrap()
}

#[tokio::test]
async fn opens_in_wal_with_full_sync_and_foreign_keys() {
    let (_dir, ledger) = fresh_file().await;
    let mut conn = ledger.writer_pool().acquire().await.unwrap();
    let mode: String =
        sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap();
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await.unwrap();
    assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
    // Foreign keys really are enforced.
    let err = sqlx::query("INSERT INTO bindings (customer_id, product, phone, status, created_at, updated_at) VALUES (999, 'ovo_snap', '6281234567890', 'active', 0, 0)")
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert!(err.to_string().to_lowercase().contains("foreign key"), "{err}");
}

/// A ledger file written before the schema existed, with data of its own (`legacy_notes`).
async fn write_legacy_ledger(path: &std::path::Path) {
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
    sqlx::query("CREATE TABLE legacy_notes (note TEXT)").execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO legacy_notes VALUES ('keep me')").execute(&pool).await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn an_existing_ledger_is_copied_before_migrating_and_reopening_migrates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    write_legacy_ledger(&path).await;
    let (ledger, report) = Ledger::open(&path).await.unwrap();
    assert_all_migrations(&report.applied, ledger.backend());
    let backup = report.backup.expect("backup taken");
    assert!(backup
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("ledger.sqlite.before-migration-1."));
    ledger.close().await;

    let copy =
        sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", backup.display())).await.unwrap();
    let note: String =
        sqlx::query_scalar("SELECT note FROM legacy_notes").fetch_one(&copy).await.unwrap();
    assert_eq!(note, "keep me");
    let has_operators: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE name = 'operators'")
            .fetch_optional(&copy)
            .await
            .unwrap();
    assert_eq!(has_operators, None, "the backup is the state before migrating");

    let (_ledger, again) = Ledger::open(&path).await.unwrap();
    assert_eq!((again.applied.len(), again.backup), (0, None));
}

#[tokio::test]
async fn the_copy_from_before_migrating_restored_and_migrated_again_at_once_gets_a_name_of_its_own()
{
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    write_legacy_ledger(&path).await;
    let (ledger, first) = Ledger::open(&path).await.unwrap();
    let first = first.backup.expect("backup taken");
    ledger.close().await;
    // The copy put back in the ledger's place (as a restore does), the copy itself kept.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("ledger.sqlite{suffix}")));
    }
    std::fs::copy(&first, &path).unwrap();

    let (_ledger, second) = Ledger::open(&path).await.unwrap();
    assert_all_migrations(&second.applied, Backend::Sqlite);
    let second = second.backup.expect("a second copy");
    assert_ne!(second, first);
    let copies = ovo_ledger::backup::pre_migration_copies(&path).unwrap();
    assert_eq!(copies.len(), 2, "{copies:?}");
    assert_eq!(copies[0].path, second, "the newer copy first");
}

#[tokio::test]
async fn closing_the_ledger_closes_a_connection_still_on_its_way_back_to_the_pool() {
    let (dir, ledger) = fresh_file().await;
    let path = ledger.path().expect("a file").to_path_buf();
    for pool in [ledger.readers_pool(), ledger.writer_pool()] {
        let conn = pool.acquire().await.unwrap();
        // sqlx hands a released connection back in a task of its own, which pings it first.
        drop(conn);
        tokio::task::yield_now().await;
    }
    ledger.close().await;
    assert_eq!((ledger.readers_pool().size(), ledger.writer_pool().size()), (0, 0));
    // The last connection to close checkpoints the WAL and removes it.
    let wal = path.with_file_name("ledger.sqlite-wal");
    assert!(!wal.exists(), "{} is still there: a connection is open", wal.display());
    drop(dir);
}

#[tokio::test]
async fn a_ledger_from_a_newer_app_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let (ledger, _) = Ledger::open(&path).await.unwrap();
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'future', 1, x'00', 0)")
        .execute(ledger.writer_pool())
        .await
        .unwrap();
    ledger.close().await;
    let err = Ledger::open(&path).await.unwrap_err();
    assert!(matches!(&err, LedgerError::Corrupt(m) if m.contains("9999")), "{err}");
}

#[tokio::test]
async fn audit_chain_verifies_and_names_the_row_altered_with_raw_sql() {
    let (_dir, ledger) = fresh().await;
    let hashes = append_entries(&ledger, "operator.create", 6).await;
    assert_eq!(hashes[0].prev_hash, audit::GENESIS_HASH);
    assert_eq!(hashes[3].prev_hash, hashes[2].hash);

    let mut conn = ledger.read().await.unwrap();
    let ok = audit::verify(&mut conn, KEY, KEYED, None).await.unwrap();
    assert_eq!((ok.checked, ok.first_broken), (6, None));
    drop(conn);

    // The schema refuses edits outright...
    let pool = ledger.writer_pool();
    let refused = sqlx::query("UPDATE audit_log SET subject = 'x' WHERE seq = 4")
        .execute(pool)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
    let refused =
        sqlx::query("DELETE FROM audit_log WHERE seq = 4").execute(pool).await.unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");

    // ...so someone with the file drops the trigger and rewrites row 4's detail.
    tamper::drop_trigger(&ledger, "audit_log", "audit_log_no_update").await;
    sqlx::query("UPDATE audit_log SET detail = '{\"n\":40}' WHERE seq = 4")
        .execute(pool)
        .await
        .unwrap();
    let mut conn = ledger.read().await.unwrap();
    let broken = audit::verify(&mut conn, KEY, KEYED, None).await.unwrap();
    assert_eq!(
        broken.first_broken,
        Some(BrokenLink { seq: 4, problem: ChainProblem::SealMismatch })
    );
    assert_eq!(broken.checked, 3);
}

#[tokio::test]
async fn audit_verification_names_a_removed_row_and_a_rehashed_row() {
    let (_dir, ledger) = fresh().await;
    append_entries(&ledger, "credential.set", 5).await;
    let pool = ledger.writer_pool();
    tamper::drop_trigger(&ledger, "audit_log", "audit_log_no_delete").await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(pool).await.unwrap();
    let mut conn = ledger.read().await.unwrap();
    let v = audit::verify(&mut conn, KEY, KEYED, None).await.unwrap();
    assert_eq!(
        v.first_broken,
        Some(BrokenLink { seq: 3, problem: ChainProblem::SeqGap { expected: 2 } })
    );
    drop(conn);

    // Renumbering to hide the gap still breaks the chain at the renumbered row.
    tamper::drop_trigger(&ledger, "audit_log", "audit_log_no_update").await;
    sqlx::query("UPDATE audit_log SET seq = seq - 1 WHERE seq > 2").execute(pool).await.unwrap();
    let mut conn = ledger.read().await.unwrap();
    let v = audit::verify(&mut conn, KEY, KEYED, None).await.unwrap();
    assert_eq!(v.first_broken.map(|b| b.seq), Some(2));
}

#[tokio::test]
async fn a_chain_rebuilt_from_the_file_alone_fails_its_seal() {
    let (_dir, ledger) = fresh().await;
    append_entries(&ledger, "refund.approve", 5).await;
    // Plain sha256, as an unkeyed chain was: every link holds again, but not the seal.
    tamper::reseal_chain(&ledger, 1, Seal::Sha256).await;
    let mut conn = ledger.read().await.unwrap();
    let v = audit::verify(&mut conn, KEY, KEYED, None).await.unwrap();
    assert_eq!(v.first_broken, Some(BrokenLink { seq: 1, problem: ChainProblem::SealMismatch }));
    drop(conn);
    // A key of the attacker's own fails the same way; the right key seals it back.
    tamper::reseal_chain(&ledger, 1, Seal::Keyed(b"a key the attacker chose")).await;
    let mut conn = ledger.read().await.unwrap();
    let v = audit::verify(&mut conn, KEY, KEYED, None).await.unwrap();
    assert_eq!(v.first_broken, Some(BrokenLink { seq: 1, problem: ChainProblem::SealMismatch }));
    drop(conn);
    tamper::reseal_chain(&ledger, 1, Seal::Keyed(KEY)).await;
    let mut conn = ledger.read().await.unwrap();
    let v = audit::verify(&mut conn, KEY, KEYED, None).await.unwrap();
    assert_eq!((v.checked, v.first_broken), (5, None));
}

#[tokio::test]
async fn removing_the_newest_entries_shows_against_the_anchored_head() {
    let (_dir, ledger) = fresh().await;
    let entries = append_entries(&ledger, "session.sign_in", 6).await;
    let anchored =
        |n: usize| audit::ChainHead { seq: entries[n].seq, hash: entries[n].hash.clone() };
    let mut conn = ledger.read().await.unwrap();
    assert_eq!(audit::head(&mut conn).await.unwrap(), anchored(5));
    // An anchor that lags behind the head (the process stopped before anchoring) is fine.
    let v = audit::verify(&mut conn, KEY, KEYED, Some(&anchored(3))).await.unwrap();
    assert_eq!((v.checked, v.first_broken), (6, None));
    drop(conn);

    tamper::remove_newest(&ledger, 2).await;
    let mut conn = ledger.read().await.unwrap();
    let without_anchor = audit::verify(&mut conn, KEY, KEYED, None).await.unwrap();
    assert_eq!((without_anchor.checked, without_anchor.first_broken), (4, None));
    let v = audit::verify(&mut conn, KEY, KEYED, Some(&anchored(5))).await.unwrap();
    assert_eq!(
        v.first_broken,
        Some(BrokenLink { seq: 6, problem: ChainProblem::Truncated { chain_head: 4 } })
    );
    assert!(!audit::holds(&mut conn, &anchored(5)).await.unwrap());
    assert!(audit::holds(&mut conn, &anchored(3)).await.unwrap());
}

/// A ledger written before the chain was keyed: migration 0014 records where keyed rows begin,
/// the plain-sha256 rows before it verify as they are, and the first keyed row pins them.
#[tokio::test]
async fn legacy_rows_verify_and_the_first_keyed_row_pins_them() {
    let (dir, ledger) = fresh_file().await;
    append_entries(&ledger, "operator.create", 3).await;
    tamper::reseal_chain(&ledger, 1, Seal::Sha256).await;
    let pool = ledger.writer_pool();
    for undo in [
        "DROP TABLE audit_chain",
        "DELETE FROM _sqlx_migrations WHERE version = 14",
        // The trigger the rewrite dropped, as the older schema had it.
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ] {
        sqlx::query(undo).execute(pool).await.unwrap();
    }
    ledger.close().await;

    let (ledger, report) = Ledger::open(&dir.path().join("ledger.sqlite")).await.unwrap();
    assert_eq!(report.applied, vec![14]);
    let mut tx = ledger.begin_write().await.unwrap();
    assert_eq!(audit::recorded_keyed_from(&mut tx).await.unwrap(), 4);
    for n in 4..=5 {
        audit::append(&mut tx, KEY, &entry("operator.update", n)).await.unwrap();
    }
    commit(tx).await.unwrap();
    let layout = audit::ChainLayout { keyed_from: 4, lost_key_from: None };
    let mut conn = ledger.read().await.unwrap();
    let v = audit::verify(&mut conn, KEY, layout, None).await.unwrap();
    assert_eq!((v.checked, v.first_broken, v.unverifiable), (5, None, None));
    // Read as keyed from the start (the boundary anchored outside), the plain rows fail.
    let v = audit::verify(&mut conn, KEY, KEYED, None).await.unwrap();
    assert_eq!(v.first_broken, Some(BrokenLink { seq: 1, problem: ChainProblem::SealMismatch }));
    // The boundary cannot be moved in the file.
    let moved = sqlx::query("UPDATE audit_chain SET keyed_from = 99")
        .execute(ledger.writer_pool())
        .await
        .unwrap_err();
    assert!(moved.to_string().contains("audit_chain is fixed"), "{moved}");
    drop(conn);

    // Rewriting the plain rows and relinking them breaks the link into the first keyed row.
    tamper::drop_trigger(&ledger, "audit_log", "audit_log_no_update").await;
    sqlx::query("UPDATE audit_log SET subject = 'someone else' WHERE seq = 2")
        .execute(ledger.writer_pool())
        .await
        .unwrap();
    tamper::reseal_chain(&ledger, 2, Seal::Sha256).await;
    let mut conn = ledger.read().await.unwrap();
    let v = audit::verify(&mut conn, KEY, layout, None).await.unwrap();
    assert_eq!(v.first_broken, Some(BrokenLink { seq: 4, problem: ChainProblem::SealMismatch }));
}

#[tokio::test]
async fn entries_sealed_with_a_lost_key_are_reported_unverifiable() {
    let (_dir, ledger) = fresh().await;
    append_entries(&ledger, "refund.request", 3).await;
    let mut tx = ledger.begin_write().await.unwrap();
    let new_key: &[u8] = b"the key made after the loss";
    audit::append(&mut tx, new_key, &entry("audit.key_replaced", 4)).await.unwrap();
    commit(tx).await.unwrap();
    let layout = audit::ChainLayout { keyed_from: 4, lost_key_from: Some(1) };
    let mut conn = ledger.read().await.unwrap();
    let v = audit::verify(&mut conn, new_key, layout, None).await.unwrap();
    assert_eq!((v.checked, v.first_broken, v.unverifiable), (4, None, Some((1, 3))));
}

#[tokio::test]
async fn audit_pages_newest_first() {
    let (_dir, ledger) = fresh().await;
    append_entries(&ledger, "session.sign_in", 7).await;
    let mut conn = ledger.read().await.unwrap();
    let mut seqs = Vec::new();
    for before in [None, Some(5), Some(2)] {
        let page = audit::page(&mut conn, &Default::default(), before, 3).await.unwrap();
        seqs.push(page.iter().map(|e| e.seq).collect::<Vec<i64>>());
    }
    let [first, next, last] = <[Vec<i64>; 3]>::try_from(seqs).unwrap();
    assert_eq!((first, next, last), (vec![7, 6, 5], vec![4, 3, 2], vec![1]));
}

#[tokio::test]
async fn operators_round_trip_and_usernames_are_unique() {
    let (_dir, ledger) = fresh().await;
    let id = add_operator(&ledger, "rina", Role::Support).await;
    let mut tx = ledger.begin_write().await.unwrap();
    let dup = operators::insert(
        &mut tx,
        &NewOperator {
            username: "rina",
            display_name: "Rina 2",
            role: Role::Staff,
            password_hash: "x",
            password_one_time: false,
            at: T0,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(dup, LedgerError::Duplicate { what: "username" }), "{dup}");
    // A failed statement ends a PostgreSQL transaction: go on in a new one, on both backends.
    drop(tx);
    let mut tx = ledger.begin_write().await.unwrap();
    let promoted =
        operators::set_role(&mut tx, id, Role::Finance, T0.plus_seconds(5)).await.unwrap();
    assert_eq!((promoted.role, promoted.updated_at), (Role::Finance, T0.plus_seconds(5)));
    let disabled = operators::set_disabled(&mut tx, id, true, T0).await.unwrap();
    assert!(disabled.disabled);
    assert_eq!(operators::count_active_admins(&mut tx).await.unwrap(), 0);
    commit(tx).await.unwrap();
    let mut conn = ledger.read().await.unwrap();
    assert_eq!(operators::by_username(&mut conn, "rina").await.unwrap().map(|o| o.id), Some(id));
    assert_eq!(operators::by_username(&mut conn, "nobody").await.unwrap(), None);
}

#[tokio::test]
async fn schema_enforces_four_eyes_one_binding_per_account_and_positive_amounts() {
    let (_dir, ledger) = fresh().await;
    let rina = add_operator(&ledger, "rina", Role::Support).await;
    let pool = ledger.writer_pool();
    let phone = Msisdn::parse("0812-3456-7890").unwrap();
    let mut tx = ledger.begin_write().await.unwrap();
    let budi = add_customer(&mut tx, Some("C-1"), "Budi", &phone).await;
    let sari = add_customer(&mut tx, Some("C-2"), "Sari", &phone).await;
    commit(tx).await.unwrap();

    let bind = |customer: i64, status: &'static str| {
        sqlx::query("INSERT INTO bindings (customer_id, product, phone, status, created_at, updated_at) VALUES ($1, 'ovo_snap', '6281234567890', $2, 0, 0)")
            .bind(customer)
            .bind(status)
    };
    bind(budi.get(), "active").execute(pool).await.unwrap();
    let second = bind(sari.get(), "pending").execute(pool).await.unwrap_err();
    assert!(matches!(LedgerError::from(second), LedgerError::Duplicate { what: "linked account" }));
    bind(sari.get(), "failed").execute(pool).await.unwrap(); // history rows don't count

    sqlx::query("INSERT INTO payments (reference, product, kind, amount, status, created_at, updated_at) VALUES ('PAY0000000000001', 'ovo_snap', 'direct_debit', 10000, 'succeeded', 0, 0)")
        .execute(pool)
        .await
        .unwrap();
    let zero = sqlx::query("INSERT INTO payments (reference, product, kind, amount, status, created_at, updated_at) VALUES ('PAY0000000000002', 'ovo_snap', 'direct_debit', 0, 'created', 0, 0)")
        .execute(pool)
        .await
        .unwrap_err();
    assert!(zero.to_string().to_lowercase().contains("check"), "{zero}");

    let refund = |decided_by: i64| {
        sqlx::query("INSERT INTO refunds (reference, payment_id, amount, mode, status, reason, requested_by, requested_at, decided_by, decided_at, updated_at) VALUES ('REF0000000000001', 1, 5000, 'api', 'approved', 'goods returned', $1, 0, $2, 0, 0)")
            .bind(rina.get())
            .bind(decided_by)
    };
    let own = refund(rina.get()).execute(pool).await.unwrap_err();
    assert!(
        own.to_string().to_lowercase().contains("check"),
        "the requester approving their own refund must be refused: {own}"
    );
    let fin = add_operator(&ledger, "fajar", Role::Finance).await;
    refund(fin.get()).execute(pool).await.unwrap();

    let mut conn = ledger.read().await.unwrap();
    let found =
        customers::by_phone(&mut conn, &Msisdn::parse("+62 812 3456 7890").unwrap()).await.unwrap();
    assert_eq!(found.iter().map(|c| c.full_name.as_str()).collect::<Vec<_>>(), ["Budi", "Sari"]);
    assert_eq!(fold_name("Budi"), "budi");
}

#[tokio::test]
async fn payments_page_newest_first_with_keyset_cursor_and_filters() {
    let (_dir, ledger) = fresh().await;
    let pool = ledger.writer_pool();
    // 30 payments, two per second so ties on created_at are broken by id.
    for n in 0..30i64 {
        let (product, status) =
            if n % 3 == 0 { ("tazapay_ovo_idr", "failed") } else { ("ovo_snap", "succeeded") };
        sqlx::query("INSERT INTO payments (reference, product, kind, amount, status, created_at, updated_at) VALUES ($1, $2, 'push', $3, $4, $5, $6)")
            .bind(format!("P{n:015}"))
            .bind(product)
            .bind(10_000 + n * 1_000)
            .bind(status)
            .bind(T0.unix_millis() + (n / 2) * 1_000)
            .bind(T0.unix_millis())
            .execute(pool)
            .await
            .unwrap();
    }
    let mut conn = ledger.read().await.unwrap();
    let all = PaymentFilter::default();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = payments::page(&mut conn, &all, cursor, 7).await.unwrap();
        if page.is_empty() {
            break;
        }
        cursor = page.last().map(|p| PaymentCursor { created_at: p.created_at, id: p.id });
        seen.extend(page.iter().map(|p| p.id.get()));
    }
    assert_eq!(seen, (1..=30).rev().collect::<Vec<i64>>(), "every row once, newest first");

    let filter = PaymentFilter {
        product: Some(Product::OvoSnap),
        status: Some(PaymentStatus::Succeeded),
        min_amount: Some(Idr::new(20_000).unwrap()),
        max_amount: Some(Idr::new(30_000).unwrap()),
        ..PaymentFilter::default()
    };
    let page = payments::page(&mut conn, &filter, None, 50).await.unwrap();
    let amounts: Vec<i64> = page.iter().map(|p| p.amount.rupiah()).collect();
    assert_eq!(amounts, [30_000, 29_000, 27_000, 26_000, 24_000, 23_000, 21_000, 20_000]);
    assert!(page
        .iter()
        .all(|p| p.product == Product::OvoSnap && p.status == PaymentStatus::Succeeded));
}

#[tokio::test]
async fn an_account_waiting_for_a_relink_still_holds_it_and_a_failed_payment_opens_one_new_attempt()
{
    use ovo_ledger::bindings::{self, BindingStatus};
    let (_dir, ledger) = fresh().await;
    let pool = ledger.writer_pool();
    let phone = Msisdn::parse("0813-8282-6301").unwrap();
    let mut tx = ledger.begin_write().await.unwrap();
    let sophia = add_customer(&mut tx, Some("C-9"), "Sophia", &phone).await;
    let id = add_active_faspay_account(&mut tx, sophia, &phone, "LNK0000000000001").await;
    bindings::set_needs_relink(&mut tx, id, "https://faspay.example/relink/1", Some("{}"), T0)
        .await
        .unwrap();
    commit(tx).await.unwrap();
    let mut conn = ledger.read().await.unwrap();
    let row = bindings::get(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(row.status, BindingStatus::NeedsRelink);
    assert_eq!(row.redirect_url.as_deref(), Some("https://faspay.example/relink/1"));
    let live = bindings::live_for_account(
        &mut conn,
        ovo_domain::Environment::BuiltInSandbox,
        Product::FaspayOvoTokenize,
        &phone,
    )
    .await
    .unwrap();
    assert_eq!(live.map(|b| b.id), Some(id), "still this customer's account");
    drop(conn);
    // The one-live-link rule holds for an account waiting to be linked again.
    let other = sqlx::query(
        "INSERT INTO bindings (customer_id, environment, product, phone, status, created_at, updated_at) VALUES ($1, 'builtin_sandbox', 'faspay_ovo_tokenize', '6281382826301', 'pending', 0, 0)",
    )
    .bind(sophia.get())
    .execute(pool)
    .await
    .unwrap_err();
    assert!(matches!(LedgerError::from(other), LedgerError::Duplicate { what: "linked account" }));
    // Linked again: active, the page forgotten.
    let mut tx = ledger.begin_write().await.unwrap();
    bindings::transition(
        &mut tx,
        id,
        &[BindingStatus::NeedsRelink],
        BindingStatus::Active,
        None,
        None,
        T0,
    )
    .await
    .unwrap();
    assert!(bindings::set_needs_relink(
        &mut tx,
        BindingId::new(id.get() + 1),
        "https://x",
        None,
        T0
    )
    .await
    .is_err());
    commit(tx).await.unwrap();
    let mut conn = ledger.read().await.unwrap();
    let row = bindings::get(&mut conn, id).await.unwrap().unwrap();
    assert_eq!((row.status, row.redirect_url), (BindingStatus::Active, None));
    drop(conn);
    // Foreign keys still name the rebuilt table.
    let orphan = sqlx::query("INSERT INTO payments (reference, product, kind, amount, status, binding_id, created_at, updated_at) VALUES ('PAY0000000000008', 'faspay_ovo_tokenize', 'tokenized', 10000, 'created', 999999, 0, 0)")
        .execute(pool)
        .await
        .unwrap_err();
    assert!(orphan.to_string().to_lowercase().contains("foreign key"), "{orphan}");

    // A failed payment opens exactly one new attempt; a second request for the same attempt is refused.
    sqlx::query("INSERT INTO payments (reference, product, kind, amount, status, created_at, updated_at) VALUES ('PAY0000000000009', 'tazapay_ovo_idr', 'payin', 10000, 'failed', 0, 0)")
        .execute(pool)
        .await
        .unwrap();
    let payment = ovo_domain::PaymentId::new(
        sqlx::query_scalar("SELECT id FROM payments WHERE reference = 'PAY0000000000009'")
            .fetch_one(pool)
            .await
            .unwrap(),
    );
    let mut tx = ledger.begin_write().await.unwrap();
    let later = T0.plus_millis(60_000);
    payments::begin_attempt(
        &mut tx,
        payment,
        2,
        "PAY0000000000009-confirm-2",
        later.plus_millis(75_000),
        later.plus_millis(1_000_000),
        later,
    )
    .await
    .unwrap();
    let again = payments::begin_attempt(
        &mut tx,
        payment,
        2,
        "PAY0000000000009-confirm-2",
        later,
        later,
        later,
    )
    .await;
    assert!(matches!(again, Err(LedgerError::NotFound { .. })), "{again:?}");
    commit(tx).await.unwrap();
    let mut conn = ledger.read().await.unwrap();
    let row = payments::get(&mut conn, payment).await.unwrap().unwrap();
    assert_eq!((row.status, row.attempt, row.attempt_start()), (PaymentStatus::Created, 2, later));
    assert_eq!(row.idempotency_key.as_deref(), Some("PAY0000000000009-confirm-2"));
    assert_eq!(row.give_up_at, Some(later.plus_millis(1_000_000)));
    // A test-mode phone is a typed value, never a phone.
    let bad = sqlx::query("UPDATE payments SET test_phone = 'anything' WHERE id = $1")
        .bind(payment.get())
        .execute(pool)
        .await
        .unwrap_err();
    assert!(bad.to_string().to_lowercase().contains("check"), "{bad}");
}

#[tokio::test]
async fn an_unlink_is_recorded_before_it_is_sent_and_a_refusal_returns_the_account_where_it_was() {
    use ovo_ledger::bindings::{self, BindingStatus};
    let (_dir, ledger) = fresh().await;
    let phone = Msisdn::parse("0813-8282-6301").unwrap();
    let mut tx = ledger.begin_write().await.unwrap();
    let sophia = add_customer(&mut tx, None, "Sophia", &phone).await;
    let id = add_active_faspay_account(&mut tx, sophia, &phone, "LNK0000000000002").await;
    bindings::set_needs_relink(&mut tx, id, "https://faspay.example/relink/2", None, T0)
        .await
        .unwrap();
    // The intent, with the call's own time before anyone sends it again.
    let from = bindings::begin_unlinking(&mut tx, id, T0.plus_millis(60_000), T0).await.unwrap();
    assert_eq!(from, BindingStatus::NeedsRelink);
    commit(tx).await.unwrap();
    let env = ovo_domain::Environment::BuiltInSandbox;
    let mut conn = ledger.read().await.unwrap();
    assert!(bindings::unlinkings_due(&mut conn, env, T0.plus_millis(59_999))
        .await
        .unwrap()
        .is_empty());
    let due = bindings::unlinkings_due(&mut conn, env, T0.plus_millis(60_000)).await.unwrap();
    assert_eq!(
        due.iter().map(|r| (r.id, r.status, r.unlink_tries)).collect::<Vec<_>>(),
        [(id, BindingStatus::Unlinking, 0)]
    );
    drop(conn);

    // No answer: tried once, sent again later; a claimed try is not claimed twice.
    let mut tx = ledger.begin_write().await.unwrap();
    for claimed in [true, false] {
        let claim =
            bindings::claim_unlinking(&mut tx, id, T0.plus_millis(60_000), T0.plus_millis(120_000));
        assert_eq!(claim.await.unwrap(), claimed);
    }
    bindings::unlink_unanswered(
        &mut tx,
        id,
        T0.plus_millis(180_000),
        Some("{}"),
        T0.plus_millis(60_000),
    )
    .await
    .unwrap();
    // Sent again by hand: still unlinking from needs_relink, the tries kept.
    assert_eq!(
        bindings::begin_unlinking(&mut tx, id, T0.plus_millis(200_000), T0).await.unwrap(),
        BindingStatus::NeedsRelink
    );
    commit(tx).await.unwrap();
    let mut conn = ledger.read().await.unwrap();
    let row = bindings::get(&mut conn, id).await.unwrap().unwrap();
    assert_eq!((row.status, row.unlink_tries), (BindingStatus::Unlinking, 1));
    assert_eq!(row.next_unlink_at, Some(T0.plus_millis(200_000)));
    drop(conn);

    // Refused: back to needs_relink with its page and the problem; nothing left to send.
    let mut tx = ledger.begin_write().await.unwrap();
    assert_eq!(
        bindings::unlink_refused(&mut tx, id, Some("{\"kind\":\"declined\"}"), T0).await.unwrap(),
        BindingStatus::NeedsRelink
    );
    assert!(
        bindings::unlink_refused(&mut tx, id, None, T0).await.is_err(),
        "only an unlinking account"
    );
    commit(tx).await.unwrap();
    let mut conn = ledger.read().await.unwrap();
    let row = bindings::get(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(row.status, BindingStatus::NeedsRelink);
    assert_eq!(row.redirect_url.as_deref(), Some("https://faspay.example/relink/2"));
    assert!(row.problem.is_some());
    assert_eq!((row.unlink_tries, row.next_unlink_at), (0, None));
    assert!(bindings::unlinkings_due(&mut conn, env, Timestamp::from_unix_millis(i64::MAX))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn passwords_are_replaced_and_attempts_persist() {
    let (_dir, ledger) = fresh().await;
    let id = add_operator(&ledger, "rina", Role::Finance).await;
    let mut tx = ledger.begin_write().await.unwrap();
    let reset = operators::set_password(&mut tx, id, "$argon2id$reset", true, T0.plus_seconds(1))
        .await
        .unwrap();
    assert_eq!((reset.password_hash.as_str(), reset.password_one_time), ("$argon2id$reset", true));
    let rehashed = operators::rehash_password(&mut tx, id, "$argon2id$stronger").await.unwrap();
    assert_eq!(
        (rehashed.password_hash.as_str(), rehashed.password_one_time, rehashed.updated_at),
        ("$argon2id$stronger", true, T0.plus_seconds(1)),
        "a rehash changes the hash only"
    );
    let locked = operators::Attempts {
        failures: 5,
        last_failure_at: T0,
        locked_until: Some(T0.plus_seconds(30)),
    };
    operators::set_attempts(&mut tx, "user:rina", &locked).await.unwrap();
    let more = operators::Attempts { failures: 6, ..locked };
    operators::set_attempts(&mut tx, "user:rina", &more).await.unwrap();
    operators::set_attempts(&mut tx, "desk", &locked).await.unwrap();
    commit(tx).await.unwrap();

    let mut conn = ledger.read().await.unwrap();
    assert_eq!(operators::attempts(&mut conn, "user:rina").await.unwrap(), Some(more));
    drop(conn);
    let mut tx = ledger.begin_write().await.unwrap();
    operators::clear_attempts(&mut tx, "user:rina").await.unwrap();
    commit(tx).await.unwrap();
    let mut conn = ledger.read().await.unwrap();
    assert_eq!(operators::attempts(&mut conn, "user:rina").await.unwrap(), None);
    assert_eq!(operators::attempts(&mut conn, "desk").await.unwrap(), Some(locked));
}

/// Before passwords could be one-time, every operator but the first admin got theirs from an
/// admin: migrating makes those one-time, and leaves the first admin and the demo operators be.
#[tokio::test]
async fn migrating_makes_the_admin_given_passwords_one_time() {
    let (_dir, ledger) = fresh_file().await;
    let demo = add_operator(&ledger, "demo.staff", Role::Staff).await;
    let first = add_operator(&ledger, "owner", Role::Admin).await;
    let finance = add_operator(&ledger, "fina", Role::Finance).await;
    let pool = ledger.writer_pool();
    sqlx::query("UPDATE operators SET demo = 1 WHERE id = $1")
        .bind(demo.get())
        .execute(pool)
        .await
        .unwrap();
    sqlx::raw_sql(
        "DROP TABLE password_attempts; ALTER TABLE operators DROP COLUMN password_one_time;",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::raw_sql(include_str!("../migrations/sqlite/0012_operator_passwords.sql"))
        .execute(pool)
        .await
        .unwrap();

    let mut conn = ledger.read().await.unwrap();
    let mut one_time = Vec::new();
    for id in [demo, first, finance] {
        one_time.push(operators::by_id(&mut conn, id).await.unwrap().unwrap().password_one_time);
    }
    assert_eq!(one_time, [false, false, true]);
}

#[tokio::test]
async fn a_bad_ledger_location_or_an_unreachable_server_is_a_clear_error() {
    for (text, says) in [
        ("", "no ledger given"),
        ("mysql://ovo@db/ledger", "unknown kind of ledger"),
        ("postgres://", "names no host"),
        ("postgres://ovo@db:notaport/ledger", "not a PostgreSQL URL"),
    ] {
        let err = ovo_ledger::LedgerLocation::parse(text).unwrap_err();
        assert!(matches!(err, LedgerError::InvalidLocation(_)), "{text}: {err:?}");
        assert!(err.to_string().contains(says), "{text}: {err}");
    }
    let file = ovo_ledger::LedgerLocation::parse("sqlite:/var/lib/ovo/ledger.sqlite").unwrap();
    assert_eq!(file, ovo_ledger::LedgerLocation::File("/var/lib/ovo/ledger.sqlite".into()));

    // Nothing listens on port 1: the open fails, naming the server but never the password.
    let refused =
        ovo_ledger::LedgerLocation::parse("postgres://ovo:s3cret@127.0.0.1:1/ledger").unwrap();
    let err = Ledger::open_at(&refused).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, LedgerError::Open { .. }), "{err:?}");
    assert!(text.contains("postgres://ovo:***@127.0.0.1:1/ledger"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
    let in_query = ovo_ledger::LedgerLocation::parse(
        "postgres://ovo@db/ledger?password=s3cret&sslmode=verify-full",
    )
    .unwrap();
    assert_eq!(in_query.to_string(), "postgres://ovo@db/ledger?password=***&sslmode=verify-full");
}

#[tokio::test]
async fn a_work_claim_is_held_by_one_desk_until_it_is_released_or_lapses() {
    use ovo_ledger::claims;
    let (_dir, ledger) = fresh().await;
    let until = T0.plus_seconds(120);
    assert!(claims::take(&ledger, "refund", 7, "desk-a", T0, until).await.unwrap());
    // Another desk is refused while it holds; the holder renews it.
    assert!(!claims::take(&ledger, "refund", 7, "desk-b", T0.plus_seconds(60), until)
        .await
        .unwrap());
    assert!(claims::take(
        &ledger,
        "refund",
        7,
        "desk-a",
        T0.plus_seconds(60),
        T0.plus_seconds(180)
    )
    .await
    .unwrap());
    assert!(!claims::take(&ledger, "refund", 7, "desk-b", T0.plus_seconds(150), until)
        .await
        .unwrap());
    // Another subject or kind is free.
    assert!(claims::take(&ledger, "refund", 8, "desk-b", T0, until).await.unwrap());
    assert!(claims::take(&ledger, "payment_check", 7, "desk-b", T0, until).await.unwrap());
    assert_eq!(claims::holder(&ledger, "refund", 7, T0).await.unwrap().as_deref(), Some("desk-a"));
    // Only the holder releases it.
    claims::release(&ledger, "refund", 7, "desk-b").await.unwrap();
    assert!(!claims::take(&ledger, "refund", 7, "desk-b", T0, until).await.unwrap());
    claims::release(&ledger, "refund", 7, "desk-a").await.unwrap();
    assert!(claims::take(&ledger, "refund", 7, "desk-b", T0, until).await.unwrap());
    // A crashed desk's claim lapses at its end.
    assert!(claims::take(&ledger, "linking", 1, "crashed", T0, until).await.unwrap());
    assert!(!claims::take(&ledger, "linking", 1, "desk-a", T0.plus_seconds(119), until)
        .await
        .unwrap());
    assert!(claims::take(&ledger, "linking", 1, "desk-a", until, until.plus_seconds(120))
        .await
        .unwrap());
    assert_eq!(
        claims::holder(&ledger, "linking", 1, until).await.unwrap().as_deref(),
        Some("desk-a")
    );
}
