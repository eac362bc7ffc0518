//! The notification inbox against a real ledger file and the in-process sandbox: a verified
//! notification changes money state only once a status query confirms it, a row left
//! unapplied is applied by the provider's retry or by the background work, a success the
//! provider confirms after the ledger recorded a failure is followed, and a notification for a
//! reference never created, or replayed after it was applied, changes nothing.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use ovo_app::ipc::*;
use ovo_app::Backoffice;
use ovo_domain::{Clock, ManualClock, PaymentId, PaymentStatus, Product};
use ovo_ledger::notifications::NotificationRow;
use ovo_ledger::payments::PaymentUpdate;
use ovo_test_support::app::{self, TestApp, ADMIN_PW};
use ovo_test_support::phones::PAYER;
use ovo_test_support::Sim;
use serde_json::{json, Value};

const WEBHOOK_SECRET: &[u8] = b"whsec_demo_only_not_a_secret";

struct Fixture {
    _dir: tempfile::TempDir,
    app: Arc<Backoffice>,
    clock: ManualClock,
    http: reqwest::Client,
    listener: String,
}

async fn fixture() -> Fixture {
    let (base, listener) = TestApp::listening_for(Product::TazapayOvoIdr).await;
    let TestApp { dir, app, clock, http, .. } = base;
    Fixture { _dir: dir, app, clock, http, listener }
}

async fn sign_in(app: &Backoffice, username: &str, password: &str) {
    app::sign_in(app, username, password).await.unwrap();
}

/// The audit log's entries, read as the admin.
async fn audit(f: &Fixture) -> Vec<AuditEntryView> {
    sign_in(&f.app, "admin", ADMIN_PW).await;
    let entries = f.app.list_audit(ovo_test_support::app::audit_query(200)).await.unwrap().items;
    sign_in(&f.app, "sam", "sam-password").await;
    entries
}

async fn sandbox(f: &Fixture) -> String {
    app::sandbox_url(&f.app).await
}

async fn sim(f: &Fixture) -> Sim {
    Sim::at(&sandbox(f).await)
}

async fn arm(f: &Fixture, endpoint: &str, fault: Value, count: u32) {
    sim(f).await.arm("tazapay_ovo_idr", endpoint, fault, count).await;
}

async fn clear_faults(f: &Fixture) {
    sim(f).await.clear_faults().await;
}

/// Status reads of payins the sandbox received.
async fn status_reads(f: &Fixture) -> usize {
    sim(f).await.received_at("tazapay_ovo_idr", "GET", "/v3/payin/{id}").await.len()
}

async fn detail(f: &Fixture, id: i64) -> PaymentDetailView {
    app::payment_page(&f.app, id).await
}

/// A Tazapay payin the payer approved at once: succeeded at the provider, still pending in
/// the ledger (no status query has run).
async fn paid_payin(f: &Fixture, amount: &str) -> (PaymentDetailView, String) {
    let found =
        f.app.search_customers(SearchInput { query: PAYER.into(), limit: 5 }).await.unwrap();
    let payer = found.hits[0].customer.id;
    let view = f
        .app
        .start_payment(StartPaymentInput {
            customer_id: Some(payer),
            product: "tazapay_ovo_idr".into(),
            kind: "payin".into(),
            amount: amount.into(),
            phone: String::new(),
            account_id: None,
            source: String::new(),
            description: "inbox test".into(),
        })
        .await
        .unwrap();
    assert_eq!(view.payment.status, "pending", "{view:#?}");
    let payin = view.payment.provider_ref.clone().unwrap();
    sim(f).await.until_tazapay_payin_succeeded(&payin).await;
    (view, payin)
}

/// A signed Tazapay `payin.succeeded` event.
fn succeeded_event(event_id: &str, payin: &str, reference: &str, rupiah: i64) -> (String, String) {
    let created_at = "2025-03-11T12:25:08Z";
    let body = json!({
        "type": "payin.succeeded",
        "id": event_id,
        "object": "event",
        "created_at": created_at,
        "data": { "id": payin, "amount": rupiah * 100, "invoice_currency": "IDR", "status": "succeeded", "reference_id": reference },
    })
    .to_string();
    let signature = ovo_providers::products::tazapay::webhook_signature(
        WEBHOOK_SECRET,
        event_id,
        body.as_bytes(),
        created_at,
    );
    (body, signature)
}

async fn deliver(f: &Fixture, (body, signature): &(String, String)) -> (u16, Value) {
    let response = f
        .http
        .post(&f.listener)
        .header("Content-Type", "application/json")
        .header("signature", signature)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn inbox(f: &Fixture) -> Vec<NotificationRow> {
    app::notifications(&f.app, Product::TazapayOvoIdr, 20).await
}

/// Waits until the inbox's only row satisfies `done`.
async fn until_row(
    f: &Fixture,
    what: &str,
    done: impl Fn(&NotificationRow) -> bool,
) -> NotificationRow {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = inbox(f).await;
        assert!(rows.len() <= 1, "{rows:#?}");
        if let Some(row) = rows.first().filter(|r| done(r)) {
            return row.clone();
        }
        assert!(Instant::now() < deadline, "{what}: {rows:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn until_status(f: &Fixture, id: i64, status: &str) -> PaymentDetailView {
    let done = |p: &PaymentDetailView| p.payment.status == status;
    app::until_payment(&f.app, id, Duration::from_millis(50), done, || async {}).await
}

fn kinds(view: &PaymentDetailView) -> Vec<&str> {
    view.timeline.iter().map(|t| t.kind.as_str()).collect()
}

#[tokio::test]
async fn a_notification_changes_nothing_until_its_status_query_answers_and_the_retry_applies_it() {
    let f = fixture().await;
    let (view, payin) = paid_payin(&f, "21.000").await;
    // Every status read fails: the verified notification cannot be confirmed yet.
    arm(&f, "/v3/payin/{id}", json!({ "kind": "http_status", "status": 503 }), 1_000).await;
    let event = succeeded_event("evt_inbox_retry", &payin, &view.payment.reference, 21_000);
    let (status, answer) = deliver(&f, &event).await;
    assert_eq!((status, &answer), (200, &json!({ "received": true })), "stored: acknowledged");
    let row = until_row(&f, "a failed confirmation is counted", |r| r.attempts >= 1).await;
    assert!(row.verified && row.processed_at.is_none(), "{row:#?}");
    assert!(row.last_error.is_some() && row.next_try_at.is_some(), "{row:#?}");
    let unconfirmed = detail(&f, view.payment.id).await;
    assert_eq!(
        unconfirmed.payment.status, "pending",
        "not confirmed, not applied: {unconfirmed:#?}"
    );
    assert!(unconfirmed.payment.succeeded_at.is_none());

    // The provider delivers it again (our answer never reached it, say): the stored row is
    // applied now, not dropped as a duplicate.
    clear_faults(&f).await;
    let reads = status_reads(&f).await;
    let (status, _) = deliver(&f, &event).await;
    assert_eq!(status, 200);
    let row = until_row(&f, "the retry applies it", |r| r.processed_at.is_some()).await;
    assert_eq!(row.outcome.as_deref(), Some("applied:succeeded"));
    assert_eq!(inbox(&f).await.len(), 1, "stored once");
    assert!(status_reads(&f).await > reads, "confirmed by a status query");
    let paid = detail(&f, view.payment.id).await;
    assert_eq!(paid.payment.status, "succeeded", "{paid:#?}");
    assert_eq!(
        kinds(&paid).iter().filter(|k| **k == "payment_succeeded").count(),
        1,
        "{:?}",
        kinds(&paid)
    );
}

#[tokio::test]
async fn a_row_left_unapplied_is_applied_by_the_background_work() {
    let f = fixture().await;
    let (view, payin) = paid_payin(&f, "22.000").await;
    arm(&f, "/v3/payin/{id}", json!({ "kind": "http_status", "status": 503 }), 1_000).await;
    let (status, _) = deliver(
        &f,
        &succeeded_event("evt_inbox_background", &payin, &view.payment.reference, 22_000),
    )
    .await;
    assert_eq!(status, 200);
    until_row(&f, "the first try fails", |r| r.attempts >= 1).await;
    // Nothing is due before the row's back-off, and nothing applied it meanwhile.
    assert_eq!(f.app.apply_notifications(false).await.unwrap(), 0);
    assert_eq!(detail(&f, view.payment.id).await.payment.status, "pending");
    clear_faults(&f).await;
    assert_eq!(f.app.apply_notifications(false).await.unwrap(), 0, "still backing off");
    assert_eq!(detail(&f, view.payment.id).await.payment.status, "pending");

    // The background work (as after a restart: every unapplied row at once) applies it.
    let background = tokio::spawn(Arc::clone(&f.app).run_background());
    let paid = until_status(&f, view.payment.id, "succeeded").await;
    background.abort();
    let row = until_row(&f, "marked applied with the payment", |r| r.processed_at.is_some()).await;
    assert_eq!(row.outcome.as_deref(), Some("applied:succeeded"));
    let notified: Vec<&TimelineEventView> =
        paid.timeline.iter().filter(|t| t.detail.contains("\"origin\":\"notification\"")).collect();
    assert_eq!(notified.len(), 1, "{:#?}", paid.timeline);

    // Once applied, the back-off is over and there is nothing left to do.
    f.clock.advance_seconds(3_600);
    assert_eq!(f.app.apply_notifications(true).await.unwrap(), 0);
}

#[tokio::test]
async fn a_success_the_provider_confirms_after_the_ledger_recorded_a_failure_is_followed() {
    let f = fixture().await;
    let (view, payin) = paid_payin(&f, "23.000").await;
    // The ledger recorded the payment failed (an earlier, wrong judgement).
    let id = PaymentId::new(view.payment.id);
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    let failed = PaymentUpdate {
        status: Some(PaymentStatus::Failed),
        next_check_at: Some(None),
        ..PaymentUpdate::default()
    };
    assert!(ovo_ledger::payments::update(&mut tx, id, &failed, f.clock.now()).await.unwrap());
    ovo_ledger::commit(tx).await.unwrap();
    assert_eq!(detail(&f, view.payment.id).await.payment.status, "failed");

    let (status, _) =
        deliver(&f, &succeeded_event("evt_inbox_late", &payin, &view.payment.reference, 23_000))
            .await;
    assert_eq!(status, 200);
    let paid = until_status(&f, view.payment.id, "succeeded").await;
    assert!(paid.payment.succeeded_at.is_some());
    assert!(paid.problem.is_none(), "{paid:#?}");
    let late =
        paid.timeline.iter().find(|t| t.kind == "payment_late_success").expect("a timeline event");
    assert!(late.detail.contains("\"was\":\"failed\""), "{}", late.detail);
    let row = until_row(&f, "applied", |r| r.processed_at.is_some()).await;
    assert_eq!(row.outcome.as_deref(), Some("applied:succeeded"));
    let audit = audit(&f).await;
    let entry = audit.iter().find(|e| e.action == "payment.late_success").expect("audited");
    assert!(entry.subject.ends_with(&view.payment.reference), "{entry:?}");
    assert!(entry.detail.contains("late success"), "{}", entry.detail);
    // It is refundable like any payment that succeeded.
    assert_eq!(paid.refundable, 23_000);
}

#[tokio::test]
async fn a_payment_the_provider_failed_then_settled_late_ends_succeeded_on_its_notification() {
    let f = fixture().await;
    // The provider's record ends failed, then turns successful (100 s × 0.02 later).
    let url = format!("{}/_sandbox/faults", sandbox(&f).await);
    let body = json!({ "product": "tazapay_ovo_idr", "fault": { "kind": "success_after_failure", "after_ms": 100_000 }, "count": 1 });
    assert!(f.http.post(&url).json(&body).send().await.unwrap().status().is_success());
    let found =
        f.app.search_customers(SearchInput { query: PAYER.into(), limit: 5 }).await.unwrap();
    let view = f
        .app
        .start_payment(StartPaymentInput {
            customer_id: Some(found.hits[0].customer.id),
            product: "tazapay_ovo_idr".into(),
            kind: "payin".into(),
            amount: "26.000".into(),
            phone: String::new(),
            account_id: None,
            source: String::new(),
            description: "late success".into(),
        })
        .await
        .unwrap();
    let payin = view.payment.provider_ref.clone().unwrap();
    // The status query reads the failure: the ledger records it.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        f.clock.advance_seconds(20);
        f.app.poll_payments().await.unwrap();
        sign_in(&f.app, "sam", "sam-password").await;
        if detail(&f, view.payment.id).await.payment.status == "failed" {
            break;
        }
        assert!(Instant::now() < deadline, "{:#?}", detail(&f, view.payment.id).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Later the provider's record turns successful, and it notifies.
    sim(&f).await.until_tazapay_payin_succeeded(&payin).await;
    let (status, _) = deliver(
        &f,
        &succeeded_event("evt_inbox_settled_late", &payin, &view.payment.reference, 26_000),
    )
    .await;
    assert_eq!(status, 200);
    let paid = until_status(&f, view.payment.id, "succeeded").await;
    let kinds = kinds(&paid);
    assert_eq!(kinds.last(), Some(&"payment_late_success"), "{kinds:?}");
    assert!(kinds.contains(&"payment_failed"), "{kinds:?}");
    assert_eq!(paid.refundable, 26_000);
}

#[tokio::test]
async fn a_notification_for_a_reference_never_created_is_stored_and_changes_nothing() {
    let f = fixture().await;
    let (view, _payin) = paid_payin(&f, "24.000").await;
    let reads = status_reads(&f).await;
    let event =
        succeeded_event("evt_inbox_stranger", "pay_neverissued01", "ZZZZZZZZZZZZZZZZ", 24_000);
    let (status, answer) = deliver(&f, &event).await;
    assert_eq!((status, answer), (200, json!({ "received": true })));
    let row = until_row(&f, "stored", |r| r.processed_at.is_some()).await;
    assert_eq!(row.payment_id, None);
    assert_eq!(row.outcome.as_deref(), Some("no_payment"));
    assert_eq!(status_reads(&f).await, reads, "no status query for a payment we do not have");
    assert_eq!(f.app.apply_notifications(true).await.unwrap(), 0);
    let after = detail(&f, view.payment.id).await;
    assert_eq!(after.payment.status, "pending");
    assert_eq!(kinds(&after), ["payment_created", "payment_sent"]);
}

#[tokio::test]
async fn a_notification_replayed_after_it_was_applied_changes_nothing() {
    let f = fixture().await;
    let (view, payin) = paid_payin(&f, "25.000").await;
    let event = succeeded_event("evt_inbox_replay", &payin, &view.payment.reference, 25_000);
    deliver(&f, &event).await;
    until_row(&f, "applied", |r| r.processed_at.is_some()).await;
    let paid = until_status(&f, view.payment.id, "succeeded").await;
    let about = format!("payment:{}", view.payment.reference);
    let audit_before = audit(&f).await.into_iter().filter(|e| e.subject == about).count();
    let reads = status_reads(&f).await;

    let (status, answer) = deliver(&f, &event).await;
    assert_eq!((status, answer), (200, json!({ "received": true })));
    assert_eq!(f.app.apply_notifications(true).await.unwrap(), 0);
    let rows = inbox(&f).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].outcome.as_deref(), Some("applied:succeeded"));
    assert_eq!(status_reads(&f).await, reads, "no second status query");
    let after = detail(&f, view.payment.id).await;
    let events = |v: &PaymentDetailView| {
        v.timeline.iter().map(|t| (t.kind.clone(), t.detail.clone())).collect::<Vec<_>>()
    };
    assert_eq!(events(&after), events(&paid));
    assert_eq!(after.payment.succeeded_at, paid.payment.succeeded_at);
    let audit_after = audit(&f).await.into_iter().filter(|e| e.subject == about).count();
    assert_eq!(audit_after, audit_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binding_notifications_auth_code_is_nowhere_in_the_ledger_and_its_duplicate_is_stored_once(
) {
    use ovo_sandbox::Merchants;
    use ovo_test_support::phones::BUDI;
    use ovo_test_support::sim;

    // The listener's port is chosen first: the simulator is told where to notify.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listener = format!("http://127.0.0.1:{port}");
    // The demo merchants, DOKU SNAP's sending its payment and binding notifications (each
    // under an N0 token) to the listener.
    let url = format!("{listener}/doku_snap_ovo");
    let mut merchants = String::new();
    for line in ovo_sandbox::DEMO_MERCHANTS.lines() {
        merchants.push_str(line);
        merchants.push('\n');
        if line.trim() == "[[doku_snap_ovo]]" {
            let token_url = format!("{url}{}", ovo_sandbox::products::doku_snap::PATH_TOKEN_B2B);
            merchants.push_str(&format!(
                "notification_url = \"{url}\"\nbinding_notification_url = \"{url}\"\ntoken_url = \"{token_url}\"\n"
            ));
        }
    }
    let sandbox = sim::start_with(Merchants::parse(&merchants).unwrap(), "0.05").await;
    let sim = Sim::of(&sandbox);
    let test = TestApp::builder()
        .scale("0.05")
        .sandbox_url(&sim.url)
        .operator_shown_as("sam", "Sam", "staff")
        .signed_in("admin")
        .open()
        .await;
    test.listen_at(&format!("127.0.0.1:{port}")).await;
    sim.patch(&format!("/_sandbox/accounts/{BUDI}"), json!({ "behaviour": "auto_approve" })).await;
    // DOKU delivers the binding notification twice (each copy under its own N0 token).
    sim.arm("doku_snap_ovo", "notification", json!({ "kind": "duplicate_notification" }), 1).await;
    test.sign_in_as("sam").await;
    let customer = app::customer_id(&test.app, BUDI).await;
    let started = test
        .app
        .start_link(StartLinkInput {
            customer_id: customer,
            product: "doku_snap_ovo".into(),
            phone: String::new(),
        })
        .await
        .unwrap();
    // The customer's browser opens the provider's page (the account approves at once).
    if let Some(url) = &started.redirect_url {
        test.http.get(url).send().await.unwrap();
    }

    let delivered = || async {
        let all = sim.get("/_sandbox/notifications?product=doku_snap_ovo").await;
        let bindings: Vec<Value> = all
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"] == "binding" && d["delivered"] == true)
            .cloned()
            .collect();
        (bindings.len() >= 2).then_some(bindings)
    };
    let linked = || async {
        let mut conn = test.app.ledger().read().await.unwrap();
        let row = ovo_ledger::bindings::get(&mut conn, ovo_domain::BindingId::new(started.id))
            .await
            .unwrap()
            .unwrap();
        row.status == ovo_ledger::bindings::BindingStatus::Active
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let deliveries = loop {
        // The back office's background work completes the linking once the browser is back.
        test.app.process_linkings().await.unwrap();
        if let Some(d) = delivered().await {
            if linked().await {
                break d;
            }
        }
        if Instant::now() >= deadline {
            let all = sim.get("/_sandbox/notifications?product=doku_snap_ovo").await;
            let rows = app::notifications(&test.app, Product::DokuSnapOvo, 20).await;
            panic!(
                "the linking ({}) and its two notifications: {all:#}\n{rows:#?}",
                linked().await
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let body: Value = serde_json::from_str(deliveries[0]["body"].as_str().unwrap()).unwrap();
    let auth_code = body["additionalInfo"]["authCode"].as_str().unwrap().to_owned();
    assert!(auth_code.len() >= 8, "{body}");
    assert_eq!(deliveries[1]["body"], deliveries[0]["body"], "the same notification twice");

    let rows = app::notifications(&test.app, Product::DokuSnapOvo, 20).await;
    let binding_rows: Vec<_> = rows.iter().filter(|r| r.dedup_key.contains(":binding:")).collect();
    assert_eq!(binding_rows.len(), 1, "the duplicate is stored once: {rows:#?}");
    let row = binding_rows[0];
    assert!(row.verified, "{row:#?}");
    assert!(row.body.contains("redacted:hmac:"), "{}", row.body);
    assert!(row.body.contains(body["originalExternalId"].as_str().unwrap()), "{}", row.body);
    let holders = app::ledger_holds(&test.app, &auth_code).await;
    assert!(holders.is_empty(), "the authCode is stored in {holders:?}");
}

#[tokio::test]
async fn rows_stored_before_redaction_are_redacted_when_the_back_office_opens() {
    let builder = TestApp::builder().scale("0.02");
    let TestApp { dir, app, secrets, .. } = TestApp::builder().scale("0.02").open().await;
    let secret = "raw-auth-code-3f9c1d7e";
    let body = format!(
        r#"{{"originalExternalId":"77","additionalInfo":{{"status":"SUCCESS","authCode":"{secret}"}}}}"#
    );
    let headers = json!({ "X-SIGNATURE": "raw-signature-8b2e", "X-TIMESTAMP": "2026-01-01" });
    // As an earlier version stored it: the body as received, not marked redacted.
    let mut conn = app.ledger().writer_pool().acquire().await.unwrap();
    sqlx::query(
        "INSERT INTO notification_inbox (product, dedup_key, received_at, verified, headers, body, redacted)
         VALUES ('doku_snap_ovo', 'doku_snap_ovo:binding:77:SUCCESS', 0, 1, $1, $2, 0)",
    )
    .bind(headers.to_string())
    .bind(&body)
    .execute(&mut *conn)
    .await
    .unwrap();
    // An unverified one, keyed by an unkeyed hash of its body (a short PIN could be guessed
    // back from it).
    let forged = r#"{"reference_id":"ZZZZZZZZZZZZZZZZ","pin":"482913"}"#;
    let old_key = {
        use sha2::Digest;
        format!("unverified:{}", hex::encode(sha2::Sha256::digest(forged.as_bytes())))
    };
    sqlx::query(
        "INSERT INTO notification_inbox (product, dedup_key, received_at, verified, headers, body, redacted)
         VALUES ('tazapay_ovo_idr', $1, 0, 0, '{}', $2, 0)",
    )
    .bind(&old_key)
    .bind(forged)
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    assert!(!app::ledger_holds(&app, secret).await.is_empty(), "the raw row is on disk before");
    app.ledger().close().await;
    drop(app);

    let (app, _, _) = builder.open_at(&dir.path().join("data"), secrets.clone()).await;
    let rows = app::notifications(&app, Product::DokuSnapOvo, 5).await;
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].body.contains(secret) && rows[0].body.contains("redacted:hmac:"), "{rows:?}");
    assert!(rows[0].body.contains(r#""originalExternalId":"77""#), "{rows:?}");
    let stored_headers: String =
        sqlx::query_scalar("SELECT headers FROM notification_inbox WHERE id = $1")
            .bind(rows[0].id)
            .fetch_one(&mut *app.ledger().read().await.unwrap())
            .await
            .unwrap();
    assert!(!stored_headers.contains("raw-signature-8b2e"), "{stored_headers}");
    assert!(stored_headers.contains("2026-01-01"), "{stored_headers}");
    let unverified = app::notifications(&app, Product::TazapayOvoIdr, 5).await;
    assert_eq!(unverified.len(), 1);
    assert!(!unverified[0].body.contains("482913"), "{unverified:?}");
    assert!(unverified[0].dedup_key.starts_with("unverified:"), "{unverified:?}");
    assert_ne!(unverified[0].dedup_key, old_key, "keyed now");
    for needle in [secret, "raw-signature-8b2e", "482913", &old_key] {
        let holders = app::ledger_holds(&app, needle).await;
        assert!(holders.is_empty(), "{needle} is still in {holders:?}");
    }
}
