//! Notifications to the merchant's registered URLs, retried on the product's schedule (scaled).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::clock::now_rfc3339;
use super::faults::{Fault, FaultPlan, NOTIFICATION};
use super::journal::{Attempt, Delivery, Journal};
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

/// The headers of one request.
pub type Headers = Vec<(String, String)>;

/// What a [`Prepare`] hook answers for one attempt:
/// - `Ok(Some(headers))`: send these headers instead of the ones given in the [`Outbound`]
///   (or in its [`Tampered`] variant);
/// - `Ok(None)`: send the given headers unchanged;
/// - `Err(reason)`: nothing is sent this time. The attempt is journaled as failed, with no
///   status and the error `not sent: <reason>`, and the retry schedule goes on.
pub type Prepared = Result<Option<Headers>, String>;

/// The future a [`Prepare`] hook returns.
pub type PrepareFuture = Pin<Box<dyn Future<Output = Prepared> + Send>>;

/// Which attempt a [`Prepare`] hook is preparing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preparing {
    /// 1 for the first attempt, 2 for the first retry, and so on.
    pub number: usize,
    /// This delivery is the `wrong_signature_notification` drill: the hook must sign wrongly
    /// (its headers replace the [`Tampered`] ones).
    pub tampered: bool,
}

/// A hook awaited before every attempt (the first and each retry) of one delivery, for headers
/// that cannot be fixed in advance, e.g. a merchant-issued token that expires between retries.
#[derive(Clone)]
pub struct Prepare(Arc<dyn Fn(Preparing) -> PrepareFuture + Send + Sync>);

impl Prepare {
    pub fn new<F, Fut>(hook: F) -> Prepare
    where
        F: Fn(Preparing) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Prepared> + Send + 'static,
    {
        Prepare(Arc::new(move |attempt| Box::pin(hook(attempt))))
    }

    pub fn call(&self, attempt: Preparing) -> PrepareFuture {
        (self.0)(attempt)
    }
}

impl fmt::Debug for Prepare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Prepare(..)")
    }
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
    /// `None` for a notification whose headers never change. With a hook, the journal's
    /// `headers` are the first attempt's (the given ones if that attempt could not be prepared).
    pub prepare: Option<Prepare>,
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
        Notifier::trusting(scale, faults, journal, None)
    }

    /// As `new`, also trusting the CA certificate `ca_pem` (the sandbox's own, when it serves HTTPS).
    pub fn trusting(
        scale: TimeScale,
        faults: Arc<FaultPlan>,
        journal: Arc<Journal>,
        ca_pem: Option<&str>,
    ) -> Notifier {
        let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(10));
        match ca_pem.map(|pem| reqwest::Certificate::from_pem(pem.as_bytes())) {
            Some(Ok(ca)) => builder = builder.add_root_certificate(ca),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "the sandbox's own CA is not readable; its HTTPS pages will not be trusted")
            }
            None => {}
        }
        let http = builder.build().unwrap_or_default();
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
            Some(Fault::ReplayNotification { after_ms }) => {
                let this = self.clone();
                tokio::spawn(async move {
                    this.deliver_then_replay(out, Duration::from_millis(after_ms)).await
                });
                return;
            }
            _ => (1, false),
        };
        for _ in 0..copies {
            let this = self.clone();
            let out = out.clone();
            tokio::spawn(async move { this.deliver(out, tamper).await });
        }
    }

    /// Delivers, then `after` (scaled) later sends the same bytes again: the body and the
    /// headers of the first delivery's last attempt, signature included (a provider replaying
    /// what it already sent).
    async fn deliver_then_replay(&self, out: Outbound, after: Duration) {
        let (_, seq, sent) = self.deliver_recorded(out.clone(), false, None).await;
        self.scale.sleep(after).await;
        let replay = Outbound { headers: sent, prepare: None, tampered: None, ..out };
        self.deliver_recorded(replay, false, Some(seq)).await;
    }

    /// Sends and retries until the merchant answers 2xx or the schedule runs out; true if delivered.
    /// With a [`Prepare`] hook, each attempt's headers come from the hook, awaited just before it.
    pub async fn deliver(&self, out: Outbound, tamper: bool) -> bool {
        self.deliver_recorded(out, tamper, None).await.0
    }

    /// As [`Notifier::deliver`]; also answers the delivery's journal seq and the headers of its
    /// last attempt. `replay_of` marks a replay of an earlier delivery.
    async fn deliver_recorded(
        &self,
        out: Outbound,
        tamper: bool,
        replay_of: Option<u64>,
    ) -> (bool, u64, Headers) {
        let tampered = tamper && out.tampered.is_some();
        let (url, given, body) = match (&out.tampered, tamper) {
            (Some(t), true) => (t.url.clone(), t.headers.clone(), t.body.clone()),
            _ => (out.url.clone(), out.headers.clone(), out.body.clone()),
        };
        let mut waits = out.retries.iter();
        let mut seq = None;
        let mut number = 0;
        let mut last_sent = given.clone();
        loop {
            number += 1;
            let prepared = match &out.prepare {
                None => Ok(given.clone()),
                Some(hook) => hook
                    .call(Preparing { number, tampered })
                    .await
                    .map(|h| h.unwrap_or_else(|| given.clone())),
            };
            let seq = *seq.get_or_insert_with(|| {
                let seq = self.journal.next_seq();
                self.journal.start_delivery(Delivery {
                    seq,
                    product: out.product,
                    kind: out.kind.clone(),
                    url: url.clone(),
                    headers: prepared.as_ref().map_or_else(|_| given.clone(), Clone::clone),
                    body: body.clone(),
                    tampered,
                    replay_of,
                    attempts: Vec::new(),
                    delivered: false,
                });
                seq
            });
            let (status, answer, error) = match prepared {
                Ok(headers) => {
                    last_sent.clone_from(&headers);
                    let mut request =
                        self.http.request(out.method.clone(), &url).body(body.clone());
                    for (k, v) in &headers {
                        request = request.header(k, v);
                    }
                    match request.send().await {
                        Ok(resp) => {
                            let status = resp.status().as_u16();
                            (Some(status), resp.text().await.unwrap_or_default(), None)
                        }
                        Err(e) => (None, String::new(), Some(e.to_string())),
                    }
                }
                Err(reason) => (None, String::new(), Some(format!("not sent: {reason}"))),
            };
            let ok = status.is_some_and(|s| (200..300).contains(&s))
                && match out.ack {
                    Ack::Http2xx => true,
                    Ack::Body(accepts) => accepts(&answer),
                };
            self.journal.add_attempt(seq, Attempt { at: now_rfc3339(), status, error }, ok);
            if ok {
                return (true, seq, last_sent);
            }
            match waits.next() {
                Some(wait) => self.scale.sleep(*wait).await,
                None => return (false, seq, last_sent),
            }
        }
    }
}
