//! DOKU Jokul OVO push (`doku_jokul_ovo_push`) over real HTTP on loopback. Requests are built
//! here from `shared/providers/doku-jokul-ovo-push.md`, not from the sandbox's code.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use ovo_sandbox::RunningSandbox;
use ovo_test_support::{json, sim, Receiver, Sim};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

const CLIENT: &str = "MCH-0001-TEST00000001";
const SECRET: &str = "SK-test-jokul-secret";
const STRICT_CLIENT: &str = "MCH-0002-STRICT000001";
const STRICT_SECRET: &str = "SK-test-jokul-strict";
const PAY_PATH: &str = "/ovo-emoney/v1/payment";

// ------------------------------------------------------------------------------------------
// The merchant side, written from the spec

/// Spec §5.
fn checksum(amount: u64, client: &str, invoice: &str, ovo_id: &str, secret: &str) -> String {
    hex::encode(Sha256::digest(format!("{amount}{client}{invoice}{ovo_id}{secret}")))
}

/// Spec §3.
fn signature(
    secret: &str,
    client: &str,
    request_id: &str,
    ts: &str,
    target: &str,
    body: Option<&[u8]>,
) -> String {
    let mut component = format!("Client-Id:{client}\nRequest-Id:{request_id}\nRequest-Timestamp:{ts}\nRequest-Target:{target}");
    if let Some(body) = body {
        component += &format!("\nDigest:{}", B64.encode(Sha256::digest(body)));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(component.as_bytes());
    format!("HMACSHA256={}", B64.encode(mac.finalize().into_bytes()))
}

fn now_ts() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn push_body(client: &str, secret: &str, invoice: &str, amount: u64, ovo_id: &str) -> String {
    json!({
        "client": { "id": client },
        "order": { "invoice_number": invoice, "amount": amount },
        "ovo_info": { "ovo_id": ovo_id },
        "security": { "check_sum": checksum(amount, client, invoice, ovo_id, secret) },
    })
    .to_string()
}

struct Env {
    sandbox: RunningSandbox,
    http: reqwest::Client,
}

impl Env {
    /// Starts a payment the customer answers on the phone and waits until it is held there;
    /// the task answers the payment's reply.
    async fn held(
        self: &Arc<Self>,
        invoice: &'static str,
        amount: u64,
        ovo_id: &'static str,
    ) -> JoinHandle<Value> {
        let env = self.clone();
        let pay = tokio::spawn(async move { env.pay_json(invoice, amount, ovo_id).await });
        self.wait_held(invoice).await;
        pay
    }

    async fn start(scale: &str, auto_delay_secs: u64, extra_toml: &str) -> Env {
        let toml = format!(
            "[[doku_jokul_ovo_push]]\nname = \"Test Shop\"\nclient_id = \"{CLIENT}\"\nsecret_key = \"{SECRET}\"\nauto_delay_secs = {auto_delay_secs}\n{extra_toml}\n\
             [[doku_jokul_ovo_push]]\nclient_id = \"{STRICT_CLIENT}\"\nsecret_key = \"{STRICT_SECRET}\"\nstrict = true\n"
        );
        let sandbox = sim::start(&toml, scale).await;
        Env {
            sandbox,
            http: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.url())
    }

    /// The push call with the checksum and the header signature.
    async fn push_signed(
        &self,
        client: &str,
        secret: &str,
        invoice: &str,
        amount: u64,
        ovo_id: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let body = push_body(client, secret, invoice, amount, ovo_id);
        self.push_raw(client, secret, body).await
    }

    async fn push_raw(
        &self,
        client: &str,
        secret: &str,
        body: String,
    ) -> reqwest::Result<reqwest::Response> {
        let rid = format!("rid-{}", rand_suffix());
        let ts = now_ts();
        let sig = signature(secret, client, &rid, &ts, PAY_PATH, Some(body.as_bytes()));
        self.http
            .post(self.url(PAY_PATH))
            .header("Content-Type", "application/json")
            .header("Client-Id", client)
            .header("Request-Id", rid)
            .header("Request-Timestamp", ts)
            .header("Request-Target", PAY_PATH)
            .header("Signature", sig)
            .body(body)
            .send()
            .await
    }

    /// The push call as the guide shows it: body checksum only.
    async fn push_checksum_only(
        &self,
        invoice: &str,
        amount: u64,
        ovo_id: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.url(PAY_PATH))
            .header("Content-Type", "application/json")
            .body(push_body(CLIENT, SECRET, invoice, amount, ovo_id))
            .send()
            .await
            .unwrap()
    }

    async fn pay_json(&self, invoice: &str, amount: u64, ovo_id: &str) -> Value {
        let resp = self.push_signed(CLIENT, SECRET, invoice, amount, ovo_id).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    async fn status_as(&self, client: &str, secret: &str, invoice: &str) -> reqwest::Response {
        let path = format!("/orders/v1/status/{invoice}");
        let rid = format!("rid-{}", rand_suffix());
        let ts = now_ts();
        let sig = signature(secret, client, &rid, &ts, &path, None);
        self.http
            .get(self.url(&path))
            .header("Client-Id", client)
            .header("Request-Id", rid)
            .header("Request-Timestamp", ts)
            .header("Signature", sig)
            .send()
            .await
            .unwrap()
    }

    async fn status(&self, invoice: &str) -> Value {
        let resp = self.status_as(CLIENT, SECRET, invoice).await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    /// Polls the status API until `transaction.status` is `want` (bounded).
    async fn wait_status(&self, invoice: &str, want: &str) -> Value {
        for _ in 0..400 {
            let status = self.status(invoice).await;
            if status["transaction"]["status"] == want {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{invoice} never reached {want}");
    }

    /// Polls the control API until the push for this invoice is held; returns the action id.
    async fn wait_held(&self, invoice: &str) -> String {
        for _ in 0..400 {
            let resp = self
                .http
                .get(self.url(&format!("/_sandbox/doku_jokul_ovo_push/payments/{invoice}")))
                .send()
                .await
                .unwrap();
            if resp.status() == StatusCode::OK {
                let payment: Value = resp.json().await.unwrap();
                if let Some(id) = payment["action_id"].as_str() {
                    return id.to_owned();
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{invoice} was never held");
    }

    async fn account(&self, phone: &str) -> (i64, i64) {
        let a: Value =
            json::get(&self.http, &self.url(&format!("/_sandbox/accounts/{phone}"))).await;
        (a["cash"].as_i64().unwrap(), a["points"].as_i64().unwrap())
    }

    async fn refund(&self, invoice: &str, amount: Option<i64>) -> reqwest::Response {
        let mut body = json!({ "invoice_number": invoice, "client_id": CLIENT });
        if let Some(amount) = amount {
            body["amount"] = json!(amount);
        }
        self.http
            .post(self.url("/_sandbox/doku_jokul_ovo_push/refunds"))
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::AtomicU64;
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

fn assert_ovo(body: &Value, status: &str, code: &str) {
    assert_eq!(body["ovo_payment"]["status"], status, "{body}");
    assert_eq!(body["ovo_payment"]["response_code"], code, "{body}");
}

async fn assert_error(resp: reqwest::Response, http: StatusCode, code: &str) -> Value {
    assert_eq!(resp.status(), http);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["type"], "invalid_request_error", "{body}");
    body
}

// ------------------------------------------------------------------------------------------
// A merchant notification receiver

const HOOK: &str = "/hooks/jokul";

/// The merchant's endpoint at [`HOOK`]: 500 to the first `fail_first` notifications, then 200.
async fn start_receiver(fail_first: u32) -> (Receiver, String) {
    let receiver = Receiver::start("").await;
    receiver.fail_next((0..fail_first).map(|_| 500));
    let url = receiver.url(HOOK);
    (receiver, url)
}

/// The first `n` notifications the merchant accepted, waiting for them.
async fn accepted(receiver: &Receiver, n: usize) -> Vec<(HeaderMap, String)> {
    let got = receiver.wait(n, |h| h.method == "POST" && h.path() == HOOK && h.status == 200).await;
    got.into_iter().map(|h| (h.header_map(), h.body)).collect()
}

/// Verifies a notification as the merchant would: the non-SNAP recipe, Request-Target = our path.
fn notification_verifies(headers: &HeaderMap, body: &str) -> bool {
    let h = |n: &str| headers.get(n).unwrap().to_str().unwrap().to_owned();
    let expected = signature(
        SECRET,
        &h("Client-Id"),
        &h("Request-Id"),
        &h("Request-Timestamp"),
        HOOK,
        Some(body.as_bytes()),
    );
    h("Client-Id") == CLIENT && expected == h("Signature")
}

// ------------------------------------------------------------------------------------------
// Tests

/// pay (customer chooses on the phone) → status → notification → partial and full offline
/// refunds → status REFUNDED. Jokul push has no binding, balance or unbind API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_flow_pay_status_notify_refund() {
    let (receiver, url) = start_receiver(0).await;
    // Scale 0.05: the hold is 3.5 s, long enough for the test to act as the customer;
    // the auto-pay delay (1000 s → 50 s) never fires.
    let env = Arc::new(Env::start("0.05", 1000, &format!("notification_url = \"{url}\"")).await);
    let budi = "6281234567890";
    assert_eq!(env.account(budi).await, (2_500_000, 75_000));

    let invoice = "PAYREF0000000001-01";
    let pushing = {
        let env = env.clone();
        tokio::spawn(async move { env.pay_json(invoice, 100_000, "081234567890").await })
    };
    let action = env.wait_held(invoice).await;
    // While held, the status says PENDING.
    assert_eq!(env.status(invoice).await["transaction"]["status"], "PENDING");
    // The customer pays, points first, through the core's control API.
    let (decided, _) = json::post_any(
        &env.http,
        &env.url(&format!("/_sandbox/pending/{action}/decide")),
        &json!({"decision":"approve","source":"points_first"}),
    )
    .await;
    assert_eq!(decided, StatusCode::OK);
    let paid = pushing.await.unwrap();
    assert_ovo(&paid, "SUCCESS", "00");
    assert_eq!(paid["client"]["id"], CLIENT);
    assert_eq!(paid["order"]["invoice_number"], invoice);
    assert_eq!(paid["order"]["amount"], 100_000);
    assert_eq!(paid["ovo_info"]["ovo_id"], "081234567890");
    assert_eq!(paid["ovo_info"]["ovo_account_name"], "Budi Santoso");
    assert_eq!(paid["ovo_payment"]["ovo_points_used"], 75_000);
    assert_eq!(paid["ovo_payment"]["cash_used"], 25_000);
    assert_eq!(paid["ovo_payment"]["cash_balance"], 2_475_000);
    assert_eq!(paid["ovo_payment"]["ovo_points_balance"], 0);
    assert_eq!(paid["ovo_payment"]["date"].as_str().unwrap().len(), 14);
    assert!(paid["ovo_payment"]["reference_number"].as_u64().unwrap() >= 1);
    assert!(!paid["ovo_payment"]["approval_code"].as_str().unwrap().is_empty());
    assert_eq!(paid["ovo_configuration"]["tid"], "00000179");
    // Spec §8: the simulator's response checksum is the request formula.
    assert_eq!(
        paid["security"]["check_sum"],
        checksum(100_000, CLIENT, invoice, "081234567890", SECRET)
    );
    assert_eq!(env.account(budi).await, (2_475_000, 0));

    let status = env.status(invoice).await;
    assert_eq!(status["transaction"]["status"], "SUCCESS");
    assert_eq!(status["order"]["invoice_number"], invoice);
    assert_eq!(status["channel"]["id"], "EMONEY_OVO");
    assert!(status["transaction"]["original_request_id"].as_str().unwrap().starts_with("rid-"));

    let got = accepted(&receiver, 1).await;
    let (headers, body) = &got[0];
    assert!(notification_verifies(headers, body), "the notification's signature verifies");
    let note: Value = serde_json::from_str(body).unwrap();
    assert_eq!(note["transaction"]["status"], "SUCCESS");
    assert_eq!(note["order"]["invoice_number"], invoice);

    // Offline refunds (HD 1): partial allowed, cumulative never above the paid amount.
    let part = env.refund(invoice, Some(30_000)).await;
    assert_eq!(part.status(), StatusCode::CREATED);
    assert_eq!(env.status(invoice).await["transaction"]["status"], "SUCCESS");
    assert_eq!(env.account(budi).await, (2_500_000, 5_000), "cash is returned first");
    let too_much = env.refund(invoice, Some(70_001)).await;
    assert_eq!(too_much.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let rest = env.refund(invoice, None).await;
    assert_eq!(rest.status(), StatusCode::CREATED);
    assert_eq!(env.account(budi).await, (2_500_000, 75_000));
    assert_eq!(env.status(invoice).await["transaction"]["status"], "REFUNDED");
    assert_eq!(
        env.refund(invoice, Some(1)).await.status(),
        StatusCode::CONFLICT,
        "nothing left to refund"
    );
    let got = accepted(&receiver, 2).await;
    assert!(notification_verifies(&got[1].0, &got[1].1));
    assert_eq!(
        serde_json::from_str::<Value>(&got[1].1).unwrap()["transaction"]["status"],
        "REFUNDED"
    );
}

/// The spec's control paths (§13): pay with points, and decline (17).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_control_paths_pay_and_decline() {
    let env = Arc::new(Env::start("0.05", 1000, "").await);
    let pay = env.held("CTRL-PAY-01", 20_000, "085712345678").await;
    let (r, _) = json::post_any(
        &env.http,
        &env.url("/_sandbox/doku-push/CTRL-PAY-01/pay"),
        &json!({"method":"points"}),
    )
    .await;
    assert_eq!(r, StatusCode::OK);
    let paid = pay.await.unwrap();
    assert_ovo(&paid, "SUCCESS", "00");
    assert_eq!(paid["ovo_payment"]["ovo_points_used"], 20_000);
    assert_eq!(paid["ovo_payment"]["cash_used"], 0);

    let decline = env.held("CTRL-DECL-01", 20_000, "085712345678").await;
    let r =
        env.http.post(env.url("/_sandbox/doku-push/CTRL-DECL-01/decline")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_ovo(&decline.await.unwrap(), "FAILED", "17");
    assert_eq!(env.status("CTRL-DECL-01").await["transaction"]["status"], "FAILED");
    // Nothing is held any more.
    let r = env.http.post(env.url("/_sandbox/doku-push/CTRL-DECL-01/pay")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

/// Customers who pay with points but have too few: `26`; the wallet is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paying_with_too_few_points_fails_26() {
    let env = Arc::new(Env::start("0.05", 1000, "").await);
    let pay = env.held("POINTS-LOW-01", 30_000, "081298765432").await;
    env.http
        .post(env.url("/_sandbox/doku_jokul_ovo_push/payments/POINTS-LOW-01/pay"))
        .json(&json!({"method":"points"}))
        .send()
        .await
        .unwrap();
    assert_ovo(&pay.await.unwrap(), "FAILED", "26");
    assert_eq!(env.account("6281298765432").await, (1_200_000, 20_000));
}

/// Magic accounts (core seed) and the spec's suffixes (§13) reach their documented codes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn magic_accounts_suffixes_and_amount_limits() {
    let env = Env::start("0.001", 5, "").await;
    let cases: &[(&str, u64, &str, &str)] = &[
        ("081100000001", 10_000, "FAILED", "26"), // insufficient balance
        ("081100000002", 10_000, "FAILED", "64"), // account blocked
        ("081100000003", 10_000, "FAILED", "61"), // limit exceeded
        ("081100000004", 10_000, "FAILED", "14"), // no account: invalid number
        ("081100000005", 10_000, "FAILED", "17"), // customer declines
        ("081100000006", 10_000, "TIMEOUT", "68"), // never answers
        ("081100000007", 10_000, "SUCCESS", "00"), // auto-approves
        ("081234560014", 10_000, "FAILED", "14"),
        ("081234560017", 10_000, "FAILED", "17"),
        ("081234560026", 10_000, "FAILED", "26"),
        ("081234560061", 10_000, "FAILED", "61"),
        ("081234560068", 10_000, "TIMEOUT", "68"),
        ("081234569999", 10_000, "TIMEOUT", "68"),
        ("0212345678", 10_000, "FAILED", "14"), // not a mobile number
        ("081234567890", 10_000, "SUCCESS", "00"), // manual customer: pays with cash after auto_delay
        ("081100000007", 0, "FAILED", "67"),       // below the minimum
        ("081100000007", 20_000_001, "FAILED", "65"), // above the simulator's maximum
    ];
    for (n, (ovo_id, amount, status, code)) in cases.iter().enumerate() {
        let invoice = format!("MAGIC-{n:02}");
        let body = env.pay_json(&invoice, *amount, ovo_id).await;
        assert_ovo(&body, status, code);
        assert_eq!(body["ovo_info"]["ovo_id"], *ovo_id);
    }
    // TIMEOUT is not final (spec §10): the late outcome settles. 0068 paid late; the others failed.
    assert_eq!(
        env.wait_status("MAGIC-11", "SUCCESS").await["additional_info"]["ovo_response_code"],
        "00"
    );
    env.wait_status("MAGIC-05", "FAILED").await;
    env.wait_status("MAGIC-12", "FAILED").await;
    // The customer's money moved only for successes.
    assert_eq!(env.account("6281100000001").await, (0, 0));
    assert_eq!(env.account("6281100000007").await, (10_000_000 - 10_000, 500_000));
}

/// The guide's form (checksum only) is accepted; a strict merchant needs the header signature.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checksum_only_and_strict_mode() {
    let env = Env::start("0.001", 5, "").await;
    let resp = env.push_checksum_only("CSONLY-01", 10_000, "081100000007").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_ovo(&resp.json().await.unwrap(), "SUCCESS", "00");

    let body = push_body(STRICT_CLIENT, STRICT_SECRET, "STRICT-01", 10_000, "081100000007");
    let resp = env.http.post(env.url(PAY_PATH)).body(body).send().await.unwrap();
    assert_error(resp, StatusCode::BAD_REQUEST, "invalid_signature").await;
    let resp = env
        .push_signed(STRICT_CLIENT, STRICT_SECRET, "STRICT-01", 10_000, "081100000007")
        .await
        .unwrap();
    assert_ovo(&resp.json().await.unwrap(), "SUCCESS", "00");
}

/// Authentication and field errors, each with DOKU's non-SNAP error shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_errors() {
    let env = Env::start("0.001", 5, "").await;
    // Spec §13: a checksum mismatch is 400 invalid_signature with this exact shape.
    let mut body: Value =
        serde_json::from_str(&push_body(CLIENT, SECRET, "ERR-01", 10_000, "081100000007")).unwrap();
    body["security"]["check_sum"] =
        json!(checksum(10_000, CLIENT, "ERR-01", "081100000007", "SK-wrong"));
    let resp = env.http.post(env.url(PAY_PATH)).body(body.to_string()).send().await.unwrap();
    let err = assert_error(resp, StatusCode::BAD_REQUEST, "invalid_signature").await;
    assert_eq!(
        err,
        json!({"error":{"code":"invalid_signature","message":"Invalid Header Signature","type":"invalid_request_error"}})
    );
    // A body changed after checksumming fails too.
    let tampered =
        push_body(CLIENT, SECRET, "ERR-01", 10_000, "081100000007").replace("10000", "10001");
    let resp = env.http.post(env.url(PAY_PATH)).body(tampered).send().await.unwrap();
    assert_error(resp, StatusCode::BAD_REQUEST, "invalid_signature").await;
    // Right checksum, header signature with the wrong secret.
    let body = push_body(CLIENT, SECRET, "ERR-02", 10_000, "081100000007");
    let ts = now_ts();
    let resp = push_by_hand(&env, "SK-wrong", "r-1", &ts, None, body.clone()).await;
    assert_error(resp, StatusCode::BAD_REQUEST, "invalid_signature").await;
    // Timestamp with an offset instead of Z.
    let ts = "2021-01-15T10:00:00+07:00";
    let resp = push_by_hand(&env, SECRET, "r-2", ts, None, body.clone()).await;
    assert_error(resp, StatusCode::BAD_REQUEST, "invalid_parameter").await;
    // Request-Target that is not the path.
    let ts = now_ts();
    let resp = push_by_hand(&env, SECRET, "r-3", &ts, Some("/other"), body).await;
    assert_error(resp, StatusCode::BAD_REQUEST, "invalid_signature").await;
    // Unknown client.
    let resp =
        env.push_signed("MCH-UNKNOWN", SECRET, "ERR-03", 10_000, "081100000007").await.unwrap();
    assert_error(resp, StatusCode::BAD_REQUEST, "invalid_client_id").await;

    // Invalid fields.
    let valid: Value =
        serde_json::from_str(&push_body(CLIENT, SECRET, "ERR-04", 10_000, "081100000007")).unwrap();
    let mut cases: Vec<Value> = Vec::new();
    let mut v = valid.clone();
    v["order"].as_object_mut().unwrap().remove("amount");
    cases.push(v);
    let mut v = valid.clone();
    v["order"]["amount"] = json!(10000.5);
    cases.push(v);
    let mut v = valid.clone();
    v["order"]["amount"] = json!("10000");
    cases.push(v);
    let mut v = valid.clone();
    v["order"]["amount"] = json!(-5);
    cases.push(v);
    let mut v = valid.clone();
    v["order"]["amount"] = json!(1_000_000_000_000_u64);
    cases.push(v);
    let mut v = valid.clone();
    v["ovo_info"]["ovo_id"] = json!("0812-3456");
    cases.push(v);
    let mut v = valid.clone();
    v["order"]["invoice_number"] = json!("X".repeat(65));
    cases.push(v);
    let mut v = valid.clone();
    v["order"]["invoice_number"] = json!("has space");
    cases.push(v);
    let mut v = valid.clone();
    v["client"].as_object_mut().unwrap().remove("id");
    cases.push(v);
    let mut v = valid.clone();
    v["security"]["check_sum"] = json!("a".repeat(65));
    cases.push(v);
    for case in cases {
        let resp = env.http.post(env.url(PAY_PATH)).body(case.to_string()).send().await.unwrap();
        assert_error(resp, StatusCode::BAD_REQUEST, "invalid_parameter").await;
    }
    let resp = env.http.post(env.url(PAY_PATH)).body("not json").send().await.unwrap();
    assert_error(resp, StatusCode::BAD_REQUEST, "invalid_parameter").await;
    // None of the rejected calls created a payment.
    let listed: Value =
        json::get(&env.http, &env.url("/_sandbox/doku_jokul_ovo_push/payments")).await;
    assert_eq!(listed, json!([]));
}

/// Duplicate invoice numbers fail with 40; the original stays as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_invoice_fails_40() {
    let env = Env::start("0.001", 5, "").await;
    assert_ovo(&env.pay_json("DUP-01", 10_000, "081100000007").await, "SUCCESS", "00");
    let again = env.pay_json("DUP-01", 10_000, "081100000007").await;
    assert_ovo(&again, "FAILED", "40");
    assert_eq!(env.status("DUP-01").await["transaction"]["status"], "SUCCESS");
    assert_eq!(env.account("6281100000007").await.0, 10_000_000 - 10_000, "charged once");
    // A failed invoice is used up too.
    assert_ovo(&env.pay_json("DUP-02", 10_000, "081100000005").await, "FAILED", "17");
    assert_ovo(&env.pay_json("DUP-02", 10_000, "081100000007").await, "FAILED", "40");
}

/// Status check errors: not found, missing or wrong signature, unknown client, other
/// merchant's invoice; and refunds that are not allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_refund_errors() {
    let env = Env::start("0.001", 5, "").await;
    assert_error(
        env.status_as(CLIENT, SECRET, "NOPE-01").await,
        StatusCode::NOT_FOUND,
        "transaction_not_found",
    )
    .await;
    assert_ovo(&env.pay_json("ST-01", 10_000, "081100000007").await, "SUCCESS", "00");
    // Another merchant cannot see it.
    assert_error(
        env.status_as(STRICT_CLIENT, STRICT_SECRET, "ST-01").await,
        StatusCode::NOT_FOUND,
        "transaction_not_found",
    )
    .await;
    assert_error(
        env.status_as(CLIENT, "SK-wrong", "ST-01").await,
        StatusCode::BAD_REQUEST,
        "invalid_signature",
    )
    .await;
    assert_error(
        env.status_as("MCH-UNKNOWN", SECRET, "ST-01").await,
        StatusCode::BAD_REQUEST,
        "invalid_client_id",
    )
    .await;
    let unsigned = env
        .http
        .get(env.url("/orders/v1/status/ST-01"))
        .header("Client-Id", CLIENT)
        .send()
        .await
        .unwrap();
    assert_error(unsigned, StatusCode::BAD_REQUEST, "invalid_signature").await;

    assert_eq!(env.refund("NOPE-01", Some(1)).await.status(), StatusCode::NOT_FOUND);
    assert_ovo(&env.pay_json("ST-02", 10_000, "081100000005").await, "FAILED", "17");
    assert_eq!(
        env.refund("ST-02", Some(1)).await.status(),
        StatusCode::CONFLICT,
        "a failed payment has nothing to refund"
    );
    assert_eq!(env.refund("ST-01", Some(0)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(env.refund("ST-01", Some(10_001)).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// OVO keeps details for 7 days (scaled); later queries answer EXPIRED with code 54.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_expire_after_seven_days() {
    // 7 days × 0.000001 ≈ 0.6 s.
    let env = Env::start("0.000001", 5, "").await;
    assert_ovo(&env.pay_json("OLD-01", 10_000, "081100000007").await, "SUCCESS", "00");
    let expired = env.wait_status("OLD-01", "EXPIRED").await;
    assert_eq!(expired["additional_info"]["ovo_response_code"], "54");
}

/// lose_response on the payment endpoint: the payment is processed, the client sees the
/// connection close, and the status check says SUCCESS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_response_payment_was_processed() {
    let env = Env::start("0.001", 5, "").await;
    let (armed, _) = json::post_any(&env.http, &env.url("/_sandbox/faults"), &json!({"product":"doku_jokul_ovo_push","endpoint":PAY_PATH,"fault":{"kind":"lose_response"}})).await;
    assert_eq!(armed, StatusCode::CREATED);
    let lost = env.push_signed(CLIENT, SECRET, "LOST-01", 10_000, "081100000007").await;
    assert!(lost.is_err(), "the client saw the connection close");
    assert_eq!(env.status("LOST-01").await["transaction"]["status"], "SUCCESS");
    // Re-sending the same invoice would fail 40 (spec §6: query first, never resend).
    assert_ovo(&env.pay_json("LOST-01", 10_000, "081100000007").await, "FAILED", "40");
}

/// Notifications are retried on the schedule (scaled), and the wrong-signature drill sends a
/// notification that does not verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_retries_and_wrong_signature_drill() {
    let (receiver, url) = start_receiver(1).await;
    // 0.001: the first retry (+30 min) comes 1.8 s later.
    let env = Env::start("0.001", 5, &format!("notification_url = \"{url}\"")).await;
    assert_ovo(&env.pay_json("NOTE-01", 10_000, "081100000007").await, "SUCCESS", "00");
    let got = accepted(&receiver, 1).await;
    assert!(notification_verifies(&got[0].0, &got[0].1));
    let mut deliveries = Value::Null;
    for _ in 0..400 {
        deliveries =
            json::get(&env.http, &env.url("/_sandbox/notifications?product=doku_jokul_ovo_push"))
                .await;
        if deliveries[0]["delivered"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(deliveries[0]["attempts"].as_array().unwrap().len(), 2, "{deliveries}");
    assert_eq!(deliveries[0]["attempts"][0]["status"], 500);
    assert_eq!(deliveries[0]["delivered"], true);

    env.http
        .post(env.url("/_sandbox/faults"))
        .json(&json!({"product":"doku_jokul_ovo_push","endpoint":"notification","fault":{"kind":"wrong_signature_notification"}}))
        .send()
        .await
        .unwrap();
    assert_ovo(&env.pay_json("NOTE-02", 10_000, "081100000005").await, "FAILED", "17");
    let got = accepted(&receiver, 2).await;
    let note: Value = serde_json::from_str(&got[1].1).unwrap();
    assert_eq!(note["transaction"]["status"], "FAILED");
    assert!(!notification_verifies(&got[1].0, &got[1].1), "the drill's signature is wrong");
}

/// POSTs `body` to the payment path as `CLIENT` with headers made here: timestamp `ts`, and
/// a signature with `secret` over `target` (sent as `Request-Target`; the path when absent).
async fn push_by_hand(
    env: &Env,
    secret: &str,
    request_id: &str,
    ts: &str,
    target: Option<&str>,
    body: String,
) -> reqwest::Response {
    let signed = signature(
        secret,
        CLIENT,
        request_id,
        ts,
        target.unwrap_or(PAY_PATH),
        Some(body.as_bytes()),
    );
    let mut request = env
        .http
        .post(env.url(PAY_PATH))
        .header("Client-Id", CLIENT)
        .header("Request-Id", request_id)
        .header("Request-Timestamp", ts);
    if let Some(target) = target {
        request = request.header("Request-Target", target);
    }
    request.header("Signature", signed).body(body).send().await.unwrap()
}

/// POSTs a signed push body and answers the JSON reply.
async fn post_push(http: &reqwest::Client, url: &str, body: String) -> Value {
    http.post(url).body(body).send().await.unwrap().json().await.unwrap()
}

/// The demo merchant of the built-in environment works, and a held push shows on the phone page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_merchant_and_phone_page() {
    let sandbox = sim::start_demo("0.05").await;
    let http = reqwest::Client::new();
    let (client, secret) = ("MCH-0001-DEMO0000000001", "SK-DEMO-jokul-not-a-real-secret");
    let url = format!("{}{PAY_PATH}", sandbox.url());
    let paid =
        post_push(&http, &url, push_body(client, secret, "DEMO-01", 10_000, "081100000007")).await;
    assert_ovo(&paid, "SUCCESS", "00");

    let held = {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move {
            post_push(&http, &url, push_body(client, secret, "DEMO-02", 15_000, "081234567890"))
                .await
        })
    };
    let mut action = None;
    for _ in 0..400 {
        let pending: Value = json::get(&http, &format!("{}/_sandbox/pending", sandbox.url())).await;
        if let Some(a) = json::find(&pending, |a| a["product"] == "doku_jokul_ovo_push") {
            action = Some(a["id"].as_str().unwrap().to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let action = action.expect("the push is pending");
    let page = json::get_text(&http, &format!("{}/_sandbox/phone", sandbox.url())).await;
    assert!(page.contains("DEMO-02"), "{page}");
    let (decided, _) = json::post_any(
        &http,
        &format!("{}/_sandbox/pending/{action}/decide", sandbox.url()),
        &json!({"decision":"decline"}),
    )
    .await;
    assert_eq!(decided, StatusCode::OK);
    assert_ovo(&held.await.unwrap(), "FAILED", "17");
}

// ------------------------------------------------------------------------------------------
// Faults real providers show, resends and the writes count

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_after_failure_late_processing_5xx_an_unknown_invoice_and_the_writes_count() {
    let (receiver, url) = start_receiver(0).await;
    let env = Env::start("0.001", 5, &format!("notification_url = \"{url}\"")).await;
    let sim = Sim::of(&env.sandbox);
    let arm = |endpoint: Option<&str>, fault: Value| {
        let armed = json!({"product":"doku_jokul_ovo_push","endpoint":endpoint,"fault":fault});
        let sim = &sim;
        async move {
            let (status, _) = sim.post_any("/_sandbox/faults", armed.clone()).await;
            assert_eq!(status, StatusCode::CREATED, "{armed}");
        }
    };
    arm(None, json!({"kind":"success_after_failure","after_ms":200_000})).await;
    assert_ovo(&env.pay_json("SAF-01", 10_000, "081100000007").await, "FAILED", "17");
    assert_eq!(env.status("SAF-01").await["transaction"]["status"], "FAILED");
    env.wait_status("SAF-01", "SUCCESS").await;
    let notes = accepted(&receiver, 2).await;
    assert!(notes.iter().all(|(h, b)| notification_verifies(h, b)));
    assert!(notes[0].1.contains("FAILED") && notes[1].1.contains("SUCCESS"), "{notes:?}");
    assert_eq!(env.account("6281100000007").await.0, 10_000_000 - 10_000, "charged once");

    // Late processing: a lost answer, then not found until processed.
    arm(Some(PAY_PATH), json!({"kind":"late_processing","after_ms":1_000_000})).await;
    assert!(
        env.push_signed(CLIENT, SECRET, "LATE-01", 10_000, "081100000007").await.is_err(),
        "a lost answer"
    );
    assert_eq!(env.status_as(CLIENT, SECRET, "LATE-01").await.status(), StatusCode::NOT_FOUND);
    let mut found = false;
    for _ in 0..400 {
        let resp = env.status_as(CLIENT, SECRET, "LATE-01").await;
        if resp.status() == StatusCode::OK
            && resp.json::<Value>().await.unwrap()["transaction"]["status"] == "SUCCESS"
        {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(found, "processed late");

    // A 5xx after processing, in DOKU's non-SNAP error shape.
    arm(Some(PAY_PATH), json!({"kind":"server_error_after_processing","status":500})).await;
    let resp = env.push_signed(CLIENT, SECRET, "ERR-01", 10_000, "081100000007").await.unwrap();
    assert_error(resp, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;
    assert_eq!(env.status("ERR-01").await["transaction"]["status"], "SUCCESS");
    // The same invoice again is refused (40), never charged twice.
    assert_ovo(&env.pay_json("ERR-01", 10_000, "081100000007").await, "FAILED", "40");
    assert_eq!(env.account("6281100000007").await.0, 10_000_000 - 30_000);

    let (sent, _) = json::post_any(
        &env.http,
        &env.url("/_sandbox/notify-unknown"),
        &json!({"product":"doku_jokul_ovo_push","reference":"NEVER-01"}),
    )
    .await;
    assert_eq!(sent, StatusCode::ACCEPTED);
    // Two for SAF-01, one each for LATE-01, ERR-01 and the unknown invoice.
    let notes = accepted(&receiver, 5).await;
    let unknown = notes.iter().find(|(_, b)| b.contains("NEVER-01")).unwrap();
    assert!(notification_verifies(&unknown.0, &unknown.1));
    assert_eq!(env.status_as(CLIENT, SECRET, "NEVER-01").await.status(), StatusCode::NOT_FOUND);

    let writes: Value =
        json::get(&env.http, &env.url("/_sandbox/writes?product=doku_jokul_ovo_push")).await;
    let count = |reference: &str| {
        let w = json::find(&writes, |w| w["reference"] == reference).unwrap();
        (w["kind"].as_str().unwrap().to_owned(), json::write_counts(w))
    };
    assert_eq!(count("SAF-01"), ("payment".to_owned(), (1, 0)));
    assert_eq!(count("LATE-01"), ("payment".to_owned(), (1, 0)));
    assert_eq!(count("ERR-01"), ("payment".to_owned(), (1, 1)));
}
