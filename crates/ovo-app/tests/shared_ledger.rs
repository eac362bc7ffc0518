//! A desk's ledger file moved into a shared PostgreSQL ledger, and the same desk working on it
//! afterwards. Runs on the PostgreSQL run (`OVO_TEST_POSTGRES_URL`) and says so otherwise.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ovo_app::ipc::*;
use ovo_app::{move_ledger, Backoffice, ErrorCode, LedgerLocation};
use ovo_domain::{Clock, ManualClock, Timestamp};
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
    // The file is put aside, so a start without the shared ledger cannot go on in it.
    assert!(!data_dir.join(ovo_app::LEDGER_FILE).exists());
    let aside = std::fs::read_dir(&data_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with("ledger.sqlite.moved-"));
    assert!(aside);

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

    // With the file put aside there is nothing left to move.
    shared.ledger().close().await;
    drop(shared);
    let again = move_ledger(&data_dir, &target, now).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::NotFound, "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_at_one_desk_requests_a_refund_and_finance_at_another_approves_it() {
    if !support::on_postgres() {
        eprintln!("not on PostgreSQL: {} is not set", support::POSTGRES_ENV);
        return;
    }
    let a = TestApp::builder()
        .scale("0.001")
        .operators(&[("sam", "staff"), ("fina", "finance")])
        .signed_in("sam")
        .open_with_sim()
        .await;
    // The second desk: its own data folder and instance lock, the same shared ledger and
    // simulator. It holds the ledger's keys as an enrolled desk would; enrolment is not built
    // yet, so it shares the first desk's keychain.
    let other = tempfile::tempdir().unwrap();
    let mut config = app::config(&other.path().join("data"), Some("0.001"), Some(&a.sim.url("")));
    config.ledger = Some(a.app.ledger().location().clone());
    let clock = Arc::new(ManualClock::new(a.clock.now()));
    let b = Backoffice::open(config, a.secrets.clone(), clock).await.unwrap();
    assert!(!b.open_report().created);
    app::sign_in_as(&b, "fina").await;

    // A demo OVO SNAP payment with something left to refund.
    let page = a
        .app
        .payments_page(app::payment_query(Some("ovo_snap"), Some("succeeded"), 50))
        .await
        .unwrap();
    let mut chosen = None;
    for row in page.items {
        let preview = a
            .app
            .preview_refund(RefundPreviewInput { payment_id: row.id, amount: "10.000".into() })
            .await
            .unwrap();
        if preview.allowed && preview.mode == "api" {
            chosen = Some(row.id);
            break;
        }
    }
    let payment = chosen.expect("a refundable demo OVO SNAP payment");
    let requested = app::refund::request(&a.app, payment, "10.000").await.unwrap();
    assert_eq!((requested.status.as_str(), requested.requested_by.as_str()), ("requested", "sam"));

    // Finance's queue at the other desk holds it; approving there sends it.
    let queue = app::refund_queue(&b, "requested").await;
    assert!(queue.iter().any(|r| r.id == requested.id), "{queue:?}");
    let password = app::password_of("fina");
    let done = app::refund::decide(&b, requested.id, true, "", &password).await.unwrap();
    assert_eq!((done.status.as_str(), done.decided_by.as_deref()), ("succeeded", Some("fina")));

    // Both desks show the final state.
    let seen_at_a = a.app.refund_page(RefundRef { refund_id: requested.id }).await.unwrap();
    assert_eq!(
        (seen_at_a.status.as_str(), seen_at_a.decided_by.as_deref()),
        ("succeeded", Some("fina"))
    );
    // Staff cannot decide a refund at either desk.
    let own = app::refund::request(&a.app, payment, "5.000").await.unwrap();
    app::sign_in_as(&b, "sam").await;
    let refused =
        app::refund::decide(&b, own.id, true, "", &app::password_of("sam")).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden, "{refused:?}");
}
