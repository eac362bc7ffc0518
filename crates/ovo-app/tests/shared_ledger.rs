//! A desk's ledger file moved into a shared PostgreSQL ledger, and the same desk working on it
//! afterwards; other desks enrolled with a one-time code, working on the same ledger. Runs on the PostgreSQL run (`OVO_TEST_POSTGRES_URL`) and says so otherwise.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ovo_app::ipc::*;
use ovo_app::{
    enrol_desk, move_ledger, AppError, Backoffice, BackofficeConfig, EnrolledDesk, ErrorCode,
    LedgerLocation,
};
use ovo_domain::{Clock, ManualClock, Product, Timestamp};
use ovo_ledger::claims;
use ovo_secrets::{MemoryStore, SecretKey, SecretStore, Sensitive};
use ovo_test_support::app::{self, TestApp, WithSim, APP_ID, FIXED_START_MS};
use ovo_test_support::ledger as support;
use ovo_test_support::phones::BUDI;

#[tokio::test]
async fn a_ledger_file_moves_to_postgresql_and_the_desk_carries_on_there_with_its_chain_intact() {
    let Some(server) = support::postgres_server() else { return };
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

/// A second desk of `a`'s shared ledger: its own data folder, instance lock and keychain, the
/// same simulator; enrolled with a one-time code that `a`'s admin made.
struct OtherDesk {
    _dir: tempfile::TempDir,
    config: BackofficeConfig,
    keychain: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
}

impl OtherDesk {
    fn new(a: &WithSim) -> OtherDesk {
        let dir = tempfile::tempdir().unwrap();
        let mut config = app::config(&dir.path().join("data"), Some("0.001"), Some(&a.sim.url("")));
        config.ledger = Some(a.app.ledger().location().clone());
        OtherDesk {
            _dir: dir,
            config,
            keychain: Arc::new(MemoryStore::new()),
            clock: Arc::new(ManualClock::new(a.clock.now())),
        }
    }

    async fn open(&self) -> Result<Backoffice, AppError> {
        Backoffice::open(self.config.clone(), self.keychain.clone(), self.clock.clone()).await
    }

    async fn enrol(&self, code: &str) -> Result<EnrolledDesk, AppError> {
        let location = self.config.ledger.as_ref().unwrap();
        let input = EnrolDeskInput {
            code: Secret(Sensitive::new(code.to_owned())),
            desk_name: "Finance, 2nd floor".into(),
        };
        enrol_desk(location, self.keychain.as_ref(), APP_ID, self.clock.as_ref(), input).await
    }
}

/// The desk that makes the shared ledger (the built-in environment, its own simulator), an admin
/// and `operators`, `sam` signed in.
async fn first_desk(operators: &[(&str, &str)]) -> WithSim {
    TestApp::builder()
        .scale("0.001")
        .admin()
        .operators(operators)
        .signed_in("sam")
        .open_with_sim()
        .await
}

/// A code made by the admin at `a`, who is signed in for it; `signed_in` is signed in after.
async fn new_code(a: &WithSim, signed_in: &str) -> NewDeskEnrolment {
    a.sign_in_as("admin").await;
    let made = a.app.create_desk_enrolment().await.unwrap();
    a.sign_in_as(signed_in).await;
    made
}

/// The same code with its last character changed.
fn wrong(code: &str) -> String {
    let mut wrong = code.to_owned();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '7' { '8' } else { '7' });
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_enrolled_with_a_one_time_code_uses_an_account_linked_at_another_desk() {
    if support::postgres_server().is_none() {
        return;
    }
    let a = first_desk(&[("sam", "staff")]).await;
    let b = OtherDesk::new(&a);

    // A desk whose keychain lacks the ledger's keys is refused, and writes nothing.
    a.sign_in_as("admin").await;
    let audit_before = app::audit_page(&a.app, 1_000).await.len();
    a.sign_in_as("sam").await;
    let refused = b.open().await.unwrap_err();
    assert_eq!((refused.code, refused.reason), (ErrorCode::Storage, Some("desk_not_enrolled")));
    assert!(refused.message.contains("one-time code"), "{refused:?}");

    // Only an admin makes a code; it is shown once and the ledger keeps no trace of it.
    let staff = a.app.create_desk_enrolment().await.unwrap_err();
    assert_eq!(staff.code, ErrorCode::Forbidden, "{staff:?}");
    let made = new_code(&a, "sam").await;
    assert_eq!(made.code.len(), 29, "{}", made.code);
    assert_eq!(made.enrolment.state, EnrolmentState::Open);
    let secret_part = made.code[6..].replace('-', "");
    assert!(app::ledger_holds(&a.app, &secret_part).await.is_empty(), "the code is not stored");

    // A wrong code counts against the enrolment and writes no key.
    let mistyped = b.enrol(&wrong(&made.code)).await.unwrap_err();
    assert_eq!(mistyped.reason, Some("enrolment_code_wrong"), "{mistyped:?}");
    assert!(mistyped.message.contains("4 more tries"), "{mistyped:?}");
    assert!(b.open().await.is_err(), "still not enrolled");

    // The right code, typed in lower case: the desk holds the keys and opens.
    let enrolled = b.enrol(&made.code.to_lowercase()).await.unwrap();
    assert_eq!(enrolled.enrolment_id, made.enrolment.id);
    let again = b.enrol(&made.code).await.unwrap_err();
    assert_eq!(again.reason, Some("enrolment_code_used"), "{again:?}");
    let desk_b = b.open().await.unwrap();
    assert!(!desk_b.open_report().created);

    // A linking made at desk A (the demo's, sealed in the ledger there) works at desk B: the
    // balance call needs the customer's token.
    app::sign_in_as(&desk_b, "sam").await;
    let budi = app::customer_id(&desk_b, BUDI).await;
    let page = desk_b.customer_page(CustomerRef { customer_id: budi }).await.unwrap();
    let account = page.accounts.iter().find(|a| a.product == Product::OvoSnap).unwrap();
    let balance = desk_b
        .refresh_balance(AccountRef { account_id: account.id })
        .await
        .unwrap()
        .balance
        .unwrap();
    assert!(balance.last_failure.is_none(), "{balance:?}");
    assert_eq!((balance.cash, balance.points), (Some(2_500_000), Some(75_000)));

    // One chain: both desks verify it, and it says who made the code and which desk used it.
    for desk in [&a.app, &Arc::new(desk_b)] {
        app::sign_in_as(desk, "admin").await;
        let verified = desk.verify_audit().await.unwrap();
        assert!(verified.intact, "{verified:?}");
    }
    let entries = app::audit_page(&a.app, 1_000).await;
    let actions: Vec<&str> =
        entries[..entries.len() - audit_before].iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"desk.enrolment_created"), "{actions:?}");
    assert!(actions.contains(&"desk.enrolled"), "{actions:?}");
    let listed = a.app.desk_enrolments().await.unwrap();
    let used = listed.iter().find(|e| e.id == made.enrolment.id).unwrap();
    assert_eq!(used.state, EnrolmentState::Used);
    assert_eq!((used.desk_name.as_deref(), used.failed_attempts), (Some("Finance, 2nd floor"), 1));
    let info = a.app.ledger_info().await.unwrap();
    assert!(info.shared && info.backend == "postgres", "{info:?}");
    assert!(info.location.starts_with("postgres://"), "{info:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolment_code_ends_when_withdrawn_expired_or_mistyped_five_times() {
    if support::postgres_server().is_none() {
        return;
    }
    let a = TestApp::builder().scale("0.001").admin().signed_in("admin").open_with_sim().await;
    let b = OtherDesk::new(&a);

    let withdrawn = new_code(&a, "admin").await;
    let view = a
        .app
        .withdraw_desk_enrolment(EnrolmentRef { id: withdrawn.enrolment.id.clone() })
        .await
        .unwrap();
    assert_eq!(view.state, EnrolmentState::Withdrawn);
    let twice = a
        .app
        .withdraw_desk_enrolment(EnrolmentRef { id: withdrawn.enrolment.id.clone() })
        .await
        .unwrap_err();
    assert_eq!(twice.reason, Some("enrolment_not_open"), "{twice:?}");
    assert_eq!(
        b.enrol(&withdrawn.code).await.unwrap_err().reason,
        Some("enrolment_code_withdrawn")
    );

    let mistyped = new_code(&a, "admin").await;
    for tries_left in (0..5).rev() {
        let error = b.enrol(&wrong(&mistyped.code)).await.unwrap_err();
        assert_eq!(error.reason, Some("enrolment_code_wrong"), "{error:?}");
        if tries_left > 0 {
            assert!(error.message.contains(&format!("{tries_left} more tries")), "{error:?}");
        } else {
            assert!(error.message.contains("has now ended"), "{error:?}");
        }
    }
    // Even the right code is refused now.
    assert_eq!(b.enrol(&mistyped.code).await.unwrap_err().reason, Some("enrolment_code_ended"));

    let late = new_code(&a, "admin").await;
    b.clock.advance_seconds(24 * 60 * 60);
    assert_eq!(b.enrol(&late.code).await.unwrap_err().reason, Some("enrolment_code_expired"));
    let unknown = b.enrol("00000-00000-00000-00000-00000").await.unwrap_err();
    assert_eq!(unknown.reason, Some("enrolment_code_unknown"), "{unknown:?}");
    let malformed = b.enrol("12345").await.unwrap_err();
    assert_eq!(malformed.reason, Some("enrolment_code_format"), "{malformed:?}");

    // Ended enrolments keep no sealed keys.
    a.clock.advance_seconds(24 * 60 * 60);
    new_code(&a, "admin").await;
    let still_sealed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM desk_enrolments WHERE sealed IS NOT NULL")
            .fetch_one(a.app.ledger().writer_pool())
            .await
            .unwrap();
    assert_eq!(still_sealed, 1, "only the newest code is open");
    assert!(b.open().await.is_err(), "no code enrolled the desk");
}

#[tokio::test]
async fn a_ledger_file_has_no_desks_to_enrol() {
    let f = TestApp::builder().file_ledger().admin().signed_in("admin").open().await;
    let refused = f.app.create_desk_enrolment().await.unwrap_err();
    assert_eq!(refused.reason, Some("enrolment_needs_shared_ledger"), "{refused:?}");
    let info = f.app.ledger_info().await.unwrap();
    assert_eq!((info.backend.as_str(), info.shared), ("file", false));
    assert!(info.location.ends_with(ovo_app::LEDGER_FILE), "{info:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_at_one_desk_requests_a_refund_and_finance_at_another_approves_it() {
    if support::postgres_server().is_none() {
        return;
    }
    let a = first_desk(&[("sam", "staff"), ("fina", "finance")]).await;
    let other = OtherDesk::new(&a);
    other.enrol(&new_code(&a, "sam").await.code).await.unwrap();
    let b = Arc::new(other.open().await.unwrap());
    assert!(!b.open_report().created);
    app::sign_in_as(&b, "fina").await;
    // Finance's screen at desk B waits for changes by any desk.
    assert!(b.follow_ledger_changes().await.unwrap());
    let waiting = tokio::spawn({
        let b = b.clone();
        async move { b.next_ledger_change(LedgerChangesInput { after: 0 }).await }
    });
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
    // The request at desk A reaches desk B's waiting screen as a change to refunds.
    let heard = waiting.await.unwrap().unwrap();
    assert!(heard.live && heard.tables.contains(&"refunds".to_owned()), "{heard:?}");
    let quiet = b.next_ledger_change(LedgerChangesInput { after: heard.seq });
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(300), quiet).await;
    assert!(quiet.is_err(), "nothing else changed, so the next wait waits");

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_claimed_by_a_desk_that_crashed_is_checked_once_its_claim_lapses() {
    if support::postgres_server().is_none() {
        return;
    }
    let a = first_desk(&[("sam", "staff")]).await;
    let other = OtherDesk::new(&a);
    other.enrol(&new_code(&a, "sam").await.code).await.unwrap();
    let b = other.open().await.unwrap();
    // A push the customer never answers stays pending, checked on the product's schedule.
    let mut input = app::payment_input(None, "doku_jokul_ovo_push", "push", "15.000", "claims");
    input.phone = "0811-0000-0006".into();
    let started = a.app.start_payment(input).await.unwrap();
    assert_eq!(started.payment.status, "pending");
    let id = started.payment.id;
    let status = "/orders/v1/status/{invoice_number}";
    let queries = || async { a.sim.received_at("doku_jokul_ovo_push", "GET", status).await.len() };

    // A desk took the claim on its status query and crashed.
    let now = a.clock.now().plus_seconds(30);
    a.clock.set(now);
    other.clock.set(now);
    let until = now.plus_millis(120_000);
    assert!(claims::take(a.app.ledger(), "payment_check", id, "crashed", now, until)
        .await
        .unwrap());
    let before = queries().await;
    a.app.poll_payments().await.unwrap();
    b.poll_payments().await.unwrap();
    assert_eq!(queries().await, before, "no desk asks while the claim holds");

    // Once it lapses, one desk takes it over and asks (the provider takes a second to answer);
    // the other desk finds it claimed and passes over it.
    a.clock.set(until);
    other.clock.set(until);
    let delay = serde_json::json!({ "kind": "delay", "ms": 1_000 });
    a.sim.arm("doku_jokul_ovo_push", status, delay, 2).await;
    let (at_a, at_b) = tokio::join!(a.app.poll_payments(), b.poll_payments());
    at_a.unwrap();
    at_b.unwrap();
    assert_eq!(queries().await, before + 1, "asked exactly once");
    assert_eq!(claims::holder(a.app.ledger(), "payment_check", id, until).await.unwrap(), None);
}

#[tokio::test]
async fn a_ledger_file_has_no_change_feed_and_says_so() {
    let f = TestApp::builder().file_ledger().admin().signed_in("admin").open().await;
    let changes = f.app.next_ledger_change(LedgerChangesInput { after: 0 }).await.unwrap();
    assert!(!changes.live && changes.tables.is_empty(), "{changes:?}");
    f.app.sign_out().await.unwrap();
    let signed_out = f.app.next_ledger_change(LedgerChangesInput { after: 0 }).await.unwrap_err();
    assert_eq!(signed_out.code, ErrorCode::Unauthenticated, "{signed_out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_ledger_from_before_sealed_tokens_gets_its_token_key_from_the_desk_that_holds_its_keys(
) {
    if support::postgres_server().is_none() {
        return;
    }
    let a = TestApp::builder().scale("0.001").admin().signed_in("admin").open_with_sim().await;
    let ledger_id = a.app.ledger_info().await.unwrap().ledger_id;
    let address = |name: &str| SecretKey::new(APP_ID, "local", format!("ledger-{ledger_id}"), name);
    // As the previous version left it: the desk that made it holds the audit and redaction keys
    // only, and the ledger has no token key check and no sealed tokens.
    let pool = a.app.ledger().writer_pool().clone();
    sqlx::query("DELETE FROM link_secrets").execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM settings WHERE key = 'token_key_check'").execute(&pool).await.unwrap();
    assert!(a.secrets.delete(&address("token_key")).unwrap());
    // Another desk holding the same two keys, as if copied by hand.
    let b = OtherDesk::new(&a);
    for name in ["audit_key", "redaction_key"] {
        let value = a.secrets.get(&address(name)).unwrap().unwrap();
        b.keychain.put(&address(name), &value).unwrap();
    }

    let sim_url = a.sim.url("");
    let WithSim { test, sim } = a;
    let TestApp { dir, app: first, secrets, clock, .. } = test;
    let location = first.ledger().location().clone();
    first.ledger().close().await;
    drop(first);
    let mut config = app::config(&dir.path().join("data"), Some("0.001"), Some(&sim_url));
    config.ledger = Some(location);
    let reopened =
        Backoffice::open(config, secrets.clone(), Arc::new(clock.clone())).await.unwrap();
    assert!(secrets.contains(&address("token_key")).unwrap(), "the first desk made the token key");

    // The other desk may not make one of its own now, and keeps none.
    let refused = b.open().await.unwrap_err();
    assert_eq!(refused.reason, Some("desk_not_enrolled"), "{refused:?}");
    assert!(!b.keychain.contains(&address("token_key")).unwrap());
    // With a code it receives the one the first desk made.
    app::sign_in_as(&reopened, "admin").await;
    let code = reopened.create_desk_enrolment().await.unwrap().code;
    b.enrol(&code).await.unwrap();
    assert_eq!(
        b.keychain.get(&address("token_key")).unwrap().unwrap().expose(),
        secrets.get(&address("token_key")).unwrap().unwrap().expose()
    );
    b.open().await.unwrap();
    drop(sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_moves_the_desks_file_into_a_shared_ledger_from_settings_and_the_desk_works_there_after_a_restart(
) {
    let Some(server) = support::postgres_server() else { return };
    let f = TestApp::builder()
        .file_ledger()
        .fixed_clock()
        .admin()
        .operators(&[("sam", "staff")])
        .signed_in("admin")
        .open()
        .await;
    let url = |text: &str| LedgerUrlInput { url: Secret(Sensitive::new(text.to_owned())) };
    let bad = f.app.check_shared_ledger(url("mysql://x")).await.unwrap_err();
    assert_eq!(bad.reason, Some("ledger_url_invalid"), "{bad:?}");
    assert!(bad.message.contains("postgres://user:password@host:port/database"), "{bad:?}");
    let away = f.app.check_shared_ledger(url("postgres://ovo@127.0.0.1:1/none")).await.unwrap_err();
    assert_eq!(away.reason, Some("ledger_unreachable"), "{away:?}");

    let target = support::fresh_database(&server).await;
    let checked = f.app.check_shared_ledger(url(&target)).await.unwrap();
    assert!(checked.empty && !checked.holds_ledger, "{checked:?}");
    // Staff may not move it.
    f.sign_in_as("sam").await;
    let staff = f.app.move_to_shared_ledger(url(&target)).await.unwrap_err();
    assert_eq!(staff.code, ErrorCode::Forbidden, "{staff:?}");
    f.sign_in_as("admin").await;
    let entries = app::audit_page(&f.app, 1_000).await.len();
    let operators: i64 = sqlx::query_scalar("SELECT count(*) FROM operators")
        .fetch_one(f.app.ledger().writer_pool())
        .await
        .unwrap();
    let moved = f.app.move_to_shared_ledger(url(&target)).await.unwrap();
    let rows = |table: &str| moved.tables.iter().find(|t| t.table == table).unwrap().rows;
    assert_eq!(rows("operators") as i64, operators);
    assert!(moved.audit_seq as usize >= entries, "{moved:?}");
    // The file takes no more writes: nothing done here can be left behind in it.
    let after = f.app.set_idle_lock(IdleLockInput { minutes: 20 }).await.unwrap_err();
    assert_eq!(after.reason, Some("ledger_moved"), "{after:?}");
    let stored =
        ovo_app::stored_ledger_location(f.secrets.as_ref(), APP_ID, &f.data_dir()).unwrap();
    // The address is the desk's, and its password shows nowhere in the answer.
    assert!(!moved.location.contains("password="), "{moved:?}");
    assert_eq!(stored, Some(LedgerLocation::Postgres(target.clone())));
    // Nothing is there to move into any more.
    let again = f.app.check_shared_ledger(url(&target)).await.unwrap();
    assert!(again.holds_ledger && !again.empty, "{again:?}");

    // The restart: the desk opens the shared ledger with the keys it holds; the chain holds.
    let TestApp { dir, app, secrets, clock, .. } = f;
    let data_dir = dir.path().join("data");
    app.ledger().close().await;
    drop(app);
    let mut config = app::config(&data_dir, None, None);
    config.ledger = stored.clone();
    let shared =
        Backoffice::open(config.clone(), secrets.clone(), Arc::new(clock.clone())).await.unwrap();
    app::sign_in_as(&shared, "admin").await;
    let verified = shared.verify_audit().await.unwrap();
    assert!(verified.intact, "{verified:?}");
    let actions: Vec<String> =
        app::audit_page(&shared, 1_000).await.into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"ledger.moved".to_owned()), "{actions:?}");
    shared.set_idle_lock(IdleLockInput { minutes: 20 }).await.unwrap();
    let twice = shared.move_to_shared_ledger(url(&target)).await.unwrap_err();
    assert_eq!(twice.reason, Some("ledger_shared_already"), "{twice:?}");
    shared.ledger().close().await;
    drop(shared);
    // The file itself is kept only as a record.
    config.ledger = None;
    let record = Backoffice::open(config, secrets, Arc::new(clock)).await.unwrap_err();
    assert_eq!(record.reason, Some("ledger_moved"), "{record:?}");
    assert!(record.message.contains("kept only as a record"), "{record:?}");

    // Another desk joins it (at its next start it is enrolled); an empty database is no ledger
    // to join.
    let other = TestApp::builder().file_ledger().admin().signed_in("admin").open().await;
    let joined = other.app.join_shared_ledger(url(&target)).await.unwrap();
    assert_eq!(joined.ledger_id.as_deref(), Some(checked_id(&target).await.as_str()));
    assert_eq!(
        ovo_app::stored_ledger_location(other.secrets.as_ref(), APP_ID, &other.data_dir()).unwrap(),
        Some(LedgerLocation::Postgres(target))
    );
    let nothing = support::fresh_database(&server).await;
    let lone = TestApp::builder().file_ledger().admin().signed_in("admin").open().await;
    let empty = lone.app.join_shared_ledger(url(&nothing)).await.unwrap_err();
    assert_eq!(empty.reason, Some("ledger_url_empty"), "{empty:?}");
}

/// The ledger id stored in the shared ledger at `url`.
async fn checked_id(url: &str) -> String {
    let (ledger, _) =
        ovo_ledger::Ledger::open_at(&LedgerLocation::Postgres(url.to_owned())).await.unwrap();
    let stored =
        ovo_ledger::settings::get(&mut ledger.read().await.unwrap(), "ledger_id").await.unwrap();
    ledger.close().await;
    serde_json::from_str(&stored.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_whose_connections_the_server_dropped_reconnects_by_itself_and_refreshes_everything()
{
    if support::postgres_server().is_none() {
        return;
    }
    let a = TestApp::builder().admin().signed_in("admin").open().await;
    assert!(a.app.follow_ledger_changes().await.unwrap());
    // The server drops every connection of this ledger's database, as a restart or a cut
    // network does.
    let (killer, _) = ovo_ledger::Ledger::open_at(a.app.ledger().location()).await.unwrap();
    let dropped: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(killer.writer_pool())
    .await
    .unwrap();
    assert!(dropped.len() >= 2, "the desk's pools and its change feed: {dropped:?}");
    killer.close().await;

    // The next write takes a new connection; nothing needs a restart.
    a.app.set_idle_lock(IdleLockInput { minutes: 20 }).await.unwrap();
    assert_eq!(a.app.get_preferences().await.unwrap().idle_lock_minutes, 20);
    // The screens are told to refresh everything: changes may have gone unheard meanwhile.
    let heard = a.app.next_ledger_change(LedgerChangesInput { after: 0 }).await.unwrap();
    for table in ["payments", "refunds", "bindings", "customers"] {
        assert!(heard.tables.contains(&table.to_owned()), "{heard:?}");
    }
    // And it hears changes again.
    let waiting = tokio::spawn({
        let app = a.app.clone();
        let after = heard.seq;
        async move { app.next_ledger_change(LedgerChangesInput { after }).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    sqlx::query(
        "UPDATE customers SET updated_at = updated_at WHERE id = (SELECT MIN(id) FROM customers)",
    )
    .execute(a.app.ledger().writer_pool())
    .await
    .unwrap();
    let again = waiting.await.unwrap().unwrap();
    assert!(again.tables.contains(&"customers".to_owned()), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_desk_at_a_time_listens_for_notifications_and_another_takes_over_when_it_crashes_or_closes(
) {
    if support::postgres_server().is_none() {
        return;
    }
    let a = first_desk(&[("sam", "staff")]).await;
    let (other_b, other_c) = (OtherDesk::new(&a), OtherDesk::new(&a));
    other_b.enrol(&new_code(&a, "sam").await.code).await.unwrap();
    other_c.enrol(&new_code(&a, "sam").await.code).await.unwrap();
    let b = Arc::new(other_b.open().await.unwrap());
    let c = Arc::new(other_c.open().await.unwrap());
    app::sign_in_as(&b, "admin").await;
    app::sign_in_as(&c, "admin").await;
    a.sign_in_as("admin").await;
    let on = ListenerInput { enabled: true, address: "127.0.0.1:0".into() };
    let at_a = a.app.set_listener(on).await.unwrap();
    assert!(at_a.running, "{at_a:?}");
    assert_eq!(at_a.running_at_desk, None);

    // The settings are the ledger's, so B would listen too; A has the turn.
    b.ensure_listener().await;
    let at_b = b.listener_settings().await.unwrap();
    assert!(at_b.enabled && !at_b.running, "{at_b:?}");
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    assert_eq!(at_b.running_at_desk.as_deref(), Some(host.as_str()));

    // A crashes (its turn is never handed over): B waits for the turn to lapse, then listens.
    let lapsed = a.clock.now().plus_seconds(30);
    other_b.clock.set(lapsed.plus_seconds(-1));
    b.ensure_listener().await;
    assert!(!b.listener_settings().await.unwrap().running, "the turn holds for 30 s");
    other_b.clock.set(lapsed);
    b.ensure_listener().await;
    assert!(b.listener_settings().await.unwrap().running);

    // B closes: C takes over at once, and B stays closed.
    other_c.clock.set(lapsed);
    b.close_listener().await;
    c.ensure_listener().await;
    assert!(c.listener_settings().await.unwrap().running);
    b.ensure_listener().await;
    let at_b = b.listener_settings().await.unwrap();
    assert!(!at_b.running && at_b.running_at_desk.is_some(), "{at_b:?}");

    // Turned off, no desk holds the turn, and none says another listens.
    c.set_listener(ListenerInput { enabled: false, address: String::new() }).await.unwrap();
    assert_eq!(claims::holder(c.ledger(), "notification_listener", 0, lapsed).await.unwrap(), None);
    assert_eq!(b.listener_settings().await.unwrap().running_at_desk, None);
}
