//! DOKU SNAP direct debit for OVO: "OVO Open API" (`paymentType SALE`, OTP/PIN on a redirect
//! page) and "OVO Recurring" (`RECURRING`, no customer step), written from
//! `shared/providers/doku-snap-ovo.md` on top of the SNAP layer in [`super::snap`].
//! See `crates/ovo-sandbox/docs/doku_snap_ovo.md` for what is served and every choice made.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::Rng;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;
use serde_json::{json, Value};

mod sign;
mod wire;

use super::snap::{self, CustomerRef, Refund, SnapError, TokenCheck, TokenStore};
use super::MerchantEntry;
use crate::core::clock::{now, now_rfc3339};
use crate::core::import::{cash_split, ImportedPayment, ImportedStatus};
use crate::core::journal::{Attempt, Delivery};
use crate::core::lock;
use crate::core::notify::{Ack, Outbound, Prepare, Preparing, Tampered};
use crate::core::pending::{Decision, NewAction, Opened, Step};
use crate::core::settlement::SettlementStyle;
use crate::core::wallets::{DebitError, PaySource, Split};
use crate::core::writes::WriteKind;
use crate::core::{phone, Ctx, Linking, ProductSim, UnknownNotification};
use sign::parse_private_key;
pub use sign::{rsa_sign, NotificationParts};
use wire::{
    binding_view, check_channel, parse_object, payment_view, random_digits, required, str_field,
};

pub const KEY: &str = "doku_snap_ovo";
/// `additionalInfo.channel` of every OVO request (§1).
pub const CHANNEL: &str = "EMONEY_OVO_SNAP";

pub const PATH_TOKEN_B2B: &str = "/authorization/v1/access-token/b2b";
pub const PATH_TOKEN_B2B2C: &str = "/authorization/v1/access-token/b2b2c";
pub const PATH_BINDING: &str = "/direct-debit/core/v1/registration-account-binding";
pub const PATH_BALANCE: &str = "/direct-debit/core/v1/balance-inquiry";
pub const PATH_PAYMENT: &str = "/direct-debit/core/v1/debit/payment-host-to-host";
pub const PATH_STATUS: &str = "/orders/v1.0/debit/status";
pub const PATH_REFUND: &str = "/direct-debit/core/v1/debit/refund";
pub const PATH_UNBINDING: &str = "/direct-debit/core/v1/registration-account-unbinding";

/// How long the binding page waits for the customer (UNKNOWN; house default like SALE, §11 #8).
const BINDING_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// An unpaid SALE expires after 15 minutes with `06` "Transaction Expired" (§5.6, §11 #8).
const SALE_EXPIRY: Duration = Duration::from_secs(15 * 60);
/// DOKU retries at +30 min, +6 h and +12 h from the original attempt (§5.7, D-RETRY); the
/// notifier waits between attempts, so these are the gaps.
const NOTIFY_RETRIES: [Duration; 3] = [
    Duration::from_secs(30 * 60),
    Duration::from_secs(5 * 3600 + 30 * 60),
    Duration::from_secs(6 * 3600),
];

fn yes() -> bool {
    true
}
fn max_amount() -> i64 {
    20_000_000
}
fn recurring_delay() -> u64 {
    5_000
}

/// One `[[doku_snap_ovo]]` entry of the merchants file.
#[derive(Debug, Clone, Deserialize)]
pub struct MerchantConfig {
    /// Client ID (`BRN-…`/`MCH-…`): `X-CLIENT-KEY` on token calls, `X-PARTNER-ID` elsewhere.
    pub client_id: String,
    /// Secret Key (`SK-…`): the HMAC-SHA512 key of transactional requests.
    pub secret_key: String,
    /// PEM (PKCS#1 or SPKI): verifies the merchant's token-request signatures.
    pub merchant_public_key: String,
    /// For the app's built-in environment only; the sandbox never reads it.
    #[serde(default)]
    pub merchant_private_key: Option<String>,
    /// DOKU's ("the provider's") private key: signs the N0 token request to the merchant.
    #[serde(default)]
    pub doku_private_key: Option<String>,
    /// For the app (verifies N0); the sandbox never reads it.
    #[serde(default)]
    pub doku_public_key: Option<String>,
    /// Signs N1/N2 (§4 UNKNOWN; house default: the Secret Key).
    #[serde(default)]
    pub inbound_secret: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// The merchant-hosted B2B token endpoint (N0); absent = notifications carry no token.
    #[serde(default)]
    pub token_url: Option<String>,
    /// Payment notifications (N1); absent = none sent.
    #[serde(default)]
    pub notification_url: Option<String>,
    /// Binding notifications (N2); absent = none sent.
    #[serde(default)]
    pub binding_notification_url: Option<String>,
    /// §5.4 house default: N2 on by default, can be switched off.
    #[serde(default = "yes")]
    pub binding_notification: bool,
    /// HD 1.
    #[serde(flatten)]
    pub refund_rules: snap::RefundRules,
    /// §11 #12: above this, `4035402`.
    #[serde(default = "max_amount")]
    pub max_amount_idr: i64,
    /// §5.6: RECURRING settles after this many (real, then scaled) milliseconds.
    #[serde(default = "recurring_delay")]
    pub recurring_delay_ms: u64,
    /// §5.6: insufficient funds on RECURRING answered synchronously (`4035414`), or else as N1 `06`.
    #[serde(default = "yes")]
    pub recurring_insufficient_sync: bool,
}

#[derive(Debug)]
struct Merchant {
    cfg: MerchantConfig,
    public_key: Option<RsaPublicKey>,
    doku_key: Option<RsaPrivateKey>,
}

impl Merchant {
    fn name(&self) -> String {
        self.cfg.name.clone().unwrap_or_else(|| self.cfg.client_id.clone())
    }
    fn inbound_secret(&self) -> &str {
        self.cfg.inbound_secret.as_deref().unwrap_or(&self.cfg.secret_key)
    }
}

impl MerchantEntry for Merchant {
    fn id(&self) -> &str {
        &self.cfg.client_id
    }
}

fn load_merchants(ctx: &Ctx) -> Vec<Merchant> {
    let configs: Vec<MerchantConfig> = ctx.merchants().section_or_none(KEY);
    configs
        .into_iter()
        .map(|cfg| {
            let public_key = snap::merchant_public_key(KEY, &cfg.client_id, &cfg.merchant_public_key);
            let doku_key = cfg.doku_private_key.as_deref().and_then(|pem| {
                parse_private_key(pem).map_err(|e| tracing::warn!(client = %cfg.client_id, error = %e, "doku_private_key unusable")).ok()
            });
            Merchant { cfg, public_key, doku_key }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// State

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BindingStatus {
    Pending,
    Success,
    Failed,
    Unbound,
}

impl BindingStatus {
    fn name(self) -> &'static str {
        match self {
            BindingStatus::Pending => "PENDING",
            BindingStatus::Success => "SUCCESS",
            BindingStatus::Failed => "FAILED",
            BindingStatus::Unbound => "UNBOUND",
        }
    }
}

#[derive(Debug, Clone)]
struct Binding {
    reference_no: String,
    client_id: String,
    phone: String,
    cust_id_merchant: String,
    auth_code: String,
    external_id: String,
    status: BindingStatus,
    success_url: String,
    failed_url: String,
    action_id: String,
}

impl Binding {
    fn seeded(link: snap::SeededLink) -> Binding {
        Binding {
            reference_no: link.id,
            client_id: link.client_id,
            phone: link.phone.clone(),
            // No merchant customer id is known for a seeded link: the phone stands in.
            cust_id_merchant: link.phone,
            auth_code: snap::random_token(40),
            external_id: String::new(),
            status: BindingStatus::Success,
            success_url: String::new(),
            failed_url: String::new(),
            action_id: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PayStatus {
    Pending,
    Paid,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PaymentType {
    Sale,
    Recurring,
}

impl PaymentType {
    fn name(self) -> &'static str {
        match self {
            PaymentType::Sale => "SALE",
            PaymentType::Recurring => "RECURRING",
        }
    }
}

#[derive(Debug, Clone)]
struct Payment {
    client_id: String,
    partner_reference_no: String,
    reference_no: String,
    external_id: String,
    binding_ref: String,
    phone: String,
    cust_id_merchant: String,
    amount: i64,
    /// What `payOptionDetails` asked for.
    charge: Split,
    payment_type: PaymentType,
    status: PayStatus,
    status_desc: String,
    created_at: DateTime<Utc>,
    paid_at: Option<DateTime<Utc>>,
    approval_code: Option<String>,
    success_url: Option<String>,
    failed_url: Option<String>,
    customer_token: String,
    action_id: Option<String>,
    refunds: Vec<Refund>,
}

impl Payment {
    fn refunded(&self) -> i64 {
        self.refunds.iter().map(|r| r.amount).sum()
    }
    /// `latestTransactionStatus` (snap-standard §9.2; partial refunds keep `00`, §6).
    fn code(&self) -> &'static str {
        match self.status {
            PayStatus::Pending => "01",
            PayStatus::Failed => "06",
            PayStatus::Paid if self.refunded() == self.amount => "04",
            PayStatus::Paid => "00",
        }
    }
    fn desc(&self) -> String {
        match self.code() {
            "04" => "Refunded".into(),
            _ => self.status_desc.clone(),
        }
    }
}

/// (partner, WIB date, X-EXTERNAL-ID)
type ExternalKey = (String, NaiveDate, String);

#[derive(Debug, Default)]
struct DokuSnapState {
    b2b: TokenStore<String>,
    customer: TokenStore<CustomerRef>,
    refresh: TokenStore<CustomerRef>,
    external_ids: snap::ExternalIds,
    /// The first answer to each X-EXTERNAL-ID as sent, with the hash of its body (D-IDEM
    /// replay). Kept as text: a day of status checks holds thousands, and a parsed answer takes
    /// several times the room.
    replies: HashMap<ExternalKey, (String, Box<str>)>,
    /// Keyed by referenceNo.
    bindings: BTreeMap<String, Binding>,
    /// Keyed by (client id, partnerReferenceNo).
    payments: BTreeMap<(String, String), Payment>,
}

impl DokuSnapState {
    /// Whether binding `reference_no` is linked (SUCCESS).
    fn linked(&self, reference_no: &str) -> bool {
        self.bindings.get(reference_no).is_some_and(|b| b.status == BindingStatus::Success)
    }
}

type DokuSnapSim = super::Sim<DokuSnapState, Merchant>;

impl DokuSnapSim {
    fn new(ctx: Ctx, state: Arc<Mutex<DokuSnapState>>) -> DokuSnapSim {
        DokuSnapSim::with_merchants(ctx.clone(), state, load_merchants(&ctx))
    }
}

/// The DOKU SNAP OVO simulator.
#[derive(Debug, Default)]
pub struct DokuSnap {
    state: Arc<Mutex<DokuSnapState>>,
}

impl ProductSim for DokuSnap {
    fn key(&self) -> &'static str {
        KEY
    }
    fn settlement_style(&self) -> SettlementStyle {
        SettlementStyle::DokuSnap
    }
    fn linking(&self) -> Option<Linking> {
        Some(Linking { merchant_field: "client_id", tokens: true, provider_ref_prefix: "SEED" })
    }
    /// DOKU's notifications carry a token it first asks the merchant for (N0).
    fn notification_fields(&self, url: &str) -> Vec<(&'static str, String)> {
        vec![("notification_url", url.to_owned()), ("token_url", format!("{url}{PATH_TOKEN_B2B}"))]
    }

    fn routes(&self, ctx: Ctx) -> Router {
        let st = DokuSnapSim::new(ctx, self.state.clone());
        Router::new()
            .route(PATH_TOKEN_B2B, post(token_b2b))
            .route(PATH_TOKEN_B2B2C, post(token_b2b2c))
            .route(PATH_BINDING, op_route(Op::Binding))
            .route(PATH_BALANCE, op_route(Op::Balance))
            .route(PATH_PAYMENT, op_route(Op::Payment))
            .route(PATH_STATUS, op_route(Op::Status))
            .route(PATH_REFUND, op_route(Op::Refund))
            .route(PATH_UNBINDING, op_route(Op::Unbinding))
            .with_state(st)
    }

    fn control_routes(&self, ctx: Ctx) -> Router {
        let st = DokuSnapSim::new(ctx, self.state.clone());
        Router::new()
            .route("/_sandbox/doku_snap_ovo/state", get(control_state))
            .route("/_sandbox/doku_snap_ovo/bindings/{reference_no}", get(control_binding))
            .route("/_sandbox/doku_snap_ovo/payments/{partner_reference_no}", get(control_payment))
            .route(
                "/_sandbox/doku_snap_ovo/payments/{partner_reference_no}/backdate",
                post(control_backdate),
            )
            .route("/_sandbox/doku_snap_ovo/return/binding/{reference_no}", get(return_binding))
            .route("/_sandbox/doku_snap_ovo/return/payment/{reference_no}", get(return_payment))
            .with_state(st)
    }

    fn reset(&self) {
        *lock(&self.state) = DokuSnapState::default();
    }

    fn import(&self, ctx: &Ctx, p: &ImportedPayment) -> Result<(), String> {
        let client_id = p.merchant_or_first(ctx, KEY, "client_id")?;
        let payment_type = match p.kind.as_deref() {
            Some("recurring") => PaymentType::Recurring,
            Some("sale") | None => PaymentType::Sale,
            Some(other) => {
                return Err(format!("unknown paymentType {other:?}; known: sale, recurring"))
            }
        };
        let mut inner = lock(&self.state);
        let binding = p.binding_ref.as_ref().and_then(|b| inner.bindings.get(b)).cloned();
        let key = (client_id.clone(), p.reference.clone());
        if inner.payments.contains_key(&key) {
            return Err("a payment with this partnerReferenceNo exists".into());
        }
        let (status, status_desc) = match p.status {
            ImportedStatus::Succeeded => (PayStatus::Paid, "Success"),
            ImportedStatus::Pending => (PayStatus::Pending, "Pending"),
            ImportedStatus::Failed => (PayStatus::Failed, "Failed"),
            ImportedStatus::Expired => (PayStatus::Failed, "Expired"),
        };
        let paid = p.status == ImportedStatus::Succeeded;
        ctx.settlements().imported(KEY, p, &p.reference, p.provider_ref.as_deref().unwrap_or(""));
        let refunds = p
            .refunds
            .iter()
            .map(|r| {
                Refund::imported(r, r.provider_ref.clone().unwrap_or_else(|| random_digits(16)))
            })
            .collect();
        inner.payments.insert(
            key,
            Payment {
                client_id,
                partner_reference_no: p.reference.clone(),
                reference_no: p.provider_ref.clone().unwrap_or_else(|| random_digits(16)),
                external_id: random_digits(16),
                binding_ref: p.binding_ref.clone().unwrap_or_default(),
                phone: p.phone.clone(),
                cust_id_merchant: binding
                    .map(|b| b.cust_id_merchant)
                    .unwrap_or_else(|| p.phone.clone()),
                amount: p.amount,
                charge: cash_split(p.amount),
                payment_type,
                status,
                status_desc: status_desc.into(),
                created_at: p.created(),
                paid_at: paid.then(|| p.paid().unwrap_or_else(|| p.created())),
                approval_code: paid.then(|| random_digits(12)),
                success_url: None,
                failed_url: None,
                customer_token: String::new(),
                action_id: None,
                refunds,
            },
        );
        Ok(())
    }

    fn server_error(&self, endpoint: &str, status: u16) -> Response {
        snap::server_error(endpoint, status)
    }

    /// A success N1 for a partnerReferenceNo this provider never saw.
    fn notify_unknown(&self, ctx: &Ctx, request: &UnknownNotification) -> Result<Value, String> {
        let st = DokuSnapSim::new(ctx.clone(), self.state.clone());
        let merchant = st.merchant_or_first(request.merchant.as_deref(), KEY)?;
        let url = merchant
            .cfg
            .notification_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .ok_or("this doku_snap_ovo merchant has no notification_url")?;
        let (reference_no, external_id) = (snap::random_token(32), random_digits(36));
        let body = json!({
            "originalPartnerReferenceNo": request.reference,
            "originalReferenceNo": reference_no,
            "originalExternalId": external_id,
            "latestTransactionStatus": "00",
            "transactionStatusDesc": "Success",
            "amount": snap::amount(request.amount),
            "additionalInfo": {
                "acquirerId": "OVO", "custIdMerchant": "", "accountType": "WALLET", "channelId": CHANNEL,
                "origin": { "apiFormat": "SNAP" }, "paymentType": PaymentType::Recurring.name(),
            },
        });
        notify(&st, &merchant.cfg.client_id, "payment", Some(url), body, None);
        Ok(snap::unknown_notified(KEY, &request.reference, &reference_no))
    }

    /// `[[bindings]]`: a SUCCESS binding `provider_ref` whose customer `token` (and
    /// `refresh_token`) work for balance, payment, refund and unbinding, for ten (unscaled) years.
    fn seed(&self, ctx: &Ctx) {
        let inner = &mut *lock(&self.state);
        for link in snap::seed_links(ctx, KEY, &mut inner.customer, &mut inner.refresh) {
            inner.bindings.insert(link.id.clone(), Binding::seeded(link));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Token endpoints (73, 74)

/// The order and wording of the token calls' refusals.
const TOKEN_CALL: snap::TokenCallChecks = snap::TokenCallChecks {
    header_order: ["X-TIMESTAMP", "X-SIGNATURE", "X-CLIENT-KEY"],
    unknown_client: "Unauthorized. Unknown Client",
    bad_signature: "Unauthorized. Invalid Signature",
};

/// Headers, timestamp, client and SHA256withRSA signature of a token request (§4, §5.1).
fn check_token_request<'a>(
    st: &'a DokuSnapSim,
    headers: &HeaderMap,
) -> Result<&'a Merchant, SnapError> {
    TOKEN_CALL.check(headers, |client| st.merchant(client), |m| m.public_key.as_ref())
}

async fn token_b2b(State(st): State<DokuSnapSim>, headers: HeaderMap, body: Bytes) -> Response {
    snap::respond("73", issue_b2b(&st, &headers, &body))
}

fn issue_b2b(st: &DokuSnapSim, headers: &HeaderMap, body: &[u8]) -> Result<Value, SnapError> {
    let merchant = check_token_request(st, headers)?;
    let body = parse_object(body)?;
    let grant = required(&body, "grantType", "grantType", 64)?;
    if !grant.eq_ignore_ascii_case("client_credentials") {
        return Err(SnapError::invalid_field("[grantType]"));
    }
    let token =
        st.lock().b2b.issue(st.ctx.scale(), snap::B2B_LIFETIME, merchant.cfg.client_id.clone());
    Ok(
        json!({ "accessToken": token, "tokenType": "Bearer", "expiresIn": 900, "additionalInfo": "" }),
    )
}

async fn token_b2b2c(State(st): State<DokuSnapSim>, headers: HeaderMap, body: Bytes) -> Response {
    snap::respond("74", issue_b2b2c(&st, &headers, &body))
}

fn issue_b2b2c(st: &DokuSnapSim, headers: &HeaderMap, body: &[u8]) -> Result<Value, SnapError> {
    let merchant = check_token_request(st, headers)?;
    let client = merchant.cfg.client_id.clone();
    let body = parse_object(body)?;
    let grant = required(&body, "grantType", "grantType", 64)?.to_ascii_lowercase();
    let mut inner = st.lock();
    let binding_ref = match grant.as_str() {
        "authorization_code" => {
            let code = required(&body, "authCode", "authCode", 2048)?;
            // §5.2: the authCode is reusable while the binding is SUCCESS, until unbinding.
            inner
                .bindings
                .values()
                .find(|b| {
                    b.client_id == client
                        && b.auth_code == code
                        && b.status == BindingStatus::Success
                })
                .map(|b| b.reference_no.clone())
                .ok_or_else(|| SnapError::new(401, "00", "Unauthorized. [authCode]"))?
        }
        "refresh_token" => {
            let refresh = required(&body, "refreshToken", "refreshToken", 2048)?;
            inner
                .refresh
                .binding_of(&refresh, &client, |b| inner.linked(b))
                .ok_or_else(|| SnapError::new(401, "00", "Unauthorized. [refreshToken]"))?
        }
        _ => return Err(SnapError::invalid_field("[grantType]")),
    };
    let scale = st.ctx.scale();
    let at = now();
    let access =
        inner.customer.issue(scale, snap::B2B2C_LIFETIME, (client.clone(), binding_ref.clone()));
    let refresh = inner.refresh.issue(scale, snap::REFRESH_LIFETIME, (client, binding_ref));
    let expiry = |d: Duration| {
        snap::format_timestamp_seconds(
            at + TimeDelta::from_std(scale.scaled(d)).unwrap_or(TimeDelta::zero()),
        )
    };
    Ok(json!({
        "accessToken": access,
        "tokenType": "Bearer",
        "accessTokenExpiryTime": expiry(snap::B2B2C_LIFETIME),
        "refreshToken": refresh,
        "refreshTokenExpiryTime": expiry(snap::REFRESH_LIFETIME),
        "additionalInfo": {},
    }))
}

// ---------------------------------------------------------------------------------------------
// Transactional endpoints

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Binding,
    Balance,
    Payment,
    Status,
    Refund,
    Unbinding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CustomerToken {
    Required,
    Optional,
    Ignored,
}

impl Op {
    fn service(self) -> &'static str {
        match self {
            Op::Binding => "07",
            Op::Balance => "11",
            Op::Payment => "54",
            Op::Status => "55",
            Op::Refund => "58",
            Op::Unbinding => "09",
        }
    }
    /// §3: JULO sends `Authorization-Customer` on balance and payment; the Go SDK also on refund.
    fn customer_token(self) -> CustomerToken {
        match self {
            Op::Balance | Op::Payment => CustomerToken::Required,
            Op::Refund => CustomerToken::Optional,
            Op::Binding | Op::Status | Op::Unbinding => CustomerToken::Ignored,
        }
    }
}

#[derive(Debug, Clone)]
struct Caller {
    client_id: String,
    external_id: String,
    /// (binding referenceNo, the customer token) when `Authorization-Customer` was checked.
    customer: Option<(String, String)>,
}

fn op_route(op: Op) -> MethodRouter<DokuSnapSim> {
    post(
        move |State(st): State<DokuSnapSim>,
              method: Method,
              uri: Uri,
              headers: HeaderMap,
              body: Bytes| async move { transact(st, op, method, uri, headers, body) },
    )
}

/// The validation order of snap-standard §11, steps 1–4.
fn authenticate(
    st: &DokuSnapSim,
    op: Op,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, SnapError> {
    // 1. Mandatory headers (the JULO core set, §3).
    let ts = snap::required_header(headers, "X-TIMESTAMP")?;
    let signature = snap::required_header(headers, "X-SIGNATURE")?;
    let partner = snap::required_header(headers, "X-PARTNER-ID")?;
    let external_id = snap::required_header(headers, "X-EXTERNAL-ID")?;
    // 2. Formats.
    snap::check_timestamp(ts)?;
    if external_id.len() > 36 || !external_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SnapError::invalid_field("[X-EXTERNAL-ID]"));
    }
    // 3. Tokens.
    let auth = snap::header(headers, "Authorization")
        .ok_or_else(|| SnapError::new(401, "03", "Token Not Found (B2B)"))?;
    let token = snap::bearer(auth).to_owned();
    let client = match st.lock().b2b.check(&token) {
        TokenCheck::Valid(client) => client,
        TokenCheck::Expired | TokenCheck::Unknown => {
            return Err(SnapError::new(401, "01", "Invalid Token (B2B)"))
        }
    };
    if client != partner {
        return Err(SnapError::unauthorized("X-PARTNER-ID"));
    }
    let merchant =
        st.merchant(&client).ok_or_else(|| SnapError::new(401, "01", "Invalid Token (B2B)"))?;
    let customer = match (op.customer_token(), snap::header(headers, "Authorization-Customer")) {
        (CustomerToken::Ignored, _) | (CustomerToken::Optional, None) => None,
        (CustomerToken::Required, None) => {
            return Err(SnapError::new(401, "04", "Customer Token Not Found"))
        }
        (_, Some(value)) => {
            // House decision 4: with or without `Bearer `.
            let customer_token = snap::bearer(value).to_owned();
            let inner = st.lock();
            let binding = inner
                .customer
                .binding_of(&customer_token, &client, |b| inner.linked(b))
                .ok_or_else(|| SnapError::new(401, "02", "Invalid Customer Token"))?;
            Some((binding, customer_token))
        }
    };
    // 4. Signature: HMAC-SHA512 over the path (and query) with the B2B token (§4).
    let relative =
        uri.path_and_query().map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    if snap::verify_symmetric(
        &merchant.cfg.secret_key,
        method.as_str(),
        &relative,
        &token,
        body,
        ts,
        signature,
    )
    .is_none()
    {
        return Err(SnapError::unauthorized("Signature"));
    }
    Ok(Caller { client_id: client, external_id: external_id.to_owned(), customer })
}

fn transact(
    st: DokuSnapSim,
    op: Op,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let service = op.service();
    let caller = match authenticate(&st, op, &method, &uri, &headers, &body) {
        Ok(caller) => caller,
        Err(e) => return e.into_response(service),
    };
    // 5. X-EXTERNAL-ID once per (partner, WIB date); the same body gets the first answer back
    //    with HTTP 409 (§7, D-IDEM).
    let at = now();
    let key = (caller.client_id.clone(), snap::wib_date(at), caller.external_id.clone());
    let hash = snap::body_hash(&snap::minify(&body));
    {
        let mut inner = st.lock();
        if !inner.external_ids.claim(&caller.client_id, &caller.external_id, at) {
            let first = match inner.replies.get(&key) {
                Some((h, first)) if *h == hash => serde_json::from_str::<Value>(first).ok(),
                _ => None,
            };
            return match first {
                Some(first) => {
                    if let Some((kind, reference)) = written(op, &first) {
                        st.ctx.writes().replayed(KEY, kind, &reference);
                    }
                    (StatusCode::CONFLICT, Json(first)).into_response()
                }
                _ => SnapError::new(409, "00", "Conflict").into_response(service),
            };
        }
    }
    // 6–7. Body and business rules.
    let result = parse_object(&body).and_then(|v| match op {
        Op::Binding => binding(&st, &caller, &v),
        Op::Balance => balance(&st, &caller),
        Op::Payment => payment(&st, &caller, &v),
        Op::Status => status(&st, &caller, &v),
        Op::Refund => refund(&st, &caller, &v),
        Op::Unbinding => unbinding(&st, &caller, &v),
    });
    let (http, answer) = match result {
        Ok(fields) => (200, snap::ok_body(service, fields)),
        Err(e) => {
            (e.http, json!({ "responseCode": e.code(service), "responseMessage": e.message }))
        }
    };
    {
        let mut inner = st.lock();
        let yesterday = key.1.pred_opt().unwrap_or(key.1);
        inner.replies.retain(|(_, date, _), _| *date >= yesterday);
        inner.replies.insert(key, (hash, answer.to_string().into_boxed_str()));
    }
    (StatusCode::from_u16(http).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(answer))
        .into_response()
}

/// The write a successful answer of `op` reports, for the writes count of a replay.
fn written(op: Op, answer: &Value) -> Option<(WriteKind, String)> {
    if !str_field(answer, "responseCode").is_some_and(|c| c.starts_with("200")) {
        return None;
    }
    let (kind, reference) = match op {
        Op::Payment => (WriteKind::Payment, str_field(answer, "partnerReferenceNo")),
        Op::Refund => (WriteKind::Refund, str_field(answer, "partnerRefundNo")),
        Op::Binding => (
            WriteKind::Link,
            answer.get("additionalInfo").and_then(|i| str_field(i, "custIdMerchant")),
        ),
        Op::Unbinding => (WriteKind::Unlink, str_field(answer, "referenceNo")),
        Op::Balance | Op::Status => return None,
    };
    reference.map(|r| (kind, r.to_owned()))
}

// --- 07 binding -------------------------------------------------------------------------------

fn binding(st: &DokuSnapSim, caller: &Caller, body: &Value) -> Result<Value, SnapError> {
    let phone_no = required(body, "phoneNo", "phoneNo", 16)?;
    if phone_no.len() < 9
        || !phone_no.starts_with("62")
        || !phone_no.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(SnapError::invalid_field("[phoneNo]"));
    }
    let info = body
        .get("additionalInfo")
        .filter(|v| v.is_object())
        .ok_or_else(|| SnapError::missing_field("[additionalInfo]"))?;
    check_channel(Some(info), true)?;
    let cust = required(info, "custIdMerchant", "additionalInfo.custIdMerchant", 64)?;
    let success_url =
        required(info, "successRegistrationUrl", "additionalInfo.successRegistrationUrl", 2048)?;
    let failed_url =
        required(info, "failedRegistrationUrl", "additionalInfo.failedRegistrationUrl", 2048)?;
    let not_registered = || {
        SnapError::new(
            404,
            "11",
            "Transaction Not Permitted. OVO account not available please register to ovo",
        )
    };
    let phone = phone::canonical(&phone_no).ok_or_else(not_registered)?;
    let account = st.ctx.wallets().get(&phone).ok_or_else(not_registered)?;
    if account.blocked {
        return Err(SnapError::new(
            403,
            "15",
            "Transaction Not Permitted. OVO account blocked temporary",
        ));
    }
    let merchant = st.merchant(&caller.client_id).map(Merchant::name).unwrap_or_default();
    let mut inner = st.lock();
    if let Some(active) = inner.bindings.values().find(|b| {
        b.client_id == caller.client_id && b.phone == phone && b.status == BindingStatus::Success
    }) {
        let message = if active.cust_id_merchant == cust {
            "Transaction Not Permitted. Account Already Registered"
        } else {
            "Transaction Not Permitted. OVO account already registered by another customer"
        };
        return Err(SnapError::new(403, "15", message));
    }
    let reference_no = random_digits(12);
    let opened = st.ctx.pending().open(
        st.ctx.wallets(),
        NewAction::binding(
            KEY,
            phone.clone(),
            merchant,
            "Link your OVO account (DOKU direct debit)".into(),
        )
        .returning_to(Some(format!(
            "{}/_sandbox/doku_snap_ovo/return/binding/{reference_no}",
            st.ctx.base_url()
        ))),
    );
    let auth_code = snap::random_token(40);
    inner.bindings.insert(
        reference_no.clone(),
        Binding {
            reference_no: reference_no.clone(),
            client_id: caller.client_id.clone(),
            phone,
            cust_id_merchant: cust.clone(),
            auth_code: auth_code.clone(),
            external_id: caller.external_id.clone(),
            status: BindingStatus::Pending,
            success_url,
            failed_url,
            action_id: opened.id.clone(),
        },
    );
    drop(inner);
    st.ctx.writes().processed(KEY, WriteKind::Link, &cust);
    let redirect = format!("{}/_sandbox/customer/{}", st.ctx.base_url(), opened.id);
    tokio::spawn(await_binding(st.clone(), reference_no.clone(), opened));
    Ok(json!({
        "referenceNo": reference_no,
        "redirectUrl": redirect,
        "additionalInfo": { "custIdMerchant": cust, "status": "PENDING", "accountStatus": "PENDING", "authCode": auth_code },
    }))
}

async fn await_binding(st: DokuSnapSim, reference_no: String, opened: Opened) {
    let approved =
        match tokio::time::timeout(st.ctx.scale().scaled(BINDING_TIMEOUT), opened.decision).await {
            Ok(Ok(Decision::Approve { .. })) => true,
            Ok(Ok(Decision::Decline) | Err(_)) => false,
            Err(_) => {
                st.ctx.pending().withdraw(&opened.id);
                false
            }
        };
    let binding = {
        let mut inner = st.lock();
        let Some(b) =
            inner.bindings.get_mut(&reference_no).filter(|b| b.status == BindingStatus::Pending)
        else {
            return;
        };
        b.status = if approved { BindingStatus::Success } else { BindingStatus::Failed };
        b.clone()
    };
    let Some(merchant) = st.merchant(&binding.client_id) else {
        return;
    };
    if !merchant.cfg.binding_notification {
        return;
    }
    // N2 (§5.4).
    let body = json!({
        "originalExternalId": binding.external_id,
        "additionalInfo": { "status": binding.status.name(), "authCode": binding.auth_code, "custIdMerchant": binding.cust_id_merchant },
    });
    notify(
        &st,
        &binding.client_id,
        "binding",
        merchant.cfg.binding_notification_url.clone(),
        body,
        None,
    );
}

// --- 11 balance -------------------------------------------------------------------------------

fn balance(st: &DokuSnapSim, caller: &Caller) -> Result<Value, SnapError> {
    let (binding_ref, _) = caller
        .customer
        .clone()
        .ok_or_else(|| SnapError::new(401, "04", "Customer Token Not Found"))?;
    let phone = st.lock().bindings.get(&binding_ref).map(|b| b.phone.clone()).unwrap_or_default();
    let account = st
        .ctx
        .wallets()
        .get(&phone)
        .ok_or_else(|| SnapError::new(404, "11", "Invalid Card/Account/Customer"))?;
    // House decision 4: both `amount` and `availableBalance`.
    let info = |kind: &str, value: i64| {
        json!({
            "balanceType": kind,
            "amount": snap::amount(value),
            "availableBalance": snap::amount(value),
            "flatAmount": snap::amount(value),
            "holdAmount": snap::amount(0),
        })
    };
    Ok(json!({ "accountInfos": [info("CASH", account.cash), info("POINTS", account.points)] }))
}

// --- 54 payment -------------------------------------------------------------------------------

fn debit_error(e: DebitError) -> SnapError {
    match e {
        DebitError::Insufficient => SnapError::new(403, "14", "Insufficient Funds"),
        DebitError::LimitExceeded => SnapError::new(403, "02", "Exceeds Transaction Amount Limit"),
        DebitError::Blocked => SnapError::new(403, "18", "Inactive Card/Account/Customer"),
        DebitError::NoAccount => SnapError::new(404, "11", "Invalid Card/Account/Customer"),
        DebitError::InvalidAmount => SnapError::new(404, "13", "Invalid Amount"),
    }
}

/// Checks (or takes) a cash/points split from the wallet; the two parts are taken together or not at all.
fn take_split(
    st: &DokuSnapSim,
    phone: &str,
    split: Split,
    debit: bool,
) -> Result<Split, DebitError> {
    let wallets = st.ctx.wallets();
    let parts = [(split.cash, PaySource::Cash), (split.points, PaySource::Points)];
    if !debit {
        for (amount, source) in parts {
            if amount > 0 {
                wallets.check(phone, amount, source)?;
            }
        }
        return Ok(split);
    }
    let mut taken = Split::default();
    for (amount, source) in parts {
        if amount > 0 {
            match wallets.debit(phone, amount, source) {
                Ok(s) => {
                    taken.cash += s.cash;
                    taken.points += s.points;
                }
                Err(e) => {
                    if taken.total() > 0 {
                        let _ = wallets.credit(phone, taken);
                    }
                    return Err(e);
                }
            }
        }
    }
    Ok(taken)
}

fn payment(st: &DokuSnapSim, caller: &Caller, body: &Value) -> Result<Value, SnapError> {
    let (binding_ref, customer_token) = caller
        .customer
        .clone()
        .ok_or_else(|| SnapError::new(401, "04", "Customer Token Not Found"))?;
    let merchant = st
        .merchant(&caller.client_id)
        .ok_or_else(|| SnapError::new(404, "08", "Invalid Merchant"))?;
    let partner_ref = required(body, "partnerReferenceNo", "partnerReferenceNo", 64)?;
    let amount = snap::parse_amount(body.get("amount"), "amount")?;
    let info = body
        .get("additionalInfo")
        .filter(|v| v.is_object())
        .ok_or_else(|| SnapError::missing_field("[additionalInfo]"))?;
    check_channel(Some(info), true)?;
    let payment_type = match required(info, "paymentType", "additionalInfo.paymentType", 16)?
        .to_ascii_uppercase()
        .as_str()
    {
        "SALE" => PaymentType::Sale,
        "RECURRING" => PaymentType::Recurring,
        _ => return Err(SnapError::invalid_field("[additionalInfo.paymentType]")),
    };
    let (success_url, failed_url) = match payment_type {
        PaymentType::Sale => (
            Some(required(info, "successPaymentUrl", "additionalInfo.successPaymentUrl", 2048)?),
            Some(required(info, "failedPaymentUrl", "additionalInfo.failedPaymentUrl", 2048)?),
        ),
        PaymentType::Recurring => (
            str_field(info, "successPaymentUrl").map(str::to_owned),
            str_field(info, "failedPaymentUrl").map(str::to_owned),
        ),
    };
    let options = body
        .get("payOptionDetails")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| SnapError::missing_field("[payOptionDetails]"))?;
    let mut charge = Split::default();
    let mut seen = (false, false);
    for option in options {
        let method =
            required(option, "payMethod", "payOptionDetails.payMethod", 16)?.to_ascii_uppercase();
        let part = snap::parse_amount(option.get("transAmount"), "payOptionDetails.transAmount")?;
        match method.as_str() {
            "CASH" if !seen.0 => {
                seen.0 = true;
                charge.cash = part;
            }
            "POINTS" if !seen.1 => {
                seen.1 = true;
                charge.points = part;
            }
            _ => return Err(SnapError::invalid_field("[payOptionDetails.payMethod]")),
        }
    }
    // §11 #12: min 1, max configurable (20,000,000).
    if amount < 1 || charge.total() != amount {
        return Err(SnapError::new(404, "13", "Invalid Amount"));
    }
    if amount > merchant.cfg.max_amount_idr {
        return Err(SnapError::new(403, "02", "Exceeds Transaction Amount Limit"));
    }
    let key = (caller.client_id.clone(), partner_ref.clone());
    let (phone, cust) = {
        let inner = st.lock();
        if let Some(existing) = inner.payments.get(&key) {
            // snap-standard §10: never processed twice; other parameters are inconsistent.
            if existing.amount != amount {
                return Err(SnapError::new(404, "18", "Inconsistent Request"));
            }
            st.ctx.writes().replayed(KEY, WriteKind::Payment, &partner_ref);
            return Err(SnapError::new(409, "01", "Duplicate partnerReferenceNo"));
        }
        let b = inner
            .bindings
            .get(&binding_ref)
            .ok_or_else(|| SnapError::new(401, "02", "Invalid Customer Token"))?;
        (b.phone.clone(), b.cust_id_merchant.clone())
    };
    match take_split(st, &phone, charge, false) {
        Ok(_) => {}
        Err(DebitError::Insufficient)
            if payment_type == PaymentType::Recurring
                && !merchant.cfg.recurring_insufficient_sync => {}
        Err(e) => return Err(debit_error(e)),
    }
    let reference_no = snap::random_token(32);
    let opened = (payment_type == PaymentType::Sale).then(|| {
        st.ctx.pending().open(
            st.ctx.wallets(),
            // The split comes from the request's payOptionDetails: the page offers no source.
            NewAction::pin_payment(
                KEY,
                phone.clone(),
                amount,
                merchant.name(),
                format!("Payment {partner_ref}"),
                vec![Step::Otp, Step::Pin],
            )
            .returning_to(Some(format!(
                "{}/_sandbox/doku_snap_ovo/return/payment/{reference_no}",
                st.ctx.base_url()
            ))),
        )
    });
    let payment = Payment {
        client_id: caller.client_id.clone(),
        partner_reference_no: partner_ref.clone(),
        reference_no: reference_no.clone(),
        external_id: caller.external_id.clone(),
        binding_ref,
        phone,
        cust_id_merchant: cust,
        amount,
        charge,
        payment_type,
        status: PayStatus::Pending,
        status_desc: "Initiated".into(),
        created_at: now(),
        paid_at: None,
        approval_code: None,
        success_url,
        failed_url,
        customer_token,
        action_id: opened.as_ref().map(|o| o.id.clone()),
        refunds: Vec::new(),
    };
    st.lock().payments.insert(key.clone(), payment);
    st.ctx.writes().processed(KEY, WriteKind::Payment, &partner_ref);
    let mut answer = json!({ "referenceNo": reference_no, "partnerReferenceNo": partner_ref });
    match opened {
        Some(opened) => {
            answer["webRedirectUrl"] =
                json!(format!("{}/_sandbox/customer/{}", st.ctx.base_url(), opened.id));
            tokio::spawn(await_sale(st.clone(), key, opened));
        }
        None => {
            let delay = Duration::from_millis(merchant.cfg.recurring_delay_ms);
            let st = st.clone();
            tokio::spawn(async move {
                st.ctx.scale().sleep(delay).await;
                settle(&st, &key, Ok(()));
            });
        }
    }
    Ok(answer)
}

async fn await_sale(st: DokuSnapSim, key: (String, String), opened: Opened) {
    let outcome =
        match tokio::time::timeout(st.ctx.scale().scaled(SALE_EXPIRY), opened.decision).await {
            // The merchant's payOptionDetails decides cash or points, not the page.
            Ok(Ok(Decision::Approve { .. })) => Ok(()),
            Ok(Ok(Decision::Decline) | Err(_)) => Err("Customer Declined"),
            Err(_) => {
                st.ctx.pending().withdraw(&opened.id);
                Err("Transaction Expired")
            }
        };
    settle(&st, &key, outcome);
}

/// Takes a pending payment to `00` or `06` and notifies the merchant (N1).
fn settle(st: &DokuSnapSim, key: &(String, String), outcome: Result<(), &str>) {
    let settled = {
        let mut inner = st.lock();
        let Some(p) = inner.payments.get(key).filter(|p| p.status == PayStatus::Pending).cloned()
        else {
            return;
        };
        let result = outcome.map_err(str::to_owned).and_then(|()| {
            take_split(st, &p.phone, p.charge, true).map_err(|e| match e {
                DebitError::Insufficient => "Insufficient Funds".to_owned(),
                other => debit_error(other).message,
            })
        });
        // A success_after_failure drill: the money moved, but the record says failed for now.
        let late =
            if result.is_ok() { st.ctx.faults().take_success_after_failure(KEY) } else { None };
        let Some(p) = inner.payments.get_mut(key) else {
            return;
        };
        match result {
            Ok(split) if late.is_some() => {
                p.charge = split;
                p.status = PayStatus::Failed;
                p.status_desc = "Failed".into();
            }
            Ok(split) => {
                p.charge = split;
                p.status = PayStatus::Paid;
                p.status_desc = "Success".into();
                p.paid_at = Some(now());
                p.approval_code = Some(random_digits(12));
            }
            Err(desc) => {
                p.status = PayStatus::Failed;
                p.status_desc = desc;
            }
        }
        if let Some(wait) = late {
            let key = key.clone();
            let turn = move |inner: &mut DokuSnapState| {
                let p = inner.payments.get_mut(&key).filter(|p| p.status == PayStatus::Failed)?;
                p.status = PayStatus::Paid;
                p.status_desc = "Success".into();
                p.paid_at = Some(now());
                p.approval_code = Some(random_digits(12));
                Some(p.clone())
            };
            st.succeed_later(wait, turn, |st, p| {
                record_settled(st, p);
                notify_payment(st, p);
            });
        }
        p.clone()
    };
    record_settled(st, &settled);
    notify_payment(st, &settled);
}

/// A payment that is paid now, for the settlement files (at its `paidTime`).
fn record_settled(st: &DokuSnapSim, p: &Payment) {
    if let (PayStatus::Paid, Some(at)) = (p.status, p.paid_at) {
        st.ctx.settlements().payment(KEY, &p.partner_reference_no, p.amount, at, &p.reference_no);
    }
}

/// N1 for the payment as given.
fn notify_payment(st: &DokuSnapSim, payment: &Payment) {
    let Some(merchant) = st.merchant(&payment.client_id) else {
        return;
    };
    let mut info = json!({
        "acquirerId": "OVO",
        "custIdMerchant": payment.cust_id_merchant,
        "accountType": "WALLET",
        "channelId": CHANNEL,
        "origin": { "apiFormat": "SNAP" },
        "paymentType": payment.payment_type.name(),
    });
    if let Some(url) = &payment.success_url {
        info["successPaymentUrl"] = json!(url);
    }
    if let Some(url) = &payment.failed_url {
        info["failedPaymentUrl"] = json!(url);
    }
    let body = json!({
        "originalPartnerReferenceNo": payment.partner_reference_no,
        "originalReferenceNo": payment.reference_no,
        "originalExternalId": payment.external_id,
        "latestTransactionStatus": payment.code(),
        "transactionStatusDesc": payment.desc(),
        "amount": snap::amount(payment.amount),
        "additionalInfo": info,
    });
    notify(
        st,
        &payment.client_id,
        "payment",
        merchant.cfg.notification_url.clone(),
        body,
        Some(payment.customer_token.clone()),
    );
}

// --- 55 status --------------------------------------------------------------------------------

fn status(st: &DokuSnapSim, caller: &Caller, body: &Value) -> Result<Value, SnapError> {
    let service_code = required(body, "serviceCode", "serviceCode", 2)?;
    // House decision 4: `55` (SDKs) and `54` (ASPI, production code).
    if service_code != "55" && service_code != "54" {
        return Err(SnapError::invalid_field("[serviceCode]"));
    }
    let partner_ref = str_field(body, "originalPartnerReferenceNo");
    let reference_no = str_field(body, "originalReferenceNo");
    let external_id = str_field(body, "originalExternalId");
    if partner_ref.is_none() && reference_no.is_none() && external_id.is_none() {
        return Err(SnapError::missing_field("[originalPartnerReferenceNo]"));
    }
    let inner = st.lock();
    let payment = inner
        .payments
        .values()
        .find(|p| {
            p.client_id == caller.client_id
                && partner_ref.is_none_or(|r| r == p.partner_reference_no)
                && reference_no.is_none_or(|r| r == p.reference_no)
                && external_id.is_none_or(|r| r == p.external_id)
        })
        .ok_or_else(|| SnapError::new(404, "01", "Transaction Not Found"))?;
    let history: Vec<Value> = payment
        .refunds
        .iter()
        .map(|r| {
            let mut entry = r.history_entry();
            entry["reason"] = json!(r.reason.clone().unwrap_or_default());
            entry
        })
        .collect();
    let mut answer = json!({
        "originalPartnerReferenceNo": payment.partner_reference_no,
        "originalReferenceNo": payment.reference_no,
        "originalExternalId": payment.external_id,
        "serviceCode": service_code,
        "latestTransactionStatus": payment.code(),
        "transactionStatusDesc": payment.desc(),
        "originalResponseCode": "2005400",
        "originalResponseMessage": "Request has been processed successfully",
        "refundHistory": history,
        "transAmount": snap::amount(payment.amount),
        "feeAmount": snap::amount(0),
        "additionalInfo": { "channel": CHANNEL, "channelId": CHANNEL, "acquirer": "OVO", "paymentType": payment.payment_type.name() },
    });
    if let Some(code) = &payment.approval_code {
        answer["approvalCode"] = json!(code);
    }
    if let Some(paid) = payment.paid_at {
        answer["paidTime"] = json!(snap::format_timestamp_seconds(paid));
    }
    Ok(answer)
}

// --- 58 refund --------------------------------------------------------------------------------

fn refund(st: &DokuSnapSim, caller: &Caller, body: &Value) -> Result<Value, SnapError> {
    let merchant = st
        .merchant(&caller.client_id)
        .ok_or_else(|| SnapError::new(404, "08", "Invalid Merchant"))?;
    let original = required(body, "originalPartnerReferenceNo", "originalPartnerReferenceNo", 64)?;
    let partner_refund_no = required(body, "partnerRefundNo", "partnerRefundNo", 64)?;
    let amount = snap::parse_amount(body.get("refundAmount"), "refundAmount")?;
    check_channel(body.get("additionalInfo"), true)?;
    let reason = str_field(body, "reason").map(str::to_owned);
    let at = now();
    let today = snap::wib_date(at);
    let mut inner = st.lock();
    let merchants_payments = inner
        .payments
        .values()
        .filter(|p| p.client_id == caller.client_id)
        .map(|p| (p.partner_reference_no.as_str(), p.refunds.as_slice()));
    // HD 1 daily limit: refunds submitted today (WIB) by this merchant.
    let refunded_today = snap::check_new_refund(
        &st.ctx,
        KEY,
        merchants_payments,
        &partner_refund_no,
        &original,
        amount,
        today,
    )?;
    let payment = inner
        .payments
        .get_mut(&(caller.client_id.clone(), original))
        .ok_or_else(|| SnapError::new(404, "01", "Transaction Not Found"))?;
    if str_field(body, "originalExternalId").is_some_and(|e| e != payment.external_id) {
        return Err(SnapError::new(404, "01", "Transaction Not Found"));
    }
    if caller.customer.as_ref().is_some_and(|(b, _)| *b != payment.binding_ref) {
        return Err(SnapError::new(401, "02", "Invalid Customer Token"));
    }
    if payment.code() != "00" {
        return Err(SnapError::new(404, "00", "Invalid Transaction Status"));
    }
    let not_allowed = || SnapError::new(405, "01", "Requested Operation Is Not Allowed");
    let paid_date = snap::wib_date(payment.paid_at.unwrap_or(payment.created_at));
    let last_day = paid_date
        .checked_add_signed(TimeDelta::days(i64::from(
            merchant.cfg.refund_rules.refund_window_days,
        )))
        .unwrap_or(NaiveDate::MAX);
    if today > last_day {
        return Err(not_allowed());
    }
    if amount < 1 || payment.refunded() + amount > payment.amount {
        return Err(SnapError::new(404, "13", "Invalid Amount"));
    }
    if !merchant.cfg.refund_rules.partial_refund
        && (amount != payment.amount || payment.refunded() > 0)
    {
        return Err(not_allowed());
    }
    if merchant
        .cfg
        .refund_rules
        .daily_refund_limit_idr
        .is_some_and(|limit| refunded_today + amount > limit)
    {
        return Err(not_allowed());
    }
    // Money goes back where it came from: cash first, then points.
    let cash_back: i64 = payment.refunds.iter().map(|r| r.split.cash).sum();
    let cash = amount.min(payment.charge.cash - cash_back);
    let split = Split { cash, points: amount - cash };
    st.ctx.wallets().credit(&payment.phone, split).map_err(debit_error)?;
    let refund_no = random_digits(16);
    payment.refunds.push(Refund {
        refund_no: refund_no.clone(),
        partner_refund_no: partner_refund_no.clone(),
        amount,
        split,
        reason,
        at,
    });
    st.ctx.writes().processed(KEY, WriteKind::Refund, &partner_refund_no);
    st.ctx.settlements().refund(KEY, &payment.partner_reference_no, amount, at);
    Ok(json!({
        "refundAmount": snap::amount(amount),
        "originalPartnerReferenceNo": payment.partner_reference_no,
        "originalReferenceNo": payment.reference_no,
        "refundNo": refund_no,
        "partnerRefundNo": partner_refund_no,
        "refundTime": snap::format_timestamp_seconds(at),
    }))
}

// --- 09 unbinding -----------------------------------------------------------------------------

fn unbinding(st: &DokuSnapSim, caller: &Caller, body: &Value) -> Result<Value, SnapError> {
    let token_id = required(body, "tokenId", "tokenId", 2048)?;
    check_channel(body.get("additionalInfo"), true)?;
    let mut inner = st.lock();
    let binding_ref = match inner.customer.check(&token_id) {
        TokenCheck::Valid((client, b)) if client == caller.client_id => b,
        _ => return Err(SnapError::new(401, "02", "Invalid Customer Token")),
    };
    let binding = inner
        .bindings
        .get_mut(&binding_ref)
        .filter(|b| b.status == BindingStatus::Success)
        .ok_or_else(|| SnapError::new(401, "02", "Invalid Customer Token"))?;
    binding.status = BindingStatus::Unbound;
    let revoked = (caller.client_id.clone(), binding_ref.clone());
    inner.customer.revoke_where(|r| *r == revoked);
    inner.refresh.revoke_where(|r| *r == revoked);
    st.ctx.writes().processed(KEY, WriteKind::Unlink, &binding_ref);
    Ok(json!({ "referenceNo": binding_ref, "additionalInfo": {} }))
}

// ---------------------------------------------------------------------------------------------
// Notifications (N0 token, then N1/N2)

/// N0: DOKU asks the merchant for a B2B token, signing `clientId|X-TIMESTAMP` with DOKU's key
/// (§5.8). Journaled as a delivery of kind `token`. A failed call, a non-2xx answer or an answer
/// without `accessToken` is an error.
async fn merchant_token(
    st: &DokuSnapSim,
    client_id: &str,
    url: &str,
    key: &RsaPrivateKey,
) -> Result<String, String> {
    let ts = snap::format_timestamp_seconds(now());
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("X-CLIENT-KEY".to_owned(), client_id.to_owned()),
        ("X-TIMESTAMP".to_owned(), ts.clone()),
        ("X-SIGNATURE".to_owned(), rsa_sign(key, &format!("{client_id}|{ts}"))),
    ];
    let body = r#"{"grantType":"client_credentials"}"#;
    let journal = st.ctx.journal();
    let seq = journal.next_seq();
    journal.start_delivery(Delivery {
        seq,
        product: KEY,
        kind: "token".to_owned(),
        url: url.to_owned(),
        headers: headers.clone(),
        body: body.to_owned(),
        tampered: false,
        replay_of: None,
        attempts: Vec::new(),
        delivered: false,
    });
    let mut request = st.ctx.notifier().http().post(url).body(body);
    for (k, v) in &headers {
        request = request.header(k, v);
    }
    let (status, token) = match request.send().await {
        Ok(r) => {
            let status = r.status();
            let answer: Value = r.json().await.unwrap_or(Value::Null);
            let token = str_field(&answer, "accessToken")
                .filter(|_| status.is_success())
                .map(str::to_owned);
            let error = if token.is_some() {
                None
            } else {
                Some(format!("the merchant answered {} without an accessToken", status.as_u16()))
            };
            (Some(status.as_u16()), token.ok_or_else(|| error.unwrap_or_default()))
        }
        Err(e) => (None, Err(e.to_string())),
    };
    journal.add_attempt(
        seq,
        Attempt { at: now_rfc3339(), status, error: token.as_ref().err().cloned() },
        token.is_ok(),
    );
    token.map_err(|e| {
        tracing::warn!(error = %e, url, "merchant token request (N0) failed");
        format!("N0 token request failed: {e}")
    })
}

/// Sends N1/N2 through the core notifier. With a `token_url` and a usable `doku_private_key`,
/// every attempt (the first and each retry) first fetches a fresh N0 token and is signed with it
/// and a fresh `X-TIMESTAMP`; if N0 fails, that attempt is not sent and the schedule goes on.
/// Without them, the notification carries no token and its headers are fixed.
fn notify(
    st: &DokuSnapSim,
    client_id: &str,
    kind: &'static str,
    url: Option<String>,
    body: Value,
    customer_token: Option<String>,
) {
    let (Some(url), Some(merchant)) = (url, st.merchant(client_id)) else {
        return;
    };
    let parts = Arc::new(NotificationParts {
        url: url.clone(),
        client_id: client_id.to_owned(),
        body: body.to_string(),
        external_id: random_digits(36),
        customer_token,
    });
    let secret = merchant.inbound_secret().to_owned();
    // The wrong_signature_notification drill: the same message signed with a wrong secret.
    let wrong_secret = format!("{secret}-tampered");
    let ts = snap::format_timestamp_seconds(now());
    let headers = parts.headers(&secret, "", &ts);
    let tampered = parts.headers(&wrong_secret, "", &ts);
    let n0 = match (&merchant.cfg.token_url, &merchant.doku_key) {
        (Some(token_url), Some(key)) => Some((token_url.clone(), key.clone())),
        (Some(_), None) => {
            tracing::warn!(client = %client_id, "token_url set but no usable doku_private_key: notification sent without a token");
            None
        }
        (None, _) => None,
    };
    let prepare = n0.map(|(token_url, key)| {
        let (st, parts) = (st.clone(), parts.clone());
        Prepare::new(move |attempt: Preparing| {
            let (st, parts, token_url, key) =
                (st.clone(), parts.clone(), token_url.clone(), key.clone());
            let secret = if attempt.tampered { wrong_secret.clone() } else { secret.clone() };
            async move {
                let token = merchant_token(&st, &parts.client_id, &token_url, &key).await?;
                Ok(Some(parts.headers(&secret, &token, &snap::format_timestamp_seconds(now()))))
            }
        })
    });
    st.ctx.notifier().send(Outbound {
        product: KEY,
        kind: kind.to_owned(),
        url: url.clone(),
        method: reqwest::Method::POST,
        headers,
        body: parts.body.clone(),
        retries: NOTIFY_RETRIES.to_vec(),
        tampered: Some(Tampered { url, headers: tampered, body: parts.body.clone() }),
        ack: Ack::Http2xx,
        prepare,
    });
}

// ---------------------------------------------------------------------------------------------
// Control routes and the customer's return from the pages

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": "not found" }))).into_response()
}

async fn control_state(State(st): State<DokuSnapSim>) -> Json<Value> {
    let inner = st.lock();
    Json(json!({
        "bindings": inner.bindings.values().map(binding_view).collect::<Vec<_>>(),
        "payments": inner.payments.values().map(payment_view).collect::<Vec<_>>(),
        "issued": {
            "b2b": inner.b2b.valid_where(|_| true),
            "customer": inner.customer.valid_where(|_| true),
            "refresh": inner.refresh.valid_where(|_| true),
        },
    }))
}

async fn control_binding(
    State(st): State<DokuSnapSim>,
    Path(reference_no): Path<String>,
) -> Response {
    st.lock()
        .bindings
        .get(&reference_no)
        .map_or_else(not_found, |b| Json(binding_view(b)).into_response())
}

async fn control_payment(
    State(st): State<DokuSnapSim>,
    Path(partner_ref): Path<String>,
) -> Response {
    let inner = st.lock();
    inner
        .payments
        .values()
        .find(|p| p.partner_reference_no == partner_ref)
        .map_or_else(not_found, |p| Json(payment_view(p)).into_response())
}

/// Moves a payment (and its success time) `days` into the past, to drill the refund window.
async fn control_backdate(
    State(st): State<DokuSnapSim>,
    Path(partner_ref): Path<String>,
    Json(back): Json<snap::Backdate>,
) -> Response {
    let mut inner = st.lock();
    let Some(p) = inner.payments.values_mut().find(|p| p.partner_reference_no == partner_ref)
    else {
        return not_found();
    };
    back.apply(&mut p.created_at, &mut p.paid_at);
    Json(payment_view(p)).into_response()
}

/// Waits briefly for the flow behind a page to finish, then sends the browser on.
async fn after_page<T>(
    st: &DokuSnapSim,
    mut read: impl FnMut(&DokuSnapState) -> Option<(bool, Option<T>)>,
) -> Option<(bool, Option<T>)> {
    for _ in 0..100 {
        let state = read(&st.lock());
        if let Some((false, _)) = state {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        return state;
    }
    read(&st.lock())
}

fn finished_page() -> Response {
    Html("<!doctype html><title>OVO sandbox</title><p>Still processing: you can close this page.</p>".to_owned()).into_response()
}

async fn return_binding(
    State(st): State<DokuSnapSim>,
    Path(reference_no): Path<String>,
) -> Response {
    let state = after_page(&st, |inner| {
        inner.bindings.get(&reference_no).map(|b| {
            let url = match b.status {
                BindingStatus::Pending => None,
                BindingStatus::Success | BindingStatus::Unbound => Some(b.success_url.clone()),
                BindingStatus::Failed => Some(b.failed_url.clone()),
            };
            (b.status != BindingStatus::Pending, url)
        })
    })
    .await;
    match state {
        None => not_found(),
        Some((_, Some(url))) => Redirect::to(&url).into_response(),
        Some((_, None)) => finished_page(),
    }
}

async fn return_payment(
    State(st): State<DokuSnapSim>,
    Path(reference_no): Path<String>,
) -> Response {
    let state = after_page(&st, |inner| {
        inner.payments.values().find(|p| p.reference_no == reference_no).map(|p| {
            let url = match p.status {
                PayStatus::Pending => None,
                PayStatus::Paid => p.success_url.clone(),
                PayStatus::Failed => p.failed_url.clone(),
            };
            (p.status != PayStatus::Pending, url)
        })
    })
    .await;
    match state {
        None => not_found(),
        Some((_, Some(url))) => Redirect::to(&url).into_response(),
        Some((_, None)) => finished_page(),
    }
}

#[cfg(test)]
mod tests {
    use super::sign::relative_url;
    use super::*;

    #[test]
    fn v2_doku_binding_vector_verifies_and_a_corrupted_byte_fails() {
        // snap-standard.md §12 V2 (computed locally; the only DOKU request vector, §4).
        let body = r#"{"phoneNo":"6281288932399","additionalInfo":{"channel":"EMONEY_OVO_SNAP","custIdMerchant":"CUST-001","successRegistrationUrl":"https://merchant.example/success","failedRegistrationUrl":"https://merchant.example/failed"}}"#;
        let (token, ts) = ("eyJhbGciOiJSUzI1NiJ9.test.token", "2024-01-01T10:00:00+07:00");
        let sig = "jwXZTNLzT8EchxCP7d9ByeWXsqC/GP5Za87GGl6/66Z8o7UXENlce7OgFLfE3ZnPvrCts1wIfxxC4fK8TQBgIw==";
        let verify = |body: &str, sig: &str| {
            snap::verify_symmetric(
                "SK-test-secret",
                "POST",
                PATH_BINDING,
                token,
                body.as_bytes(),
                ts,
                sig,
            )
        };
        assert!(verify(body, sig).is_some());
        assert!(verify(&body.replace("6281288932399", "6281288932398"), sig).is_none());
        assert!(verify(body, &sig.replacen('j', "k", 1)).is_none());
    }

    #[test]
    fn v5_notification_vector_is_what_the_sandbox_sends() {
        // snap-standard.md §12 V5 (computed locally): N1 signed over the merchant's path with
        // the merchant-issued token.
        let body = r#"{"originalReferenceNo":"REF0000000001","latestTransactionStatus":"00"}"#;
        let ts = "2024-01-01T10:05:00+07:00";
        let parts = |body: &str| NotificationParts {
            url: "http://127.0.0.1:9/v1.0/debit/notify".into(),
            client_id: "BRN-1".into(),
            body: body.into(),
            external_id: "1".repeat(36),
            customer_token: None,
        };
        let headers = parts(body).headers("SK-test-secret", "merchantIssuedToken", ts);
        let sig = headers.iter().find(|(k, _)| k == "X-SIGNATURE").map(|(_, v)| v.clone()).unwrap();
        assert_eq!(sig, "RG/BK3wea0gCfpFKqWMg5Nccuj4b7s61XgVPzflknardNNMarccFpNFyPyb7N/a47dnforlYPsimujdB8whRYQ==");
        assert!(headers.contains(&("Authorization".into(), "Bearer merchantIssuedToken".into())));
        let corrupted = r#"{"originalReferenceNo":"REF0000000001","latestTransactionStatus":"06"}"#;
        let other = parts(corrupted).headers("SK-test-secret", "merchantIssuedToken", ts);
        assert!(!other.contains(&("X-SIGNATURE".into(), sig)));
    }

    #[test]
    fn n0_token_signature_verifies_with_the_public_half() {
        // snap-standard §5 with the fixed test key pair (no provider publishes an RSA vector).
        let private =
            parse_private_key(include_str!("../../../tests/fixtures/snap_test_private_pkcs1.pem"))
                .unwrap();
        let public = snap::parse_public_key(include_str!(
            "../../../tests/fixtures/snap_test_public_spki.pem"
        ))
        .unwrap();
        let ts = "2024-01-01T10:00:00+07:00";
        let sig = rsa_sign(&private, &format!("BRN-0218-TEST|{ts}"));
        assert!(snap::verify_token_signature(&public, "BRN-0218-TEST", ts, &sig));
        assert!(!snap::verify_token_signature(&public, "BRN-0218-TESU", ts, &sig));
    }

    #[test]
    fn demo_merchant_loads_and_both_key_pairs_match() {
        let merchants: Vec<MerchantConfig> = crate::Merchants::demo().section(KEY).unwrap();
        let demo = merchants.first().unwrap();
        let ts = "2024-01-01T10:00:00+07:00";
        let pairs = [
            (demo.merchant_private_key.as_deref().unwrap(), demo.merchant_public_key.as_str()),
            (demo.doku_private_key.as_deref().unwrap(), demo.doku_public_key.as_deref().unwrap()),
        ];
        for (private, public) in pairs {
            let sig =
                rsa_sign(&parse_private_key(private).unwrap(), &format!("{}|{ts}", demo.client_id));
            assert!(snap::verify_token_signature(
                &snap::parse_public_key(public).unwrap(),
                &demo.client_id,
                ts,
                &sig
            ));
        }
    }

    #[test]
    fn relative_url_keeps_path_and_query() {
        assert_eq!(relative_url("https://m.example/v1.0/debit/notify"), "/v1.0/debit/notify");
        assert_eq!(relative_url("http://127.0.0.1:8080/n?x=1"), "/n?x=1");
    }

    #[test]
    fn channel_and_channel_id() {
        assert!(check_channel(Some(&json!({"channel": CHANNEL})), true).is_ok());
        assert!(check_channel(Some(&json!({"channelId": CHANNEL})), true).is_ok());
        assert_eq!(
            check_channel(Some(&json!({"channel": "DIRECT_DEBIT_X"})), true)
                .map_err(|e| e.code("54")),
            Err("4005401".into())
        );
        assert_eq!(check_channel(None, true).map_err(|e| e.code("54")), Err("4005402".into()));
        assert!(check_channel(None, false).is_ok());
    }
}
