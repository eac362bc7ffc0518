//! OVO SNAP over real HTTP on loopback. Requests are built here from
//! `shared/providers/ovo-snap.md` and `snap-standard.md`, not from the sandbox's code.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU64, Ordering};

mod snap_client;

use axum::http::HeaderMap;
use ovo_sandbox::{Merchants, RunningSandbox};
use ovo_test_support::{json, keys, sim, Receiver};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use snap_client::{hmac_b64, refund_nos, rsa_sign, secret_of};

const PUBLIC_PKCS1: &str = keys::SIM_PUBLIC_PKCS1;
const PUBLIC_SPKI: &str = keys::SIM_PUBLIC_SPKI;

const A: &str = "oamerchanta";
const A_SECRET: &str = "secret-a";
const B: &str = "oamerchantb";
const B_SECRET: &str = "secret-b";
const SECRETS: [(&str, &str); 2] = [(A, A_SECRET), (B, B_SECRET)];
const V2: &str = "/OVOSNAP/v2.0";

const BUDI: &str = "6281234567890";
const SITI: &str = "081298765432";
const AGUS: &str = "6285712345678";

struct Env {
    sandbox: RunningSandbox,
    http: reqwest::Client,
    inbox: Receiver,
    ext: AtomicU64,
}

fn merchants(callback: &str) -> String {
    format!(
        r#"
[[ovo_snap]]
name = "Toko A"
client_id = "{A}"
client_secret = "{A_SECRET}"
callback_url = "{callback}"
merchant_public_key = """
{PUBLIC_PKCS1}"""

[[ovo_snap]]
client_id = "{B}"
client_secret = "{B_SECRET}"
partial_refund = false
daily_refund_limit_idr = 30000
merchant_public_key = """
{PUBLIC_SPKI}"""
"#
    )
}

const NOTIFY: &str = "/ovo/notify";

/// A tiny merchant: answers 500 to the first `fail_first` notifications, then 200.
async fn receiver(fail_first: u32) -> Receiver {
    let inbox =
        Receiver::start(r#"{"responseCode":"2005600","responseMessage":"Successful"}"#).await;
    inbox.fail_next((0..fail_first).map(|_| 500));
    inbox
}

/// `scale` 0.01 gives 9 s tokens (room on a loaded machine); 0.001 for tests that wait out a
/// 15-minute expiry (0.9 s).
async fn env_with(fail_first: u32, scale: &str) -> Env {
    env_extra(fail_first, scale, "").await
}

/// With `extra` TOML (e.g. `[[bindings]]`) after the merchants.
async fn env_extra(fail_first: u32, scale: &str, extra: &str) -> Env {
    let inbox = receiver(fail_first).await;
    let toml = format!("{}\n{extra}\n", merchants(&inbox.url(NOTIFY)));
    let sandbox = sim::start(&toml, scale).await;
    Env { sandbox, http: reqwest::Client::new(), inbox, ext: AtomicU64::new(1) }
}

async fn env() -> Env {
    env_with(0, "0.01").await
}

async fn fast_env() -> Env {
    env_with(0, "0.001").await
}

// --- the client side, from the spec ----------------------------------------------------------

/// `yyyy-MM-ddTHH:mm:ss.SSS+07:00` (ovo-snap.md §3).
fn timestamp() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// HMAC-SHA512 over `METHOD:path:token:hex(sha256(body)):timestamp` (snap-standard §6).
fn hmac_sign(secret: &str, path: &str, token: &str, body: &str, ts: &str) -> String {
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    hmac_b64(secret, &format!("POST:{path}:{token}:{hash}:{ts}"))
}

#[derive(Default, Clone)]
struct Opts<'a> {
    /// The token in `Authorization` (also signed with, unless `sign_token` says otherwise).
    auth: Option<&'a str>,
    sign_token: Option<&'a str>,
    customer: Option<&'a str>,
    external_id: Option<String>,
    timestamp: Option<String>,
    bad_signature: bool,
    omit: Option<&'a str>,
}

impl Env {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.url())
    }

    fn next_external_id(&self) -> String {
        format!("{:036}", self.ext.fetch_add(1, Ordering::SeqCst))
    }

    async fn send(&self, path: &str, headers: Vec<(String, String)>, body: String) -> (u16, Value) {
        let mut request =
            self.http.post(self.url(path)).header("Content-Type", "application/json").body(body);
        for (k, v) in headers {
            request = request.header(k, v);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// A token call (73/74), signed asymmetrically.
    async fn token_call(
        &self,
        path: &str,
        client: &str,
        auth: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        let ts = timestamp();
        let mut headers = vec![
            ("X-CLIENT-KEY".to_owned(), client.to_owned()),
            ("X-TIMESTAMP".to_owned(), ts.clone()),
            ("X-SIGNATURE".to_owned(), rsa_sign(&format!("{client}|{ts}"))),
        ];
        if let Some(auth) = auth {
            headers.push(("Authorization".to_owned(), format!("Bearer {auth}")));
        }
        self.send(path, headers, body.to_string()).await
    }

    async fn b2b(&self, client: &str) -> String {
        let (status, body) = self
            .token_call(
                "/OVOSNAP/v1.0/access-token/b2b",
                client,
                None,
                json!({"grantType":"client_credentials"}),
            )
            .await;
        assert_eq!((status, body["responseCode"].as_str()), (200, Some("2007300")), "{body}");
        assert_eq!(body["expiresIn"], "900");
        body["accessToken"].as_str().unwrap().to_owned()
    }

    /// A transactional call, signed symmetrically with the token in `Authorization`.
    async fn call(&self, op: &str, client: &str, opts: Opts<'_>, body: &Value) -> (u16, Value) {
        let path = format!("{V2}{op}");
        let body = body.to_string();
        let ts = opts.timestamp.clone().unwrap_or_else(timestamp);
        let token = opts.sign_token.or(opts.auth).unwrap_or("");
        let secret = if opts.bad_signature { "wrong-secret" } else { secret_of(client, SECRETS) };
        let mut headers = vec![
            ("X-TIMESTAMP".to_owned(), ts.clone()),
            ("X-SIGNATURE".to_owned(), hmac_sign(secret, &path, token, &body, &ts)),
            ("X-PARTNER-ID".to_owned(), client.to_owned()),
            (
                "X-EXTERNAL-ID".to_owned(),
                opts.external_id.clone().unwrap_or_else(|| self.next_external_id()),
            ),
            ("X-DEVICE-ID".to_owned(), "till-01".to_owned()),
        ];
        if let Some(auth) = opts.auth {
            headers.push(("Authorization".to_owned(), format!("Bearer {auth}")));
        }
        if let Some(customer) = opts.customer {
            headers.push(("Authorization-Customer".to_owned(), format!("Bearer {customer}")));
        }
        if let Some(omit) = opts.omit {
            headers.retain(|(k, _)| k != omit);
        }
        self.send(&path, headers, body).await
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap().json().await.unwrap_or(Value::Null)
    }

    async fn state(&self) -> Value {
        self.control(reqwest::Method::GET, "/_sandbox/ovo_snap/state", None).await
    }

    async fn decide(&self, redirect_url: &str, decision: Value) -> Value {
        let id = redirect_url.rsplit('/').next().unwrap();
        self.control(
            reqwest::Method::POST,
            &format!("/_sandbox/pending/{id}/decide"),
            Some(decision),
        )
        .await
    }

    /// Account binding (07), signed with an empty token (house default, vector V4).
    async fn bind(&self, client: &str, phone: &str) -> (u16, Value) {
        let body = json!({"merchantId": client, "partnerReferenceNo": "LINK0001", "phoneNo": phone,
            "redirectUrl": "https://merchant.example/linked", "additionalInfo": {"custIdMerchant": "CUST-1"}});
        self.call("/oauth/account/registration-account-binding", client, Opts::default(), &body)
            .await
    }

    async fn exchange(&self, client: &str, linkage: &str, auth_code: &str) -> (u16, Value) {
        self.token_call(
            &format!("{V2}/access-token/b2b2c"),
            client,
            Some(linkage),
            json!({"grantType":"AUTHORIZATION_CODE","authCode":auth_code}),
        )
        .await
    }

    /// Bind → the customer approves (T&C, OTP, PIN) → the authCode from the destination → B2B2C.
    async fn link(&self, client: &str, phone: &str) -> (String, String) {
        let (status, bound) = self.bind(client, phone).await;
        assert_eq!((status, bound["responseCode"].as_str()), (200, Some("2000700")), "{bound}");
        let redirect = bound["redirectUrl"].as_str().unwrap();
        let pending = self.control(reqwest::Method::GET, "/_sandbox/pending", None).await;
        let action =
            json::find(&pending, |a| redirect.ends_with(a["id"].as_str().unwrap())).cloned();
        if let Some(action) = action {
            assert_eq!(action["steps"], json!(["terms", "otp", "pin"]));
            self.decide(redirect, json!({"decision":"approve"})).await;
        }
        let auth_code = auth_code_of(&self.state().await, bound["referenceNo"].as_str().unwrap());
        let (status, token) =
            self.exchange(client, bound["linkageToken"].as_str().unwrap(), &auth_code).await;
        assert_eq!((status, token["responseCode"].as_str()), (200, Some("2007400")), "{token}");
        (
            token["accessToken"].as_str().unwrap().to_owned(),
            token["refreshToken"].as_str().unwrap().to_owned(),
        )
    }

    async fn pay(
        &self,
        client: &str,
        customer: &str,
        reference: &str,
        amount: i64,
        method: &str,
    ) -> (u16, Value) {
        let value = format!("{amount}.00");
        let body = json!({"partnerReferenceNo": reference, "amount": {"value": value, "currency": "IDR"},
            "urlParams": [{"url": "https://merchant.example/paid", "type": "PAY_RETURN", "isDeeplink": "N"}],
            "payOptionDetails": [{"payMethod": method, "transAmount": {"value": value, "currency": "IDR"}, "feeAmount": {"value": "0.00", "currency": "IDR"}}],
            "additionalInfo": {}});
        self.call(
            "/debit/payment-host-to-host",
            client,
            Opts { auth: Some(customer), ..Opts::default() },
            &body,
        )
        .await
    }

    async fn status(&self, client: &str, customer: &str, reference: &str) -> (u16, Value) {
        let body = json!({"originalPartnerReferenceNo": reference, "serviceCode": "54"});
        self.call("/debit/status", client, Opts { auth: Some(customer), ..Opts::default() }, &body)
            .await
    }

    /// Polls the status inquiry until `latestTransactionStatus` is `want` (bounded).
    async fn await_status(
        &self,
        client: &str,
        customer: &str,
        reference: &str,
        want: &str,
    ) -> Value {
        for _ in 0..200 {
            let (_, body) = self.status(client, customer, reference).await;
            if body["latestTransactionStatus"] == want {
                return body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("payment {reference} never reached status {want}");
    }

    /// Polls the control state until the payment's status is `want` (bounded); for waits longer
    /// than a customer token lives (both are 900 s scaled).
    async fn await_payment(&self, reference: &str, want: &str) -> Value {
        for _ in 0..300 {
            let state = self.state().await;
            let found =
                json::find(&state["payments"], |p| p["partnerReferenceNo"] == reference).cloned();
            if let Some(p) = found.filter(|p| p["status"] == want) {
                return p;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("payment {reference} never reached status {want}");
    }

    async fn refund(
        &self,
        client: &str,
        b2b: &str,
        customer: &str,
        original: &str,
        refund_no: &str,
        amount: i64,
    ) -> (u16, Value) {
        let body = json!({"originalPartnerReferenceNo": original, "partnerRefundNo": refund_no,
            "refundAmount": {"value": format!("{amount}.00"), "currency": "IDR"}, "reason": "customer request"});
        self.call(
            "/debit/refund",
            client,
            Opts { auth: Some(b2b), customer: Some(customer), ..Opts::default() },
            &body,
        )
        .await
    }

    async fn account(&self, phone: &str) -> (i64, i64) {
        let a =
            self.control(reqwest::Method::GET, &format!("/_sandbox/accounts/{phone}"), None).await;
        (a["cash"].as_i64().unwrap(), a["points"].as_i64().unwrap())
    }

    async fn await_inbox(&self, count: usize) -> Vec<(HeaderMap, String)> {
        let got = self.inbox.wait(count, |h| h.method == "POST" && h.path() == NOTIFY).await;
        got.into_iter().map(|h| (h.header_map(), h.body)).collect()
    }
}

fn auth_code_of(state: &Value, binding: &str) -> String {
    let b = json::find(&state["bindings"], |b| b["referenceNo"] == binding).unwrap();
    b["authCode"].as_str().unwrap().to_owned()
}

fn code(body: &Value) -> &str {
    body["responseCode"].as_str().unwrap_or("")
}

/// The merchant's check of a notification (ovo-snap.md §12: symmetric, empty token, own path).
fn notification_verifies(headers: &HeaderMap, body: &str) -> bool {
    let ts = headers["X-TIMESTAMP"].to_str().unwrap();
    headers["X-SIGNATURE"].to_str().unwrap() == hmac_sign(A_SECRET, "/ovo/notify", "", body, ts)
}

// --- tests ------------------------------------------------------------------------------------

#[tokio::test]
async fn full_flow_bind_balance_pay_status_refund_unbind_with_notification() {
    let env = env().await;
    let (customer, _refresh) = env.link(A, BUDI).await;
    let state = env.state().await;
    assert_eq!(state["bindings"][0]["status"], "ACTIVE");

    let (status, balance) = env
        .call("/balance-inquiry", A, Opts { auth: Some(&customer), ..Opts::default() }, &json!({}))
        .await;
    assert_eq!((status, code(&balance)), (200, "2001100"), "{balance}");
    assert_eq!(
        balance["accountInfos"][0],
        json!({"balanceType":"CASH","amount":{"value":"2500000.00","currency":"IDR"},"availableBalance":{"value":"2500000.00","currency":"IDR"}})
    );
    assert_eq!(balance["accountInfos"][1]["balanceType"], "POINTS");
    assert_eq!(balance["accountInfos"][1]["availableBalance"]["value"], "75000.00");

    let (status, paid) = env.pay(A, &customer, "INV0000000000001", 20_000, "CASH").await;
    assert_eq!((status, code(&paid)), (200, "2005400"), "{paid}");
    assert_eq!(paid["latestTransactionStatus"], "01");
    let redirect = paid["webRedirectUrl"].as_str().unwrap();
    assert!(redirect.contains("/_sandbox/customer/act_"), "{redirect}");
    let (_, pending) = env.status(A, &customer, "INV0000000000001").await;
    assert_eq!(
        (code(&pending), pending["latestTransactionStatus"].as_str()),
        ("2005500", Some("01"))
    );

    // The customer enters the PIN on the page (checked decision through the control API).
    let wrong =
        env.decide(redirect, json!({"decision":"approve","trusted":false,"pin":"000000"})).await;
    assert_eq!(wrong["error"], "wrong PIN");
    env.decide(redirect, json!({"decision":"approve","trusted":false,"pin":"123456"})).await;
    let done = env.await_status(A, &customer, "INV0000000000001", "00").await;
    assert_eq!(done["amount"], json!({"value":"20000.00","currency":"IDR"}));
    assert_eq!(done["originalReferenceNo"], paid["referenceNo"]);
    assert_eq!(env.account(BUDI).await, (2_480_000, 75_000));

    let notes = env.await_inbox(1).await;
    let (headers, body) = &notes[0];
    assert!(notification_verifies(headers, body), "notification signature");
    assert_eq!(headers["X-PARTNER-ID"], A);
    assert_eq!(headers["X-EXTERNAL-ID"].len(), 36);
    let note: Value = serde_json::from_str(body).unwrap();
    assert_eq!(note["originalPartnerReferenceNo"], "INV0000000000001");
    assert_eq!(note["latestTransactionStatus"], "00");
    assert_eq!(note["amount"]["value"], "20000.00");

    let b2b = env.b2b(A).await;
    let (status, refunded) =
        env.refund(A, &b2b, &customer, "INV0000000000001", "RF01", 5_000).await;
    assert_eq!((status, code(&refunded)), (200, "2005800"), "{refunded}");
    assert_eq!(refunded["refundAmount"]["value"], "5000.00");
    assert_eq!(refunded["partnerRefundNo"], "RF01");
    assert_eq!(env.account(BUDI).await, (2_485_000, 75_000));
    let (_, after) = env.status(A, &customer, "INV0000000000001").await;
    assert_eq!(after["latestTransactionStatus"], "00");
    assert_eq!(after["refundHistory"][0]["refundStatus"], "00");
    assert_eq!(after["refundHistory"][0]["partnerRefundNo"], "RF01");

    // The two tokens the other way round are accepted too (ovo-snap.md §3).
    let body = json!({"originalPartnerReferenceNo":"INV0000000000001","partnerRefundNo":"RF02","refundAmount":{"value":"15000.00","currency":"IDR"}});
    let (status, rest) = env
        .call(
            "/debit/refund",
            A,
            Opts { auth: Some(&customer), customer: Some(&b2b), ..Opts::default() },
            &body,
        )
        .await;
    assert_eq!((status, code(&rest)), (200, "2005800"), "{rest}");
    let (_, after) = env.status(A, &customer, "INV0000000000001").await;
    assert_eq!(after["latestTransactionStatus"], "04");
    assert_eq!(env.account(BUDI).await, (2_500_000, 75_000));

    // Unlink: two calls.
    let (status, first) = env
        .call(
            "/oauth/account/registration-account-unbinding",
            A,
            Opts { auth: Some(&customer), ..Opts::default() },
            &json!({"merchantId": A}),
        )
        .await;
    assert_eq!(
        (status, code(&first), first["unlinkResult"].as_str()),
        (200, "2000900", Some("UNBINDING_PENDING")),
        "{first}"
    );
    let second_token = first["linkageToken"].as_str().unwrap();
    let (status, second) = env
        .call(
            "/oauth/account/registration-account-unbinding",
            A,
            Opts { auth: Some(second_token), ..Opts::default() },
            &json!({"merchantId": A}),
        )
        .await;
    assert_eq!(
        (status, code(&second), second["unlinkResult"].as_str()),
        (200, "2000900", Some("SUCCESS")),
        "{second}"
    );
    assert_eq!(env.state().await["bindings"][0]["status"], "UNBOUND");
    let (status, gone) = env
        .call("/balance-inquiry", A, Opts { auth: Some(&customer), ..Opts::default() }, &json!({}))
        .await;
    assert_eq!((status, code(&gone)), (401, "4011102"));
}

#[tokio::test]
async fn token_calls_check_headers_timestamp_client_signature_and_grant() {
    let env = env().await;
    let path = "/OVOSNAP/v1.0/access-token/b2b";
    // SPKI-registered merchant B gets a token too.
    env.b2b(B).await;
    let ts = timestamp();
    let good_sig = rsa_sign(&format!("{A}|{ts}"));
    let grant = json!({"grantType":"client_credentials"}).to_string();
    let h = |client: &str, ts: &str, sig: &str| {
        vec![
            ("X-CLIENT-KEY".to_owned(), client.to_owned()),
            ("X-TIMESTAMP".to_owned(), ts.to_owned()),
            ("X-SIGNATURE".to_owned(), sig.to_owned()),
        ]
    };
    let (status, body) =
        env.send(path, h(A, &ts, &rsa_sign(&format!("{A}|{ts}x"))), grant.clone()).await;
    assert_eq!((status, code(&body)), (401, "4017300"), "{body}");
    assert_eq!(body["responseMessage"], "Unauthorized. [Signature]");
    let (status, body) = env.send(path, h("nobody", &ts, &good_sig), grant.clone()).await;
    assert_eq!((status, code(&body)), (401, "4017300"));
    let mut missing = h(A, &ts, &good_sig);
    missing.remove(1);
    let (status, body) = env.send(path, missing, grant.clone()).await;
    assert_eq!((status, code(&body)), (400, "4007302"));
    assert_eq!(body["responseMessage"], "Invalid Mandatory Field [X-TIMESTAMP]");
    let old = "2020-01-01T10:00:00.000+07:00";
    let (status, body) =
        env.send(path, h(A, old, &rsa_sign(&format!("{A}|{old}"))), grant.clone()).await;
    assert_eq!((status, code(&body)), (400, "4007301"));
    let (status, body) =
        env.send(path, h(A, &ts, &good_sig), json!({"grantType":"password"}).to_string()).await;
    assert_eq!((status, code(&body)), (400, "4007301"));
    // The `Z` form of the timestamp is accepted (house decision 4).
    let z = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let (status, body) = env.send(path, h(A, &z, &rsa_sign(&format!("{A}|{z}"))), grant).await;
    assert_eq!((status, code(&body)), (200, "2007300"), "{body}");
}

#[tokio::test]
async fn b2b2c_refresh_and_bad_codes() {
    let env = env().await;
    let (customer, refresh) = env.link(A, BUDI).await;
    let path = format!("{V2}/access-token/b2b2c");
    let (status, renewed) = env
        .token_call(&path, A, None, json!({"grantType":"refresh_token","refreshToken": refresh}))
        .await;
    assert_eq!((status, code(&renewed)), (200, "2007400"), "{renewed}");
    assert_ne!(renewed["accessToken"].as_str().unwrap(), customer);
    let (status, bad) = env
        .token_call(&path, A, None, json!({"grantType":"REFRESH_TOKEN","refreshToken":"nope"}))
        .await;
    assert_eq!((status, code(&bad)), (401, "4017402"));
    // A second exchange of the same authCode fails.
    let (_, bound) = env.bind(A, SITI).await;
    env.decide(bound["redirectUrl"].as_str().unwrap(), json!({"decision":"approve"})).await;
    let auth_code = auth_code_of(&env.state().await, bound["referenceNo"].as_str().unwrap());
    let linkage = bound["linkageToken"].as_str().unwrap();
    let (status, wrong) = env.exchange(A, linkage, "not-the-code").await;
    assert_eq!((status, code(&wrong)), (401, "4017400"));
    let (status, _) = env.exchange(A, "not-a-linkage-token", &auth_code).await;
    assert_eq!(status, 401);
    let (status, ok) = env.exchange(A, linkage, &auth_code).await;
    assert_eq!((status, code(&ok)), (200, "2007400"));
    let (status, again) = env.exchange(A, linkage, &auth_code).await;
    assert_eq!((status, code(&again)), (401, "4017401"), "the linkage token is used up: {again}");
}

#[tokio::test]
async fn binding_signature_forms_and_declines() {
    let env = fast_env().await;
    let body = json!({"merchantId": A, "phoneNo": "081234567890", "redirectUrl": "https://merchant.example/linked"});
    let op = "/oauth/account/registration-account-binding";
    // Signed with the current B2B token (sent or not), and asymmetrically.
    let b2b = env.b2b(A).await;
    let (status, r) = env.call(op, A, Opts { auth: Some(&b2b), ..Opts::default() }, &body).await;
    assert_eq!((status, code(&r)), (200, "2000700"), "{r}");
    let (status, r) =
        env.call(op, A, Opts { sign_token: Some(&b2b), ..Opts::default() }, &body).await;
    assert_eq!((status, code(&r)), (200, "2000700"), "{r}");
    let ts = timestamp();
    let text = body.to_string();
    let hash = hex::encode(Sha256::digest(text.as_bytes()));
    let path = format!("{V2}{op}");
    let headers = vec![
        ("X-TIMESTAMP".to_owned(), ts.clone()),
        ("X-SIGNATURE".to_owned(), rsa_sign(&format!("POST:{path}:{hash}:{ts}"))),
        ("X-PARTNER-ID".to_owned(), A.to_owned()),
        ("X-EXTERNAL-ID".to_owned(), env.next_external_id()),
        ("X-DEVICE-ID".to_owned(), "till-01".to_owned()),
    ];
    let (status, r) = env.send(&path, headers, text).await;
    assert_eq!((status, code(&r)), (200, "2000700"), "{r}");
    assert!(r["redirectUrl"].as_str().unwrap().starts_with(&env.sandbox.url()));
    assert!(r["linkageToken"].is_string());

    let (status, r) = env.call(op, A, Opts { bad_signature: true, ..Opts::default() }, &body).await;
    assert_eq!((status, code(&r)), (401, "4010700"));
    let (status, r) = env.bind(A, "6281100000004").await;
    assert_eq!((status, code(&r)), (404, "4040711"), "no OVO account");
    let (status, r) = env.bind(A, "6281100000002").await;
    assert_eq!((status, code(&r)), (403, "4030707"), "blocked");
    let (status, r) = env.bind(A, "0212345678").await;
    assert_eq!((status, code(&r)), (400, "4000701"), "not a mobile number");
    let (status, r) = env.call(op, A, Opts::default(), &json!({"merchantId": A})).await;
    assert_eq!((status, code(&r)), (400, "4000702"));
    let (status, r) =
        env.call(op, A, Opts::default(), &json!({"merchantId": B, "phoneNo": BUDI})).await;
    assert_eq!((status, code(&r)), (404, "4040708"));

    // 05 declines the linkage; 06 never answers (the scaled wait runs out); 07 approves at once.
    let (_, declined) = env.bind(A, "6281100000005").await;
    let auth_code = auth_code_of(&env.state().await, declined["referenceNo"].as_str().unwrap());
    let (status, r) = env.exchange(A, declined["linkageToken"].as_str().unwrap(), &auth_code).await;
    assert_eq!(
        (status, code(&r), r["responseMessage"].as_str()),
        (401, "4017400", Some("Unauthorized. [Linkage declined]"))
    );
    let (_, silent) = env.bind(A, "6281100000006").await;
    let id = silent["referenceNo"].as_str().unwrap().to_owned();
    let mut reason = Value::Null;
    for _ in 0..300 {
        let state = env.state().await;
        let b =
            json::find(&state["bindings"], |b| b["referenceNo"] == id.as_str()).cloned().unwrap();
        if b["status"] == "FAILED" {
            reason = b["reason"].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(reason, "expired");
    env.link(A, "6281100000007").await;
}

#[tokio::test]
async fn transactional_errors_in_validation_order() {
    let env = env().await;
    let (customer, _) = env.link(A, BUDI).await;
    let op = "/balance-inquiry";
    let c = customer.as_str();
    let (s, r) = env
        .call(
            op,
            A,
            Opts { auth: Some(c), omit: Some("X-DEVICE-ID"), ..Opts::default() },
            &json!({}),
        )
        .await;
    assert_eq!((s, code(&r)), (400, "4001102"), "{r}");
    let (s, r) = env
        .call(
            op,
            A,
            Opts {
                auth: Some(c),
                timestamp: Some("2024-01-01 10:00:00".into()),
                ..Opts::default()
            },
            &json!({}),
        )
        .await;
    assert_eq!((s, code(&r)), (400, "4001101"));
    let (s, r) = env.call(op, A, Opts::default(), &json!({})).await;
    assert_eq!((s, code(&r)), (401, "4011104"));
    let (s, r) =
        env.call(op, A, Opts { auth: Some("forged"), ..Opts::default() }, &json!({})).await;
    assert_eq!((s, code(&r)), (401, "4011102"));
    let (s, r) = env.call(op, B, Opts { auth: Some(c), ..Opts::default() }, &json!({})).await;
    assert_eq!((s, code(&r)), (401, "4011102"), "another merchant's customer token");
    let (s, r) = env
        .call(op, A, Opts { auth: Some(c), bad_signature: true, ..Opts::default() }, &json!({}))
        .await;
    assert_eq!(
        (s, code(&r), r["responseMessage"].as_str()),
        (401, "4011100", Some("Unauthorized. [Signature]"))
    );
    let ext = env.next_external_id();
    let (s, _) = env
        .call(
            op,
            A,
            Opts { auth: Some(c), external_id: Some(ext.clone()), ..Opts::default() },
            &json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, r) = env
        .call(op, A, Opts { auth: Some(c), external_id: Some(ext), ..Opts::default() }, &json!({}))
        .await;
    assert_eq!((s, code(&r)), (409, "4091100"), "same X-EXTERNAL-ID on the same day");

    // Payment body checks and business rules.
    let pay = "/debit/payment-host-to-host";
    let o = || Opts { auth: Some(c), ..Opts::default() };
    let amount = |value: &str| json!({"value": value, "currency": "IDR"});
    let x1 = |value: &str| json!({"partnerReferenceNo": "X1", "amount": amount(value)});
    let (s, r) = env.call(pay, A, o(), &x1("100.5")).await;
    assert_eq!(
        (s, code(&r), r["responseMessage"].as_str()),
        (400, "4005401", Some("Invalid Field Format [amount.value]"))
    );
    let mut split = x1("100.00");
    split["payOptionDetails"] = json!([{"payMethod": "CASH", "transAmount": amount("90.00")}]);
    for (body, expected, why) in [
        (json!({"amount": amount("100.00")}), (400, "4005402"), "no partnerReferenceNo"),
        (x1("0.00"), (404, "4045413"), "a zero amount"),
        (split, (404, "4045413"), "options do not add up"),
    ] {
        let (s, r) = env.call(pay, A, o(), &body).await;
        assert_eq!((s, code(&r)), expected, "{why}");
    }
    let (s, r) = env.pay(A, c, "X2", 3_000_000, "POINTS").await;
    assert_eq!(
        (s, code(&r)),
        (403, "4035414"),
        "Budi has 75,000 points and 2,500,000 cash; points first"
    );
    let (s, r) = env.pay(A, c, "X3", 10_000, "CASH").await;
    assert_eq!(s, 200);
    assert_eq!(r["latestTransactionStatus"], "01");
    let (s, r) = env.pay(A, c, "X3", 10_000, "CASH").await;
    assert_eq!((s, code(&r)), (409, "4095401"));
    let (s, r) = env.pay(A, c, "X3", 11_000, "CASH").await;
    assert_eq!((s, code(&r)), (404, "4045418"));
    let (s, r) = env.status(A, c, "NOPE").await;
    assert_eq!((s, code(&r)), (404, "4045501"));
    let (s, r) = env.call(pay, A, o(), &json!("not an object")).await;
    assert_eq!((s, code(&r)), (400, "4005400"));

    // Expired tokens (drill route), B2B and B2B2C.
    let b2b = env.b2b(A).await;
    env.control(reqwest::Method::POST, "/_sandbox/ovo_snap/tokens/expire", None).await;
    let (s, r) = env.call(op, A, o(), &json!({})).await;
    assert_eq!((s, code(&r)), (401, "4011102"), "expired customer token");
    let (customer2, _) = env.link(A, SITI).await;
    let (s, r) = env.refund(A, &b2b, &customer2, "X3", "R1", 1).await;
    assert_eq!((s, code(&r)), (401, "4015801"), "expired B2B token");
    let (s, r) = env
        .call(
            "/debit/refund",
            A,
            Opts { customer: Some(&customer2), ..Opts::default() },
            &json!({}),
        )
        .await;
    assert_eq!((s, code(&r)), (401, "4015803"));

    let (s, r) = env.call("/transaction-history-list", A, o(), &json!({})).await;
    assert_eq!((s, code(&r)), (405, "4051200"));
}

#[tokio::test]
async fn customer_token_expires_on_the_scaled_clock() {
    let env = fast_env().await;
    let (customer, _) = env.link(A, BUDI).await;
    // 900 s × 0.001 = 0.9 s: poll until the sandbox says the token is invalid.
    for _ in 0..200 {
        let (s, r) = env
            .call(
                "/balance-inquiry",
                A,
                Opts { auth: Some(&customer), ..Opts::default() },
                &json!({}),
            )
            .await;
        if s == 401 {
            assert_eq!(code(&r), "4011102");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the customer token never expired");
}

#[tokio::test]
async fn magic_accounts_reach_their_codes() {
    let env = env().await;
    // 01: insufficient balance.
    let (empty, _) = env.link(A, "6281100000001").await;
    let (s, r) = env.pay(A, &empty, "M01", 1_000, "CASH").await;
    assert_eq!((s, code(&r)), (403, "4035414"));
    // 03: limit exceeded.
    let (limited, _) = env.link(A, "6281100000003").await;
    let (s, r) = env.pay(A, &limited, "M03", 1_000, "CASH").await;
    assert_eq!((s, code(&r)), (403, "4035402"));
    // 07: approves the PIN page at once; the answer is already final.
    let (payer, _) = env.link(A, "6281100000007").await;
    let (s, r) = env.pay(A, &payer, "M07", 1_000, "CASH").await;
    assert_eq!((s, code(&r), r["latestTransactionStatus"].as_str()), (200, "2005400", Some("00")));
    // A linked customer who turns into a decliner (05 behaviour): a final Do Not Honor, status 06.
    let (siti, _) = env.link(A, SITI).await;
    env.control(
        reqwest::Method::PATCH,
        "/_sandbox/accounts/6281298765432",
        Some(json!({"behaviour":"auto_decline"})),
    )
    .await;
    let (s, r) = env.pay(A, &siti, "M05", 1_000, "CASH").await;
    assert_eq!((s, code(&r)), (403, "4035405"));
    env.await_status(A, &siti, "M05", "06").await;
    // The customer declines on the page.
    let (budi, _) = env.link(A, BUDI).await;
    let (_, r) = env.pay(A, &budi, "MDEC", 1_000, "CASH").await;
    env.decide(r["webRedirectUrl"].as_str().unwrap(), json!({"decision":"decline"})).await;
    env.await_status(A, &budi, "MDEC", "06").await;
    // Points: points first (weak source, §7), the rest from cash.
    let (_, r) = env.pay(A, &budi, "MPTS", 100_000, "POINTS").await;
    env.decide(r["webRedirectUrl"].as_str().unwrap(), json!({"decision":"approve"})).await;
    let paid = env.await_status(A, &budi, "MPTS", "00").await;
    assert_eq!(
        paid["additionalInfo"]["payOptionDetails"],
        json!([{"payMethod":"CASH","transAmount":{"value":"25000.00","currency":"IDR"}},{"payMethod":"POINTS","transAmount":{"value":"75000.00","currency":"IDR"}}])
    );
    assert_eq!(env.account(BUDI).await, (2_475_000, 0));
}

#[tokio::test]
async fn refund_rules() {
    let env = env().await;
    let (budi, _) = env.link(A, "6281100000007").await;
    let b2b = env.b2b(A).await;
    let (_, r) = env.pay(A, &budi, "R100", 100_000, "CASH").await;
    assert_eq!(r["latestTransactionStatus"], "00");
    let (s, r) = env.refund(A, &b2b, &budi, "NOPE", "RF1", 1_000).await;
    assert_eq!((s, code(&r)), (404, "4045801"));
    let (s, r) = env.refund(A, &b2b, &budi, "R100", "RF1", 100_001).await;
    assert_eq!((s, code(&r)), (404, "4045813"), "over the paid amount");
    let (s, _) = env.refund(A, &b2b, &budi, "R100", "RF1", 60_000).await;
    assert_eq!(s, 200);
    let (s, r) = env.refund(A, &b2b, &budi, "R100", "RF1", 60_000).await;
    assert_eq!((s, code(&r)), (409, "4095801"), "the same refund again");
    let (s, r) = env.refund(A, &b2b, &budi, "R100", "RF1", 1_000).await;
    assert_eq!(
        (s, code(&r)),
        (404, "4045818"),
        "same partnerRefundNo, another amount: inconsistent"
    );
    let (s, r) = env.refund(A, &b2b, &budi, "R100", "RF2", 40_001).await;
    assert_eq!((s, code(&r)), (404, "4045813"), "cumulative over the paid amount");
    // D+60: the 60th WIB day after the payment is still allowed; the 61st is not.
    let backdate = |days: i64| {
        env.control(
            reqwest::Method::POST,
            "/_sandbox/ovo_snap/payments/R100/backdate",
            Some(json!({"days": days})),
        )
    };
    backdate(60).await;
    let (s, _) = env.refund(A, &b2b, &budi, "R100", "RF2", 10_000).await;
    assert_eq!(s, 200);
    backdate(1).await;
    let (s, r) = env.refund(A, &b2b, &budi, "R100", "RF3", 10_000).await;
    assert_eq!((s, code(&r)), (405, "4055801"), "{r}");
    // A payment that is not paid.
    let (siti, _) = env.link(A, SITI).await;
    env.pay(A, &siti, "RUNPAID", 5_000, "CASH").await;
    let (s, r) = env.refund(A, &b2b, &siti, "RUNPAID", "RF4", 5_000).await;
    assert_eq!((s, code(&r)), (404, "4045800"));

    // Merchant B: full refunds only, and a 30,000 daily refund limit.
    let (payer, _) = env.link(B, "6281100000007").await;
    let b2b_b = env.b2b(B).await;
    for reference in ["B1", "B2"] {
        let (_, r) = env.pay(B, &payer, reference, 20_000, "CASH").await;
        assert_eq!(r["latestTransactionStatus"], "00");
    }
    let (s, r) = env.refund(B, &b2b_b, &payer, "B1", "BR1", 5_000).await;
    assert_eq!((s, code(&r)), (405, "4055801"), "partial refund not allowed");
    let (s, _) = env.refund(B, &b2b_b, &payer, "B1", "BR1", 20_000).await;
    assert_eq!(s, 200);
    let (s, r) = env.refund(B, &b2b_b, &payer, "B2", "BR2", 20_000).await;
    assert_eq!((s, code(&r)), (403, "4035820"), "daily refund limit");
}

#[tokio::test]
async fn notifications_retry_and_the_wrong_signature_drill() {
    // The merchant answers 500 twice: the third attempt (5 s later twice, scaled) is delivered.
    let env = env_with(2, "0.01").await;
    let (payer, _) = env.link(A, "6281100000007").await;
    env.pay(A, &payer, "N1", 1_000, "CASH").await;
    let notes = env.await_inbox(3).await;
    assert!(notes.iter().all(|(h, b)| notification_verifies(h, b)));
    let mut delivered = false;
    for _ in 0..100 {
        let journal = env
            .control(reqwest::Method::GET, "/_sandbox/notifications?product=ovo_snap", None)
            .await;
        let d = &journal[0];
        if d["delivered"] == true {
            assert_eq!(d["attempts"].as_array().unwrap().len(), 3);
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(delivered);

    env.arm(Some("notification"), json!({"kind":"wrong_signature_notification"})).await;
    env.pay(A, &payer, "N2", 1_000, "CASH").await;
    let notes = env.await_inbox(4).await;
    let (headers, body) = &notes[3];
    assert!(body.contains("\"N2\""));
    assert!(!notification_verifies(headers, body), "the drill sends a wrong signature");
}

#[tokio::test]
async fn lost_response_payment_was_processed() {
    let env = env().await;
    let (payer, _) = env.link(A, "6281100000007").await;
    env.arm(Some(PAY_PATH), json!({"kind":"lose_response"})).await;
    env.pay_unanswered(&payer, "LOST0001").await;
    let (s, r) = env.status(A, &payer, "LOST0001").await;
    assert_eq!(
        (s, code(&r), r["latestTransactionStatus"].as_str()),
        (200, "2005500", Some("00")),
        "{r}"
    );
}

#[tokio::test]
async fn demo_merchants_have_an_ovo_snap_entry() {
    let merchants = Merchants::demo();
    let section: Vec<toml::Table> = merchants.section("ovo_snap").unwrap();
    assert_eq!(section.len(), 1);
    let pem = section[0]["merchant_private_key"].as_str().unwrap();
    assert!(pem.contains("BEGIN RSA PRIVATE KEY"));
    assert!(section[0]["merchant_public_key"].as_str().unwrap().contains("BEGIN RSA PUBLIC KEY"));
}

#[tokio::test]
async fn linkage_through_the_customer_page_returns_the_auth_code_to_the_destination() {
    let env = env().await;
    let (_, bound) = env.bind(A, AGUS).await;
    let page_url = bound["redirectUrl"].as_str().unwrap();
    let page = json::get_text(&env.http, page_url).await;
    let otp =
        page.split("<strong id=\"otp\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let browser =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = [("agree", "yes"), ("otp", otp.as_str()), ("pin", "123456"), ("action", "approve")];
    let response = browser.post(page_url).form(&form).send().await.unwrap();
    assert!(response.status().is_redirection());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("https://merchant.example/linked?authCode="), "{location}");
    assert!(location.ends_with("&state=LINK0001"), "{location}");
    let auth_code = location.split("authCode=").nth(1).unwrap().split('&').next().unwrap();
    let mut status = 0;
    for _ in 0..100 {
        let (s, token) = env.exchange(A, bound["linkageToken"].as_str().unwrap(), auth_code).await;
        status = s;
        if s == 200 {
            assert_eq!(code(&token), "2007400");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, 200);
}

#[tokio::test]
async fn unpaid_payment_expires_with_06() {
    let env = fast_env().await;
    // 06-like silence: nobody enters the PIN; the payment expires after 15 min (scaled) with 06.
    let (agus, _) = env.link(A, AGUS).await;
    let (s, _) = env.pay(A, &agus, "M06", 1_000, "CASH").await;
    assert_eq!(s, 200);
    env.await_payment("M06", "06").await;
    let (fresh, _) = env.link(A, "6281100000007").await;
    let (_, expired) = env.status(A, &fresh, "M06").await;
    assert_eq!(expired["latestTransactionStatus"], "06");
    assert!(expired["transactionStatusDesc"].as_str().unwrap().starts_with("expired"), "{expired}");
    assert_eq!(
        env.control(reqwest::Method::GET, "/_sandbox/pending", None).await,
        json!([]),
        "the PIN page was withdrawn"
    );
}

// --- seeded bindings ([[bindings]]) and decide as the customer's browser ------------------------

const SEEDED: &str = r#"
[[bindings]]
product = "ovo_snap"
merchant = "oamerchanta"
phone = "081234567890"
token = "seeded-budi-b2b2c"
refresh_token = "seeded-budi-refresh"
provider_ref = "LNKSEEDBUDI"
"#;

#[tokio::test]
async fn seeded_binding_token_gives_the_balance_pays_unbinds_and_comes_back_on_reset() {
    // 0.001: a B2B2C token issued now lives 0.9 s; the seeded one must outlive that.
    let env = env_extra(0, "0.001", SEEDED).await;
    let state = env.state().await;
    assert_eq!(state["bindings"][0]["referenceNo"], "LNKSEEDBUDI");
    assert_eq!(state["bindings"][0]["status"], "ACTIVE");
    assert_eq!(state["bindings"][0]["phone"], BUDI);
    tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;

    let customer = Opts { auth: Some("seeded-budi-b2b2c"), ..Opts::default() };
    let (status, balance) = env.call("/balance-inquiry", A, customer.clone(), &json!({})).await;
    assert_eq!((status, code(&balance)), (200, "2001100"), "{balance}");
    assert_eq!(balance["name"], "Budi Santoso");
    assert_eq!(balance["accountInfos"][0]["availableBalance"]["value"], "2500000.00");
    assert_eq!(balance["accountInfos"][1]["availableBalance"]["value"], "75000.00");
    // Another merchant cannot use it.
    let (status, _) = env.call("/balance-inquiry", B, customer.clone(), &json!({})).await;
    assert_eq!(status, 401);

    let (status, paid) = env.pay(A, "seeded-budi-b2b2c", "SEEDPAY000000001", 20_000, "CASH").await;
    assert_eq!((status, code(&paid)), (200, "2005400"), "{paid}");
    let answer =
        env.decide(paid["webRedirectUrl"].as_str().unwrap(), json!({"decision":"approve"})).await;
    assert_eq!(answer["redirect"], "https://merchant.example/paid");
    env.await_status(A, "seeded-budi-b2b2c", "SEEDPAY000000001", "00").await;
    assert_eq!(env.account(BUDI).await, (2_480_000, 75_000));

    // The seeded refresh token gives fresh access tokens.
    let (status, renewed) = env
        .token_call(
            &format!("{V2}/access-token/b2b2c"),
            A,
            None,
            json!({"grantType":"REFRESH_TOKEN","refreshToken":"seeded-budi-refresh"}),
        )
        .await;
    assert_eq!((status, code(&renewed)), (200, "2007400"), "{renewed}");
    let fresh = renewed["accessToken"].as_str().unwrap().to_owned();
    let (status, _) = env
        .call("/balance-inquiry", A, Opts { auth: Some(&fresh), ..Opts::default() }, &json!({}))
        .await;
    assert_eq!(status, 200);

    // Unbinding works as for any binding.
    let unbind = "/oauth/account/registration-account-unbinding";
    let (_, first) = env.call(unbind, A, customer.clone(), &json!({"merchantId": A})).await;
    assert_eq!(first["unlinkResult"], "UNBINDING_PENDING", "{first}");
    let second = Opts { auth: first["linkageToken"].as_str(), ..Opts::default() };
    let (_, done) = env.call(unbind, A, second, &json!({"merchantId": A})).await;
    assert_eq!(
        (code(&done), done["unlinkResult"].as_str(), done["referenceNo"].as_str()),
        ("2000900", Some("SUCCESS"), Some("LNKSEEDBUDI"))
    );
    let (status, gone) = env.call("/balance-inquiry", A, customer.clone(), &json!({})).await;
    assert_eq!((status, code(&gone)), (401, "4011102"));

    // A reset seeds it again (and the wallet is back to its seed).
    env.control(reqwest::Method::POST, "/_sandbox/reset", Some(json!({}))).await;
    assert_eq!(env.state().await["bindings"][0]["status"], "ACTIVE");
    let (status, balance) = env.call("/balance-inquiry", A, customer, &json!({})).await;
    assert_eq!(
        (status, balance["accountInfos"][0]["availableBalance"]["value"].as_str()),
        (200, Some("2500000.00")),
        "{balance}"
    );
}

#[tokio::test]
async fn seeded_bindings_are_checked_when_the_file_is_parsed() {
    let callback = receiver(0).await.url(NOTIFY);
    let parse = |extra: &str| {
        Merchants::parse(&format!("{}\n{extra}\n", merchants(&callback))).map(|_| ()).unwrap_err()
    };
    let clash = format!("{SEEDED}\n[[bindings]]\nproduct = \"ovo_snap\"\nmerchant = \"{B}\"\nphone = \"{AGUS}\"\ntoken = \"seeded-budi-refresh\"\n");
    let cases = [
        ("[[bindings]]\nproduct = \"ovo\"\nphone = \"6281234567890\"", "unknown product \"ovo\""),
        ("[[bindings]]\nproduct = \"doku_jokul_ovo_push\"\nphone = \"6281234567890\"", "doku_jokul_ovo_push has no account binding"),
        ("[[bindings]]\nproduct = \"ovo_snap\"\nphone = \"12345\"", "phone \"12345\" is not an Indonesian mobile number"),
        ("[[bindings]]\nproduct = \"ovo_snap\"\nphone = \"6281234567890\"\nmerchant = \"nobody\"", "merchant \"nobody\" is not the client_id of any [[ovo_snap]] entry"),
        ("[[bindings]]\nproduct = \"faspay_ovo_tokenize\"\nphone = \"6281234567890\"", "there is no [[faspay_ovo_tokenize]] merchant"),
        (clash.as_str(), "[[bindings]] #2 (ovo_snap 6285712345678): token \"seeded-budi-refresh\" is already used by another binding"),
    ];
    for (extra, want) in cases {
        let e = parse(extra);
        assert!(e.starts_with("merchants file, [[bindings]]"), "{e}");
        assert!(e.contains(want), "{extra}\n→ {e}");
    }
}

/// A merchant page that answers every GET "linked"; the queries it received are [`queries`].
async fn return_page() -> (String, Receiver) {
    let page = Receiver::start("linked").await;
    (page.url("/linked"), page)
}

/// The query of every GET the return page received.
fn queries(page: &Receiver) -> Vec<String> {
    let gets = page.hits().into_iter().filter(|h| h.method == "GET" && h.path() == "/linked");
    gets.map(|h| h.path_and_query.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn decide_with_follow_redirect_gets_the_return_url_with_the_auth_code() {
    let env = env().await;
    let (page, hits) = return_page().await;
    let bind = |reference: &str, destination: &str| {
        json!({"merchantId": A, "partnerReferenceNo": reference, "phoneNo": AGUS, "redirectUrl": destination,
            "additionalInfo": {"custIdMerchant": "CUST-9"}})
    };
    let op = "/oauth/account/registration-account-binding";
    let (_, bound) = env.call(op, A, Opts::default(), &bind("LINKFOLLOW1", &page)).await;
    let answer = env
        .decide(
            bound["redirectUrl"].as_str().unwrap(),
            json!({"decision":"approve","follow_redirect":true}),
        )
        .await;
    let auth_code = auth_code_of(&env.state().await, bound["referenceNo"].as_str().unwrap());
    let expected = format!("{page}?authCode={auth_code}&state=LINKFOLLOW1");
    assert_eq!(answer["redirect"], expected.as_str(), "{answer}");
    assert_eq!(answer["followed_status"], 200, "{answer}");
    assert_eq!(answer["followed_url"], expected.as_str());
    assert_eq!(queries(&hits), [format!("authCode={auth_code}&state=LINKFOLLOW1")]);
    // The browser's authCode is the one to exchange.
    let (status, token) =
        env.exchange(A, bound["linkageToken"].as_str().unwrap(), &auth_code).await;
    assert_eq!((status, code(&token)), (200, "2007400"), "{token}");

    // A decline goes to the same destination without an authCode; without follow_redirect
    // nothing is fetched.
    let (_, bound) = env.call(op, A, Opts::default(), &bind("LINKFOLLOW2", &page)).await;
    let answer =
        env.decide(bound["redirectUrl"].as_str().unwrap(), json!({"decision":"decline"})).await;
    assert_eq!(
        answer["redirect"],
        format!("{page}?error=access_denied&state=LINKFOLLOW2").as_str()
    );
    assert!(
        answer.get("followed_status").is_none() && answer.get("followed_error").is_none(),
        "{answer}"
    );
    assert_eq!(queries(&hits).len(), 1);

    // A destination nobody answers at: followed_error.
    let closed = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}/gone", listener.local_addr().unwrap())
    };
    let (_, bound) = env.call(op, A, Opts::default(), &bind("LINKFOLLOW3", &closed)).await;
    let answer = env
        .decide(
            bound["redirectUrl"].as_str().unwrap(),
            json!({"decision":"approve","follow_redirect":true}),
        )
        .await;
    assert!(answer["redirect"].as_str().unwrap().starts_with(&closed), "{answer}");
    assert!(
        answer["followed_error"].as_str().unwrap().starts_with(&format!("GET {closed}")),
        "{answer}"
    );
    assert!(answer.get("followed_status").is_none());
}

// --- faults real providers show, resends and the writes count -----------------------------------

const PAY_PATH: &str = "/OVOSNAP/v2.0/debit/payment-host-to-host";
const REFUND_PATH: &str = "/OVOSNAP/v2.0/debit/refund";

impl Env {
    async fn arm(&self, endpoint: Option<&str>, fault: Value) {
        let armed = json!({"product": "ovo_snap", "endpoint": endpoint, "fault": fault});
        let (answer, _) = json::post_any(&self.http, &self.url("/_sandbox/faults"), &armed).await;
        assert_eq!(answer, 201);
    }

    /// A 1000.00 payment by merchant A whose connection closes without an answer.
    async fn pay_unanswered(&self, customer: &str, reference: &str) {
        let body =
            json!({"partnerReferenceNo":reference,"amount":{"value":"1000.00","currency":"IDR"}})
                .to_string();
        let sent = self.post_signed(PAY_PATH, customer, None, &self.next_external_id(), body).await;
        assert!(sent.is_err(), "the client saw the connection close");
    }

    /// Merchant A's call to `path` signed with `token`, as a client sends it by hand.
    async fn post_signed(
        &self,
        path: &str,
        token: &str,
        customer: Option<&str>,
        ext: &str,
        body: String,
    ) -> reqwest::Result<reqwest::Response> {
        let ts = timestamp();
        let mut request = self
            .http
            .post(self.url(path))
            .header("Content-Type", "application/json")
            .header("X-TIMESTAMP", &ts)
            .header("X-SIGNATURE", hmac_sign(A_SECRET, path, token, &body, &ts))
            .header("X-PARTNER-ID", A)
            .header("X-EXTERNAL-ID", ext)
            .header("X-DEVICE-ID", "till-01")
            .header("Authorization", format!("Bearer {token}"));
        if let Some(customer) = customer {
            request = request.header("Authorization-Customer", format!("Bearer {customer}"));
        }
        request.body(body).send().await
    }

    /// The refund call with the given X-EXTERNAL-ID; `None` if the connection closed unanswered.
    async fn refund_raw(
        &self,
        b2b: &str,
        customer: &str,
        original: &str,
        refund_no: &str,
        amount: i64,
        ext: &str,
    ) -> Option<(u16, Value)> {
        let body = json!({"originalPartnerReferenceNo": original, "partnerRefundNo": refund_no,
            "refundAmount": {"value": format!("{amount}.00"), "currency": "IDR"}})
        .to_string();
        let sent = self.post_signed(REFUND_PATH, b2b, Some(customer), ext, body).await.ok()?;
        let status = sent.status().as_u16();
        Some((status, sent.json().await.unwrap_or(Value::Null)))
    }

    async fn writes(&self) -> Value {
        self.control(reqwest::Method::GET, "/_sandbox/writes?product=ovo_snap", None).await
    }
}

#[tokio::test]
async fn a_refund_processed_late_is_not_found_until_then_credited_once_and_a_resend_is_a_duplicate()
{
    let env = env().await;
    let (payer, _) = env.link(A, "6281100000007").await;
    let b2b = env.b2b(A).await;
    let (_, paid) = env.pay(A, &payer, "LATE000000000001", 50_000, "CASH").await;
    assert_eq!(paid["latestTransactionStatus"], "00");
    let before = env.account("6281100000007").await;
    // 100,000 ms at time scale 0.01: processed one second after the connection closes.
    env.arm(Some(REFUND_PATH), json!({"kind": "late_processing", "after_ms": 100_000})).await;
    let ext = env.next_external_id();
    let lost =
        env.refund_raw(&b2b, &payer, "LATE000000000001", "LATE000000000001R01", 20_000, &ext).await;
    assert!(lost.is_none(), "the client sees the connection close: {lost:?}");
    // Until it is processed the provider has no record of it: not in refundHistory, not credited.
    let (_, status) = env.status(A, &payer, "LATE000000000001").await;
    assert!(refund_nos(&status).is_empty(), "{status}");
    assert_eq!(env.account("6281100000007").await, before);
    let mut processed = false;
    for _ in 0..300 {
        let (_, status) = env.status(A, &payer, "LATE000000000001").await;
        if refund_nos(&status) == ["LATE000000000001R01"] {
            processed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(processed, "the late refund was processed");
    assert_eq!(env.account("6281100000007").await, (before.0 + 20_000, before.1));
    // Resent under the original ids: the same X-EXTERNAL-ID the same day is a conflict, a new one
    // a duplicate partnerRefundNo; neither credits again.
    let (s, r) = env
        .refund_raw(&b2b, &payer, "LATE000000000001", "LATE000000000001R01", 20_000, &ext)
        .await
        .unwrap();
    assert_eq!((s, code(&r)), (409, "4095800"), "{r}");
    let (s, r) =
        env.refund(A, &b2b, &payer, "LATE000000000001", "LATE000000000001R01", 20_000).await;
    assert_eq!((s, code(&r)), (409, "4095801"), "{r}");
    assert_eq!(env.account("6281100000007").await, (before.0 + 20_000, before.1));
    let writes = env.writes().await;
    let refund = json::find(&writes, |w| w["kind"] == "refund").unwrap();
    assert_eq!(
        refund,
        &json!({"product":"ovo_snap","kind":"refund","reference":"LATE000000000001R01","processed":1,"replays":1})
    );
}

#[tokio::test]
async fn a_payment_processed_late_is_not_found_until_then() {
    let env = env().await;
    let (payer, _) = env.link(A, "6281100000007").await;
    env.arm(Some(PAY_PATH), json!({"kind": "late_processing", "after_ms": 100_000})).await;
    let (s, r) = env.status(A, &payer, "LATEPAY000000001").await;
    assert_eq!((s, code(&r)), (404, "4045501"));
    env.pay_unanswered(&payer, "LATEPAY000000001").await;
    let (s, r) = env.status(A, &payer, "LATEPAY000000001").await;
    assert_eq!((s, code(&r)), (404, "4045501"), "not found until processed: {r}");
    env.await_status(A, &payer, "LATEPAY000000001", "00").await;
    let received =
        env.control(reqwest::Method::GET, "/_sandbox/received?product=ovo_snap", None).await;
    let pay = json::find(&received, |r| r["endpoint"] == PAY_PATH).unwrap();
    assert_eq!(pay["status"], 200, "the journal shows the late processing's answer");
}

#[tokio::test]
async fn a_5xx_after_processing_is_in_the_snap_shape_and_the_refund_happened() {
    let env = env().await;
    let (payer, _) = env.link(A, "6281100000007").await;
    let b2b = env.b2b(A).await;
    env.pay(A, &payer, "ERR5000000000001", 30_000, "CASH").await;
    let before = env.account("6281100000007").await;
    env.arm(Some(REFUND_PATH), json!({"kind": "server_error_after_processing", "status": 503}))
        .await;
    let (s, r) =
        env.refund(A, &b2b, &payer, "ERR5000000000001", "ERR5000000000001R01", 30_000).await;
    assert_eq!((s, r), (503, json!({"responseCode":"5035800","responseMessage":"General Error"})));
    assert_eq!(env.account("6281100000007").await, (before.0 + 30_000, before.1));
    let (_, status) = env.status(A, &payer, "ERR5000000000001").await;
    assert_eq!(refund_nos(&status), ["ERR5000000000001R01"]);
    env.arm(Some(PAY_PATH), json!({"kind": "server_error_after_processing", "status": 500})).await;
    let (s, r) = env.pay(A, &payer, "ERR5000000000002", 1_000, "CASH").await;
    assert_eq!(
        (s, r),
        (500, json!({"responseCode":"5005401","responseMessage":"Internal Server Error"}))
    );
    env.await_status(A, &payer, "ERR5000000000002", "00").await;
}

#[tokio::test]
async fn a_replayed_notification_repeats_the_same_bytes_and_a_duplicate_still_works() {
    let env = env().await;
    let (payer, _) = env.link(A, "6281100000007").await;
    env.arm(Some("notification"), json!({"kind": "replay_notification", "after_ms": 10_000})).await;
    env.pay(A, &payer, "RPL0000000000001", 1_000, "CASH").await;
    let notes = env.await_inbox(2).await;
    let (first, second) = (&notes[0], &notes[1]);
    assert_eq!(first.1, second.1, "the same body");
    for name in ["X-SIGNATURE", "X-TIMESTAMP", "X-EXTERNAL-ID", "X-PARTNER-ID"] {
        assert_eq!(first.0[name], second.0[name], "{name}");
    }
    assert!(notification_verifies(&second.0, &second.1), "a replay is correctly signed");
    let journal =
        env.control(reqwest::Method::GET, "/_sandbox/notifications?product=ovo_snap", None).await;
    let journal = journal.as_array().unwrap();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[1]["replay_of"], journal[0]["seq"]);

    // The existing duplicate drill: two deliveries of the same notification.
    env.arm(None, json!({"kind": "duplicate_notification"})).await;
    env.pay(A, &payer, "DUP0000000000001", 1_000, "CASH").await;
    let notes = env.await_inbox(4).await;
    assert!(notes[2..]
        .iter()
        .all(|(h, b)| b.contains("DUP0000000000001") && notification_verifies(h, b)));
}

#[tokio::test]
async fn success_after_failure_reports_failed_then_success_with_signed_notifications() {
    let env = env().await;
    let (payer, _) = env.link(A, "6281100000007").await;
    env.arm(None, json!({"kind": "success_after_failure", "after_ms": 50_000})).await;
    let faults = env.control(reqwest::Method::GET, "/_sandbox/faults", None).await;
    assert_eq!(faults.as_array().unwrap().len(), 1, "not used up by the link's requests");
    let before = env.account("6281100000007").await;
    let (s, r) = env.pay(A, &payer, "SAF0000000000001", 4_000, "CASH").await;
    assert_eq!((s, code(&r)), (403, "4035405"), "{r}");
    let (_, failed) = env.status(A, &payer, "SAF0000000000001").await;
    assert_eq!(failed["latestTransactionStatus"], "06", "{failed}");
    let notes = env.await_inbox(1).await;
    let note: Value = serde_json::from_str(&notes[0].1).unwrap();
    assert_eq!(note["latestTransactionStatus"], "06");
    env.await_status(A, &payer, "SAF0000000000001", "00").await;
    let notes = env.await_inbox(2).await;
    let (headers, body) = &notes[1];
    assert!(notification_verifies(headers, body));
    let note: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        (note["originalPartnerReferenceNo"].as_str(), note["latestTransactionStatus"].as_str()),
        (Some("SAF0000000000001"), Some("00"))
    );
    assert_eq!(env.account("6281100000007").await, (before.0 - 4_000, before.1), "taken once");
}

#[tokio::test]
async fn a_signed_notification_for_a_reference_never_created() {
    let env = env().await;
    let sent = env
        .control(
            reqwest::Method::POST,
            "/_sandbox/notify-unknown",
            Some(json!({"product":"ovo_snap","reference":"NEVER00000000001","amount":7_000})),
        )
        .await;
    assert_eq!(sent["partnerReferenceNo"], "NEVER00000000001");
    let notes = env.await_inbox(1).await;
    let (headers, body) = &notes[0];
    assert!(notification_verifies(headers, body));
    let note: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        (note["originalPartnerReferenceNo"].as_str(), note["latestTransactionStatus"].as_str()),
        (Some("NEVER00000000001"), Some("00"))
    );
    assert_eq!(note["amount"]["value"], "7000.00");
    assert!(
        env.state().await["payments"].as_array().unwrap().is_empty(),
        "the provider has no such payment"
    );
    let (refused, _) = json::post_any(
        &env.http,
        &env.url("/_sandbox/notify-unknown"),
        &json!({"product":"nope","reference":"X"}),
    )
    .await;
    assert_eq!(refused, 422);
}

#[tokio::test]
async fn writes_count_each_processing_and_each_recognised_resend() {
    let env = env().await;
    let (payer, _) = env.link(A, "6281100000007").await;
    let b2b = env.b2b(A).await;
    env.pay(A, &payer, "WRT0000000000001", 10_000, "CASH").await;
    let (s, _) = env.pay(A, &payer, "WRT0000000000001", 10_000, "CASH").await;
    assert_eq!(s, 409);
    env.refund(A, &b2b, &payer, "WRT0000000000001", "WRT0000000000001R01", 1_000).await;
    env.refund(A, &b2b, &payer, "WRT0000000000001", "WRT0000000000001R01", 1_000).await;
    env.refund(A, &b2b, &payer, "WRT0000000000001", "WRT0000000000001R01", 1_000).await;
    let expected = json!([
        {"product":"ovo_snap","kind":"payment","reference":"WRT0000000000001","processed":1,"replays":1},
        {"product":"ovo_snap","kind":"refund","reference":"WRT0000000000001R01","processed":1,"replays":2},
        {"product":"ovo_snap","kind":"link","reference":"LINK0001","processed":1,"replays":0},
    ]);
    let writes = env.writes().await;
    for want in expected.as_array().unwrap() {
        assert!(writes.as_array().unwrap().contains(want), "{want} in {writes}");
    }
    // The same from the Rust API of the running sandbox.
    let from_rust = serde_json::to_value(env.sandbox.writes()).unwrap();
    assert_eq!(from_rust, writes);
    env.control(reqwest::Method::POST, "/_sandbox/reset", None).await;
    assert_eq!(env.writes().await, json!([]));
}

/// The settlement file (`GET /_sandbox/settlement/ovo_snap`) lists a payment and a partial
/// refund made through the API, on the WIB date of each, with `MerchantInvoice` =
/// `partnerReferenceNo`; a payment still waiting for the customer is not there.
#[tokio::test]
async fn settlement_file_lists_paid_payments_and_refunds() {
    let env = env().await;
    let (payer, _) = env.link(A, "6281100000007").await;
    let b2b = env.b2b(A).await;
    let (_, r) = env.pay(A, &payer, "SETTLE-1", 185_000, "CASH").await;
    assert_eq!(r["latestTransactionStatus"], "00", "{r}");
    let (s, r) = env.refund(A, &b2b, &payer, "SETTLE-1", "SETTLE-RF1", 35_000).await;
    assert_eq!(s, 200, "{r}");
    // Siti has not entered her PIN: not settled.
    let (siti, _) = env.link(A, SITI).await;
    let (_, r) = env.pay(A, &siti, "SETTLE-WAITING", 9_000, "CASH").await;
    assert_ne!(r["latestTransactionStatus"], "00", "{r}");

    let state = env.state().await;
    let p = json::find(&state["payments"], |p| p["partnerReferenceNo"] == "SETTLE-1").unwrap();
    // `yyyy-MM-ddTHH:mm:ss.SSS+07:00`: the WIB date and wall clock of each movement.
    let wib = |t: &Value| {
        let t = t.as_str().unwrap();
        (t[..10].to_owned(), format!("{} {}", &t[..10], &t[11..19]))
    };
    let (paid_date, paid_time) = wib(&p["paidAt"]);
    let (refund_date, refund_time) = wib(&p["refunds"][0]["at"]);
    let mut lines = Vec::new();
    let mut dates = vec![paid_date.clone()];
    if refund_date != paid_date {
        dates.push(refund_date); // the refund came after midnight WIB
    }
    for date in dates {
        let url = env.url(&format!("/_sandbox/settlement/ovo_snap?date={date}&fee_bps=70"));
        let response = env.http.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        assert_eq!(
            response.headers()["content-disposition"],
            format!("attachment; filename=\"settlement-ovo_snap-{date}.csv\"").as_str()
        );
        let body = response.bytes().await.unwrap();
        let mut reader = csv::Reader::from_reader(body.as_ref());
        assert_eq!(reader.headers().unwrap(), sim::OVO_SNAP_SETTLEMENT_FEE_COLUMNS.to_vec());
        for record in reader.records() {
            lines.push(record.unwrap().iter().map(str::to_owned).collect::<Vec<_>>());
        }
    }
    // 185,000 × 70 / 10,000 = 1,295.
    assert_eq!(
        lines,
        [
            ["SETTLE-1", &paid_time, "PAYMENT", "185000.00", "1295.00", "183705.00", "SETTLED"],
            ["SETTLE-1", &refund_time, "REFUND", "35000.00", "0.00", "-35000.00", "SETTLED"],
        ]
    );
    // Unknown product and a bad date: 400 with what is accepted.
    for (path, says) in [
        ("/_sandbox/settlement/ovo?date=2026-03-05", "known: ["),
        ("/_sandbox/settlement/ovo_snap?date=yesterday", "YYYY-MM-DD"),
    ] {
        let response = env.http.get(env.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(says), "{path}: {body}");
    }
}
