//! The Faspay OVO Tokenize (720) client against the real sandbox over loopback: every
//! operation, each error class, the fault drills and real notifications.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ovo_domain::{Idr, Product, Reference, Timestamp};
use ovo_providers::capability::{Operation, PaymentKind};
use ovo_providers::model::*;
use ovo_providers::notification::{
    InboundRequest, Notification, NotificationEvent, NotificationRejection,
};
use ovo_providers::products::faspay::{FaspayClient, FaspayOptions, FaspayPayment};
use ovo_providers::{Credentials, Provider, ProviderError, UnknownCause};
use ovo_sandbox::RunningSandbox;
use ovo_test_support::errors::declined_code;
use ovo_test_support::sim::{self, Sim};
use ovo_test_support::values::{idr, phone, reference};
use ovo_test_support::Receiver;
use serde_json::{json, Value};

const PRODUCT: Product = Product::FaspayOvoTokenize;
const TOKENIZE: &str = "/cvr/100037/10";
const STATUS: &str = "/cvr/100004/10";
const SOPHIA: &str = "081382826301";

/// The merchant's acknowledgement of a notification (activation callbacks get the same).
const ACK: &str =
    "{\"response\":\"Payment Notification\",\"response_code\":\"00\",\"response_desc\":\"Success\"}";

/// Waits until `count` requests whose method is `method` have reached the merchant's listener;
/// answers them as the app would hand them to `verify_notification`.
async fn wait(receiver: &Receiver, method: &str, count: usize) -> Vec<InboundRequest> {
    receiver.wait(count, |h| h.method == method).await.iter().map(|h| h.inbound()).collect()
}

struct World {
    sb: RunningSandbox,
    receiver: Receiver,
    client: FaspayClient,
    sim: Sim,
}

fn credentials(merchant_id: &str, password: &str) -> Credentials {
    Credentials::from_pairs(
        PRODUCT,
        [
            ("merchant_id", merchant_id.to_owned()),
            ("user_id", format!("bot{merchant_id}")),
            ("password", password.to_owned()),
        ],
    )
}

async fn world_with(extra: &str) -> World {
    let receiver = Receiver::start(ACK).await;
    let toml = sim::faspay_merchant(&receiver.url(""), extra);
    let sb = sim::start(&toml, "0.001").await;
    let client =
        FaspayClient::new(&sb.url(), &credentials("99999", "p@ssw0rd"), options()).unwrap();
    World { sim: Sim::of(&sb), sb, receiver, client }
}

async fn world() -> World {
    world_with("").await
}

fn options() -> FaspayOptions {
    FaspayOptions::new("Sophia Store")
}

fn account(p: &str) -> LinkedAccount {
    LinkedAccount {
        phone: phone(p),
        provider_ref: None,
        token: None,
        refresh_token: None,
        token_expires_at: None,
    }
}

fn payment(reference: &Reference, p: &str, rupiah: i64) -> PaymentRequest {
    PaymentRequest {
        reference: reference.clone(),
        idempotency_key: reference.to_string(),
        kind: PaymentKind::Tokenized,
        amount: idr(rupiah),
        phone: phone(p).into(),
        account: Some(account(p)),
        source: PaySource::Cash,
        description: "Kopi susu".into(),
        return_url: None,
        customer_name: Some("Sophia Store Tester".into()),
        customer_email: Some("tester@example.com".into()),
    }
}

fn status_of(reference: &Reference, provider_ref: Option<String>, rupiah: i64) -> StatusRequest {
    StatusRequest {
        reference: reference.clone(),
        provider_ref,
        kind: PaymentKind::Tokenized,
        amount: idr(rupiah),
        account: None,
        created_at: Timestamp::UNIX_EPOCH,
    }
}

impl World {
    fn control(&self, path: &str) -> String {
        self.sim.url(path)
    }

    async fn link(&self, p: &str) {
        let url = self.control(&format!("/_sandbox/faspay_ovo_tokenize/99999/account/{p}/link"));
        let response = self.sim.http.post(url).send().await.unwrap();
        assert!(response.status().is_success(), "link {p}: {}", response.text().await.unwrap());
    }

    async fn expire_token(&self, p: &str) {
        let url =
            self.control(&format!("/_sandbox/faspay_ovo_tokenize/99999/account/{p}/expire-token"));
        assert!(self.sim.http.post(url).send().await.unwrap().status().is_success());
    }

    /// The one pending customer step of this product of `kind`.
    async fn pending(&self, kind: &str) -> Value {
        for _ in 0..100 {
            if let Some(action) = self
                .sim
                .pending()
                .await
                .into_iter()
                .find(|a| a["product"] == "faspay_ovo_tokenize" && a["kind"] == kind)
            {
                return action;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no pending {kind} action");
    }

    async fn decide(&self, kind: &str, decision: Value) {
        let action = self.pending(kind).await;
        self.sim.decide(action["id"].as_str().unwrap(), decision).await;
    }

    async fn approve(&self, kind: &str) {
        self.decide(kind, json!({"decision": "approve", "source": "cash"})).await;
    }

    /// Starts the activation of `p` for `customer`, and the customer approves it.
    async fn bind_approved(&self, p: &str, customer: &str) {
        let bind = BindRequest {
            reference: reference(),
            phone: phone(p),
            merchant_customer_id: customer.into(),
            return_url: "http://x".into(),
        };
        self.client.bind(&bind).await.unwrap();
        self.approve("binding").await;
    }

    async fn fault(&self, endpoint: &str, fault: Value, count: u32) {
        self.sim.arm("faspay_ovo_tokenize", endpoint, fault, count).await;
    }

    async fn clear_faults(&self) {
        self.sim.clear_faults().await;
    }

    /// Creates a payment and returns its trx_id.
    async fn pay(&self, reference: &Reference, p: &str, rupiah: i64) -> String {
        let outcome = self.client.pay(&payment(reference, p, rupiah)).await.unwrap();
        assert!(matches!(outcome.state, PaymentState::RedirectRequired { .. }), "{outcome:?}");
        outcome.provider_ref.unwrap()
    }
}

fn payment_event(n: &Notification) -> (Option<String>, Option<String>, PaymentState, Option<Idr>) {
    match &n.event {
        NotificationEvent::Payment { merchant_ref, provider_ref, state, amount } => {
            (merchant_ref.clone(), provider_ref.clone(), state.clone(), *amount)
        }
        other => panic!("not a payment notification: {other:?}"),
    }
}

/// A payment whose outcome is unknown for `cause`.
fn unknown_pay(cause: UnknownCause) -> ProviderError {
    ProviderError::unknown_outcome(PRODUCT, Operation::Pay, cause)
}

#[tokio::test]
async fn every_operation_from_activation_to_unlink() {
    let w = world().await;
    let sophia = phone(SOPHIA);

    // Activation (§5.1): a redirect page; the customer approves; the GET callback is a hint.
    let bind = BindRequest {
        reference: reference(),
        phone: sophia.clone(),
        merchant_customer_id: "Sophia Store Tester".into(),
        return_url: "http://x/return".into(),
    };
    let started = w.client.bind(&bind).await.unwrap();
    assert!(started.redirect_url.starts_with("http"), "{started:?}");
    w.approve("binding").await;
    let callbacks = wait(&w.receiver, "GET", 1).await;
    let hint = w.client.verify_notification(&callbacks[0]).unwrap();
    assert!(matches!(hint.event, NotificationEvent::Binding { linked: true, .. }), "{hint:?}");
    assert_eq!(w.client.notification_reply(&callbacks[0], Timestamp::UNIX_EPOCH).1, "");

    // Confirmed with Check Balance (§5.2 House default).
    let complete = CompleteBinding {
        reference: bind.reference.clone(),
        phone: sophia.clone(),
        provider_ref: None,
        auth_code: None,
        pending_token: None,
    };
    let linked = w.client.complete_binding(&complete).await.unwrap();
    assert_eq!(linked.phone, sophia);
    let before = w.client.balance(&linked).await.unwrap();
    assert_eq!(before, Balance { cash: idr(5_000_000), points: idr(100_000) });

    // Top-up instructions (§5.5): five options, in order.
    let options = w.client.top_up_instructions(&linked).await.unwrap();
    assert_eq!(options.len(), 5, "{options:?}");
    assert_eq!(options[0].title, "ATM");
    assert!(options.iter().all(|o| o.link.is_some() && o.icon_url.is_some()));

    // Payment (§5.3): redirect, the customer approves, the notification, the status.
    let r = reference();
    let trx_id = w.pay(&r, SOPHIA, 10_000).await;
    assert_eq!(
        w.client.status(&status_of(&r, Some(trx_id.clone()), 10_000)).await.unwrap().state,
        PaymentState::Pending
    );
    w.approve("pin_payment").await;
    let posts = wait(&w.receiver, "POST", 1).await;
    let n = w.client.verify_notification(&posts[0]).unwrap();
    assert_eq!(
        payment_event(&n),
        (Some(r.to_string()), Some(trx_id.clone()), PaymentState::Succeeded, Some(idr(10_000)))
    );
    assert_eq!(n.dedup_key, format!("faspay:payment:{trx_id}:2"));
    let (content_type, ack) = w.client.notification_reply(&posts[0], Timestamp::UNIX_EPOCH);
    assert_eq!(content_type, "application/json");
    assert!(ack.contains("\"response_code\":\"00\"") && ack.contains(&trx_id), "{ack}");
    let settled = w.client.status(&status_of(&r, Some(trx_id.clone()), 10_000)).await.unwrap();
    assert_eq!(settled.state, PaymentState::Succeeded);
    assert_eq!(settled.provider_ref.as_deref(), Some(trx_id.as_str()));
    let after = w.client.balance(&linked).await.unwrap();
    assert_eq!(after.cash, idr(4_990_000));

    // History (§5.7): the payment, on today's WIB page 1.
    let today = ovo_domain::wib_date(ovo_domain::Clock::now(&ovo_domain::SystemClock));
    let page = w
        .client
        .history(&HistoryQuery { account: linked.clone(), from: today, to: today, page: 1 })
        .await
        .unwrap();
    let entry =
        page.entries.iter().find(|e| e.provider_id == trx_id).unwrap_or_else(|| panic!("{page:?}"));
    assert_eq!(entry.amount, idr(10_000));
    assert_eq!(entry.direction, Direction::Debit);
    assert!(
        entry.description.contains("cash IDR\u{a0}10,000"),
        "the split is in rupiah, not wire units: {}",
        entry.description
    );
    assert_eq!(page.next_page, None);

    // Unlink (§5.8); the account is then refused.
    assert_eq!(w.client.unbind(&linked).await.unwrap(), UnbindOutcome::Unlinked);
    // Sent again (its answer was lost): `01`, the account is not linked.
    assert_eq!(w.client.unbind(&linked).await.unwrap(), UnbindOutcome::AlreadyUnlinked);
    assert_eq!(declined_code(&w.client.balance(&linked).await.unwrap_err()), "01");

    // No refund API (HD 1): Unsupported, named.
    let refund = RefundRequest {
        refund_reference: reference(),
        idempotency_key: "k".into(),
        payment_reference: r.clone(),
        payment_provider_ref: Some(trx_id),
        amount: idr(10_000),
        payment_amount: idr(10_000),
        reason: "test".into(),
        account: None,
        provider_ref: None,
    };
    assert_eq!(
        w.client.refund(&refund).await.unwrap_err(),
        ProviderError::Unsupported { product: PRODUCT, operation: Operation::Refund }
    );
}

#[tokio::test]
async fn an_unpaid_transaction_is_cancelled_and_a_paid_one_is_refused() {
    let w = world().await;
    w.link(SOPHIA).await;

    // Unpaid (§5.10): cancelled, and the status says so.
    let r = reference();
    let trx_id = w.pay(&r, SOPHIA, 10_000).await;
    let cancelled = w.client.cancel(&status_of(&r, Some(trx_id.clone()), 10_000)).await.unwrap();
    assert_eq!(cancelled.state, PaymentState::Cancelled);
    assert_eq!(cancelled.provider_ref.as_deref(), Some(trx_id.as_str()));
    assert_eq!(
        w.client.status(&status_of(&r, Some(trx_id.clone()), 10_000)).await.unwrap().state,
        PaymentState::Cancelled
    );
    // Cancelling again: 17 Order Cancelled.
    assert_eq!(
        declined_code(&w.client.cancel(&status_of(&r, Some(trx_id), 10_000)).await.unwrap_err()),
        "17"
    );

    // Paid: 81 Already Been Paid, and it stays paid.
    let r = reference();
    let trx_id = w.pay(&r, SOPHIA, 12_000).await;
    w.approve("pin_payment").await;
    let paid = status_of(&r, Some(trx_id), 12_000);
    // Notified twice: the cancelled bill, then this one paid.
    wait(&w.receiver, "POST", 2).await;
    assert_eq!(w.client.status(&paid).await.unwrap().state, PaymentState::Succeeded);
    assert_eq!(declined_code(&w.client.cancel(&paid).await.unwrap_err()), "81");
    assert_eq!(w.client.status(&paid).await.unwrap().state, PaymentState::Succeeded);
}

#[tokio::test]
async fn declines_keep_the_providers_code() {
    let w = world().await;
    let bind = |p: &str| BindRequest {
        reference: reference(),
        phone: phone(p),
        merchant_customer_id: "Magic".into(),
        return_url: "http://x".into(),
    };
    // Blocked account: 63 Not Active / Suspended; no OVO account: 18 Invalid Customer.
    assert_eq!(declined_code(&w.client.bind(&bind("081100000002")).await.unwrap_err()), "63");
    assert_eq!(declined_code(&w.client.bind(&bind("081100000004")).await.unwrap_err()), "18");

    // Not linked: 01.
    assert_eq!(
        declined_code(&w.client.pay(&payment(&reference(), SOPHIA, 10_000)).await.unwrap_err()),
        "01"
    );

    // No money: 01 at creation, the trx failed (status 3).
    w.link("081100000001").await;
    let r = reference();
    let err = w.client.pay(&payment(&r, "081100000001", 10_000)).await.unwrap_err();
    assert_eq!(declined_code(&err), "01");
    assert_eq!(err.provider_code(), Some("01"));
    let status = w.client.status(&status_of(&r, None, 10_000)).await.unwrap();
    assert!(
        matches!(status.state, PaymentState::Failed { ref code, .. } if code == "3"),
        "{status:?}"
    );

    // The customer declines on the page: status 3 (Failed) by notification and by query.
    w.link(SOPHIA).await;
    let r = reference();
    let trx_id = w.pay(&r, SOPHIA, 20_000).await;
    w.decide("pin_payment", json!({"decision": "decline"})).await;
    let posts = wait(&w.receiver, "POST", 2).await;
    let declined: Vec<_> = posts
        .iter()
        .map(|p| w.client.verify_notification(p).unwrap())
        .filter(|n| payment_event(n).1.as_deref() == Some(trx_id.as_str()))
        .collect();
    assert!(matches!(payment_event(&declined[0]).2, PaymentState::Failed { .. }));
    assert!(matches!(
        w.client.status(&status_of(&r, Some(trx_id), 20_000)).await.unwrap().state,
        PaymentState::Failed { .. }
    ));

    // Token expired (§5.4): 02 with a re-link page, typed by pay_tokenized.
    w.expire_token(SOPHIA).await;
    match w.client.pay_tokenized(&payment(&reference(), SOPHIA, 10_000)).await.unwrap() {
        FaspayPayment::TokenExpired { relink_url, code, .. } => {
            assert_eq!(code, "02");
            assert!(relink_url.starts_with("http"), "{relink_url}");
        }
        other => panic!("{other:?}"),
    }
    // Through the shared shape: a final outcome that asks for a re-link, nothing charged.
    match w.client.pay(&payment(&reference(), SOPHIA, 10_000)).await.unwrap().state {
        PaymentState::RelinkRequired { code, url, .. } => {
            assert_eq!(code, "02");
            assert!(url.starts_with("http"), "{url}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(declined_code(&w.client.balance(&account(SOPHIA)).await.unwrap_err()), "02");
}

#[tokio::test]
async fn authentication_and_invalid_requests() {
    let w = world().await;
    w.link(SOPHIA).await;
    let sophia = account(SOPHIA);

    let wrong_password =
        FaspayClient::new(&w.sb.url(), &credentials("99999", "not-the-password"), options())
            .unwrap();
    let err = wrong_password.balance(&sophia).await.unwrap_err();
    assert!(matches!(&err, ProviderError::Authentication { code, .. } if code == "55"), "{err:?}");
    assert!(!err.to_string().contains("not-the-password"));
    let unknown_merchant =
        FaspayClient::new(&w.sb.url(), &credentials("12345", "p@ssw0rd"), options()).unwrap();
    let err = unknown_merchant.balance(&sophia).await.unwrap_err();
    assert!(matches!(&err, ProviderError::Authentication { code, .. } if code == "03"), "{err:?}");
    let err = wrong_password.status(&status_of(&reference(), None, 10_000)).await.unwrap_err();
    assert!(matches!(&err, ProviderError::Authentication { code, .. } if code == "55"), "{err:?}");
    // The connection test: an unused bill number is "5 No bills found" once authenticated.
    let err = wrong_password.test_connection().await.unwrap_err();
    assert!(matches!(&err, ProviderError::Authentication { code, .. } if code == "55"), "{err:?}");
    let err = unknown_merchant.test_connection().await.unwrap_err();
    assert!(matches!(&err, ProviderError::Authentication { code, .. } if code == "03"), "{err:?}");
    let proof = FaspayClient::new(&w.sb.url(), &credentials("99999", "p@ssw0rd"), options())
        .unwrap()
        .test_connection()
        .await
        .unwrap();
    assert!(proof.answer.starts_with("5 "), "{proof:?}");

    // A scale the merchant does not use: 13 Invalid Amount (never rounded at either end).
    let mut unscaled = options();
    unscaled.amount_scale = 1;
    let unscaled =
        FaspayClient::new(&w.sb.url(), &credentials("99999", "p@ssw0rd"), unscaled).unwrap();
    let err = unscaled.pay(&payment(&reference(), SOPHIA, 10_001)).await.unwrap_err();
    assert!(matches!(&err, ProviderError::InvalidRequest { code, .. } if code == "13"), "{err:?}");

    // History dates after today: 30 Format Error.
    let today = ovo_domain::wib_date(ovo_domain::Clock::now(&ovo_domain::SystemClock));
    let later = ovo_domain::add_days(today, 2);
    let err = w
        .client
        .history(&HistoryQuery { account: sophia.clone(), from: later, to: later, page: 1 })
        .await
        .unwrap_err();
    assert!(matches!(&err, ProviderError::InvalidRequest { code, .. } if code == "30"), "{err:?}");

    // Refused before sending: our own input.
    let mut push = payment(&reference(), SOPHIA, 10_000);
    push.kind = PaymentKind::Push;
    assert!(matches!(w.client.pay(&push).await.unwrap_err(), ProviderError::InvalidInput { .. }));
    let mut nameless = payment(&reference(), SOPHIA, 10_000);
    nameless.customer_email = None;
    assert!(matches!(
        w.client.pay(&nameless).await.unwrap_err(),
        ProviderError::InvalidInput { .. }
    ));
}

#[tokio::test]
async fn lost_response_is_unknown_then_status_resolves() {
    let w = world().await;
    w.link(SOPHIA).await;
    let r = reference();
    w.fault(TOKENIZE, json!({"kind": "lose_response"}), 1).await;
    let err = w.client.pay(&payment(&r, SOPHIA, 15_000)).await.unwrap_err();
    assert_eq!(err, unknown_pay(UnknownCause::ConnectionLost));
    // Processed: the status query finds it by bill_no without a trx_id.
    let found = w.client.status(&status_of(&r, None, 15_000)).await.unwrap();
    assert_eq!(found.state, PaymentState::Pending);
    let trx_id = found.provider_ref.clone().unwrap();
    // Re-sending under the same reference replays the same trx (same bill_no).
    let replay = w.client.pay(&payment(&r, SOPHIA, 15_000)).await.unwrap();
    assert_eq!(replay.provider_ref.as_deref(), Some(trx_id.as_str()));
    w.approve("pin_payment").await;
    for _ in 0..100 {
        if w.client.status(&status_of(&r, Some(trx_id.clone()), 15_000)).await.unwrap().state
            == PaymentState::Succeeded
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the payment did not succeed");
}

#[tokio::test]
async fn timeout_is_unknown_then_status_resolves() {
    let w = world().await;
    w.link(SOPHIA).await;
    let mut short = options();
    short.timeouts.payment = Duration::from_millis(300);
    let client = FaspayClient::new(&w.sb.url(), &credentials("99999", "p@ssw0rd"), short).unwrap();
    let r = reference();
    w.fault(TOKENIZE, json!({"kind": "delay", "ms": 1500}), 1).await;
    let err = client.pay(&payment(&r, SOPHIA, 12_000)).await.unwrap_err();
    assert_eq!(err, unknown_pay(UnknownCause::Timeout));
    assert!(err.is_unknown_outcome());
    // Whether the late request was processed, only the status says. A provider processes what
    // it received even after we hung up (so does the sandbox): the bill appears once the delay
    // has passed, waiting for the customer's PIN.
    let mut state = client.status(&status_of(&r, None, 12_000)).await.unwrap();
    for _ in 0..200 {
        if !matches!(state.state, PaymentState::NotFound { ref code, .. } if code == "5") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        state = client.status(&status_of(&r, None, 12_000)).await.unwrap();
    }
    assert_eq!(state.state, PaymentState::Pending, "{state:?}");
    let trx_id = state.provider_ref.clone().unwrap();
    // Sending again under the same reference replays that bill rather than making another.
    let again = client.pay(&payment(&r, SOPHIA, 12_000)).await.unwrap();
    assert_eq!(again.provider_ref.as_deref(), Some(trx_id.as_str()));
    let found = client.status(&status_of(&r, again.provider_ref.clone(), 12_000)).await.unwrap();
    assert_eq!((found.state, found.provider_ref), (PaymentState::Pending, again.provider_ref));
}

#[tokio::test]
async fn server_errors_malformed_bodies_and_dropped_connections() {
    let w = world().await;
    w.link(SOPHIA).await;
    let sophia = account(SOPHIA);

    // A write answered 503 is unknown; the status says it never happened (5, no bills found).
    let r = reference();
    w.fault(TOKENIZE, json!({"kind": "http_status", "status": 503}), 1).await;
    let err = w.client.pay(&payment(&r, SOPHIA, 10_000)).await.unwrap_err();
    assert_eq!(err, unknown_pay(UnknownCause::ServerError { status: 503 }));
    let state = w.client.status(&status_of(&r, None, 10_000)).await.unwrap().state;
    assert!(matches!(state, PaymentState::NotFound { ref code, .. } if code == "5"), "{state:?}");

    // A read is retried: one 503 is absorbed; three are Unavailable.
    w.fault(TOKENIZE, json!({"kind": "http_status", "status": 503}), 1).await;
    assert_eq!(w.client.balance(&sophia).await.unwrap().cash, idr(5_000_000));
    w.fault(TOKENIZE, json!({"kind": "http_status", "status": 502}), 3).await;
    assert_eq!(
        w.client.balance(&sophia).await.unwrap_err(),
        ProviderError::Unavailable { product: PRODUCT, status: 502 }
    );
    w.clear_faults().await;

    // Malformed answer to a write: processed, unknown, resolved by status.
    let r = reference();
    w.fault(TOKENIZE, json!({"kind": "malformed_body"}), 1).await;
    let err = w.client.pay(&payment(&r, SOPHIA, 11_000)).await.unwrap_err();
    assert!(
        matches!(
            err,
            ProviderError::UnknownOutcome { cause: UnknownCause::MalformedReply { .. }, .. }
        ),
        "{err:?}"
    );
    assert_eq!(
        w.client.status(&status_of(&r, None, 11_000)).await.unwrap().state,
        PaymentState::Pending
    );
    // Malformed answer to a read.
    w.fault(TOKENIZE, json!({"kind": "malformed_body"}), 1).await;
    assert!(matches!(
        w.client.balance(&sophia).await.unwrap_err(),
        ProviderError::MalformedReply { .. }
    ));

    // Dropped connection on a write: unknown; not processed, so the status finds nothing.
    let r = reference();
    w.fault(TOKENIZE, json!({"kind": "drop_connection"}), 1).await;
    let err = w.client.pay(&payment(&r, SOPHIA, 13_000)).await.unwrap_err();
    assert_eq!(err, unknown_pay(UnknownCause::ConnectionLost));
    let state = w.client.status(&status_of(&r, None, 13_000)).await.unwrap().state;
    assert!(matches!(state, PaymentState::NotFound { ref code, .. } if code == "5"), "{state:?}");

    // The status endpoint itself: a lost answer to a read is retried.
    w.fault(STATUS, json!({"kind": "lose_response"}), 1).await;
    assert!(w.client.status(&status_of(&r, None, 13_000)).await.is_ok());
    w.fault(STATUS, json!({"kind": "drop_connection"}), 3).await;
    let err = w.client.status(&status_of(&r, None, 13_000)).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Connection { operation: Operation::Status, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn duplicate_and_wrongly_signed_notifications() {
    let w = world().await;
    w.link(SOPHIA).await;

    // Delivered twice: the same dedup_key twice.
    w.fault("notification", json!({"kind": "duplicate_notification"}), 1).await;
    let r = reference();
    let trx_id = w.pay(&r, SOPHIA, 10_000).await;
    w.approve("pin_payment").await;
    let posts = wait(&w.receiver, "POST", 2).await;
    let keys: Vec<String> =
        posts.iter().map(|p| w.client.verify_notification(p).unwrap().dedup_key).collect();
    assert_eq!(keys, [format!("faspay:payment:{trx_id}:2"), format!("faspay:payment:{trx_id}:2")]);

    // Signed with a wrong password: BadSignature.
    w.fault("notification", json!({"kind": "wrong_signature_notification"}), 1).await;
    let r = reference();
    w.pay(&r, SOPHIA, 10_000).await;
    w.approve("pin_payment").await;
    let posts = wait(&w.receiver, "POST", 3).await;
    assert_eq!(
        w.client.verify_notification(&posts[2]).unwrap_err(),
        NotificationRejection::BadSignature
    );
    // The status query is what decides (an unverified notification is only a reason to ask).
    assert_eq!(
        w.client.status(&status_of(&r, None, 10_000)).await.unwrap().state,
        PaymentState::Succeeded
    );
}

#[tokio::test]
async fn xml_notifications_in_the_legacy_signature_form_and_signed_callbacks() {
    let w = world_with("notification_format = \"xml\"\nlegacy_notification_signature = true\nsign_activation_callback = true").await;
    w.link(SOPHIA).await;
    let r = reference();
    let trx_id = w.pay(&r, SOPHIA, 25_000).await;
    w.approve("pin_payment").await;
    let posts = wait(&w.receiver, "POST", 1).await;
    assert!(posts[0].body.trim_start().starts_with('<'), "{}", posts[0].body);
    let n = w.client.verify_notification(&posts[0]).unwrap();
    assert_eq!(
        payment_event(&n),
        (Some(r.to_string()), Some(trx_id.clone()), PaymentState::Succeeded, Some(idr(25_000)))
    );
    let (content_type, ack) = w.client.notification_reply(&posts[0], Timestamp::UNIX_EPOCH);
    assert_eq!(content_type, "application/xml");
    assert!(ack.contains(&format!("<trx_id>{trx_id}</trx_id>")), "{ack}");

    // A signed activation callback verifies; a wrongly signed one is rejected.
    w.bind_approved("081298765432", "Siti").await;
    let gets = wait(&w.receiver, "GET", 1).await;
    assert!(gets[0].path_and_query.contains("signature="), "{}", gets[0].path_and_query);
    assert!(matches!(
        w.client.verify_notification(&gets[0]).unwrap().event,
        NotificationEvent::Binding { linked: true, .. }
    ));
    w.fault("notification", json!({"kind": "wrong_signature_notification"}), 1).await;
    w.bind_approved("085712345678", "Agus").await;
    let gets = wait(&w.receiver, "GET", 2).await;
    assert_eq!(
        w.client.verify_notification(&gets[1]).unwrap_err(),
        NotificationRejection::BadSignature
    );
}
