//! Refunds end to end: a real ledger file, real provider payments in the in-process sandbox
//! (paid through the provider clients directly, then recorded with `ovo_ledger::payments`),
//! the request → four-eyes decision → submission → resolution path, faults, a race, the
//! policy overrides, and a real process killed between the reservation and the provider's reply.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ovo_app::ipc::*;
use ovo_app::{Backoffice, ErrorCode};
use ovo_domain::{
    Clock, Environment, ManualClock, Msisdn, PaymentId, PaymentStatus, Product, RefundId,
    SystemClock,
};
use ovo_ledger::{bindings, payments, refunds as ledger_refunds, LedgerError};
use ovo_providers::model::{
    LinkedAccount, PaySource, PaymentOutcome, PaymentRequest, PaymentState, StatusRequest,
};
use ovo_providers::products::ovo_snap::{OvoSnapClient, OvoSnapOptions};
use ovo_providers::products::tazapay::{TazapayClient, TazapayOptions};
use ovo_providers::{Credentials, PaymentKind, Provider};
use ovo_secrets::{MemoryStore, SecretStore, Sensitive};
use ovo_test_support::app::refund::{decide, kinds, page, request};
use ovo_test_support::app::{
    self, code, operator_id, rp, RecordedPayment, TestApp, TestAppBuilder, WithSim,
};
use ovo_test_support::phones::{BUDI, PAYER};
use ovo_test_support::secrets::FileStore;
use ovo_test_support::sim::{self, Sim};
use serde_json::{json, Value};

const BUDI_TOKEN: &str = "demo-ovosnap-b2b2c-6281234567890";
const SNAP_REFUND: &str = "/OVOSNAP/v2.0/debit/refund";
/// The built-in sandbox's time scale: Tazapay's refund settles after 60 s × scale.
const SCALE: &str = "0.001";

/// The app, signed in as `sam`, and its built-in sandbox.
type Fixture = WithSim;

/// The admin, `sam` (staff), `sue` (support) and the finance operators `fina` and `finn`.
fn builder(scale: &str) -> TestAppBuilder {
    TestApp::builder().scale(scale).operators(&[
        ("sam", "staff"),
        ("sue", "support"),
        ("fina", "finance"),
        ("finn", "finance"),
    ])
}

/// Opens the Backoffice on `data_dir` with the simulator at `sandbox_url` (operators set up on
/// a new ledger).
async fn open(
    data_dir: &Path,
    secrets: Arc<dyn SecretStore>,
    sandbox_url: &str,
) -> (Backoffice, ManualClock) {
    let (app, clock, _) = builder(SCALE).sandbox_url(sandbox_url).open_at(data_dir, secrets).await;
    (app, clock)
}

async fn fixture() -> Fixture {
    fixture_at_scale(SCALE).await
}

/// A fixture whose built-in sandbox (and so the refund resolver's pace) runs at `scale`.
async fn fixture_at_scale(scale: &str) -> Fixture {
    builder(scale).signed_in("sam").open_with_sim().await
}

async fn sign_in_as(app: &Backoffice, username: &str) {
    app::sign_in_as(app, username).await;
}

/// Requests the sandbox received at one endpoint of a product.
async fn received(sim: &Sim, product: &str, endpoint: Option<&str>) -> Vec<Value> {
    let all = sim.received(product).await;
    all.into_iter().filter(|r| endpoint.is_none_or(|e| r["endpoint"] == e)).collect()
}

async fn wallet(sim: &Sim, phone: &str) -> (i64, i64) {
    let account = sim.get(&format!("/_sandbox/accounts/{phone}")).await;
    (account["cash"].as_i64().unwrap(), account["points"].as_i64().unwrap())
}

/// The demo merchant's credentials, read from the demo merchants file as the app does.
fn demo_credentials(product: Product) -> Credentials {
    let merchants: Vec<toml::Table> =
        ovo_sandbox::Merchants::demo().section(product.key()).unwrap();
    let merchant = merchants.first().unwrap();
    let pairs = product.credential_fields().iter().filter_map(|&field| {
        let key = match (product, field) {
            (Product::DokuSnapOvo, "provider_public_key") => "doku_public_key",
            _ => field,
        };
        merchant.get(key).and_then(toml::Value::as_str).map(|v| (field, v.to_owned()))
    });
    Credentials::from_pairs(product, pairs.collect::<Vec<_>>())
}

fn budi_account() -> LinkedAccount {
    LinkedAccount {
        phone: Msisdn::parse(BUDI).unwrap(),
        provider_ref: Some("LNKDEMO6281234567890".into()),
        token: Some(Sensitive::new(BUDI_TOKEN.to_owned())),
        refresh_token: None,
        token_expires_at: None,
    }
}

/// A payment of `amount` as `phone` from the refund tests, under a new reference.
fn payment_request(
    kind: PaymentKind,
    amount: i64,
    phone: &str,
    account: Option<LinkedAccount>,
) -> PaymentRequest {
    let reference = app::reference();
    PaymentRequest {
        idempotency_key: format!("PY{}", reference.as_str()),
        reference,
        kind,
        amount: rp(amount),
        phone: Msisdn::parse(phone).unwrap().into(),
        account,
        source: PaySource::Cash,
        description: "refund test".into(),
        return_url: None,
        customer_name: None,
        customer_email: None,
    }
}

/// Asks `client` for the payment's status until the answer is final (the sandbox settles on
/// its own task), and asserts that it succeeded; answers the provider's reference.
async fn until_succeeded(
    client: &impl Provider,
    request: &PaymentRequest,
    started: &PaymentOutcome,
) -> Option<String> {
    let status = StatusRequest {
        reference: request.reference.clone(),
        provider_ref: started.provider_ref.clone(),
        kind: request.kind,
        amount: request.amount,
        account: request.account.clone(),
        created_at: SystemClock.now(),
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let done = loop {
        let done = client.status(&status).await.unwrap();
        if done.state.is_final() || std::time::Instant::now() > deadline {
            break done;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done.state, PaymentState::Succeeded, "{done:?}");
    done.provider_ref.or_else(|| started.provider_ref.clone())
}

/// A real OVO SNAP direct debit by Budi (PIN step approved through the control API), recorded
/// as a succeeded payment on his seeded OVO SNAP binding. Answers the payment id.
async fn pay_ovo_snap(app: &Backoffice, sim: &Sim, amount: i64) -> i64 {
    let client = OvoSnapClient::new(
        &sim.url,
        &demo_credentials(Product::OvoSnap),
        OvoSnapOptions::default(),
    )
    .unwrap();
    let request = payment_request(PaymentKind::DirectDebit, amount, BUDI, Some(budi_account()));
    let started = client.pay(&request).await.unwrap();
    assert!(matches!(started.state, PaymentState::RedirectRequired { .. }), "{started:?}");
    let pending = sim.pending().await;
    let action = pending
        .iter()
        .find(|a| a["product"] == "ovo_snap" && a["phone"] == BUDI && a["amount"] == amount)
        .unwrap_or_else(|| panic!("no pending payment: {pending:?}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sim.decide(&action, json!({ "decision": "approve", "source": "cash" })).await;
    let provider_ref = until_succeeded(&client, &request, &started).await;
    let phone = Msisdn::parse(BUDI).unwrap();
    let mut conn = app.ledger().read().await.unwrap();
    let binding = bindings::live_for_account(
        &mut conn,
        Environment::BuiltInSandbox,
        Product::OvoSnap,
        &phone,
    )
    .await
    .unwrap()
    .unwrap();
    drop(conn);
    RecordedPayment {
        reference: Some(request.reference),
        customer_id: Some(binding.customer_id),
        binding_id: Some(binding.id),
        phone: Some(phone),
        in_cash: true,
        provider_ref,
        ..RecordedPayment::succeeded(Product::OvoSnap, "direct_debit", amount)
    }
    .insert(app)
    .await
}

/// A real Tazapay payin confirmed with the magic payer's phone (approved at once), recorded
/// as succeeded once the payin's status says so.
async fn pay_tazapay(app: &Backoffice, sim: &Sim, amount: i64) -> i64 {
    let client = TazapayClient::new(
        &sim.url,
        &demo_credentials(Product::TazapayOvoIdr),
        TazapayOptions::default(),
    )
    .unwrap();
    let request = PaymentRequest {
        return_url: Some("https://shop.example/return".into()),
        customer_name: Some("Fajar Nugroho".into()),
        customer_email: Some("fajar@example.co.id".into()),
        ..payment_request(PaymentKind::Payin, amount, PAYER, None)
    };
    let started = client.pay(&request).await.unwrap();
    let provider_ref = until_succeeded(&client, &request, &started).await;
    RecordedPayment {
        reference: Some(request.reference.clone()),
        phone: Some(Msisdn::parse(PAYER).unwrap()),
        provider_ref,
        ..RecordedPayment::succeeded(Product::TazapayOvoIdr, "payin", amount)
    }
    .insert(app)
    .await
}

/// A succeeded payment recorded without any provider call (offline products, races).
async fn insert_payment(
    app: &Backoffice,
    product: Product,
    kind: &'static str,
    amount: i64,
) -> i64 {
    RecordedPayment::succeeded(product, kind, amount).insert(app).await
}

async fn preview(app: &Backoffice, payment_id: i64, amount: &str) -> RefundPreview {
    app.preview_refund(RefundPreviewInput { payment_id, amount: amount.into() }).await.unwrap()
}

/// Requests a refund of `amount` of the payment, arms the fault on the product's refund
/// endpoint (`count` times) and has fina approve it: the refund's outcome is unknown. Answers
/// the refund as requested and as approved.
async fn approved_into_unknown(
    f: &Fixture,
    payment: i64,
    amount: &str,
    (product, endpoint, fault, count): (&str, &str, Value, u32),
) -> (RefundView, RefundView) {
    let refund = request(&f.app, payment, amount).await.unwrap();
    f.sim.arm(product, endpoint, fault, count).await;
    sign_in_as(&f.app, "fina").await;
    let lost = decide(&f.app, refund.id, true, "", "fina-password").await.unwrap();
    assert_eq!(lost.status, "unknown", "{lost:?}");
    (refund, lost)
}

/// The ids of the payment's refunds in the queue of `status` (beside the demo ledger's own).
async fn queued(app: &Backoffice, status: &str, payment_reference: &str) -> Vec<i64> {
    let queue = app::refund_queue(app, status).await;
    queue.iter().filter(|r| r.payment_reference == payment_reference).map(|r| r.id).collect()
}

async fn audit_actions(app: &Backoffice) -> Vec<(String, String, String)> {
    let page = app.list_audit(ovo_test_support::app::audit_query(200)).await.unwrap();
    page.items.into_iter().map(|e| (e.action, e.subject, e.outcome)).collect()
}

// -------------------------------------------------------------------------------------------

#[tokio::test]
async fn support_requests_a_partial_ovo_snap_refund_and_finance_approves_it_once() {
    let f = fixture().await;
    let payment = pay_ovo_snap(&f.app, &f.sim, 100_000).await;
    let (cash_before, points_before) = wallet(&f.sim, BUDI).await;

    sign_in_as(&f.app, "sue").await;
    let p = preview(&f.app, payment, "40.000").await;
    assert!(p.allowed, "{p:?}");
    assert_eq!(
        (p.paid, p.refundable, p.requested, p.mode.as_str(), p.partial_allowed),
        (100_000, 100_000, 40_000, "api", true)
    );
    assert!(p.deadline.is_some());
    assert!(
        p.rule.en.starts_with("OVO SNAP: partial refund allowed until ")
            && p.rule.en.ends_with("(D+60)"),
        "{}",
        p.rule.en
    );
    assert!(
        p.rule.id.starts_with("OVO SNAP: pengembalian sebagian diizinkan hingga "),
        "{}",
        p.rule.id
    );
    assert_eq!((p.refusal.is_none(), p.reason), (true, None));

    let refund = request(&f.app, payment, "Rp\u{a0}40.000").await.unwrap();
    assert_eq!(
        (refund.status.as_str(), refund.mode.as_str(), refund.amount, refund.requested_by.as_str()),
        ("requested", "api", 40_000, "sue")
    );
    // The queue holds it once, beside the demo ledger's own requests.
    assert_eq!(queued(&f.app, "requested", &refund.payment_reference).await, [refund.id]);

    // Finance re-enters a wrong password: refused, audited, nothing changes.
    sign_in_as(&f.app, "fina").await;
    assert_eq!(
        code(decide(&f.app, refund.id, true, "", "not-my-password").await),
        (ErrorCode::WrongPassword, Some("wrong_password"))
    );
    let unchanged = page(&f.app, refund.id).await;
    assert_eq!(
        (
            unchanged.status.as_str(),
            unchanged.decided_by.clone(),
            unchanged.idempotency_key.clone()
        ),
        ("requested", None, None)
    );
    assert!(received(&f.sim, "ovo_snap", Some(SNAP_REFUND)).await.is_empty());

    let done = decide(&f.app, refund.id, true, "", "fina-password").await.unwrap();
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(done.decided_by.as_deref(), Some("fina"));
    assert_eq!(done.idempotency_key, Some(format!("RF{}", refund.reference)));
    assert!(
        done.provider_ref.is_some() && done.submitted_at.is_some() && done.completed_at.is_some(),
        "{done:?}"
    );
    assert_eq!(
        kinds(&done),
        ["refund_requested", "refund_approved", "refund_submitting", "refund_succeeded"]
    );

    let sent = received(&f.sim, "ovo_snap", Some(SNAP_REFUND)).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let body: Value = serde_json::from_str(sent[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["partnerRefundNo"], refund.reference.as_str());
    assert_eq!(body["refundAmount"]["value"], "40000.00");
    assert_eq!(wallet(&f.sim, BUDI).await, (cash_before + 40_000, points_before));

    // 60,000 is left; the preview of "everything" says so.
    let rest = preview(&f.app, payment, "").await;
    assert_eq!((rest.refundable, rest.requested, rest.allowed), (60_000, 60_000, true));
    assert_eq!(
        code(request(&f.app, payment, "1").await).0,
        ErrorCode::Forbidden,
        "finance cannot request"
    );

    let audit = audit_actions(&f.app).await;
    let subject = format!("refund:{}", refund.reference);
    for (action, outcome) in
        [("refund.decide", "denied"), ("refund.approve", "ok"), ("refund.submit", "ok")]
    {
        assert!(
            audit.iter().any(|(a, s, o)| a == action && *s == subject && o == outcome),
            "{action} {outcome}: {audit:?}"
        );
    }
    assert!(audit.iter().any(|(a, _, o)| a == "refund.request" && o == "ok"));
    assert!(f.app.verify_audit().await.unwrap().intact);
}

#[tokio::test]
async fn four_eyes_the_requester_never_decides_and_the_schema_refuses_it_too() {
    let f = fixture().await;
    let payment = insert_payment(&f.app, Product::OvoSnap, "direct_debit", 50_000).await;
    let refund = request(&f.app, payment, "10.000").await.unwrap();

    // Finance may not request at all.
    sign_in_as(&f.app, "fina").await;
    assert_eq!(code(request(&f.app, payment, "10.000").await).0, ErrorCode::Forbidden);
    // Staff may not decide.
    sign_in_as(&f.app, "sam").await;
    assert_eq!(
        code(decide(&f.app, refund.id, true, "", "sam-password").await).0,
        ErrorCode::Forbidden
    );

    // sam becomes finance: still never his own request.
    sign_in_as(&f.app, "admin").await;
    let sam =
        f.app.list_operators().await.unwrap().into_iter().find(|o| o.username == "sam").unwrap();
    f.app
        .change_operator_role(ChangeRoleInput { operator_id: sam.id, role: "finance".into() })
        .await
        .unwrap();
    sign_in_as(&f.app, "sam").await;
    assert_eq!(
        code(decide(&f.app, refund.id, true, "", "sam-password").await),
        (ErrorCode::Forbidden, Some("refund_own_request"))
    );
    assert_eq!(
        code(decide(&f.app, refund.id, false, "no", "sam-password").await),
        (ErrorCode::Forbidden, Some("refund_own_request"))
    );
    assert_eq!(page(&f.app, refund.id).await.status, "requested");

    // The repository guard and, below it, the schema's CHECK.
    let id = RefundId::new(refund.id);
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    let row = ledger_refunds::get(&mut tx, id).await.unwrap().unwrap();
    let err = ledger_refunds::approve(&mut tx, id, row.requested_by, None, f.app.now())
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::SelfDecision { .. }), "{err:?}");
    let raw = sqlx::query(
        "UPDATE refunds SET decided_by = requested_by, status = 'approved' WHERE id = $1",
    )
    .bind(refund.id)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    // SQLite: "CHECK constraint failed"; PostgreSQL: "violates check constraint".
    assert!(raw.to_string().to_lowercase().contains("check constraint"), "{raw}");
    drop(tx);

    // Another finance operator decides it.
    sign_in_as(&f.app, "finn").await;
    let approved =
        decide(&f.app, refund.id, false, "duplicate request", "finn-password").await.unwrap();
    assert_eq!(
        (approved.status.as_str(), approved.decided_by.as_deref()),
        ("rejected", Some("finn"))
    );
}

#[tokio::test]
async fn tazapay_refunds_the_whole_payment_only() {
    let f = fixture().await;
    let payment = pay_tazapay(&f.app, &f.sim, 250_000).await;

    let partial = preview(&f.app, payment, "100.000").await;
    assert!(!partial.allowed);
    assert_eq!(partial.reason.as_deref(), Some("refund_partial_not_allowed"));
    assert_eq!(
        (partial.rule.en.as_str(), partial.rule.id.as_str()),
        ("Tazapay OVO: full refund only", "Tazapay OVO: hanya pengembalian penuh")
    );
    let refusal = partial.refusal.clone().unwrap();
    assert!(
        refusal.en.contains("Full refund only") && refusal.en.contains("250,000"),
        "{refusal:?}"
    );
    assert!(
        refusal.id.contains("Hanya pengembalian penuh") && refusal.id.contains("250.000"),
        "{refusal:?}"
    );
    assert_eq!((partial.partial_allowed, partial.deadline.clone()), (false, None));
    let refused = request(&f.app, payment, "100.000").await.unwrap_err();
    assert_eq!(
        (refused.code, refused.reason),
        (ErrorCode::Conflict, Some("refund_partial_not_allowed"))
    );
    assert!(refused.message.contains("Tazapay OVO: full refund only"), "{}", refused.message);

    let full = preview(&f.app, payment, "").await;
    assert!(full.allowed && full.requested == 250_000, "{full:?}");
    let refund = request(&f.app, payment, "250.000").await.unwrap();
    sign_in_as(&f.app, "fina").await;
    let sent = decide(&f.app, refund.id, true, "ok", "fina-password").await.unwrap();
    assert!(["processing", "succeeded"].contains(&sent.status.as_str()), "{sent:?}");
    assert!(sent.provider_ref.as_deref().is_some_and(|r| r.starts_with("rfd_")), "{sent:?}");
    // The sandbox settles after 60 s × 0.001; a status query follows it.
    let mut status = sent.status.clone();
    for _ in 0..50 {
        if status == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The next status query is due a back-off later.
        f.clock.advance_seconds(60);
        f.app.resolve_refunds().await.unwrap();
        status = page(&f.app, refund.id).await.status;
    }
    assert_eq!(status, "succeeded");
    let creates = received(&f.sim, "tazapay_ovo_idr", Some("/v3/refund")).await;
    assert_eq!(creates.len(), 1, "{creates:?}");
    // Nothing is left to refund.
    let after = preview(&f.app, payment, "").await;
    assert_eq!((after.allowed, after.refundable), (false, 0));
}

#[tokio::test]
async fn jokul_and_faspay_refunds_await_the_merchants_transfer_without_a_provider_call() {
    let f = fixture().await;
    for (product, kind, key) in [
        (Product::DokuJokulOvoPush, "push", "doku_jokul_ovo_push"),
        (Product::FaspayOvoTokenize, "tokenized", "faspay_ovo_tokenize"),
    ] {
        sign_in_as(&f.app, "sam").await;
        let before = received(&f.sim, key, None).await.len();
        let payment = RecordedPayment {
            provider_ref: Some("PROV-1".into()),
            ..RecordedPayment::succeeded(product, kind, 80_000)
        }
        .insert(&f.app)
        .await;
        let p = preview(&f.app, payment, "30.000").await;
        assert!(p.allowed && p.mode == "offline", "{p:?}");
        assert!(p.rule.en.contains("no refund API — refunds are settled offline"), "{}", p.rule.en);
        let refund = request(&f.app, payment, "30.000").await.unwrap();
        assert_eq!(refund.mode, "offline");
        sign_in_as(&f.app, "fina").await;
        let done =
            decide(&f.app, refund.id, true, "to be paid back by bank transfer", "fina-password")
                .await
                .unwrap();
        // Approval alone never says the money went back: nothing was sent, no reference invented.
        assert_eq!(done.status, "awaiting_transfer", "{done:?}");
        assert_eq!(done.provider_ref, None);
        assert_eq!(
            (done.idempotency_key.clone(), done.submitted_at.clone(), done.completed_at.clone()),
            (None, None, None)
        );
        assert_eq!(
            kinds(&done),
            ["refund_requested", "refund_approved", "refund_awaiting_transfer"]
        );
        assert_eq!(received(&f.sim, key, None).await.len(), before, "{key}: no provider call");
        let awaiting = queued(&f.app, "awaiting_transfer", &refund.payment_reference).await;
        assert!(awaiting.contains(&refund.id), "{awaiting:?}");
    }
}

#[tokio::test]
async fn a_rejection_needs_a_note_and_releases_the_reservation() {
    let f = fixture().await;
    let payment = insert_payment(&f.app, Product::DokuSnapOvo, "recurring", 70_000).await;
    let refund = request(&f.app, payment, "70.000").await.unwrap();
    assert_eq!(
        code(request(&f.app, payment, "1").await),
        (ErrorCode::Conflict, Some("refund_exceeds_refundable"))
    );
    sign_in_as(&f.app, "fina").await;
    assert_eq!(
        code(decide(&f.app, refund.id, false, "  ", "fina-password").await),
        (ErrorCode::InvalidInput, Some("refund_note_missing"))
    );
    assert_eq!(page(&f.app, refund.id).await.status, "requested");
    let rejected =
        decide(&f.app, refund.id, false, "the goods were never returned", "fina-password")
            .await
            .unwrap();
    assert_eq!(
        (rejected.status.as_str(), rejected.decision_note.as_deref()),
        ("rejected", Some("the goods were never returned"))
    );
    // Decided once: a second decision is a conflict.
    assert_eq!(
        code(decide(&f.app, refund.id, true, "", "fina-password").await),
        (ErrorCode::Conflict, Some("refund_state_changed"))
    );
    sign_in_as(&f.app, "sam").await;
    assert_eq!(preview(&f.app, payment, "").await.refundable, 70_000);
    let again = request(&f.app, payment, "70.000").await.unwrap();
    assert_eq!(again.status, "requested");
}

#[tokio::test]
async fn a_lost_refund_answer_is_unknown_until_a_status_query_finds_it_succeeded() {
    let f = fixture().await;
    settle_open_demo_refunds(&f.app).await;
    let payment = pay_ovo_snap(&f.app, &f.sim, 120_000).await;
    let (cash_before, _) = wallet(&f.sim, BUDI).await;
    let fault = ("ovo_snap", SNAP_REFUND, json!({ "kind": "lose_response" }), 1);
    let (refund, lost) = approved_into_unknown(&f, payment, "20.000", fault).await;
    assert_eq!(lost.status, "unknown", "{lost:?}");
    assert_eq!(queued(&f.app, "unknown", &refund.payment_reference).await, [refund.id]);
    // The reservation holds while the outcome is unknown.
    assert_eq!(preview(&f.app, payment, "").await.refundable, 100_000);

    // Nothing is asked before the first check is due.
    assert_eq!(f.app.resolve_refunds().await.unwrap(), 0);
    assert_eq!(page(&f.app, refund.id).await.status, "unknown");
    f.clock.advance_seconds(60);
    assert_eq!(f.app.resolve_refunds().await.unwrap(), 1);
    let resolved = page(&f.app, refund.id).await;
    assert_eq!(resolved.status, "succeeded", "{resolved:?}");
    assert_eq!(resolved.idempotency_key, lost.idempotency_key, "the key never changes");
    assert_eq!(
        kinds(&resolved),
        [
            "refund_requested",
            "refund_approved",
            "refund_submitting",
            "refund_unknown",
            "refund_succeeded"
        ]
    );
    assert_eq!(received(&f.sim, "ovo_snap", Some(SNAP_REFUND)).await.len(), 1, "never resubmitted");
    assert_eq!(wallet(&f.sim, BUDI).await.0, cash_before + 20_000, "credited once");
    // Nothing open is left.
    assert_eq!(f.app.resolve_refunds().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_never_reserve_more_than_was_paid() {
    let f = fixture().await;
    let paid = 100_000;
    let amount = 30_000;
    let payment = insert_payment(&f.app, Product::OvoSnap, "direct_debit", paid).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let app = f.app.clone();
        tasks.spawn(async move { request(&app, payment, "30.000").await });
    }
    let mut passed = 0;
    let mut refused = 0;
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(view) => {
                assert_eq!(view.status, "requested");
                passed += 1;
            }
            Err(e) => {
                assert_eq!(
                    (e.code, e.reason),
                    (ErrorCode::Conflict, Some("refund_exceeds_refundable")),
                    "{e:?}"
                );
                refused += 1;
            }
        }
    }
    assert_eq!((passed, refused), (paid / amount, 20 - paid / amount));
    let mut conn = f.app.ledger().read().await.unwrap();
    let reserved =
        ledger_refunds::reserved_for_payment(&mut conn, PaymentId::new(payment)).await.unwrap();
    assert_eq!(reserved.rupiah(), (paid / amount) * amount);
    assert!(reserved.rupiah() <= paid);
}

#[tokio::test]
async fn admins_override_the_refund_policy_and_the_override_decides_requests() {
    let f = fixture().await;
    let listed = f.app.list_refund_policies().await.unwrap();
    assert_eq!(listed.len(), 5);
    assert!(listed.iter().all(|p| !p.overridden));
    let snap = listed.iter().find(|p| p.product == Product::OvoSnap).unwrap();
    assert_eq!(
        (snap.mode.as_str(), snap.partial_allowed, snap.window_days, snap.daily_limit),
        ("api", true, Some(60), None)
    );
    assert_eq!(snap.rule.en, "OVO SNAP: partial refund allowed within 60 days of payment (D+60)");
    let input = |product: &str, partial: bool, window: &str, limit: &str| SetRefundPolicyInput {
        product: product.into(),
        partial_allowed: partial,
        window_days: window.into(),
        daily_limit: limit.into(),
    };
    // Only an admin changes it; the refusal is audited.
    assert_eq!(
        code(f.app.set_refund_policy(input("ovo_snap", false, "", "")).await).0,
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(f.app.reset_refund_policy(ProductRef { product: "ovo_snap".into() }).await).0,
        ErrorCode::Forbidden
    );

    sign_in_as(&f.app, "admin").await;
    for (bad, reason) in [
        (input("ovo_snap", true, "-1", ""), "refund_policy_window_negative"),
        (input("ovo_snap", true, "3651", ""), "refund_policy_window_too_long"),
        (input("ovo_snap", true, "sixty", ""), "refund_policy_window_malformed"),
        (input("ovo_snap", true, "", "0"), "refund_policy_daily_limit_zero"),
        (input("ovo_snap", true, "", "12,5"), "refund_policy_daily_limit_invalid"),
        (input("gopay", true, "", ""), "product_unknown"),
    ] {
        assert_eq!(
            code(f.app.set_refund_policy(bad).await),
            (ErrorCode::InvalidInput, Some(reason))
        );
    }
    let set =
        f.app.set_refund_policy(input("ovo_snap", false, "D+30", "Rp\u{a0}50.000")).await.unwrap();
    assert_eq!(
        (set.overridden, set.partial_allowed, set.window_days, set.daily_limit),
        (true, false, Some(30), Some(50_000))
    );
    assert_eq!(
        set.rule.en,
        "OVO SNAP: full refund only, within 30 days of payment (D+30); daily limit IDR\u{a0}50,000"
    );
    assert_eq!(set.rule.id, "OVO SNAP: hanya pengembalian penuh, dalam 30 hari setelah pembayaran (D+30); batas harian Rp\u{a0}50.000");
    // The mode stays the provider's: an offline product cannot become an API one.
    let jokul =
        f.app.set_refund_policy(input("doku_jokul_ovo_push", false, "14", "")).await.unwrap();
    assert_eq!((jokul.mode.as_str(), jokul.overridden), ("offline", true));
    let listed = f.app.list_refund_policies().await.unwrap();
    assert_eq!(listed.iter().filter(|p| p.overridden).count(), 2);
    let audit = audit_actions(&f.app).await;
    assert!(
        audit.iter().any(|(a, s, o)| a == "refund_policy.set"
            && s == "refund_policy:ovo_snap"
            && o == "ok"),
        "{audit:?}"
    );

    // The override decides what a request may do.
    sign_in_as(&f.app, "sam").await;
    let small = insert_payment(&f.app, Product::OvoSnap, "direct_debit", 40_000).await;
    let big = insert_payment(&f.app, Product::OvoSnap, "direct_debit", 60_000).await;
    assert_eq!(
        code(request(&f.app, small, "10.000").await),
        (ErrorCode::Conflict, Some("refund_partial_not_allowed"))
    );
    assert_eq!(
        code(request(&f.app, big, "60.000").await),
        (ErrorCode::Conflict, Some("refund_daily_limit_exceeded"))
    );
    let p = preview(&f.app, small, "").await;
    assert!(p.allowed && p.rule.en.contains("full refund only"), "{p:?}");
    request(&f.app, small, "40.000").await.unwrap();
    // 40,000 of the day's 50,000 is used.
    assert_eq!(
        preview(&f.app, big, "60.000").await.reason.as_deref(),
        Some("refund_daily_limit_exceeded")
    );

    sign_in_as(&f.app, "admin").await;
    let reset = f.app.reset_refund_policy(ProductRef { product: "ovo_snap".into() }).await.unwrap();
    assert_eq!(
        (reset.overridden, reset.partial_allowed, reset.window_days, reset.daily_limit),
        (false, true, Some(60), None)
    );
    assert!(audit_actions(&f.app).await.iter().any(|(a, _, _)| a == "refund_policy.reset"));
    sign_in_as(&f.app, "sam").await;
    let partial = request(&f.app, big, "10.000").await.unwrap();
    assert_eq!(partial.status, "requested");
}

// -------------------------------------------------------------------------------------------
// A real crash: a child process (this test binary, re-executed) is killed between the
// reservation and the provider's reply; the sandbox outlives it.

const CHILD_ENV: &str = "OVO_REFUND_CRASH_CHILD";
const CHILD_TEST: &str = "crash_child";
const MARKER: &str = "REFUND-SUBMITTING";

/// The child's side: only runs when re-executed by `a_refund_survives_a_crash_…`.
#[tokio::test]
async fn crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let spec: Value = serde_json::from_str(&spec).unwrap();
    let dir = PathBuf::from(spec["dir"].as_str().unwrap());
    let url = spec["sandbox"].as_str().unwrap().to_owned();
    let secrets = Arc::new(FileStore::new(&dir.join("secrets.json")));
    let (app, _clock) = open(&dir.join("data"), secrets, &url).await;
    let app = Arc::new(app);
    let sim = Sim::at(&url);
    sign_in_as(&app, "sam").await;
    let payment = pay_ovo_snap(&app, &sim, 90_000).await;
    let refund = request(&app, payment, "25.000").await.unwrap();
    println!("REFUND-REQUESTED {} {}", refund.id, refund.reference);
    sign_in_as(&app, "fina").await;
    // Tell the parent the moment the idempotency key is stored and the call is on its way.
    let watcher = {
        let app = app.clone();
        tokio::spawn(async move {
            loop {
                let mut conn = app.ledger().read().await.unwrap();
                let row = ledger_refunds::get(&mut conn, RefundId::new(refund.id))
                    .await
                    .unwrap()
                    .unwrap();
                drop(conn);
                if row.status == ovo_domain::RefundStatus::Submitting {
                    println!("{MARKER} {}", refund.id);
                    use std::io::Write;
                    std::io::stdout().flush().unwrap();
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let decided = decide(&app, refund.id, true, "", "fina-password").await;
    watcher.abort();
    panic!("the child should have been killed before the provider answered: {decided:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_survives_a_crash_between_reservation_and_the_providers_reply() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Real time: a scaled B2B token (900 s × scale) would expire while the request is held.
    let sandbox_config = ovo_sandbox::SandboxConfig {
        time_scale: ovo_sandbox::TimeScale::REAL,
        ..ovo_sandbox::SandboxConfig::default()
    };
    let sandbox = ovo_sandbox::start(sandbox_config, sim::loopback()).await.unwrap();
    let url = sandbox.url();
    let sim = Sim::of(&sandbox);
    let delay_ms = 3_000;
    sim.arm("ovo_snap", SNAP_REFUND, json!({ "kind": "delay", "ms": delay_ms }), 1).await;
    let (cash_before, _) = wallet(&sim, BUDI).await;

    let spec = json!({ "dir": dir.path(), "sandbox": url });
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, spec.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let refund_id: i64 = loop {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the child never reached submitting");
        if let Some(id) = line.strip_prefix(MARKER) {
            break id.trim().parse().unwrap();
        }
    };
    // The key is stored; wait until the request reaches the sandbox, which holds it for
    // `delay_ms`, then SIGKILL the child before any answer.
    for _ in 0..200 {
        if !received(&sim, "ovo_snap", Some(SNAP_REFUND)).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let sent = received(&sim, "ovo_snap", Some(SNAP_REFUND)).await;
    assert_eq!(sent.len(), 1, "the refund reached the sandbox before the kill: {sent:?}");
    assert!(sent[0]["status"].is_null(), "not answered before the kill: {sent:?}");

    // Let the sandbox finish processing the orphaned request.
    tokio::time::sleep(Duration::from_millis(delay_ms + 500)).await;

    let secrets = Arc::new(FileStore::new(&dir.path().join("secrets.json")));
    let (app, clock) = open(&dir.path().join("data"), secrets, &url).await;
    sign_in_as(&app, "fina").await;
    let found = page(&app, refund_id).await;
    assert_eq!(found.status, "submitting", "{found:?}");
    assert!(found.idempotency_key.is_some());
    // Its first check was stored with the key, before the call: due a minute after it.
    clock.advance_seconds(60);
    assert_eq!(app.resolve_refunds().await.unwrap(), 1);
    let resolved = page(&app, refund_id).await;
    assert_eq!(resolved.status, "succeeded", "{resolved:?}");
    assert_eq!(resolved.idempotency_key, found.idempotency_key);
    assert_eq!(
        received(&sim, "ovo_snap", Some(SNAP_REFUND)).await.len(),
        1,
        "exactly one refund request"
    );
    assert_eq!(
        wallet(&sim, BUDI).await.0,
        cash_before - 90_000 + 25_000,
        "debited once, credited once"
    );
    drop(sandbox);
}

#[tokio::test]
async fn the_demo_ledger_has_ninety_days_of_payments_on_every_product() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let clock = ManualClock::new(SystemClock.now());
    let app = Backoffice::open(
        app::config(&dir.path().join("data"), Some(SCALE), None),
        Arc::new(MemoryStore::new()),
        Arc::new(clock),
    )
    .await
    .unwrap();
    let opened = started.elapsed();
    eprintln!("opening a new ledger with the demo seed took {opened:?}");
    assert!(opened < Duration::from_secs(3), "{opened:?}");
    let mut conn = app.ledger().read().await.unwrap();
    let rows =
        payments::page(&mut conn, &payments::PaymentFilter::default(), None, 200).await.unwrap();
    let now = app.now().unix_millis();
    let day = 86_400_000;
    for product in Product::ALL {
        assert!(
            rows.iter().any(|r| r.product == product && r.status == PaymentStatus::Succeeded),
            "{product:?}"
        );
    }
    assert!(
        rows.iter().any(|r| now - r.created_at.unix_millis() > 60 * day),
        "some older than 60 days"
    );
    assert!(
        rows.iter().all(|r| now - r.created_at.unix_millis() <= 91 * day),
        "within about 90 days"
    );
    for status in [PaymentStatus::Failed, PaymentStatus::Expired, PaymentStatus::Pending] {
        assert!(rows.iter().any(|r| r.status == status), "{status:?}");
    }
    let succeeded = rows.iter().filter(|r| r.status == PaymentStatus::Succeeded).count();
    assert!(succeeded * 2 > rows.len(), "mostly succeeded: {succeeded} of {}", rows.len());
}

/// Lets the resolver settle the demo ledger's open refunds (the sandbox answers each), so that a
/// test counts only its own.
async fn settle_open_demo_refunds(app: &Backoffice) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        app.resolve_refunds().await.unwrap();
        let mut open = 0;
        for status in ["submitting", "processing", "unknown"] {
            open += app::refund_queue(app, status).await.len();
        }
        if open == 0 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{open} demo refunds stayed open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// -------------------------------------------------------------------------------------------
// The refund resolver: never "failed" on a guess, approved refunds never stall, a per-row
// back-off with one audit row per state change.

async fn ledger_row(app: &Backoffice, id: i64) -> ledger_refunds::RefundRow {
    let mut conn = app.ledger().read().await.unwrap();
    ledger_refunds::get(&mut conn, RefundId::new(id)).await.unwrap().unwrap()
}

/// The audit rows written about one refund, oldest first: (action, outcome, detail).
async fn audit_of(app: &Backoffice, reference: &str) -> Vec<(String, String, Value)> {
    let mut conn = app.ledger().read().await.unwrap();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, outcome, detail FROM audit_log WHERE subject = $1 ORDER BY seq",
    )
    .bind(format!("refund:{reference}"))
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(a, o, d)| (a, o, serde_json::from_str(&d).unwrap_or(Value::Null)))
        .collect()
}

fn actions(rows: &[(String, String, Value)]) -> Vec<&str> {
    rows.iter().map(|(a, _, _)| a.as_str()).collect()
}

#[tokio::test]
async fn an_approved_refund_the_process_never_sent_is_submitted_once_by_the_resolver() {
    let f = fixture().await;
    settle_open_demo_refunds(&f.app).await;
    let payment = pay_ovo_snap(&f.app, &f.sim, 80_000).await;
    let (cash_before, _) = wallet(&f.sim, BUDI).await;
    let api = request(&f.app, payment, "30.000").await.unwrap();
    let offline_payment = RecordedPayment {
        provider_ref: Some("PROV-9".into()),
        ..RecordedPayment::succeeded(Product::DokuJokulOvoPush, "push", 40_000)
    }
    .insert(&f.app)
    .await;
    let offline = request(&f.app, offline_payment, "40.000").await.unwrap();
    // The process stopped right after the approvals committed: nothing went on from there.
    let fina = operator_id(&f.app, "fina").await;
    let mut tx = f.app.ledger().begin_write().await.unwrap();
    ledger_refunds::approve(&mut tx, RefundId::new(api.id), fina, None, f.app.now()).await.unwrap();
    ledger_refunds::approve(&mut tx, RefundId::new(offline.id), fina, None, f.app.now())
        .await
        .unwrap();
    ovo_ledger::commit(tx).await.unwrap();

    // A fresh approval belongs to its own decision for a moment; then the resolver takes it.
    f.app.resolve_refunds().await.unwrap();
    assert_eq!(page(&f.app, api.id).await.status, "approved");
    f.clock.advance_seconds(60);
    f.app.resolve_refunds().await.unwrap();
    let sent = page(&f.app, api.id).await;
    assert_eq!(sent.status, "succeeded", "{sent:?}");
    assert_eq!(sent.idempotency_key, Some(format!("RF{}", api.reference)));
    assert_eq!(page(&f.app, offline.id).await.status, "awaiting_transfer");
    for _ in 0..3 {
        f.clock.advance_seconds(3_600);
        f.app.resolve_refunds().await.unwrap();
    }
    let posts = received(&f.sim, "ovo_snap", Some(SNAP_REFUND)).await;
    let ours: Vec<&Value> = posts
        .iter()
        .filter(|r| r["body"].as_str().unwrap_or_default().contains(api.reference.as_str()))
        .collect();
    assert_eq!(ours.len(), 1, "sent once: {ours:?}");
    assert_eq!(wallet(&f.sim, BUDI).await.0, cash_before + 30_000, "credited once");
    assert_eq!(actions(&audit_of(&f.app, &api.reference).await), ["refund.submit"]);
    assert_eq!(actions(&audit_of(&f.app, &offline.reference).await), ["refund.await_transfer"]);
}

#[tokio::test]
async fn a_refund_the_provider_never_received_is_resent_under_its_ids_then_goes_to_review_reservation_held(
) {
    let f = fixture().await;
    settle_open_demo_refunds(&f.app).await;
    let payment = pay_ovo_snap(&f.app, &f.sim, 90_000).await;
    let (cash_before, _) = wallet(&f.sim, BUDI).await;
    // The provider never gets it: the first send and every resend are dropped on the way.
    let fault = ("ovo_snap", SNAP_REFUND, json!({ "kind": "drop_connection" }), 4);
    let (refund, lost) = approved_into_unknown(&f, payment, "50.000", fault).await;
    assert_eq!(lost.status, "unknown", "{lost:?}");

    // Every few seconds of the (scaled) day: "not found" is never "failed".
    let mut statuses = Vec::new();
    for _ in 0..60 {
        f.clock.advance_seconds(5);
        f.app.resolve_refunds().await.unwrap();
        let now = page(&f.app, refund.id).await.status;
        if statuses.last() != Some(&now) {
            statuses.push(now.clone());
        }
        // The reservation holds throughout.
        assert_eq!(preview(&f.app, payment, "").await.refundable, 40_000, "{now}");
        if now == "needs_review" {
            break;
        }
    }
    assert_eq!(statuses, ["unknown", "needs_review"]);
    let row = ledger_row(&f.app, refund.id).await;
    assert_eq!(row.resends, 3, "max_resends of SNAP");
    assert!(row.problem.as_deref().is_some_and(|p| p.contains("not_found")), "{:?}", row.problem);
    assert_eq!(row.next_check_at, None, "finance decides now");
    let posts = received(&f.sim, "ovo_snap", Some(SNAP_REFUND)).await;
    let ours: Vec<&Value> = posts
        .iter()
        .filter(|r| r["body"].as_str().unwrap_or_default().contains(refund.reference.as_str()))
        .collect();
    assert_eq!(ours.len(), 4, "the first send and three resends");
    // The same request every time: same body, same X-EXTERNAL-ID (the same WIB day).
    let external = |r: &Value| sim::header(r, "x-external-id");
    assert!(
        ours.iter().all(|r| r["body"] == ours[0]["body"]
            && external(r) == external(ours[0])
            && external(r).is_some()),
        "{ours:?}"
    );
    assert_eq!(wallet(&f.sim, BUDI).await.0, cash_before, "nothing moved");
    let audit = audit_of(&f.app, &refund.reference).await;
    assert_eq!(
        actions(&audit),
        [
            "refund.approve",
            "refund.submit",
            "refund.resend",
            "refund.resend",
            "refund.resend",
            "refund.needs_review"
        ]
    );
    assert_eq!(audit.last().unwrap().2["tries"]["resends"], 3);
    // The resolver leaves it alone from now on.
    let before = received(&f.sim, "ovo_snap", None).await.len();
    f.clock.advance_seconds(86_400);
    f.app.resolve_refunds().await.unwrap();
    assert_eq!(received(&f.sim, "ovo_snap", None).await.len(), before);
}

#[tokio::test]
async fn a_tazapay_refund_whose_first_answer_was_lost_is_found_by_resending_under_the_same_key() {
    let f = fixture().await;
    settle_open_demo_refunds(&f.app).await;
    let payment = pay_tazapay(&f.app, &f.sim, 150_000).await;
    // Processed, answer lost: no rfd_ id reaches the ledger.
    let fault = ("tazapay_ovo_idr", "/v3/refund", json!({ "kind": "lose_response" }), 1);
    let (refund, lost) = approved_into_unknown(&f, payment, "150.000", fault).await;
    assert_eq!((lost.status.as_str(), lost.provider_ref.clone()), ("unknown", None), "{lost:?}");

    // A restart: everything needed is in the ledger.
    let app = f.app.clone();
    let mut status = lost.status.clone();
    for _ in 0..40 {
        f.clock.advance_seconds(10);
        app.resolve_refunds().await.unwrap();
        status = page(&app, refund.id).await.status;
        if status == "succeeded" {
            break;
        }
        assert_ne!(status, "failed");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(status, "succeeded");
    let done = page(&app, refund.id).await;
    assert!(done.provider_ref.as_deref().is_some_and(|r| r.starts_with("rfd_")), "{done:?}");
    let posts = received(&f.sim, "tazapay_ovo_idr", Some("/v3/refund")).await;
    assert_eq!(posts.len(), 2, "the first send and one resend: {posts:?}");
    let key = |r: &Value| sim::header(r, "idempotency-key");
    assert_eq!(key(&posts[0]), key(&posts[1]));
    assert_eq!(key(&posts[0]), Some(json!(done.idempotency_key.clone().unwrap())));
    // Tazapay holds one refund for it (the resend was answered from the stored first answer).
    let mut at_provider = f.sim.tazapay_refunds().await;
    at_provider.retain(|r| r["reference_id"] == refund.reference.as_str());
    assert_eq!(at_provider.len(), 1, "{at_provider:?}");
    assert_eq!(ledger_row(&app, refund.id).await.resends, 1);
}

#[tokio::test]
async fn a_refund_the_provider_cannot_answer_for_a_day_costs_a_bounded_number_of_queries_and_audit_rows(
) {
    // Real time: the resolver's pace is the product's, not the sandbox's scaled one.
    let f = fixture_at_scale("1").await;
    let payment = pay_ovo_snap(&f.app, &f.sim, 70_000).await;
    let refund = request(&f.app, payment, "20.000").await.unwrap();
    f.sim.arm("ovo_snap", SNAP_REFUND, json!({ "kind": "lose_response" }), 1).await;
    sign_in_as(&f.app, "fina").await;
    assert_eq!(
        decide(&f.app, refund.id, true, "", "fina-password").await.unwrap().status,
        "unknown"
    );
    // From now on every status query of OVO SNAP is refused.
    const STATUS: &str = "/OVOSNAP/v2.0/debit/status";
    f.sim.arm("ovo_snap", STATUS, json!({ "kind": "http_status", "status": 404 }), 100_000).await;
    let payment_reference = page(&f.app, refund.id).await.payment_reference;
    // The status queries about our payment (the demo ledger's open refunds are asked about too).
    let ours = |all: Vec<Value>| {
        all.iter()
            .filter(|r| r["body"].as_str().unwrap_or_default().contains(payment_reference.as_str()))
            .count()
    };
    let queries_before = ours(received(&f.sim, "ovo_snap", Some(STATUS)).await);
    let submitted = ledger_row(&f.app, refund.id).await.submitted_at.unwrap();

    // The resolver runs every 10 s for 26 hours (9,360 runs).
    let mut reviewed_at = None;
    for _ in 0..(26 * 360) {
        f.clock.advance_seconds(10);
        f.app.resolve_refunds().await.unwrap();
        if reviewed_at.is_none()
            && ledger_row(&f.app, refund.id).await.status == ovo_domain::RefundStatus::NeedsReview
        {
            reviewed_at = Some(f.app.now());
        }
    }
    let queries = ours(received(&f.sim, "ovo_snap", Some(STATUS)).await) - queries_before;
    let row = ledger_row(&f.app, refund.id).await;
    eprintln!("one stuck refund over 26 h: {queries} status queries, {} checks", row.checks);
    assert!(
        queries <= 40 && queries as u32 == row.checks,
        "{queries} queries, {} checks",
        row.checks
    );
    assert!(row.checks >= 20, "still asked through the day: {}", row.checks);
    let reviewed_at = reviewed_at.expect("needs_review at the give-up time");
    let after = reviewed_at.unix_millis() - submitted.unix_millis();
    assert!(
        (86_400_000..=86_400_000 + 60_000).contains(&after),
        "given up {after} ms after submission"
    );
    assert!(
        row.problem.as_deref().is_some_and(|p| p.contains("OVO SNAP declined")),
        "the last problem is kept: {:?}",
        row.problem
    );
    // One audit row per state change, none for a query that changed nothing.
    let audit = audit_of(&f.app, &refund.reference).await;
    assert_eq!(actions(&audit), ["refund.approve", "refund.submit", "refund.needs_review"]);
    assert_eq!(audit[2].2["tries"]["checks"], row.checks);
}

/// The sandbox's count of one refund reference: (processed, replays).
async fn writes_of(sim: &Sim, product: &str, reference: &str) -> (u64, u64) {
    let all = sim.get(&format!("/_sandbox/writes?product={product}")).await;
    all.as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "refund" && w["reference"] == reference)
        .map_or((0, 0), |w| (w["processed"].as_u64().unwrap(), w["replays"].as_u64().unwrap()))
}

/// The reproduction: the provider takes the refund, the client gives up (unknown), the
/// resolver runs while the provider still says "not found" (nothing changes, the reservation
/// holds, nothing is sent again), the provider processes it, the resolver finds it succeeded.
async fn a_late_refund(
    f: &Fixture,
    product: &str,
    endpoint: &str,
    payment: i64,
    amount: i64,
) -> RefundView {
    sign_in_as(&f.app, "sam").await;
    let refundable = preview(&f.app, payment, "").await.refundable;
    let refund = request(&f.app, payment, &amount.to_string()).await.unwrap();
    // Processed 10 s (real) after the connection closed unanswered.
    f.sim.arm(product, endpoint, json!({ "kind": "late_processing", "after_ms": 10_000 }), 1).await;
    sign_in_as(&f.app, "fina").await;
    let lost = decide(&f.app, refund.id, true, "", "fina-password").await.unwrap();
    assert_eq!(lost.status, "unknown", "{product}: {lost:?}");

    f.clock.advance_seconds(60);
    f.app.resolve_refunds().await.unwrap();
    let asked = ledger_row(&f.app, refund.id).await;
    assert_eq!(
        (asked.status, asked.checks, asked.resends),
        (ovo_domain::RefundStatus::Unknown, 1, 0),
        "{product}: not found is not failed"
    );
    assert!(
        asked.problem.as_deref().is_some_and(|p| p.contains("not_found")),
        "{product}: {:?}",
        asked.problem
    );
    assert_eq!(
        preview(&f.app, payment, "").await.refundable,
        refundable - amount,
        "{product}: the reservation holds"
    );
    assert_eq!(
        writes_of(&f.sim, product, &refund.reference).await,
        (0, 0),
        "{product}: not processed yet"
    );

    // The provider processes it.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while writes_of(&f.sim, product, &refund.reference).await.0 == 0 {
        assert!(std::time::Instant::now() < deadline, "{product}: the sandbox never processed it");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    f.clock.advance_seconds(120);
    f.app.resolve_refunds().await.unwrap();
    let done = page(&f.app, refund.id).await;
    assert_eq!(done.status, "succeeded", "{product}: {done:?}");
    assert_eq!(
        kinds(&done),
        [
            "refund_requested",
            "refund_approved",
            "refund_submitting",
            "refund_unknown",
            "refund_succeeded"
        ]
    );
    assert_eq!(
        writes_of(&f.sim, product, &refund.reference).await,
        (1, 0),
        "{product}: processed once, never resent"
    );
    let audit = audit_of(&f.app, &refund.reference).await;
    assert_eq!(actions(&audit), ["refund.approve", "refund.submit", "refund.status"], "{product}");
    assert_eq!(audit[2].2["tries"]["checks"], 2);
    done
}

#[tokio::test]
async fn an_ovo_snap_refund_processed_late_stays_unknown_until_the_provider_has_it_and_credits_once(
) {
    // Real time: the late request must still carry a valid B2B token when it is processed.
    let f = fixture_at_scale("1").await;
    let payment = pay_ovo_snap(&f.app, &f.sim, 100_000).await;
    let (cash_before, points_before) = wallet(&f.sim, BUDI).await;
    a_late_refund(&f, "ovo_snap", SNAP_REFUND, payment, 40_000).await;
    assert_eq!(
        wallet(&f.sim, BUDI).await,
        (cash_before + 40_000, points_before),
        "credited exactly once"
    );
}

#[tokio::test]
async fn a_doku_snap_refund_processed_late_stays_unknown_until_the_provider_has_it() {
    let f = fixture_at_scale("1").await;
    // A demo DOKU SNAP payment the sandbox knows, still refundable in full.
    let rows = f
        .app
        .payments_page(app::payment_query(Some("doku_snap_ovo"), Some("succeeded"), 200))
        .await
        .unwrap()
        .items;
    let mut chosen = None;
    for row in &rows {
        let p = preview(&f.app, row.id, "").await;
        if p.allowed && p.refundable >= 2 {
            chosen = Some((row.id, p.refundable / 2));
            break;
        }
    }
    let (payment, amount) = chosen
        .unwrap_or_else(|| panic!("a refundable demo DOKU SNAP payment among {}", rows.len()));
    let done =
        a_late_refund(&f, "doku_snap_ovo", "/direct-debit/core/v1/debit/refund", payment, amount)
            .await;
    let state = f.sim.get("/_sandbox/doku_snap_ovo/state").await;
    let held: usize = state["payments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["refunds"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["partnerRefundNo"] == done.reference.as_str())
        .count();
    assert_eq!(held, 1, "DOKU holds the refund once");
}

#[tokio::test]
async fn a_refund_the_provider_refuses_says_why_on_its_page_its_row_and_its_timeline() {
    let f = TestApp::builder()
        .scale(SCALE)
        .operator_shown_as("sam", "Sari Staff", "staff")
        .operator_shown_as("fina", "Fina Keuangan", "finance")
        .signed_in("sam")
        .open_with_sim()
        .await;
    let payment = pay_ovo_snap(&f.app, &f.sim, 40_000).await;
    let refund = request(&f.app, payment, "15.000").await.unwrap();
    let staff_counts = f.app.waiting_counts().await.unwrap();
    assert_eq!(staff_counts.refunds_to_approve, None, "staff approve nothing");

    sign_in_as(&f.app, "fina").await;
    let waiting = f.app.waiting_counts().await.unwrap().refunds_to_approve.unwrap();
    assert!(waiting >= 1, "finance sees the request waiting: {waiting}");
    // OVO refuses refunds to an inactive account; the simulator's wallet is blocked now.
    f.sim.patch(&format!("/_sandbox/accounts/{BUDI}"), json!({ "blocked": true })).await;
    let decided = decide(&f.app, refund.id, true, "", "fina-password").await.unwrap();
    assert_eq!(decided.status, "failed");
    assert_eq!(
        f.app.waiting_counts().await.unwrap().refunds_to_approve,
        Some(waiting - 1),
        "the approved request left the count"
    );

    // The page: the provider's code and message.
    let view = page(&f.app, refund.id).await;
    let problem = view.problem.clone().expect("a failed refund says why");
    assert_eq!(problem.code, "4035807", "OVO SNAP's refund service (58), case 07");
    assert!(problem.message.contains("Card Blocked"), "{}", problem.message);
    // The row in the failed queue carries it too.
    let row = app::refund_queue(&f.app, "failed")
        .await
        .into_iter()
        .find(|r| r.id == refund.id)
        .expect("in the failed queue");
    assert_eq!(row.problem.map(|p| p.code), Some(problem.code.clone()));
    // The timeline: the failure event keeps the provider's words; operators by display name.
    let failed = view.timeline.iter().find(|e| e.kind == "refund_failed").expect("failed event");
    let detail: Value = serde_json::from_str(&failed.detail).unwrap();
    assert_eq!(detail["problem"]["code"], "4035807", "{detail}");
    assert_eq!(failed.actor, None, "the provider decided, not an operator");
    let actor_of =
        |kind: &str| view.timeline.iter().find(|e| e.kind == kind).unwrap().actor.clone();
    assert_eq!(actor_of("refund_requested").as_deref(), Some("Sari Staff"));
    assert_eq!(actor_of("refund_approved").as_deref(), Some("Fina Keuangan"));
    // The audit log names operators by display name beside their user name.
    let audit = f.app.list_audit(ovo_test_support::app::audit_query(50)).await.unwrap();
    let approve = audit.items.iter().find(|e| e.action == "refund.approve").unwrap();
    assert_eq!(
        (approve.operator.as_deref(), approve.operator_name.as_deref()),
        (Some("fina"), Some("Fina Keuangan"))
    );
}
