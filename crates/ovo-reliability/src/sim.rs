//! The simulator, run in the harness process (it outlives every killed worker), and what the
//! harness reads from it: the record of provider writes.

use anyhow::{bail, Context, Result};
use ovo_sandbox::{Merchants, RunningSandbox, SandboxConfig, TimeScale};
use serde_json::{json, Value};

/// Waits run at 1/500 of real time: a day's give-up time is under three minutes, a SNAP
/// access token still lives 1.8 s (long enough for the request it signs).
pub const TIME_SCALE: &str = "0.002";

/// The demo accounts the workload pays from, and the magic phones for the phone-only products.
pub const BUDI: &str = "6281234567890";
pub const SITI: &str = "6281298765432";
pub const SOPHIA: &str = "6281382826301";
pub const MAGIC_PAYER: &str = "6281100000007";
/// Declines every customer step at once.
pub const MAGIC_DECLINER: &str = "6281100000005";
/// Never answers: the provider's wait runs out.
pub const MAGIC_SILENT: &str = "6281100000006";

/// One provider write the simulator recorded (`GET /_sandbox/writes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub product: String,
    /// `payment`, `refund`, `link` or `unlink`.
    pub kind: String,
    pub reference: String,
    /// How many times the provider carried it out (more than once: duplicated).
    pub processed: u64,
    /// Resends the provider answered from its record without doing it again.
    pub replays: u64,
}

#[derive(Debug)]
pub struct Sim {
    running: RunningSandbox,
    http: reqwest::Client,
}

impl Sim {
    /// Starts the simulator; every product's notifications go to the app's listener at
    /// `listener` (`127.0.0.1:port`, which the app is told to listen on).
    pub async fn start(listener: &str) -> Result<Sim> {
        let config = SandboxConfig {
            time_scale: TimeScale::parse(TIME_SCALE).map_err(anyhow::Error::msg)?,
            merchants: Merchants::demo_notifying(
                &format!("http://{listener}"),
                &ovo_domain::Product::ALL.map(|p| p.key()),
            ),
            ..SandboxConfig::default()
        };
        let running =
            ovo_sandbox::start(config, std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let sim = Sim { running, http: reqwest::Client::new() };
        // Every customer step the workload causes is approved at once.
        for phone in [BUDI, SITI, SOPHIA] {
            sim.send(
                reqwest::Method::PATCH,
                &format!("/_sandbox/accounts/{phone}"),
                Some(json!({ "behaviour": "auto_approve" })),
            )
            .await?;
        }
        Ok(sim)
    }

    pub fn url(&self) -> String {
        self.running.url()
    }

    pub fn import(
        &self,
        payments: &[ovo_sandbox::core::import::ImportedPayment],
    ) -> ovo_sandbox::core::import::ImportReport {
        self.running.ctx.import(payments)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<reqwest::Response> {
        let mut request = self.http.request(method, format!("{}{path}", self.url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.with_context(|| format!("simulator {path}"))
    }

    /// Every provider write, or `None` when this simulator keeps no such record.
    pub async fn writes(&self) -> Result<Option<Vec<Write>>> {
        let response = self.send(reqwest::Method::GET, "/_sandbox/writes", None).await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !response.status().is_success() {
            bail!("GET /_sandbox/writes answered {}", response.status());
        }
        let all: Value = response.json().await?;
        let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
        Ok(Some(
            all.as_array()
                .context("/_sandbox/writes is not a list")?
                .iter()
                .map(|w| Write {
                    product: text(w, "product"),
                    kind: text(w, "kind"),
                    reference: text(w, "reference"),
                    processed: w["processed"].as_u64().unwrap_or(0),
                    replays: w["replays"].as_u64().unwrap_or(0),
                })
                .collect(),
        ))
    }

    /// Arms the product's next refund call to be processed `after_ms` (scaled) after the client
    /// gave up (`late_processing`);
    /// on a simulator without that fault, the closest one it has: processed, answer lost.
    /// Answers which was armed.
    pub async fn arm_late(&self, product: &str, after_ms: u64) -> Result<&'static str> {
        let endpoint = refund_endpoint(product);
        let late = json!({ "product": product, "endpoint": endpoint, "fault": { "kind": "late_processing", "after_ms": after_ms }, "count": 1 });
        if self
            .send(reqwest::Method::POST, "/_sandbox/faults", Some(late))
            .await?
            .status()
            .is_success()
        {
            return Ok("late_processing");
        }
        let lost = json!({ "product": product, "endpoint": endpoint, "fault": { "kind": "lose_response" }, "count": 1 });
        let response = self.send(reqwest::Method::POST, "/_sandbox/faults", Some(lost)).await?;
        if !response.status().is_success() {
            bail!("the simulator refused a lose_response fault: {}", response.status());
        }
        Ok("lose_response")
    }

    /// Arms the product's next payment notification to be delivered again, identical,
    /// `after_ms` (scaled) after the first (`replay_notification`).
    pub async fn arm_replay(&self, product: &str, after_ms: u64) -> Result<()> {
        let replay = json!({ "product": product, "endpoint": "notification", "fault": { "kind": "replay_notification", "after_ms": after_ms }, "count": 1 });
        let response = self.send(reqwest::Method::POST, "/_sandbox/faults", Some(replay)).await?;
        if !response.status().is_success() {
            bail!("the simulator refused a replay_notification fault: {}", response.status());
        }
        Ok(())
    }

    pub async fn clear_faults(&self) -> Result<()> {
        self.send(reqwest::Method::DELETE, "/_sandbox/faults", None).await?;
        Ok(())
    }
}

/// The refund endpoint of a product as the simulator routes it.
fn refund_endpoint(product: &str) -> Option<&'static str> {
    match product {
        "ovo_snap" => Some("/OVOSNAP/v2.0/debit/refund"),
        "doku_snap_ovo" => Some("/direct-debit/core/v1/debit/refund"),
        "tazapay_ovo_idr" => Some("/v3/refund"),
        _ => None,
    }
}

/// The write the simulator recorded under one of our references, if any.
pub fn write_for<'a>(writes: &'a [Write], kind: &str, reference: &str) -> Option<&'a Write> {
    writes.iter().find(|w| w.kind == kind && names(&w.reference, reference))
}

/// The simulator's reference names ours: the same, or a later attempt of it (Tazapay's
/// `<reference_id>/attempt-<n>`).
pub fn names(theirs: &str, ours: &str) -> bool {
    theirs == ours || theirs.strip_prefix(ours).is_some_and(|rest| rest.starts_with('/'))
}

/// The id a payment is sent under (Faspay's `bill_no`, Jokul's invoice…).
pub fn payment_id_sent(p: &ovo_ledger::payments::PaymentDetail) -> String {
    ovo_providers::wire::merchant_payment_id(p.product, &p.reference, p.provider_ref.as_deref())
}

/// A free loopback address for the app's notification listener, chosen before the simulator
/// starts (it is told where to notify).
pub fn free_listener_address() -> Result<String> {
    let socket = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(socket.local_addr()?.to_string())
}
