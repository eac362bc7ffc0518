//! A desk's ledger file moved into a shared PostgreSQL ledger, and the same desk working on it
//! afterwards. Runs on the PostgreSQL run (`OVO_TEST_POSTGRES_URL`) and says so otherwise.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ovo_app::ipc::*;
use ovo_app::{move_ledger, Backoffice, ErrorCode, LedgerLocation};
use ovo_domain::{ManualClock, Timestamp};
use ovo_test_support::app::{self, TestApp, FIXED_START_MS};
use ovo_test_support::ledger as support;

#[tokio::test]
async fn a_ledger_file_moves_to_postgresql_and_the_desk_carries_on_there_with_its_chain_intact() {
    let Ok(server) = std::env::var(support::POSTGRES_ENV) else {
        eprintln!("not on PostgreSQL: {} is not set", support::POSTGRES_ENV);
        return;
    };
    let f = TestApp::builder()
        .file_ledger()
        .fixed_clock()
        .admin()
        .operators(&[("sam", "staff"), ("fina", "finance")])
        .open()
        .await;
    f.app.set_idle_lock(IdleLockInput { minutes: 25 }).await.unwrap();
    let operators = f.app.list_operators().await.unwrap();
    let entries = app::audit_page(&f.app, 1_000).await.len();
    let operator_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM operators")
        .fetch_one(f.app.ledger().writer_pool())
        .await
        .unwrap();
    let target = LedgerLocation::Postgres(support::fresh_database(&server).await);
    let now = Timestamp::from_unix_millis(FIXED_START_MS);

    // Not while the back office has the folder open.
    let busy = move_ledger(&f.data_dir(), &target, now).await.unwrap_err();
    assert_eq!(busy.code, ErrorCode::LedgerInUse, "{busy:?}");

    let TestApp { dir, app, secrets, .. } = f;
    let data_dir = dir.path().join("data");
    app.ledger().close().await;
    drop(app);
    let report = move_ledger(&data_dir, &target, now).await.unwrap();
    let moved = |table: &str| report.tables.iter().find(|(t, _)| t == table).unwrap().1;
    assert_eq!(moved("operators") as i64, operator_rows);
    assert_eq!(moved("audit_log") as usize, entries);

    // The same desk (its keychain) opens the shared ledger: everything is there, and the
    // chain verifies under the keys it already holds.
    let mut config = app::config(&data_dir, None, None);
    config.ledger = Some(target.clone());
    let clock = Arc::new(ManualClock::new(now));
    let shared = Backoffice::open(config, secrets.clone(), clock).await.unwrap();
    assert!(!shared.open_report().created);
    app::sign_in_as(&shared, "admin").await;
    assert_eq!(shared.list_operators().await.unwrap(), operators);
    shared.set_idle_lock(IdleLockInput { minutes: 20 }).await.unwrap();
    let verified = shared.verify_audit().await.unwrap();
    assert!(verified.intact, "{verified:?}");
    assert!(app::audit_page(&shared, 1_000).await.len() > entries);

    // A second move into the filled ledger is refused.
    shared.ledger().close().await;
    drop(shared);
    let again = move_ledger(&data_dir, &target, now).await.unwrap_err();
    assert!(again.message.contains("already holds data"), "{again:?}");
}
