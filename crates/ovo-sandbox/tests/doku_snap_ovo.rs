//! DOKU SNAP direct-debit OVO over real HTTP on loopback. Requests are built here from
//! `shared/providers/doku-snap-ovo.md` and `snap-standard.md`, not from the sandbox's code.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod snap_client;

use axum::http::HeaderMap;
use base64::Engine as _;
use ovo_sandbox::RunningSandbox;
use ovo_test_support::{json, keys, sim, Answer, Hit, Receiver};
use rsa::pkcs1::DecodeRsaPublicKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use snap_client::{hmac_b64, refund_nos, rsa_sign, secret_of};

const PRIVATE: &str = keys::SIM_PRIVATE_PKCS1;
const PUBLIC_PKCS1: &str = keys::SIM_PUBLIC_PKCS1;
const PUBLIC_SPKI: &str = keys::SIM_PUBLIC_SPKI;

const A: &str = "BRN-0218-TESTA";
const A_SECRET: &str = "SK-test-a";
const B: &str = "MCH-0001-TESTB";
const B_SECRET: &str = "SK-test-b";
const SECRETS: [(&str, &str); 2] = [(A, A_SECRET), (B, B_SECRET)];

const TOKEN_B2B: &str = "/authorization/v1/access-token/b2b";
const TOKEN_B2B2C: &str = "/authorization/v1/access-token/b2b2c";
const BINDING: &str = "/direct-debit/core/v1/registration-account-binding";
const BALANCE: &str = "/direct-debit/core/v1/balance-inquiry";
const PAYMENT: &str = "/direct-debit/core/v1/debit/payment-host-to-host";
const STATUS: &str = "/orders/v1.0/debit/status";
const REFUND: &str = "/direct-debit/core/v1/debit/refund";
const UNBINDING: &str = "/direct-debit/core/v1/registration-account-unbinding";

const BUDI: &str = "6281234567890";
const SITI: &str = "6281298765432";
const MAGIC_EMPTY: &str = "6281100000001";
const MAGIC_BLOCKED: &str = "6281100000002";
const MAGIC_LIMIT: &str = "6281100000003";
const MAGIC_NONE: &str = "6281100000004";
const MAGIC_DECLINE: &str = "6281100000005";
const MAGIC_SILENT: &str = "6281100000006";
const MAGIC_PAYER: &str = "6281100000007";

#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: String,
}

/// The merchant side: a token endpoint (N0) and the two notification endpoints.
#[derive(Clone, Default)]
struct Merchant {
    /// Every token issued at N0, in order; each call issues a new one.
    tokens: Arc<Mutex<Vec<String>>>,
    fail_first: Arc<AtomicU32>,
    /// Accept only the latest token, as if the earlier ones had expired (900 s, §5.8).
    latest_token_only: Arc<AtomicBool>,
    /// Refuse this many N0 calls first.
    fail_token: Arc<AtomicU32>,
}

struct Env {
    sandbox: RunningSandbox,
    http: reqwest::Client,
    merchant: Merchant,
    /// What reached the merchant's endpoints.
    receiver: Receiver,
    ext: AtomicU64,
}

fn merchants_toml(base: &str) -> String {
    format!(
        r#"
[[doku_snap_ovo]]
name = "Toko A"
client_id = "{A}"
secret_key = "{A_SECRET}"
token_url = "{base}/doku/token"
notification_url = "{base}/v1.0/debit/notify"
binding_notification_url = "{base}/doku/binding"
merchant_public_key = """
{PUBLIC_PKCS1}"""
doku_private_key = """
{PRIVATE}"""

[[doku_snap_ovo]]
client_id = "{B}"
secret_key = "{B_SECRET}"
partial_refund = false
daily_refund_limit_idr = 30000
recurring_insufficient_sync = false
merchant_public_key = """
{PUBLIC_SPKI}"""
"#
    )
}

// --- the merchant, from the spec (§5.4, §5.7, §5.8) --------------------------------------------

fn sha256_hex(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

fn h(headers: &HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Recipe 1 of snap-standard §7: symmetric over the merchant's own path, with the token the
/// merchant issued at N0.
fn notification_signature_ok(r: &Received, secret: &str, tokens: &[String]) -> bool {
    let token =
        h(&r.headers, "authorization").strip_prefix("Bearer ").unwrap_or_default().to_owned();
    if !tokens.contains(&token) {
        return false;
    }
    let to_sign = format!(
        "POST:{}:{token}:{}:{}",
        r.path,
        sha256_hex(r.body.as_bytes()),
        h(&r.headers, "x-timestamp")
    );
    hmac_b64(secret, &to_sign) == h(&r.headers, "x-signature")
}

const TOKEN_PATH: &str = "/doku/token";
const NOTIFY_PATHS: [&str; 2] = ["/v1.0/debit/notify", "/doku/binding"];

/// A notification as the merchant received it.
fn received(hit: &Hit) -> Received {
    Received { path: hit.path().to_owned(), headers: hit.header_map(), body: hit.body.clone() }
}

fn is_notification(hit: &Hit) -> bool {
    hit.method == "POST" && NOTIFY_PATHS.contains(&hit.path())
}

/// N0: a token when `clientId|X-TIMESTAMP` verifies with DOKU's public key.
fn answer_token(m: &Merchant, public: &rsa::RsaPublicKey, headers: &HeaderMap) -> Answer {
    let message = format!("{}|{}", h(headers, "x-client-key"), h(headers, "x-timestamp"));
    let sig = base64::engine::general_purpose::STANDARD
        .decode(h(headers, "x-signature"))
        .unwrap_or_default();
    let ok = rsa::pkcs1v15::Signature::try_from(sig.as_slice()).ok().is_some_and(|s| {
        use rsa::signature::Verifier;
        rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public.clone())
            .verify(message.as_bytes(), &s)
            .is_ok()
    });
    let refuse =
        m.fail_token.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    if !ok || refuse || h(headers, "x-client-key") != A {
        let body =
            json!({"responseCode":"4017300","responseMessage":"Unauthorized. Invalid Signature"});
        return Answer::new(401, &body.to_string());
    }
    let token = format!("merchant-token-{}", m.tokens.lock().unwrap().len() + 1);
    m.tokens.lock().unwrap().push(token.clone());
    let body = json!({"responseCode":"2007300","responseMessage":"Successful","accessToken":token,"tokenType":"Bearer","expiresIn":900});
    Answer::ok(&body.to_string())
}

/// N1/N2: 500 while failing, then accepted when signed with a token the merchant issued.
fn answer_notification(m: &Merchant, received: &Received) -> Answer {
    if m.fail_first.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
        return Answer::new(500, "try later");
    }
    let mut tokens = m.tokens.lock().unwrap().clone();
    if m.latest_token_only.load(Ordering::SeqCst) {
        tokens.drain(..tokens.len().saturating_sub(1));
    }
    if !notification_signature_ok(received, A_SECRET, &tokens) {
        return Answer::new(
            401,
            r#"{"responseCode":"4015600","responseMessage":"Unauthorized. [Signature]"}"#,
        );
    }
    Answer::ok(
        r#"{"responseCode":"2005600","responseMessage":"Request has been processed successfully"}"#,
    )
}

/// The merchant side: a token endpoint (N0) and the two notification endpoints.
async fn start_merchant() -> (String, Merchant, Receiver) {
    let merchant = Merchant::default();
    let m = merchant.clone();
    let public = rsa::RsaPublicKey::from_pkcs1_pem(PUBLIC_PKCS1).unwrap();
    let receiver = Receiver::scripted(move |hit| match hit.path() {
        TOKEN_PATH if hit.method == "POST" => answer_token(&m, &public, &hit.header_map()),
        _ if is_notification(hit) => answer_notification(&m, &received(hit)),
        _ => Answer::status(404),
    })
    .await;
    (receiver.url(""), merchant, receiver)
}

/// `scale` 0.01 gives 9 s tokens (room on a loaded machine); smaller for tests that wait out
/// a 15-minute expiry or a notification retry.
async fn env_with(scale: &str) -> Env {
    env_extra(scale, "").await
}

/// With `extra` TOML (e.g. `[[bindings]]`) after the merchants.
async fn env_extra(scale: &str, extra: &str) -> Env {
    let (base, merchant, receiver) = start_merchant().await;
    let toml = format!("{}\n{extra}\n", merchants_toml(&base));
    let sandbox = sim::start(&toml, scale).await;
    Env { sandbox, http: reqwest::Client::new(), merchant, receiver, ext: AtomicU64::new(1) }
}

async fn env() -> Env {
    env_with("0.01").await
}

// --- the client side, from the spec ----------------------------------------------------------

/// DOKU form: `yyyy-MM-ddTHH:mm:ss+07:00` (§3).
fn timestamp() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The UTC `Z` form JULO sends (§3).
fn timestamp_z() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A prepared transactional request; fields can be broken before sending.
struct Req {
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Req {
    fn set(mut self, name: &str, value: &str) -> Req {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
    fn without(mut self, name: &str) -> Req {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self
    }
}

impl Env {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.url())
    }

    fn next_ext(&self) -> String {
        format!("{:036}", self.ext.fetch_add(1, Ordering::SeqCst) + 1_000_000)
    }

    async fn send_raw(&self, path: &str, headers: &[(String, String)], body: &str) -> (u16, Value) {
        self.try_send_raw(path, headers, body).await.expect("the connection closed unanswered")
    }

    /// `None` if the connection closed without an answer.
    async fn try_send_raw(
        &self,
        path: &str,
        headers: &[(String, String)],
        body: &str,
    ) -> Option<(u16, Value)> {
        let mut request = self
            .http
            .post(self.url(path))
            .body(body.to_owned())
            .header("Content-Type", "application/json");
        for (k, v) in headers {
            request = request.header(k, v);
        }
        let response = request.send().await.ok()?;
        let status = response.status().as_u16();
        Some((status, response.json().await.unwrap_or(Value::Null)))
    }

    fn token_request(&self, client: &str, body: &Value) -> Req {
        let ts = timestamp();
        Req {
            path: String::new(),
            headers: vec![
                ("X-CLIENT-KEY".into(), client.into()),
                ("X-TIMESTAMP".into(), ts.clone()),
                ("X-SIGNATURE".into(), rsa_sign(&format!("{client}|{ts}"))),
            ],
            body: body.to_string(),
        }
    }

    async fn b2b_for(&self, client: &str) -> String {
        let req = self.token_request(client, &json!({"grantType":"client_credentials"}));
        let (status, body) = self.send_raw(TOKEN_B2B, &req.headers, &req.body).await;
        assert_eq!((status, body["responseCode"].as_str()), (200, Some("2007300")), "{body}");
        body["accessToken"].as_str().unwrap().to_owned()
    }

    async fn customer_token(&self, client: &str, auth_code: &str) -> (u16, Value) {
        let req = self
            .token_request(client, &json!({"grantType":"authorization_code","authCode":auth_code}));
        self.send_raw(TOKEN_B2B2C, &req.headers, &req.body).await
    }

    /// A signed request as the Go SDK builds it (§3, §4).
    fn request(
        &self,
        client: &str,
        b2b: &str,
        path: &str,
        body: &Value,
        customer: Option<&str>,
    ) -> Req {
        let body = body.to_string();
        let ts = timestamp();
        let to_sign = format!("POST:{path}:{b2b}:{}:{ts}", sha256_hex(body.as_bytes()));
        let mut headers = vec![
            ("X-TIMESTAMP".to_owned(), ts),
            ("X-SIGNATURE".to_owned(), hmac_b64(secret_of(client, SECRETS), &to_sign)),
            ("X-PARTNER-ID".to_owned(), client.to_owned()),
            ("X-EXTERNAL-ID".to_owned(), self.next_ext()),
            ("Authorization".to_owned(), format!("Bearer {b2b}")),
            ("X-DEVICE-ID".to_owned(), "TERMINAL01".to_owned()),
            ("CHANNEL-ID".to_owned(), "DH".to_owned()),
        ];
        if let Some(c) = customer {
            headers.push(("Authorization-Customer".to_owned(), format!("Bearer {c}")));
        }
        Req { path: path.to_owned(), headers, body }
    }

    async fn send(&self, req: &Req) -> (u16, Value) {
        self.send_raw(&req.path, &req.headers, &req.body).await
    }

    async fn call(
        &self,
        client: &str,
        path: &str,
        body: &Value,
        customer: Option<&str>,
    ) -> (u16, Value) {
        let b2b = self.b2b_for(client).await;
        self.send(&self.request(client, &b2b, path, body, customer)).await
    }

    /// A refund (`REFUND`) by `client` of `value` from `original` under `refund_no`.
    async fn refund(
        &self,
        client: &str,
        original: &str,
        refund_no: &str,
        value: i64,
    ) -> (u16, Value) {
        self.call(client, REFUND, &refund_body(original, refund_no, value), None).await
    }

    /// A payment (`PAYMENT`) by `client` for the customer holding `customer`'s token.
    async fn pay(&self, client: &str, customer: &str, body: &Value) -> (u16, Value) {
        self.call(client, PAYMENT, body, Some(customer)).await
    }

    async fn control(&self, path: &str) -> Value {
        json::get(&self.http, &self.url(path)).await
    }

    async fn decide(&self, action_id: &str, decision: Value) {
        let (r, answer) = json::post_any(
            &self.http,
            &self.url(&format!("/_sandbox/pending/{action_id}/decide")),
            &decision,
        )
        .await;
        assert_eq!(r, 200, "{answer}");
    }

    /// Binds `phone` for `client`; returns (referenceNo, authCode, pending action id).
    async fn start_binding(&self, client: &str, phone: &str, cust: &str) -> (u16, Value) {
        self.call(client, BINDING, &binding_body(phone, cust), None).await
    }

    async fn binding_status(&self, reference_no: &str, wanted: &str) -> Value {
        for _ in 0..500 {
            let b = self.control(&format!("/_sandbox/doku_snap_ovo/bindings/{reference_no}")).await;
            if b["status"] == wanted {
                return b;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("binding {reference_no} never reached {wanted}");
    }

    /// A bound customer: binding approved by the customer and the authCode exchanged.
    async fn bound(&self, client: &str, phone: &str, cust: &str) -> (String, String) {
        let (status, body) = self.start_binding(client, phone, cust).await;
        assert_eq!(status, 200, "{body}");
        let reference_no = body["referenceNo"].as_str().unwrap().to_owned();
        let auth_code = body["additionalInfo"]["authCode"].as_str().unwrap().to_owned();
        let action = body["redirectUrl"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
        if self.control(&format!("/_sandbox/doku_snap_ovo/bindings/{reference_no}")).await["status"]
            == "PENDING"
        {
            self.decide(&action, json!({"decision":"approve"})).await;
        }
        self.binding_status(&reference_no, "SUCCESS").await;
        let (status, token) = self.customer_token(client, &auth_code).await;
        assert_eq!((status, token["responseCode"].as_str()), (200, Some("2007400")), "{token}");
        (auth_code, token["accessToken"].as_str().unwrap().to_owned())
    }

    async fn status_of(&self, client: &str, partner_ref: &str) -> (u16, Value) {
        self.call(
            client,
            STATUS,
            &json!({"originalPartnerReferenceNo": partner_ref, "serviceCode": "55"}),
            None,
        )
        .await
    }

    async fn wait_status(&self, client: &str, partner_ref: &str, wanted: &str) -> Value {
        for _ in 0..500 {
            let (_, s) = self.status_of(client, partner_ref).await;
            if s["latestTransactionStatus"] == wanted {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("payment {partner_ref} never reached {wanted}");
    }

    /// The notifications the merchant received (N0 token calls aside), in order.
    fn inbox(&self) -> Vec<Received> {
        self.receiver.hits().iter().filter(|h| is_notification(h)).map(received).collect()
    }

    async fn wait_inbox(&self, pred: impl Fn(&Received) -> bool) -> Received {
        received(&self.receiver.wait_for(|h| is_notification(h) && pred(&received(h))).await)
    }

    /// The journal's N1/N2 deliveries (without the N0 token calls, kind `token`).
    async fn notifications(&self) -> Vec<Value> {
        let all = self.control("/_sandbox/notifications?product=doku_snap_ovo").await;
        all.as_array().unwrap().iter().filter(|d| d["kind"] != "token").cloned().collect()
    }

    /// Merchant A binds the magic payer (customer M7), whose binding notification follows.
    async fn bind_magic_payer(&self) {
        let b2b = self.b2b_for(A).await;
        let (s, b) = self
            .send(&self.request(A, &b2b, BINDING, &binding_body(MAGIC_PAYER, "M7"), None))
            .await;
        assert_eq!((s, code(&b)), (200, "2000700"), "{b}");
    }

    /// The first N1/N2 delivery the merchant accepted, waited for.
    async fn wait_delivered(&self) -> Value {
        for _ in 0..1000 {
            if let Some(d) = self.notifications().await.into_iter().find(|d| d["delivered"] == true)
            {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the retry was never accepted");
    }

    async fn account(&self, phone: &str) -> (i64, i64) {
        let a = self.control(&format!("/_sandbox/accounts/{phone}")).await;
        (a["cash"].as_i64().unwrap(), a["points"].as_i64().unwrap())
    }
}

fn amount(v: i64) -> Value {
    json!({"value": format!("{v}.00"), "currency": "IDR"})
}

fn binding_body(phone: &str, cust: &str) -> Value {
    json!({"phoneNo": phone, "additionalInfo": {"channel": "EMONEY_OVO_SNAP", "custIdMerchant": cust,
        "successRegistrationUrl": "https://merchant.example/ovo/success", "failedRegistrationUrl": "https://merchant.example/ovo/failed"}})
}

fn pay_body(partner_ref: &str, value: i64, payment_type: &str, options: &[(&str, i64)]) -> Value {
    let options: Vec<Value> = options
        .iter()
        .map(|(m, v)| json!({"payMethod": m, "transAmount": amount(*v), "feeAmount": amount(0)}))
        .collect();
    json!({"partnerReferenceNo": partner_ref, "amount": amount(value),
        "additionalInfo": {"channel": "EMONEY_OVO_SNAP", "successPaymentUrl": "https://merchant.example/pay/ok",
            "failedPaymentUrl": "https://merchant.example/pay/failed", "paymentType": payment_type},
        "payOptionDetails": options})
}

/// A recurring payment of `value`, all in cash.
fn recurring_cash(partner_ref: &str, value: i64) -> Value {
    pay_body(partner_ref, value, "RECURRING", &[("CASH", value)])
}

fn refund_body(original: &str, refund_no: &str, value: i64) -> Value {
    json!({"originalPartnerReferenceNo": original, "partnerRefundNo": refund_no, "refundAmount": amount(value),
        "reason": "Customer Complain", "additionalInfo": {"channel": "EMONEY_OVO_SNAP"}})
}

fn code(body: &Value) -> &str {
    body["responseCode"].as_str().unwrap_or_default()
}

// --- the full flow ----------------------------------------------------------------------------

#[tokio::test]
async fn bind_balance_sale_status_refund_unbind_with_notifications() {
    let env = env().await;
    // Binding (07): PENDING with a redirect to the customer's page.
    let (status, bound) = env.start_binding(A, BUDI, "CUST-001").await;
    assert_eq!((status, code(&bound)), (200, "2000700"), "{bound}");
    assert_eq!(bound["additionalInfo"]["status"], "PENDING");
    assert_eq!(bound["additionalInfo"]["accountStatus"], "PENDING");
    let reference_no = bound["referenceNo"].as_str().unwrap();
    let auth_code = bound["additionalInfo"]["authCode"].as_str().unwrap();
    let redirect = bound["redirectUrl"].as_str().unwrap();
    assert!(redirect.starts_with(&env.sandbox.url()));
    // Before the customer finishes, the authCode is not exchangeable (§5.2 house default).
    let (s, early) = env.customer_token(A, auth_code).await;
    assert_eq!((s, code(&early)), (401, "4017400"), "{early}");

    // The customer: T&C, OTP and PIN on the page (the OTP is shown on the page, as an SMS).
    let action = redirect.rsplit('/').next().unwrap();
    let pending: Vec<Value> =
        serde_json::from_value(env.control("/_sandbox/pending").await).unwrap();
    let otp =
        pending.iter().find(|a| a["id"] == action).unwrap()["otp"].as_str().unwrap().to_owned();
    let page = json::get_text(&env.http, redirect).await;
    assert!(page.contains(&otp));
    let browser =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = browser
        .post(redirect)
        .form(&[("action", "approve"), ("agree", "yes"), ("otp", otp.as_str()), ("pin", "123456")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    let r = browser.get(&back).send().await.unwrap();
    assert_eq!(r.headers()["location"], "https://merchant.example/ovo/success");
    env.binding_status(reference_no, "SUCCESS").await;

    // N2, signed with the token the merchant issued at N0.
    let n2 = env.wait_inbox(|r| r.path == "/doku/binding").await;
    let n2_body: Value = serde_json::from_str(&n2.body).unwrap();
    assert_eq!(n2_body["additionalInfo"]["status"], "SUCCESS");
    assert_eq!(n2_body["additionalInfo"]["authCode"], auth_code);
    assert_eq!(n2_body["additionalInfo"]["custIdMerchant"], "CUST-001");
    assert!(notification_signature_ok(&n2, A_SECRET, &env.merchant.tokens.lock().unwrap()));

    // B2B2C (74), grant in DOKU's lower case; the authCode is reusable (§5.2).
    let (s, token) = env.customer_token(A, auth_code).await;
    assert_eq!((s, code(&token)), (200, "2007400"), "{token}");
    assert!(token["accessTokenExpiryTime"].as_str().unwrap().ends_with("+07:00"));
    let (s, again) = env.customer_token(A, auth_code).await;
    assert_eq!(s, 200, "{again}");
    let customer = token["accessToken"].as_str().unwrap().to_owned();

    // Balance (11): both `amount` and `availableBalance`.
    let (s, bal) = env
        .call(A, BALANCE, &json!({"additionalInfo":{"channel":"EMONEY_OVO_SNAP"}}), Some(&customer))
        .await;
    assert_eq!((s, code(&bal)), (200, "2001100"), "{bal}");
    assert_eq!(bal["accountInfos"][0]["balanceType"], "CASH");
    assert_eq!(bal["accountInfos"][0]["availableBalance"], amount(2_500_000));
    assert_eq!(bal["accountInfos"][0]["amount"], amount(2_500_000));
    assert_eq!(bal["accountInfos"][1]["balanceType"], "POINTS");
    assert_eq!(bal["accountInfos"][1]["availableBalance"], amount(75_000));

    // SALE payment (54): a webRedirectUrl, pending until the customer confirms.
    let (s, paid) = env
        .pay(A, &customer, &pay_body("INV0000000000001", 20_000, "SALE", &[("CASH", 20_000)]))
        .await;
    assert_eq!((s, code(&paid)), (200, "2005400"), "{paid}");
    let web = paid["webRedirectUrl"].as_str().unwrap();
    let (_, pending) = env.status_of(A, "INV0000000000001").await;
    assert_eq!(pending["latestTransactionStatus"], "01");
    env.decide(web.rsplit('/').next().unwrap(), json!({"decision":"approve","source":"cash"}))
        .await;
    let done = env.wait_status(A, "INV0000000000001", "00").await;
    assert_eq!(code(&done), "2005500");
    assert_eq!(done["originalReferenceNo"], paid["referenceNo"]);
    assert_eq!(done["transAmount"], amount(20_000));
    assert!(done["paidTime"].as_str().is_some() && done["approvalCode"].as_str().is_some());
    assert_eq!(env.account(BUDI).await, (2_480_000, 75_000));

    // N1, with the customer token (§5.7).
    let n1 = env.wait_inbox(|r| r.path == "/v1.0/debit/notify").await;
    assert!(notification_signature_ok(&n1, A_SECRET, &env.merchant.tokens.lock().unwrap()));
    assert_eq!(h(&n1.headers, "authorization-customer"), format!("Bearer {customer}"));
    assert_eq!(h(&n1.headers, "x-partner-id"), A);
    let n1_body: Value = serde_json::from_str(&n1.body).unwrap();
    assert_eq!(n1_body["originalPartnerReferenceNo"], "INV0000000000001");
    assert_eq!(n1_body["latestTransactionStatus"], "00");
    assert_eq!(n1_body["amount"], amount(20_000));
    assert_eq!(n1_body["additionalInfo"]["channelId"], "EMONEY_OVO_SNAP");
    assert_eq!(n1_body["additionalInfo"]["paymentType"], "SALE");
    assert_eq!(n1_body["additionalInfo"]["custIdMerchant"], "CUST-001");

    // Refund (58): partial (HD 1), the status stays 00 and lists it under both keys.
    let (s, r1) = env
        .call(
            A,
            REFUND,
            &refund_body("INV0000000000001", "INV0000000000001R01", 5_000),
            Some(&customer),
        )
        .await;
    assert_eq!((s, code(&r1)), (200, "2005800"), "{r1}");
    assert_eq!(r1["refundAmount"], amount(5_000));
    assert_eq!(r1["partnerRefundNo"], "INV0000000000001R01");
    let (_, st) = env.status_of(A, "INV0000000000001").await;
    assert_eq!(st["latestTransactionStatus"], "00");
    assert_eq!(st["refundHistory"][0]["partnerReferenceNo"], "INV0000000000001R01");
    assert_eq!(st["refundHistory"][0]["partnerRefundNo"], "INV0000000000001R01");
    assert_eq!(st["refundHistory"][0]["refundStatus"], "00");
    // Over the paid amount: 4045813.
    let (s, over) = env.refund(A, "INV0000000000001", "INV0000000000001R02", 15_001).await;
    assert_eq!((s, code(&over)), (404, "4045813"), "{over}");
    // The rest: 04.
    let (s, r2) = env.refund(A, "INV0000000000001", "INV0000000000001R02", 15_000).await;
    assert_eq!((s, code(&r2)), (200, "2005800"), "{r2}");
    let (_, st) = env.status_of(A, "INV0000000000001").await;
    assert_eq!(st["latestTransactionStatus"], "04");
    assert_eq!(st["refundHistory"].as_array().unwrap().len(), 2);
    assert_eq!(env.account(BUDI).await, (2_500_000, 75_000));
    let (s, more) = env.refund(A, "INV0000000000001", "INV0000000000001R03", 1).await;
    assert_eq!((s, code(&more)), (404, "4045800"), "{more}");

    // Unbinding (09) with the customer token; then the authCode and the token are dead.
    let (s, fresh) = env.customer_token(A, auth_code).await;
    assert_eq!(s, 200);
    let fresh = fresh["accessToken"].as_str().unwrap().to_owned();
    let (s, unbound) = env
        .call(
            A,
            UNBINDING,
            &json!({"tokenId": fresh, "additionalInfo": {"channel": "EMONEY_OVO_SNAP"}}),
            None,
        )
        .await;
    assert_eq!((s, code(&unbound)), (200, "2000900"), "{unbound}");
    let (s, dead) = env.customer_token(A, auth_code).await;
    assert_eq!((s, code(&dead)), (401, "4017400"), "{dead}");
    let (s, old) = env.call(A, BALANCE, &json!({}), Some(&customer)).await;
    assert_eq!((s, code(&old)), (401, "4011102"), "{old}");
    env.binding_status(reference_no, "UNBOUND").await;
    // Rebinding starts a new binding.
    let (s, rebind) = env.start_binding(A, BUDI, "CUST-001").await;
    assert_eq!((s, code(&rebind)), (200, "2000700"), "{rebind}");
}

#[tokio::test]
async fn recurring_pays_without_a_customer_step_with_a_cash_and_points_split() {
    let env = env().await;
    let (_, customer) = env.bound(A, SITI, "CUST-002").await;
    let (s, paid) = env
        .pay(
            A,
            &customer,
            &pay_body(
                "REC0000000000001",
                15_000,
                "RECURRING",
                &[("CASH", 10_000), ("POINTS", 5_000)],
            ),
        )
        .await;
    assert_eq!((s, code(&paid)), (200, "2005400"), "{paid}");
    assert!(paid.get("webRedirectUrl").is_none());
    env.wait_status(A, "REC0000000000001", "00").await;
    assert_eq!(env.account(SITI).await, (1_190_000, 15_000));
    let n1 = env.wait_inbox(|r| r.path == "/v1.0/debit/notify").await;
    let body: Value = serde_json::from_str(&n1.body).unwrap();
    assert_eq!(
        (body["latestTransactionStatus"].as_str(), body["additionalInfo"]["paymentType"].as_str()),
        (Some("00"), Some("RECURRING"))
    );
    // A refund goes back cash first.
    let (s, r) = env.refund(A, "REC0000000000001", "REC0000000000001R01", 12_000).await;
    assert_eq!((s, code(&r)), (200, "2005800"), "{r}");
    assert_eq!(env.account(SITI).await, (1_200_000, 17_000));
    // Status by the other ids, and with serviceCode 54 (house decision 4).
    let by_ref = json!({"originalReferenceNo": paid["referenceNo"], "serviceCode": "54"});
    let (s, st) = env.call(A, STATUS, &by_ref, None).await;
    assert_eq!((s, st["serviceCode"].as_str()), (200, Some("54")), "{st}");
}

// --- tokens and authentication ------------------------------------------------------------------

#[tokio::test]
async fn token_endpoints_check_headers_timestamp_and_rsa_signature() {
    let env = env().await;
    let ok = env.token_request(A, &json!({"grantType":"client_credentials"}));
    // Upper-case grant (ASPI form) is accepted.
    let upper = env.token_request(A, &json!({"grantType":"CLIENT_CREDENTIALS"}));
    let (s, t) = env.send_raw(TOKEN_B2B, &upper.headers, &upper.body).await;
    assert_eq!((s, code(&t)), (200, "2007300"), "{t}");
    assert_eq!(t["expiresIn"], 900);
    assert_eq!(t["tokenType"], "Bearer");
    // Signature over another client id.
    let bad = Req { path: String::new(), headers: ok.headers.clone(), body: ok.body.clone() }
        .set("X-SIGNATURE", &rsa_sign("someone|else"));
    let (s, e) = env.send_raw(TOKEN_B2B, &bad.headers, &bad.body).await;
    assert_eq!(
        (s, code(&e), e["responseMessage"].as_str()),
        (401, "4017300", Some("Unauthorized. Invalid Signature"))
    );
    // A corrupted signature byte.
    let mut sig =
        base64::engine::general_purpose::STANDARD.decode(h_of(&ok.headers, "X-SIGNATURE")).unwrap();
    sig[10] ^= 1;
    let bad = Req { path: String::new(), headers: ok.headers.clone(), body: ok.body.clone() }
        .set("X-SIGNATURE", &base64::engine::general_purpose::STANDARD.encode(sig));
    let (s, e) = env.send_raw(TOKEN_B2B, &bad.headers, &bad.body).await;
    assert_eq!((s, code(&e)), (401, "4017300"));
    // Missing header, bad timestamp, bad grant, unknown client.
    let missing = Req { path: String::new(), headers: ok.headers.clone(), body: ok.body.clone() }
        .without("X-CLIENT-KEY");
    assert_eq!(code(&env.send_raw(TOKEN_B2B, &missing.headers, &missing.body).await.1), "4007302");
    let old = Req { path: String::new(), headers: ok.headers.clone(), body: ok.body.clone() }
        .set("X-TIMESTAMP", "2020-12-21T07:56:11.000Z");
    assert_eq!(
        env.send_raw(TOKEN_B2B, &old.headers, &old.body).await,
        (
            400,
            json!({"responseCode":"4007301","responseMessage":"Invalid Field Format [X-TIMESTAMP]"})
        )
    );
    let grant = env.token_request(A, &json!({"grantType":"password"}));
    assert_eq!(code(&env.send_raw(TOKEN_B2B, &grant.headers, &grant.body).await.1), "4007301");
    let stranger = env.token_request("BRN-0000-NOBODY", &json!({"grantType":"client_credentials"}));
    assert_eq!(env.send_raw(TOKEN_B2B, &stranger.headers, &stranger.body).await.0, 401);
    // B2B2C: unknown authCode and refresh token → 4017400; a refresh works.
    let (s, e) = env.customer_token(A, "no-such-code").await;
    assert_eq!((s, code(&e)), (401, "4017400"));
    let (auth_code, _) = env.bound(A, BUDI, "CUST-001").await;
    let (_, t) = env.customer_token(A, &auth_code).await;
    let refresh = env
        .token_request(A, &json!({"grantType":"refresh_token","refreshToken": t["refreshToken"]}));
    let (s, r) = env.send_raw(TOKEN_B2B2C, &refresh.headers, &refresh.body).await;
    assert_eq!((s, code(&r)), (200, "2007400"), "{r}");
    let bogus = env.token_request(A, &json!({"grantType":"refresh_token","refreshToken":"nope"}));
    assert_eq!(code(&env.send_raw(TOKEN_B2B2C, &bogus.headers, &bogus.body).await.1), "4017400");
    // Another merchant cannot use A's authCode.
    let (s, _) = env.customer_token(B, &auth_code).await;
    assert_eq!(s, 401);
}

fn h_of(headers: &[(String, String)], name: &str) -> String {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap()
}

#[tokio::test]
async fn transactional_calls_check_headers_tokens_and_hmac_signature() {
    let env = env().await;
    let (_, customer) = env.bound(A, BUDI, "CUST-001").await;
    let b2b = env.b2b_for(A).await;
    let balance = json!({"additionalInfo":{"channel":"EMONEY_OVO_SNAP"}});
    let good = || env.request(A, &b2b, BALANCE, &balance, Some(&customer));
    // Accepted forms: `Z` timestamps (JULO) and `Authorization-Customer` without `Bearer ` (PHP).
    let z = {
        let body = balance.to_string();
        let ts = timestamp_z();
        let sig = hmac_b64(
            A_SECRET,
            &format!("POST:{BALANCE}:{b2b}:{}:{ts}", sha256_hex(body.as_bytes())),
        );
        good()
            .set("X-TIMESTAMP", &ts)
            .set("X-SIGNATURE", &sig)
            .set("Authorization-customer", &customer)
    };
    assert_eq!(code(&env.send(&z).await.1), "2001100");
    // A pretty-printed body signed over its minified form (snap-standard §6.1).
    let mut pretty = good();
    pretty.body = "{\n  \"additionalInfo\": {\"channel\": \"EMONEY_OVO_SNAP\"}\n}".into();
    assert_eq!(code(&env.send(&pretty).await.1), "2001100");

    let cases: Vec<(Req, u16, &str)> = vec![
        (good().without("X-EXTERNAL-ID"), 400, "4001102"),
        (good().without("X-SIGNATURE"), 400, "4001102"),
        (good().set("X-TIMESTAMP", "2024-01-01 10:00:00"), 400, "4001101"),
        (good().set("X-EXTERNAL-ID", "abc-123"), 400, "4001101"),
        (good().without("Authorization"), 401, "4011103"),
        (good().set("Authorization", "Bearer not-a-token"), 401, "4011101"),
        (good().without("Authorization-Customer"), 401, "4011104"),
        (good().set("Authorization-Customer", "Bearer not-a-token"), 401, "4011102"),
        (good().set("X-SIGNATURE", &hmac_b64("SK-wrong", "x")), 401, "4011100"),
        (good().set("X-PARTNER-ID", B), 401, "4011100"),
    ];
    for (req, http, expected) in cases {
        let (s, body) = env.send(&req).await;
        assert_eq!((s, code(&body)), (http, expected), "{:?} → {body}", req.headers);
    }
    // A corrupted byte in the signed body.
    let mut tampered = good();
    tampered.body = tampered.body.replace("EMONEY", "EMONEZ");
    assert_eq!(env.send(&tampered).await.0, 401);
}

#[tokio::test]
async fn an_expired_b2b_token_answers_4015401() {
    // 0.0001: a 900 s token lives 90 ms.
    let env = env_with("0.0001").await;
    let b2b = env.b2b_for(A).await;
    let body = json!({"originalPartnerReferenceNo":"NOPE","serviceCode":"55"});
    let mut last = Value::Null;
    for _ in 0..200 {
        let (_, answer) = env.send(&env.request(A, &b2b, STATUS, &body, None)).await;
        last = answer;
        if code(&last) == "4015501" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(last, json!({"responseCode":"4015501","responseMessage":"Invalid Token (B2B)"}));
}

// --- idempotency and invalid fields -------------------------------------------------------------

#[tokio::test]
async fn x_external_id_replays_the_same_body_and_conflicts_otherwise() {
    let env = env().await;
    let (_, customer) = env.bound(A, BUDI, "CUST-001").await;
    let b2b = env.b2b_for(A).await;
    let first =
        env.request(A, &b2b, PAYMENT, &recurring_cash("IDEM000000000001", 10_000), Some(&customer));
    let (s, original) = env.send(&first).await;
    assert_eq!((s, code(&original)), (200, "2005400"));
    // Same X-EXTERNAL-ID, same body: the original answer with HTTP 409 (D-IDEM).
    let (s, replay) = env.send(&first).await;
    assert_eq!((s, &replay), (409, &original));
    // Same X-EXTERNAL-ID, another body: 4095400.
    let ext = h_of(&first.headers, "X-EXTERNAL-ID");
    let other = env
        .request(A, &b2b, PAYMENT, &recurring_cash("IDEM000000000002", 10_000), Some(&customer))
        .set("X-EXTERNAL-ID", &ext);
    assert_eq!(
        env.send(&other).await,
        (409, json!({"responseCode":"4095400","responseMessage":"Conflict"}))
    );
    // Same partnerReferenceNo, new X-EXTERNAL-ID: 4095401.
    let (s, dup) = env.pay(A, &customer, &recurring_cash("IDEM000000000001", 10_000)).await;
    assert_eq!((s, code(&dup)), (409, "4095401"));
    // Only one payment was taken.
    env.wait_status(A, "IDEM000000000001", "00").await;
    assert_eq!(env.account(BUDI).await, (2_490_000, 75_000));
}

#[tokio::test]
async fn invalid_fields_and_not_found() {
    let env = env().await;
    let (_, customer) = env.bound(A, BUDI, "CUST-001").await;
    let mut no_cents = pay_body("BAD0000000000001", 10_000, "SALE", &[("CASH", 10_000)]);
    no_cents["amount"]["value"] = json!("10000");
    let mut usd = pay_body("BAD0000000000002", 10_000, "SALE", &[("CASH", 10_000)]);
    usd["amount"]["currency"] = json!("USD");
    let mut no_options = pay_body("BAD0000000000003", 10_000, "SALE", &[]);
    no_options.as_object_mut().unwrap().remove("payOptionDetails");
    let mut no_type = pay_body("BAD0000000000004", 10_000, "SALE", &[("CASH", 10_000)]);
    no_type["additionalInfo"].as_object_mut().unwrap().remove("paymentType");
    let mut wrong_channel = pay_body("BAD0000000000005", 10_000, "SALE", &[("CASH", 10_000)]);
    wrong_channel["additionalInfo"]["channel"] = json!("DIRECT_DEBIT_BRI_SNAP");
    let cases = vec![
        (no_cents, 400, "4005401"),
        (usd, 400, "4005401"),
        (no_options, 400, "4005402"),
        (no_type, 400, "4005402"),
        (wrong_channel, 400, "4005401"),
        (pay_body("BAD0000000000006", 10_000, "SALE", &[("CASH", 9_000)]), 404, "4045413"),
        (pay_body("BAD0000000000007", 20_000_001, "SALE", &[("CASH", 20_000_001)]), 403, "4035402"),
        (pay_body("BAD0000000000008", 0, "SALE", &[("CASH", 0)]), 404, "4045413"),
        (pay_body("BAD0000000000009", 1_000, "INSTALMENT", &[("CASH", 1_000)]), 400, "4005401"),
    ];
    for (body, http, expected) in cases {
        let (s, answer) = env.call(A, PAYMENT, &body, Some(&customer)).await;
        assert_eq!((s, code(&answer)), (http, expected), "{body} → {answer}");
    }
    // Binding: bad phone format, missing custIdMerchant.
    let (s, b) = env.call(A, BINDING, &binding_body("081234567890", "C"), None).await;
    assert_eq!((s, code(&b)), (400, "4000701"));
    let mut no_cust = binding_body(BUDI, "C");
    no_cust["additionalInfo"].as_object_mut().unwrap().remove("custIdMerchant");
    assert_eq!(code(&env.call(A, BINDING, &no_cust, None).await.1), "4000702");
    // Status: not found, bad serviceCode, no id.
    assert_eq!(
        env.status_of(A, "NOPE").await,
        (404, json!({"responseCode":"4045501","responseMessage":"Transaction Not Found"}))
    );
    assert_eq!(
        code(
            &env.call(
                A,
                STATUS,
                &json!({"originalPartnerReferenceNo":"NOPE","serviceCode":"99"}),
                None
            )
            .await
            .1
        ),
        "4005501"
    );
    assert_eq!(code(&env.call(A, STATUS, &json!({"serviceCode":"55"}), None).await.1), "4005502");
    // Refund of an unknown payment; unbinding with a dead token.
    let (s, r) = env.refund(A, "NOPE", "NOPER01", 1_000).await;
    assert_eq!((s, code(&r)), (404, "4045801"));
    let (s, u) = env
        .call(
            A,
            UNBINDING,
            &json!({"tokenId":"nope","additionalInfo":{"channel":"EMONEY_OVO_SNAP"}}),
            None,
        )
        .await;
    assert_eq!((s, code(&u)), (401, "4010902"));
}

// --- refund rules (HD 1) ------------------------------------------------------------------------

#[tokio::test]
async fn refund_rules_status_window_partial_duplicate_and_daily_limit() {
    let env = env().await;
    let (_, customer) = env.bound(A, BUDI, "CUST-001").await;
    // A pending SALE cannot be refunded: 4045800.
    let (_, _) = env
        .pay(A, &customer, &pay_body("PEND000000000001", 10_000, "SALE", &[("CASH", 10_000)]))
        .await;
    let (s, r) = env.refund(A, "PEND000000000001", "PEND000000000001R01", 10_000).await;
    assert_eq!((s, code(&r)), (404, "4045800"));
    // Paid 61 days ago: outside the 60-day window, 4055801; 60 days is still allowed.
    env.pay(A, &customer, &recurring_cash("OLD0000000000001", 10_000)).await;
    env.wait_status(A, "OLD0000000000001", "00").await;
    let backdate = |days: i64| {
        env.http
            .post(env.url("/_sandbox/doku_snap_ovo/payments/OLD0000000000001/backdate"))
            .json(&json!({"days": days}))
            .send()
    };
    backdate(61).await.unwrap();
    let (s, r) = env.refund(A, "OLD0000000000001", "OLD0000000000001R01", 1_000).await;
    assert_eq!((s, code(&r)), (405, "4055801"), "{r}");
    backdate(-1).await.unwrap();
    let (s, r) = env.refund(A, "OLD0000000000001", "OLD0000000000001R01", 1_000).await;
    assert_eq!((s, code(&r)), (200, "2005800"), "{r}");
    // The same partnerRefundNo again: 4095801.
    let (s, r) = env.refund(A, "OLD0000000000001", "OLD0000000000001R01", 1_000).await;
    assert_eq!((s, code(&r)), (409, "4095801"), "{r}");

    // Merchant B: full refunds only, 30,000 a day.
    let (_, cust_b) = env.bound(B, SITI, "B-CUST").await;
    for (reference, value) in [("BFULL00000000001", 20_000), ("BFULL00000000002", 20_000)] {
        env.pay(B, &cust_b, &recurring_cash(reference, value)).await;
        env.wait_status(B, reference, "00").await;
    }
    let (s, r) = env.refund(B, "BFULL00000000001", "BFULL00000000001R01", 5_000).await;
    assert_eq!((s, code(&r)), (405, "4055801"), "partial refund not allowed: {r}");
    let (s, r) = env.refund(B, "BFULL00000000001", "BFULL00000000001R01", 20_000).await;
    assert_eq!((s, code(&r)), (200, "2005800"), "{r}");
    let (s, r) = env.refund(B, "BFULL00000000002", "BFULL00000000002R01", 20_000).await;
    assert_eq!((s, code(&r)), (405, "4055801"), "over the daily limit: {r}");
}

// --- magic accounts and the customer's answers ----------------------------------------------------

#[tokio::test]
async fn magic_accounts_reach_the_documented_declines() {
    let env = env().await;
    // ...02 blocked and ...04 no account fail the binding (§5.3 house default codes).
    let (s, b) = env.start_binding(A, MAGIC_BLOCKED, "M2").await;
    assert_eq!(
        (s, code(&b), b["responseMessage"].as_str()),
        (403, "4030715", Some("Transaction Not Permitted. OVO account blocked temporary"))
    );
    let (s, b) = env.start_binding(A, MAGIC_NONE, "M4").await;
    assert_eq!((s, code(&b)), (404, "4040711"));
    // Already bound: by the same customer, or by another one.
    env.bound(A, BUDI, "CUST-001").await;
    let (s, b) = env.start_binding(A, BUDI, "CUST-001").await;
    assert_eq!(
        (s, b["responseMessage"].as_str()),
        (403, Some("Transaction Not Permitted. Account Already Registered"))
    );
    let (s, b) = env.start_binding(A, BUDI, "CUST-999").await;
    assert_eq!(
        (s, b["responseMessage"].as_str()),
        (
            403,
            Some("Transaction Not Permitted. OVO account already registered by another customer")
        )
    );
    // ...05 declines the binding: FAILED, and N2 says so.
    let (_, b) = env.start_binding(A, MAGIC_DECLINE, "M5").await;
    let reference_no = b["referenceNo"].as_str().unwrap();
    env.binding_status(reference_no, "FAILED").await;
    let n2 = env.wait_inbox(|r| r.path == "/doku/binding" && r.body.contains("FAILED")).await;
    assert!(n2.body.contains("\"custIdMerchant\":\"M5\""));
    // ...01 insufficient and ...03 limit: synchronous 4035414 / 4035402.
    let (_, empty) = env.bound(A, MAGIC_EMPTY, "M1").await;
    let (s, p) = env.pay(A, &empty, &recurring_cash("MAGIC00000000001", 10_000)).await;
    assert_eq!(
        (s, code(&p), p["responseMessage"].as_str()),
        (403, "4035414", Some("Insufficient Funds"))
    );
    let (s, p) = env
        .pay(A, &empty, &pay_body("MAGIC00000000002", 10_000, "SALE", &[("CASH", 10_000)]))
        .await;
    assert_eq!((s, code(&p)), (403, "4035414"));
    let (_, limited) = env.bound(A, MAGIC_LIMIT, "M3").await;
    let (s, p) = env
        .pay(A, &limited, &pay_body("MAGIC00000000003", 10_000, "SALE", &[("CASH", 10_000)]))
        .await;
    assert_eq!((s, code(&p)), (403, "4035402"));
    // ...07 approves by itself: the binding needs no page and a SALE is paid at once.
    let (_, payer) = env.bound(A, MAGIC_PAYER, "M7").await;
    let (s, p) = env
        .pay(A, &payer, &pay_body("MAGIC00000000007", 10_000, "SALE", &[("POINTS", 10_000)]))
        .await;
    assert_eq!((s, code(&p)), (200, "2005400"));
    env.wait_status(A, "MAGIC00000000007", "00").await;
    assert_eq!(env.account(MAGIC_PAYER).await, (10_000_000, 490_000));
    // A customer declining a SALE on the page: 06, and N1 06.
    let (_, budi) = env.bound(A, SITI, "CUST-002").await;
    let (_, p) =
        env.pay(A, &budi, &pay_body("DECL000000000001", 10_000, "SALE", &[("CASH", 10_000)])).await;
    env.decide(
        p["webRedirectUrl"].as_str().unwrap().rsplit('/').next().unwrap(),
        json!({"decision":"decline"}),
    )
    .await;
    let st = env.wait_status(A, "DECL000000000001", "06").await;
    assert_eq!(st["transactionStatusDesc"], "Customer Declined");
    env.wait_inbox(|r| {
        r.body.contains("DECL000000000001") && r.body.contains("\"latestTransactionStatus\":\"06\"")
    })
    .await;
}

#[tokio::test]
async fn recurring_insufficient_can_arrive_as_a_failed_notification() {
    let env = env().await;
    // Merchant B has recurring_insufficient_sync = false (§5.6 switch).
    let (_, customer) = env.bound(B, MAGIC_EMPTY, "B1").await;
    let (s, p) = env.pay(B, &customer, &recurring_cash("BREC000000000001", 10_000)).await;
    assert_eq!((s, code(&p)), (200, "2005400"));
    let st = env.wait_status(B, "BREC000000000001", "06").await;
    assert_eq!(st["transactionStatusDesc"], "Insufficient Funds");
}

#[tokio::test]
async fn unanswered_binding_and_sale_expire() {
    // 0.003: 15 minutes are 2.7 s, and so are the tokens; fresh ones are taken before each call.
    let env = env_with("0.003").await;
    let (_, b) = env.start_binding(A, MAGIC_SILENT, "M6").await;
    env.binding_status(b["referenceNo"].as_str().unwrap(), "FAILED").await;
    let (_, customer) = env.bound(A, BUDI, "CUST-001").await;
    let (s, p) = env
        .pay(A, &customer, &pay_body("EXP0000000000001", 10_000, "SALE", &[("CASH", 10_000)]))
        .await;
    assert_eq!((s, code(&p)), (200, "2005400"), "{p}");
    let st = env.wait_status(A, "EXP0000000000001", "06").await;
    assert_eq!(st["transactionStatusDesc"], "Transaction Expired");
    assert_eq!(env.account(BUDI).await, (2_500_000, 75_000));
}

// --- notifications: retries and the wrong-signature drill ------------------------------------------

#[tokio::test]
async fn notifications_are_retried_on_the_scaled_schedule() {
    // 0.001: the first retry (+30 min) comes 1.8 s later.
    let env = env_with("0.001").await;
    env.merchant.fail_first.store(1, Ordering::SeqCst);
    env.bind_magic_payer().await;
    for _ in 0..1000 {
        let deliveries = env.notifications().await;
        if deliveries.first().is_some_and(|d| d["delivered"] == true) {
            let attempts = deliveries[0]["attempts"].as_array().unwrap();
            assert_eq!(attempts.len(), 2);
            assert_eq!(attempts[0]["status"], 500);
            assert_eq!(attempts[1]["status"], 200);
            assert_eq!(env.inbox().len(), 2);
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the retry never arrived");
}

#[tokio::test]
async fn each_retry_fetches_a_fresh_merchant_token() {
    // §5.8: DOKU obtains a token before calling N1/N2, and the merchant's tokens live 900 s, so
    // the +30 min retry needs a new one. This merchant issues a new token on every N0 call and
    // accepts only the latest, and fails the first notification attempt.
    let env = env_with("0.001").await;
    env.merchant.fail_first.store(1, Ordering::SeqCst);
    env.merchant.latest_token_only.store(true, Ordering::SeqCst);
    env.bind_magic_payer().await;
    let delivery = env.wait_delivered().await;
    let statuses: Vec<_> =
        delivery["attempts"].as_array().unwrap().iter().map(|a| a["status"].as_u64()).collect();
    assert_eq!(statuses, [Some(500), Some(200)], "{delivery}");

    let tokens = env.merchant.tokens.lock().unwrap().clone();
    assert_eq!(tokens, ["merchant-token-1", "merchant-token-2"], "one N0 call per attempt");
    let inbox = env.inbox();
    assert_eq!(inbox.len(), 2);
    let bearer = |r: &Received| h(&r.headers, "authorization");
    assert_eq!(
        (bearer(&inbox[0]), bearer(&inbox[1])),
        ("Bearer merchant-token-1".to_owned(), "Bearer merchant-token-2".to_owned())
    );
    // The merchant verifies the retry with the second token, and only with it.
    assert!(notification_signature_ok(&inbox[1], A_SECRET, &tokens[1..]));
    assert!(!notification_signature_ok(&inbox[1], A_SECRET, &tokens[..1]));
    // A retry is the same notification: same body and X-EXTERNAL-ID.
    assert_eq!(inbox[0].body, inbox[1].body);
    assert_eq!(h(&inbox[0].headers, "x-external-id"), h(&inbox[1].headers, "x-external-id"));

    // Both N0 calls are in the journal as `token` deliveries.
    let all = env.control("/_sandbox/notifications?product=doku_snap_ovo").await;
    let token_calls: Vec<_> =
        all.as_array().unwrap().iter().filter(|d| d["kind"] == "token").collect();
    assert_eq!(token_calls.len(), 2, "{all}");
    assert!(token_calls.iter().all(|d| d["delivered"] == true
        && d["attempts"][0]["status"] == 200
        && d["url"].as_str().unwrap().ends_with("/doku/token")));
}

#[tokio::test]
async fn a_failed_token_call_skips_the_attempt_and_the_schedule_goes_on() {
    let env = env_with("0.001").await;
    // The merchant's token endpoint refuses the first N0 call (a wrong client answers 401).
    env.merchant.fail_token.store(1, Ordering::SeqCst);
    env.bind_magic_payer().await;
    let delivery = env.wait_delivered().await;
    let attempts = delivery["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{delivery}");
    assert_eq!(attempts[0]["status"], Value::Null);
    assert!(
        attempts[0]["error"].as_str().unwrap().contains("N0 token request failed"),
        "{delivery}"
    );
    assert_eq!(attempts[1]["status"], 200);
    let inbox = env.inbox();
    assert_eq!(inbox.len(), 1, "nothing was sent without a token");
    assert!(notification_signature_ok(&inbox[0], A_SECRET, &env.merchant.tokens.lock().unwrap()));
}

#[tokio::test]
async fn wrong_signature_fault_sends_a_notification_the_merchant_rejects() {
    let env = env().await;
    env.arm(Some("notification"), json!({"kind":"wrong_signature_notification"})).await;
    let (_, b) = env.start_binding(A, MAGIC_PAYER, "M7").await;
    env.binding_status(b["referenceNo"].as_str().unwrap(), "SUCCESS").await;
    let n2 = env.wait_inbox(|r| r.path == "/doku/binding").await;
    assert!(!notification_signature_ok(&n2, A_SECRET, &env.merchant.tokens.lock().unwrap()));
    // Signed with a token the merchant did issue (a fresh one): only the secret is wrong.
    let token =
        h(&n2.headers, "authorization").strip_prefix("Bearer ").unwrap_or_default().to_owned();
    assert!(env.merchant.tokens.lock().unwrap().contains(&token), "{token}");
    let deliveries = env.notifications().await;
    assert_eq!(deliveries[0]["tampered"], true);
    let env = &env;
    let first_attempt = sim::poll(Duration::from_millis(20), || async move {
        env.notifications().await[0]["attempts"][0]["status"].as_u64()
    });
    assert_eq!(first_attempt.await.expect("no attempt recorded"), 401);
}

// --- faults -------------------------------------------------------------------------------------

#[tokio::test]
async fn lose_response_on_payment_processes_it_but_closes_the_connection() {
    let env = env().await;
    let (_, customer) = env.bound(A, MAGIC_PAYER, "M7").await;
    env.arm(Some(PAYMENT), json!({"kind":"lose_response"})).await;
    let b2b = env.b2b_for(A).await;
    let req = env.request(
        A,
        &b2b,
        PAYMENT,
        &pay_body("LOST000000000001", 10_000, "SALE", &[("CASH", 10_000)]),
        Some(&customer),
    );
    assert!(env.try_send(&req).await.is_none(), "the client saw the connection close");
    // snap-standard §10: status first; the payment exists and was paid.
    let st = env.wait_status(A, "LOST000000000001", "00").await;
    assert_eq!(st["transAmount"], amount(10_000));
    // Retrying with the same X-EXTERNAL-ID replays the lost answer.
    let (s, replay) = env.send(&req).await;
    assert_eq!((s, code(&replay)), (409, "2005400"));
    assert_eq!(replay["referenceNo"], st["originalReferenceNo"]);
}

// --- seeded bindings ([[bindings]]) ------------------------------------------------------------

#[tokio::test]
async fn seeded_customer_token_works_for_balance_payment_and_unbinding_and_reset_seeds_it_again() {
    let seeded = format!(
        "[[bindings]]\nproduct = \"doku_snap_ovo\"\nmerchant = \"{A}\"\nphone = \"{SITI}\"\n\
         token = \"seeded-siti-b2b2c\"\nrefresh_token = \"seeded-siti-refresh\"\nprovider_ref = \"SEEDSITI\"\n"
    );
    // 0.001: an issued customer token lives 0.9 s; the seeded one must outlive that.
    let env = env_extra("0.001", &seeded).await;
    let b = env.control("/_sandbox/doku_snap_ovo/bindings/SEEDSITI").await;
    assert_eq!(
        (b["status"].as_str(), b["phoneNo"].as_str(), b["clientId"].as_str()),
        (Some("SUCCESS"), Some(SITI), Some(A)),
        "{b}"
    );
    tokio::time::sleep(Duration::from_millis(1_000)).await;

    let (s, balance) = env
        .call(
            A,
            BALANCE,
            &json!({"additionalInfo": {"channel": "EMONEY_OVO_SNAP"}}),
            Some("seeded-siti-b2b2c"),
        )
        .await;
    assert_eq!((s, code(&balance)), (200, "2001100"), "{balance}");
    assert_eq!(balance["accountInfos"][0]["availableBalance"]["value"], "1200000.00");
    assert_eq!(balance["accountInfos"][1]["availableBalance"]["value"], "20000.00");
    // Merchant B does not know it.
    let (s, _) = env.call(B, BALANCE, &json!({}), Some("seeded-siti-b2b2c")).await;
    assert_eq!(s, 401);

    let (s, paid) = env
        .call(
            A,
            PAYMENT,
            &pay_body("SEEDSITI-1", 10_000, "RECURRING", &[("CASH", 10_000)]),
            Some("seeded-siti-b2b2c"),
        )
        .await;
    assert_eq!((s, code(&paid)), (200, "2005400"), "{paid}");
    env.wait_status(A, "SEEDSITI-1", "00").await;
    assert_eq!(env.account(SITI).await, (1_190_000, 20_000));

    let (s, renewed) = env
        .send_raw(
            TOKEN_B2B2C,
            &env.token_request(
                A,
                &json!({"grantType":"refresh_token","refreshToken":"seeded-siti-refresh"}),
            )
            .headers,
            &json!({"grantType":"refresh_token","refreshToken":"seeded-siti-refresh"}).to_string(),
        )
        .await;
    assert_eq!((s, code(&renewed)), (200, "2007400"), "{renewed}");

    let unbind =
        json!({"tokenId": "seeded-siti-b2b2c", "additionalInfo": {"channel": "EMONEY_OVO_SNAP"}});
    let (s, unbound) = env.call(A, UNBINDING, &unbind, None).await;
    assert_eq!(
        (s, code(&unbound), unbound["referenceNo"].as_str()),
        (200, "2000900", Some("SEEDSITI")),
        "{unbound}"
    );
    let (s, _) = env.call(A, BALANCE, &json!({}), Some("seeded-siti-b2b2c")).await;
    assert_eq!(s, 401);

    let (r, _) = json::post_any(&env.http, &env.url("/_sandbox/reset"), &json!({})).await;
    assert_eq!(r, 200);
    let (s, balance) = env.call(A, BALANCE, &json!({}), Some("seeded-siti-b2b2c")).await;
    assert_eq!(
        (s, balance["accountInfos"][0]["availableBalance"]["value"].as_str()),
        (200, Some("1200000.00")),
        "{balance}"
    );
}

#[tokio::test]
async fn decide_answers_the_redirect_and_follows_it_through_the_return_page() {
    let env = env().await;
    let hits: Arc<Mutex<Vec<String>>> = Arc::default();
    let store = hits.clone();
    let app = axum::Router::new().route(
        "/ovo/success",
        axum::routing::get(move |uri: axum::http::Uri| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(uri.to_string());
                "linked"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let success = format!("http://{}/ovo/success", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    let mut body = binding_body(BUDI, "CUST-FOLLOW");
    body["additionalInfo"]["successRegistrationUrl"] = json!(success);
    let (s, bound) = env.call(A, BINDING, &body, None).await;
    assert_eq!(s, 200, "{bound}");
    let reference_no = bound["referenceNo"].as_str().unwrap();
    let action = bound["redirectUrl"].as_str().unwrap().rsplit('/').next().unwrap();
    let r = env
        .http
        .post(env.url(&format!("/_sandbox/pending/{action}/decide")))
        .json(&json!({"decision":"approve","follow_redirect":true}))
        .send()
        .await
        .unwrap();
    let answer: Value = r.json().await.unwrap();
    // The page sends the browser to the sandbox's return page, which sends it on to
    // successRegistrationUrl once the binding is SUCCESS.
    assert_eq!(
        answer["redirect"],
        env.url(&format!("/_sandbox/doku_snap_ovo/return/binding/{reference_no}")).as_str(),
        "{answer}"
    );
    assert_eq!(
        (answer["followed_status"].as_u64(), answer["followed_url"].as_str()),
        (Some(200), Some(success.as_str())),
        "{answer}"
    );
    assert_eq!(hits.lock().unwrap().len(), 1);
    env.binding_status(reference_no, "SUCCESS").await;
}

// --- faults real providers show, resends and the writes count -----------------------------------

impl Env {
    async fn arm(&self, endpoint: Option<&str>, fault: Value) {
        let armed = json!({"product": "doku_snap_ovo", "endpoint": endpoint, "fault": fault});
        let answer =
            self.http.post(self.url("/_sandbox/faults")).json(&armed).send().await.unwrap();
        assert_eq!(answer.status(), 201);
    }

    /// `None` if the connection closed without an answer.
    async fn try_send(&self, req: &Req) -> Option<(u16, Value)> {
        self.try_send_raw(&req.path, &req.headers, &req.body).await
    }

    async fn recurring_paid(&self, customer: &str, reference: &str, value: i64) {
        let (s, r) = self.call(A, PAYMENT, &recurring_cash(reference, value), Some(customer)).await;
        assert_eq!((s, code(&r)), (200, "2005400"), "{r}");
        self.wait_status(A, reference, "00").await;
    }
}

#[tokio::test]
async fn a_refund_processed_late_then_resent_under_its_ids_returns_the_original_answer_and_credits_once(
) {
    let env = env().await;
    let (_, customer) = env.bound(A, BUDI, "CUST-001").await;
    env.recurring_paid(&customer, "LATE000000000001", 40_000).await;
    let before = env.account(BUDI).await;
    // 100,000 ms at time scale 0.01: processed one second after the connection closes.
    env.arm(Some(REFUND), json!({"kind": "late_processing", "after_ms": 100_000})).await;
    let b2b = env.b2b_for(A).await;
    let req = env.request(
        A,
        &b2b,
        REFUND,
        &refund_body("LATE000000000001", "LATE000000000001R01", 15_000),
        None,
    );
    assert!(env.try_send(&req).await.is_none(), "the client sees a lost answer");
    let (_, status) = env.status_of(A, "LATE000000000001").await;
    assert!(refund_nos(&status).is_empty(), "not in refundHistory until processed: {status}");
    assert_eq!(env.account(BUDI).await, before);
    let mut processed = false;
    for _ in 0..300 {
        if refund_nos(&env.status_of(A, "LATE000000000001").await.1) == ["LATE000000000001R01"] {
            processed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(processed);
    // The byte-identical resend (same X-EXTERNAL-ID, same day): the original answer with 409 (D-IDEM).
    let (s, replay) = env.send(&req).await;
    assert_eq!(
        (s, code(&replay), replay["partnerRefundNo"].as_str()),
        (409, "2005800", Some("LATE000000000001R01")),
        "{replay}"
    );
    // After midnight the client uses a new X-EXTERNAL-ID and the same partnerRefundNo: a duplicate.
    let (s, dup) = env.refund(A, "LATE000000000001", "LATE000000000001R01", 15_000).await;
    assert_eq!((s, code(&dup)), (409, "4095801"), "{dup}");
    let (s, other) = env.refund(A, "LATE000000000001", "LATE000000000001R01", 5_000).await;
    assert_eq!(
        (s, code(&other)),
        (404, "4045818"),
        "the same partnerRefundNo with another amount: {other}"
    );
    assert_eq!(env.account(BUDI).await, (before.0 + 15_000, before.1), "credited once");
    let writes = env.control("/_sandbox/writes?product=doku_snap_ovo").await;
    let refund = json::find(&writes, |w| w["kind"] == "refund").unwrap();
    assert_eq!(
        refund,
        &json!({"product":"doku_snap_ovo","kind":"refund","reference":"LATE000000000001R01","processed":1,"replays":2})
    );
    let link = json::find(&writes, |w| w["kind"] == "link").unwrap();
    assert_eq!(
        (link["reference"].as_str(), link["processed"].as_u64()),
        (Some("CUST-001"), Some(1))
    );
}

#[tokio::test]
async fn a_payment_resent_under_its_ids_is_never_taken_twice() {
    let env = env().await;
    let (_, customer) = env.bound(A, BUDI, "CUST-001").await;
    env.arm(Some(PAYMENT), json!({"kind": "server_error_after_processing", "status": 500})).await;
    let b2b = env.b2b_for(A).await;
    let req =
        env.request(A, &b2b, PAYMENT, &recurring_cash("RSND000000000001", 10_000), Some(&customer));
    let (s, r) = env.send(&req).await;
    assert_eq!(
        (s, r),
        (500, json!({"responseCode":"5005401","responseMessage":"Internal Server Error"}))
    );
    env.wait_status(A, "RSND000000000001", "00").await;
    let (s, replay) = env.send(&req).await;
    assert_eq!(
        (s, code(&replay), replay["partnerReferenceNo"].as_str()),
        (409, "2005400", Some("RSND000000000001"))
    );
    let (s, dup) = env.pay(A, &customer, &recurring_cash("RSND000000000001", 10_000)).await;
    assert_eq!((s, code(&dup)), (409, "4095401"));
    let (s, other) = env.pay(A, &customer, &recurring_cash("RSND000000000001", 12_000)).await;
    assert_eq!((s, code(&other)), (404, "4045418"));
    assert_eq!(env.account(BUDI).await, (2_490_000, 75_000), "taken once");
    let writes = serde_json::to_value(env.sandbox.writes()).unwrap();
    let payment = json::find(&writes, |w| w["kind"] == "payment").unwrap();
    assert_eq!(json::write_counts(payment), (1, 2), "{writes}");
}

#[tokio::test]
async fn success_after_failure_then_a_replayed_and_an_unknown_notification_all_signed() {
    let env = env().await;
    let (_, customer) = env.bound(A, BUDI, "CUST-001").await;
    env.arm(None, json!({"kind": "success_after_failure", "after_ms": 50_000})).await;
    let (s, _) = env.pay(A, &customer, &recurring_cash("SAF0000000000001", 10_000)).await;
    assert_eq!(s, 200);
    let failed = env.wait_status(A, "SAF0000000000001", "06").await;
    assert!(failed.get("paidTime").is_none(), "{failed}");
    let n1 = |status: &'static str| {
        move |r: &Received| {
            r.body.contains("SAF0000000000001")
                && r.body.contains(&format!("\"latestTransactionStatus\":\"{status}\""))
        }
    };
    let first = env.wait_inbox(n1("06")).await;
    env.wait_status(A, "SAF0000000000001", "00").await;
    let second = env.wait_inbox(n1("00")).await;
    let tokens = env.merchant.tokens.lock().unwrap().clone();
    assert!(
        notification_signature_ok(&first, A_SECRET, &tokens)
            && notification_signature_ok(&second, A_SECRET, &tokens)
    );
    assert_eq!(env.account(BUDI).await, (2_490_000, 75_000), "taken once");

    env.arm(Some("notification"), json!({"kind": "replay_notification", "after_ms": 10_000})).await;
    let (sent, _) = json::post_any(
        &env.http,
        &env.url("/_sandbox/notify-unknown"),
        &json!({"product":"doku_snap_ovo","reference":"NEVER00000000001"}),
    )
    .await;
    assert_eq!(sent, 202);
    for _ in 0..300 {
        if env.inbox().iter().filter(|r| r.body.contains("NEVER00000000001")).count() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let unknown: Vec<Received> =
        env.inbox().into_iter().filter(|r| r.body.contains("NEVER00000000001")).collect();
    assert_eq!(unknown.len(), 2, "delivered, then replayed");
    assert_eq!(unknown[0].body, unknown[1].body);
    for name in ["x-signature", "x-timestamp", "x-external-id", "authorization"] {
        assert_eq!(h(&unknown[0].headers, name), h(&unknown[1].headers, name), "{name}");
    }
    assert!(notification_signature_ok(
        &unknown[0],
        A_SECRET,
        &env.merchant.tokens.lock().unwrap().clone()
    ));
    let (s, _) = env.status_of(A, "NEVER00000000001").await;
    assert_eq!(s, 404, "the provider has no such payment");
}
