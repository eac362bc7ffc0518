//! The notification listener under a flood of forged requests, over loopback HTTP against a
//! real ledger file and the in-process sandbox: no state changes, the disk and the provider
//! queries it costs stay bounded, and no secret a forged body carries reaches the ledger.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use ovo_app::ipc::*;
use ovo_app::Backoffice;
use ovo_domain::Product;
use ovo_test_support::app::{self, TestApp};
use ovo_test_support::phones::PAYER;
use ovo_test_support::Sim;
use serde_json::json;

const REQUESTS: usize = 10_000;
const IN_FLIGHT: usize = 64;
/// Carried by every forged body under a credential-looking name.
const SMUGGLED: &str = "smuggled-secret-5e1f0a";

struct Fixture {
    _dir: tempfile::TempDir,
    app: Arc<Backoffice>,
    clock: ovo_domain::ManualClock,
    listener: String,
    sim: Sim,
}

async fn fixture() -> Fixture {
    let (base, listener) = TestApp::listening_for(Product::TazapayOvoIdr).await;
    let sim = base.sim().await;
    let TestApp { dir, app, clock, .. } = base;
    Fixture { _dir: dir, app, clock, listener, sim }
}

/// A Tazapay payin the payer has not answered: pending here and at the provider.
async fn pending_payin(f: &Fixture) -> PaymentDetailView {
    f.sim.patch(&format!("/_sandbox/accounts/{PAYER}"), json!({ "behaviour": "manual" })).await;
    let found =
        f.app.search_customers(SearchInput { query: PAYER.into(), limit: 5 }).await.unwrap();
    let view = f
        .app
        .start_payment(StartPaymentInput {
            customer_id: Some(found.hits[0].customer.id),
            product: "tazapay_ovo_idr".into(),
            kind: "payin".into(),
            amount: "31.000".into(),
            phone: String::new(),
            account_id: None,
            source: String::new(),
            description: "flood test".into(),
        })
        .await
        .unwrap();
    assert_eq!(view.payment.status, "pending", "{view:#?}");
    view
}

/// Status reads of payins the sandbox received.
async fn status_queries(f: &Fixture) -> usize {
    f.sim.received_at("tazapay_ovo_idr", "GET", "/v3/payin/{id}").await.len()
}

/// Every payment's, refund's and linked account's status, and the inbox's row count.
async fn state(f: &Fixture) -> (BTreeMap<String, String>, i64) {
    let mut conn = f.app.ledger().read().await.unwrap();
    let mut out = BTreeMap::new();
    for table in ["payments", "refunds", "bindings"] {
        let rows: Vec<(i64, String)> =
            sqlx::query_as(&format!("SELECT id, status FROM {table} ORDER BY id"))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        for (id, status) in rows {
            out.insert(format!("{table}:{id}"), status);
        }
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM notification_inbox")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    (out, rows)
}

/// Waits until the sandbox has received `count` status queries (or 10 s), then a little longer
/// for any that would follow.
async fn until_queries(f: &Fixture, count: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while status_queries(f).await < count && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

/// How many audit entries each listener action has.
async fn audited(f: &Fixture) -> BTreeMap<String, i64> {
    let mut conn = f.app.ledger().read().await.unwrap();
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT action, count(*) FROM audit_log WHERE action IN ('listener.rate_limited', 'notification.unverified') GROUP BY action",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    rows.into_iter().collect()
}

/// A forged `payin.succeeded` event, each one different: even ones name `payment`, odd ones a
/// reference nobody issued. Signed with a made-up signature.
fn forged(i: usize, payment: &PaymentDetailView) -> String {
    let (payin, reference) = if i.is_multiple_of(2) {
        (payment.payment.provider_ref.clone().unwrap(), payment.payment.reference.clone())
    } else {
        (format!("pay_forged{i:06}"), format!("FORGED{i:010}"))
    };
    json!({
        "type": "payin.succeeded",
        "id": format!("evt_forged_{i}"),
        "object": "event",
        "created_at": "2026-01-01T00:00:00Z",
        "data": { "id": payin, "amount": 3_100_000, "invoice_currency": "IDR", "status": "succeeded", "reference_id": reference, "customer_token": SMUGGLED },
    })
    .to_string()
}

/// Sends the bodies at once (`IN_FLIGHT` at a time); answers the count per HTTP status.
async fn burst(listener: &str, bodies: Vec<String>) -> BTreeMap<u16, usize> {
    let http = reqwest::Client::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for body in bodies {
        let (http, gate, url) = (http.clone(), gate.clone(), listener.to_owned());
        tasks.spawn(async move {
            let _slot = gate.acquire_owned().await.unwrap();
            let response = http
                .post(&url)
                .header("Content-Type", "application/json")
                .header("signature", "forged-signature")
                .body(body)
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        });
    }
    let mut statuses = BTreeMap::new();
    while let Some(status) = tasks.join_next().await {
        *statuses.entry(status.unwrap()).or_default() += 1;
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_forged_requests_changes_nothing_and_costs_bounded_disk_and_queries() {
    let f = fixture().await;
    let payment = pending_payin(&f).await;
    let (state_before, rows_before) = state(&f).await;
    let queries_before = status_queries(&f).await;
    let bytes_before = ovo_test_support::app::ledger_bytes(&f.app).await;

    let bodies = (0..REQUESTS).map(|i| forged(i, &payment)).collect();
    let statuses = burst(&f.listener, bodies).await;
    // The status query a forged notification starts runs in a task of its own.
    until_queries(&f, queries_before + 1).await;

    let (state_after, rows_after) = state(&f).await;
    let stored = rows_after - rows_before;
    let queries = status_queries(&f).await - queries_before;
    let bytes = ovo_test_support::app::ledger_bytes(&f.app).await.saturating_sub(bytes_before);
    println!(
        "flood: {REQUESTS} requests, {stored} stored, {queries} status queries, {bytes} bytes; answers {statuses:?}"
    );
    assert_eq!(statuses.values().sum::<usize>(), REQUESTS);
    assert_eq!(state_after, state_before, "no payment, refund or account changed");
    assert!(stored <= 1, "at most one summary for the one payment named: {stored} stored");
    assert!(queries <= 1, "one status query per payment per window: {queries}");
    assert!(bytes < 256 * 1024, "the ledger grew by {bytes} bytes");
    let refused = statuses.get(&429).copied().unwrap_or(0);
    assert!(refused >= REQUESTS - 1_000, "the rest were refused for their rate: {statuses:?}");
    assert!(
        ovo_test_support::app::ledger_holds(&f.app, SMUGGLED).await.is_empty(),
        "a forged body's secret reached the ledger"
    );
    let audited = audited(&f).await;
    assert_eq!(audited.get("listener.rate_limited"), Some(&1), "audited once: {audited:?}");
    assert_eq!(audited.get("notification.unverified"), Some(&1), "audited once: {audited:?}");

    // After the window, a forged notification naming the payment starts one more query.
    f.clock.advance_millis(61_000);
    let statuses =
        burst(&f.listener, (0..20).map(|i| forged(REQUESTS + 2 * i, &payment)).collect()).await;
    until_queries(&f, queries_before + queries + 1).await;
    let later = status_queries(&f).await - queries_before - queries;
    println!("after the window: 20 requests naming the payment, {later} status queries; answers {statuses:?}");
    assert_eq!(later, 1, "one query for the new window");
    // What the query found is the provider's word, never the forged "succeeded".
    let after = app::payment_page(&f.app, payment.payment.id).await;
    assert_ne!(after.payment.status, "succeeded", "{after:#?}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_and_a_fitting_one_is_read() {
    let f = fixture().await;
    let http = reqwest::Client::new();
    let send = |len: usize| {
        let http = http.clone();
        let url = f.listener.clone();
        async move {
            let body = format!(r#"{{"pad":"{}"}}"#, "x".repeat(len));
            let response = http
                .post(&url)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap_or_default())
        }
    };
    let (status, problem) = send(65 * 1024).await;
    assert_eq!(status, 413, "{problem}");
    assert!(problem.contains("at most 65536 bytes"), "{problem}");
    let (fitting, _) = send(60 * 1024).await;
    assert!(fitting != 413 && fitting != 429, "read and rejected as unsigned: {fitting}");
    assert_eq!(state(&f).await.1, 0, "an unsigned body naming no payment is not stored");
}
