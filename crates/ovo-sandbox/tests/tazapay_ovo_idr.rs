//! `tazapay_ovo_idr` over real HTTP on loopback. Requests are built here from
//! `tazapay-ovo.md` (not from sandbox code); webhooks land on a tiny axum receiver.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use axum::http::HeaderMap;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use ovo_sandbox::{Merchants, RunningSandbox};
use ovo_test_support::sim::TazapayMerchant;
use ovo_test_support::{json, sim, Receiver, Sim};
use serde_json::{json, Value};
use sha2::Sha256;

const KEY: (&str, &str) = ("ak_test_SHOP", "sk_test_secret");
const STRICT: (&str, &str) = ("ak_test_STRICT", "sk_test_strict");
const SECRET: &str = "whsec-test";

/// §10.1: base64(HMAC-SHA256(secret, event.id + payload + event.created_at)), written here.
fn signature_ok(secret: &str, sig: &str, body: &[u8]) -> bool {
    let event: Value = serde_json::from_slice(body).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(event["id"].as_str().unwrap().as_bytes());
    mac.update(body);
    mac.update(event["created_at"].as_str().unwrap().as_bytes());
    mac.verify_slice(&B64.decode(sig).unwrap_or_default()).is_ok()
}

struct T {
    sb: RunningSandbox,
    http: reqwest::Client,
    /// The merchant's webhook endpoint.
    hooks: Receiver,
}

impl T {
    async fn new(scale: &str) -> T {
        let hooks = Receiver::start("").await;
        let hook_url = hooks.url("/hooks");
        let shop = TazapayMerchant {
            name: "Test Shop",
            api_key: KEY.0,
            api_secret: KEY.1,
            webhook_secret: SECRET,
            webhook_url: &hook_url,
        };
        let merchants = format!(
            r#"{}
[[tazapay_ovo_idr]]
name = "Strict Shop"
api_key = "{}"
api_secret = "{}"
webhook_secret = "whsec-strict"
strict_phone = true
"#,
            shop.toml(),
            STRICT.0,
            STRICT.1
        );
        let sb = sim::start(&merchants, scale).await;
        T { sb, http: reqwest::Client::new(), hooks }
    }

    async fn call_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: Option<String>,
        idem: Option<&str>,
        body: Option<String>,
    ) -> Result<(u16, Value, HeaderMap), reqwest::Error> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.sb.url()))
            .header("accept", "application/json");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        if let Some(k) = idem {
            req = req.header("idempotency-key", k);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null), headers))
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        key: (&str, &str),
        idem: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let auth = format!("Basic {}", B64.encode(format!("{}:{}", key.0, key.1)));
        let (s, v, _) = self
            .call_raw(method, path, Some(auth), idem, body.map(|b| b.to_string()))
            .await
            .unwrap();
        (s, v)
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, KEY, None, Some(body)).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, KEY, None, None).await
    }

    /// POST /v3/payin as merchant `key` with an Idempotency-Key.
    async fn create_keyed(&self, key: (&str, &str), idem: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, "/v3/payin", key, Some(idem), Some(body)).await
    }

    /// PUT /v3/payin/{id} as the default merchant.
    async fn update(&self, id: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PUT, &format!("/v3/payin/{id}"), KEY, None, Some(body)).await
    }

    async fn create(&self, amount: i64) -> String {
        let (s, v) = self.post("/v3/payin", json!({ "amount": amount, "invoice_currency": "IDR", "transaction_description": "1 X Good" })).await;
        assert_eq!(s, 200, "{v}");
        v["data"]["id"].as_str().unwrap().to_owned()
    }

    async fn confirm(&self, id: &str, number: &str) -> (u16, Value) {
        self.post(&format!("/v3/payin/{id}/confirm"), confirm_body(number)).await
    }

    /// Polls GET /v3/payin/{id} (bounded) until `done`.
    async fn wait_payin(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..1000 {
            let (s, v) = self.get(&format!("/v3/payin/{id}")).await;
            assert_eq!(s, 200, "{v}");
            if done(&v["data"]) {
                return v["data"].clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("payin {id} never reached the expected state");
    }

    async fn wait_refund(&self, id: &str, status: &str) -> Value {
        for _ in 0..1000 {
            let (s, v) = self.get(&format!("/v3/refund/{id}")).await;
            assert_eq!(s, 200, "{v}");
            if v["data"]["status"] == status {
                return v["data"].clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("refund {id} never became {status}");
    }

    /// Waits (bounded) until an accepted webhook of this type about this object arrives:
    /// its signature header, raw body and JSON.
    async fn wait_hook(&self, event: &str, object: &str) -> (String, Vec<u8>, Value) {
        let hit = self
            .hooks
            .wait_for(|h| {
                let v: Value = serde_json::from_str(&h.body).unwrap_or_default();
                let about = v["data"]["id"] == object || v["data"]["payin"] == object;
                h.method == "POST"
                    && h.path() == "/hooks"
                    && h.status == 200
                    && v["type"] == event
                    && about
            })
            .await;
        let signature = hit.header("signature").unwrap_or_default().to_owned();
        (signature, hit.body.clone().into_bytes(), hit.json())
    }

    /// GET `path` of the control API, asserting success.
    async fn control(&self, path: &str) -> Value {
        Sim::of(&self.sb).get(path).await
    }

    async fn pending_action(&self, phone: &str) -> String {
        for _ in 0..1000 {
            let list: Value = self.control("/_sandbox/pending").await;
            if let Some(a) =
                json::find(&list, |a| a["phone"] == phone && a["product"] == "tazapay_ovo_idr")
            {
                return a["id"].as_str().unwrap().to_owned();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no push on {phone}");
    }

    async fn account(&self, phone: &str) -> (i64, i64) {
        let a: Value = self.control(&format!("/_sandbox/accounts/{phone}")).await;
        (a["cash"].as_i64().unwrap(), a["points"].as_i64().unwrap())
    }
}

fn confirm_body(number: &str) -> Value {
    json!({
        "customer_details": { "name": "Andrea Lark", "email": "andrea@example.com", "country": "ID" },
        "success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel",
        "payment_method_details": { "type": "ovo_idr", "ovo_idr": { "phone": { "calling_code": "62", "number": number } } }
    })
}

fn code(v: &Value) -> i64 {
    assert_eq!(v["status"], "error", "{v}");
    v["errors"][0]["code"].as_i64().unwrap()
}

#[tokio::test]
async fn full_flow_pay_status_refund_with_signed_webhooks() {
    // 0.05: the customer has 3.5 s to answer the push.
    let t = T::new("0.05").await;
    let budi = "6281234567890";
    let before = t.account(budi).await;
    let id = t.create(5_000_000).await; // IDR 50,000
    let (_, created) = t.get(&format!("/v3/payin/{id}")).await;
    assert_eq!(created["status"], "success");
    assert_eq!(created["data"]["status"], "requires_payment_method");
    assert_eq!(created["data"]["object"], "payin");
    assert_eq!(created["data"]["latest_payment_attempt"], "");

    let (s, confirmed) = t.confirm(&id, "81234567890").await;
    assert_eq!(s, 200, "{confirmed}");
    assert_eq!(confirmed["data"]["status"], "requires_action");
    let pat = confirmed["data"]["latest_payment_attempt"].as_str().unwrap().to_owned();
    assert!(pat.starts_with("pat_"));
    assert!(confirmed["data"]["latest_payment_attempt_data"]["expires_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    // The customer pays with points on the phone.
    let action = t.pending_action(budi).await;
    let r = t
        .http
        .post(format!("{}/_sandbox/pending/{action}/decide", t.sb.url()))
        .json(&json!({ "decision": "approve", "source": "points" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let paid = t.wait_payin(&id, |p| p["status"] == "succeeded").await;
    assert_eq!(paid["amount_paid"], 5_000_000);
    assert_eq!(paid["payment_attempts"][0]["status"], "succeeded");
    assert_eq!(t.account(budi).await, (before.0, before.1 - 50_000));

    for event in ["payin.requires_action", "payin.succeeded"] {
        let (sig, body, v) = t.wait_hook(event, &id).await;
        assert!(signature_ok(SECRET, &sig, &body), "{event} signature");
        assert!(!signature_ok("whsec-other", &sig, &body));
        assert_eq!(v["object"], "event");
        assert!(v["id"].as_str().unwrap().starts_with("evt_"));
    }
    let (_, _, v) = t.wait_hook("payin.succeeded", &id).await;
    assert_eq!(v["data"]["status"], "succeeded");
    let (sig, body, v) = t.wait_hook("payment_attempt.succeeded", &id).await;
    assert!(signature_ok(SECRET, &sig, &body));
    assert_eq!(v["data"]["id"], pat.as_str());

    // Full refund, as the house client sends it.
    let (s, r) = t
        .post("/v3/refund", json!({ "payin": id, "amount": 5_000_000, "currency": "IDR", "reason": "Customer Return", "reference_id": "RFD0000000000001" }))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["data"]["status"], "pending");
    assert_eq!(r["data"]["payment_attempt"], pat.as_str());
    let rfd = r["data"]["id"].as_str().unwrap().to_owned();
    let done = t.wait_refund(&rfd, "succeeded").await;
    assert_eq!(done["amount"], 5_000_000);
    assert_eq!(t.account(budi).await, before, "the points came back");
    for event in ["refund.pending", "refund.succeeded"] {
        let (sig, body, _) = t.wait_hook(event, &id).await;
        assert!(signature_ok(SECRET, &sig, &body), "{event}");
    }
    // Cumulative ≤ paid: a second full refund is over the amount.
    let (s, again) = t.post("/v3/refund", json!({ "payin": id })).await;
    assert_eq!((s, code(&again)), (400, 30012));
    // The payin is still succeeded; its attempt is marked refunded.
    let p = t.wait_payin(&id, |p| p["payment_attempts"][0]["refunded"] == true).await;
    assert_eq!(p["status"], "succeeded");
}

#[tokio::test]
async fn authentication_errors() {
    let t = T::new("0.001").await;
    let path = "/v3/payin/pay_aaaaaaaaaaaaaaaaaaaa";
    let cases = [
        (None, 109),
        (Some("Basic ".to_owned()), 109),
        (Some("Bearer abc".to_owned()), 108),
        (Some("Basic %%%".to_owned()), 108),
        (Some(format!("Basic {}", B64.encode("no-colon"))), 108),
        (Some(format!("Basic {}", B64.encode(format!("{}:wrong", KEY.0)))), 111),
        (Some(format!("Basic {}", B64.encode("ak_test_NOBODY:sk_test_x"))), 111),
    ];
    for (auth, expected) in cases {
        let (s, v, _) =
            t.call_raw(reqwest::Method::GET, path, auth.clone(), None, None).await.unwrap();
        assert_eq!((s, code(&v)), (401, expected), "{auth:?}");
        assert!(v["errors"][0]["message"].is_string());
    }
    // POSTs are refused before anything happens.
    let (s, v, _) = t
        .call_raw(reqwest::Method::POST, "/v3/payin", None, None, Some("{}".into()))
        .await
        .unwrap();
    assert_eq!((s, code(&v)), (401, 109));
    // The right key: past authentication, the payin is simply unknown.
    let (s, v) = t.get(path).await;
    assert_eq!((s, code(&v)), (404, 105));
    // Another merchant cannot see this merchant's payin.
    let id = t.create(1_000_000).await;
    let (s, v) = t.call(reqwest::Method::GET, &format!("/v3/payin/{id}"), STRICT, None, None).await;
    assert_eq!((s, code(&v)), (404, 105));
}

#[tokio::test]
async fn payin_validation_errors() {
    let t = T::new("0.001").await;
    let auth = Some(format!("Basic {}", B64.encode(format!("{}:{}", KEY.0, KEY.1))));
    let (s, v, _) = t
        .call_raw(reqwest::Method::POST, "/v3/payin", auth, None, Some("{not json".into()))
        .await
        .unwrap();
    assert_eq!((s, code(&v)), (400, 100));
    let bad = [
        (
            json!({ "amount": "100000", "invoice_currency": "IDR", "transaction_description": "x" }),
            100,
        ),
        (json!({ "invoice_currency": "IDR", "transaction_description": "x" }), 99000),
        (json!({ "amount": 0, "invoice_currency": "IDR", "transaction_description": "x" }), 99000),
        (
            json!({ "amount": 1_000_000, "invoice_currency": "USD", "transaction_description": "x" }),
            99000,
        ),
        (
            json!({ "amount": 1_000_050, "invoice_currency": "IDR", "transaction_description": "x" }),
            99000,
        ),
        (json!({ "amount": 1_000_000, "invoice_currency": "IDR" }), 99000),
        (
            json!({ "amount": 1_000_000, "invoice_currency": "IDR", "transaction_description": "x", "webhook_url": "not a url" }),
            99000,
        ),
    ];
    for (body, expected) in bad {
        let (s, v) = t.post("/v3/payin", body.clone()).await;
        assert_eq!((s, code(&v)), (400, expected), "{body}");
    }
    let (s, v) = t.get("/v3/payin/xyz").await;
    assert_eq!((s, code(&v)), (400, 103));
    // Confirm: wrong method type, bad phone forms.
    let id = t.create(1_000_000).await;
    let (s, v) = t
        .post(
            &format!("/v3/payin/{id}/confirm"),
            json!({ "payment_method_details": { "type": "linkaja_idr" } }),
        )
        .await;
    assert_eq!((s, code(&v)), (400, 99000));
    for number in ["081234567890", "6281234567890", "8123abc"] {
        let (s, v) = t.confirm(&id, number).await;
        assert_eq!((s, code(&v)), (400, 99000), "{number}");
    }
    let (s, v) = t.post(&format!("/v3/payin/{id}/confirm"), json!({})).await;
    assert_eq!((s, code(&v)), (400, 99000), "no payment method");
    let (_, p) = t.get(&format!("/v3/payin/{id}")).await;
    assert_eq!(p["data"]["status"], "requires_payment_method", "errors leave the payin as it was");
    // Strict merchants refuse a phone with no OVO account at confirm (§15 strict_phone).
    let (s, v) = t
        .call(reqwest::Method::POST, "/v3/payin", STRICT, None, Some(json!({ "amount": 1_000_000, "invoice_currency": "IDR", "transaction_description": "x", "confirm": true, "payment_method_details": confirm_body("81100000004")["payment_method_details"] })))
        .await;
    assert_eq!((s, code(&v)), (400, 99000));
}

#[tokio::test]
async fn idempotency_keys() {
    let t = T::new("0.001").await;
    let body = json!({ "amount": 2_000_000, "invoice_currency": "IDR", "transaction_description": "1 X Good", "reference_id": "ABCDEF0123456789" });
    let (s1, a) = t.create_keyed(KEY, "ABCDEF0123456789-create", body.clone()).await;
    let auth = Some(format!("Basic {}", B64.encode(format!("{}:{}", KEY.0, KEY.1))));
    let (s2, b, headers) = t
        .call_raw(
            reqwest::Method::POST,
            "/v3/payin",
            auth.clone(),
            Some("ABCDEF0123456789-create"),
            Some(body.to_string()),
        )
        .await
        .unwrap();
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(a["data"]["id"], b["data"]["id"], "the retry replays the first answer");
    assert_eq!(
        headers.get("x-sandbox-idempotent-replay").map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let list: Value = t.control("/_sandbox/tazapay_ovo_idr/payins").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "one payin created");
    // The same key on another endpoint is refused.
    let id = a["data"]["id"].as_str().unwrap();
    let (s, v) = t
        .call(
            reqwest::Method::POST,
            &format!("/v3/payin/{id}/cancel"),
            KEY,
            Some("ABCDEF0123456789-create"),
            None,
        )
        .await;
    assert_eq!((s, code(&v)), (400, 99000));
    // Errors are not stored: a retry with the same key executes again.
    let (s, v) = t.create_keyed(KEY, "K-2", json!({ "amount": 5 })).await;
    assert_eq!((s, code(&v)), (400, 99000));
    let (s, v) = t.create_keyed(KEY, "K-2", body.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_ne!(v["data"]["id"], a["data"]["id"]);
    // Over 255 characters.
    let long = "k".repeat(256);
    let (s, v) = t.create_keyed(KEY, &long, body.clone()).await;
    assert_eq!((s, code(&v)), (400, 99000));
    // Keys are per merchant.
    let (s, v) = t.create_keyed(STRICT, "ABCDEF0123456789-create", body.clone()).await;
    assert_eq!(s, 200);
    assert_ne!(v["data"]["id"], a["data"]["id"]);
}

#[tokio::test]
async fn idempotency_keys_expire_after_24_hours_scaled() {
    // 24 h × 0.00001 = 864 ms.
    let t = T::new("0.00001").await;
    let body =
        json!({ "amount": 2_000_000, "invoice_currency": "IDR", "transaction_description": "x" });
    let (_, a) = t.create_keyed(KEY, "old-key", body.clone()).await;
    let mut replayed_then_new = false;
    for _ in 0..300 {
        let (_, b) = t.create_keyed(KEY, "old-key", body.clone()).await;
        if b["data"]["id"] != a["data"]["id"] {
            replayed_then_new = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(replayed_then_new, "after 24 h (scaled) the key executes again");
}

#[tokio::test]
async fn seed_sandbox_rules_success_failure_repush_and_cancel() {
    let t = T::new("0.001").await;
    // Test phone: succeeds 70 s (scaled) after creation; create and confirm combined.
    let mut body = confirm_body("0123456789");
    body["amount"] = json!(1_500_000);
    body["invoice_currency"] = json!("IDR");
    body["transaction_description"] = json!("1 X Good");
    body["confirm"] = json!(true);
    let (s, v) = t.post("/v3/payin", body).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["status"], "requires_action");
    let ok_id = v["data"]["id"].as_str().unwrap().to_owned();
    let paid = t.wait_payin(&ok_id, |p| p["status"] == "succeeded").await;
    assert_eq!(paid["amount_paid"], 1_500_000);
    t.wait_hook("payin.succeeded", &ok_id).await;
    // A succeeded payin can be neither confirmed nor cancelled.
    assert_eq!(t.confirm(&ok_id, "0123456789").await.0, 400);
    assert_eq!(t.post(&format!("/v3/payin/{ok_id}/cancel"), json!({})).await.0, 400);

    // Amount 10000000 fails 70 s after creation; the payin goes back for a re-push.
    let id = t.create(10_000_000).await;
    t.wait_hook("payin.created", &id).await;
    let (s, first) = t.confirm(&id, "0123456789").await;
    assert_eq!(s, 200);
    let failed = t
        .wait_payin(&id, |p| {
            p["status"] == "requires_payment_method"
                && p["payment_attempts"][0]["status"] == "failed"
        })
        .await;
    assert_eq!(failed["payment_attempts"][0]["status_description"], "expired");
    let (sig, body, v) = t.wait_hook("payment_attempt.failed", &id).await;
    assert!(signature_ok(SECRET, &sig, &body));
    assert_eq!(v["data"]["object"], "payment_attempt");
    assert_eq!(v["data"]["id"], first["data"]["latest_payment_attempt"]);
    t.wait_hook("payin.requires_payment_method", &id).await;
    // Re-push: a second attempt on the same payin.
    let (s, second) = t.confirm(&id, "0123456789").await;
    assert_eq!(s, 200);
    assert_ne!(second["data"]["latest_payment_attempt"], first["data"]["latest_payment_attempt"]);
    // Confirming while an attempt is running is refused.
    assert_eq!(t.confirm(&id, "0123456789").await.0, 400);
    t.wait_payin(&id, |p| p["status"] == "requires_payment_method").await;
    // Cancel from requires_payment_method; then nothing more is allowed.
    let (s, c) = t.post(&format!("/v3/payin/{id}/cancel"), json!({})).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["data"]["status"], "cancelled");
    assert!(c["data"]["cancelled_at"].is_string());
    t.wait_hook("payin.cancelled", &id).await;
    assert_eq!(t.post(&format!("/v3/payin/{id}/cancel"), json!({})).await.0, 400);
    assert_eq!(t.confirm(&id, "0123456789").await.0, 400);
    let (s, v) = t
        .post(
            "/v3/refund",
            json!({ "payin": id, "payment_attempt": second["data"]["latest_payment_attempt"] }),
        )
        .await;
    assert_eq!((s, code(&v)), (409, 30009));
}

#[tokio::test]
async fn magic_accounts_reach_their_outcomes() {
    let t = T::new("0.001").await;
    let cases = [
        ("81100000001", "failed", "insufficient balance"),
        ("81100000002", "failed", "ovo account blocked"),
        ("81100000003", "failed", "ovo transaction limit exceeded"),
        ("81100000004", "failed", "invalid phone number: no OVO account"),
        ("81100000005", "failed", "declined by customer"),
        ("81100000006", "failed", "expired"),
        ("81100000007", "succeeded", ""),
    ];
    for (number, status, description) in cases {
        let id = t.create(1_000_000).await;
        let (s, v) = t.confirm(&id, number).await;
        assert_eq!(s, 200, "{number}: {v}");
        let p = t.wait_payin(&id, |p| p["status"] != "requires_action").await;
        let attempt = &p["payment_attempts"][0];
        assert_eq!(
            (attempt["status"].as_str().unwrap(), attempt["status_description"].as_str().unwrap()),
            (status, description),
            "{number}"
        );
        let expected_payin =
            if status == "succeeded" { "succeeded" } else { "requires_payment_method" };
        assert_eq!(p["status"], expected_payin, "{number}");
    }
    // The silent customer's push was withdrawn when the 70 s (scaled) ran out.
    let pending: Value = t.control("/_sandbox/pending").await;
    assert!(pending.as_array().unwrap().iter().all(|a| a["phone"] != "6281100000006"));
}

#[tokio::test]
async fn refund_errors() {
    let t = T::new("0.001").await;
    // A payin whose first push was declined (05) and second approved (07): two attempts.
    let id = t.create(3_000_000).await;
    t.confirm(&id, "81100000005").await;
    t.wait_payin(&id, |p| p["status"] == "requires_payment_method").await;
    let (_, second) = t.confirm(&id, "81100000007").await;
    let pat = second["data"]["latest_payment_attempt"].as_str().unwrap().to_owned();
    t.wait_payin(&id, |p| p["status"] == "succeeded").await;
    let open = t.create(3_000_000).await;

    let cases = [
        (json!({ "amount": 3_000_000 }), 400, 30007),
        (json!({ "payin": "pay_unknownunknownunkn" }), 400, 30000),
        (json!({ "payin": "xyz_123" }), 400, 30000),
        (json!({ "payin": "chk_unknownunknownunkn" }), 400, 30000),
        (json!({ "payment_attempt": "pat_unknownunknownunkn" }), 400, 30001),
        (json!({ "payment_attempt": "bad" }), 400, 30001),
        (json!({ "payin": open, "payment_attempt": pat }), 400, 30001),
        (json!({ "payin": id }), 400, 30008),
        (json!({ "payin": open }), 409, 30009),
        (json!({ "payment_attempt": pat, "amount": 1_000_000 }), 400, 30021),
        (json!({ "payment_attempt": pat, "amount": 3_000_100 }), 400, 30012),
        (json!({ "payment_attempt": pat, "amount": 0 }), 400, 30002),
        (json!({ "payment_attempt": pat, "reason": " " }), 400, 30015),
        (json!({ "payment_attempt": pat, "webhook_url": "ftp:/x" }), 400, 30005),
        (json!({ "payment_attempt": pat, "source": "bad source!" }), 400, 30004),
        (json!({ "payment_attempt": pat, "currency": "USD" }), 400, 99000),
    ];
    for (body, http, expected) in cases {
        let (s, v) = t.post("/v3/refund", body.clone()).await;
        assert_eq!((s, code(&v)), (http, expected), "{body}");
    }
    let (s, v) = t.post("/v3/refund", json!("[")).await;
    assert_eq!((s, code(&v)), (400, 100));
    // The succeeded attempt, named with its payin; amount and currency omitted = full.
    let (s, v) = t.post("/v3/refund", json!({ "payin": id, "payment_attempt": pat, "reason": "Customer Return", "source": "woocommerce" })).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["amount"], 3_000_000);
    let rfd = v["data"]["id"].as_str().unwrap().to_owned();
    // A pending refund already reserves the whole amount.
    let (s, again) = t.post("/v3/refund", json!({ "payment_attempt": pat })).await;
    assert_eq!((s, code(&again)), (400, 30012));
    t.wait_refund(&rfd, "succeeded").await;
    let (s, v) = t.get("/v3/refund/rfd_unknownunknownunkn").await;
    assert_eq!((s, code(&v)), (404, 105));
    let (s, v) = t.get("/v3/refund/nope").await;
    assert_eq!((s, code(&v)), (400, 103));
    // Another merchant cannot see or refund it.
    let (s, v) =
        t.call(reqwest::Method::GET, &format!("/v3/refund/{rfd}"), STRICT, None, None).await;
    assert_eq!((s, code(&v)), (404, 105));
    let (s, v) = t
        .call(reqwest::Method::POST, "/v3/refund", STRICT, None, Some(json!({ "payin": id })))
        .await;
    assert_eq!((s, code(&v)), (400, 30000));
}

#[tokio::test]
async fn update_and_cancel_while_the_push_waits() {
    let t = T::new("0.2").await; // 14 s push window: ample time to cancel
    let id = t.create(1_000_000).await;
    let (s, v) = t
        .update(&id, json!({ "metadata": { "order": "A-1" }, "statement_descriptor": "TOKO" }))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["metadata"]["order"], "A-1");
    assert_eq!(v["data"]["statement_descriptor"], "tzp*TOKO");
    let (s, v) = t.update(&id, json!({ "amount": 5 })).await;
    assert_eq!((s, code(&v)), (400, 99000));
    let (s, _) = t.confirm(&id, "81298765432").await;
    assert_eq!(s, 200);
    let action = t.pending_action("6281298765432").await;
    let (s, v) = t.post(&format!("/v3/payin/{id}/cancel"), json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["status"], "cancelled");
    assert_eq!(v["data"]["payment_attempts"][0]["status"], "failed");
    // The push is gone from the phone; deciding it now finds nothing.
    let (r, _) = json::post_any(
        &t.http,
        &format!("{}/_sandbox/pending/{action}/decide", t.sb.url()),
        &json!({ "decision": "approve" }),
    )
    .await;
    assert_eq!(r, 404);
    assert_eq!(t.account("6281298765432").await, (1_200_000, 20_000), "no money moved");
}

#[tokio::test]
async fn webhook_retries_and_wrong_signature_drill() {
    let t = T::new("0.001").await;
    // The receiver fails twice: delivered on the third try (1 min, 5 min scaled).
    t.hooks.fail_next([500, 500]);
    let id = t.create(1_000_000).await;
    t.wait_hook("payin.created", &id).await;
    // The receiver has the webhook before the simulator has the answer: ask until it does.
    let sim = Sim::of(&t.sb);
    let mut deliveries = Value::Null;
    for _ in 0..100 {
        deliveries = sim.get("/_sandbox/notifications?product=tazapay_ovo_idr").await;
        if deliveries[0]["delivered"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let d = &deliveries.as_array().unwrap()[0];
    assert_eq!(d["delivered"], true);
    assert_eq!(d["attempts"].as_array().unwrap().len(), 3);

    // Wrong-signature drill: the next webhook carries a signature that does not verify.
    let (r, _) = json::post_any(&t.http, &format!("{}/_sandbox/faults", t.sb.url()), &json!({ "product": "tazapay_ovo_idr", "endpoint": "notification", "fault": { "kind": "wrong_signature_notification" } })).await;
    assert_eq!(r, 201);
    let id2 = t.create(1_000_000).await;
    let (sig, body, _) = t.wait_hook("payin.created", &id2).await;
    assert!(!signature_ok(SECRET, &sig, &body), "tampered signature must not verify");
    let id3 = t.create(1_000_000).await;
    let (sig, body, _) = t.wait_hook("payin.created", &id3).await;
    assert!(signature_ok(SECRET, &sig, &body), "the drill applies once");
}

#[tokio::test]
async fn lost_confirm_response_is_still_processed_and_the_retry_replays() {
    let t = T::new("0.001").await;
    let id = t.create(1_000_000).await;
    let (r, _) = json::post_any(&t.http, &format!("{}/_sandbox/faults", t.sb.url()), &json!({ "product": "tazapay_ovo_idr", "endpoint": "/v3/payin/{id}/confirm", "fault": { "kind": "lose_response" } })).await;
    assert_eq!(r, 201);
    let auth = Some(format!("Basic {}", B64.encode(format!("{}:{}", KEY.0, KEY.1))));
    let key = "ABCDEF0123456789-confirm-1";
    let lost = t
        .call_raw(
            reqwest::Method::POST,
            &format!("/v3/payin/{id}/confirm"),
            auth,
            Some(key),
            Some(confirm_body("81100000007").to_string()),
        )
        .await;
    assert!(lost.is_err(), "the client saw the connection close: {lost:?}");
    // The payment went through all the same.
    let p = t.wait_payin(&id, |p| p["status"] == "succeeded").await;
    assert_eq!(p["payment_attempts"].as_array().unwrap().len(), 1);
    // The client's retry with the same key gets the stored answer, not a second push.
    let (s, v) = t
        .call(
            reqwest::Method::POST,
            &format!("/v3/payin/{id}/confirm"),
            KEY,
            Some(key),
            Some(confirm_body("81100000007")),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["latest_payment_attempt"], p["latest_payment_attempt"]);
    let (_, after) = t.get(&format!("/v3/payin/{id}")).await;
    assert_eq!(after["data"]["payment_attempts"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn demo_merchant_is_accepted() {
    let sb = sim::start_demo("0.001").await;
    let demo: Vec<toml::Table> = Merchants::demo().section("tazapay_ovo_idr").unwrap();
    let (key, secret) =
        (demo[0]["api_key"].as_str().unwrap(), demo[0]["api_secret"].as_str().unwrap());
    let resp = reqwest::Client::new()
        .post(format!("{}/v3/payin", sb.url()))
        .header("authorization", format!("Basic {}", B64.encode(format!("{key}:{secret}"))))
        .json(&json!({ "amount": 1_000_000, "invoice_currency": "IDR", "transaction_description": "demo" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

// --- faults real providers show, resends and the writes count -----------------------------------

impl T {
    async fn arm(&self, endpoint: Option<&str>, fault: Value) {
        let armed = json!({"product": "tazapay_ovo_idr", "endpoint": endpoint, "fault": fault});
        let (r, _) =
            json::post_any(&self.http, &format!("{}/_sandbox/faults", self.sb.url()), &armed).await;
        assert_eq!(r, 201);
    }

    async fn post_keyed(
        &self,
        path: &str,
        key: &str,
        body: &Value,
    ) -> Result<(u16, Value, HeaderMap), reqwest::Error> {
        let auth = format!("Basic {}", B64.encode(format!("{}:{}", KEY.0, KEY.1)));
        self.call_raw(reqwest::Method::POST, path, Some(auth), Some(key), Some(body.to_string()))
            .await
    }

    async fn writes(&self) -> Value {
        self.control("/_sandbox/writes?product=tazapay_ovo_idr").await
    }

    async fn wait_writes(&self, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..500 {
            let writes = self.writes().await;
            if done(&writes) {
                return writes;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the writes never reached the expected counts: {}", self.writes().await);
    }
}

/// Create and confirm in one call, as the house client sends a first attempt (test phone:
/// succeeds 70 s later, scaled).
fn create_and_confirm(reference: &str) -> Value {
    let mut body = confirm_body("0123456789");
    body["amount"] = json!(1_000_000);
    body["invoice_currency"] = json!("IDR");
    body["transaction_description"] = json!("1 X Good");
    body["reference_id"] = json!(reference);
    body["confirm"] = json!(true);
    body
}

fn write_of<'a>(writes: &'a Value, kind: &str, reference: &str) -> &'a Value {
    json::find(writes, |w| w["kind"] == kind && w["reference"] == reference).unwrap_or(&Value::Null)
}

#[tokio::test]
async fn resends_under_the_same_idempotency_key_return_the_original_answer_and_never_process_twice()
{
    let t = T::new("0.001").await;
    let key = "TZIDEM0000000001-create";
    let (s, first, _) =
        t.post_keyed("/v3/payin", key, &create_and_confirm("TZIDEM0000000001")).await.unwrap();
    assert_eq!(s, 200, "{first}");
    let (s, again, headers) =
        t.post_keyed("/v3/payin", key, &create_and_confirm("TZIDEM0000000001")).await.unwrap();
    assert_eq!((s, &again), (200, &first), "the original answer");
    assert_eq!(headers["x-sandbox-idempotent-replay"], "true");
    let id = first["data"]["id"].as_str().unwrap().to_owned();
    let paid = t.wait_payin(&id, |p| p["status"] == "succeeded").await;
    assert_eq!(paid["payment_attempts"].as_array().unwrap().len(), 1);

    let refund = json!({ "payin": id, "amount": 1_000_000, "reason": "Customer Return", "reference_id": "TZIDEM0000000001R01" });
    let (s, r1, _) =
        t.post_keyed("/v3/refund", "TZIDEM0000000001-refund-1", &refund).await.unwrap();
    assert_eq!(s, 200, "{r1}");
    let (s, r2, _) =
        t.post_keyed("/v3/refund", "TZIDEM0000000001-refund-1", &refund).await.unwrap();
    assert_eq!((s, r2["data"]["id"].as_str()), (200, r1["data"]["id"].as_str()));
    t.wait_refund(r1["data"]["id"].as_str().unwrap(), "succeeded").await;
    let list: Value = t.control("/_sandbox/tazapay_ovo_idr/payins").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "one payin");
    let writes = t.writes().await;
    assert_eq!(
        write_of(&writes, "payment", "TZIDEM0000000001"),
        &json!({"product":"tazapay_ovo_idr","kind":"payment","reference":"TZIDEM0000000001","processed":1,"replays":1})
    );
    assert_eq!(write_of(&writes, "refund", "TZIDEM0000000001R01")["processed"], 1);
    assert_eq!(write_of(&writes, "refund", "TZIDEM0000000001R01")["replays"], 1);
}

#[tokio::test]
async fn a_confirm_resent_under_its_key_is_replayed_and_a_new_attempt_is_counted_apart() {
    let t = T::new("0.001").await;
    // 10,000,000 minor units fails 70 s after creation (HD 2): the payin can be confirmed again.
    let mut body = create_and_confirm("TZCONF0000000001");
    body["amount"] = json!(10_000_000);
    let (s, created, _) =
        t.post_keyed("/v3/payin", "TZCONF0000000001-create", &body).await.unwrap();
    assert_eq!(s, 200, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    t.wait_payin(&id, |p| {
        p["status"] == "requires_payment_method" && p["payment_attempts"][0]["status"] == "failed"
    })
    .await;
    let path = format!("/v3/payin/{id}/confirm");
    let (s, c1, _) = t
        .post_keyed(&path, "TZCONF0000000001-confirm-2", &confirm_body("0123456789"))
        .await
        .unwrap();
    assert_eq!(s, 200, "{c1}");
    let (s, c2, headers) = t
        .post_keyed(&path, "TZCONF0000000001-confirm-2", &confirm_body("0123456789"))
        .await
        .unwrap();
    assert_eq!((s, &c2), (200, &c1));
    assert_eq!(headers["x-sandbox-idempotent-replay"], "true");
    let writes = t.writes().await;
    assert_eq!(write_of(&writes, "payment", "TZCONF0000000001")["processed"], 1);
    let again = write_of(&writes, "payment", "TZCONF0000000001/attempt-2");
    assert_eq!(json::write_counts(again), (1, 1), "{writes}");
}

#[tokio::test]
async fn a_create_processed_late_and_resent_under_its_key_is_processed_once() {
    let t = T::new("0.001").await;
    // 1,000,000 ms at time scale 0.001: processed one second after the connection closes.
    t.arm(Some("/v3/payin"), json!({"kind": "late_processing", "after_ms": 1_000_000})).await;
    let key = "TZLATE0000000001-create";
    let lost = t.post_keyed("/v3/payin", key, &create_and_confirm("TZLATE0000000001")).await;
    assert!(lost.is_err(), "the client sees a lost answer");
    assert_eq!(t.writes().await, json!([]), "nothing processed yet");
    let (s, resent, _) =
        t.post_keyed("/v3/payin", key, &create_and_confirm("TZLATE0000000001")).await.unwrap();
    assert_eq!(s, 200, "{resent}");
    // The late processing finds the key used and answers from the stored result.
    let writes = t.wait_writes(|w| w[0]["replays"] == 1).await;
    assert_eq!(
        writes,
        json!([{"product":"tazapay_ovo_idr","kind":"payment","reference":"TZLATE0000000001","processed":1,"replays":1}])
    );
    let list: Value = t.control("/_sandbox/tazapay_ovo_idr/payins").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "one payin");
    // A payin never created answers 404 (§12).
    let (s, v) = t.get("/v3/payin/pay_never").await;
    assert_eq!((s, code(&v)), (404, 105));
}

#[tokio::test]
async fn a_5xx_after_processing_is_in_tazapays_error_shape_and_the_key_then_replays_the_stored_answer(
) {
    let t = T::new("0.001").await;
    let (_, created, _) = t
        .post_keyed("/v3/payin", "TZ5XX00000000001-create", &create_and_confirm("TZ5XX00000000001"))
        .await
        .unwrap();
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    t.wait_payin(&id, |p| p["status"] == "succeeded").await;
    t.arm(Some("/v3/refund"), json!({"kind": "server_error_after_processing", "status": 503}))
        .await;
    let refund = json!({ "payin": id, "amount": 1_000_000, "reason": "Customer Return", "reference_id": "TZ5XX00000000001R01" });
    let (s, failed, _) =
        t.post_keyed("/v3/refund", "TZ5XX00000000001-refund-1", &refund).await.unwrap();
    assert_eq!(s, 503);
    assert_eq!(
        failed,
        json!({"status":"error","message":"something went wrong","errors":[{"code":101,"message":"something went wrong","remarks":""}]})
    );
    let (s, resent, headers) =
        t.post_keyed("/v3/refund", "TZ5XX00000000001-refund-1", &refund).await.unwrap();
    assert_eq!(
        (s, resent["data"]["reference_id"].as_str()),
        (200, Some("TZ5XX00000000001R01")),
        "{resent}"
    );
    assert_eq!(headers["x-sandbox-idempotent-replay"], "true", "it was processed before the 503");
    let writes = t.writes().await;
    let refund = write_of(&writes, "refund", "TZ5XX00000000001R01");
    assert_eq!(json::write_counts(refund), (1, 1));
}

#[tokio::test]
async fn success_after_failure_and_a_signed_webhook_for_an_unknown_reference() {
    let t = T::new("0.001").await;
    t.arm(None, json!({"kind": "success_after_failure", "after_ms": 200_000})).await;
    let (_, created, _) = t
        .post_keyed("/v3/payin", "TZSAF00000000001-create", &create_and_confirm("TZSAF00000000001"))
        .await
        .unwrap();
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let failed = t.wait_payin(&id, |p| p["payment_attempts"][0]["status"] == "failed").await;
    assert_eq!(failed["status"], "requires_payment_method");
    let (sig, body, _) = t.wait_hook("payment_attempt.failed", &id).await;
    assert!(signature_ok(SECRET, &sig, &body));
    let paid = t.wait_payin(&id, |p| p["status"] == "succeeded").await;
    assert_eq!(paid["payment_attempts"][0]["status"], "succeeded");
    let (sig, body, _) = t.wait_hook("payin.succeeded", &id).await;
    assert!(signature_ok(SECRET, &sig, &body));

    let sent: Value = json::post(
        &t.http,
        &format!("{}/_sandbox/notify-unknown", t.sb.url()),
        &json!({"product":"tazapay_ovo_idr","reference":"NEVER00000000001","amount":25_000}),
    )
    .await;
    let unknown = sent["payin"].as_str().unwrap();
    let (sig, body, event) = t.wait_hook("payin.succeeded", unknown).await;
    assert!(signature_ok(SECRET, &sig, &body));
    assert_eq!(
        (event["data"]["reference_id"].as_str(), event["data"]["amount"].as_i64()),
        (Some("NEVER00000000001"), Some(2_500_000))
    );
    let (s, _) = t.get(&format!("/v3/payin/{unknown}")).await;
    assert_eq!(s, 404, "the provider has no such payin");
}
