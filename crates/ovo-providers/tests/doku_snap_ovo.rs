//! The DOKU SNAP OVO client against the real sandbox over loopback HTTPS (its test CA trusted
//! through `extra_roots`): every operation, each
//! error class, the fault drills, and real notifications (N0 token, N1, N2) received by the
//! shared receiver and verified by the client.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ovo_domain::{Product, Timestamp};
use ovo_providers::capability::PaymentKind;
use ovo_providers::model::*;
use ovo_providers::notification::{Notification, NotificationEvent, NotificationRejection};
use ovo_providers::products::doku_snap::{
    notification_answer, DokuSnapClient, DokuSnapOptions, InboundKind,
};
use ovo_providers::{Credentials, ExtraRoots, Operation, Provider, ProviderError, UnknownCause};
use ovo_test_support::phones::{BLOCKED, BUDI, EMPTY, LIMIT, NO_ACCOUNT, PAYER, SITI};
use ovo_test_support::sim::{self, Sim};
use ovo_test_support::status::final_status;
use ovo_test_support::values::{idr, phone, reference};
use ovo_test_support::{keys, Answer, Receiver};
use serde_json::{json, Value};

const PAYMENT: &str = "/direct-debit/core/v1/debit/payment-host-to-host";
const BALANCE: &str = "/direct-debit/core/v1/balance-inquiry";
const STATUS: &str = "/orders/v1.0/debit/status";

/// The demo file's `[[doku_snap_ovo]]` table (the file's last), with `extra` keys added.
fn merchants_toml(extra: &str) -> String {
    let demo = ovo_sandbox::DEMO_MERCHANTS;
    let start = demo.find("[[doku_snap_ovo]]").unwrap();
    format!("{}\n{extra}\n", &demo[start..])
}

/// A PEM value `key = """…"""` of the demo DOKU merchant.
fn demo_pem(key: &str) -> String {
    keys::demo_pem("doku_snap_ovo", key)
}

fn demo_credentials(secret: &str) -> Credentials {
    Credentials::from_pairs(
        Product::DokuSnapOvo,
        [
            ("client_id", "BRN-0218-1700000000001".to_owned()),
            ("secret_key", secret.to_owned()),
            ("merchant_private_key", demo_pem("merchant_private_key")),
            ("provider_public_key", demo_pem("doku_public_key")),
        ],
    )
}

const SECRET: &str = "SK-demo-doku-snap-ovo-not-for-production";

async fn sandbox(extra: &str) -> ovo_sandbox::RunningSandbox {
    sim::start_https(&merchants_toml(extra), "0.01").await
}

/// The sandbox's test CA, trusted beside the operating system's store.
fn roots(sb: &ovo_sandbox::RunningSandbox) -> ExtraRoots {
    ExtraRoots::from_pem(sb.ca_pem().expect("the suite runs over HTTPS")).unwrap()
}

fn options(sb: &ovo_sandbox::RunningSandbox) -> DokuSnapOptions {
    DokuSnapOptions {
        extra_roots: roots(sb),
        timeout: Duration::from_secs(5),
        token_timeout: Duration::from_secs(5),
        device_id: Some("TERMINAL01".into()),
        default_return_url: Some("https://merchant.example/return".into()),
        ..DokuSnapOptions::default()
    }
}

fn client(sb: &ovo_sandbox::RunningSandbox) -> DokuSnapClient {
    DokuSnapClient::new(&sb.url(), &demo_credentials(SECRET), options(sb)).unwrap()
}

async fn arm(sb: &ovo_sandbox::RunningSandbox, endpoint: &str, fault: Value, count: u32) {
    Sim::of(sb).arm("doku_snap_ovo", endpoint, fault, count).await;
}

/// Approves the customer's pending step of `kind` (`binding` / `pin_payment`) for `phone`.
async fn approve(sb: &ovo_sandbox::RunningSandbox, phone: &str, kind: &str) {
    let sim = Sim::of(sb);
    for _ in 0..100 {
        let pending = sim.pending().await;
        let found = pending
            .iter()
            .find(|a| a["product"] == "doku_snap_ovo" && a["phone"] == phone && a["kind"] == kind)
            .cloned();
        if let Some(action) = found {
            let id = action["id"].as_str().unwrap();
            sim.decide(id, json!({"decision": "approve", "source": "cash"})).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no pending {kind} for {phone}");
}

fn bind_request(p: &str) -> BindRequest {
    BindRequest {
        reference: reference(),
        phone: phone(p),
        merchant_customer_id: format!("CUST-{p}"),
        return_url: "https://merchant.example/bound".into(),
    }
}

/// Binds `p` (approving the customer's page unless the account approves by itself).
async fn bind(
    sb: &ovo_sandbox::RunningSandbox,
    c: &DokuSnapClient,
    p: &str,
    manual: bool,
) -> LinkedAccount {
    let started = c.bind(&bind_request(p)).await.unwrap();
    assert!(started.redirect_url.starts_with("http"), "{}", started.redirect_url);
    assert!(started.pending_token.is_some(), "the authCode comes with the binding");
    if manual {
        approve(sb, p, "binding").await;
    }
    let complete = CompleteBinding {
        reference: reference(),
        phone: phone(p),
        provider_ref: started.provider_ref.clone(),
        auth_code: None,
        pending_token: started.pending_token.clone(),
    };
    for _ in 0..100 {
        match c.complete_binding(&complete).await {
            Ok(account) => {
                assert_eq!(account.provider_ref, started.provider_ref);
                assert!(
                    account.token.is_some()
                        && account.refresh_token.is_some()
                        && account.token_expires_at.is_some()
                );
                return account;
            }
            // 4017400 until the binding succeeds (§5.2).
            Err(ProviderError::Authentication { code, .. }) if code == "4017400" => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("binding of {p} never completed");
}

fn payment(kind: PaymentKind, amount: i64, account: &LinkedAccount) -> PaymentRequest {
    let reference = reference();
    PaymentRequest {
        idempotency_key: format!("pay-{}", reference.as_str()),
        reference,
        kind,
        amount: idr(amount),
        phone: account.phone.clone().into(),
        account: Some(account.clone()),
        source: PaySource::Cash,
        description: "Kopi susu".into(),
        return_url: Some("https://merchant.example/paid".into()),
        customer_name: None,
        customer_email: None,
    }
}

fn status_of(request: &PaymentRequest, provider_ref: Option<String>) -> StatusRequest {
    StatusRequest {
        reference: request.reference.clone(),
        provider_ref,
        kind: request.kind,
        amount: request.amount,
        account: request.account.clone(),
        created_at: Timestamp::UNIX_EPOCH,
    }
}

fn refund(pay: &PaymentRequest, amount: i64, account: Option<&LinkedAccount>) -> RefundRequest {
    let refund_reference = reference();
    RefundRequest {
        idempotency_key: format!("refund-{}", refund_reference.as_str()),
        refund_reference,
        payment_reference: pay.reference.clone(),
        payment_provider_ref: None,
        amount: idr(amount),
        payment_amount: pay.amount,
        reason: "Customer Complain".into(),
        account: account.cloned(),
        provider_ref: None,
    }
}

#[tokio::test]
async fn bind_balance_sale_refund_and_unbind() {
    let sb = sandbox("").await;
    let c = client(&sb);
    let account = bind(&sb, &c, BUDI, true).await;

    let balance = c.balance(&account).await.unwrap();
    assert_eq!(balance, Balance { cash: idr(2_500_000), points: idr(75_000) });

    let pay = payment(PaymentKind::SaleRedirect, 20_000, &account);
    let started = c.pay(&pay).await.unwrap();
    assert!(
        matches!(started.state, PaymentState::RedirectRequired { ref url } if url.starts_with("http")),
        "{started:?}"
    );
    assert_eq!(started.provider_status, "2005400");
    let provider_ref = started.provider_ref.clone();
    assert!(provider_ref.is_some());
    let pending = c.status(&status_of(&pay, provider_ref.clone())).await.unwrap();
    assert_eq!(pending.state, PaymentState::Pending);

    approve(&sb, BUDI, "pin_payment").await;
    let paid = final_status(&c, &status_of(&pay, provider_ref.clone())).await;
    assert_eq!(paid.state, PaymentState::Succeeded);
    assert_eq!(paid.provider_ref, provider_ref);
    assert_eq!(c.balance(&account).await.unwrap().cash, idr(2_480_000));

    // A partial refund, its status, then the rest: the payment becomes Refunded (04).
    let first = refund(&pay, 5_000, Some(&account));
    let outcome = c.refund(&first).await.unwrap();
    assert_eq!(outcome.state, RefundState::Succeeded);
    assert_eq!(outcome.provider_status, "2005800");
    let queried = c.refund_status(&first).await.unwrap();
    assert_eq!(queried.state, RefundState::Succeeded);
    assert_eq!(queried.provider_ref, outcome.provider_ref);
    assert_eq!(
        c.status(&status_of(&pay, None)).await.unwrap().state,
        PaymentState::Succeeded,
        "00 while partially refunded"
    );
    let never = refund(&pay, 1_000, None);
    // Not in refundHistory: "not found", never "failed" on a guess.
    let unknown = c.refund_status(&never).await.unwrap();
    assert!(
        matches!(unknown.state, RefundState::NotFound { ref code, .. } if code == "not_found"),
        "{unknown:?}"
    );

    // Over-refund: declined with the documented code kept.
    let too_much = refund(&pay, 16_000, None);
    match c.refund(&too_much).await.unwrap_err() {
        ProviderError::Declined { code, .. } => assert_eq!(code, "4045813"),
        e => panic!("{e:?}"),
    }
    let rest = refund(&pay, 15_000, None);
    assert_eq!(c.refund(&rest).await.unwrap().state, RefundState::Succeeded);
    assert_eq!(c.status(&status_of(&pay, None)).await.unwrap().state, PaymentState::Refunded);
    // The same partnerRefundNo again under a new key: the original exists → unknown outcome,
    // and refund status resolves it.
    let again = RefundRequest { idempotency_key: "another-key".into(), ..rest.clone() };
    assert!(c.refund(&again).await.unwrap_err().is_unknown_outcome());
    assert_eq!(c.refund_status(&again).await.unwrap().state, RefundState::Succeeded);

    assert_eq!(c.unbind(&account).await.unwrap(), UnbindOutcome::Unlinked);
    // Sent again (its answer was lost): the token renewal answers 4017400, the link is gone.
    assert_eq!(c.unbind(&account).await.unwrap(), UnbindOutcome::AlreadyUnlinked);
    match c.balance(&account).await.unwrap_err() {
        ProviderError::Authentication { code, .. } => assert!(code.starts_with("401"), "{code}"),
        e => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn recurring_and_points_first_settle_without_a_customer_step() {
    let sb = sandbox("").await;
    let c = client(&sb);
    let account = bind(&sb, &c, PAYER, false).await;

    let pay = payment(PaymentKind::Recurring, 30_000, &account);
    let started = c.pay(&pay).await.unwrap();
    assert_eq!(started.state, PaymentState::Pending);
    assert_eq!(
        final_status(&c, &status_of(&pay, started.provider_ref)).await.state,
        PaymentState::Succeeded
    );

    // Points first: 500,000 points cover this one entirely.
    let before = c.balance(&account).await.unwrap();
    let mut points = payment(PaymentKind::Recurring, 100_000, &account);
    points.source = PaySource::PointsFirst;
    c.pay(&points).await.unwrap();
    let done = final_status(&c, &status_of(&points, None)).await;
    assert_eq!(done.state, PaymentState::Succeeded);
    let after = c.balance(&account).await.unwrap();
    assert_eq!((after.cash, after.points), (before.cash, idr(before.points.rupiah() - 100_000)));

    // Customer tokens: a client without a cache, handed a token DOKU refuses (401xx02),
    // refreshes once with the refresh token and retries; an expired one is refreshed first.
    let fresh = client(&sb);
    let refused = LinkedAccount {
        token: Some("not-a-token".to_owned().into()),
        token_expires_at: None,
        ..account.clone()
    };
    assert_eq!(fresh.balance(&refused).await.unwrap(), after);
    let fresh = client(&sb);
    let expired = LinkedAccount {
        token: Some("expired".to_owned().into()),
        token_expires_at: Some(Timestamp::UNIX_EPOCH),
        ..account.clone()
    };
    assert_eq!(fresh.balance(&expired).await.unwrap(), after);
    let renewed = fresh.customer_token(&expired).await.unwrap();
    assert_ne!(renewed.expose(), "expired");
    // Nothing to renew with: DOKU's own answer.
    let hopeless = LinkedAccount {
        token: Some("not-a-token".to_owned().into()),
        refresh_token: None,
        token_expires_at: None,
        ..account.clone()
    };
    assert!(
        matches!(client(&sb).balance(&hopeless).await.unwrap_err(), ProviderError::Authentication { ref code, .. } if code == "4011102")
    );
}

#[tokio::test]
async fn declines_keep_their_codes() {
    let sb = sandbox("").await;
    let c = client(&sb);
    let declined = |e: ProviderError| match e {
        ProviderError::Declined { code, message, .. } => (code, message),
        e => panic!("{e:?}"),
    };
    let (code, message) = declined(c.bind(&bind_request(BLOCKED)).await.unwrap_err());
    assert_eq!(code, "4030715");
    assert!(message.contains("blocked"), "{message}");
    assert_eq!(declined(c.bind(&bind_request(NO_ACCOUNT)).await.unwrap_err()).0, "4040711");

    // The empty and the limited accounts bind, then their payments are refused.
    Sim::of(&sb)
        .patch(&format!("/_sandbox/accounts/{EMPTY}"), json!({"behaviour": "auto_approve"}))
        .await;
    Sim::of(&sb)
        .patch(&format!("/_sandbox/accounts/{LIMIT}"), json!({"behaviour": "auto_approve"}))
        .await;
    let empty = bind(&sb, &c, EMPTY, false).await;
    assert_eq!(
        declined(c.pay(&payment(PaymentKind::Recurring, 10_000, &empty)).await.unwrap_err()).0,
        "4035414"
    );
    let limited = bind(&sb, &c, LIMIT, false).await;
    assert_eq!(
        declined(c.pay(&payment(PaymentKind::SaleRedirect, 10_000, &limited)).await.unwrap_err()).0,
        "4035402"
    );
    // The same OVO account for another customer.
    let mut other = bind_request(EMPTY);
    other.merchant_customer_id = "SOMEONE-ELSE".into();
    assert_eq!(declined(c.bind(&other).await.unwrap_err()).0, "4030715");
}

#[tokio::test]
async fn authentication_invalid_request_and_unsupported() {
    let sb = sandbox("").await;
    // Wrong Secret Key: the transaction signature fails (401xx00).
    let wrong_secret =
        DokuSnapClient::new(&sb.url(), &demo_credentials("SK-wrong"), options(&sb)).unwrap();
    match wrong_secret.bind(&bind_request(SITI)).await.unwrap_err() {
        ProviderError::Authentication { code, .. } => assert_eq!(code, "4010700"),
        e => panic!("{e:?}"),
    }
    // Wrong private key: the token signature fails (4017300).
    let mut pairs =
        vec![("client_id", "BRN-0218-1700000000001".to_owned()), ("secret_key", SECRET.to_owned())];
    pairs.push((
        "merchant_private_key",
        include_str!("fixtures/snap_test_key_pkcs1.pem").to_owned(),
    ));
    let wrong_key = DokuSnapClient::new(
        &sb.url(),
        &Credentials::from_pairs(Product::DokuSnapOvo, pairs),
        options(&sb),
    )
    .unwrap();
    match wrong_key.bind(&bind_request(SITI)).await.unwrap_err() {
        ProviderError::Authentication { code, message, .. } => {
            assert_eq!((code.as_str(), message.contains("Signature")), ("4017300", true))
        }
        e => panic!("{e:?}"),
    }

    // Invalid request: a serviceCode the provider does not know.
    let odd = DokuSnapClient::new(
        &sb.url(),
        &demo_credentials(SECRET),
        DokuSnapOptions { status_service_code: "99".into(), ..options(&sb) },
    )
    .unwrap();
    let request = StatusRequest {
        reference: reference(),
        provider_ref: None,
        kind: PaymentKind::SaleRedirect,
        amount: idr(1),
        account: None,
        created_at: Timestamp::UNIX_EPOCH,
    };
    match odd.status(&request).await.unwrap_err() {
        ProviderError::InvalidRequest { code, .. } => assert_eq!(code, "4005501"),
        e => panic!("{e:?}"),
    }
    // No record: 4045501 is NotFound, never a failure on its own.
    let c = client(&sb);
    assert!(
        matches!(c.status(&request).await.unwrap().state, PaymentState::NotFound { ref code, .. } if code == "4045501")
    );

    // What the product lacks.
    let account = LinkedAccount {
        phone: phone(SITI),
        provider_ref: None,
        token: None,
        refresh_token: None,
        token_expires_at: None,
    };
    assert_eq!(
        c.top_up_instructions(&account).await.unwrap_err(),
        ProviderError::Unsupported {
            product: Product::DokuSnapOvo,
            operation: Operation::TopUpInstructions
        }
    );
    let history = HistoryQuery {
        account: account.clone(),
        from: ovo_domain::parse_date("2024-01-01").unwrap(),
        to: ovo_domain::parse_date("2024-01-31").unwrap(),
        page: 1,
    };
    assert!(matches!(
        c.history(&history).await.unwrap_err(),
        ProviderError::Unsupported { operation: Operation::History, .. }
    ));
    // A payment kind of another product is refused before anything is sent.
    let mut push = payment(PaymentKind::Push, 10_000, &account);
    push.account = Some(account);
    assert!(matches!(c.pay(&push).await.unwrap_err(), ProviderError::InvalidInput { .. }));
}

#[tokio::test]
async fn lost_late_failed_and_unreadable_answers() {
    let sb = sandbox("").await;
    let c = DokuSnapClient::new(
        &sb.url(),
        &demo_credentials(SECRET),
        DokuSnapOptions { timeout: Duration::from_millis(700), ..options(&sb) },
    )
    .unwrap();
    let account = bind(&sb, &c, PAYER, false).await;
    let unknown = |e: ProviderError| match e {
        ProviderError::UnknownOutcome { operation: Operation::Pay, cause, .. } => cause,
        e => panic!("{e:?}"),
    };

    // Lost response: processed; status finds it; a retry under the same key gets the original
    // answer again (409 with the first body, D-IDEM).
    arm(&sb, PAYMENT, json!({"kind": "lose_response"}), 1).await;
    let lost = payment(PaymentKind::SaleRedirect, 10_000, &account);
    assert_eq!(unknown(c.pay(&lost).await.unwrap_err()), UnknownCause::ConnectionLost);
    let found = c.status(&status_of(&lost, None)).await.unwrap();
    assert!(found.provider_ref.is_some(), "the payment exists: {found:?}");
    let retried = c.pay(&lost).await.unwrap();
    assert!(matches!(retried.state, PaymentState::RedirectRequired { .. }));
    assert_eq!(retried.provider_ref, found.provider_ref);

    // Late answer: beyond our timeout → unknown; status resolves it once processed.
    arm(&sb, PAYMENT, json!({"kind": "delay", "ms": 1500}), 1).await;
    let late = payment(PaymentKind::Recurring, 10_000, &account);
    assert_eq!(unknown(c.pay(&late).await.unwrap_err()), UnknownCause::Timeout);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // The sandbox drops the delayed request with our connection, so DOKU never saw it: status
    // says so definitively (had it been processed, status would show it), and the same
    // request under the same key then goes through.
    match final_status(&c, &status_of(&late, None)).await.state {
        PaymentState::NotFound { code, .. } if code == "4045501" => {
            assert_eq!(c.pay(&late).await.unwrap().state, PaymentState::Pending);
            assert_eq!(
                final_status(&c, &status_of(&late, None)).await.state,
                PaymentState::Succeeded
            );
        }
        PaymentState::Succeeded => {}
        other => panic!("{other:?}"),
    }

    // 5xx on a write: unknown; not processed, so status says never created.
    arm(&sb, PAYMENT, json!({"kind": "http_status", "status": 503}), 1).await;
    let failed = payment(PaymentKind::Recurring, 10_000, &account);
    assert_eq!(
        unknown(c.pay(&failed).await.unwrap_err()),
        UnknownCause::ServerError { status: 503 }
    );
    assert!(
        matches!(c.status(&status_of(&failed, None)).await.unwrap().state, PaymentState::NotFound { ref code, .. } if code == "4045501")
    );
    // ...and the same request under the same key now goes through.
    assert_eq!(c.pay(&failed).await.unwrap().state, PaymentState::Pending);

    // Unreadable answer: processed; unknown; status finds it.
    arm(&sb, PAYMENT, json!({"kind": "malformed_body"}), 1).await;
    let garbled = payment(PaymentKind::Recurring, 10_000, &account);
    assert!(matches!(
        unknown(c.pay(&garbled).await.unwrap_err()),
        UnknownCause::MalformedReply { .. }
    ));
    assert_eq!(final_status(&c, &status_of(&garbled, None)).await.state, PaymentState::Succeeded);

    // Dropped connection: not processed; unknown; status says never created.
    arm(&sb, PAYMENT, json!({"kind": "drop_connection"}), 1).await;
    let dropped = payment(PaymentKind::Recurring, 10_000, &account);
    assert_eq!(unknown(c.pay(&dropped).await.unwrap_err()), UnknownCause::ConnectionLost);
    assert!(
        matches!(c.status(&status_of(&dropped, None)).await.unwrap().state, PaymentState::NotFound { ref code, .. } if code == "4045501")
    );

    // Reads: retried (3 tries); 5xx on all of them is Unavailable, fewer are absorbed.
    arm(&sb, BALANCE, json!({"kind": "http_status", "status": 503}), 3).await;
    assert_eq!(
        c.balance(&account).await.unwrap_err(),
        ProviderError::Unavailable { product: Product::DokuSnapOvo, status: 503 }
    );
    arm(&sb, BALANCE, json!({"kind": "http_status", "status": 502}), 2).await;
    assert!(c.balance(&account).await.is_ok());
    arm(&sb, BALANCE, json!({"kind": "delay", "ms": 1500}), 3).await;
    assert_eq!(
        c.balance(&account).await.unwrap_err(),
        ProviderError::Timeout { product: Product::DokuSnapOvo, operation: Operation::Balance }
    );
    arm(&sb, STATUS, json!({"kind": "malformed_body"}), 1).await;
    assert!(matches!(
        c.status(&status_of(&garbled, None)).await.unwrap_err(),
        ProviderError::MalformedReply { .. }
    ));
    arm(&sb, STATUS, json!({"kind": "drop_connection"}), 1).await;
    assert_eq!(
        c.status(&status_of(&garbled, None)).await.unwrap().state,
        PaymentState::Succeeded,
        "a dropped read is retried"
    );
}

// ---------------------------------------------------------------------------------------------
// Notifications

const TOKEN_PATH: &str = "/doku/token";

/// The merchant's listener: answers DOKU's token requests (N0) and notifications as the client
/// says, once the client exists.
async fn listener(client: Arc<OnceLock<Arc<DokuSnapClient>>>) -> Receiver {
    Receiver::scripted(move |hit| {
        let client = client.get().unwrap();
        let request = hit.inbound();
        let answer = if hit.path() == TOKEN_PATH {
            client.answer_token_request(&request)
        } else {
            notification_answer(
                InboundKind::of(&request.body),
                &client.verify_notification(&request),
            )
        };
        Answer::new(answer.status, answer.body.expose())
    })
    .await
}

/// The next notification (not a token request) that reached the listener, verified by the
/// client, and its path; `seen` counts those already taken.
async fn next(
    receiver: &Receiver,
    client: &DokuSnapClient,
    seen: &mut usize,
) -> (String, Result<Notification, NotificationRejection>) {
    let hits = receiver.wait(*seen + 1, |h| h.path() != TOKEN_PATH).await;
    let hit = &hits[*seen];
    *seen += 1;
    (hit.path().to_owned(), client.verify_notification(&hit.inbound()))
}

#[tokio::test]
async fn notifications_are_verified_deduplicated_and_refused_when_forged() {
    let shared_client = Arc::new(OnceLock::new());
    let receiver = listener(shared_client.clone()).await;
    let at = receiver.url("");
    let mut seen = 0;

    let sb = sandbox(&format!("token_url = \"{at}/doku/token\"\nnotification_url = \"{at}/v1.0/debit/notify\"\nbinding_notification_url = \"{at}/doku/binding\"")).await;
    let c = Arc::new(client(&sb));
    shared_client.set(c.clone()).unwrap();

    // N2 after the customer approves the binding (N0 first: the listener issued the token).
    let account = bind(&sb, &c, BUDI, true).await;
    let (path, n2) = next(&receiver, &c, &mut seen).await;
    assert_eq!(path, "/doku/binding");
    let n2 = n2.unwrap();
    assert!(
        n2.dedup_key.starts_with("doku_snap_ovo:binding:") && n2.dedup_key.ends_with(":SUCCESS"),
        "{}",
        n2.dedup_key
    );
    match n2.event {
        NotificationEvent::Binding { linked, auth_code, merchant_ref, .. } => {
            assert!(linked);
            assert!(auth_code.is_some());
            assert_eq!(merchant_ref.as_deref(), Some("CUST-6281234567890"));
        }
        e => panic!("{e:?}"),
    }

    // N1 after a SALE is approved.
    let pay = payment(PaymentKind::SaleRedirect, 12_000, &account);
    c.pay(&pay).await.unwrap();
    approve(&sb, BUDI, "pin_payment").await;
    let (path, n1) = next(&receiver, &c, &mut seen).await;
    assert_eq!(path, "/v1.0/debit/notify");
    let n1 = n1.unwrap();
    match &n1.event {
        NotificationEvent::Payment { merchant_ref, state, amount, .. } => {
            assert_eq!(merchant_ref.as_deref(), Some(pay.reference.as_str()));
            assert_eq!(state, &PaymentState::Succeeded);
            assert_eq!(amount, &Some(idr(12_000)));
        }
        e => panic!("{e:?}"),
    }
    // Confirmed by status before any money-state change (§5.7).
    assert_eq!(c.status(&status_of(&pay, None)).await.unwrap().state, PaymentState::Succeeded);

    // A duplicate delivery: the same dedup_key twice.
    arm(&sb, "notification", json!({"kind": "duplicate_notification"}), 1).await;
    let twice = payment(PaymentKind::Recurring, 13_000, &account);
    c.pay(&twice).await.unwrap();
    let (_, first) = next(&receiver, &c, &mut seen).await;
    let (_, second) = next(&receiver, &c, &mut seen).await;
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first.dedup_key, second.dedup_key);
    assert!(first.dedup_key.ends_with(":00"));

    // A forged signature is refused.
    arm(&sb, "notification", json!({"kind": "wrong_signature_notification"}), 1).await;
    let forged = payment(PaymentKind::Recurring, 14_000, &account);
    c.pay(&forged).await.unwrap();
    let (_, refused) = next(&receiver, &c, &mut seen).await;
    assert_eq!(refused.unwrap_err(), NotificationRejection::BadSignature);

    // The sandbox journal shows our N0 answers were accepted.
    let journal = Sim::of(&sb).get("/_sandbox/notifications?product=doku_snap_ovo").await;
    let text = journal.to_string();
    assert!(text.contains("token"), "{text}");
}

/// How many requests the sandbox received at `endpoint` (the routed path).
async fn received_at(sb: &ovo_sandbox::RunningSandbox, endpoint: &str) -> usize {
    let received = Sim::of(sb).get("/_sandbox/received?product=doku_snap_ovo").await;
    received.as_array().unwrap().iter().filter(|r| r["endpoint"] == endpoint).count()
}

// A write to a host whose certificate is not trusted ends in the certificate problem, is not
// an unknown outcome, and never reaches the provider; once trusted, it is sent exactly once.
#[tokio::test]
async fn writes_to_an_untrusted_host_are_certificate_problems_and_never_sent() {
    let sb = sandbox("").await;
    let trusting = client(&sb);
    let account = bind(&sb, &trusting, PAYER, false).await;
    let untrusting = DokuSnapClient::new(
        &sb.url(),
        &demo_credentials(SECRET),
        DokuSnapOptions { extra_roots: ExtraRoots::default(), ..options(&sb) },
    )
    .unwrap();
    let (tokens_before, payments_before) = (
        received_at(&sb, "/authorization/v1/access-token/b2b").await,
        received_at(&sb, PAYMENT).await,
    );

    let pay = payment(PaymentKind::Recurring, 25_000, &account);
    let err = untrusting.pay(&pay).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Certificate { operation: Operation::Pay, detail, .. } if detail.contains("does not trust")),
        "{err:?}"
    );
    assert!(!err.is_unknown_outcome(), "the handshake failed before the request was sent");
    assert!(err.to_string().contains("not trusted"), "{err}");
    assert_eq!(received_at(&sb, PAYMENT).await, payments_before, "no payment reached the provider");
    assert_eq!(
        received_at(&sb, "/authorization/v1/access-token/b2b").await,
        tokens_before,
        "not even the token request"
    );

    let started = trusting.pay(&pay).await.unwrap();
    assert_eq!(
        final_status(&trusting, &status_of(&pay, started.provider_ref)).await.state,
        PaymentState::Succeeded
    );
    assert_eq!(received_at(&sb, PAYMENT).await, payments_before + 1, "sent once, when trusted");

    let back = refund(&pay, 5_000, Some(&account));
    let err = untrusting.refund(&back).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Certificate { operation: Operation::Refund, .. }),
        "{err:?}"
    );
    assert_eq!(received_at(&sb, "/direct-debit/core/v1/debit/refund").await, 0);
    assert!(trusting.refund(&back).await.is_ok());
    assert_eq!(received_at(&sb, "/direct-debit/core/v1/debit/refund").await, 1);
}

#[tokio::test]
async fn test_connection_proves_the_host_the_key_and_the_secret() {
    let sb = sandbox("").await;
    let proof = client(&sb).test_connection().await.unwrap();
    assert!(proof.answer.starts_with("4045501"), "{proof:?}");
    assert!(proof.read.contains("B2B access token"));
    let inquiries = received_at(&sb, STATUS).await;
    assert_eq!((received_at(&sb, "/authorization/v1/access-token/b2b").await, inquiries), (1, 1));

    // The token is signed with the private key, the inquiry with the secret: each is proven.
    let wrong_secret =
        DokuSnapClient::new(&sb.url(), &demo_credentials("SK-wrong"), options(&sb)).unwrap();
    assert!(
        matches!(wrong_secret.test_connection().await.unwrap_err(), ProviderError::Authentication { ref code, .. } if code.starts_with("401"))
    );
    let other_key = Credentials::from_pairs(
        Product::DokuSnapOvo,
        [
            ("client_id", "BRN-0218-1700000000001".to_owned()),
            ("secret_key", SECRET.to_owned()),
            ("merchant_private_key", include_str!("fixtures/snap_test_key_pkcs1.pem").to_owned()),
        ],
    );
    let wrong_key = DokuSnapClient::new(&sb.url(), &other_key, options(&sb)).unwrap();
    assert!(matches!(
        wrong_key.test_connection().await.unwrap_err(),
        ProviderError::Authentication { .. }
    ));

    let untrusting = DokuSnapClient::new(
        &sb.url(),
        &demo_credentials(SECRET),
        DokuSnapOptions { extra_roots: ExtraRoots::default(), ..options(&sb) },
    )
    .unwrap();
    assert!(matches!(
        untrusting.test_connection().await.unwrap_err(),
        ProviderError::Certificate { operation: Operation::TestConnection, .. }
    ));

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let nowhere =
        DokuSnapClient::new(&format!("https://{closed}"), &demo_credentials(SECRET), options(&sb))
            .unwrap();
    assert!(matches!(
        nowhere.test_connection().await.unwrap_err(),
        ProviderError::Connection { .. }
    ));
}
