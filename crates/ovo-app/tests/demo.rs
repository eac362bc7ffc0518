//! The built-in environment's demo: seeded payments and refunds exist in the in-process sandbox
//! too (status queries and refunds work on them), refunds rest in every state and agree with
//! the sandbox, and the demo operators sign in only in the built-in environment. A real ledger
//! file, the real simulator over loopback.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use ovo_app::ipc::*;
use ovo_app::{Backoffice, ErrorCode};
use ovo_domain::{RefundStatus, SystemClock};
use ovo_secrets::MemoryStore;
use ovo_test_support::app;
use ovo_test_support::Sim;
use serde_json::Value;

const DEMO_PASSWORD: &str = "demo-password";

struct Fixture {
    _dir: tempfile::TempDir,
    data: std::path::PathBuf,
    secrets: Arc<MemoryStore>,
    app: Backoffice,
    sim: Sim,
}

/// The app on `data` with the keychain `secrets`, at the real time; Tazapay pays a refund out
/// after 60 s × scale.
async fn open(data: &std::path::Path, secrets: Arc<MemoryStore>) -> (Backoffice, Sim) {
    let config = app::config(data, Some("0.001"), None);
    let app = Backoffice::open(config, secrets, Arc::new(SystemClock)).await.unwrap();
    let sim = Sim::at(&app::sandbox_url(&app).await);
    (app, sim)
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let secrets = Arc::new(MemoryStore::new());
    let (app, sim) = open(&data, secrets.clone()).await;
    Fixture { _dir: dir, data, secrets, app, sim }
}

async fn sign_in(app: &Backoffice, username: &str) -> Result<SessionStatus, ovo_app::AppError> {
    app::sign_in(app, username, DEMO_PASSWORD).await
}

async fn payments(app: &Backoffice, product: &str) -> Vec<PaymentRowView> {
    app.payments_page(app::payment_query(Some(product), None, 200)).await.unwrap().items
}

/// The sandbox's view of a SNAP payment (OVO SNAP or DOKU SNAP) by its partnerReferenceNo.
async fn snap_payment(f: &Fixture, product: &str, reference: &str) -> Option<Value> {
    let state = f.sim.get(&format!("/_sandbox/{product}/state")).await;
    state["payments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partnerReferenceNo"] == reference)
        .cloned()
}

async fn wait_for_status(app: &Backoffice, refund_id: i64, expected: &str) -> RefundView {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        app.resolve_refunds().await.unwrap();
        let view = app.refund_page(RefundRef { refund_id }).await.unwrap();
        if view.status == expected || std::time::Instant::now() > deadline {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn demo_operators_are_listed_in_the_builtin_environment_and_sign_in_only_there() {
    let f = fixture().await;
    let info = f.app.app_info("en".into()).await.unwrap();
    let listed: Vec<(String, String)> =
        info.demo_operators.iter().map(|o| (o.username.clone(), o.role.key().to_owned())).collect();
    assert_eq!(
        listed,
        [
            ("demo.staff", "staff"),
            ("demo.support", "support"),
            ("demo.finance", "finance"),
            ("demo.admin", "admin")
        ]
        .map(|(u, r)| (u.to_owned(), r.to_owned()))
    );
    assert_eq!(info.demo_password.as_deref(), Some(DEMO_PASSWORD));
    // Demo operators do not set the back office up: the first-run screen stays.
    assert_eq!(f.app.session_status().await.unwrap().state, SessionState::Uninitialized);

    for (username, _) in &listed {
        let status = sign_in(&f.app, username).await.unwrap();
        assert_eq!(status.state, SessionState::Active, "{username}");
        assert_eq!(status.operator.unwrap().username, *username);
        assert_eq!(f.app.sign_out().await.unwrap().state, SessionState::Uninitialized);
    }

    // The merchant's first admin still sets the back office up, and switches to Production.
    f.app
        .set_up_first_admin(FirstAdminInput {
            username: "ayu".into(),
            display_name: "Ayu".into(),
            password: "ayu-password-1".into(),
        })
        .await
        .unwrap();
    let operators: Vec<String> =
        f.app.list_operators().await.unwrap().into_iter().map(|o| o.username).collect();
    assert!(
        operators.contains(&"demo.finance".to_owned()),
        "the built-in environment lists its demo operators: {operators:?}"
    );
    let customers =
        f.app.search_customers(SearchInput { query: "Budi".into(), limit: 10 }).await.unwrap();
    assert_eq!(customers.hits.len(), 1, "Budi is found in the built-in environment");
    f.app.set_environment(EnvironmentInput { environment: "production".into() }).await.unwrap();
    let operators: Vec<String> =
        f.app.list_operators().await.unwrap().into_iter().map(|o| o.username).collect();
    assert_eq!(operators, ["ayu"], "Production lists no demo operator");
    let customers =
        f.app.search_customers(SearchInput { query: "Budi".into(), limit: 10 }).await.unwrap();
    assert!(
        customers.hits.is_empty(),
        "Production shows no demo customer: {:?}",
        customers.hits.len()
    );
    for status in ["requested", "succeeded", "settled_offline"] {
        assert!(app::refund_queue(&f.app, status).await.is_empty());
    }
    let info = f.app.app_info("en".into()).await.unwrap();
    assert!(
        info.demo_operators.is_empty() && info.demo_password.is_none(),
        "Production's sign-in lists no demo operator"
    );
    f.app.sign_out().await.unwrap();

    for environment in ["production", "provider_sandbox"] {
        sign_in_admin_and_switch(&f.app, environment).await;
        let refused = sign_in(&f.app, "demo.admin").await.unwrap_err();
        assert_eq!(
            (refused.code, refused.reason),
            (ErrorCode::WrongPassword, Some("demo_operator_builtin_only")),
            "{environment}"
        );
        assert_eq!(f.app.session_status().await.unwrap().state, SessionState::SignedOut);
    }

    // A demo operator signed in when the environment changes is signed out at once.
    sign_in_admin_and_switch(&f.app, "builtin_sandbox").await;
    sign_in(&f.app, "demo.admin").await.unwrap();
    f.app.set_environment(EnvironmentInput { environment: "production".into() }).await.unwrap();
    let status = f.app.session_status().await.unwrap();
    assert_eq!(
        status.state,
        SessionState::SignedOut,
        "the demo admin's session ended outside the built-in environment"
    );
    assert_eq!(f.app.list_operators().await.unwrap_err().code, ErrorCode::Unauthenticated);
}

/// Signs the merchant's admin in, moves to `environment` and signs out.
async fn sign_in_admin_and_switch(app: &Backoffice, environment: &str) {
    app.sign_in(SignInInput { username: "ayu".into(), password: "ayu-password-1".into() })
        .await
        .unwrap();
    app.set_environment(EnvironmentInput { environment: environment.into() }).await.unwrap();
    app.sign_out().await.unwrap();
}

#[tokio::test]
async fn a_seeded_payment_is_known_to_the_sandbox_and_refunded_end_to_end() {
    let f = fixture().await;
    sign_in(&f.app, "demo.staff").await.unwrap();
    let snap = payments(&f.app, "ovo_snap").await;
    assert_eq!(snap.len(), 3, "Budi's three OVO SNAP payments");
    // The newest has no refund yet.
    let payment = snap.iter().max_by_key(|p| p.created_at.clone()).unwrap().clone();
    let known = snap_payment(&f, "ovo_snap", &payment.reference)
        .await
        .expect("the sandbox knows the seeded payment");
    assert_eq!(known["amount"], payment.amount);
    assert_eq!(known["referenceNo"].as_str(), payment.provider_ref.as_deref());
    assert_eq!(known["status"], "00");
    let budi_before = f.sim.get("/_sandbox/accounts/6281234567890").await["cash"].as_i64().unwrap();

    // A status query on a seeded payin still waiting for the customer: the provider knows it.
    let pending = payments(&f.app, "tazapay_ovo_idr")
        .await
        .into_iter()
        .find(|p| p.status == "pending")
        .expect("a waiting demo payin");
    let refreshed = f.app.refresh_payment(PaymentRef { payment_id: pending.id }).await.unwrap();
    assert_eq!(
        refreshed.payment.status, "pending",
        "the provider knows the push: {:?}",
        refreshed.problem
    );
    assert!(refreshed.provider_status.is_some(), "the provider answered");

    // Staff requests a partial refund, finance approves, the provider pays it out.
    let amount = payment.amount / 2;
    let requested = f
        .app
        .request_refund(RequestRefundInput {
            payment_id: payment.id,
            amount: amount.to_string(),
            reason: "Sebagian barang kembali".into(),
        })
        .await
        .unwrap();
    assert_eq!(requested.status, "requested");
    f.app.sign_out().await.unwrap();
    sign_in(&f.app, "demo.finance").await.unwrap();
    let wrong = f
        .app
        .decide_refund(DecideRefundInput {
            refund_id: requested.id,
            approve: true,
            note: String::new(),
            password: "not-the-password".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(wrong.code, ErrorCode::WrongPassword);
    let decided = f
        .app
        .decide_refund(DecideRefundInput {
            refund_id: requested.id,
            approve: true,
            note: String::new(),
            password: DEMO_PASSWORD.into(),
        })
        .await
        .unwrap();
    assert_eq!(decided.status, "succeeded", "{decided:?}");
    assert_eq!(
        (decided.requested_by.as_str(), decided.decided_by.as_deref()),
        ("demo.staff", Some("demo.finance"))
    );
    let known = snap_payment(&f, "ovo_snap", &payment.reference).await.unwrap();
    let at_provider: Vec<&Value> = known["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["partnerRefundNo"] == decided.reference.as_str())
        .collect();
    assert_eq!(at_provider.len(), 1, "the provider holds the refund: {known}");
    assert_eq!(at_provider[0]["amount"], amount);
    let budi_after = f.sim.get("/_sandbox/accounts/6281234567890").await["cash"].as_i64().unwrap();
    assert_eq!(budi_after - budi_before, amount, "the money went back to Budi's OVO Cash");
}

#[tokio::test]
async fn demo_refunds_rest_in_every_state_and_agree_with_the_sandbox() {
    let f = fixture().await;
    sign_in(&f.app, "demo.finance").await.unwrap();
    let mut all = Vec::new();
    // Every state a refund rests in (an approved one moves on at once).
    for status in RefundStatus::ALL.into_iter().filter(|s| *s != RefundStatus::Approved) {
        let status = status.key();
        let rows = app::refund_queue(&f.app, status).await;
        assert!(!rows.is_empty(), "a demo refund is {status}");
        all.extend(rows);
    }
    for refund in &all {
        if let Some(decider) = &refund.decided_by {
            assert_ne!(*decider, refund.requested_by, "four eyes on {}", refund.reference);
        }
    }
    // Reservations: what a payment's refunds hold never passes its amount.
    for refund in &all {
        let payment =
            f.app.payment_page(PaymentRef { payment_id: refund.payment_id }).await.unwrap();
        let held: i64 = payment
            .refunds
            .iter()
            .filter(|r| !["rejected", "failed"].contains(&r.status.as_str()))
            .map(|r| r.amount)
            .sum();
        assert!(
            held <= payment.payment.amount,
            "{} holds {held} of {}",
            payment.payment.reference,
            payment.payment.amount
        );
    }

    // Every succeeded SNAP refund exists at the provider; a failed one does not.
    for refund in all.iter().filter(|r| matches!(r.product.key(), "ovo_snap" | "doku_snap_ovo")) {
        let payment = snap_payment(&f, refund.product.key(), &refund.payment_reference)
            .await
            .expect("the sandbox knows the payment");
        let held = payment["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["partnerRefundNo"] == refund.reference.as_str());
        match refund.status.as_str() {
            "succeeded" | "unknown" | "submitting" => {
                assert!(held, "{} {} is at the provider", refund.status, refund.reference)
            }
            _ => {
                assert!(!held, "{} {} never reached the provider", refund.status, refund.reference)
            }
        }
    }
    // Tazapay: the succeeded refund is there, the processing one is being paid out.
    let provider_refunds = f.sim.tazapay_refunds().await;
    for refund in all.iter().filter(|r| {
        r.product.key() == "tazapay_ovo_idr"
            && ["succeeded", "processing"].contains(&r.status.as_str())
    }) {
        let at = provider_refunds
            .iter()
            .find(|r| r["reference_id"] == refund.reference.as_str())
            .unwrap_or_else(|| panic!("{} at Tazapay", refund.reference));
        assert_eq!(at["id"].as_str(), refund.provider_ref.as_deref());
        assert_eq!(at["amount"], refund.amount * 100, "minor units");
    }

    // The resolver settles the open ones by the provider's answer.
    for (status, expected) in
        [("unknown", "succeeded"), ("submitting", "succeeded"), ("processing", "succeeded")]
    {
        for refund in all.iter().filter(|r| r.status == status) {
            let now = wait_for_status(&f.app, refund.id, expected).await;
            assert_eq!(
                now.status, expected,
                "{status} {} resolved by the provider's answer",
                refund.reference
            );
        }
    }
    // A requested demo refund can be approved by the demo finance operator and goes through.
    let waiting = app::refund_queue(&f.app, "requested")
        .await
        .into_iter()
        .find(|r| r.mode == "api")
        .expect("an API refund awaits approval");
    let decided = f
        .app
        .decide_refund(DecideRefundInput {
            refund_id: waiting.id,
            approve: true,
            note: String::new(),
            password: DEMO_PASSWORD.into(),
        })
        .await
        .unwrap();
    let settled = wait_for_status(&f.app, decided.id, "succeeded").await;
    assert_eq!(settled.status, "succeeded", "{settled:?}");
}

#[tokio::test]
async fn every_start_teaches_the_sandbox_the_ledger_again() {
    let f = fixture().await;
    sign_in(&f.app, "demo.finance").await.unwrap();
    let succeeded = app::refund_queue(&f.app, "succeeded").await;
    let snap = succeeded.iter().find(|r| r.product.key() == "ovo_snap").unwrap().clone();
    let data = f.data.clone();
    drop(f.app);
    // A second start on the same ledger: a new in-memory sandbox, which learns it all again.
    let (app, sim) = open(&data, f.secrets.clone()).await;
    let g = Fixture { _dir: f._dir, data: f.data, secrets: f.secrets, app, sim };
    let payment =
        snap_payment(&g, "ovo_snap", &snap.payment_reference).await.expect("known after a restart");
    assert!(payment["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["partnerRefundNo"] == snap.reference.as_str()));
}
