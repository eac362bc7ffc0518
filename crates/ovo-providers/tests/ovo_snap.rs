//! The OVO SNAP client against the real sandbox over loopback: every operation, each error
//! class, the sandbox's fault injections, and real notifications received by the shared
//! receiver.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use ovo_domain::{Msisdn, Product};
use ovo_providers::capability::PaymentKind;
use ovo_providers::model::*;
use ovo_providers::notification::{InboundRequest, NotificationEvent, NotificationRejection};
use ovo_providers::products::ovo_snap::{OvoSnapClient, OvoSnapOptions};
use ovo_providers::{Credentials, Operation, Provider, ProviderError, UnknownCause};
use ovo_sandbox::RunningSandbox;
use ovo_secrets::Sensitive;
use ovo_test_support::keys::{CLIENT_PRIVATE_PKCS1, CLIENT_PRIVATE_PKCS8, CLIENT_PUBLIC_PKCS1};
use ovo_test_support::phones::{BUDI, DECLINER, EMPTY, LIMIT, NO_ACCOUNT, PAYER};
use ovo_test_support::sim::{self, Sim};
use ovo_test_support::values::{idr, phone, reference};
use ovo_test_support::{Hit, Receiver};
use serde_json::{json, Value};

const CLIENT_ID: &str = "test-ovosnap-client";
const SECRET: &str = "test-ovosnap-secret";
const V2: &str = "/OVOSNAP/v2.0";
/// Scaled tokens live 900 s × 0.02 = 18 s: long enough for a test with a 1.5 s wait in it
/// (at 0.001 they live 0.9 s; the refresh path then runs, see `customer_token_refresh`).
const SCALE: &str = "0.02";

/// Siti in the local form.
const SITI: &str = "081298765432";

struct Env {
    sb: RunningSandbox,
    sim: Sim,
    receiver: Receiver,
    client: OvoSnapClient,
}

fn merchants(callback: &str) -> String {
    format!(
        r#"
[[ovo_snap]]
name = "Test Merchant"
client_id = "{CLIENT_ID}"
client_secret = "{SECRET}"
callback_url = "{callback}"
refund_window_days = 60
partial_refund = true
merchant_public_key = """
{CLIENT_PUBLIC_PKCS1}"""
"#
    )
}

fn credentials(secret: &str, private_key: &str) -> Credentials {
    Credentials::from_pairs(
        Product::OvoSnap,
        [
            ("client_id", CLIENT_ID.to_owned()),
            ("client_secret", secret.to_owned()),
            ("merchant_private_key", private_key.to_owned()),
        ],
    )
}

/// The merchant's notification endpoint's path.
const CALLBACK: &str = "/ovo/callback";

/// The merchant's acknowledgement of a notification.
const ACK: &str = r#"{"responseCode":"2005600","responseMessage":"Successful"}"#;

async fn env_with(options: OvoSnapOptions) -> Env {
    env_scaled(options, SCALE).await
}

async fn env_scaled(options: OvoSnapOptions, scale: &str) -> Env {
    let receiver = Receiver::start(ACK).await;
    let sb = sim::start(&merchants(&receiver.url(CALLBACK)), scale).await;
    let client =
        OvoSnapClient::new(&sb.url(), &credentials(SECRET, CLIENT_PRIVATE_PKCS1), options).unwrap();
    Env { sim: Sim::of(&sb), sb, receiver, client }
}

async fn env() -> Env {
    env_with(OvoSnapOptions::default()).await
}

impl Env {
    async fn get(&self, path: &str) -> Value {
        self.sim.get(path).await
    }

    async fn fault(&self, endpoint: &str, fault: Value, count: u32) {
        self.sim.arm("ovo_snap", endpoint, fault, count).await;
    }

    /// The customer's pending step for this phone.
    async fn pending_for(&self, phone: &Msisdn) -> Value {
        for _ in 0..200 {
            let list = self.get("/_sandbox/pending").await;
            let found = list.as_array().unwrap().iter().find(|p| {
                p["product"] == "ovo_snap"
                    && p["phone"]
                        .as_str()
                        .is_some_and(|x| Msisdn::parse(x).ok().as_ref() == Some(phone))
            });
            if let Some(found) = found {
                return found.clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no pending ovo_snap step for {phone}: {}", self.get("/_sandbox/pending").await);
    }

    async fn approve(&self, phone: &Msisdn, source: &str) {
        let pending = self.pending_for(phone).await;
        let id = pending["id"].as_str().unwrap();
        self.sim.decide(id, json!({"decision": "approve", "source": source})).await;
    }

    /// The authCode the webview appended to our return URL (read from the sandbox's state,
    /// as the app reads it from the return URL).
    async fn auth_code(&self, binding_ref: &str) -> Option<String> {
        for _ in 0..200 {
            let state = self.get("/_sandbox/ovo_snap/state").await;
            if let Some(code) = find_auth_code(&state, binding_ref) {
                return Some(code);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    /// Binding, the customer's T&C/OTP/PIN (approved), and the B2B2C exchange.
    async fn link(&self, p: &str) -> LinkedAccount {
        let phone = phone(p);
        let reference = reference();
        let started = self
            .client
            .bind(&BindRequest {
                reference: reference.clone(),
                phone: phone.clone(),
                merchant_customer_id: "CUST-1".into(),
                return_url: "http://merchant.test/linked".into(),
            })
            .await
            .unwrap();
        assert!(started.redirect_url.contains("/_sandbox/customer/"), "{}", started.redirect_url);
        if p != PAYER {
            self.approve(&phone, "cash").await;
        }
        let code =
            self.auth_code(reference.as_str()).await.unwrap_or_else(|| panic!("no authCode"));
        self.client
            .complete_binding(&CompleteBinding {
                reference,
                phone,
                provider_ref: started.provider_ref,
                auth_code: Some(Sensitive::new(code)),
                pending_token: started.pending_token,
            })
            .await
            .unwrap()
    }

    /// A payment of `rupiah` in cash from `account`, sent and answered: the request.
    async fn paid_in_cash(&self, account: &LinkedAccount, rupiah: i64) -> PaymentRequest {
        let pay = payment(account, rupiah, PaySource::Cash);
        self.client.pay(&pay).await.unwrap();
        pay
    }

    /// Waits until `n` notifications have reached the merchant; answers all so far.
    async fn wait_notifications(&self, n: usize) -> Vec<InboundRequest> {
        let posts = self.receiver.wait(n, |h| h.method == "POST" && h.path() == CALLBACK).await;
        posts.iter().map(Hit::inbound).collect()
    }
}

fn find_auth_code(state: &Value, reference: &str) -> Option<String> {
    match state {
        Value::Object(map) => {
            let mentions = map.values().any(|v| v.as_str() == Some(reference));
            let code = map.get("authCode").or_else(|| map.get("auth_code")).and_then(Value::as_str);
            if let (true, Some(code)) = (mentions, code) {
                return Some(code.to_owned());
            }
            map.values().find_map(|v| find_auth_code(v, reference))
        }
        Value::Array(items) => items.iter().find_map(|v| find_auth_code(v, reference)),
        _ => None,
    }
}

fn payment(account: &LinkedAccount, amount: i64, source: PaySource) -> PaymentRequest {
    let reference = reference();
    PaymentRequest {
        idempotency_key: format!("pay-{reference}"),
        reference,
        kind: PaymentKind::DirectDebit,
        amount: idr(amount),
        phone: account.phone.clone().into(),
        account: Some(account.clone()),
        source,
        description: "test".into(),
        return_url: Some("http://merchant.test/paid".into()),
        customer_name: None,
        customer_email: None,
    }
}

fn status_of(p: &PaymentRequest) -> StatusRequest {
    StatusRequest {
        reference: p.reference.clone(),
        provider_ref: None,
        kind: PaymentKind::DirectDebit,
        amount: p.amount,
        account: p.account.clone(),
        created_at: ovo_domain::Clock::now(&ovo_domain::SystemClock),
    }
}

fn refund_of(p: &PaymentRequest, provider_ref: Option<String>, amount: i64) -> RefundRequest {
    let refund_reference = reference();
    RefundRequest {
        idempotency_key: format!("refund-{refund_reference}"),
        refund_reference,
        payment_reference: p.reference.clone(),
        payment_provider_ref: provider_ref,
        amount: idr(amount),
        payment_amount: p.amount,
        reason: "customer asked".into(),
        account: p.account.clone(),
        provider_ref: None,
    }
}

fn assert_declined(result: ProviderResult<impl std::fmt::Debug>, code: &str) {
    match result {
        Err(ProviderError::Declined { code: c, message, .. }) => {
            assert_eq!(c, code, "{message}");
            assert!(!message.is_empty());
        }
        other => panic!("expected Declined {code}, got {other:?}"),
    }
}

use ovo_providers::ProviderResult;

/// A payment whose outcome is unknown for `cause`.
fn unknown_pay(cause: UnknownCause) -> ProviderError {
    ProviderError::unknown_outcome(Product::OvoSnap, Operation::Pay, cause)
}

#[tokio::test]
async fn link_balance_pay_status_refund_unlink() {
    let env = env().await;
    let account = env.link(BUDI).await;
    assert!(account.token.is_some() && account.refresh_token.is_some());
    assert!(account.token_expires_at.is_some());

    let before = env.client.balance(&account).await.unwrap();
    assert_eq!(before, Balance { cash: idr(2_500_000), points: idr(75_000) });

    let pay = payment(&account, 20_000, PaySource::Cash);
    let started = env.client.pay(&pay).await.unwrap();
    let PaymentState::RedirectRequired { url } = &started.state else { panic!("{started:?}") };
    assert!(url.contains("/_sandbox/customer/"));
    assert!(started.provider_ref.is_some());
    assert_eq!(env.client.status(&status_of(&pay)).await.unwrap().state, PaymentState::Pending);

    env.approve(&account.phone, "cash").await;
    let paid = env.client.status(&status_of(&pay)).await.unwrap();
    assert_eq!(paid.state, PaymentState::Succeeded, "{paid:?}");
    assert_eq!(env.client.balance(&account).await.unwrap().cash, idr(2_480_000));

    // Partial refund, then its status from the payment's refundHistory.
    let refund = refund_of(&pay, started.provider_ref.clone(), 5_000);
    let refunded = env.client.refund(&refund).await.unwrap();
    assert_eq!(refunded.state, RefundState::Succeeded, "{refunded:?}");
    assert!(refunded.provider_ref.is_some());
    let again = env.client.refund_status(&refund).await.unwrap();
    assert_eq!(again.state, RefundState::Succeeded, "{again:?}");
    assert_eq!(env.client.balance(&account).await.unwrap().cash, idr(2_485_000));
    // A refund that was never sent is not in the history: "not found", never "failed" on a guess.
    let never = refund_of(&pay, None, 1_000);
    let unknown = env.client.refund_status(&never).await.unwrap();
    assert!(matches!(unknown.state, RefundState::NotFound { .. }), "{unknown:?}");
    // Over-refund: declined with its code kept.
    assert_declined(env.client.refund(&refund_of(&pay, None, 20_000)).await, "4045813");

    assert_eq!(env.client.unbind(&account).await.unwrap(), UnbindOutcome::Unlinked);
    // Sent again (its answer was lost): the token and its renewal are refused, the link is gone.
    assert_eq!(env.client.unbind(&account).await.unwrap(), UnbindOutcome::AlreadyUnlinked);
    // The token is revoked: the provider refuses it.
    let after = env.client.balance(&LinkedAccount { refresh_token: None, ..account.clone() }).await;
    assert!(
        matches!(after, Err(ProviderError::Authentication { ref code, .. }) if code.starts_with("401")),
        "{after:?}"
    );
}

#[tokio::test]
async fn points_payment_and_immediate_answers() {
    let env = env().await;
    let account = env.link(PAYER).await;
    let pay = payment(&account, 30_000, PaySource::Points);
    let outcome = env.client.pay(&pay).await.unwrap();
    assert_eq!(outcome.state, PaymentState::Succeeded, "{outcome:?}");
    let status = env.client.status(&status_of(&pay)).await.unwrap();
    assert_eq!(status.state, PaymentState::Succeeded);
    assert_eq!(status.paid.map(|s| s.cash.rupiah() + s.points.rupiah()), Some(30_000));
    // A full refund shows the payment as refunded.
    env.client.refund(&refund_of(&pay, outcome.provider_ref.clone(), 30_000)).await.unwrap();
    assert_eq!(env.client.status(&status_of(&pay)).await.unwrap().state, PaymentState::Refunded);
}

#[tokio::test]
async fn pkcs8_key_and_siti_in_national_form() {
    let receiver = Receiver::start(ACK).await;
    let sb = sim::start(&merchants(&receiver.url(CALLBACK)), SCALE).await;
    let options = OvoSnapOptions {
        phone_format: ovo_domain::PhoneFormat::National,
        ..OvoSnapOptions::default()
    };
    let client =
        OvoSnapClient::new(&sb.url(), &credentials(SECRET, CLIENT_PRIVATE_PKCS8), options).unwrap();
    let env = Env { sim: Sim::of(&sb), sb, receiver, client };
    let account = env.link(SITI).await;
    assert_eq!(env.client.balance(&account).await.unwrap().cash, idr(1_200_000));
}

#[tokio::test]
async fn declines_keep_the_provider_code() {
    let env = env().await;
    let empty = env.link(EMPTY).await;
    assert_declined(env.client.pay(&payment(&empty, 10_000, PaySource::Cash)).await, "4035414");
    let limit = env.link(LIMIT).await;
    assert_declined(env.client.pay(&payment(&limit, 10_000, PaySource::Cash)).await, "4035402");

    // No OVO account: the binding is refused.
    let bind = env
        .client
        .bind(&BindRequest {
            reference: reference(),
            phone: phone(NO_ACCOUNT),
            merchant_customer_id: "C".into(),
            return_url: "http://m.test/r".into(),
        })
        .await;
    assert_declined(bind, "4040711");

    // The decliner refuses the linkage: the authCode exchange is refused.
    let reference = reference();
    let started = env
        .client
        .bind(&BindRequest {
            reference: reference.clone(),
            phone: phone(DECLINER),
            merchant_customer_id: "C".into(),
            return_url: "http://m.test/r".into(),
        })
        .await
        .unwrap();
    let exchange = env
        .client
        .complete_binding(&CompleteBinding {
            reference,
            phone: phone(DECLINER),
            provider_ref: started.provider_ref,
            auth_code: Some(Sensitive::new("made-up".into())),
            pending_token: started.pending_token,
        })
        .await;
    assert!(
        matches!(exchange, Err(ProviderError::Authentication { ref code, .. }) if code == "4017400"),
        "{exchange:?}"
    );

    // A payment the sandbox never recorded: NotFound, never a failure on its own.
    let account = env.link(BUDI).await;
    let unknown = payment(&account, 10_000, PaySource::Cash);
    let status = env.client.status(&status_of(&unknown)).await.unwrap();
    assert!(
        matches!(status.state, PaymentState::NotFound { ref code, .. } if code == "4045501"),
        "{status:?}"
    );
}

#[tokio::test]
async fn authentication_and_invalid_requests_and_unsupported() {
    let env = env().await;
    // Wrong client secret: the HMAC does not verify.
    let wrong = OvoSnapClient::new(
        &env.sb.url(),
        &credentials("not-the-secret", CLIENT_PRIVATE_PKCS1),
        OvoSnapOptions::default(),
    )
    .unwrap();
    let bind = BindRequest {
        reference: reference(),
        phone: phone(BUDI),
        merchant_customer_id: "C".into(),
        return_url: "http://m.test/r".into(),
    };
    let e = wrong.bind(&bind).await.unwrap_err();
    assert!(
        matches!(e, ProviderError::Authentication { ref code, .. } if code.starts_with("401") && code.ends_with("00")),
        "{e:?}"
    );
    // Wrong private key: the B2B token is refused (a refund needs it).
    let other_key = include_str!("../../ovo-sandbox/demo-merchants.toml");
    let start = other_key.find("-----BEGIN RSA PRIVATE KEY-----").unwrap();
    let end = other_key[start..].find("-----END RSA PRIVATE KEY-----").unwrap() + start + 29;
    let wrong_key = OvoSnapClient::new(
        &env.sb.url(),
        &credentials(SECRET, &other_key[start..end]),
        OvoSnapOptions::default(),
    )
    .unwrap();
    // The connection test is the B2B token: it proves the client id and the private key.
    assert!(matches!(
        wrong_key.test_connection().await.unwrap_err(),
        ProviderError::Authentication { .. }
    ));
    let proof = OvoSnapClient::new(
        &env.sb.url(),
        &credentials(SECRET, CLIENT_PRIVATE_PKCS1),
        OvoSnapOptions::default(),
    )
    .unwrap()
    .test_connection()
    .await
    .unwrap();
    assert_eq!(proof.answer, "access token issued");
    let account = env.link(PAYER).await;
    let pay = env.paid_in_cash(&account, 10_000).await;
    let e = wrong_key.refund(&refund_of(&pay, None, 1_000)).await.unwrap_err();
    assert!(matches!(e, ProviderError::Authentication { .. }), "{e:?}");

    // An X-DEVICE-ID over 400 characters is an invalid field.
    let long = OvoSnapOptions { device_id: "d".repeat(401), ..OvoSnapOptions::default() };
    let invalid =
        OvoSnapClient::new(&env.sb.url(), &credentials(SECRET, CLIENT_PRIVATE_PKCS1), long)
            .unwrap();
    let e = invalid.balance(&account).await.unwrap_err();
    assert!(
        matches!(e, ProviderError::InvalidRequest { ref code, .. } if code.starts_with("400")),
        "{e:?}"
    );

    // A missing credential is named.
    let none = Credentials::from_pairs(Product::OvoSnap, [("client_id", CLIENT_ID.to_owned())]);
    assert!(matches!(
        OvoSnapClient::new(&env.sb.url(), &none, OvoSnapOptions::default()),
        Err(ProviderError::MissingCredential { field: "client_secret", .. })
    ));

    // What OVO SNAP lacks.
    let history = env
        .client
        .history(&HistoryQuery {
            account: account.clone(),
            from: ovo_domain::parse_date("2024-01-01").unwrap(),
            to: ovo_domain::parse_date("2024-01-02").unwrap(),
            page: 1,
        })
        .await;
    assert_eq!(
        history.unwrap_err(),
        ProviderError::Unsupported { product: Product::OvoSnap, operation: Operation::History }
    );
    let topup = env.client.top_up_instructions(&account).await;
    assert_eq!(
        topup.unwrap_err(),
        ProviderError::Unsupported {
            product: Product::OvoSnap,
            operation: Operation::TopUpInstructions
        }
    );
    // An amount the wire cannot carry is refused before sending: zero is a provider decline.
    assert_declined(env.client.pay(&payment(&account, 0, PaySource::Cash)).await, "4045413");
}

const PAY_PATH: &str = "/OVOSNAP/v2.0/debit/payment-host-to-host";

#[tokio::test]
async fn lost_answers_are_unknown_outcomes_that_a_status_query_resolves() {
    let env = env_with(OvoSnapOptions {
        timeout: Duration::from_millis(800),
        ..OvoSnapOptions::default()
    })
    .await;
    let account = env.link(PAYER).await;

    // Processed, answer lost.
    env.fault(PAY_PATH, json!({"kind": "lose_response"}), 1).await;
    let pay = payment(&account, 10_000, PaySource::Cash);
    let e = env.client.pay(&pay).await.unwrap_err();
    assert_eq!(e, unknown_pay(UnknownCause::ConnectionLost));
    assert_eq!(env.client.status(&status_of(&pay)).await.unwrap().state, PaymentState::Succeeded);

    // Late beyond the call's timeout.
    env.fault(PAY_PATH, json!({"kind": "delay", "ms": 2_000}), 1).await;
    let pay = payment(&account, 11_000, PaySource::Cash);
    let e = env.client.pay(&pay).await.unwrap_err();
    assert_eq!(e, unknown_pay(UnknownCause::Timeout));
    // The status query decides: either it was processed, or it never happened (the sandbox
    // may drop a delayed request whose client hung up) and the same request is sent again
    // (snap-standard.md §10 step 2).
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    match env.client.status(&status_of(&pay)).await.unwrap().state {
        PaymentState::Succeeded => {}
        PaymentState::NotFound { code, .. } if code == "4045501" => {
            assert_eq!(env.client.pay(&pay).await.unwrap().state, PaymentState::Succeeded);
        }
        other => panic!("unresolved after a timeout: {other:?}"),
    }

    // Processed, answer truncated.
    env.fault(PAY_PATH, json!({"kind": "malformed_body"}), 1).await;
    let pay = payment(&account, 12_000, PaySource::Cash);
    let e = env.client.pay(&pay).await.unwrap_err();
    assert!(
        matches!(
            e,
            ProviderError::UnknownOutcome { cause: UnknownCause::MalformedReply { .. }, .. }
        ),
        "{e:?}"
    );
    assert_eq!(env.client.status(&status_of(&pay)).await.unwrap().state, PaymentState::Succeeded);

    // 5xx, not processed: unknown to us; the status query says it never happened.
    env.fault(PAY_PATH, json!({"kind": "http_status", "status": 503}), 1).await;
    let pay = payment(&account, 13_000, PaySource::Cash);
    let e = env.client.pay(&pay).await.unwrap_err();
    assert_eq!(e, unknown_pay(UnknownCause::ServerError { status: 503 }));
    assert!(
        matches!(env.client.status(&status_of(&pay)).await.unwrap().state, PaymentState::NotFound { ref code, .. } if code == "4045501")
    );
    // The resend under the same key then goes through.
    assert_eq!(env.client.pay(&pay).await.unwrap().state, PaymentState::Succeeded);

    // Connection dropped without processing.
    env.fault(PAY_PATH, json!({"kind": "drop_connection"}), 1).await;
    let pay = payment(&account, 14_000, PaySource::Cash);
    let e = env.client.pay(&pay).await.unwrap_err();
    assert!(e.is_unknown_outcome(), "{e:?}");
    assert!(
        matches!(env.client.status(&status_of(&pay)).await.unwrap().state, PaymentState::NotFound { ref code, .. } if code == "4045501")
    );
}

#[tokio::test]
async fn reads_retry_and_then_report_unavailable() {
    let env = env().await;
    let account = env.link(PAYER).await;
    let path = format!("{V2}/balance-inquiry");
    // One 5xx: the read is retried and succeeds.
    env.fault(&path, json!({"kind": "http_status", "status": 502}), 1).await;
    assert_eq!(env.client.balance(&account).await.unwrap().cash, idr(10_000_000));
    // More 5xx than retries: unavailable.
    env.fault(&path, json!({"kind": "http_status", "status": 503}), 3).await;
    assert_eq!(
        env.client.balance(&account).await.unwrap_err(),
        ProviderError::Unavailable { product: Product::OvoSnap, status: 503 }
    );
    // A truncated answer to a read names the problem.
    env.fault(&path, json!({"kind": "malformed_body"}), 1).await;
    assert!(matches!(
        env.client.balance(&account).await.unwrap_err(),
        ProviderError::MalformedReply { .. }
    ));
}

#[tokio::test]
async fn notifications_verify_deduplicate_and_reject_bad_signatures() {
    let env = env().await;
    let account = env.link(PAYER).await;

    let pay = env.paid_in_cash(&account, 25_000).await;
    let received = env.wait_notifications(1).await;
    assert_eq!(received.len(), 1);
    let n = env.client.verify_notification(&received[0]).unwrap();
    let NotificationEvent::Payment { merchant_ref, state, amount, .. } = &n.event else {
        panic!("{n:?}")
    };
    assert_eq!(merchant_ref.as_deref(), Some(pay.reference.as_str()));
    assert_eq!(*state, PaymentState::Succeeded);
    assert_eq!(*amount, Some(idr(25_000)));

    // A duplicate delivery gives the same dedup key.
    env.fault("notification", json!({"kind": "duplicate_notification"}), 1).await;
    env.paid_in_cash(&account, 26_000).await;
    let received = env.wait_notifications(3).await;
    let keys: Vec<String> = received[1..]
        .iter()
        .map(|r| env.client.verify_notification(r).unwrap().dedup_key)
        .collect();
    assert_eq!(keys.len(), 2, "{received:?}");
    assert_eq!(keys[0], keys[1]);
    assert_ne!(keys[0], n.dedup_key);

    // A wrong signature is rejected.
    env.fault("notification", json!({"kind": "wrong_signature_notification"}), 1).await;
    env.paid_in_cash(&account, 27_000).await;
    let received = env.wait_notifications(4).await;
    assert_eq!(
        env.client.verify_notification(&received[3]).unwrap_err(),
        NotificationRejection::BadSignature
    );

    // Tampering with a good one breaks it; a missing header is named.
    let mut tampered = received[0].clone();
    tampered.body = tampered.body.replace("25000.00", "250000.00");
    assert_eq!(
        env.client.verify_notification(&tampered).unwrap_err(),
        NotificationRejection::BadSignature
    );
    let mut headerless = received[0].clone();
    headerless.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("x-signature"));
    assert_eq!(
        env.client.verify_notification(&headerless).unwrap_err(),
        NotificationRejection::MissingField("X-SIGNATURE")
    );
}

#[tokio::test]
async fn b2b_token_is_cached_and_expired_tokens_are_renewed() {
    let env = env().await;
    let account = env.link(PAYER).await;
    let pay = env.paid_in_cash(&account, 40_000).await;
    env.client.refund(&refund_of(&pay, None, 1_000)).await.unwrap();
    env.client.refund(&refund_of(&pay, None, 1_000)).await.unwrap();
    let received = env.get("/_sandbox/received?product=ovo_snap").await;
    let b2b_calls = received
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/access-token/b2b")))
        .count();
    assert_eq!(b2b_calls, 1, "the B2B token is cached between calls");
    // Refund requests carry the B2B token in Authorization and the customer's beside it.
    let refund = received
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/debit/refund")))
        .unwrap();
    let header = |name: &str| {
        refund["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == name)
            .map(|h| h[1].as_str().unwrap().to_owned())
    };
    assert!(header("authorization").unwrap().starts_with("Bearer "));
    assert!(header("authorization-customer").unwrap().starts_with("Bearer "));
    let ts = header("x-timestamp").unwrap();
    assert!(ts.ends_with("+07:00") && ts.len() == "2024-01-01T10:00:00.000+07:00".len(), "{ts}");
    assert_eq!(header("x-external-id").unwrap().len(), 36);
    // The same idempotency key sends the same X-EXTERNAL-ID: a resend is refused as a duplicate
    // and reported as an unknown outcome (only a status query decides).
    let e = env.client.pay(&pay).await.unwrap_err();
    assert!(e.is_unknown_outcome(), "{e:?}");
}

#[tokio::test]
async fn customer_token_refresh() {
    // At 0.001 every token lives 0.9 s.
    let env = env_scaled(OvoSnapOptions::default(), "0.001").await;
    let account = env.link(PAYER).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    // Expired customer token (401xx02): refreshed once, then the payment goes through.
    let pay = payment(&account, 15_000, PaySource::Cash);
    assert_eq!(env.client.pay(&pay).await.unwrap().state, PaymentState::Succeeded);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    // Both tokens expired: the B2B token is renewed (401xx01) and the customer's refreshed.
    assert_eq!(
        env.client.refund(&refund_of(&pay, None, 15_000)).await.unwrap().state,
        RefundState::Succeeded
    );
    // Explicit refresh gives the caller a new token to store.
    let fresh = env.client.refresh_account(&account).await.unwrap();
    assert!(fresh.token.is_some());
    assert_ne!(fresh.token.as_ref().unwrap().expose(), account.token.as_ref().unwrap().expose());
    assert!(env.client.balance(&fresh).await.is_ok());
    // Without a refresh token an expired customer token is an authentication failure.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let stale = LinkedAccount { refresh_token: None, ..fresh };
    assert!(
        matches!(env.client.balance(&stale).await, Err(ProviderError::Authentication { ref code, .. }) if code == "4011102")
    );
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let env = env().await;
    let account = env.link(PAYER).await;
    let shown = format!("{:?} {:?}", env.client, account);
    assert!(!shown.contains(SECRET));
    assert!(!shown.contains(account.token.as_ref().unwrap().expose().as_str()));
    let key_line = CLIENT_PRIVATE_PKCS1.lines().nth(1).unwrap();
    assert!(!shown.contains(key_line));
}
