//! Tazapay v3 payin with `ovo_idr` (`tazapay-ovo.md`): create / confirm / fetch / update /
//! cancel payins, create / fetch refunds, HTTP Basic authentication, idempotency keys,
//! signed webhooks with retries, and the seed guide's sandbox rules (house decision 2).
//! Behaviour and every choice made: `docs/tazapay_ovo_idr.md`.

pub mod sign;
mod wire;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::TimeDelta;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::core::clock;
use crate::core::import::{cash_split, ImportedPayment, ImportedRefundStatus, ImportedStatus};
use crate::core::notify::{Ack, Outbound, Tampered};
use crate::core::pending::{Decision, NewAction, Opened};
use crate::core::settlement::SettlementStyle;
use crate::core::wallets::{DebitError, PaySource, Split};
use crate::core::writes::WriteKind;
use crate::core::{Ctx, ProductSim, UnknownNotification};

use super::MerchantEntry;
use crate::core::lock;
use clock::now;
use wire::{new_id, Attempt, Payin, Refund};

pub const KEY: &str = "tazapay_ovo_idr";

/// The seed guide's sandbox outcome delay, from attempt creation (§15); also the push timeout.
const OUTCOME_DELAY: Duration = Duration::from_secs(70);
/// Refund settlement in the simulator (§15, §17 #7).
const REFUND_DELAY: Duration = Duration::from_secs(60);
/// An idempotency key is valid 24 h from its first execution (§3).
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);
/// Webhook retries after a failed delivery: 1 min, 5 min, 30 min (§10, house default).
const WEBHOOK_RETRIES: [Duration; 3] =
    [Duration::from_secs(60), Duration::from_secs(300), Duration::from_secs(1800)];
/// The seed guide's test phone, which bypasses phone validation (§15).
const TEST_PHONE: (&str, &str) = ("62", "0123456789");
/// Simulator-only code for payin validation errors, whose real codes are unknown (§13).
const SIM_CODE: u32 = 99000;

/// Events sent unless the merchant lists its own subscription (§10, "Default subscription On").
const DEFAULT_EVENTS: [&str; 8] = [
    "payin.requires_payment_method",
    "payin.requires_action",
    "payin.processing",
    "payin.succeeded",
    "payment_attempt.failed",
    "refund.pending",
    "refund.succeeded",
    "refund.failed",
];

/// One `[[tazapay_ovo_idr]]` entry of the merchants file.
#[derive(Debug, Clone, Deserialize)]
pub struct MerchantConfig {
    #[serde(default = "default_name")]
    pub name: String,
    pub api_key: String,
    pub api_secret: String,
    /// Dashboard → Settings → Webhooks secret (§10.1).
    pub webhook_secret: String,
    /// Dashboard-configured webhook endpoint; absent = only per-object `webhook_url`s.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Subscribed event types; absent = the default-on events of §10.
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// Amounts (minor units) whose attempts fail 70 s after creation (§15: `{10000000}`).
    #[serde(default = "default_fail_amounts")]
    pub fail_amounts: Vec<i64>,
    /// Reject phones with no OVO account at confirm with HTTP 400 (§15).
    #[serde(default)]
    pub strict_phone: bool,
    /// HD 1 overrides: partial refunds (default no), window in days (default none), daily limit in IDR.
    #[serde(default)]
    pub partial_refunds: bool,
    #[serde(default)]
    pub refund_window_days: Option<u32>,
    #[serde(default)]
    pub refund_daily_limit_idr: Option<i64>,
    #[serde(default = "default_holding")]
    pub holding_currency: String,
}

fn default_name() -> String {
    "Tazapay merchant".into()
}
fn default_fail_amounts() -> Vec<i64> {
    vec![10_000_000]
}
fn default_holding() -> String {
    "IDR".into()
}

impl MerchantConfig {
    fn subscribed(&self, event: &str) -> bool {
        match &self.events {
            Some(list) => list.iter().any(|e| e == event),
            None => DEFAULT_EVENTS.contains(&event),
        }
    }
}

#[derive(Debug)]
struct Stored {
    endpoint: String,
    body: Value,
    at: Instant,
    /// The write it processed, counted again as a replay when the answer is replayed.
    write: Option<(WriteKind, String)>,
}

#[derive(Debug, Default)]
struct TazapayState {
    payins: BTreeMap<String, Payin>,
    attempts: BTreeMap<String, Attempt>,
    refunds: BTreeMap<String, Refund>,
    /// (api_key, Idempotency-Key) → the stored 2xx answer.
    idempotency: HashMap<(String, String), Stored>,
}

/// The product: state survives route rebuilding and is forgotten on reset.
#[derive(Debug, Default)]
pub struct Tazapay {
    state: Arc<Mutex<TazapayState>>,
    /// The handlers' view, built once for imports.
    import_app: std::sync::OnceLock<TazapaySim>,
}

impl ProductSim for Tazapay {
    fn key(&self) -> &'static str {
        KEY
    }
    fn notification_fields(&self, url: &str) -> Vec<(&'static str, String)> {
        vec![("webhook_url", url.to_owned())]
    }

    fn routes(&self, ctx: Ctx) -> Router {
        let app = TazapaySim::new(ctx, self.state.clone());
        Router::new()
            .route("/v3/payin", post(create_payin))
            .route("/v3/payin/{id}", get(fetch_payin).put(update_payin))
            .route("/v3/payin/{id}/confirm", post(confirm_payin))
            .route("/v3/payin/{id}/cancel", post(cancel_payin))
            .route("/v3/refund", post(create_refund))
            .route("/v3/refund/{id}", get(fetch_refund))
            .with_state(app)
    }

    fn control_routes(&self, ctx: Ctx) -> Router {
        let app = TazapaySim::new(ctx, self.state.clone());
        Router::new()
            .route("/_sandbox/tazapay_ovo_idr/payins", get(control_list))
            .route("/_sandbox/tazapay_ovo_idr/payins/{id}", get(control_payin))
            .with_state(app)
    }

    fn reset(&self) {
        *lock(&self.state) = TazapayState::default();
    }

    fn settlement_style(&self) -> SettlementStyle {
        SettlementStyle::Tazapay
    }

    /// §13: `101 something went wrong`.
    fn server_error(&self, _endpoint: &str, status: u16) -> Response {
        let http = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::new(http, 101, "something went wrong").into_response()
    }

    /// `payin.succeeded` for a payin whose `reference_id` is the given reference, never created here.
    fn notify_unknown(&self, ctx: &Ctx, request: &UnknownNotification) -> Result<Value, String> {
        let app = self.import_app.get_or_init(|| TazapaySim::new(ctx.clone(), self.state.clone()));
        let merchant = app.merchant_or_first(request.merchant.as_deref(), KEY)?.clone();
        if merchant.webhook_url.as_deref().is_none_or(str::is_empty) {
            return Err("this tazapay_ovo_idr merchant has no webhook_url".into());
        }
        let minor = request.amount.checked_mul(100).ok_or("amount too large")?;
        let mut payin = Payin::new(&merchant, minor, format!("Payment {}", request.reference));
        payin.reference_id.clone_from(&request.reference);
        payin.status = "succeeded".into();
        payin.amount_paid = minor;
        payin.confirm = true;
        app.notify(&merchant, "payin.succeeded", payin.json(&TazapayState::default()), None);
        Ok(json!({ "product": KEY, "reference_id": request.reference, "payin": payin.id }))
    }

    /// A payin with one payment attempt; a pending refund finishes on the usual schedule.
    fn import(&self, ctx: &Ctx, p: &ImportedPayment) -> Result<(), String> {
        let app = self.import_app.get_or_init(|| TazapaySim::new(ctx.clone(), self.state.clone()));
        let merchant = app.merchant_or_first(p.merchant.as_deref(), KEY)?.clone();
        let id = p.provider_ref.clone().ok_or("a Tazapay payin needs its id (pay_…)")?;
        if !id.starts_with("pay_") {
            return Err("a payin id starts with pay_".into());
        }
        let created = p.created();
        let paid = p.status == ImportedStatus::Succeeded;
        let (payin_status, attempt_status, description) = match p.status {
            ImportedStatus::Succeeded => ("succeeded", "succeeded", ""),
            ImportedStatus::Pending => ("requires_action", "requires_action", ""),
            ImportedStatus::Failed => ("requires_payment_method", "failed", "payment declined"),
            ImportedStatus::Expired => ("requires_payment_method", "failed", "expired"),
        };
        let mut payin = Payin::new(&merchant, p.amount * 100, String::new());
        payin.id = id.clone();
        payin.reference_id = p.reference.clone();
        payin.created_at = created;
        payin.status = payin_status.into();
        payin.confirm = true;
        payin.amount_paid = if paid { payin.amount } else { 0 };
        payin.payment_method_details = json!({ "type": "ovo_idr", "ovo_idr": { "phone": { "calling_code": "62", "number": &p.phone[2..] } } });
        let refunded: i64 = p
            .refunds
            .iter()
            .filter(|r| r.status == ImportedRefundStatus::Succeeded)
            .map(|r| r.amount)
            .sum();
        let attempt = Attempt {
            id: new_id("pat_"),
            payin: id.clone(),
            amount: payin.amount,
            phone: json!({ "calling_code": "62", "number": &p.phone[2..] }),
            wallet_phone: Some(p.phone.clone()),
            status: attempt_status.into(),
            status_description: description.into(),
            created_at: created,
            expires_at: created + TimeDelta::days(5),
            action_id: None,
            split: paid.then(|| cash_split(p.amount)),
            refunded_split: cash_split(refunded),
            refunded: refunded > 0,
            paid_at: paid.then(|| p.paid().unwrap_or(created)),
        };
        payin.latest_attempt = attempt.id.clone();
        payin.attempts.push(attempt.id.clone());
        let mut pending = Vec::new();
        {
            let mut st = app.lock();
            if st.payins.contains_key(&id) {
                return Err("a payin with this id exists".into());
            }
            for r in &p.refunds {
                let rfd = r.provider_ref.clone().ok_or("a Tazapay refund needs its id (rfd_…)")?;
                let status = match r.status {
                    ImportedRefundStatus::Succeeded => "succeeded",
                    ImportedRefundStatus::Pending => {
                        pending.push(rfd.clone());
                        "pending"
                    }
                };
                st.refunds.insert(
                    rfd.clone(),
                    Refund {
                        id: rfd,
                        merchant: merchant.api_key.clone(),
                        payin: id.clone(),
                        attempt: attempt.id.clone(),
                        amount: r.amount * 100,
                        currency: "IDR".into(),
                        holding_currency: merchant.holding_currency.clone(),
                        reason: String::new(),
                        metadata: Value::Null,
                        reference_id: r.reference.clone(),
                        remarks: String::new(),
                        status: status.into(),
                        status_description: String::new(),
                        webhook_url: None,
                        created_at: clock::from_unix_millis(r.at),
                    },
                );
            }
            ctx.settlements().imported(KEY, p, &p.reference, &id);
            st.attempts.insert(attempt.id.clone(), attempt);
            st.payins.insert(id, payin);
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            for rfd in pending {
                app.spawn_refund(rfd);
            }
        }
        Ok(())
    }
}

type TazapaySim = super::Sim<TazapayState, MerchantConfig>;

/// A Tazapay error answer (§5, §12, §13).
#[derive(Debug)]
struct ApiError {
    http: StatusCode,
    code: u32,
    message: String,
}

impl ApiError {
    fn new(http: StatusCode, code: u32, message: impl Into<String>) -> ApiError {
        ApiError { http, code, message: message.into() }
    }
    fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, SIM_CODE, message)
    }
    fn refund(code: u32, message: impl Into<String>) -> ApiError {
        let http = if code == 30009 { StatusCode::CONFLICT } else { StatusCode::BAD_REQUEST };
        ApiError::new(http, code, message)
    }
    fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, 105, format!("{what} not found"))
    }
    fn bad_path(what: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, 103, format!("invalid URL path parameter: {what}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "status": "error",
            "message": self.message,
            "errors": [{ "code": self.code, "message": self.message, "remarks": "" }],
        });
        (self.http, Json(body)).into_response()
    }
}

fn success(data: Value) -> Response {
    (StatusCode::OK, Json(json!({ "status": "success", "message": "", "data": data })))
        .into_response()
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, 100, format!("JSON decode failure: {e}"))
    })
}

fn valid_url(url: &str) -> bool {
    reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// The money write a successful POST processed, per our reference (`reference_id`, or the
/// object's id without one): a payin create is `<reference_id>`, a later confirm
/// `<reference_id>/attempt-<n>` (n counts the payin's attempts), a refund its own `reference_id`.
fn written(endpoint: &str, data: &Value) -> Option<(WriteKind, String)> {
    let field = |name: &str| data.get(name).and_then(Value::as_str).filter(|v| !v.is_empty());
    let reference = field("reference_id").or_else(|| field("id"))?.to_owned();
    match endpoint {
        "/v3/payin" => Some((WriteKind::Payment, reference)),
        "/v3/payin/{id}/confirm" => {
            let attempts =
                data.get("payment_attempts").and_then(Value::as_array).map_or(0, Vec::len);
            Some((WriteKind::Payment, format!("{reference}/attempt-{attempts}")))
        }
        "/v3/refund" => Some((WriteKind::Refund, reference)),
        _ => None,
    }
}

/// What the customer's side decided about one attempt.
#[derive(Debug)]
enum Outcome {
    Succeed,
    Debit { phone: String, source: PaySource },
    Fail(String),
}

/// How an attempt ends.
#[derive(Debug)]
enum Plan {
    /// The seed guide's rule: the outcome 70 s after creation (§15).
    Timed { fail: bool },
    /// OVO refused the push at once (no account, blocked, limit, balance).
    Refused(String),
    /// A push on the customer's phone; the customer decides within 70 s.
    Push { opened: Opened, phone: String },
}

fn debit_reason(e: DebitError) -> String {
    match e {
        DebitError::NoAccount => "invalid phone number: no OVO account",
        DebitError::Blocked => "ovo account blocked",
        DebitError::LimitExceeded => "ovo transaction limit exceeded",
        DebitError::Insufficient => "insufficient balance",
        DebitError::InvalidAmount => "invalid amount",
    }
    .into()
}

impl MerchantEntry for MerchantConfig {
    fn id(&self) -> &str {
        &self.api_key
    }
}

impl TazapaySim {
    fn new(ctx: Ctx, state: Arc<Mutex<TazapayState>>) -> TazapaySim {
        TazapaySim::from_file(ctx, state, KEY)
    }

    /// HTTP Basic (§2): codes 109 / 108 / 111.
    fn authenticate(&self, headers: &HeaderMap) -> Result<MerchantConfig, ApiError> {
        let header = headers.get("authorization").map(|v| v.to_str().unwrap_or("\u{0}"));
        let refuse =
            |e: sign::AuthError| ApiError::new(StatusCode::UNAUTHORIZED, e.code(), e.message());
        let (key, secret) = sign::decode_basic(header).map_err(refuse)?;
        let mut found = None;
        for m in self.merchants.iter() {
            if sign::same_secret(&key, &m.api_key) & sign::same_secret(&secret, &m.api_secret) {
                found = Some(m.clone());
            }
        }
        found.ok_or_else(|| refuse(sign::AuthError::BadKey))
    }

    /// Runs a GET: authenticated, no idempotency (§3).
    fn read(
        &self,
        headers: &HeaderMap,
        f: impl FnOnce(&TazapayState, &MerchantConfig) -> Result<Value, ApiError>,
    ) -> Response {
        let merchant = match self.authenticate(headers) {
            Ok(m) => m,
            Err(e) => return e.into_response(),
        };
        let st = self.lock();
        match f(&st, &merchant) {
            Ok(data) => success(data),
            Err(e) => e.into_response(),
        }
    }

    /// Runs a POST/PUT: authenticated; a POST with `Idempotency-Key` replays a stored 2xx
    /// answer for 24 h (scaled); errors are not stored (§3).
    fn write(
        &self,
        headers: &HeaderMap,
        endpoint: &str,
        idempotent: bool,
        f: impl FnOnce(&TazapaySim, &mut TazapayState, &MerchantConfig) -> Result<Value, ApiError>,
    ) -> Response {
        let merchant = match self.authenticate(headers) {
            Ok(m) => m,
            Err(e) => return e.into_response(),
        };
        let key = match headers.get("idempotency-key").map(|v| v.to_str().map(str::to_owned)) {
            Some(Ok(k)) if idempotent && !k.is_empty() && k.len() <= 255 => Some(k),
            Some(_) if idempotent => {
                return ApiError::invalid("Idempotency-Key must be 1 to 255 characters")
                    .into_response()
            }
            _ => None,
        };
        let mut st = self.lock();
        let ttl = self.ctx.scale().scaled(IDEMPOTENCY_TTL);
        st.idempotency.retain(|_, s| s.at.elapsed() < ttl);
        let slot = key.map(|k| (merchant.api_key.clone(), k));
        if let Some(stored) = slot.as_ref().and_then(|s| st.idempotency.get(s)) {
            if stored.endpoint != endpoint {
                return ApiError::invalid(format!(
                    "Idempotency-Key already used for {}",
                    stored.endpoint
                ))
                .into_response();
            }
            if let Some((kind, reference)) = &stored.write {
                self.ctx.writes().replayed(KEY, *kind, reference);
            }
            let mut response = success(stored.body.clone());
            response.headers_mut().insert(
                "x-sandbox-idempotent-replay",
                axum::http::HeaderValue::from_static("true"),
            );
            return response;
        }
        match f(self, &mut st, &merchant) {
            Ok(data) => {
                let write = written(endpoint, &data);
                if let Some((kind, reference)) = &write {
                    self.ctx.writes().processed(KEY, *kind, reference);
                }
                if let Some(slot) = slot {
                    st.idempotency.insert(
                        slot,
                        Stored {
                            endpoint: endpoint.to_owned(),
                            body: data.clone(),
                            at: Instant::now(),
                            write,
                        },
                    );
                }
                success(data)
            }
            Err(e) => e.into_response(),
        }
    }

    /// Sends one event to the object's `webhook_url` and the dashboard endpoint (§10).
    fn notify(
        &self,
        merchant: &MerchantConfig,
        event: &str,
        data: Value,
        object_url: Option<&str>,
    ) {
        if !merchant.subscribed(event) {
            return;
        }
        let mut urls: Vec<&str> = Vec::new();
        for url in [object_url, merchant.webhook_url.as_deref()].into_iter().flatten() {
            if !url.is_empty() && !urls.contains(&url) {
                urls.push(url);
            }
        }
        if urls.is_empty() {
            return;
        }
        let id = new_id("evt_");
        let created_at = wire::event_time(now());
        let body = json!({ "type": event, "created_at": created_at, "data": data, "id": id, "object": "event" }).to_string();
        let signature =
            sign::webhook_signature(&merchant.webhook_secret, &id, body.as_bytes(), &created_at);
        let wrong = sign::webhook_signature(
            &format!("{}-tampered", merchant.webhook_secret),
            &id,
            body.as_bytes(),
            &created_at,
        );
        let headers = |sig: String| {
            vec![
                ("content-type".to_owned(), "application/json".to_owned()),
                ("signature".to_owned(), sig),
            ]
        };
        for url in urls {
            self.ctx.notifier().send(Outbound {
                product: KEY,
                kind: event.to_owned(),
                url: url.to_owned(),
                method: reqwest::Method::POST,
                headers: headers(signature.clone()),
                body: body.clone(),
                retries: WEBHOOK_RETRIES.to_vec(),
                tampered: Some(Tampered {
                    url: url.to_owned(),
                    headers: headers(wrong.clone()),
                    body: body.clone(),
                }),
                ack: Ack::Http2xx,
                prepare: None,
            });
        }
    }

    fn spawn_attempt(&self, pat: String, plan: Plan) {
        let app = self.clone();
        tokio::spawn(async move {
            let outcome = match plan {
                Plan::Timed { fail } => {
                    app.ctx.scale().sleep(OUTCOME_DELAY).await;
                    if fail {
                        Outcome::Fail("expired".into())
                    } else {
                        Outcome::Succeed
                    }
                }
                Plan::Refused(reason) => Outcome::Fail(reason),
                Plan::Push { opened: Opened { id, decision }, phone } => {
                    match tokio::time::timeout(app.ctx.scale().scaled(OUTCOME_DELAY), decision)
                        .await
                    {
                        Ok(Ok(Decision::Approve { source })) => Outcome::Debit { phone, source },
                        Ok(Ok(Decision::Decline)) => Outcome::Fail("declined by customer".into()),
                        Ok(Err(_)) | Err(_) => {
                            app.ctx.pending().withdraw(&id);
                            Outcome::Fail("expired".into())
                        }
                    }
                }
            };
            app.finish_attempt(&pat, outcome);
        });
    }

    /// Ends an attempt (if it is still waiting): money moves, states change, events go.
    fn finish_attempt(&self, pat: &str, outcome: Outcome) {
        let mut st = self.lock();
        let Some(attempt) = st.attempts.get(pat) else { return };
        if attempt.status != "requires_action" {
            return;
        }
        let payin_id = attempt.payin.clone();
        let Some(payin) = st.payins.get(&payin_id) else { return };
        let Some(merchant) = self.merchant(&payin.merchant).cloned() else { return };
        let rupiah = payin.amount / 100;
        let outcome = match outcome {
            Outcome::Debit { phone, source } => {
                match self.ctx.wallets().debit(&phone, rupiah, source) {
                    Ok(split) => Ok(Some(split)),
                    Err(e) => Err(debit_reason(e)),
                }
            }
            Outcome::Succeed => Ok(None),
            Outcome::Fail(reason) => Err(reason),
        };
        // A success_after_failure drill: the money moved, but the records say failed for now.
        let late =
            if outcome.is_ok() { self.ctx.faults().take_success_after_failure(KEY) } else { None };
        let succeeded = outcome.is_ok() && late.is_none();
        if let Some(attempt) = st.attempts.get_mut(pat) {
            match outcome {
                Ok(split) if late.is_some() => {
                    attempt.status = "failed".into();
                    attempt.status_description = "payment failed".into();
                    attempt.split = split;
                }
                Ok(split) => {
                    attempt.status = "succeeded".into();
                    attempt.split = split;
                    attempt.paid_at = Some(now());
                }
                Err(reason) => {
                    attempt.status = "failed".into();
                    attempt.status_description = reason;
                }
            }
        }
        if let Some(payin) = st.payins.get_mut(&payin_id) {
            if payin.status == "requires_action" && payin.latest_attempt == pat {
                if succeeded {
                    payin.status = "succeeded".into();
                    payin.amount_paid = payin.amount;
                } else {
                    payin.status = "requires_payment_method".into();
                }
            }
        }
        let st = &*st;
        let (Some(payin), Some(attempt)) = (st.payins.get(&payin_id), st.attempts.get(pat)) else {
            return;
        };
        let url = payin.webhook_url.clone();
        if succeeded {
            self.record_settled(payin, attempt);
            self.notify(
                &merchant,
                "payment_attempt.succeeded",
                attempt.json(payin),
                url.as_deref(),
            );
            self.notify(&merchant, "payin.succeeded", payin.json(st), url.as_deref());
        } else {
            self.notify(&merchant, "payment_attempt.failed", attempt.json(payin), url.as_deref());
            self.notify(&merchant, "payin.requires_payment_method", payin.json(st), url.as_deref());
        }
        if let Some(wait) = late {
            let (app, pat) = (self.clone(), pat.to_owned());
            tokio::spawn(async move {
                app.ctx.scale().sleep(wait).await;
                app.turn_successful(&pat);
            });
        }
    }

    /// The late half of `success_after_failure`: the failed attempt, and its payin if it is
    /// still waiting for a payment method, become succeeded; the success events go out.
    fn turn_successful(&self, pat: &str) {
        let mut st = self.lock();
        let Some(attempt) = st.attempts.get_mut(pat).filter(|a| a.status == "failed") else {
            return;
        };
        attempt.status = "succeeded".into();
        attempt.status_description = String::new();
        attempt.paid_at = Some(now());
        let payin_id = attempt.payin.clone();
        if let Some(payin) = st
            .payins
            .get_mut(&payin_id)
            .filter(|p| p.latest_attempt == pat && p.status == "requires_payment_method")
        {
            payin.status = "succeeded".into();
            payin.amount_paid = payin.amount;
        }
        let st = &*st;
        let (Some(payin), Some(attempt)) = (st.payins.get(&payin_id), st.attempts.get(pat)) else {
            return;
        };
        self.record_settled(payin, attempt);
        let Some(merchant) = self.merchant(&payin.merchant).cloned() else { return };
        let url = payin.webhook_url.clone();
        self.notify(&merchant, "payment_attempt.succeeded", attempt.json(payin), url.as_deref());
        if payin.status == "succeeded" {
            self.notify(&merchant, "payin.succeeded", payin.json(st), url.as_deref());
        }
    }

    /// An attempt that succeeded, for the settlement files (at its `paid_at`).
    fn record_settled(&self, payin: &Payin, attempt: &Attempt) {
        let at = attempt.paid_at.unwrap_or_else(now);
        let rupiah = attempt.amount / 100;
        self.ctx.settlements().payment(KEY, &payin.reference_id, rupiah, at, &payin.id);
    }

    fn spawn_refund(&self, rfd: String) {
        let app = self.clone();
        tokio::spawn(async move {
            app.ctx.scale().sleep(REFUND_DELAY).await;
            app.settle_refund(&rfd);
        });
    }

    /// Refunds return to where the money came from: cash first, then points.
    fn settle_refund(&self, rfd: &str) {
        let mut st = self.lock();
        let Some(refund) = st.refunds.get(rfd) else { return };
        if refund.status != "pending" {
            return;
        }
        let (pat, amount) = (refund.attempt.clone(), refund.amount);
        let Some(attempt) = st.attempts.get(&pat) else { return };
        let outcome = match (&attempt.wallet_phone, attempt.split) {
            (Some(phone), Some(split)) => {
                let rupiah = amount / 100;
                let cash = rupiah.min(split.cash - attempt.refunded_split.cash);
                let back = Split { cash, points: rupiah - cash };
                self.ctx.wallets().credit(phone, back).map(|()| back).map_err(debit_reason)
            }
            _ => Ok(Split::default()),
        };
        let succeeded = outcome.is_ok();
        if let Some(attempt) = st.attempts.get_mut(&pat) {
            if let Ok(back) = outcome {
                attempt.refunded_split.cash += back.cash;
                attempt.refunded_split.points += back.points;
                attempt.refunded = true;
            }
        }
        let Some(refund) = st.refunds.get_mut(rfd) else { return };
        match &outcome {
            Ok(_) => refund.status = "succeeded".into(),
            Err(reason) => {
                refund.status = "failed".into();
                refund.status_description = reason.clone();
            }
        }
        let refund = refund.clone();
        if succeeded {
            let reference = st.payins.get(&refund.payin).map(|p| p.reference_id.as_str());
            let (reference, rupiah) = (reference.unwrap_or_default(), refund.amount / 100);
            self.ctx.settlements().refund(KEY, reference, rupiah, now());
        }
        let Some(merchant) = self.merchant(&refund.merchant).cloned() else { return };
        let event = if succeeded { "refund.succeeded" } else { "refund.failed" };
        self.notify(&merchant, event, refund.json(), refund.webhook_url.as_deref());
    }
}

// ---------------------------------------------------------------------------------------
// Requests (§6, §7, §11). Every field optional here; type errors are code 100.

#[derive(Debug, Deserialize)]
struct WirePhone {
    calling_code: Option<String>,
    number: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OvoDetails {
    phone: Option<WirePhone>,
}

#[derive(Debug, Deserialize)]
struct MethodDetails {
    #[serde(rename = "type")]
    kind: Option<String>,
    ovo_idr: Option<OvoDetails>,
}

/// The confirm fields, also accepted by create (§6, §7).
#[derive(Debug, Default, Deserialize)]
struct ConfirmFields {
    customer_details: Option<Value>,
    success_url: Option<String>,
    cancel_url: Option<String>,
    payment_method_details: Option<Value>,
    customer: Option<String>,
    shipping_details: Option<Value>,
    billing_details: Option<Value>,
    transaction_documents: Option<Value>,
    metadata: Option<Value>,
    reference_id: Option<String>,
    statement_descriptor: Option<String>,
    session_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CreateReq {
    amount: Option<i64>,
    invoice_currency: Option<String>,
    transaction_description: Option<String>,
    webhook_url: Option<String>,
    payment_methods: Option<Vec<String>>,
    confirm: Option<bool>,
    items: Option<Value>,
    #[serde(flatten)]
    fields: ConfirmFields,
}

#[derive(Debug, Deserialize)]
struct UpdateReq {
    amount: Option<Value>,
    invoice_currency: Option<Value>,
    transaction_description: Option<String>,
    webhook_url: Option<String>,
    #[serde(flatten)]
    fields: ConfirmFields,
}

#[derive(Debug, Deserialize)]
struct RefundReq {
    payin: Option<String>,
    payment_attempt: Option<String>,
    amount: Option<i64>,
    currency: Option<String>,
    reason: Option<String>,
    webhook_url: Option<String>,
    metadata: Option<Value>,
    reference_id: Option<String>,
    remarks: Option<String>,
    source: Option<String>,
}

/// Copies the optional confirm/update fields onto the payin.
fn apply_fields(payin: &mut Payin, f: &ConfirmFields) -> Result<(), ApiError> {
    for url in [&f.success_url, &f.cancel_url].into_iter().flatten() {
        if !url.is_empty() && !valid_url(url) {
            return Err(ApiError::invalid(format!("invalid URL {url:?}")));
        }
    }
    let set = |target: &mut Value, v: &Option<Value>| {
        if let Some(v) = v {
            *target = v.clone();
        }
    };
    set(&mut payin.customer_details, &f.customer_details);
    set(&mut payin.shipping_details, &f.shipping_details);
    set(&mut payin.billing_details, &f.billing_details);
    set(&mut payin.transaction_documents, &f.transaction_documents);
    set(&mut payin.metadata, &f.metadata);
    let set_s = |target: &mut String, v: &Option<String>| {
        if let Some(v) = v {
            target.clone_from(v);
        }
    };
    set_s(&mut payin.success_url, &f.success_url);
    set_s(&mut payin.cancel_url, &f.cancel_url);
    set_s(&mut payin.reference_id, &f.reference_id);
    set_s(&mut payin.statement_descriptor, &f.statement_descriptor);
    set_s(&mut payin.session_id, &f.session_id);
    if let Some(c) = &f.customer {
        if !c.starts_with("cus_") {
            return Err(ApiError::invalid("customer must be a cus_… id"));
        }
        payin.customer.clone_from(c);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Handlers

async fn create_payin(State(app): State<TazapaySim>, headers: HeaderMap, body: Bytes) -> Response {
    app.write(&headers, "/v3/payin", true, |app, st, merchant| {
        let req: CreateReq = decode(&body)?;
        let amount = req.amount.ok_or_else(|| ApiError::invalid("amount is required"))?;
        if amount <= 0 {
            return Err(ApiError::invalid("amount must be greater than 0"));
        }
        if amount % 100 != 0 {
            return Err(ApiError::invalid("ovo_idr charges whole rupiah: amount (2 implied decimals) must be a multiple of 100"));
        }
        match req.invoice_currency.as_deref() {
            Some("IDR") => {}
            None => return Err(ApiError::invalid("invoice_currency is required")),
            Some(other) => return Err(ApiError::invalid(format!("invoice_currency {other:?} is not supported for ovo_idr; use IDR"))),
        }
        let description = req.transaction_description.filter(|d| !d.trim().is_empty()).ok_or_else(|| ApiError::invalid("transaction_description is required"))?;
        if let Some(url) = req.webhook_url.as_deref().filter(|u| !u.is_empty() && !valid_url(u)) {
            return Err(ApiError::invalid(format!("invalid webhook_url {url:?}")));
        }
        if let Some(methods) = &req.payment_methods {
            if !methods.iter().any(|m| m == "ovo_idr") {
                return Err(ApiError::invalid("this sandbox serves ovo_idr only; payment_methods must include it"));
            }
        }
        let mut payin = Payin::new(merchant, amount, description);
        payin.webhook_url = req.webhook_url.filter(|u| !u.is_empty());
        payin.payment_methods = req.payment_methods;
        payin.items = req.items.unwrap_or_else(|| json!([]));
        apply_fields(&mut payin, &req.fields)?;
        if let Some(pmd) = &req.fields.payment_method_details {
            payin.payment_method_details = pmd.clone();
        }
        let id = payin.id.clone();
        let url = payin.webhook_url.clone();
        st.payins.insert(id.clone(), payin);
        if req.confirm == Some(true) {
            if let Err(e) = confirm(app, st, merchant, &id) {
                st.payins.remove(&id);
                return Err(e);
            }
        } else if let Some(p) = st.payins.get(&id) {
            app.notify(merchant, "payin.created", p.json(st), url.as_deref());
        }
        st.payins.get(&id).map(|p| p.json(st)).ok_or_else(|| ApiError::not_found("payin"))
    })
}

/// Looks a merchant's payin up by path id: 103 for a malformed id, 105 if unknown.
fn find_payin<'a>(
    st: &'a TazapayState,
    merchant: &MerchantConfig,
    id: &str,
) -> Result<&'a Payin, ApiError> {
    if !id.starts_with("pay_") {
        return Err(ApiError::bad_path("payin id must start with pay_"));
    }
    st.payins
        .get(id)
        .filter(|p| p.merchant == merchant.api_key)
        .ok_or_else(|| ApiError::not_found("payin"))
}

async fn confirm_payin(
    State(app): State<TazapaySim>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    app.write(&headers, "/v3/payin/{id}/confirm", true, |app, st, merchant| {
        let fields: ConfirmFields = if body.iter().all(u8::is_ascii_whitespace) {
            ConfirmFields::default()
        } else {
            decode(&body)?
        };
        let payin = find_payin(st, merchant, &id)?;
        if payin.status != "requires_payment_method" {
            return Err(ApiError::invalid(format!(
                "payin cannot be confirmed in status {}",
                payin.status
            )));
        }
        let mut updated = payin.clone();
        apply_fields(&mut updated, &fields)?;
        if let Some(pmd) = &fields.payment_method_details {
            updated.payment_method_details = pmd.clone();
        }
        st.payins.insert(id.clone(), updated);
        confirm(app, st, merchant, &id)?;
        st.payins.get(&id).map(|p| p.json(st)).ok_or_else(|| ApiError::not_found("payin"))
    })
}

/// Starts a payment attempt on a payin in `requires_payment_method` (§7, §15).
fn confirm(
    app: &TazapaySim,
    st: &mut TazapayState,
    merchant: &MerchantConfig,
    id: &str,
) -> Result<(), ApiError> {
    let payin = st.payins.get(id).ok_or_else(|| ApiError::not_found("payin"))?;
    if payin.payment_method_details.is_null() {
        return Err(ApiError::invalid("payment_method_details is required"));
    }
    let details: MethodDetails = serde_json::from_value(payin.payment_method_details.clone())
        .map_err(|e| {
            ApiError::new(StatusCode::BAD_REQUEST, 100, format!("JSON decode failure: {e}"))
        })?;
    match details.kind.as_deref() {
        Some("ovo_idr") => {}
        None => return Err(ApiError::invalid("payment_method_details.type is required")),
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "payment method {other:?} is not served by this sandbox; use ovo_idr"
            )))
        }
    }
    let phone = details
        .ovo_idr
        .and_then(|o| o.phone)
        .ok_or_else(|| ApiError::invalid("payment_method_details.ovo_idr.phone is required"))?;
    let (Some(code), Some(number)) = (phone.calling_code, phone.number) else {
        return Err(ApiError::invalid("ovo_idr.phone needs calling_code and number"));
    };
    let test_phone = (code.as_str(), number.as_str()) == TEST_PHONE;
    if !test_phone {
        if code != "62" {
            return Err(ApiError::invalid("ovo_idr.phone.calling_code must be \"62\""));
        }
        if number.is_empty()
            || !number.chars().all(|c| c.is_ascii_digit())
            || number.starts_with('0')
            || number.starts_with("62")
        {
            return Err(ApiError::invalid(
                "ovo_idr.phone.number must be digits, without the leading 0 or the country code",
            ));
        }
    }
    let canonical = crate::core::phone::canonical(&format!("62{number}"));
    let account = canonical.as_deref().and_then(|p| app.ctx.wallets().get(p));
    if !test_phone && account.is_none() && merchant.strict_phone {
        return Err(ApiError::invalid("invalid phone number: no OVO account"));
    }
    let rupiah = payin.amount / 100;
    let fail_amount = merchant.fail_amounts.contains(&payin.amount);
    let plan = if test_phone || fail_amount {
        Plan::Timed { fail: fail_amount }
    } else {
        match (&canonical, &account) {
            (Some(phone), Some(_)) => {
                match app.ctx.wallets().check(phone, rupiah, PaySource::PointsFirst) {
                    Err(e) => Plan::Refused(debit_reason(e)),
                    Ok(_) => {
                        let opened = app.ctx.pending().open(
                            app.ctx.wallets(),
                            NewAction::push(
                                KEY,
                                phone.clone(),
                                rupiah,
                                merchant.name.clone(),
                                payin.transaction_description.clone(),
                            ),
                        );
                        Plan::Push { opened, phone: phone.clone() }
                    }
                }
            }
            _ => Plan::Refused(debit_reason(DebitError::NoAccount)),
        }
    };
    let created = now();
    let mut attempt = Attempt {
        id: new_id("pat_"),
        payin: id.to_owned(),
        amount: payin.amount,
        phone: json!({ "calling_code": code, "number": number }),
        wallet_phone: if test_phone { None } else { canonical },
        status: "requires_action".into(),
        status_description: String::new(),
        created_at: created,
        expires_at: created + TimeDelta::days(5),
        action_id: None,
        split: None,
        refunded_split: Split::default(),
        refunded: false,
        paid_at: None,
    };
    if let Plan::Push { opened, .. } = &plan {
        attempt.action_id = Some(opened.id.clone());
    }
    let pat = attempt.id.clone();
    st.attempts.insert(pat.clone(), attempt);
    let Some(payin) = st.payins.get_mut(id) else { return Err(ApiError::not_found("payin")) };
    payin.status = "requires_action".into();
    payin.status_description = String::new();
    payin.confirm = true;
    payin.latest_attempt = pat.clone();
    payin.attempts.push(pat.clone());
    let payin = &st.payins[id];
    app.notify(merchant, "payin.requires_action", payin.json(st), payin.webhook_url.as_deref());
    app.spawn_attempt(pat, plan);
    Ok(())
}

async fn fetch_payin(
    State(app): State<TazapaySim>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    app.read(&headers, |st, merchant| find_payin(st, merchant, &id).map(|p| p.json(st)))
}

async fn update_payin(
    State(app): State<TazapaySim>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    app.write(&headers, "/v3/payin/{id}", false, |_, st, merchant| {
        let req: UpdateReq = decode(&body)?;
        let mut payin = find_payin(st, merchant, &id)?.clone();
        if req.amount.is_some() || req.invoice_currency.is_some() {
            return Err(ApiError::invalid("amount and invoice_currency cannot be updated"));
        }
        if req.fields.payment_method_details.is_some() {
            return Err(ApiError::invalid("payment_method_details are set by confirm"));
        }
        if let Some(url) = req.webhook_url.as_deref().filter(|u| !u.is_empty() && !valid_url(u)) {
            return Err(ApiError::invalid(format!("invalid webhook_url {url:?}")));
        }
        apply_fields(&mut payin, &req.fields)?;
        if let Some(d) = req.transaction_description.filter(|d| !d.trim().is_empty()) {
            payin.transaction_description = d;
        }
        if let Some(url) = req.webhook_url {
            payin.webhook_url = Some(url).filter(|u| !u.is_empty());
        }
        st.payins.insert(id.clone(), payin);
        Ok(st.payins[&id].json(st))
    })
}

async fn cancel_payin(
    State(app): State<TazapaySim>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    app.write(&headers, "/v3/payin/{id}/cancel", true, |app, st, merchant| {
        let payin = find_payin(st, merchant, &id)?;
        if !matches!(payin.status.as_str(), "requires_payment_method" | "requires_action") {
            return Err(ApiError::invalid(format!(
                "payin cannot be cancelled in status {}",
                payin.status
            )));
        }
        let latest = payin.latest_attempt.clone();
        if let Some(attempt) =
            st.attempts.get_mut(&latest).filter(|a| a.status == "requires_action")
        {
            attempt.status = "failed".into();
            attempt.status_description = "payin cancelled".into();
            if let Some(action) = &attempt.action_id {
                app.ctx.pending().withdraw(action);
            }
        }
        let Some(payin) = st.payins.get_mut(&id) else { return Err(ApiError::not_found("payin")) };
        payin.status = "cancelled".into();
        payin.cancelled_at = Some(now());
        let payin = &st.payins[&id];
        app.notify(merchant, "payin.cancelled", payin.json(st), payin.webhook_url.as_deref());
        Ok(payin.json(st))
    })
}

async fn create_refund(State(app): State<TazapaySim>, headers: HeaderMap, body: Bytes) -> Response {
    app.write(&headers, "/v3/refund", true, |app, st, merchant| {
        let req: RefundReq = decode(&body)?;
        let refund = new_refund(st, merchant, req)?;
        let id = refund.id.clone();
        let data = refund.json();
        app.notify(merchant, "refund.pending", data.clone(), refund.webhook_url.as_deref());
        st.refunds.insert(id.clone(), refund);
        app.spawn_refund(id);
        Ok(data)
    })
}

/// Validates a refund request (§11, §12, HD 1) and builds the pending refund.
fn new_refund(
    st: &TazapayState,
    merchant: &MerchantConfig,
    req: RefundReq,
) -> Result<Refund, ApiError> {
    let payin_arg = req.payin.filter(|p| !p.is_empty());
    let attempt_arg = req.payment_attempt.filter(|p| !p.is_empty());
    if payin_arg.is_none() && attempt_arg.is_none() {
        return Err(ApiError::refund(30007, "provide either payin or payment_attempt"));
    }
    let payin = match &payin_arg {
        Some(p) => {
            let known = ["pay_", "chk_", "esc_"].iter().any(|prefix| p.starts_with(prefix));
            let found = st.payins.get(p).filter(|x| x.merchant == merchant.api_key);
            Some(
                found
                    .filter(|_| known)
                    .ok_or_else(|| ApiError::refund(30000, "invalid payin id"))?,
            )
        }
        None => None,
    };
    let attempt = match &attempt_arg {
        Some(a) => {
            let found = st.attempts.get(a).filter(|x| {
                a.starts_with("pat_")
                    && st.payins.get(&x.payin).is_some_and(|p| p.merchant == merchant.api_key)
            });
            let found = found.filter(|x| payin.is_none_or(|p| p.id == x.payin));
            found.ok_or_else(|| ApiError::refund(30001, "invalid payment_attempt id"))?
        }
        None => {
            let payin = payin.ok_or_else(|| ApiError::refund(30000, "invalid payin id"))?;
            if payin.attempts.len() > 1 {
                return Err(ApiError::refund(
                    30008,
                    "cannot refund a payin with multiple payment attempts; pass payment_attempt",
                ));
            }
            payin.attempts.first().and_then(|a| st.attempts.get(a)).ok_or_else(|| {
                ApiError::refund(30009, "refund only on succeeded payment attempts")
            })?
        }
    };
    let payin = &st.payins[&attempt.payin];
    if attempt.status != "succeeded" {
        return Err(ApiError::refund(30009, "refund only on succeeded payment attempts"));
    }
    if let Some(c) = req.currency.as_deref().filter(|c| !c.is_empty()) {
        if c != payin.invoice_currency {
            return Err(ApiError::invalid(format!(
                "currency {c:?} differs from the payin's {}",
                payin.invoice_currency
            )));
        }
    }
    if let Some(reason) = &req.reason {
        if reason.trim().is_empty() || reason.len() > 255 {
            return Err(ApiError::refund(30015, "invalid refund reason"));
        }
    }
    if let Some(url) = req.webhook_url.as_deref().filter(|u| !u.is_empty() && !valid_url(u)) {
        return Err(ApiError::refund(30005, format!("invalid webhook URL {url:?}")));
    }
    if let Some(source) = &req.source {
        if source.is_empty()
            || source.len() > 64
            || !source.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ApiError::refund(30004, "invalid source"));
        }
    }
    let amount = req.amount.unwrap_or(attempt.amount);
    if amount <= 0 {
        return Err(ApiError::refund(30002, "amount: value must be greater than 0"));
    }
    let reserved: i64 = st
        .refunds
        .values()
        .filter(|r| r.attempt == attempt.id && r.status != "failed")
        .map(|r| r.amount)
        .sum();
    if amount > attempt.amount - reserved {
        return Err(ApiError::refund(
            30012,
            "amount exceeds the total paid after previous refunds",
        ));
    }
    if amount != attempt.amount && !merchant.partial_refunds {
        return Err(ApiError::refund(
            30021,
            "partial refund is not supported for this payment method",
        ));
    }
    if amount % 100 != 0 {
        return Err(ApiError::invalid(
            "ovo_idr refunds whole rupiah: amount must be a multiple of 100",
        ));
    }
    let today = clock::jakarta_date(now());
    if let (Some(days), Some(paid_at)) = (merchant.refund_window_days, attempt.paid_at) {
        let last = clock::jakarta_date(paid_at) + TimeDelta::days(i64::from(days));
        if today > last {
            return Err(ApiError::refund(30011, format!("refunds cannot be initiated for this attempt: the {days}-day window ended on {last}")));
        }
    }
    if let Some(limit) = merchant.refund_daily_limit_idr {
        let today_total: i64 = st
            .refunds
            .values()
            .filter(|r| {
                r.merchant == merchant.api_key && clock::jakarta_date(r.created_at) == today
            })
            .map(|r| r.amount / 100)
            .sum();
        if today_total + amount / 100 > limit {
            return Err(ApiError::invalid(format!("daily refund limit of IDR {limit} exceeded")));
        }
    }
    Ok(Refund {
        id: new_id("rfd_"),
        merchant: merchant.api_key.clone(),
        payin: payin.id.clone(),
        attempt: attempt.id.clone(),
        amount,
        currency: payin.invoice_currency.clone(),
        holding_currency: merchant.holding_currency.clone(),
        reason: req.reason.unwrap_or_default(),
        metadata: req.metadata.unwrap_or(Value::Null),
        reference_id: req.reference_id.unwrap_or_default(),
        remarks: req.remarks.unwrap_or_default(),
        status: "pending".into(),
        status_description: String::new(),
        webhook_url: req.webhook_url.filter(|u| !u.is_empty()),
        created_at: now(),
    })
}

async fn fetch_refund(
    State(app): State<TazapaySim>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    app.read(&headers, |st, merchant| {
        if !id.starts_with("rfd_") {
            return Err(ApiError::bad_path("refund id must start with rfd_"));
        }
        st.refunds
            .get(&id)
            .filter(|r| r.merchant == merchant.api_key)
            .map(Refund::json)
            .ok_or_else(|| ApiError::not_found("refund"))
    })
}

// ---------------------------------------------------------------------------------------
// Control routes: the sandbox's view, with what the wire does not show (wallet, split).

fn control_view(st: &TazapayState, payin: &Payin) -> Value {
    let attempts: Vec<Value> = payin
        .attempts
        .iter()
        .filter_map(|a| st.attempts.get(a))
        .map(|a| {
            json!({
                "id": a.id, "status": a.status, "status_description": a.status_description,
                "wallet_phone": a.wallet_phone, "pending_action": a.action_id,
                "split": a.split, "refunded_split": a.refunded_split,
            })
        })
        .collect();
    let refunds: Vec<Value> =
        st.refunds.values().filter(|r| r.payin == payin.id).map(Refund::json).collect();
    json!({ "payin": payin.json(st), "merchant": payin.merchant, "attempts": attempts, "refunds": refunds })
}

async fn control_list(State(app): State<TazapaySim>) -> Json<Value> {
    let st = app.lock();
    Json(Value::Array(st.payins.values().map(|p| control_view(&st, p)).collect()))
}

async fn control_payin(State(app): State<TazapaySim>, Path(id): Path<String>) -> Response {
    let st = app.lock();
    match st.payins.get(&id) {
        Some(p) => Json(control_view(&st, p)).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "error": "no such payin" }))).into_response(),
    }
}
