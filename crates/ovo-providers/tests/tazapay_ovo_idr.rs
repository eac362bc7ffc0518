//! The Tazapay `ovo_idr` client against the real sandbox over loopback: every operation,
//! each error class, the fault drills and real webhooks.
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::time::Duration;

use ovo_domain::{Msisdn, PayerPhone, Product, TestPhone, Timestamp};
use ovo_providers::capability::{Operation, PaymentKind};
use ovo_providers::model::*;
use ovo_providers::notification::{InboundRequest, NotificationRejection};
use ovo_providers::products::tazapay::{
    confirm_idempotency_key, refund_idempotency_key, TazapayClient, TazapayOptions, ATTEMPT_FAILED,
};
use ovo_providers::{Credentials, Provider, ProviderError, UnknownCause};
use ovo_sandbox::RunningSandbox;
use ovo_test_support::errors::unknown_pay_cause;
use ovo_test_support::phones::{BUDI, DECLINER, EMPTY, NO_ACCOUNT, PAYER};
use ovo_test_support::requests::tazapay_payin as payment;
use ovo_test_support::sim::{self, Sim, TazapayMerchant};
use ovo_test_support::values::{idr, reference};
use ovo_test_support::{Hit, Receiver};
use serde_json::{json, Value};

const API_KEY: &str = "ak_test_PROVIDERSCLIENT01";
const API_SECRET: &str = "sk_test_providersClientSecret0123456789";
const WEBHOOK_SECRET: &str = "whsec_providers_client_test";

const HOOKS: &str = "/hooks";

struct Env {
    sb: RunningSandbox,
    sim: Sim,
    client: TazapayClient,
    receiver: Receiver,
}

fn credentials(secret: &str) -> Credentials {
    Credentials::from_pairs(
        Product::TazapayOvoIdr,
        [
            ("api_key", API_KEY.to_owned()),
            ("api_secret", secret.to_owned()),
            ("webhook_secret", WEBHOOK_SECRET.to_owned()),
        ],
    )
}

fn quick() -> TazapayOptions {
    TazapayOptions {
        create_timeout: Duration::from_secs(5),
        confirm_timeout: Duration::from_secs(5),
        fetch_timeout: Duration::from_secs(5),
        refund_timeout: Duration::from_secs(5),
        cancel_timeout: Duration::from_secs(5),
        ..TazapayOptions::default()
    }
}

async fn env_with(options: TazapayOptions) -> Env {
    let hooks = Receiver::start("").await;
    let hook_url = hooks.url(HOOKS);
    let toml = TazapayMerchant {
        name: "Providers Client Test",
        api_key: API_KEY,
        api_secret: API_SECRET,
        webhook_secret: WEBHOOK_SECRET,
        webhook_url: &hook_url,
    }
    .toml();
    // 0.01: the 70 s push wait is 700 ms, long enough for the test to answer it.
    let sb = sim::start(&toml, "0.01").await;
    let client = TazapayClient::new(&sb.url(), &credentials(API_SECRET), options).unwrap();
    Env { sim: Sim::of(&sb), sb, client, receiver: hooks }
}

async fn env() -> Env {
    env_with(quick()).await
}

fn status_of(p: &PaymentRequest, provider_ref: Option<String>) -> StatusRequest {
    StatusRequest {
        reference: p.reference.clone(),
        provider_ref,
        kind: PaymentKind::Payin,
        amount: p.amount,
        account: None,
        created_at: Timestamp::UNIX_EPOCH,
    }
}

fn refund_of(p: &PaymentRequest, payin: &str, amount: i64, n: u32) -> RefundRequest {
    let refund_reference = reference();
    RefundRequest {
        idempotency_key: refund_idempotency_key(&p.reference, n),
        refund_reference,
        payment_reference: p.reference.clone(),
        payment_provider_ref: Some(payin.to_owned()),
        amount: idr(amount),
        payment_amount: p.amount,
        reason: "Customer Return".into(),
        account: None,
        provider_ref: None,
    }
}

/// A webhook, not any other request to the merchant's endpoint.
fn is_hook(hit: &Hit) -> bool {
    hit.method == "POST" && hit.path() == HOOKS
}

impl Env {
    /// The webhooks received so far.
    fn hooks(&self) -> Vec<InboundRequest> {
        self.receiver.hits().iter().filter(|h| is_hook(h)).map(Hit::inbound).collect()
    }

    async fn fault(&self, endpoint: &str, fault: Value, count: u32) {
        self.sim.arm("tazapay_ovo_idr", endpoint, fault, count).await;
    }

    /// The customer answers the push on their phone.
    async fn approve_push(&self, phone: &str) {
        let canonical = Msisdn::parse(phone).unwrap().canonical().to_owned();
        let id = eventually(|| async {
            let pending = self.sim.pending().await;
            pending
                .iter()
                .find(|a| a["product"] == "tazapay_ovo_idr" && a["phone"] == canonical.as_str())
                .map(|a| a["id"].as_str().unwrap().to_owned())
        })
        .await;
        self.sim.decide(&id, json!({"decision":"approve","source":"cash"})).await;
    }

    /// The payment's state, by a status query on `payin`.
    async fn state_of(&self, p: &PaymentRequest, payin: &str) -> PaymentState {
        self.client.status(&status_of(p, Some(payin.to_owned()))).await.unwrap().state
    }

    async fn settled(&self, p: &PaymentRequest, payin: &str) -> PaymentOutcome {
        eventually(|| async {
            let outcome = self.client.status(&status_of(p, Some(payin.to_owned()))).await.unwrap();
            outcome.state.is_final().then_some(outcome)
        })
        .await
    }

    /// A Rp 10,000 payin by the payer, created first (the two-step form), whose confirm by
    /// `pay` meets `fault`: the request, the cause of the unknown outcome, the payin's id.
    async fn confirm_meeting(&self, fault: Value) -> (PaymentRequest, UnknownCause, String) {
        self.fault("/v3/payin/{id}/confirm", fault, 1).await;
        let p = payment(&reference(), 1, 10_000, PAYER);
        self.client.create_payin(&p).await.unwrap();
        let cause =
            unknown_pay_cause(Product::TazapayOvoIdr, self.client.pay(&p).await.unwrap_err());
        let payin = self.client.payin_id_for(&p.reference).unwrap();
        (p, cause, payin)
    }

    /// The payer (who approves at once) pays `rupiah`, and the payment has succeeded: the
    /// request and the payin's id.
    async fn paid_by_the_payer(&self, rupiah: i64) -> (PaymentRequest, String) {
        let p = payment(&reference(), 1, rupiah, PAYER);
        let payin = self.client.pay(&p).await.unwrap().provider_ref.unwrap();
        assert_eq!(self.settled(&p, &payin).await.state, PaymentState::Succeeded);
        (p, payin)
    }

    async fn payins(&self) -> usize {
        let all = self.sim.get("/_sandbox/tazapay_ovo_idr/payins").await;
        all.as_array().map(Vec::len).unwrap_or_else(|| panic!("{all}"))
    }
}

/// Polls for up to 10 s.
async fn eventually<T, F: Future<Output = Option<T>>>(mut probe: impl FnMut() -> F) -> T {
    for _ in 0..500 {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("condition not met in 10 s");
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_push_approved_on_the_phone_succeeds_and_is_refunded_in_full_once() {
    let t = env().await;
    let p = payment(&reference(), 1, 15_000, BUDI);
    let started = t.client.pay(&p).await.unwrap();
    assert_eq!(started.state, PaymentState::Pending);
    let payin = started.provider_ref.clone().unwrap();
    assert!(payin.starts_with("pay_"), "{payin}");
    assert_eq!(t.client.payin_id_for(&p.reference), Some(payin.clone()));

    t.approve_push(BUDI).await;
    let done = t.settled(&p, &payin).await;
    assert_eq!(done.state, PaymentState::Succeeded);
    assert_eq!(done.provider_ref.as_deref(), Some(payin.as_str()));
    assert!(done.provider_status.starts_with("succeeded"), "{}", done.provider_status);

    let mut r = refund_of(&p, &payin, 15_000, 1);
    let refund = t.client.refund(&r).await.unwrap();
    assert_eq!(refund.state, RefundState::Pending);
    let rfd = refund.provider_ref.clone().unwrap();
    assert!(rfd.starts_with("rfd_"), "{rfd}");
    r.provider_ref = Some(rfd);
    let settled = eventually(|| async {
        let o = t.client.refund_status(&r).await.unwrap();
        (o.state != RefundState::Pending).then_some(o)
    })
    .await;
    assert_eq!(settled.state, RefundState::Succeeded);

    // Cumulative ≤ paid: a second full refund is refused, its code kept.
    let err = t.client.refund(&refund_of(&p, &payin, 15_000, 2)).await.unwrap_err();
    assert!(matches!(&err, ProviderError::Declined { code, .. } if code == "30012"), "{err:?}");
}

#[tokio::test]
async fn a_declined_push_fails_with_its_reason_and_a_re_push_on_the_same_payin_succeeds() {
    let t = env().await;
    let reference = reference();
    let first = payment(&reference, 1, 20_000, DECLINER);
    let declined = t.client.pay(&first).await.unwrap();
    let payin = declined.provider_ref.clone().unwrap();
    let declined = match declined.state {
        PaymentState::Failed { .. } => declined,
        _ => t.settled(&first, &payin).await,
    };
    assert_eq!(
        declined.state,
        PaymentState::Failed {
            code: ATTEMPT_FAILED.into(),
            message: "declined by customer".into()
        }
    );

    // Re-push (§1 step 4): a new confirm on the same payin, with the next key.
    let second = payment(&reference, 2, 20_000, PAYER);
    let repushed = t.client.request_again(&second, &payin).await.unwrap();
    assert_eq!(repushed.provider_ref.as_deref(), Some(payin.as_str()), "same payin");
    assert_eq!(t.settled(&second, &payin).await.state, PaymentState::Succeeded);
    assert_eq!(t.payins().await, 1);

    // Two attempts: the client names the succeeded one, so no 30008.
    let refund = t.client.refund(&refund_of(&second, &payin, 20_000, 1)).await.unwrap();
    assert_eq!(refund.state, RefundState::Pending);
}

#[tokio::test]
async fn magic_phones_fail_with_the_providers_reasons() {
    let t = env().await;
    for (phone, reason) in
        [(EMPTY, "insufficient balance"), (NO_ACCOUNT, "invalid phone number: no OVO account")]
    {
        let p = payment(&reference(), 1, 10_000, phone);
        let outcome = t.client.pay(&p).await.unwrap();
        let payin = outcome.provider_ref.clone().unwrap();
        let outcome = if outcome.state.is_final() { outcome } else { t.settled(&p, &payin).await };
        assert_eq!(
            outcome.state,
            PaymentState::Failed { code: ATTEMPT_FAILED.into(), message: reason.into() },
            "{phone}"
        );
    }
}

#[tokio::test]
async fn a_pending_payin_can_be_cancelled() {
    let t = env().await;
    let p = payment(&reference(), 1, 12_000, BUDI);
    let payin = t.client.pay(&p).await.unwrap().provider_ref.unwrap();
    let cancelled = t.client.cancel_payin(&p.reference, &payin).await.unwrap();
    assert_eq!(cancelled.state, PaymentState::Cancelled);
    assert_eq!(t.state_of(&p, &payin).await, PaymentState::Cancelled);
}

#[tokio::test]
async fn cancel_withdraws_an_open_payin_and_is_refused_once_paid() {
    let t = env().await;
    let open = payment(&reference(), 1, 13_000, BUDI);
    let payin = t.client.pay(&open).await.unwrap().provider_ref.unwrap();
    let cancelled = t.client.cancel(&status_of(&open, Some(payin.clone()))).await.unwrap();
    assert_eq!(cancelled.state, PaymentState::Cancelled);
    assert_eq!(cancelled.provider_ref.as_deref(), Some(payin.as_str()));
    // Same idempotency key: a repeated cancel replays the first answer.
    assert_eq!(
        t.client.cancel(&status_of(&open, Some(payin))).await.unwrap().state,
        PaymentState::Cancelled
    );

    let paid = payment(&reference(), 1, 14_000, BUDI);
    let payin = t.client.pay(&paid).await.unwrap().provider_ref.unwrap();
    t.approve_push(BUDI).await;
    assert_eq!(t.settled(&paid, &payin).await.state, PaymentState::Succeeded);
    let refused = t.client.cancel(&status_of(&paid, Some(payin.clone()))).await.unwrap_err();
    assert!(!matches!(refused, ProviderError::UnknownOutcome { .. }), "{refused:?}");
    assert_eq!(t.state_of(&paid, &payin).await, PaymentState::Succeeded);
}

#[tokio::test]
async fn the_first_attempt_creates_and_confirms_the_payin_in_one_call() {
    let t = env().await;
    let p = payment(&reference(), 1, 16_000, BUDI);
    let started = t.client.pay(&p).await.unwrap();
    assert_eq!(started.state, PaymentState::Pending, "requires_action at once");
    let payin = started.provider_ref.clone().unwrap();
    assert!(started.attempt_expires_at.is_some(), "the attempt's expires_at is read");
    let received = t.sim.get("/_sandbox/received?product=tazapay_ovo_idr").await;
    let calls: Vec<&Value> =
        received.as_array().unwrap().iter().filter(|r| r["method"] == "POST").collect();
    assert_eq!(calls.len(), 1, "one call: {received}");
    assert_eq!(calls[0]["endpoint"], "/v3/payin");
    let body: Value = serde_json::from_str(calls[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["confirm"], true);
    assert_eq!(
        body["payment_method_details"]["ovo_idr"]["phone"],
        json!({"calling_code":"62","number":"81234567890"})
    );
    t.approve_push(BUDI).await;
    assert_eq!(t.settled(&p, &payin).await.state, PaymentState::Succeeded);
    assert_eq!(t.payins().await, 1);
}

#[tokio::test]
async fn an_expired_attempt_is_requested_again_on_the_same_payin() {
    let t = env().await;
    let reference = reference();
    // Nobody answers the push: the attempt expires after 70 s × scale (§15).
    let first = payment(&reference, 1, 18_000, BUDI);
    let payin = t.client.pay(&first).await.unwrap().provider_ref.unwrap();
    let expired = t.settled(&first, &payin).await;
    assert_eq!(
        expired.state,
        PaymentState::Failed { code: ATTEMPT_FAILED.into(), message: "expired".into() }
    );
    assert!(
        expired.provider_status.starts_with("requires_payment_method"),
        "{}",
        expired.provider_status
    );

    let again = payment(&reference, 2, 18_000, BUDI);
    let repushed = t.client.request_again(&again, &payin).await.unwrap();
    assert_eq!(repushed.state, PaymentState::Pending);
    assert_eq!(repushed.provider_ref.as_deref(), Some(payin.as_str()), "the same payin");
    t.approve_push(BUDI).await;
    assert_eq!(t.settled(&again, &payin).await.state, PaymentState::Succeeded);
    assert_eq!(t.payins().await, 1, "no new payment");
    let one = t.sim.get(&format!("/_sandbox/tazapay_ovo_idr/payins/{payin}")).await;
    let attempts = one["attempts"].as_array();
    assert_eq!(attempts.map(Vec::len), Some(2), "{one}");
    let received = t.sim.get("/_sandbox/received?product=tazapay_ovo_idr").await;
    let confirm_keys: Vec<String> = received
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["endpoint"] == "/v3/payin/{id}/confirm")
        .filter_map(|r| {
            r["headers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("idempotency-key"))
                .map(|h| h[1].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(confirm_keys, [confirm_idempotency_key(&reference, 2)]);

    // A payin that does not exist is the provider's "not found", not a new payment.
    let err = t
        .client
        .request_again(&payment(&reference, 3, 18_000, BUDI), "pay_AAAAAAAAAAAAAAAAAAAA")
        .await
        .unwrap_err();
    assert!(matches!(&err, ProviderError::InvalidRequest { code, .. } if code == "105"), "{err:?}");
    assert_eq!(t.payins().await, 1);
}

#[tokio::test]
async fn the_test_mode_phone_is_sent_as_documented_and_succeeds() {
    let t = env().await;
    let mut p = payment(&reference(), 1, 21_000, BUDI);
    p.phone = PayerPhone::Test(TestPhone::TazapayBypass);
    let payin = t.client.pay(&p).await.unwrap().provider_ref.unwrap();
    assert_eq!(
        t.settled(&p, &payin).await.state,
        PaymentState::Succeeded,
        "§15: succeeds 70 s after creation"
    );
    let received = t.sim.get("/_sandbox/received?product=tazapay_ovo_idr").await;
    let create = received
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["endpoint"] == "/v3/payin" && r["method"] == "POST")
        .unwrap();
    let body: Value = serde_json::from_str(create["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["payment_method_details"]["ovo_idr"]["phone"],
        json!({"calling_code":"62","number":"0123456789"})
    );
}

// ---------------------------------------------------------------------------------------------
// Error classes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn refund_rules_are_declines_that_keep_the_code() {
    let t = env().await;
    let p = payment(&reference(), 1, 30_000, PAYER);
    let payin = t.client.pay(&p).await.unwrap().provider_ref.unwrap();
    let pending = payment(&reference(), 1, 30_000, BUDI);
    let pending_payin = t.client.pay(&pending).await.unwrap().provider_ref.unwrap();
    let err = t.client.refund(&refund_of(&pending, &pending_payin, 30_000, 1)).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Declined { code, .. } if code == "30009"),
        "not succeeded: {err:?}"
    );

    assert_eq!(t.settled(&p, &payin).await.state, PaymentState::Succeeded);
    let err = t.client.refund(&refund_of(&p, &payin, 10_000, 1)).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Declined { code, message, .. } if code == "30021" && !message.is_empty()),
        "partial: {err:?}"
    );
    assert_eq!(err.provider_code(), Some("30021"));
}

#[tokio::test]
async fn wrong_credentials_are_authentication_errors() {
    let t = env().await;
    let bad = TazapayClient::new(&t.sb.url(), &credentials("sk_test_wrong"), quick()).unwrap();
    let err = bad.pay(&payment(&reference(), 1, 10_000, BUDI)).await.unwrap_err();
    assert!(matches!(&err, ProviderError::Authentication { code, .. } if code == "111"), "{err:?}");
    assert!(!format!("{err:?}{err}").contains("sk_test_wrong"));
    assert!(!format!("{bad:?}").contains("sk_test_wrong"), "no secret in Debug");
    // The connection test: fetching an unused payin id is `105` not found once authenticated.
    let err = bad.test_connection().await.unwrap_err();
    assert!(matches!(&err, ProviderError::Authentication { code, .. } if code == "111"), "{err:?}");
    let proof = t.client.test_connection().await.unwrap();
    assert!(proof.answer.starts_with("105"), "{proof:?}");

    let missing =
        Credentials::from_pairs(Product::TazapayOvoIdr, [("api_key", API_KEY.to_owned())]);
    let err = TazapayClient::new(&t.sb.url(), &missing, quick()).unwrap_err();
    assert_eq!(
        err,
        ProviderError::MissingCredential { product: Product::TazapayOvoIdr, field: "api_secret" }
    );
}

#[tokio::test]
async fn invalid_requests_keep_the_providers_code() {
    let t = env().await;
    let mut p = payment(&reference(), 1, 10_000, BUDI);
    p.description = String::new();
    let err = t.client.pay(&p).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::InvalidRequest { code, .. } if code == "99000"),
        "{err:?}"
    );

    let p = payment(&reference(), 1, 10_000, BUDI);
    // A payin Tazapay has no record of is `NotFound`, never a failure.
    let seen =
        t.client.status(&status_of(&p, Some("pay_AAAAAAAAAAAAAAAAAAAA".into()))).await.unwrap();
    assert!(
        matches!(&seen.state, PaymentState::NotFound { code, .. } if code == "105"),
        "{seen:?}"
    );
    let mut r = refund_of(&p, "pay_x", 10_000, 1);
    r.provider_ref = Some("rfd_AAAAAAAAAAAAAAAAAAAA".into());
    // An rfd id Tazapay does not know (105, HTTP 404) is "not found", never "failed".
    let unknown = t.client.refund_status(&r).await.unwrap();
    assert!(
        matches!(&unknown.state, RefundState::NotFound { code, .. } if code == "105"),
        "{unknown:?}"
    );
    // With no rfd id (the first answer was lost) there is nothing to fetch: not found either,
    // and nothing is sent.
    r.provider_ref = None;
    let unknown = t.client.refund_status(&r).await.unwrap();
    assert!(matches!(&unknown.state, RefundState::NotFound { .. }), "{unknown:?}");
    // No payin id recorded: nothing is sent, and nothing is concluded.
    let seen = t.client.status(&status_of(&p, None)).await.unwrap();
    assert!(
        matches!(&seen.state, PaymentState::NotFound { code, .. } if code == "no_payin_id"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn operations_the_product_lacks_are_unsupported() {
    let t = env().await;
    let account = LinkedAccount {
        phone: Msisdn::parse(BUDI).unwrap(),
        provider_ref: None,
        token: None,
        refresh_token: None,
        token_expires_at: None,
    };
    let unsupported = |r: Result<(), ProviderError>, operation| {
        assert_eq!(
            r.unwrap_err(),
            ProviderError::Unsupported { product: Product::TazapayOvoIdr, operation }
        );
    };
    unsupported(t.client.balance(&account).await.map(|_| ()), Operation::Balance);
    unsupported(t.client.unbind(&account).await.map(|_| ()), Operation::Unbind);
    unsupported(
        t.client.top_up_instructions(&account).await.map(|_| ()),
        Operation::TopUpInstructions,
    );
    let bind = BindRequest {
        reference: reference(),
        phone: account.phone.clone(),
        merchant_customer_id: "c1".into(),
        return_url: "https://x".into(),
    };
    unsupported(t.client.bind(&bind).await.map(|_| ()), Operation::Bind);
    let today = ovo_domain::wib_date(ovo_domain::Clock::now(&ovo_domain::SystemClock));
    let history = HistoryQuery { account, from: today, to: today, page: 1 };
    unsupported(t.client.history(&history).await.map(|_| ()), Operation::History);
    assert!(t.client.capabilities().supports(Operation::Refund));
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_confirm_answered_too_late_is_an_unknown_outcome_that_status_and_the_same_key_resolve() {
    let t =
        env_with(TazapayOptions { confirm_timeout: Duration::from_millis(300), ..quick() }).await;
    let (p, cause, payin) = t.confirm_meeting(json!({"kind":"delay","ms":1500})).await;
    assert_eq!(cause, UnknownCause::Timeout);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    // The status query answers (whether or not the late confirm was processed) ...
    let seen = t.client.status(&status_of(&p, Some(payin.clone()))).await.unwrap();
    assert_eq!(seen.provider_ref.as_deref(), Some(payin.as_str()));
    // ... and resending under the same key never makes a second push.
    if !seen.state.is_final() {
        let _ = t.client.pay(&p).await.unwrap();
    }
    assert_eq!(t.settled(&p, &payin).await.state, PaymentState::Succeeded);
}

#[tokio::test]
async fn a_lost_confirm_answer_is_an_unknown_outcome_resolved_by_status() {
    let t = env().await;
    let (p, cause, payin) = t.confirm_meeting(json!({"kind":"lose_response"})).await;
    assert_eq!(cause, UnknownCause::ConnectionLost);
    // The confirm was processed: the payer pays at once.
    assert_eq!(t.settled(&p, &payin).await.state, PaymentState::Succeeded);
}

#[tokio::test]
async fn a_lost_create_answer_is_resolved_by_repeating_with_the_same_key() {
    let t = env().await;
    t.fault("/v3/payin", json!({"kind":"lose_response"}), 1).await;
    let p = payment(&reference(), 1, 10_000, PAYER);
    assert!(t.client.pay(&p).await.unwrap_err().is_unknown_outcome());
    assert_eq!(t.client.payin_id_for(&p.reference), None);
    assert_eq!(t.payins().await, 1, "the create was processed");
    // The same key replays the stored answer: still one payin.
    let outcome = t.client.pay(&p).await.unwrap();
    assert_eq!(t.payins().await, 1);
    assert_eq!(t.settled(&p, &outcome.provider_ref.unwrap()).await.state, PaymentState::Succeeded);
}

#[tokio::test]
async fn server_errors_are_unknown_for_writes_and_retried_for_reads() {
    let t = env().await;
    t.fault("/v3/payin", json!({"kind":"http_status","status":503}), 1).await;
    let p = payment(&reference(), 1, 10_000, BUDI);
    assert_eq!(
        unknown_pay_cause(Product::TazapayOvoIdr, t.client.pay(&p).await.unwrap_err()),
        UnknownCause::ServerError { status: 503 }
    );
    let payin = t.client.pay(&p).await.unwrap().provider_ref.unwrap();

    t.fault("/v3/payin/{id}", json!({"kind":"http_status","status":502}), 1).await;
    assert_eq!(t.state_of(&p, &payin).await, PaymentState::Pending, "one retry");
    t.fault("/v3/payin/{id}", json!({"kind":"http_status","status":503}), 3).await;
    let err = t.client.status(&status_of(&p, Some(payin))).await.unwrap_err();
    assert_eq!(err, ProviderError::Unavailable { product: Product::TazapayOvoIdr, status: 503 });
}

#[tokio::test]
async fn malformed_answers_are_unknown_for_writes_and_malformed_for_reads() {
    let t = env().await;
    let (p, cause, payin) = t.confirm_meeting(json!({"kind":"malformed_body"})).await;
    assert!(matches!(cause, UnknownCause::MalformedReply { .. }));
    t.fault("/v3/payin/{id}", json!({"kind":"malformed_body"}), 1).await;
    let err = t.client.status(&status_of(&p, Some(payin.clone()))).await.unwrap_err();
    assert!(matches!(err, ProviderError::MalformedReply { .. }), "{err:?}");
    assert_eq!(
        t.settled(&p, &payin).await.state,
        PaymentState::Succeeded,
        "processed before the answer broke"
    );
}

#[tokio::test]
async fn dropped_connections_are_unknown_for_writes_and_retried_for_reads() {
    let t = env().await;
    let (p, cause, payin) = t.confirm_meeting(json!({"kind":"drop_connection"})).await;
    assert_eq!(cause, UnknownCause::ConnectionLost);
    t.fault("/v3/payin/{id}", json!({"kind":"drop_connection"}), 1).await;
    // Not processed: the payin still waits for a confirm; the status read is retried.
    assert_eq!(t.state_of(&p, &payin).await, PaymentState::Pending);
    t.client.pay(&p).await.unwrap();
    assert_eq!(t.settled(&p, &payin).await.state, PaymentState::Succeeded);
}

#[tokio::test]
async fn a_lost_refund_answer_is_resolved_by_the_same_key() {
    let t = env().await;
    let (p, payin) = t.paid_by_the_payer(25_000).await;
    t.fault("/v3/refund", json!({"kind":"lose_response"}), 1).await;
    let r = refund_of(&p, &payin, 25_000, 1);
    assert!(t.client.refund(&r).await.unwrap_err().is_unknown_outcome());
    // Idempotency-Key replays the stored 2xx instead of refunding twice (no 30012).
    let replayed = t.client.refund(&r).await.unwrap();
    assert!(replayed.provider_ref.unwrap().starts_with("rfd_"));
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

async fn hooks_where(t: &Env, n: usize) -> Vec<InboundRequest> {
    let got = t.receiver.wait(n, is_hook).await;
    got.iter().map(Hit::inbound).collect()
}

fn event_type(request: &InboundRequest) -> String {
    serde_json::from_str::<Value>(&request.body).unwrap()["type"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn real_webhooks_verify_and_parse() {
    let t = env().await;
    let (p, payin) = t.paid_by_the_payer(10_000).await;
    let got = eventually(|| async {
        let got = t.hooks();
        got.iter().any(|h| event_type(h) == "payin.succeeded").then_some(got)
    })
    .await;
    for hook in &got {
        let n = t.client.verify_notification(hook).unwrap_or_else(|e| panic!("{e}: {}", hook.body));
        assert!(n.dedup_key.starts_with("tazapay_ovo_idr:evt_"));
        if event_type(hook) == "payin.succeeded" {
            assert_eq!(
                n.event.as_payment(),
                Some((
                    Some(p.reference.as_str()),
                    Some(payin.as_str()),
                    &PaymentState::Succeeded,
                    Some(idr(10_000))
                ))
            );
        }
    }
    // A tampered body is refused.
    let mut tampered = got[0].clone();
    tampered.body = tampered.body.replacen("\"id\"", "\"id\" ", 1);
    assert_eq!(
        t.client.verify_notification(&tampered).unwrap_err(),
        NotificationRejection::BadSignature
    );
}

#[tokio::test]
async fn a_duplicate_webhook_has_the_same_dedup_key_and_a_wrongly_signed_one_is_rejected() {
    let t = env().await;
    t.fault("notification", json!({"kind":"duplicate_notification"}), 1).await;
    t.paid_by_the_payer(10_000).await;
    // One call creates and confirms: payin.requires_action, payment_attempt.succeeded and
    // payin.succeeded, the first delivered twice.
    let got = hooks_where(&t, 4).await;
    let keys: Vec<String> =
        got.iter().map(|h| t.client.verify_notification(h).unwrap().dedup_key).collect();
    let twice: Vec<&String> =
        keys.iter().filter(|k| keys.iter().filter(|o| o == k).count() == 2).collect();
    assert_eq!(twice.len(), 2, "one event delivered twice under one key: {keys:?}");
    assert_eq!(twice[0], twice[1]);

    let before = t.hooks().len();
    t.fault("notification", json!({"kind":"wrong_signature_notification"}), 1).await;
    t.paid_by_the_payer(10_000).await;
    let got = hooks_where(&t, before + 3).await;
    let verdicts: Vec<_> =
        got[before..].iter().map(|h| t.client.verify_notification(h).err()).collect();
    let rejected =
        verdicts.iter().filter(|v| **v == Some(NotificationRejection::BadSignature)).count();
    assert_eq!(rejected, 1, "{verdicts:?}");
    assert!(verdicts
        .iter()
        .all(|v| v.is_none() || *v == Some(NotificationRejection::BadSignature)));
}
