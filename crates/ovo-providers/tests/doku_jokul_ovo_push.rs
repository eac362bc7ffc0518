//! The DOKU Jokul OVO push client against the real sandbox over loopback.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ovo_domain::{Idr, Msisdn, Product, Reference, Timestamp};
use ovo_providers::capability::{Operation, PaymentKind};
use ovo_providers::model::*;
use ovo_providers::notification::{InboundRequest, NotificationEvent, NotificationRejection};
use ovo_providers::products::jokul_push::{
    invoice_number, JokulOptions, JokulPushClient, PushResult,
};
use ovo_providers::{Credentials, Provider, ProviderError, UnknownCause};
use ovo_sandbox::RunningSandbox;
use ovo_test_support::errors::{declined_code, unknown_pay_cause};
use ovo_test_support::sim::{self, Sim};
use ovo_test_support::status::final_status;
use ovo_test_support::values::idr;
use ovo_test_support::{Answer, Receiver};
use serde_json::{json, Value};

type Res = Result<(), Box<dyn std::error::Error>>;

const CLIENT: &str = "MCH-0001-PROVTEST00001";
const SECRET: &str = "SK-provider-client-test-secret";
const PRODUCT: Product = Product::DokuJokulOvoPush;
const PAY_ROUTE: &str = "/ovo-emoney/v1/payment";
const STATUS_ROUTE: &str = "/orders/v1/status/{invoice_number}";

const PAYER: &str = "6281100000007"; // auto-approves (cash)
const DECLINER: &str = "6281100000005"; // 17
const NO_ACCOUNT: &str = "6281100000004"; // 14
const BLOCKED: &str = "6281100000002"; // 64
const SILENT: &str = "6281100000006"; // TIMEOUT 68, later FAILED 68
const MANUAL: &str = "6281234567890"; // waits for the control API

struct Env {
    sandbox: RunningSandbox,
    sim: Sim,
    /// The merchant's notification endpoint, as the app's listener would see it.
    notifications: Receiver,
}

impl Env {
    async fn start(scale: &str, auto_delay_secs: u64) -> Env {
        let notifications = Receiver::start("OK").await;
        let url = notifications.url("/notifications/doku-jokul");
        let toml = format!(
            "[[doku_jokul_ovo_push]]\nname = \"Provider Client Test\"\nclient_id = \"{CLIENT}\"\nsecret_key = \"{SECRET}\"\n\
             auto_delay_secs = {auto_delay_secs}\nnotification_url = \"{url}\"\n"
        );
        let sandbox = sim::start(&toml, scale).await;
        Env { sim: Sim::of(&sandbox), sandbox, notifications }
    }

    fn client_with(&self, client_id: &str, secret: &str, options: JokulOptions) -> JokulPushClient {
        let credentials = Credentials::from_pairs(
            PRODUCT,
            [("client_id", client_id.to_owned()), ("secret_key", secret.to_owned())],
        );
        JokulPushClient::new(&self.sandbox.url(), &credentials, options).unwrap()
    }

    fn client(&self) -> JokulPushClient {
        self.client_with(CLIENT, SECRET, JokulOptions::default())
    }

    async fn fault(&self, endpoint: &str, fault: Value) {
        self.sim.arm(PRODUCT.key(), endpoint, fault, 1).await;
    }

    async fn pending(&self) -> Vec<Value> {
        self.sim.pending().await
    }

    /// Pushes `request` in the background from a new client; returns the client, the push and
    /// the id under which the sandbox holds it for the control API.
    async fn held_push(&self, request: &PaymentRequest) -> (Arc<JokulPushClient>, Pushing, String) {
        let client = Arc::new(self.client());
        let task = {
            let (client, request) = (client.clone(), request.clone());
            tokio::spawn(async move { client.push(&request).await })
        };
        let amount = request.amount.rupiah();
        for _ in 0..200 {
            let pending = self.pending().await;
            if let Some(p) =
                pending.iter().find(|p| p["product"] == PRODUCT.key() && p["amount"] == amount)
            {
                assert_eq!(p["kind"], "push");
                return (client, task, p["id"].as_str().unwrap().to_owned());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no push of {amount} is held");
    }

    async fn decide(&self, id: &str, decision: Value) {
        self.sim.decide(id, decision).await;
    }

    /// The next notification, within a bound.
    async fn next_notification(&self) -> InboundRequest {
        self.notifications.next().await.inbound()
    }
}

/// A push running in the background.
type Pushing = tokio::task::JoinHandle<Result<PushResult, ProviderError>>;

static SEQ: AtomicU32 = AtomicU32::new(0);

fn reference() -> Reference {
    let n = SEQ.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id() % 100_000;
    Reference::parse(&format!("JOKUL{pid:05}{n:06}")).unwrap()
}

fn payment(phone: &str, amount: i64) -> PaymentRequest {
    let reference = reference();
    PaymentRequest {
        idempotency_key: invoice_number(&reference, 1),
        reference,
        kind: PaymentKind::Push,
        amount: idr(amount),
        phone: Msisdn::parse(phone).unwrap().into(),
        account: None,
        source: PaySource::Cash,
        description: "Kopi susu".into(),
        return_url: None,
        customer_name: None,
        customer_email: None,
    }
}

fn status_request(payment: &PaymentRequest) -> StatusRequest {
    StatusRequest {
        reference: payment.reference.clone(),
        provider_ref: Some(payment.idempotency_key.clone()),
        kind: PaymentKind::Push,
        amount: payment.amount,
        account: None,
        created_at: Timestamp::UNIX_EPOCH,
    }
}

// ------------------------------------------------------------------------------------------
// Operations

#[tokio::test]
async fn push_paid_by_an_auto_payer_then_status_says_succeeded() -> Res {
    let env = Env::start("0.001", 5).await;
    let client = env.client();
    let request = payment(PAYER, 25_000);
    let result = client.push(&request).await?;
    assert_eq!(result.outcome.state, PaymentState::Succeeded);
    assert_eq!(result.outcome.provider_ref.as_deref(), Some(request.idempotency_key.as_str()));
    assert_eq!(result.outcome.paid, Some(Split { cash: idr(25_000), points: Idr::ZERO }));
    assert_eq!(result.outcome.provider_status, "SUCCESS/00");
    // Reconciliation data (§7) is there for the ledger.
    assert!(
        result.reply.batch_number.is_some()
            && result.reply.trace_number.is_some()
            && result.reply.reference_number.is_some()
    );
    assert!(!result.reply.approval_code.clone().unwrap_or_default().is_empty());
    assert!(result.configuration().and_then(|c| c.tid.clone()).is_some());
    assert_eq!(result.reply.ovo_id.as_deref(), Some("081100000007"));

    let status = client.status(&status_request(&request)).await?;
    assert_eq!(status.state, PaymentState::Succeeded);
    assert_eq!(status.provider_ref.as_deref(), Some(request.idempotency_key.as_str()));

    // The sandbox saw the checksum, the signature headers and the phone in the 08… form.
    let received = env.sim.received(PRODUCT.key()).await;
    let push = received.iter().find(|r| r["endpoint"] == PAY_ROUTE).unwrap();
    let body: Value = serde_json::from_str(push["body"].as_str().unwrap())?;
    assert_eq!(body["ovo_info"]["ovo_id"], "081100000007");
    assert_eq!(body["order"]["amount"], 25_000);
    let headers = push["headers"].to_string().to_ascii_lowercase();
    for name in ["client-id", "request-id", "request-timestamp", "request-target", "signature"] {
        assert!(headers.contains(name), "{name} missing from {headers}");
    }
    assert!(!push.to_string().contains(SECRET));
    Ok(())
}

#[tokio::test]
async fn a_held_push_paid_with_points_through_the_control_api() -> Res {
    // Scale 0.1: the push is held 7 s, the manual customer would auto-pay after 100 s.
    let env = Env::start("0.1", 1000).await;
    let request = payment(MANUAL, 12_000);
    let (client, task, id) = env.held_push(&request).await;
    // While held, the status check answers a non-final state.
    let held = client.status(&status_request(&request)).await?;
    assert_eq!(held.state, PaymentState::Pending);
    env.decide(&id, json!({"decision": "approve", "source": "points"})).await;
    let result = task.await??;
    assert_eq!(result.outcome.state, PaymentState::Succeeded);
    assert_eq!(result.outcome.paid, Some(Split { cash: Idr::ZERO, points: idr(12_000) }));
    assert_eq!(result.reply.account_name.as_deref(), Some("Budi Santoso"));
    Ok(())
}

#[tokio::test]
async fn a_held_push_declined_through_the_control_api_is_declined_17() -> Res {
    let env = Env::start("0.1", 1000).await;
    let (_, task, id) = env.held_push(&payment(MANUAL, 13_000)).await;
    env.decide(&id, json!({"decision": "decline"})).await;
    let err = task.await?.unwrap_err();
    assert_eq!(declined_code(&err), "17");
    assert_eq!(err.provider_code(), Some("17"));
    Ok(())
}

#[tokio::test]
async fn declines_keep_the_ovo_code() -> Res {
    let env = Env::start("0.001", 5).await;
    let client = env.client();
    for (phone, amount, code) in [
        (DECLINER, 10_000, "17"),
        (NO_ACCOUNT, 10_000, "14"),
        (BLOCKED, 10_000, "64"),
        (PAYER, 25_000_000, "65"),
    ] {
        let err = client.pay(&payment(phone, amount)).await.unwrap_err();
        assert_eq!(declined_code(&err), code, "{phone} {amount}");
        assert!(matches!(&err, ProviderError::Declined { message, .. } if !message.is_empty()));
    }
    Ok(())
}

#[tokio::test]
async fn a_timeout_is_pending_and_the_status_check_settles_it() -> Res {
    let env = Env::start("0.001", 5).await;
    let client = env.client();
    let request = payment(SILENT, 10_000);
    let outcome = client.pay(&request).await?;
    assert_eq!(outcome.state, PaymentState::Pending);
    assert_eq!(outcome.provider_status, "TIMEOUT/68");
    let settled = final_status(&client, &status_request(&request)).await;
    assert!(
        matches!(&settled.state, PaymentState::Failed { code, .. } if code == "68"),
        "{settled:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_reused_invoice_is_an_invalid_request_40() -> Res {
    let env = Env::start("0.001", 5).await;
    let client = env.client();
    let request = payment(PAYER, 10_000);
    client.pay(&request).await?;
    let err = client.pay(&request).await.unwrap_err();
    assert!(matches!(&err, ProviderError::InvalidRequest { code, .. } if code == "40"), "{err:?}");
    Ok(())
}

#[tokio::test]
async fn bad_credentials_are_authentication_errors() -> Res {
    let env = Env::start("0.001", 5).await;
    let wrong_secret = env.client_with(CLIENT, "SK-not-the-secret", JokulOptions::default());
    let err = wrong_secret.pay(&payment(PAYER, 10_000)).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Authentication { code, .. } if code == "invalid_signature"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("SK-not-the-secret"));
    // The checksum alone (no header signature) is still checked.
    let checksum_only = env.client_with(
        CLIENT,
        "SK-not-the-secret",
        JokulOptions { header_signature: false, ..JokulOptions::default() },
    );
    let err = checksum_only.pay(&payment(PAYER, 10_000)).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Authentication { code, .. } if code == "invalid_signature"),
        "{err:?}"
    );
    let unknown = env.client_with("MCH-9999-NOBODY", SECRET, JokulOptions::default());
    let err = unknown.pay(&payment(PAYER, 10_000)).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Authentication { code, .. } if code == "invalid_client_id"),
        "{err:?}"
    );
    let err = wrong_secret.status(&status_request(&payment(PAYER, 1))).await.unwrap_err();
    assert!(matches!(err, ProviderError::Authentication { .. }), "{err:?}");
    // The connection test: the status of an unused invoice is "not found" once authenticated.
    let proof =
        env.client_with(CLIENT, SECRET, JokulOptions::default()).test_connection().await.unwrap();
    assert!(proof.answer.starts_with("transaction_not_found"), "{proof:?}");
    let err = wrong_secret.test_connection().await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Authentication { code, .. } if code == "invalid_signature"),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn invalid_requests_and_inputs() -> Res {
    let env = Env::start("0.001", 5).await;
    let client = env.client();
    // An invoice the provider never saw.
    let seen = client.status(&status_request(&payment(PAYER, 10_000))).await.unwrap();
    assert!(
        matches!(&seen.state, PaymentState::NotFound { code, .. } if code == "transaction_not_found"),
        "{seen:?}"
    );
    // Inputs refused before sending.
    let mut request = payment(PAYER, 10_000);
    request.idempotency_key = "has a space".into();
    assert!(matches!(client.pay(&request).await, Err(ProviderError::InvalidInput { .. })));
    let mut request = payment(PAYER, 10_000);
    request.kind = PaymentKind::Recurring;
    assert!(matches!(client.pay(&request).await, Err(ProviderError::InvalidInput { .. })));
    assert!(matches!(
        client.pay(&payment(PAYER, 0)).await,
        Err(ProviderError::InvalidInput { .. })
    ));
    Ok(())
}

#[tokio::test]
async fn operations_the_product_lacks_are_unsupported() -> Res {
    let env = Env::start("0.001", 5).await;
    let client = env.client();
    let account = LinkedAccount {
        phone: Msisdn::parse(PAYER)?,
        provider_ref: None,
        token: None,
        refresh_token: None,
        token_expires_at: None,
    };
    let refund = RefundRequest {
        refund_reference: reference(),
        idempotency_key: "R-01".into(),
        payment_reference: reference(),
        payment_provider_ref: None,
        amount: idr(1),
        payment_amount: idr(1),
        reason: "test".into(),
        account: None,
        provider_ref: None,
    };
    assert_eq!(
        client.refund(&refund).await.unwrap_err(),
        ProviderError::Unsupported { product: PRODUCT, operation: Operation::Refund }
    );
    assert_eq!(
        client.balance(&account).await.unwrap_err(),
        ProviderError::Unsupported { product: PRODUCT, operation: Operation::Balance }
    );
    assert_eq!(
        client.unbind(&account).await.unwrap_err(),
        ProviderError::Unsupported { product: PRODUCT, operation: Operation::Unbind }
    );
    let bind = BindRequest {
        reference: reference(),
        phone: account.phone.clone(),
        merchant_customer_id: "c".into(),
        return_url: "http://x".into(),
    };
    assert_eq!(
        client.bind(&bind).await.unwrap_err(),
        ProviderError::Unsupported { product: PRODUCT, operation: Operation::Bind }
    );
    assert!(!client.capabilities().supports(Operation::Refund));
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Faults

/// A push whose answer is lost, 5xx, unreadable or cut off has an unknown outcome; the status
/// check then finds it paid, or says it never happened (the fault hit before the sandbox
/// processed it).
#[tokio::test]
async fn a_faulted_push_is_unknown_and_the_status_check_decides() -> Res {
    type Cause = fn(&UnknownCause) -> bool;
    let cases: [(Value, Cause, bool); 4] = [
        (json!({"kind": "lose_response"}), |c| *c == UnknownCause::ConnectionLost, true),
        (
            json!({"kind": "http_status", "status": 503}),
            |c| *c == UnknownCause::ServerError { status: 503 },
            false,
        ),
        (
            json!({"kind": "malformed_body"}),
            |c| matches!(c, UnknownCause::MalformedReply { .. }),
            true,
        ),
        (json!({"kind": "drop_connection"}), |c| *c == UnknownCause::ConnectionLost, false),
    ];
    for (fault, cause, paid) in cases {
        let env = Env::start("0.001", 5).await;
        let client = env.client();
        env.fault(PAY_ROUTE, fault.clone()).await;
        let request = payment(PAYER, 10_000);
        let unknown = unknown_pay_cause(PRODUCT, client.pay(&request).await.unwrap_err());
        assert!(cause(&unknown), "{fault}: {unknown:?}");
        if paid {
            let status = final_status(&client, &status_request(&request)).await;
            assert_eq!(status.state, PaymentState::Succeeded, "{fault}");
        } else {
            let seen = client.status(&status_request(&request)).await.unwrap();
            assert!(
                matches!(&seen.state, PaymentState::NotFound { code, .. } if code == "transaction_not_found"),
                "{fault}: {seen:?}"
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_late_answer_times_out_as_unknown_and_the_status_check_resolves_it() -> Res {
    let env = Env::start("0.001", 5).await;
    let client = env.client_with(
        CLIENT,
        SECRET,
        JokulOptions { pay_timeout: Duration::from_millis(300), ..JokulOptions::default() },
    );
    env.fault(PAY_ROUTE, json!({"kind": "delay", "ms": 1500})).await;
    let request = payment(PAYER, 10_000);
    assert_eq!(
        unknown_pay_cause(PRODUCT, client.pay(&request).await.unwrap_err()),
        UnknownCause::Timeout
    );
    // The status check decides. The sandbox drops a delayed request whose caller has gone
    // (the server task is cancelled with the connection), so the push never reached the
    // provider: "not found" is a definitive answer that makes a new attempt (new invoice) safe.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    match client.status(&status_request(&request)).await.unwrap().state {
        PaymentState::NotFound { code, .. } => assert_eq!(code, "transaction_not_found"),
        other => assert_eq!(other, PaymentState::Succeeded),
    }
    Ok(())
}

#[tokio::test]
async fn status_reads_are_retried_through_one_fault_and_report_persistent_ones() -> Res {
    let env = Env::start("0.001", 5).await;
    let client = env.client();
    let request = payment(PAYER, 10_000);
    client.pay(&request).await?;
    for fault in [json!({"kind": "http_status", "status": 502}), json!({"kind": "drop_connection"})]
    {
        env.fault(STATUS_ROUTE, fault).await;
        assert_eq!(client.status(&status_request(&request)).await?.state, PaymentState::Succeeded);
    }
    env.fault(STATUS_ROUTE, json!({"kind": "malformed_body"})).await;
    let err = client.status(&status_request(&request)).await.unwrap_err();
    assert!(matches!(err, ProviderError::MalformedReply { .. }), "{err:?}");
    env.sim
        .arm(PRODUCT.key(), STATUS_ROUTE, json!({"kind": "http_status", "status": 500}), 3)
        .await;
    let err = client.status(&status_request(&request)).await.unwrap_err();
    assert_eq!(err, ProviderError::Unavailable { product: PRODUCT, status: 500 });
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Notifications (a simulator choice: status-shaped, §3-signed; spec §14 #6)

#[tokio::test]
async fn notifications_verify_deduplicate_and_reject_wrong_signatures() -> Res {
    let env = Env::start("0.001", 5).await;
    let client = env.client();

    // A paid push notifies once.
    let paid = payment(PAYER, 11_000);
    client.pay(&paid).await?;
    let inbound = env.next_notification().await;
    let notification = client.verify_notification(&inbound)?;
    assert_eq!(notification.product, PRODUCT);
    match &notification.event {
        NotificationEvent::Payment { merchant_ref, state, amount, .. } => {
            assert_eq!(merchant_ref.as_deref(), Some(paid.idempotency_key.as_str()));
            assert_eq!(*state, PaymentState::Succeeded);
            assert_eq!(*amount, Some(idr(11_000)));
        }
        other => panic!("{other:?}"),
    }
    // Tampering with the body breaks the signature.
    let mut tampered = inbound.clone();
    tampered.body = tampered.body.replace("11000", "99000");
    assert_eq!(
        client.verify_notification(&tampered).unwrap_err(),
        NotificationRejection::BadSignature
    );
    let mut unsigned = inbound.clone();
    unsigned.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("signature"));
    assert_eq!(
        client.verify_notification(&unsigned).unwrap_err(),
        NotificationRejection::MissingField("Signature")
    );
    let other_merchant = env.client_with("MCH-0002-SOMEONEELSE", SECRET, JokulOptions::default());
    assert_eq!(
        other_merchant.verify_notification(&inbound).unwrap_err(),
        NotificationRejection::UnknownMerchant
    );

    // A duplicate delivery has the same dedup key.
    env.fault("notification", json!({"kind": "duplicate_notification"})).await;
    let twice = payment(DECLINER, 12_000);
    assert_eq!(declined_code(&client.pay(&twice).await.unwrap_err()), "17");
    let first = client.verify_notification(&env.next_notification().await)?;
    let second = client.verify_notification(&env.next_notification().await)?;
    assert_eq!(first.dedup_key, second.dedup_key);
    assert_ne!(first.dedup_key, notification.dedup_key);
    assert!(
        matches!(&first.event, NotificationEvent::Payment { state: PaymentState::Failed { code, .. }, .. } if code == "17"),
        "{:?}",
        first.event
    );

    // A notification signed with another key is rejected.
    env.fault("notification", json!({"kind": "wrong_signature_notification"})).await;
    client.pay(&payment(PAYER, 13_000)).await?;
    let forged = env.next_notification().await;
    assert_eq!(
        client.verify_notification(&forged).unwrap_err(),
        NotificationRejection::BadSignature
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Replies the sandbox never gives, from a stub (echo checks and lenient parsing)

/// A stub DOKU answering every push with `reply(request body)`.
async fn stub(reply: fn(&Value) -> Value) -> String {
    let stub = Receiver::scripted(move |hit| {
        let request: Value = serde_json::from_str(&hit.body).unwrap_or_default();
        Answer::ok(&reply(&request).to_string())
    })
    .await;
    stub.url("")
}

fn echo(request: &Value, status: &str) -> Value {
    json!({
        "client": request["client"], "order": request["order"], "ovo_info": request["ovo_info"],
        "ovo_payment": {"status": status, "response_code": "00", "cash_used": request["order"]["amount"], "ovo_points_used": 0, "novel_field": [1]},
        "brand_new_block": {"x": 1}
    })
}

fn stub_client(url: &str) -> JokulPushClient {
    let credentials = Credentials::from_pairs(
        PRODUCT,
        [("client_id", CLIENT.to_owned()), ("secret_key", SECRET.to_owned())],
    );
    JokulPushClient::new(url, &credentials, JokulOptions::default()).unwrap()
}

#[tokio::test]
async fn echoed_amounts_and_invoices_are_checked() -> Res {
    let client = stub_client(
        &stub(|r| {
            let mut v = echo(r, "SUCCESS");
            v["order"]["amount"] = json!(1);
            v
        })
        .await,
    );
    let err = client.pay(&payment(PAYER, 10_000)).await.unwrap_err();
    assert_eq!(
        err,
        ProviderError::Mismatch {
            product: PRODUCT,
            field: "order.amount",
            sent: "10000".into(),
            echoed: "1".into()
        }
    );

    let client = stub_client(
        &stub(|r| {
            let mut v = echo(r, "SUCCESS");
            v["order"]["invoice_number"] = json!("SOMEONE-ELSES-01");
            v
        })
        .await,
    );
    let err = client.pay(&payment(PAYER, 10_000)).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Mismatch { field: "order.invoice_number", .. }),
        "{err:?}"
    );

    let client = stub_client(
        &stub(|r| {
            let mut v = echo(r, "SUCCESS");
            v["ovo_payment"]["cash_used"] = json!(5);
            v
        })
        .await,
    );
    let err = client.pay(&payment(PAYER, 10_000)).await.unwrap_err();
    assert!(
        matches!(
            err,
            ProviderError::Mismatch { field: "ovo_payment.cash_used+ovo_points_used", .. }
        ),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn unknown_statuses_are_kept_and_missing_fields_named() -> Res {
    let client = stub_client(&stub(|r| echo(r, "ON_HOLD")).await);
    let outcome = client.pay(&payment(PAYER, 10_000)).await?;
    assert_eq!(outcome.state, PaymentState::Unrecognised("ON_HOLD".into()));
    assert!(!outcome.state.is_final());

    let client = stub_client(
        &stub(|r| {
            let mut v = echo(r, "SUCCESS");
            v["ovo_payment"].as_object_mut().unwrap().remove("status");
            v
        })
        .await,
    );
    match client.pay(&payment(PAYER, 10_000)).await.unwrap_err() {
        ProviderError::UnknownOutcome {
            cause: UnknownCause::MalformedReply { detail }, ..
        } => assert!(detail.contains("ovo_payment.status"), "{detail}"),
        other => panic!("{other:?}"),
    }
    Ok(())
}
