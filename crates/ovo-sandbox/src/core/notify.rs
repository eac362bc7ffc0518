//! Notifications to the merchant's registered URLs, retried on the product's schedule (scaled).

use std::sync::Arc;
use std::time::Duration;

use super::faults::{Fault, FaultPlan, NOTIFICATION};
use super::journal::{now_rfc3339, Attempt, Delivery, Journal};
use super::time_scale::TimeScale;

/// The same notification with a wrong signature, sent instead of the real one when a
/// `wrong_signature_notification` fault is armed (a GET callback signs its URL, so the URL can differ).
#[derive(Debug, Clone)]
pub struct Tampered {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// When the merchant has acknowledged a notification.
#[derive(Debug, Clone, Copy, Default)]
pub enum Ack {
    /// Any 2xx answer.
    #[default]
    Http2xx,
    /// A 2xx answer whose body passes this check (e.g. Faspay's `response_code` `00`).
    Body(fn(&str) -> bool),
}

/// One notification.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub product: &'static str,
    /// e.g. `payment`, `binding`, `refund`.
    pub kind: String,
    pub url: String,
    pub method: reqwest::Method,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Real waits before each retry, e.g. [30 min, 6 h, 12 h]; scaled when used.
    pub retries: Vec<Duration>,
    pub tampered: Option<Tampered>,
    pub ack: Ack,
}

#[derive(Debug, Clone)]
pub struct Notifier {
    http: reqwest::Client,
    scale: TimeScale,
    faults: Arc<FaultPlan>,
    journal: Arc<Journal>,
}

impl Notifier {
    pub fn new(scale: TimeScale, faults: Arc<FaultPlan>, journal: Arc<Journal>) -> Notifier {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Notifier { http, scale, faults, journal }
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends in the background; returns at once.
    pub fn send(&self, out: Outbound) {
        let (copies, tamper) = match self.faults.take(out.product, NOTIFICATION) {
            Some(Fault::DuplicateNotification) => (2, false),
            Some(Fault::WrongSignatureNotification) => (1, true),
            _ => (1, false),
        };
        for _ in 0..copies {
            let this = self.clone();
            let out = out.clone();
            tokio::spawn(async move { this.deliver(out, tamper).await });
        }
    }

    /// Sends and retries until the merchant answers 2xx or the schedule runs out; true if delivered.
    pub async fn deliver(&self, out: Outbound, tamper: bool) -> bool {
        let (url, headers, body) = match (&out.tampered, tamper) {
            (Some(t), true) => (t.url.clone(), t.headers.clone(), t.body.clone()),
            _ => (out.url.clone(), out.headers.clone(), out.body.clone()),
        };
        let seq = self.journal.next_seq();
        self.journal.start_delivery(Delivery {
            seq,
            product: out.product,
            kind: out.kind.clone(),
            url: url.clone(),
            headers: headers.clone(),
            body: body.clone(),
            tampered: tamper && out.tampered.is_some(),
            attempts: Vec::new(),
            delivered: false,
        });
        let mut waits = out.retries.iter();
        loop {
            let mut request = self.http.request(out.method.clone(), &url).body(body.clone());
            for (k, v) in &headers {
                request = request.header(k, v);
            }
            let (status, answer, error) = match request.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    (Some(status), resp.text().await.unwrap_or_default(), None)
                }
                Err(e) => (None, String::new(), Some(e.to_string())),
            };
            let ok = status.is_some_and(|s| (200..300).contains(&s))
                && match out.ack {
                    Ack::Http2xx => true,
                    Ack::Body(accepts) => accepts(&answer),
                };
            self.journal.add_attempt(seq, Attempt { at: now_rfc3339(), status, error }, ok);
            if ok {
                return true;
            }
            match waits.next() {
                Some(wait) => self.scale.sleep(*wait).await,
                None => return false,
            }
        }
    }
}
