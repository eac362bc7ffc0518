//! DOKU Jokul Direct — OVO Push Payment (`doku_jokul_ovo_push`), from
//! `shared/providers/doku-jokul-ovo-push.md`. One held push-payment call (70 s, scaled), the
//! generic non-SNAP status check, offline refunds through a control route (HD 1), and an
//! optional status-shaped notification. See `docs/doku_jokul_ovo_push.md`.

pub mod sign;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::core::clock;
use crate::core::import::{cash_split, ImportedPayment, ImportedStatus};
use crate::core::notify::{Ack, Outbound, Tampered};
use crate::core::pending::{Decision, NewAction};
use crate::core::settlement::SettlementStyle;
use crate::core::wallets::{Account, Behaviour, DebitError, PaySource, Split};
use crate::core::writes::WriteKind;
use crate::core::{phone, Ctx, ProductSim, UnknownNotification};

mod wire;

use super::MerchantEntry;
use crate::core::lock;
use sign::check_header_signature;
use wire::{
    bad_request, error, now_utc_text, parse_push, payment_body, random_id, status_body, wib_stamp,
};

pub const KEY: &str = "doku_jokul_ovo_push";
/// Spec §2.
pub const PAYMENT_PATH: &str = "/ovo-emoney/v1/payment";
/// Spec §10.
pub const STATUS_PATH: &str = "/orders/v1/status/{invoice_number}";

/// OVO's push timeout, for which DOKU holds the call (spec §6).
const HOLD: Duration = Duration::from_secs(70);
/// After a `TIMEOUT` answer, when the sandbox settles the late outcome (house default, docs).
const LATE_ANSWER: Duration = Duration::from_secs(60);
/// OVO keeps details for 7 days; later status queries get code `54` (spec §10).
const KEEP_DETAILS: Duration = Duration::from_secs(7 * 24 * 3600);
/// Simulator amount limits (spec §14 #8).
const MIN_AMOUNT: i64 = 1;
const MAX_AMOUNT: i64 = 20_000_000;
/// `order.amount` has at most 12 digits (spec §4).
const MAX_WIRE_AMOUNT: u64 = 999_999_999_999;
/// DOKU's notification retry schedule (README D-RETRY: +30 min, +6 h, +12 h).
const RETRIES: [Duration; 3] =
    [Duration::from_secs(30 * 60), Duration::from_secs(6 * 3600), Duration::from_secs(12 * 3600)];

/// One `[[doku_jokul_ovo_push]]` entry of the merchants file.
#[derive(Debug, Clone, Deserialize)]
pub struct MerchantConfig {
    pub client_id: String,
    pub secret_key: String,
    #[serde(default = "default_name")]
    pub name: String,
    /// Where a status-shaped notification is sent (optional; absent = none sent).
    #[serde(default)]
    pub notification_url: Option<String>,
    /// Makes the header signature mandatory on the payment call (spec §3).
    #[serde(default)]
    pub strict: bool,
    /// Seconds (real, scaled) before a manual customer "pays with cash" by themselves (spec §13).
    #[serde(default = "default_auto_delay")]
    pub auto_delay_secs: u64,
    #[serde(default)]
    pub ovo_configuration: OvoConfiguration,
}

fn default_name() -> String {
    "DOKU Jokul merchant".into()
}

fn default_auto_delay() -> u64 {
    5
}

/// The `ovo_configuration` block echoed in payment responses (spec §7 sample values).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OvoConfiguration {
    pub merchant_id: String,
    pub store_code: String,
    pub mid: String,
    pub tid: String,
}

impl Default for OvoConfiguration {
    fn default() -> Self {
        OvoConfiguration {
            merchant_id: "00000179".into(),
            store_code: "000000000000179".into(),
            mid: "000000000000179".into(),
            tid: "00000179".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PayStatus {
    /// The call is being held (the customer has not acted yet).
    Pending,
    Success,
    Failed,
    Timeout,
    Refunded,
}

impl PayStatus {
    fn wire(self) -> &'static str {
        match self {
            PayStatus::Pending => "PENDING",
            PayStatus::Success => "SUCCESS",
            PayStatus::Failed => "FAILED",
            PayStatus::Timeout => "TIMEOUT",
            PayStatus::Refunded => "REFUNDED",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OfflineRefund {
    pub amount: i64,
    pub split: Split,
    pub at: String,
    pub reference: String,
}

/// One push-payment attempt (one invoice number).
#[derive(Debug, Clone, Serialize)]
pub struct Payment {
    pub client_id: String,
    pub invoice_number: String,
    pub amount: i64,
    /// As sent (`08…`).
    pub ovo_id: String,
    /// Canonical `62…`, when the number is an Indonesian mobile.
    pub phone: Option<String>,
    pub status: PayStatus,
    pub response_code: String,
    /// The payment call's `Request-Id` header (empty when absent).
    pub request_id: String,
    pub created_at: String,
    pub final_at: Option<String>,
    #[serde(skip)]
    final_instant: Option<Instant>,
    pub account_name: String,
    pub date: String,
    pub batch_number: u32,
    pub trace_number: u32,
    pub reference_number: u32,
    pub approval_code: String,
    pub split: Split,
    pub cash_balance: i64,
    pub points_balance: i64,
    pub refunded: i64,
    pub refunds: Vec<OfflineRefund>,
    /// The pending customer action while the call is held.
    pub action_id: Option<String>,
}

#[derive(Debug, Default)]
struct Counter {
    batch: u32,
    reference: u32,
    day: Option<chrono::NaiveDate>,
}

#[derive(Debug, Default)]
struct JokulPushState {
    /// Keyed by (client id, invoice number).
    payments: BTreeMap<(String, String), Payment>,
    counters: BTreeMap<String, Counter>,
}

/// The product.
#[derive(Debug, Default)]
pub struct JokulPush {
    state: Arc<Mutex<JokulPushState>>,
}

type JokulPushSim = super::Sim<JokulPushState, MerchantConfig>;

impl JokulPushSim {
    fn new(ctx: Ctx, state: Arc<Mutex<JokulPushState>>) -> JokulPushSim {
        JokulPushSim::from_file(ctx, state, KEY)
    }
}

impl MerchantEntry for MerchantConfig {
    fn id(&self) -> &str {
        &self.client_id
    }
}

impl ProductSim for JokulPush {
    fn key(&self) -> &'static str {
        KEY
    }

    fn routes(&self, ctx: Ctx) -> Router {
        Router::new()
            .route(PAYMENT_PATH, post(pay))
            .route(STATUS_PATH, get(status))
            .with_state(JokulPushSim::new(ctx, self.state.clone()))
    }

    fn control_routes(&self, ctx: Ctx) -> Router {
        Router::new()
            .route("/_sandbox/doku_jokul_ovo_push/payments", get(list_payments))
            .route("/_sandbox/doku_jokul_ovo_push/payments/{invoice_number}", get(get_payment))
            .route("/_sandbox/doku_jokul_ovo_push/payments/{invoice_number}/pay", post(control_pay))
            .route("/_sandbox/doku_jokul_ovo_push/payments/{invoice_number}/decline", post(control_decline))
            .route("/_sandbox/doku_jokul_ovo_push/refunds", post(offline_refund))
            // The paths suggested by the spec (§13).
            .route("/_sandbox/doku-push/{invoice_number}/pay", post(control_pay))
            .route("/_sandbox/doku-push/{invoice_number}/decline", post(control_decline))
            .with_state(JokulPushSim::new(ctx, self.state.clone()))
    }

    fn reset(&self) {
        *lock(&self.state) = JokulPushState::default();
    }

    fn import(&self, ctx: &Ctx, payment: &ImportedPayment) -> Result<(), String> {
        self.import_payment(ctx, payment)
    }

    fn settlement_style(&self) -> SettlementStyle {
        SettlementStyle::JokulPush
    }

    /// DOKU's non-SNAP error shape (§13).
    fn server_error(&self, _endpoint: &str, status: u16) -> Response {
        error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "internal_error",
            "Internal Server Error",
        )
    }

    /// A SUCCESS notification for an invoice number this provider never saw.
    fn notify_unknown(&self, ctx: &Ctx, request: &UnknownNotification) -> Result<Value, String> {
        let app = JokulPushSim::new(ctx.clone(), self.state.clone());
        let merchant = app.merchant_or_first(request.merchant.as_deref(), KEY)?.clone();
        if merchant.notification_url.as_deref().is_none_or(str::is_empty) {
            return Err("this doku_jokul_ovo_push merchant has no notification_url".into());
        }
        let mut payment = Payment::orphan(
            &(merchant.client_id.clone(), request.reference.clone()),
            PayStatus::Success,
            "00",
        );
        payment.amount = request.amount;
        payment.approval_code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
        payment.split = Split { cash: request.amount, points: 0 };
        payment.final_at = Some(now_utc_text());
        notify(&app, &merchant, &payment);
        Ok(json!({ "product": KEY, "invoice_number": request.reference }))
    }
}

impl JokulPush {
    fn import_payment(&self, ctx: &Ctx, p: &ImportedPayment) -> Result<(), String> {
        if !p.refunds.is_empty() {
            return Err("DOKU Jokul push has no refund API; its refunds are offline".into());
        }
        let client_id = p.merchant_or_first(ctx, KEY, "client_id")?;
        // The invoice number is what the merchant sent and what the status path names.
        let invoice_number = p.provider_ref.clone().unwrap_or_else(|| p.reference.clone());
        let (status, code) = match p.status {
            ImportedStatus::Succeeded => (PayStatus::Success, "00"),
            ImportedStatus::Pending => (PayStatus::Pending, ""),
            ImportedStatus::Failed => (PayStatus::Failed, "17"),
            ImportedStatus::Expired => (PayStatus::Timeout, "68"),
        };
        let text = clock::rfc3339_seconds;
        let finished =
            (status != PayStatus::Pending).then(|| p.paid().unwrap_or_else(|| p.created()));
        let account = ctx.wallets().get(&p.phone);
        let mut inner = lock(&self.state);
        let key = (client_id.clone(), invoice_number.clone());
        if inner.payments.contains_key(&key) {
            return Err("a payment with this invoice number exists".into());
        }
        let approval_code = if status == PayStatus::Success {
            format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
        } else {
            String::new()
        };
        ctx.settlements().imported(KEY, p, &invoice_number, &approval_code);
        inner.payments.insert(
            key,
            Payment {
                client_id,
                invoice_number,
                amount: p.amount,
                ovo_id: phone::national(&p.phone),
                phone: Some(p.phone.clone()),
                status,
                response_code: code.into(),
                request_id: String::new(),
                created_at: text(p.created()),
                final_at: finished.map(text),
                final_instant: None,
                account_name: account.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
                date: String::new(),
                batch_number: 0,
                trace_number: 0,
                reference_number: 0,
                approval_code,
                split: if status == PayStatus::Success {
                    cash_split(p.amount)
                } else {
                    Split::default()
                },
                cash_balance: 0,
                points_balance: 0,
                refunded: 0,
                refunds: Vec::new(),
                action_id: None,
            },
        );
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Wire helpers

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// An authentication failure: error code and message for `bad_request`.
type AuthError = (&'static str, String);

fn auth_error(code: &'static str, message: impl Into<String>) -> AuthError {
    (code, message.into())
}

#[derive(Debug)]
struct PushRequest {
    client_id: String,
    invoice_number: String,
    amount: u64,
    ovo_id: String,
    check_sum: String,
}

// ---------------------------------------------------------------------------------------------
// Push payment

async fn pay(
    State(app): State<JokulPushSim>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let request = match parse_push(&body) {
        Ok(r) => r,
        Err(message) => return bad_request("invalid_parameter", message),
    };
    if header(&headers, "Client-Id").is_some_and(|h| h != request.client_id) {
        return bad_request("invalid_client_id", "Client-Id header does not match client.id");
    }
    let Some(merchant) = app.merchant(&request.client_id).cloned() else {
        return bad_request("invalid_client_id", "Invalid Client-Id");
    };
    let request_id =
        match check_header_signature(&merchant, &headers, uri.path(), Some(&body), merchant.strict)
        {
            Ok(id) => id,
            Err((code, message)) => return bad_request(code, message),
        };
    let expected = sign::checksum(
        request.amount,
        &request.client_id,
        &request.invoice_number,
        &request.ovo_id,
        &merchant.secret_key,
    );
    if !sign::checksum_matches(&expected, &request.check_sum) {
        return bad_request("invalid_signature", "Invalid Header Signature");
    }
    let amount = i64::try_from(request.amount).unwrap_or(i64::MAX);
    let key = (request.client_id.clone(), request.invoice_number.clone());
    let phone = phone::canonical(&request.ovo_id);
    let account = phone.as_deref().and_then(|p| app.ctx.wallets().get(p));
    let payment = {
        let mut inner = app.lock();
        if let Some(original) = inner.payments.get(&key) {
            // Spec §13: a duplicate invoice number fails with 40; the original is untouched.
            let mut duplicate = original.clone();
            duplicate.amount = amount;
            duplicate.ovo_id = request.ovo_id.clone();
            duplicate.status = PayStatus::Failed;
            duplicate.response_code = "40".into();
            duplicate.approval_code = String::new();
            duplicate.split = Split::default();
            duplicate.date = wib_stamp();
            app.ctx.writes().replayed(KEY, WriteKind::Payment, &request.invoice_number);
            return Json(payment_body(&duplicate, &merchant)).into_response();
        }
        let (batch_number, reference_number) = next_numbers(&mut inner, &request.client_id);
        let payment = Payment {
            client_id: request.client_id.clone(),
            invoice_number: request.invoice_number.clone(),
            amount,
            ovo_id: request.ovo_id.clone(),
            phone: phone.clone(),
            status: PayStatus::Pending,
            response_code: String::new(),
            request_id,
            created_at: now_utc_text(),
            final_at: None,
            final_instant: None,
            account_name: account.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
            date: wib_stamp(),
            batch_number,
            trace_number: rand::thread_rng().gen_range(1..=999_999),
            reference_number,
            approval_code: String::new(),
            split: Split::default(),
            cash_balance: account.as_ref().map(|a| a.cash).unwrap_or_default(),
            points_balance: account.as_ref().map(|a| a.points).unwrap_or_default(),
            refunded: 0,
            refunds: Vec::new(),
            action_id: None,
        };
        inner.payments.insert(key.clone(), payment.clone());
        app.ctx.writes().processed(KEY, WriteKind::Payment, &request.invoice_number);
        payment
    };
    // The push runs in its own task, so a client that gives up does not leave it half done.
    let task = tokio::spawn(process(app.clone(), merchant.clone(), key.clone(), payment));
    match task.await {
        Ok(done) => Json(payment_body(&done, &merchant)).into_response(),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            format!("sandbox task failed: {e}"),
        ),
    }
}

/// Batch and reference numbers (spec §7): the reference increments per push up to 999999;
/// the batch increments every WIB day and when the reference wraps.
fn next_numbers(inner: &mut JokulPushState, client_id: &str) -> (u32, u32) {
    let today = clock::jakarta_date(clock::now());
    let counter = inner.counters.entry(client_id.to_owned()).or_default();
    if counter.day != Some(today) {
        counter.day = Some(today);
        counter.batch += 1;
    }
    counter.reference += 1;
    if counter.reference > 999_999 {
        counter.reference = 1;
        counter.batch += 1;
    }
    (counter.batch, counter.reference)
}

fn suffix(ovo_id: &str) -> &str {
    ovo_id.get(ovo_id.len().saturating_sub(4)..).unwrap_or_default()
}

/// What happens before the push reaches the customer: amount limits, the spec's suffix codes,
/// and the wallet's refusals. `Ok` = push to this phone.
fn precheck(app: &JokulPushSim, p: &Payment) -> Result<String, &'static str> {
    if p.amount < MIN_AMOUNT {
        return Err("67");
    }
    if p.amount > MAX_AMOUNT {
        return Err("65");
    }
    let phone = p.phone.clone().ok_or("14")?;
    match suffix(&p.ovo_id) {
        "0014" => return Err("14"),
        "0017" => return Err("17"),
        "0026" => return Err("26"),
        "0061" => return Err("61"),
        "0068" | "9999" if app.ctx.wallets().get(&phone).is_none() => {
            // Like the DOKU OVO Payment Simulator's active numbers: an account exists for them.
            app.ctx.wallets().upsert(Account {
                phone: phone.clone(),
                name: format!("OVO Simulator {}", suffix(&p.ovo_id)),
                cash: 10_000_000,
                points: 100_000,
                pin: "123456".into(),
                blocked: false,
                limit_exceeded: false,
                behaviour: Behaviour::Manual,
            });
        }
        _ => {}
    }
    match app.ctx.wallets().check(&phone, p.amount, PaySource::PointsFirst) {
        Ok(_) => Ok(phone),
        Err(e) => Err(debit_code(e)),
    }
}

/// Wallet refusals → OVO response codes (spec §9; insufficient balance has no code of its
/// own: `26`, see the docs).
fn debit_code(e: DebitError) -> &'static str {
    match e {
        DebitError::NoAccount => "14",
        DebitError::Blocked => "64",
        DebitError::LimitExceeded => "61",
        DebitError::Insufficient => "26",
        DebitError::InvalidAmount => "67",
    }
}

async fn sleep_or_forever(wait: Option<Duration>) {
    match wait {
        Some(wait) => tokio::time::sleep(wait).await,
        None => std::future::pending::<()>().await,
    }
}

async fn process(
    app: JokulPushSim,
    merchant: MerchantConfig,
    key: (String, String),
    payment: Payment,
) -> Payment {
    let phone = match precheck(&app, &payment) {
        Ok(phone) => phone,
        Err(code) => {
            return finish(&app, &merchant, &key, PayStatus::Failed, code, Split::default())
        }
    };
    let scale = app.ctx.scale();
    let opened = app.ctx.pending().open(
        app.ctx.wallets(),
        NewAction::push(
            KEY,
            phone.clone(),
            payment.amount,
            merchant.name.clone(),
            format!("Pay invoice {}", payment.invoice_number),
        ),
    );
    let action_id = opened.id.clone();
    if let Some(p) = app.lock().payments.get_mut(&key) {
        p.action_id = Some(action_id.clone());
    }
    let behaviour = app.ctx.wallets().get(&phone).map(|a| a.behaviour).unwrap_or_default();
    let waits_for_control = matches!(suffix(&payment.ovo_id), "0068" | "9999");
    let auto = (behaviour == Behaviour::Manual && !waits_for_control)
        .then(|| scale.scaled(Duration::from_secs(merchant.auto_delay_secs)));
    let decision = tokio::select! {
        decided = opened.decision => decided.ok(),
        () = sleep_or_forever(auto) => Some(Decision::Approve { source: PaySource::Cash }),
        () = scale.sleep(HOLD) => None,
    };
    app.ctx.pending().withdraw(&action_id);
    if let Some(p) = app.lock().payments.get_mut(&key) {
        p.action_id = None;
    }
    match decision {
        Some(Decision::Approve { source }) => settle(&app, &merchant, &key, &phone, source),
        Some(Decision::Decline) => {
            finish(&app, &merchant, &key, PayStatus::Failed, "17", Split::default())
        }
        None => {
            let timed_out =
                finish(&app, &merchant, &key, PayStatus::Timeout, "68", Split::default());
            let late = app.clone();
            let pays_late = suffix(&payment.ovo_id) == "0068";
            tokio::spawn(async move {
                late.ctx.scale().sleep(LATE_ANSWER).await;
                let still_timed_out =
                    late.lock().payments.get(&key).is_some_and(|p| p.status == PayStatus::Timeout);
                if still_timed_out {
                    if pays_late {
                        settle(&late, &merchant, &key, &phone, PaySource::Cash);
                    } else {
                        finish(&late, &merchant, &key, PayStatus::Failed, "68", Split::default());
                    }
                }
            });
            timed_out
        }
    }
}

/// Takes the money and finishes as SUCCESS, or FAILED with the wallet's code.
fn settle(
    app: &JokulPushSim,
    merchant: &MerchantConfig,
    key: &(String, String),
    phone: &str,
    source: PaySource,
) -> Payment {
    let amount = app.lock().payments.get(key).map(|p| p.amount).unwrap_or_default();
    match app.ctx.wallets().debit(phone, amount, source) {
        Ok(split) => match app.ctx.faults().take_success_after_failure(KEY) {
            // A success_after_failure drill: the money moved, but the record says failed for now.
            Some(wait) => {
                let failed = finish(app, merchant, key, PayStatus::Failed, "17", Split::default());
                let (app, merchant, key) = (app.clone(), merchant.clone(), key.clone());
                tokio::spawn(async move {
                    app.ctx.scale().sleep(wait).await;
                    if app.lock().payments.get(&key).is_some_and(|p| p.status == PayStatus::Failed)
                    {
                        finish(&app, &merchant, &key, PayStatus::Success, "00", split);
                    }
                });
                failed
            }
            None => finish(app, merchant, key, PayStatus::Success, "00", split),
        },
        Err(e) => finish(app, merchant, key, PayStatus::Failed, debit_code(e), Split::default()),
    }
}

/// Records the outcome, and notifies the merchant when it is final.
fn finish(
    app: &JokulPushSim,
    merchant: &MerchantConfig,
    key: &(String, String),
    status: PayStatus,
    code: &str,
    split: Split,
) -> Payment {
    let balances = {
        let inner = app.lock();
        inner
            .payments
            .get(key)
            .and_then(|p| p.phone.as_deref().and_then(|ph| app.ctx.wallets().get(ph)))
    };
    let done = {
        let mut inner = app.lock();
        let Some(p) = inner.payments.get_mut(key) else {
            // Reset while held: answer from what is known.
            return Payment::orphan(key, status, code);
        };
        p.status = status;
        p.response_code = code.to_owned();
        p.split = split;
        p.date = wib_stamp();
        p.final_at = Some(now_utc_text());
        p.final_instant = Some(Instant::now());
        if let Some(account) = balances {
            p.account_name = account.name;
            p.cash_balance = account.cash;
            p.points_balance = account.points;
        }
        if status == PayStatus::Success {
            p.approval_code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
            let (reference, code) = (&p.invoice_number, &p.approval_code);
            app.ctx.settlements().payment(KEY, reference, p.amount, clock::now(), code);
        }
        p.clone()
    };
    if matches!(status, PayStatus::Success | PayStatus::Failed | PayStatus::Refunded) {
        notify(app, merchant, &done);
    }
    done
}

impl Payment {
    fn orphan(key: &(String, String), status: PayStatus, code: &str) -> Payment {
        Payment {
            client_id: key.0.clone(),
            invoice_number: key.1.clone(),
            amount: 0,
            ovo_id: String::new(),
            phone: None,
            status,
            response_code: code.to_owned(),
            request_id: String::new(),
            created_at: now_utc_text(),
            final_at: None,
            final_instant: None,
            account_name: String::new(),
            date: wib_stamp(),
            batch_number: 0,
            trace_number: 0,
            reference_number: 0,
            approval_code: String::new(),
            split: Split::default(),
            cash_balance: 0,
            points_balance: 0,
            refunded: 0,
            refunds: Vec::new(),
            action_id: None,
        }
    }
}

/// A status-shaped notification signed like a non-SNAP request (house default; the spec
/// documents none, §1 and §14 #6). Only when the merchant registered a URL.
fn notify(app: &JokulPushSim, merchant: &MerchantConfig, p: &Payment) {
    let Some(url) = merchant.notification_url.clone().filter(|u| !u.is_empty()) else {
        return;
    };
    let target =
        reqwest::Url::parse(&url).map(|u| u.path().to_owned()).unwrap_or_else(|_| "/".into());
    let body = status_body(p, false).to_string();
    let request_id = random_id();
    let timestamp = now_utc_text();
    let digest = sign::digest(body.as_bytes());
    let component =
        sign::component(&merchant.client_id, &request_id, &timestamp, &target, Some(&digest));
    let signed = |secret: &str| {
        vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Client-Id".to_owned(), merchant.client_id.clone()),
            ("Request-Id".to_owned(), request_id.clone()),
            ("Request-Timestamp".to_owned(), timestamp.clone()),
            ("Signature".to_owned(), sign::header_signature(secret, &component)),
        ]
    };
    let wrong_secret = format!("{}-not-the-secret", merchant.secret_key);
    app.ctx.notifier().send(Outbound {
        product: KEY,
        kind: "payment".into(),
        url: url.clone(),
        method: reqwest::Method::POST,
        headers: signed(&merchant.secret_key),
        body: body.clone(),
        retries: RETRIES.to_vec(),
        tampered: Some(Tampered { url, headers: signed(&wrong_secret), body }),
        ack: Ack::Http2xx,
        prepare: None,
    });
}

// ---------------------------------------------------------------------------------------------
// Status check

async fn status(
    State(app): State<JokulPushSim>,
    headers: HeaderMap,
    uri: Uri,
    Path(invoice_number): Path<String>,
) -> Response {
    let Some(client_id) = header(&headers, "Client-Id") else {
        return bad_request("invalid_client_id", "Missing Client-Id header");
    };
    let Some(merchant) = app.merchant(client_id).cloned() else {
        return bad_request("invalid_client_id", "Invalid Client-Id");
    };
    if let Err((code, message)) =
        check_header_signature(&merchant, &headers, uri.path(), None, true)
    {
        return bad_request(code, message);
    }
    let inner = app.lock();
    let Some(p) = inner.payments.get(&(merchant.client_id.clone(), invoice_number)) else {
        return error(StatusCode::NOT_FOUND, "transaction_not_found", "Transaction Not Found");
    };
    let expired =
        p.final_instant.is_some_and(|at| at.elapsed() > app.ctx.scale().scaled(KEEP_DETAILS));
    Json(status_body(p, expired)).into_response()
}

// ---------------------------------------------------------------------------------------------
// Control routes

#[derive(Debug, Deserialize)]
struct ClientFilter {
    client_id: Option<String>,
}

fn find_key(
    app: &JokulPushSim,
    invoice_number: &str,
    client_id: Option<&str>,
) -> Option<(String, String)> {
    app.lock()
        .payments
        .keys()
        .find(|(c, i)| i == invoice_number && client_id.is_none_or(|want| want == c))
        .cloned()
}

async fn list_payments(State(app): State<JokulPushSim>) -> Json<Vec<Payment>> {
    Json(app.lock().payments.values().cloned().collect())
}

async fn get_payment(
    State(app): State<JokulPushSim>,
    Path(invoice_number): Path<String>,
    Query(q): Query<ClientFilter>,
) -> Response {
    match find_key(&app, &invoice_number, q.client_id.as_deref())
        .and_then(|k| app.lock().payments.get(&k).cloned())
    {
        Some(p) => Json(p).into_response(),
        None => error(StatusCode::NOT_FOUND, "not_found", "no such invoice"),
    }
}

#[derive(Debug, Deserialize, Default)]
struct PayControl {
    #[serde(default)]
    method: Option<String>,
}

async fn control_pay(
    State(app): State<JokulPushSim>,
    Path(invoice_number): Path<String>,
    Query(q): Query<ClientFilter>,
    body: Bytes,
) -> Response {
    let control: PayControl = if body.is_empty() {
        PayControl::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(c) => c,
            Err(e) => {
                return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_parameter", e.to_string())
            }
        }
    };
    let source = match control.method.as_deref().unwrap_or("cash") {
        "cash" => PaySource::Cash,
        "points" => PaySource::Points,
        "points_first" => PaySource::PointsFirst,
        other => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_parameter",
                format!("method {other:?}: cash, points or points_first"),
            )
        }
    };
    decide_held(&app, &invoice_number, q.client_id.as_deref(), Decision::Approve { source })
}

async fn control_decline(
    State(app): State<JokulPushSim>,
    Path(invoice_number): Path<String>,
    Query(q): Query<ClientFilter>,
) -> Response {
    decide_held(&app, &invoice_number, q.client_id.as_deref(), Decision::Decline)
}

fn decide_held(
    app: &JokulPushSim,
    invoice_number: &str,
    client_id: Option<&str>,
    decision: Decision,
) -> Response {
    let held = app.lock().payments.iter().find_map(|((c, i), p)| {
        (i == invoice_number && client_id.is_none_or(|want| want == c))
            .then(|| p.action_id.clone())
            .flatten()
    });
    let Some(action_id) = held else {
        return error(
            StatusCode::CONFLICT,
            "not_held",
            "no push request is being held for this invoice",
        );
    };
    match app.ctx.pending().decide(&action_id, decision) {
        Ok(_) => Json(
            json!({ "decided": action_id, "invoice_number": invoice_number, "decision": decision }),
        )
        .into_response(),
        Err(e) => error(StatusCode::CONFLICT, "not_held", e.to_string()),
    }
}

#[derive(Debug, Deserialize)]
struct RefundRequest {
    invoice_number: String,
    #[serde(default)]
    client_id: Option<String>,
    /// Absent = the whole remaining amount.
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    reference: Option<String>,
}

/// An offline refund (HD 1), as settled through DOKU's Back Office: partial allowed, no
/// window, cumulative never above the paid amount; the money goes back to the wallet.
async fn offline_refund(
    State(app): State<JokulPushSim>,
    Json(request): Json<RefundRequest>,
) -> Response {
    let Some(key) = find_key(&app, &request.invoice_number, request.client_id.as_deref()) else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such invoice");
    };
    let Some(merchant) = app.merchant(&key.0).cloned() else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such merchant");
    };
    let (refund, payment) = {
        let mut inner = app.lock();
        let Some(p) = inner.payments.get_mut(&key) else {
            return error(StatusCode::NOT_FOUND, "not_found", "no such invoice");
        };
        if p.status != PayStatus::Success {
            return error(
                StatusCode::CONFLICT,
                "not_refundable",
                format!("the payment is {}, only SUCCESS payments are refunded", p.status.wire()),
            );
        }
        let remaining = p.amount - p.refunded;
        let amount = request.amount.unwrap_or(remaining);
        if amount <= 0 {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_parameter",
                "amount must be a positive whole number of rupiah",
            );
        }
        if amount > remaining {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "exceeds_paid_amount",
                format!("only {remaining} of {} is left to refund", p.amount),
            );
        }
        // Cash first, then points, never more of either than was used.
        let refunded_cash: i64 = p.refunds.iter().map(|r| r.split.cash).sum();
        let cash = amount.min(p.split.cash - refunded_cash);
        let split = Split { cash, points: amount - cash };
        if let Some(phone) = p.phone.as_deref() {
            if let Err(e) = app.ctx.wallets().credit(phone, split) {
                return error(StatusCode::CONFLICT, "wallet_error", e.to_string());
            }
        }
        let refund = OfflineRefund {
            amount,
            split,
            at: now_utc_text(),
            reference: request
                .reference
                .clone()
                .unwrap_or_else(|| format!("OFFLINE-{}", random_id())),
        };
        p.refunded += amount;
        p.refunds.push(refund.clone());
        if p.refunded == p.amount {
            p.status = PayStatus::Refunded;
        }
        (refund, p.clone())
    };
    if payment.status == PayStatus::Refunded {
        notify(&app, &merchant, &payment);
    }
    (StatusCode::CREATED, Json(json!({ "refund": refund, "payment": payment }))).into_response()
}
