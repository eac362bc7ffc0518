//! The notification listener: off by default; when an admin turns it on, an HTTP server on a
//! loopback address (the merchant's reverse proxy or tunnel forwards to it) with one path per
//! product. Each request goes through the product client's verification and is stored once per
//! de-duplication key, its secrets replaced by keyed hashes (`redact`). A verified payment
//! notification updates its payment; an unverified one is never trusted: it only makes the back
//! office query the status of the payment it names, once per payment per window, and is stored
//! only then (redacted and cut short); one naming no payment of ours is counted, not stored.
//! Each remote address (behind the merchant's proxy: the last `X-Forwarded-For` entry) has a
//! request rate (`limits`).
//! On a shared ledger one desk at a time listens: the desk holding the listener's turn (a claim
//! renewed every few seconds) runs it; the others do not, and Settings names the desk that
//! does. A desk that closes hands the turn over; a crashed desk's turn lapses.
//! In the built-in environment the sandbox is told nothing (its demo merchants have no
//! notification URLs): the status poller follows the payments there.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use ovo_domain::{Environment, PaymentStatus, Product};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::notifications::{self, NewNotification};
use ovo_ledger::settings;
use ovo_ledger::{claims, Backend};
use ovo_providers::notification::{
    InboundRequest, InboundResponse, Notification, NotificationEvent, NotificationRejection,
    Received,
};
use ovo_providers::Provider;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

mod limits;
mod redact;
pub(crate) mod slot;

pub(crate) use limits::ListenerLimits;
use redact::{bounded, hex_hmac, Redactor};

use slot::Running;

use crate::background::Work;
use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult};
use crate::ipc::{ListenerInput, ListenerSettings, ListenerUrl};
use crate::payments::{InboxMark, Origin};
use crate::permissions::Permission;

pub(crate) const LISTENER_KEY: &str = "notification_listener";
pub const DEFAULT_LISTENER_ADDRESS: &str = "127.0.0.1:7701";
/// Bodies larger than this are not notifications (the largest documented ones are a few KiB);
/// answered 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// What an unverified notification's stored body and headers are cut to.
const UNVERIFIED_KEPT_BYTES: usize = 2 * 1024;
/// The claim that gives one desk of a shared ledger the listener's turn.
const LISTENER_TURN: (&str, i64) = ("notification_listener", 0);
/// How long a turn lasts unless renewed.
const LISTENER_TURN_MILLIS: i64 = 30_000;
/// How often the holder renews it (and the longest a renewal may take).
const LISTENER_RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// Stored rows redacted per write transaction by the pass over rows stored before redaction.
const REDACT_BATCH: u32 = 200;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    enabled: bool,
    address: String,
}

impl Default for Stored {
    fn default() -> Self {
        Stored { enabled: false, address: DEFAULT_LISTENER_ADDRESS.into() }
    }
}

fn parse_address(text: &str) -> AppResult<SocketAddr> {
    let addr: SocketAddr = text.trim().parse().map_err(|_| {
        AppError::invalid(
            "listener_address_invalid",
            format!("{text:?} is not an address; use 127.0.0.1:7701"),
        )
    })?;
    if !addr.ip().is_loopback() {
        return Err(AppError::invalid(
            "listener_address_not_loopback",
            "the listener only listens on a loopback address (127.0.0.1 or ::1); put a reverse proxy or tunnel in front of it",
        ));
    }
    Ok(addr)
}

/// How this desk names itself in the listener's turn: its computer's name, then this run's id.
pub(crate) fn listener_holder(desk: &str) -> String {
    let host = gethostname::gethostname();
    format!("{}#{desk}", host.to_string_lossy())
}

fn desk_of_holder(holder: &str) -> &str {
    holder.rsplit_once('#').map_or(holder, |(host, _)| host)
}

impl Backoffice {
    async fn listener_stored(&self) -> Stored {
        self.setting(LISTENER_KEY)
            .await
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default()
    }

    pub async fn listener_settings(&self) -> AppResult<ListenerSettings> {
        self.authorize(Permission::ManageSettings, "manage settings").await?;
        Ok(self.listener_view().await)
    }

    async fn listener_view(&self) -> ListenerSettings {
        let stored = self.listener_stored().await;
        let (bound, problem) = self.listener.status().await;
        let base = match bound {
            Some(bound) => format!("http://{bound}"),
            None => format!("http://{}", stored.address),
        };
        let elsewhere = match (stored.enabled, bound) {
            (true, None) => self.listener_turn_elsewhere().await,
            _ => None,
        };
        ListenerSettings {
            enabled: stored.enabled,
            address: stored.address,
            running: bound.is_some(),
            running_at_desk: elsewhere,
            urls: Product::ALL
                .into_iter()
                .filter(|p| ovo_providers::capabilities(*p).notifications)
                .map(|product| ListenerUrl { product, url: format!("{base}/{}", product.key()) })
                .collect(),
            problem,
        }
    }

    /// Turns the listener on or off and sets its address (admin; audited).
    pub async fn set_listener(
        self: &Arc<Self>,
        input: ListenerInput,
    ) -> AppResult<ListenerSettings> {
        let actor = self.authorize(Permission::ManageSettings, "manage settings").await?;
        crate::validate::text_lengths(&input)?;
        let address = input.address.trim();
        let address = if address.is_empty() { DEFAULT_LISTENER_ADDRESS } else { address };
        parse_address(address)?;
        let stored = Stored { enabled: input.enabled, address: address.to_owned() };
        let before = self.listener_stored().await;
        let mut tx = self.ledger.begin_write().await?;
        settings::put(
            &mut tx,
            LISTENER_KEY,
            &serde_json::to_string(&stored).unwrap_or_default(),
            self.now(),
            Some(actor.operator.id),
        )
        .await?;
        self.audit_act(&mut tx, &actor, "settings.listener", "notification_listener", json!({ "enabled": stored.enabled, "address": stored.address, "was_enabled": before.enabled, "was_address": before.address })).await?;
        ovo_ledger::commit(tx).await?;
        self.ensure_listener().await;
        Ok(self.listener_view().await)
    }

    /// Starts, restarts or stops the listener to match its settings and this desk's turn.
    pub async fn ensure_listener(self: &Arc<Self>) {
        let _one_at_a_time = self.listener.turn_lock.lock().await;
        if self.listener.closing.load(Ordering::SeqCst) {
            return;
        }
        let stored = self.listener_stored().await;
        let address = match stored.enabled && self.take_listener_turn().await {
            true => Some(stored.address.as_str()),
            false => None,
        };
        self.listener.keep(address, |address| self.start_listener(address)).await;
        let failed = address.is_some() && self.listener.status().await.0.is_none();
        if failed || !stored.enabled {
            // Another desk may be able to listen where this one cannot.
            self.hand_over_listener().await;
        }
    }

    /// Keeps the listener as set, and renews this desk's turn, every few seconds for as long as
    /// the app is open: apart from the background pass, which slow providers can hold up for
    /// longer than a turn lasts.
    pub async fn keep_listener(self: Arc<Self>) {
        loop {
            self.ensure_listener().await;
            tokio::time::sleep(LISTENER_RENEW_EVERY).await;
        }
    }

    /// Stops the listener for good and hands its turn over at once (the app is closing).
    pub async fn close_listener(&self) {
        let _one_at_a_time = self.listener.turn_lock.lock().await;
        self.listener.closing.store(true, Ordering::SeqCst);
        self.listener.stop().await;
        self.hand_over_listener().await;
    }

    /// Takes or renews this desk's turn at the listener. A ledger file has one desk (its
    /// instance lock), so the turn is always its own. Unsure (the ledger did not answer in
    /// time), the desk stops listening rather than risk two listeners.
    async fn take_listener_turn(&self) -> bool {
        if self.ledger.backend() == Backend::Sqlite {
            return true;
        }
        let now = self.now();
        let until = now.plus_millis(LISTENER_TURN_MILLIS);
        let (kind, subject) = LISTENER_TURN;
        let take = claims::take(&self.ledger, kind, subject, &self.listener_holder, now, until);
        match tokio::time::timeout(LISTENER_RENEW_EVERY, take).await {
            Ok(Ok(held)) => {
                self.listener.has_turn.store(held, Ordering::SeqCst);
                held
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the listener's turn could not be renewed; not listening");
                false
            }
            Err(_) => {
                tracing::warn!(
                    "the ledger did not renew the listener's turn in time; not listening"
                );
                false
            }
        }
    }

    /// Gives up this desk's turn at the listener, if it holds it (when it closes, or cannot
    /// listen).
    async fn hand_over_listener(&self) {
        if !self.listener.has_turn.swap(false, Ordering::SeqCst) {
            return;
        }
        let (kind, subject) = LISTENER_TURN;
        if let Err(e) = claims::release(&self.ledger, kind, subject, &self.listener_holder).await {
            tracing::warn!(error = %e, "the listener's turn was not handed over; it lapses");
        }
    }

    /// The computer whose desk has the listener's turn, when it is another desk.
    async fn listener_turn_elsewhere(&self) -> Option<String> {
        let (kind, subject) = LISTENER_TURN;
        let holder = claims::holder(&self.ledger, kind, subject, self.now()).await.ok()??;
        (holder != self.listener_holder).then(|| desk_of_holder(&holder).to_owned())
    }

    async fn start_listener(self: &Arc<Self>, address: String) -> Result<Running, String> {
        let addr = parse_address(&address).map_err(|e| e.message)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        let app = Router::new()
            .route("/{product}", any(receive))
            .route("/{product}/{*rest}", any(receive))
            .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
            .layer(axum::middleware::from_fn_with_state(Arc::downgrade(self), rate_limit))
            .with_state(Arc::downgrade(self));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            let serve = axum::serve(listener, service).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "notification listener stopped");
            }
        });
        Ok(Running { configured: address, bound, _stop: stop })
    }

    /// One inbound notification: verified, stored once, applied (or, unverified, a status
    /// query of the payment it names), and answered as the product's client says.
    pub(crate) async fn receive_notification(
        self: &Arc<Self>,
        product: Product,
        inbound: InboundRequest,
    ) -> InboundResponse {
        let environment = self.environment().await;
        let client = match self.provider(environment, product).await {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!(error = %e, product = product.key(), "notification for a product without a client");
                return InboundResponse::json(503, &json!({ "error": "not configured" }));
            }
        };
        if let Some(answer) = client.answer_inbound_request(&inbound) {
            return answer;
        }
        let verified = client.verify_notification(&inbound);
        let names_our_payment = match self
            .process_notification(environment, client.as_ref(), &inbound, &verified)
            .await
        {
            Ok(ours) => ours,
            Err(e) => {
                tracing::error!(error = %e, product = product.key(), "notification not stored");
                return InboundResponse::json(
                    500,
                    &json!({ "error": "not stored; send it again" }),
                );
            }
        };
        client.acknowledge_notification(Received {
            request: &inbound,
            verified: &verified,
            names_our_payment,
            now: self.now(),
        })
    }

    /// Stores the notification (once per de-duplication key) and starts applying it. A verified
    /// payment notification is applied by `apply_notification` in a task of its own, so the
    /// provider is answered fast; a delivery of a row stored earlier but not applied yet
    /// applies it now. Returns whether the notification names a payment of ours.
    async fn process_notification(
        self: &Arc<Self>,
        environment: Environment,
        client: &dyn Provider,
        inbound: &InboundRequest,
        verified: &Result<Notification, NotificationRejection>,
    ) -> AppResult<bool> {
        let product = client.product();
        let now = self.now();
        let names = match verified {
            Ok(Notification {
                event: NotificationEvent::Payment { merchant_ref, provider_ref, .. },
                ..
            }) => merchant_ref.iter().chain(provider_ref.iter()).cloned().collect(),
            Ok(_) => Vec::new(),
            Err(_) => named_in(inbound, client),
        };
        let payment = self.payment_named(environment, &names).await?;
        let payment = payment.filter(|p| p.product == product);
        let key = self.local_keys.redaction.expose().as_slice();
        if verified.is_err() {
            let limits = &self.listener.limits;
            let Some(named) = &payment else {
                let unstored = limits.count_unstored();
                tracing::debug!(
                    product = product.key(),
                    unstored,
                    "unverified notification naming no payment of ours: counted, not stored"
                );
                return Ok(false);
            };
            if !limits.status_query_due(named.id, now) {
                tracing::debug!(
                    product = product.key(),
                    payment = named.reference.as_str(),
                    "unverified notification: its payment's status was queried within the window"
                );
                return Ok(true);
            }
        }
        let dedup_key = match verified {
            Ok(n) => n.dedup_key.clone(),
            // Keyed, so the key tells nothing about a body that held a secret.
            Err(_) => format!(
                "unverified:{}",
                hex_hmac(
                    key,
                    &[
                        inbound.method.as_bytes(),
                        inbound.path_and_query.as_bytes(),
                        inbound.body.as_bytes()
                    ],
                    32
                )
            ),
        };
        let redactor = Redactor::new(key, Some(product));
        let (headers, body) = match verified {
            Ok(_) => (redactor.headers(&inbound.headers), redactor.body(&inbound.body)),
            Err(_) => (
                bounded(redactor.headers(&inbound.headers), UNVERIFIED_KEPT_BYTES),
                bounded(redactor.body(&inbound.body), UNVERIFIED_KEPT_BYTES),
            ),
        };
        // What is left to do once stored: `None` = apply it (confirm by a status query).
        let settled: Option<String> = match (verified, &payment) {
            (_, None) => Some("no_payment".to_owned()),
            (Ok(Notification { event: NotificationEvent::Payment { .. }, .. }), Some(_)) => None,
            // Refunds are settled by the refund resolver's status queries, linkings by their
            // own flow: such a notification is stored and changes nothing.
            (Ok(_), Some(_)) => Some("not_a_payment_event".to_owned()),
            (Err(rejection), Some(_)) => Some(format!("unverified_status_query: {rejection}")),
        };
        let mut tx = self.ledger.begin_write().await?;
        let stored = notifications::insert(
            &mut tx,
            &NewNotification {
                product,
                dedup_key: &dedup_key,
                received_at: now,
                verified: verified.is_ok(),
                headers: &headers,
                body: &body,
                payment_id: payment.as_ref().map(|p| p.id),
            },
        )
        .await?;
        if let (Some(id), Some(outcome)) = (stored, &settled) {
            notifications::mark_processed(&mut tx, id, now, outcome).await?;
        }
        if let (Some(id), Err(rejection), Some(named)) = (stored, verified, &payment) {
            // At most once per payment per window (see `status_query_due`).
            let subject = format!("payment:{}", named.reference.as_str());
            let detail = json!({ "product": product.key(), "notification": id, "rejection": rejection.to_string() });
            self.audit(
                &mut tx,
                None,
                "notification.unverified",
                &subject,
                AuditOutcome::Denied,
                detail,
            )
            .await?;
        }
        let earlier = match stored {
            Some(_) => None,
            None => notifications::by_key(&mut tx, product, &dedup_key).await?,
        };
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("notification.after_inbox_commit");
        let ours = payment.is_some();
        match (stored, earlier) {
            (Some(id), _) => match (verified, payment) {
                (Err(rejection), Some(payment)) => {
                    tracing::warn!(product = product.key(), %rejection, payment = payment.reference.as_str(), "unverified notification: querying the status instead");
                    self.spawn_check(payment);
                }
                _ if settled.is_none() => self.spawn_apply(id),
                _ => {}
            },
            (None, Some(row)) if row.processed_at.is_none() => {
                tracing::info!(product = product.key(), %dedup_key, "notification delivered again before it was applied: applying it now");
                self.spawn_apply(row.id);
            }
            (None, _) => {
                tracing::info!(product = product.key(), %dedup_key, "duplicate notification; stored once, applied once");
            }
        }
        Ok(ours)
    }

    /// Redacts the inbox rows stored before the inbox redacted what it stores: once, when the
    /// back office opens (its redaction key is loaded before, so no keychain call happens inside
    /// a write transaction). The file and its log are checkpointed after, so the text replaced
    /// is left in neither. Returns how many rows it redacted.
    pub(crate) async fn redact_stored_notifications(&self) -> AppResult<usize> {
        let key = self.local_keys.redaction.expose().as_slice();
        let (mut after, mut redacted) = (0, 0);
        loop {
            let rows = {
                let mut conn = self.ledger.read().await?;
                notifications::unredacted(&mut conn, after, REDACT_BATCH).await?
            };
            let Some(last) = rows.last() else { break };
            after = last.id;
            let mut tx = self.ledger.begin_write().await?;
            for row in &rows {
                let redactor = Redactor::new(key, Product::parse(&row.product).ok());
                // An unverified row's key was an unkeyed hash of its body: keyed now.
                let dedup_key = match row.dedup_key.strip_prefix("unverified:") {
                    Some(_) => {
                        format!("unverified:{}", hex_hmac(key, &[row.dedup_key.as_bytes()], 32))
                    }
                    None => row.dedup_key.clone(),
                };
                let redacted = notifications::Redacted {
                    dedup_key: &dedup_key,
                    headers: &redactor.stored_headers(&row.headers),
                    body: &redactor.body(&row.body),
                };
                notifications::set_redacted(&mut tx, row.id, &redacted).await?;
            }
            ovo_ledger::commit(tx).await?;
            redacted += rows.len();
        }
        if redacted > 0 {
            self.ledger.checkpoint().await?;
            tracing::info!(
                redacted,
                "notifications stored before redaction: secrets replaced by keyed hashes"
            );
        }
        Ok(redacted)
    }

    /// Audits that `source` was refused for its rate (once per address per window).
    async fn audit_rate_refusal(&self, source: IpAddr) -> AppResult<()> {
        let detail = json!({ "source": source.to_string(), "burst": limits::BURST, "per_second": limits::PER_SECOND });
        let mut tx = self.ledger.begin_write().await?;
        self.audit(
            &mut tx,
            None,
            "listener.rate_limited",
            "notification_listener",
            AuditOutcome::Denied,
            detail,
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    fn spawn_apply(self: &Arc<Self>, id: i64) {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let applied = this.claimed(Work::Notification, id, this.apply_notification(id));
            if let Err(e) = applied.await {
                tracing::warn!(error = %e, notification = id, "notification not applied; it is tried again");
            }
        });
    }

    /// Applies the stored notifications not applied yet: those whose back-off has passed, or
    /// with `all` every one (as at start). Returns how many were applied. `run_background`
    /// runs it; tests call it directly.
    pub async fn apply_notifications(&self, all: bool) -> AppResult<u32> {
        let rows = {
            let mut conn = self.ledger.read().await?;
            notifications::unapplied(&mut conn, (!all).then(|| self.now()), 100).await?
        };
        let mut applied = 0;
        for row in rows {
            match self.claimed(Work::Notification, row.id, self.apply_notification(row.id)).await {
                Ok(Some(true)) => applied += 1,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, notification = row.id, "notification not applied; it is tried again")
                }
            }
        }
        Ok(applied)
    }

    /// Applies one stored notification, idempotently: the provider's answer to a status query of
    /// its payment (the house rule: a notification alone never changes money state) is
    /// recorded and the row marked applied in one write transaction. Until the query answers,
    /// the row stays unapplied and is tried again after its back-off. Returns whether this
    /// call applied it.
    pub(crate) async fn apply_notification(&self, id: i64) -> AppResult<bool> {
        let row = {
            let mut conn = self.ledger.read().await?;
            notifications::get(&mut conn, id).await?
        };
        let Some(row) = row.filter(|r| r.processed_at.is_none()) else {
            return Ok(false);
        };
        let mark = InboxMark { id: row.id, dedup_key: row.dedup_key.clone() };
        let Some(payment_id) = row.payment_id else {
            let mut tx = self.ledger.begin_write().await?;
            let marked =
                notifications::mark_processed(&mut tx, id, self.now(), "no_payment").await?;
            ovo_ledger::commit(tx).await?;
            return Ok(marked);
        };
        let payment = self.payment_row(payment_id).await?;
        if payment.status == PaymentStatus::Succeeded {
            // Nothing a provider says about it changes a paid payment here (refunds do that).
            let mut tx = self.ledger.begin_write().await?;
            let marked =
                notifications::mark_processed(&mut tx, id, self.now(), "applied:succeeded").await?;
            ovo_ledger::commit(tx).await?;
            return Ok(marked);
        }
        let answer = match self.status_answer(&payment).await {
            Ok(Some(Ok(outcome))) => outcome,
            Ok(Some(Err(e))) => return self.defer_notification(&row, &e.to_string()).await,
            Ok(None) => {
                return self
                    .defer_notification(&row, "the payment's kind is not one this version knows")
                    .await
            }
            Err(e) => return self.defer_notification(&row, &e.message).await,
        };
        fail::fail_point!("notification.while_applying");
        self.apply_answer_marking(payment.id, Ok(answer), Origin::Notification, None, Some(&mark))
            .await?;
        fail::fail_point!("notification.after_applied_commit");
        let mut conn = self.ledger.read().await?;
        Ok(notifications::is_processed(&mut conn, id).await?)
    }

    async fn defer_notification(
        &self,
        row: &notifications::NotificationRow,
        error: &str,
    ) -> AppResult<bool> {
        let next = self.now().plus_millis(retry_delay_ms(row.attempts + 1));
        tracing::info!(notification = row.id, %error, "the status query confirming a notification did not answer; trying again later");
        let mut tx = self.ledger.begin_write().await?;
        notifications::defer(&mut tx, row.id, next, error).await?;
        ovo_ledger::commit(tx).await?;
        Ok(false)
    }

    fn spawn_check(self: &Arc<Self>, payment: ovo_ledger::payments::PaymentDetail) {
        if payment.status.is_final() {
            return;
        }
        let this = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(e) = this.check_payment(&payment).await {
                tracing::warn!(error = %e, "status query after a notification failed");
            }
        });
    }
}

/// The back-off of an inbox row after its `attempts`-th try did not apply it: 5 s, 30 s,
/// 2 min, 10 min, 30 min, then every hour.
fn retry_delay_ms(attempts: i64) -> i64 {
    const STEPS_MS: [i64; 5] = [5_000, 30_000, 120_000, 600_000, 1_800_000];
    usize::try_from(attempts - 1).ok().and_then(|i| STEPS_MS.get(i).copied()).unwrap_or(3_600_000)
}

/// What an unverified notification names: every string value of its JSON body (or form
/// fields, XML text, query parameters), and the references the product's values stand for,
/// looked up as a payment or provider reference.
fn named_in(inbound: &InboundRequest, client: &dyn Provider) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    if let Ok(value) = serde_json::from_str::<Value>(&inbound.body) {
        walk(&value, &mut out);
    } else if inbound.body.trim_start().starts_with('<') {
        out.extend(
            inbound
                .body
                .split(['<', '>'])
                .map(str::trim)
                .filter(|t| !t.is_empty() && !t.contains(['/', '=', ' ']))
                .map(str::to_owned),
        );
    } else {
        out.extend(form_values(&inbound.body));
    }
    if let Some((_, query)) = inbound.path_and_query.split_once('?') {
        out.extend(form_values(query));
    }
    let mapped: Vec<String> = out
        .iter()
        .filter_map(|v| client.reference_named(v))
        .map(|r| r.as_str().to_owned())
        .collect();
    out.extend(mapped);
    out.retain(|v| (4..=64).contains(&v.len()));
    out.truncate(40);
    out
}

fn form_values(text: &str) -> Vec<String> {
    text.split('&').filter_map(|pair| pair.split_once('=').map(|(_, v)| v.to_owned())).collect()
}

fn into_response(answer: InboundResponse) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let headers = [(axum::http::header::CONTENT_TYPE, answer.content_type)];
    (status, headers, answer.body.expose().clone()).into_response()
}

/// The address a request comes from. The listener listens on loopback only, so its peer is the
/// merchant's own reverse proxy or tunnel; the client that proxy saw is the last entry of
/// `X-Forwarded-For` (each proxy appends the peer it saw; earlier entries are the sender's
/// word). Without the header the request is local and the peer is the source.
fn source_of(peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .and_then(|last| last.trim().parse().ok())
        .filter(|_| peer.is_loopback())
        .unwrap_or(peer)
}

/// Refuses a request from a remote address past its rate (429), or one whose declared length
/// is over the limit (413), before its body is read. A body without a declared length is cut
/// at the limit as it is read (413 too).
async fn rate_limit(
    State(app): State<Weak<Backoffice>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let Some(app) = app.upgrade() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let source = source_of(peer.ip(), request.headers());
    let now = app.now();
    if !app.listener.limits.admit(source, now) {
        let (_, refused) = app.listener.limits.counts();
        if refused.is_power_of_two() {
            tracing::warn!(%source, refused, "notification listener: requests over the rate refused");
        }
        if app.listener.limits.audit_refusal(source, now) {
            tokio::spawn(async move {
                if let Err(e) = app.audit_rate_refusal(source).await {
                    tracing::warn!(error = %e, "the listener's refusal not audited");
                }
            });
        } else {
            drop(app);
        }
        let retry = [(axum::http::header::RETRY_AFTER, "1")];
        let problem = format!("too many requests from this address: at most {} at once, then {} a second; send it again later", limits::BURST, limits::PER_SECOND);
        return (StatusCode::TOO_MANY_REQUESTS, retry, problem).into_response();
    }
    drop(app);
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared.filter(|l| *l > MAX_BODY_BYTES as u64) {
        let problem =
            format!("the body is {length} bytes; a notification is at most {MAX_BODY_BYTES} bytes");
        return (StatusCode::PAYLOAD_TOO_LARGE, problem).into_response();
    }
    next.run(request).await
}

async fn receive(
    State(app): State<Weak<Backoffice>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(app) = app.upgrade() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let first = uri.path().trim_start_matches('/').split('/').next().unwrap_or_default();
    let Ok(product) = Product::parse(first) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(body) = String::from_utf8(body.to_vec()) else {
        let answer = InboundResponse::json(400, &json!({ "error": "the body is not UTF-8" }));
        return into_response(answer);
    };
    let inbound = InboundRequest {
        method: method.as_str().to_owned(),
        path_and_query: uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| uri.path().to_owned()),
        headers: headers
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_owned(), v.to_owned())))
            .collect(),
        body,
    };
    into_response(app.receive_notification(product, inbound).await)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::source_of;
    use axum::http::HeaderMap;

    #[test]
    fn the_source_is_the_client_the_local_proxy_saw() {
        let local = "127.0.0.1".parse().unwrap();
        let with = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append("x-forwarded-for", v.parse().unwrap());
            }
            headers
        };
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(source_of(local, &with(&[])), local);
        assert_eq!(source_of(local, &with(&["203.0.113.7"])), ip("203.0.113.7"));
        // What the sender wrote comes first; the proxy appends the peer it saw.
        assert_eq!(source_of(local, &with(&["1.2.3.4, 203.0.113.7"])), ip("203.0.113.7"));
        assert_eq!(source_of(local, &with(&["1.2.3.4", "198.51.100.2"])), ip("198.51.100.2"));
        assert_eq!(source_of(local, &with(&["not an address"])), local);
        let remote = ip("192.0.2.1");
        assert_eq!(source_of(remote, &with(&["203.0.113.7"])), remote);
    }
}
