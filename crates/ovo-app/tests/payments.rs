//! Taking and following payments against a real ledger file and the in-process sandbox
//! (time scale 0.02: the 70 s push hold is 1.4 s), with a manual clock for the app's back-off.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use ovo_app::ipc::*;
use ovo_app::ErrorCode;
use ovo_domain::{Clock, Product};
use ovo_test_support::app::{self, TestApp};
use ovo_test_support::phones::{BUDI, DECLINER, EMPTY, PAYER, SILENT, SITI, SOPHIA};
use serde_json::{json, Value};

type Fixture = TestApp;

async fn fixture() -> Fixture {
    TestApp::builder()
        .scale("0.02")
        .operators(&[("sam", "staff"), ("suri", "support")])
        .signed_in("sam")
        .open()
        .await
}

async fn get_json(f: &Fixture, path: &str) -> Value {
    f.sim().await.get(path).await
}

async fn post_json(f: &Fixture, path: &str, body: Value) -> (u16, Value) {
    f.sim().await.post_any(path, body).await
}

async fn customer_id(f: &Fixture, phone: &str) -> i64 {
    app::customer_id(&f.app, phone).await
}

fn input(customer_id: Option<i64>, product: &str, kind: &str, amount: &str) -> StartPaymentInput {
    app::payment_input(customer_id, product, kind, amount, "test")
}

async fn start(f: &Fixture, input: StartPaymentInput) -> PaymentDetailView {
    f.app.start_payment(input).await.unwrap()
}

/// Starts a payment for the customer with `phone`.
async fn start_for(
    f: &Fixture,
    phone: &str,
    product: &str,
    kind: &str,
    amount: &str,
) -> PaymentDetailView {
    start(f, input(Some(customer_id(f, phone).await), product, kind, amount)).await
}

async fn detail(f: &Fixture, id: i64) -> PaymentDetailView {
    app::payment_page(&f.app, id).await
}

/// Moves the app's clock on and runs the poller until the payment reaches `status`.
async fn until_status(f: &Fixture, id: i64, status: &str) -> PaymentDetailView {
    let done = |p: &PaymentDetailView| p.payment.status == status;
    let poll = || app::advance_and_poll(f, 20);
    app::until_payment(&f.app, id, Duration::from_millis(150), done, poll).await
}

/// The sandbox's waiting customer step of a payment for this phone and product.
async fn pending_payment(f: &Fixture, product: &str, phone: &str) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let pending = get_json(f, "/_sandbox/pending").await;
        let found = pending
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["product"] == product && a["phone"] == phone && a["kind"] != "binding");
        if let Some(action) = found {
            return Some(action["id"].as_str().unwrap().to_owned());
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn decide(f: &Fixture, action: &str, decision: &str, source: &str) -> (u16, Value) {
    post_json(
        f,
        &format!("/_sandbox/pending/{action}/decide"),
        json!({ "decision": decision, "source": source }),
    )
    .await
}

async fn received(f: &Fixture, product: &str, path_part: &str) -> usize {
    let all = get_json(f, &format!("/_sandbox/received?product={product}")).await;
    all.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"].as_str().unwrap_or_default().contains(path_part))
        .count()
}

fn assert_split(view: &PaymentDetailView) {
    let (cash, points) = (view.cash_amount.unwrap(), view.points_amount.unwrap());
    assert_eq!(cash + points, view.payment.amount, "{view:#?}");
}

#[tokio::test]
async fn options_follow_the_capability_table() {
    let f = fixture().await;
    let options = f.app.payment_options().await.unwrap();
    let doku = options.iter().find(|o| o.product == Product::DokuSnapOvo).unwrap();
    assert_eq!(doku.kinds, ["sale_redirect", "recurring"]);
    assert_eq!(doku.kinds_on_linked_account, ["sale_redirect", "recurring"]);
    let jokul = options.iter().find(|o| o.product == Product::DokuJokulOvoPush).unwrap();
    assert_eq!(jokul.kinds, ["push"]);
    assert!(jokul.kinds_on_linked_account.is_empty());
    let ovo = options.iter().find(|o| o.product == Product::OvoSnap).unwrap();
    assert_eq!(ovo.sources, ["cash", "points"]);
}

#[tokio::test]
async fn support_cannot_take_payments_and_input_is_checked() {
    let f = fixture().await;
    let budi = customer_id(&f, BUDI).await;
    let refusal =
        |kind, amount| f.app.start_payment(input(Some(budi), "doku_jokul_ovo_push", kind, amount));
    let bad = refusal("push", "10.5").await.unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidInput);
    assert!(bad.reason.unwrap().starts_with("money_"), "{bad:?}");
    let wrong_kind = refusal("recurring", "10.000").await.unwrap_err();
    assert_eq!(wrong_kind.reason, Some("payment_kind_unsupported"));
    // Budi has no DOKU SNAP linked account.
    let unlinked = f.app.start_payment(input(Some(budi), "doku_snap_ovo", "recurring", "10.000"));
    assert_eq!(unlinked.await.unwrap_err().reason, Some("payment_needs_linked_account"));

    f.sign_in_as("suri").await;
    assert_eq!(refusal("push", "10.000").await.unwrap_err().code, ErrorCode::Forbidden);
    // Support still sees payments.
    f.app.payments_page(query(10)).await.unwrap();
}

#[tokio::test]
async fn push_answers_at_once_while_the_provider_holds_and_the_customer_pays_with_points() {
    let f = fixture().await;
    let view = start_for(&f, BUDI, "doku_jokul_ovo_push", "push", "Rp 25.000").await;
    // Answered while the provider still holds the push: had it waited, the demo merchant's
    // customer (who pays by themselves after 20 s, scaled) would have made it succeeded.
    assert_eq!(view.payment.status, "pending");
    assert_eq!(view.payment.amount, 25_000);
    let deadline =
        ovo_domain::Timestamp::parse_rfc3339(view.push_deadline.as_deref().unwrap()).unwrap();
    // 70 s at the provider, times the sandbox's time scale (0.02).
    assert_eq!(deadline.unix_millis() - f.clock.now().unix_millis(), 1_400);
    assert_eq!(view.timeline[0].kind, "payment_created");

    if let Some(action) = pending_payment(&f, "doku_jokul_ovo_push", BUDI).await {
        // The customer may already have paid by themselves (the demo auto-pay, scaled).
        let _ = decide(&f, &action, "approve", "points").await;
    }
    let paid = until_status(&f, view.payment.id, "succeeded").await;
    assert_split(&paid);
    assert!(paid.payment.provider_ref.is_some());
    assert!(paid.payment.succeeded_at.is_some());
    assert!(paid.refunds.is_empty());
    assert_eq!(paid.refundable, 25_000);
    assert_eq!(paid.timeline.last().unwrap().kind, "payment_succeeded");
    assert_eq!(received(&f, "doku_jokul_ovo_push", "/ovo-emoney/v1/payment").await, 1);
}

#[tokio::test]
async fn a_silent_customer_keeps_the_push_pending_then_it_ends() {
    let f = fixture().await;
    let mut req = input(None, "doku_jokul_ovo_push", "push", "15.000");
    req.phone = "0811-0000-0006".into();
    let view = start(&f, req).await;
    assert_eq!(view.payment.status, "pending");
    assert!(view.push_deadline.is_some());
    // The provider holds the push, and the payment stays pending meanwhile.
    assert!(
        pending_payment(&f, "doku_jokul_ovo_push", SILENT).await.is_some(),
        "the sandbox holds no push for the silent phone"
    );
    assert_eq!(detail(&f, view.payment.id).await.payment.status, "pending");
    // The hold runs out (1.4 s scaled); the status query then settles it.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = detail(&f, view.payment.id).await;
        if now.payment.status != "pending" {
            assert!(["failed", "expired"].contains(&now.payment.status.as_str()), "{now:#?}");
            break;
        }
        assert!(Instant::now() < deadline, "{now:#?}");
        f.clock.advance_seconds(30);
        f.app.poll_payments().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn declined_pushes_fail_with_the_providers_code() {
    let f = fixture().await;
    for (phone, code) in [(EMPTY, "26"), (DECLINER, "17")] {
        let customer = customer_id(&f, phone).await;
        let view = start(&f, input(Some(customer), "doku_jokul_ovo_push", "push", "50.000")).await;
        let failed = until_status(&f, view.payment.id, "failed").await;
        let problem = failed.problem.unwrap();
        assert_eq!(problem.kind, ProviderProblemKind::Declined);
        assert_eq!(problem.provider_code.as_deref(), Some(code), "{phone}");
        assert_eq!(failed.refundable, 0);
        // The list row says why too (its short form is the provider's code).
        let rows = f.app.payments_page(query(200)).await.unwrap().items;
        let row = rows.into_iter().find(|r| r.id == view.payment.id).unwrap();
        assert_eq!(row.problem.and_then(|p| p.provider_code).as_deref(), Some(code));
    }
    // A payment that succeeded shows no problem, in its row or on its page.
    let paid = start_for(&f, PAYER, "doku_jokul_ovo_push", "push", "11.000").await;
    let paid = until_status(&f, paid.payment.id, "succeeded").await;
    assert!(paid.problem.is_none() && paid.payment.problem.is_none());
}

#[tokio::test]
async fn doku_sale_opens_the_page_and_follows_the_status_after_approval() {
    let f = fixture().await;
    let view = start_for(&f, SITI, "doku_snap_ovo", "sale_redirect", "30.000").await;
    assert_eq!(view.payment.status, "pending");
    let url = view.redirect_url.clone().unwrap();
    assert!(f.opener.opened().contains(&url));
    let action = pending_payment(&f, "doku_snap_ovo", SITI).await.unwrap();
    let (status, body) = decide(&f, &action, "approve", "cash").await;
    assert_eq!(status, 200, "{body}");
    let paid = until_status(&f, view.payment.id, "succeeded").await;
    assert!(paid.redirect_url.is_none());
}

#[tokio::test]
async fn doku_recurring_completes_without_the_customer() {
    let f = fixture().await;
    let view = start_for(&f, SITI, "doku_snap_ovo", "recurring", "12.500").await;
    assert!(view.redirect_url.is_none());
    assert!(f.opener.opened().is_empty());
    let paid = until_status(&f, view.payment.id, "succeeded").await;
    assert_eq!(paid.payment.kind, "recurring");
    assert_eq!(paid.account_id, view.account_id);
}

#[tokio::test]
async fn tazapay_payin_is_confirmed_then_polled_to_success() {
    let f = fixture().await;
    let view = start_for(&f, "6285712345678", "tazapay_ovo_idr", "payin", "20.000").await;
    assert_eq!(view.payment.status, "pending", "{view:#?}");
    assert!(
        view.payment.provider_ref.as_deref().unwrap().starts_with("pay_")
            || view.payment.provider_ref.is_some()
    );
    if let Some(action) = pending_payment(&f, "tazapay_ovo_idr", "6285712345678").await {
        let _ = decide(&f, &action, "approve", "cash").await;
    }
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    until_status(&f, view.payment.id, "succeeded").await;
}

#[tokio::test]
async fn faspay_tokenized_payment_through_its_redirect() {
    let f = fixture().await;
    let sophia = customer_id(&f, SOPHIA).await;
    let mut req = input(Some(sophia), "faspay_ovo_tokenize", "tokenized", "40.000");
    req.source = "points_first".into();
    let view = start(&f, req).await;
    assert_eq!(view.payment.status, "pending", "{view:#?}");
    assert!(view.redirect_url.is_some());
    let action = pending_payment(&f, "faspay_ovo_tokenize", SOPHIA).await.unwrap();
    let (status, body) = decide(&f, &action, "approve", "points_first").await;
    assert_eq!(status, 200, "{body}");
    until_status(&f, view.payment.id, "succeeded").await;
}

#[tokio::test]
async fn ovo_snap_direct_debit_with_cash_and_with_points_records_the_split() {
    let f = fixture().await;
    let budi = customer_id(&f, BUDI).await;
    for source in ["cash", "points"] {
        let mut req = input(Some(budi), "ovo_snap", "direct_debit", "10.000");
        req.source = source.into();
        let view = start(&f, req).await;
        if view.payment.status != "succeeded" {
            assert_eq!(view.payment.status, "pending", "{view:#?}");
            if let Some(action) = pending_payment(&f, "ovo_snap", BUDI).await {
                let (status, body) = decide(&f, &action, "approve", source).await;
                assert_eq!(status, 200, "{body}");
            }
        }
        let paid = until_status(&f, view.payment.id, "succeeded").await;
        assert_split(&paid);
        if source == "points" {
            assert!(paid.points_amount.unwrap() > 0, "{paid:#?}");
        } else {
            assert_eq!(paid.cash_amount, Some(10_000), "{paid:#?}");
        }
    }
}

#[tokio::test]
async fn a_lost_answer_is_unknown_until_the_status_query_and_is_sent_once() {
    let f = fixture().await;
    let payer = customer_id(&f, PAYER).await;
    let lose = json!({ "kind": "lose_response" });
    fault(&f, "doku_jokul_ovo_push", Some("/ovo-emoney/v1/payment"), lose, 1).await;
    let view = start(&f, input(Some(payer), "doku_jokul_ovo_push", "push", "75.000")).await;
    // The spawned call loses its answer: unknown, with its problem.
    let deadline = Instant::now() + Duration::from_secs(10);
    let unknown = loop {
        let now = detail(&f, view.payment.id).await;
        if now.payment.status == "unknown" {
            break now;
        }
        assert!(Instant::now() < deadline, "{now:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(unknown.problem.unwrap().kind, ProviderProblemKind::UnknownOutcome);
    // Nothing is due before the back-off.
    assert_eq!(f.app.poll_payments().await.unwrap(), 0);
    assert_eq!(detail(&f, view.payment.id).await.payment.status, "unknown");
    // Jokul's first check is at +60 s (its product file) × the built-in time scale 0.02, not before.
    f.clock.advance_millis(1_199);
    assert_eq!(f.app.poll_payments().await.unwrap(), 0);
    f.clock.advance_millis(1);
    assert_eq!(f.app.poll_payments().await.unwrap(), 1);
    let resolved = detail(&f, view.payment.id).await;
    assert_eq!(resolved.payment.status, "succeeded", "{resolved:#?}");
    assert_eq!(received(&f, "doku_jokul_ovo_push", "/ovo-emoney/v1/payment").await, 1);
    assert!(received(&f, "doku_jokul_ovo_push", "/orders/v1/status/").await >= 1);
    let kinds: Vec<&str> = resolved.timeline.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, ["payment_created", "payment_unknown", "payment_succeeded"]);
}

fn query(limit: u32) -> PaymentQuery {
    app::payment_query(None, None, limit)
}

#[tokio::test]
async fn the_list_filters_pages_by_keyset_and_finds_any_reference() {
    let f = fixture().await;
    let budi = customer_id(&f, BUDI).await;
    let paid = start_for(&f, PAYER, "doku_jokul_ovo_push", "push", "123.000").await;
    let paid = until_status(&f, paid.payment.id, "succeeded").await;
    let waiting = start(&f, input(Some(budi), "ovo_snap", "direct_debit", "7.000")).await;

    let all = f.app.payments_page(query(200)).await.unwrap();
    assert!(all.next.is_none());
    assert!(all.items.len() >= 14, "{}", all.items.len());
    assert_eq!(all.items[0].id, waiting.payment.id, "newest first");
    assert_eq!(all.items[0].customer_name.as_deref(), Some("Budi Santoso"));
    // Keyset pages of 5 give every row once, in the same order.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let mut q = query(5);
        q.after = after;
        let page = f.app.payments_page(q).await.unwrap();
        seen.extend(page.items.iter().map(|r| r.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, all.items.iter().map(|r| r.id).collect::<Vec<_>>());

    let mut q = query(200);
    q.filters.product = Some("ovo_snap".into());
    let ovo = f.app.payments_page(q).await.unwrap();
    assert!(ovo.items.iter().all(|r| r.product == Product::OvoSnap));
    assert!(ovo.items.iter().any(|r| r.id == waiting.payment.id));

    let mut q = query(200);
    q.filters.status = Some("succeeded".into());
    q.filters.min_amount = Some("Rp 120.000".into());
    q.filters.max_amount = Some("125.000".into());
    let ranged = f.app.payments_page(q).await.unwrap();
    assert!(ranged.items.iter().any(|r| r.id == paid.payment.id));
    assert!(ranged
        .items
        .iter()
        .all(|r| (120_000..=125_000).contains(&r.amount) && r.status == "succeeded"));

    // Today (WIB): this test's payments, newest first, and only payments made today (the demo
    // ledger may hold some of today's too).
    let today = ovo_domain::wib_date(f.clock.now());
    let mut q = query(200);
    q.filters.from = Some(today.to_string());
    q.filters.to = Some(today.to_string());
    let rows = f.app.payments_page(q).await.unwrap().items;
    let ours: Vec<i64> = rows
        .iter()
        .map(|r| r.id)
        .filter(|id| [waiting.payment.id, paid.payment.id].contains(id))
        .collect();
    assert_eq!(ours, [waiting.payment.id, paid.payment.id]);
    for row in &rows {
        let at = ovo_domain::Timestamp::parse_rfc3339(&row.created_at).unwrap();
        assert_eq!(ovo_domain::wib_date(at), today, "{row:?}");
    }

    for reference in [paid.payment.reference.clone(), paid.payment.provider_ref.clone().unwrap()] {
        let mut q = query(50);
        q.filters.reference = Some(reference);
        let found = f.app.payments_page(q).await.unwrap();
        assert_eq!(found.items.len(), 1);
        assert_eq!(found.items[0].id, paid.payment.id);
    }
    // A refund's reference finds its payment.
    let refund = f
        .app
        .request_refund(RequestRefundInput {
            payment_id: paid.payment.id,
            amount: "23.000".into(),
            reason: "customer changed their mind".into(),
        })
        .await
        .unwrap();
    let mut q = query(50);
    q.filters.reference = Some(refund.reference.clone());
    let found = f.app.payments_page(q).await.unwrap();
    assert_eq!(found.items.iter().map(|r| r.id).collect::<Vec<_>>(), [paid.payment.id]);
    let page = detail(&f, paid.payment.id).await;
    assert_eq!(page.refunds.len(), 1);
    assert_eq!(page.refundable, 100_000);

    let mut q = query(50);
    q.filters.from = Some("2024-13-01".into());
    assert_eq!(f.app.payments_page(q).await.unwrap_err().reason, Some("date_invalid"));
    assert_eq!(f.app.payments_page(query(0)).await.unwrap_err().reason, Some("page_limit_invalid"));
}

async fn listener(f: &Fixture) -> ListenerSettings {
    f.sign_in_as("admin").await;
    let settings = f
        .app
        .set_listener(ListenerInput { enabled: true, address: "127.0.0.1:0".into() })
        .await
        .unwrap();
    f.sign_in_as("sam").await;
    assert!(settings.running, "{settings:?}");
    settings
}

fn url_of(settings: &ListenerSettings, product: Product) -> String {
    settings.urls.iter().find(|u| u.product == product).unwrap().url.clone()
}

#[tokio::test]
async fn the_listener_is_off_by_default_and_only_an_admin_sets_it() {
    let f = fixture().await;
    assert_eq!(f.app.listener_settings().await.unwrap_err().code, ErrorCode::Forbidden);
    f.sign_in_as("admin").await;
    let off = f.app.listener_settings().await.unwrap();
    assert!(!off.enabled && !off.running);
    assert_eq!(off.address, "127.0.0.1:7701");
    let refused = f
        .app
        .set_listener(ListenerInput { enabled: true, address: "0.0.0.0:7701".into() })
        .await
        .unwrap_err();
    assert_eq!(refused.reason, Some("listener_address_not_loopback"));
    let on = f
        .app
        .set_listener(ListenerInput { enabled: true, address: "127.0.0.1:0".into() })
        .await
        .unwrap();
    assert!(on.running);
    assert_eq!(on.urls.len(), 4, "every product that notifies: {on:?}");
    let off = f
        .app
        .set_listener(ListenerInput { enabled: false, address: "127.0.0.1:0".into() })
        .await
        .unwrap();
    assert!(!off.running);
}

#[tokio::test]
async fn a_forged_notification_only_triggers_a_status_query() {
    let f = fixture().await;
    let settings = listener(&f).await;
    let view = start_for(&f, BUDI, "ovo_snap", "direct_debit", "8.000").await;
    assert_eq!(view.payment.status, "pending", "{view:#?}");
    let status_queries = received(&f, "ovo_snap", "debit/status").await;
    let body = json!({
        "originalPartnerReferenceNo": view.payment.reference,
        "originalReferenceNo": view.payment.provider_ref,
        "latestTransactionStatus": "00",
        "amount": { "value": "8000.00", "currency": "IDR" },
    })
    .to_string();
    let response = f
        .http
        .post(url_of(&settings, Product::OvoSnap))
        .header("Content-Type", "application/json")
        .header("X-TIMESTAMP", "2025-01-01T10:00:00.000+07:00")
        .header("X-SIGNATURE", "Zm9yZ2Vk")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["responseCode"], "4015600");
    // The status is asked for, and the payment stays as the provider says: pending.
    let deadline = Instant::now() + Duration::from_secs(5);
    while received(&f, "ovo_snap", "debit/status").await == status_queries {
        assert!(Instant::now() < deadline, "no status query after the forged notification");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = detail(&f, view.payment.id).await;
    assert_eq!(after.payment.status, "pending");
    assert!(after.payment.succeeded_at.is_none());
    let inbox = app::notifications(&f.app, Product::OvoSnap, 10).await;
    assert_eq!(inbox.len(), 1);
    assert!(!inbox[0].verified);
    assert_eq!(inbox[0].payment_id.map(|p| p.get()), Some(view.payment.id));
}

#[tokio::test]
async fn a_verified_notification_settles_the_payment_and_a_duplicate_is_stored_once() {
    let f = fixture().await;
    let settings = listener(&f).await;
    let payer = customer_id(&f, PAYER).await;
    let view = start(&f, input(Some(payer), "tazapay_ovo_idr", "payin", "20.000")).await;
    assert_eq!(view.payment.status, "pending");
    let payin = view.payment.provider_ref.clone().unwrap();
    // The payer approves at once; the provider then notifies.
    f.sim().await.until_tazapay_payin_succeeded(&payin).await;
    let created_at = "2025-03-11T12:25:08Z";
    let body = json!({
        "type": "payin.succeeded",
        "id": "evt_test_dup_1",
        "object": "event",
        "created_at": created_at,
        "data": { "id": payin, "amount": 2_000_000, "invoice_currency": "IDR", "status": "succeeded", "reference_id": view.payment.reference },
    })
    .to_string();
    let signature = ovo_providers::products::tazapay::webhook_signature(
        b"whsec_demo_only_not_a_secret",
        "evt_test_dup_1",
        body.as_bytes(),
        created_at,
    );
    for _ in 0..2 {
        let response = f
            .http
            .post(url_of(&settings, Product::TazapayOvoIdr))
            .header("Content-Type", "application/json")
            .header("signature", &signature)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    // Applied once a status query confirms it.
    let after = until_open_status(&f, view.payment.id, "succeeded").await;
    let inbox = app::notifications(&f.app, Product::TazapayOvoIdr, 10).await;
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert!(inbox[0].verified);
    assert_eq!(inbox[0].dedup_key, "tazapay_ovo_idr:evt_test_dup_1");
    assert_eq!(inbox[0].outcome.as_deref(), Some("applied:succeeded"));
    let notified: Vec<&TimelineEventView> =
        after.timeline.iter().filter(|t| t.detail.contains("\"notification\"")).collect();
    assert_eq!(notified.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Per-product poll schedules, Tazapay's new attempt, test-mode phones, Faspay 02
// ---------------------------------------------------------------------------------------------

async fn fault(f: &Fixture, product: &str, endpoint: Option<&str>, fault: Value, count: u32) {
    let mut body = json!({ "product": product, "fault": fault, "count": count });
    if let Some(endpoint) = endpoint {
        body["endpoint"] = json!(endpoint);
    }
    let (status, answer) = post_json(f, "/_sandbox/faults", body).await;
    assert!((200..300).contains(&status), "{answer}");
}

async fn until_open_status(f: &Fixture, id: i64, status: &str) -> PaymentDetailView {
    let done = |p: &PaymentDetailView| p.payment.status == status;
    app::until_payment(&f.app, id, Duration::from_millis(50), done, || async {}).await
}

fn clone_input(req: &StartPaymentInput) -> StartPaymentInput {
    StartPaymentInput {
        phone: req.phone.clone(),
        ..input(req.customer_id, &req.product, &req.kind, &req.amount)
    }
}

fn at(text: &str) -> ovo_domain::Timestamp {
    ovo_domain::Timestamp::parse_rfc3339(text).unwrap()
}

#[tokio::test]
async fn each_product_reaches_needs_review_exactly_at_its_own_give_up_time() {
    let f = fixture().await;
    let t0 = f.clock.now();
    let (siti, budi, sophia, agus) = (
        customer_id(&f, SITI).await,
        customer_id(&f, BUDI).await,
        customer_id(&f, SOPHIA).await,
        customer_id(&f, "6285712345678").await,
    );
    // Jokul: the push's answer is lost, so the payment is unknown (open) at once.
    fault(
        &f,
        "doku_jokul_ovo_push",
        Some("/ovo-emoney/v1/payment"),
        json!({ "kind": "lose_response" }),
        1,
    )
    .await;
    let jokul = start(&f, input(Some(budi), "doku_jokul_ovo_push", "push", "11.000")).await;
    until_open_status(&f, jokul.payment.id, "unknown").await;
    let doku = start(&f, input(Some(siti), "doku_snap_ovo", "sale_redirect", "12.000")).await;
    let faspay = start(&f, input(Some(sophia), "faspay_ovo_tokenize", "tokenized", "13.000")).await;
    let ovo = start(&f, input(Some(budi), "ovo_snap", "direct_debit", "14.000")).await;
    let tazapay = start(&f, input(Some(agus), "tazapay_ovo_idr", "payin", "15.000")).await;
    for view in [&doku, &faspay, &ovo, &tazapay] {
        assert_eq!(view.payment.status, "pending", "{view:#?}");
    }
    // From now on no status query gets an answer: each payment stays open until it gives up.
    for product in [
        "doku_jokul_ovo_push",
        "doku_snap_ovo",
        "faspay_ovo_tokenize",
        "ovo_snap",
        "tazapay_ovo_idr",
    ] {
        fault(&f, product, None, json!({ "kind": "http_status", "status": 400 }), 10_000).await;
    }
    // 24 h of the product files, on the built-in sandbox's clock (time scale 0.02).
    let day = t0.plus_millis(24 * 3_600_000 * 2 / 100);
    let twenty_four_hours = [&jokul, &doku, &faspay, &ovo];
    for view in twenty_four_hours {
        let page = detail(&f, view.payment.id).await;
        assert_eq!(
            page.give_up_at.as_deref().map(at),
            Some(day),
            "{}: 24 h (its product file)",
            view.payment.product_name
        );
    }
    // Tazapay gives up at the attempt's expires_at, as the provider states it.
    let payin = tazapay.payment.provider_ref.clone().unwrap();
    let sandbox_payin = get_json(&f, &format!("/_sandbox/tazapay_ovo_idr/payins/{payin}")).await;
    let expires_at =
        at(sandbox_payin["payin"]["latest_payment_attempt_data"]["expires_at"].as_str().unwrap());
    assert_eq!(
        detail(&f, tazapay.payment.id).await.give_up_at.as_deref().map(at),
        Some(expires_at)
    );
    assert!(expires_at > day, "{expires_at:?}");

    // One millisecond before: every check runs (all are overdue) and nothing gives up.
    f.clock.set(day.plus_millis(-1));
    f.app.poll_payments().await.unwrap();
    f.sign_in_as("sam").await; // the idle lock has long passed
    for view in twenty_four_hours.into_iter().chain([&tazapay]) {
        let page = detail(&f, view.payment.id).await;
        assert!(["pending", "unknown"].contains(&page.payment.status.as_str()), "{page:#?}");
    }
    assert!(received(&f, "faspay_ovo_tokenize", "/cvr/100004").await >= 1, "the status was asked");
    // At 24 h the four give up; Tazapay is still followed.
    f.clock.set(day);
    f.app.poll_payments().await.unwrap();
    f.sign_in_as("sam").await;
    for view in twenty_four_hours {
        let page = detail(&f, view.payment.id).await;
        assert_eq!(page.payment.status, "needs_review", "{page:#?}");
        assert_eq!(page.problem.as_ref().unwrap().kind, ProviderProblemKind::UnknownOutcome);
    }
    assert_eq!(detail(&f, tazapay.payment.id).await.payment.status, "pending");
    f.clock.set(expires_at.plus_millis(-1));
    f.app.poll_payments().await.unwrap();
    f.sign_in_as("sam").await;
    assert_eq!(detail(&f, tazapay.payment.id).await.payment.status, "pending");
    f.clock.set(expires_at);
    f.app.poll_payments().await.unwrap();
    f.sign_in_as("sam").await;
    assert_eq!(detail(&f, tazapay.payment.id).await.payment.status, "needs_review");
}

#[tokio::test]
async fn the_poller_follows_each_products_first_checks() {
    let f = fixture().await;
    let view = start_for(&f, "6285712345678", "tazapay_ovo_idr", "payin", "16.000").await;
    assert_eq!(view.payment.status, "pending", "{view:#?}");
    // The status reads are refused, so the payment stays open however long this test takes.
    fault(
        &f,
        "tazapay_ovo_idr",
        Some("/v3/payin/{id}"),
        json!({ "kind": "http_status", "status": 400 }),
        100,
    )
    .await;
    let before = received(&f, "tazapay_ovo_idr", "/v3/payin/pay_").await;
    // Tazapay's first check is at +75 s (§16), on the built-in sandbox's clock (× 0.02): 1.5 s.
    f.clock.advance_millis(1_499);
    assert_eq!(f.app.poll_payments().await.unwrap(), 0);
    assert_eq!(
        received(&f, "tazapay_ovo_idr", "/v3/payin/pay_").await,
        before,
        "no status query before +75 s"
    );
    f.clock.advance_millis(1);
    f.app.poll_payments().await.unwrap();
    assert_eq!(received(&f, "tazapay_ovo_idr", "/v3/payin/pay_").await, before + 1);
    // The next one is 2 min later (every 2 min up to 15 min): 2.4 s here.
    f.clock.advance_millis(2_399);
    f.app.poll_payments().await.unwrap();
    assert_eq!(received(&f, "tazapay_ovo_idr", "/v3/payin/pay_").await, before + 1);
    f.clock.advance_millis(1);
    f.app.poll_payments().await.unwrap();
    assert_eq!(received(&f, "tazapay_ovo_idr", "/v3/payin/pay_").await, before + 2);
}

#[tokio::test]
async fn an_open_payment_is_cancelled_at_the_provider_and_a_paid_one_is_not() {
    let f = fixture().await;
    let view = start_for(&f, BUDI, "tazapay_ovo_idr", "payin", "16.000").await;
    assert_eq!(view.payment.status, "pending", "{view:#?}");
    assert!(view.can_cancel);
    let cancelled = f.app.cancel_payment(PaymentRef { payment_id: view.payment.id }).await.unwrap();
    assert_eq!(cancelled.payment.status, "cancelled", "{cancelled:#?}");
    assert!(!cancelled.can_cancel);
    let kinds: Vec<&str> = cancelled.timeline.iter().map(|t| t.kind.as_str()).collect();
    assert!(
        kinds.contains(&"payment_cancel_requested") && kinds.contains(&"payment_cancelled"),
        "{kinds:?}"
    );
    let posts = get_json(&f, "/_sandbox/received?product=tazapay_ovo_idr").await;
    let cancels = posts
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["endpoint"] == "/v3/payin/{id}/cancel")
        .count();
    assert_eq!(cancels, 1);
    // A final payment is refused before any provider call.
    let err = f.app.cancel_payment(PaymentRef { payment_id: view.payment.id }).await.unwrap_err();
    assert_eq!((err.code, err.reason), (ErrorCode::Conflict, Some("payment_not_cancellable")));

    // Paid at Faspay but not yet known here: 81 Already Been Paid, then the status query settles it.
    let paying = start_for(&f, SOPHIA, "faspay_ovo_tokenize", "tokenized", "21.000").await;
    assert_eq!(paying.payment.status, "pending", "{paying:#?}");
    let action = pending_payment(&f, "faspay_ovo_tokenize", SOPHIA).await.unwrap();
    let (status, body) = decide(&f, &action, "approve", "cash").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(detail(&f, paying.payment.id).await.payment.status, "pending");
    let paid = f.app.cancel_payment(PaymentRef { payment_id: paying.payment.id }).await.unwrap();
    assert_eq!(paid.payment.status, "succeeded", "{paid:#?}");

    // A product without a cancel refuses, and says so.
    let mut req = input(None, "doku_jokul_ovo_push", "push", "10.000");
    req.phone = "0811-0000-0005".into();
    let other = start(&f, req).await;
    assert!(!other.can_cancel);

    f.sign_in_as("admin").await;
    let audit = f.app.list_audit(ovo_test_support::app::audit_query(200)).await.unwrap();
    let asked: Vec<_> = audit.items.iter().filter(|e| e.action == "payment.cancel").collect();
    assert_eq!(asked.len(), 2, "{asked:#?}");
    assert!(asked.iter().any(|e| e.subject.contains(&view.payment.reference)), "{asked:#?}");
    assert!(asked.iter().any(|e| e.subject.contains(&paying.payment.reference)), "{asked:#?}");
    assert!(
        audit.items.iter().any(|e| e.action == "payment.cancel_answer"),
        "the answer is audited"
    );
}

#[tokio::test]
async fn an_expired_tazapay_attempt_is_requested_again_on_the_same_payin() {
    let f = fixture().await;
    let view = start_for(&f, BUDI, "tazapay_ovo_idr", "payin", "18.000").await;
    assert!(!view.can_request_again);
    let payin = view.payment.provider_ref.clone().unwrap();
    // Nobody answers the push: the attempt expires (70 s × 0.02).
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    let failed = until_status(&f, view.payment.id, "failed").await;
    assert!(failed.can_request_again, "{failed:#?}");
    assert_eq!(failed.attempt, 1);

    let again =
        f.app.request_payment_again(PaymentRef { payment_id: view.payment.id }).await.unwrap();
    assert_eq!(again.payment.status, "pending", "{again:#?}");
    assert_eq!(again.attempt, 2);
    assert_eq!(again.payment.provider_ref.as_deref(), Some(payin.as_str()), "the same payin");
    assert!(!again.can_request_again);
    // Asking twice for the same attempt is refused: one push per request.
    let err =
        f.app.request_payment_again(PaymentRef { payment_id: view.payment.id }).await.unwrap_err();
    assert_eq!(
        (err.code, err.reason),
        (ErrorCode::Conflict, Some("payment_not_requestable_again"))
    );

    let action = pending_payment(&f, "tazapay_ovo_idr", BUDI).await.unwrap();
    let (status, body) = decide(&f, &action, "approve", "cash").await;
    assert_eq!(status, 200, "{body}");
    let paid = until_status(&f, view.payment.id, "succeeded").await;
    assert_eq!(paid.payment.provider_ref.as_deref(), Some(payin.as_str()));
    // One payin: the single create-and-confirm call, then one confirm on it.
    let calls = get_json(&f, "/_sandbox/received?product=tazapay_ovo_idr").await;
    let posts: Vec<String> = calls
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST")
        .map(|r| r["endpoint"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(posts, ["/v3/payin", "/v3/payin/{id}/confirm"]);
    let kinds: Vec<&str> = paid.timeline.iter().map(|t| t.kind.as_str()).collect();
    assert!(kinds.contains(&"payment_requested_again"), "{kinds:?}");
    f.sign_in_as("admin").await;
    let audit = f.app.list_audit(ovo_test_support::app::audit_query(100)).await.unwrap();
    let asked = audit.items.iter().find(|e| e.action == "payment.request_again").expect("audited");
    assert!(
        asked.detail.contains(&format!("{}-confirm-2", paid.payment.reference)),
        "{}",
        asked.detail
    );
    f.sign_in_as("sam").await;

    // A product without a new attempt on the same payment refuses, and says so.
    let mut req = input(None, "doku_jokul_ovo_push", "push", "10.000");
    req.phone = "0811-0000-0005".into();
    let declined = start(&f, req).await;
    let declined = until_open_status(&f, declined.payment.id, "failed").await;
    assert!(!declined.can_request_again);
    let err = f
        .app
        .request_payment_again(PaymentRef { payment_id: declined.payment.id })
        .await
        .unwrap_err();
    assert_eq!(err.reason, Some("payment_not_requestable_again"));
}

#[tokio::test]
async fn the_tazapay_test_phone_is_accepted_only_in_the_provider_sandbox() {
    let f = fixture().await;
    let mut req = input(None, "tazapay_ovo_idr", "payin", "10.000");
    req.phone = "0123456789".into();
    // Built-in environment: refused, saying where it is accepted.
    let err = f.app.start_payment(clone_input(&req)).await.unwrap_err();
    assert_eq!(err.reason, Some("phone_test_number_not_allowed"), "{err:?}");
    assert!(err.message.contains("Provider sandbox"), "{}", err.message);
    let options = f.app.payment_options().await.unwrap();
    assert!(options.iter().all(|o| o.test_phone.is_none()));

    f.sign_in_as("admin").await;
    f.app
        .set_environment(EnvironmentInput { environment: "provider_sandbox".into() })
        .await
        .unwrap();
    f.sign_in_as("sam").await;
    let options = f.app.payment_options().await.unwrap();
    let with_test: Vec<_> = options
        .iter()
        .filter(|o| o.test_phone.is_some())
        .map(|o| (o.product, o.test_phone.clone().unwrap()))
        .collect();
    assert_eq!(with_test, [(Product::TazapayOvoIdr, "0123456789".to_owned())]);
    // Accepted as Tazapay's test number (no credentials here, so nothing is sent).
    let view = f.app.start_payment(clone_input(&req)).await.unwrap();
    assert_eq!(view.phone_display.as_deref(), Some("0123456789 (test number)"), "{view:#?}");
    assert_eq!(view.payment.status, "failed");
    assert_eq!(view.problem.as_ref().unwrap().kind, ProviderProblemKind::MissingCredential);
    // Another product refuses it even here.
    let mut jokul = input(None, "doku_jokul_ovo_push", "push", "10.000");
    jokul.phone = "0123456789".into();
    let err = f.app.start_payment(jokul).await.unwrap_err();
    assert_eq!(err.reason, Some("phone_test_number_not_allowed"));

    f.sign_in_as("admin").await;
    f.app.set_environment(EnvironmentInput { environment: "production".into() }).await.unwrap();
    f.sign_in_as("sam").await;
    let err = f.app.start_payment(req).await.unwrap_err();
    assert_eq!(err.reason, Some("phone_test_number_not_allowed"), "{err:?}");
}

#[tokio::test]
async fn faspay_02_marks_the_account_for_a_relink_and_offers_the_providers_page() {
    let f = fixture().await;
    let sophia = customer_id(&f, SOPHIA).await;
    let (status, body) = post_json(
        &f,
        &format!("/_sandbox/faspay_ovo_tokenize/99999/account/{SOPHIA}/expire-token"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let opened_before = f.opener.opened().len();
    let view = start(&f, input(Some(sophia), "faspay_ovo_tokenize", "tokenized", "25.000")).await;
    assert_eq!(view.payment.status, "failed", "{view:#?}");
    let problem = view.problem.clone().unwrap();
    assert_eq!(problem.provider_code.as_deref(), Some("02"), "{problem:?}");
    let relink_url = view.relink_url.clone().expect("the re-link page is offered on the payment");
    assert!(relink_url.starts_with("http"), "{relink_url}");
    assert_eq!(
        &f.opener.opened()[opened_before..],
        std::slice::from_ref(&relink_url),
        "opened as linking pages are"
    );
    let kinds: Vec<&str> = view.timeline.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, ["payment_created", "payment_relink_required"]);

    // The linked account needs a re-link, with the same page; nothing can be charged meanwhile.
    let page = f.app.customer_page(CustomerRef { customer_id: sophia }).await.unwrap();
    let account = page.accounts.iter().find(|a| a.product == Product::FaspayOvoTokenize).unwrap();
    assert_eq!(account.status, LinkStatus::NeedsRelink);
    assert_eq!(account.redirect_url.as_deref(), Some(relink_url.as_str()));
    let err = f
        .app
        .start_payment(input(Some(sophia), "faspay_ovo_tokenize", "tokenized", "25.000"))
        .await
        .unwrap_err();
    assert_eq!(err.reason, Some("linked_account_needs_relink"), "{err:?}");

    // Not re-linked yet: checking keeps it waiting.
    let still = f.app.refresh_link(AccountRef { account_id: account.id }).await.unwrap();
    assert_eq!(still.status, LinkStatus::NeedsRelink);
    // The customer re-links on the provider's page; the balance answers again: active.
    let pending = get_json(&f, "/_sandbox/pending").await;
    let action = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["product"] == "faspay_ovo_tokenize" && a["phone"] == SOPHIA)
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .expect("the re-link page waits for the customer");
    let (status, body) = decide(&f, &action, "approve", "cash").await;
    assert_eq!(status, 200, "{body}");
    let active = f.app.refresh_link(AccountRef { account_id: account.id }).await.unwrap();
    assert_eq!(active.status, LinkStatus::Active, "{active:#?}");
    assert_eq!(active.redirect_url, None);
    assert_eq!(detail(&f, view.payment.id).await.relink_url, None, "nothing left to offer");
    let next = start(&f, input(Some(sophia), "faspay_ovo_tokenize", "tokenized", "25.000")).await;
    assert_eq!(next.payment.status, "pending", "{next:#?}");
}
