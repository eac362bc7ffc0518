//! The simulator (`ovo-sandbox`) on loopback, and its control API (`/_sandbox/…`) over HTTP.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ovo_sandbox::{Merchants, RunningSandbox, SandboxConfig, TimeScale};
use serde_json::{json, Value};

use crate::json;

/// Asks `probe` up to 500 times, `every` apart, and answers its first `Some`; `None` when it
/// never had one.
pub async fn poll<T, F: Future<Output = Option<T>>>(
    every: Duration,
    mut probe: impl FnMut() -> F,
) -> Option<T> {
    for _ in 0..500 {
        if let Some(found) = probe().await {
            return Some(found);
        }
        tokio::time::sleep(every).await;
    }
    None
}

/// Any free port on 127.0.0.1.
pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A simulator serving `merchants` (TOML) at time scale `scale`, over plain HTTP.
pub async fn start(merchants: &str, scale: &str) -> RunningSandbox {
    start_with(Merchants::parse(merchants).unwrap(), scale).await
}

/// A simulator serving `merchants` at time scale `scale`, over plain HTTP.
pub async fn start_with(merchants: Merchants, scale: &str) -> RunningSandbox {
    let config = SandboxConfig {
        merchants,
        time_scale: TimeScale::parse(scale).unwrap(),
        ..SandboxConfig::default()
    };
    ovo_sandbox::start(config, loopback()).await.unwrap()
}

/// A simulator serving `merchants` (TOML) at time scale `scale`, over HTTPS with its own test CA.
pub async fn start_https(merchants: &str, scale: &str) -> RunningSandbox {
    let merchants = Merchants::parse(merchants).unwrap();
    let config = SandboxConfig {
        merchants,
        time_scale: TimeScale::parse(scale).unwrap(),
        ..SandboxConfig::default()
    };
    ovo_sandbox::start_https(config, loopback()).await.unwrap()
}

/// A simulator serving the demo merchants at time scale `scale`, over plain HTTP.
pub async fn start_demo(scale: &str) -> RunningSandbox {
    start_with(Merchants::demo(), scale).await
}

/// A `[[tazapay_ovo_idr]]` merchant whose webhook is sent every event.
#[derive(Debug, Clone, Copy)]
pub struct TazapayMerchant<'a> {
    pub name: &'a str,
    pub api_key: &'a str,
    pub api_secret: &'a str,
    pub webhook_secret: &'a str,
    pub webhook_url: &'a str,
}

impl TazapayMerchant<'_> {
    /// Its section of the simulator's merchants TOML.
    pub fn toml(&self) -> String {
        let TazapayMerchant { name, api_key, api_secret, webhook_secret, webhook_url } = self;
        format!(
            r#"
[[tazapay_ovo_idr]]
name = "{name}"
api_key = "{api_key}"
api_secret = "{api_secret}"
webhook_secret = "{webhook_secret}"
webhook_url = "{webhook_url}"
events = ["payin.created", "payin.requires_action", "payin.succeeded", "payin.requires_payment_method", "payin.cancelled",
          "payment_attempt.failed", "payment_attempt.succeeded", "refund.pending", "refund.succeeded", "refund.failed"]
"#
        )
    }
}

/// The Faspay test merchant's id, user id and password.
pub const FASPAY_MERCHANT_ID: &str = "99999";
pub const FASPAY_USER_ID: &str = "bot99999";
pub const FASPAY_PASSWORD: &str = "p@ssw0rd";

/// The `[[faspay_ovo_tokenize]]` section of the Faspay test merchant, Sophia Store, whose
/// notifications and activation callbacks go to `listener`, with `extra` lines.
pub fn faspay_merchant(listener: &str, extra: &str) -> String {
    format!(
        r#"
[[faspay_ovo_tokenize]]
merchant_id = "{FASPAY_MERCHANT_ID}"
user_id = "{FASPAY_USER_ID}"
password = "{FASPAY_PASSWORD}"
merchant_name = "Sophia Store"
notification_url = "{listener}/faspay/notification"
activation_callback_url = "{listener}/faspay/activation"
{extra}
"#
    )
}

/// The columns of the simulator's OVO SNAP settlement file when it charges a fee (`fee_bps`).
pub const OVO_SNAP_SETTLEMENT_FEE_COLUMNS: [&str; 7] = [
    "MerchantInvoice",
    "TransactionDate",
    "TransactionType",
    "Amount",
    "Fee",
    "NetAmount",
    "Status",
];

/// The control API of a simulator at `url` (in-process, or the app's built-in one).
#[derive(Debug, Clone)]
pub struct Sim {
    pub url: String,
    pub http: reqwest::Client,
}

impl Sim {
    pub fn at(url: &str) -> Sim {
        Sim { url: url.trim_end_matches('/').to_owned(), http: reqwest::Client::new() }
    }

    /// The control API of an in-process simulator; over HTTPS it trusts the simulator's test CA.
    pub fn of(sandbox: &RunningSandbox) -> Sim {
        let mut sim = Sim::at(&sandbox.url());
        if let Some(ca) = sandbox.ca_pem() {
            let ca = reqwest::Certificate::from_pem(ca.as_bytes()).unwrap();
            sim.http = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
        }
        sim
    }

    /// The simulator's address with `path` appended.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// GET `path`, asserting success.
    pub async fn get(&self, path: &str) -> Value {
        json::get(&self.http, &self.url(path)).await
    }

    /// GET `path` as bytes (a file the simulator serves), asserting success.
    pub async fn bytes(&self, path: &str) -> Vec<u8> {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert!(response.status().is_success(), "GET {path}: {}", response.status());
        response.bytes().await.unwrap().to_vec()
    }

    /// POST `body` to `path`, asserting success.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        json::post(&self.http, &self.url(path), &body).await
    }

    /// POST `body` to `path`: the status and the JSON body (`Null` when there is none).
    pub async fn post_any(&self, path: &str, body: Value) -> (u16, Value) {
        json::post_any(&self.http, &self.url(path), &body).await
    }

    /// PATCH `body` to `path` (an account's behaviour, …), asserting success.
    pub async fn patch(&self, path: &str, body: Value) {
        let response = self.http.patch(self.url(path)).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "PATCH {path}: {}", response.status());
    }

    /// Arms `fault` on `product`'s `endpoint` for the next `count` calls.
    pub async fn arm(&self, product: &str, endpoint: &str, fault: Value, count: u32) {
        let body =
            json!({ "product": product, "endpoint": endpoint, "fault": fault, "count": count });
        let response =
            self.http.post(self.url("/_sandbox/faults")).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "arming {body}: {}", response.status());
    }

    pub async fn clear_faults(&self) {
        let response = self.http.delete(self.url("/_sandbox/faults")).send().await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// The requests the simulator received for `product`, oldest first.
    pub async fn received(&self, product: &str) -> Vec<Value> {
        let all = self.get(&format!("/_sandbox/received?product={product}")).await;
        all.as_array().unwrap().clone()
    }

    /// Of those, the ones with this method and endpoint.
    pub async fn received_at(&self, product: &str, method: &str, endpoint: &str) -> Vec<Value> {
        let all = self.received(product).await;
        all.into_iter().filter(|r| r["method"] == method && r["endpoint"] == endpoint).collect()
    }

    /// Every refund Tazapay holds, over all its payins.
    pub async fn tazapay_refunds(&self) -> Vec<Value> {
        let payins = self.get("/_sandbox/tazapay_ovo_idr/payins").await;
        let payins = payins.as_array().unwrap().iter();
        payins.flat_map(|p| p["refunds"].as_array().cloned().unwrap_or_default()).collect()
    }

    /// Tazapay's payins with this reference.
    pub async fn tazapay_payins(&self, reference: &str) -> Vec<Value> {
        let payins = self.get("/_sandbox/tazapay_ovo_idr/payins").await;
        let payins = payins.as_array().unwrap().iter();
        payins.filter(|p| p["payin"]["reference_id"] == reference).cloned().collect()
    }

    /// Waits (10 s at the most) until Tazapay's payin `payin` has succeeded.
    pub async fn until_tazapay_payin_succeeded(&self, payin: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let seen = self.get(&format!("/_sandbox/tazapay_ovo_idr/payins/{payin}")).await;
            if seen["payin"]["status"] == "succeeded" {
                return;
            }
            assert!(Instant::now() < deadline, "the sandbox payin never succeeded: {seen}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The customer steps waiting for a decision.
    pub async fn pending(&self) -> Vec<Value> {
        self.get("/_sandbox/pending").await.as_array().unwrap().clone()
    }

    /// Decides a waiting customer step (`{"approve": true}`, …).
    pub async fn decide(&self, id: &str, decision: Value) -> Value {
        self.post(&format!("/_sandbox/pending/{id}/decide"), decision).await
    }
}

/// The value of the header `name` (any case) of a request the simulator received.
pub fn header(received: &Value, name: &str) -> Option<Value> {
    let headers = received["headers"].as_array()?;
    let found =
        headers.iter().find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)));
    found.map(|h| h[1].clone())
}
