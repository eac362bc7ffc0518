//! OVO SNAP Open API ("OPEN API LITE": linking and payments), written from
//! `shared/providers/ovo-snap.md` on top of the SNAP layer in [`super::snap`].
//! See `crates/ovo-sandbox/docs/ovo_snap.md` for what is served and every choice made.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use rsa::RsaPublicKey;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::snap::{self, CustomerRef, Refund, SnapError, TokenCheck, TokenStore};
use super::MerchantEntry;
use crate::core::clock;
use crate::core::import::{cash_split, ImportedPayment, ImportedStatus};
use crate::core::notify::{Ack, Outbound, Tampered};
use crate::core::pending::{Decision, NewAction, Opened, Step};
use crate::core::settlement::SettlementStyle;
use crate::core::wallets::{DebitError, PaySource, Split};
use crate::core::writes::WriteKind;
use crate::core::{Ctx, Linking, ProductSim, UnknownNotification};

mod sign;
mod wire;

use crate::core::lock;
use sign::{authenticate, authenticate_token_call};
use wire::{external_id, opt_str, parse_body, path_of, pay_options, req_str};

pub const KEY: &str = "ovo_snap";

/// Version segments served (house decision 5: configuration; v1.0 for the B2B token and v2.0
/// for the rest by default, v3.0 from a weak source). Every operation is served under each.
const VERSIONS: [&str; 3] = ["v1.0", "v2.0", "v3.0"];

/// How long the linkage webview waits for the customer (UNKNOWN; house default, like payments).
const LINKAGE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// An unpaid payment expires with status `06` after 15 minutes (§7 house default).
const PAYMENT_EXPIRY: Duration = Duration::from_secs(15 * 60);
/// The one-time token of the first unlink call.
const UNLINK_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Notification retries: 3 attempts 5 s apart (§12, weak source, house default).
const NOTIFY_RETRIES: [Duration; 2] = [Duration::from_secs(5), Duration::from_secs(5)];

/// One `[[ovo_snap]]` entry of the merchants file.
#[derive(Debug, Clone, Deserialize)]
pub struct MerchantConfig {
    /// `X-CLIENT-KEY` / `X-PARTNER-ID`.
    pub client_id: String,
    /// The HMAC-SHA512 key of the symmetric signatures.
    pub client_secret: String,
    /// PEM, PKCS#1 or SPKI: verifies the token requests' SHA256withRSA signatures.
    pub merchant_public_key: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Where payment notifications go; absent = none sent.
    #[serde(default)]
    pub callback_url: Option<String>,
    /// HD 1.
    #[serde(flatten)]
    pub refund_rules: snap::RefundRules,
}

#[derive(Debug)]
struct Merchant {
    cfg: MerchantConfig,
    key: Option<RsaPublicKey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BindingStatus {
    /// Waiting for T&C, OTP and PIN.
    Pending,
    /// The customer finished the webview; the authCode may be exchanged once.
    Authorized,
    Active,
    Unbound,
    Failed,
}

impl BindingStatus {
    fn name(self) -> &'static str {
        match self {
            BindingStatus::Pending => "PENDING",
            BindingStatus::Authorized => "AUTHORIZED",
            BindingStatus::Active => "ACTIVE",
            BindingStatus::Unbound => "UNBOUND",
            BindingStatus::Failed => "FAILED",
        }
    }
}

#[derive(Debug, Clone)]
struct Binding {
    id: String,
    client_id: String,
    phone: String,
    status: BindingStatus,
    auth_code: String,
    partner_reference_no: Option<String>,
    cust_id_merchant: Option<String>,
    action_id: Option<String>,
    reason: Option<String>,
}

impl Binding {
    fn seeded(link: snap::SeededLink) -> Binding {
        Binding {
            id: link.id,
            client_id: link.client_id,
            phone: link.phone,
            status: BindingStatus::Active,
            auth_code: snap::random_token(32),
            partner_reference_no: None,
            cust_id_merchant: None,
            action_id: None,
            reason: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PayStatus {
    Initiated,
    Success,
    Refunded,
    Failed,
}

impl PayStatus {
    /// `latestTransactionStatus` (snap-standard §9.2).
    fn code(self) -> &'static str {
        match self {
            PayStatus::Success => "00",
            PayStatus::Initiated => "01",
            PayStatus::Refunded => "04",
            PayStatus::Failed => "06",
        }
    }
    fn desc(self) -> &'static str {
        match self {
            PayStatus::Success => "Success",
            PayStatus::Initiated => "Initiated",
            PayStatus::Refunded => "Refunded",
            PayStatus::Failed => "Failed",
        }
    }
}

/// How the payment is taken from the wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charge {
    /// No `payOptionDetails`: the customer chooses on the PIN page.
    CustomerChoice,
    /// One `payOptionDetails` entry: `CASH` → cash; `POINTS` → points first, rest cash.
    Source(PaySource),
    /// Several entries: exactly this split.
    Explicit(Split),
}

#[derive(Debug, Clone)]
struct Payment {
    client_id: String,
    partner_reference_no: String,
    reference_no: String,
    binding_id: String,
    phone: String,
    amount: i64,
    charge: Charge,
    status: PayStatus,
    split: Split,
    created_at: DateTime<Utc>,
    paid_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    action_id: Option<String>,
    refunds: Vec<Refund>,
}

impl Payment {
    fn refunded(&self) -> i64 {
        self.refunds.iter().map(|r| r.amount).sum()
    }
}

#[derive(Debug, Default)]
struct OvoSnapState {
    b2b: TokenStore<String>,
    customer: TokenStore<CustomerRef>,
    refresh: TokenStore<CustomerRef>,
    linkage: TokenStore<CustomerRef>,
    unlink: TokenStore<CustomerRef>,
    external_ids: snap::ExternalIds,
    bindings: BTreeMap<String, Binding>,
    /// Keyed by (client id, partnerReferenceNo).
    payments: BTreeMap<(String, String), Payment>,
    seq: u64,
}

impl OvoSnapState {
    /// Whether binding `id` is ACTIVE.
    fn active(&self, id: &str) -> bool {
        self.bindings.get(id).is_some_and(|b| b.status == BindingStatus::Active)
    }

    fn next_ref(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!("{prefix}{:012}{}", self.seq, snap::random_token(4).to_ascii_uppercase())
    }
}

/// The product: its state lives here so `reset` reaches it.
#[derive(Debug, Default)]
pub struct OvoSnap {
    state: Arc<Mutex<OvoSnapState>>,
}

type OvoSnapSim = super::Sim<OvoSnapState, Arc<Merchant>>;

impl MerchantEntry for Merchant {
    fn id(&self) -> &str {
        &self.cfg.client_id
    }
}

impl OvoSnapSim {
    fn new(ctx: Ctx, state: Arc<Mutex<OvoSnapState>>) -> OvoSnapSim {
        let configs: Vec<MerchantConfig> = ctx.merchants().section_or_none(KEY);
        let merchants = configs
            .into_iter()
            .map(|cfg| {
                let key = snap::merchant_public_key(KEY, &cfg.client_id, &cfg.merchant_public_key);
                Arc::new(Merchant { cfg, key })
            })
            .collect();
        OvoSnapSim::with_merchants(ctx, state, merchants)
    }
}

impl ProductSim for OvoSnap {
    fn key(&self) -> &'static str {
        KEY
    }
    fn settlement_style(&self) -> SettlementStyle {
        SettlementStyle::OvoSnap
    }
    fn linking(&self) -> Option<Linking> {
        Some(Linking { merchant_field: "client_id", tokens: true, provider_ref_prefix: "LNKSEED" })
    }
    fn notification_fields(&self, url: &str) -> Vec<(&'static str, String)> {
        vec![("callback_url", url.to_owned())]
    }

    fn routes(&self, ctx: Ctx) -> Router {
        let state = OvoSnapSim::new(ctx, self.state.clone());
        let mut router = Router::new();
        for v in VERSIONS {
            router = router
                .route(&format!("/OVOSNAP/{v}/access-token/b2b"), token_op("73", b2b_token))
                .route(&format!("/OVOSNAP/{v}/access-token/b2b2c"), token_op("74", b2b2c_token))
                .route(
                    &format!("/OVOSNAP/{v}/oauth/account/registration-account-binding"),
                    op("07", bind),
                )
                .route(
                    &format!("/OVOSNAP/{v}/oauth/account/registration-account-unbinding"),
                    op("09", unbind),
                )
                .route(&format!("/OVOSNAP/{v}/balance-inquiry"), op("11", balance))
                .route(&format!("/OVOSNAP/{v}/debit/payment-host-to-host"), op("54", pay))
                .route(&format!("/OVOSNAP/{v}/debit/status"), op("55", status))
                .route(&format!("/OVOSNAP/{v}/debit/refund"), op("58", refund))
                .route(&format!("/OVOSNAP/{v}/transaction-history-list"), post(history));
        }
        router.with_state(state)
    }

    fn control_routes(&self, ctx: Ctx) -> Router {
        let state = OvoSnapSim::new(ctx, self.state.clone());
        Router::new()
            .route("/_sandbox/ovo_snap/state", get(control_state))
            .route("/_sandbox/ovo_snap/payments/{reference}/backdate", post(control_backdate))
            .route("/_sandbox/ovo_snap/tokens/expire", post(control_expire_tokens))
            .with_state(state)
    }

    fn reset(&self) {
        *lock(&self.state) = OvoSnapState::default();
    }

    fn import(&self, ctx: &Ctx, p: &ImportedPayment) -> Result<(), String> {
        let client_id = p.merchant_or_first(ctx, KEY, "client_id")?;
        let mut inner = lock(&self.state);
        let key = (client_id.clone(), p.reference.clone());
        if inner.payments.contains_key(&key) {
            return Err("a payment with this partnerReferenceNo exists".into());
        }
        let status = match p.status {
            ImportedStatus::Succeeded if p.refunded() == p.amount => PayStatus::Refunded,
            ImportedStatus::Succeeded => PayStatus::Success,
            ImportedStatus::Pending => PayStatus::Initiated,
            ImportedStatus::Failed | ImportedStatus::Expired => PayStatus::Failed,
        };
        let mut refunds = Vec::new();
        for r in &p.refunds {
            let refund_no = match &r.provider_ref {
                Some(no) => no.clone(),
                None => inner.next_ref("RFD"),
            };
            refunds.push(Refund::imported(r, refund_no));
        }
        let reference_no = match &p.provider_ref {
            Some(no) => no.clone(),
            None => inner.next_ref("OVO"),
        };
        let paid = p.status == ImportedStatus::Succeeded;
        ctx.settlements().imported(KEY, p, &p.reference, &reference_no);
        inner.payments.insert(
            key,
            Payment {
                client_id,
                partner_reference_no: p.reference.clone(),
                reference_no,
                binding_id: p.binding_ref.clone().unwrap_or_default(),
                phone: p.phone.clone(),
                amount: p.amount,
                charge: Charge::Source(PaySource::Cash),
                status,
                split: if paid { cash_split(p.amount) } else { Split::default() },
                created_at: p.created(),
                paid_at: if paid { Some(p.paid().unwrap_or_else(|| p.created())) } else { None },
                reason: (p.status == ImportedStatus::Expired).then(|| "Expired".to_owned()),
                action_id: None,
                refunds,
            },
        );
        Ok(())
    }

    fn server_error(&self, endpoint: &str, status: u16) -> Response {
        snap::server_error(endpoint, status)
    }

    /// A success notification for a partnerReferenceNo this provider never saw.
    fn notify_unknown(&self, ctx: &Ctx, request: &UnknownNotification) -> Result<Value, String> {
        let s = OvoSnapSim::new(ctx.clone(), self.state.clone());
        let merchant = s.merchant_or_first(request.merchant.as_deref(), KEY)?.clone();
        if merchant.cfg.callback_url.as_deref().is_none_or(|u| u.trim().is_empty()) {
            return Err("this ovo_snap merchant has no callback_url".into());
        }
        let now = clock::now();
        let reference_no = s.lock().next_ref("OVO");
        let payment = Payment {
            client_id: merchant.cfg.client_id.clone(),
            partner_reference_no: request.reference.clone(),
            reference_no: reference_no.clone(),
            binding_id: String::new(),
            phone: String::new(),
            amount: request.amount,
            charge: Charge::Source(PaySource::Cash),
            status: PayStatus::Success,
            split: Split { cash: request.amount, points: 0 },
            created_at: now,
            paid_at: Some(now),
            reason: None,
            action_id: None,
            refunds: Vec::new(),
        };
        notify_payment(&s, &payment);
        Ok(snap::unknown_notified(KEY, &request.reference, &reference_no))
    }

    /// `[[bindings]]`: an ACTIVE binding `provider_ref` whose B2B2C `token` (and `refresh_token`)
    /// work for balance, payment, status, refund and unbinding, for ten (unscaled) years.
    fn seed(&self, ctx: &Ctx) {
        let inner = &mut *lock(&self.state);
        for link in snap::seed_links(ctx, KEY, &mut inner.customer, &mut inner.refresh) {
            inner.bindings.insert(link.id.clone(), Binding::seeded(link));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request helpers

fn answer(service: &str, result: Result<Response, SnapError>) -> Response {
    result.unwrap_or_else(|e| e.into_response(service))
}

/// A transactional endpoint of `service` (its two-digit SNAP service code) handled by `handler`.
fn op(
    service: &'static str,
    handler: fn(&OvoSnapSim, &Call<'_>) -> Result<Response, SnapError>,
) -> MethodRouter<OvoSnapSim> {
    post(
        move |State(s): State<OvoSnapSim>,
              method: Method,
              uri: Uri,
              headers: HeaderMap,
              body: Bytes| async move {
            let call = Call { method: &method, uri: &uri, headers: &headers, body: &body };
            answer(service, handler(&s, &call))
        },
    )
}

/// A request as the transactional handlers see it.
struct Call<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

/// Which token the call carries in `Authorization` (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// No token; the signature uses an empty token (or the B2B token, or RSA) (§4).
    Binding,
    /// The B2B2C token.
    Customer,
    /// The B2B2C token (first call) or the first call's one-time token (second call).
    Unbind,
    /// The B2B and B2B2C tokens, in `Authorization` / `Authorization-Customer` either way round.
    Refund,
}

#[derive(Debug)]
struct Authed {
    merchant: Arc<Merchant>,
    /// The binding acting (absent on binding).
    binding: Option<String>,
    /// The second unlink call.
    unlink_second: bool,
}

// ---------------------------------------------------------------------------------------------
// Tokens (73, 74)

/// A token endpoint of `service` (73, 74) handled by `handler`.
fn token_op(
    service: &'static str,
    handler: fn(&OvoSnapSim, &HeaderMap, &[u8]) -> Result<Response, SnapError>,
) -> MethodRouter<OvoSnapSim> {
    post(move |State(s): State<OvoSnapSim>, headers: HeaderMap, body: Bytes| async move {
        answer(service, handler(&s, &headers, &body))
    })
}

fn b2b_token(s: &OvoSnapSim, headers: &HeaderMap, body: &[u8]) -> Result<Response, SnapError> {
    let merchant = authenticate_token_call(s, headers)?;
    let body = parse_body(body)?;
    let grant = req_str(&body, "grantType", 64)?;
    if !grant.eq_ignore_ascii_case("client_credentials") {
        return Err(SnapError::invalid_field("[grantType]"));
    }
    let token =
        s.lock().b2b.issue(s.ctx.scale(), snap::B2B_LIFETIME, merchant.cfg.client_id.clone());
    Ok(snap::ok("73", json!({ "accessToken": token, "tokenType": "Bearer", "expiresIn": "900" })))
}

fn b2b2c_token(s: &OvoSnapSim, headers: &HeaderMap, body: &[u8]) -> Result<Response, SnapError> {
    let merchant = authenticate_token_call(s, headers)?;
    let client = merchant.cfg.client_id.clone();
    let body = parse_body(body)?;
    let grant = req_str(&body, "grantType", 64)?;
    let scale = s.ctx.scale();
    let mut inner = s.lock();
    let (binding_id, refresh_token) = if grant.eq_ignore_ascii_case("authorization_code") {
        let linkage = snap::header(headers, "Authorization")
            .map(snap::bearer)
            .ok_or_else(|| SnapError::new(401, "03", "Token Not Found [linkageToken]"))?;
        let (c, binding_id) = match inner.linkage.check(linkage) {
            TokenCheck::Valid(data) => data,
            _ => return Err(SnapError::new(401, "01", "Invalid Token [linkageToken]")),
        };
        let auth_code = req_str(&body, "authCode", 256)?;
        let binding =
            inner.bindings.get_mut(&binding_id).filter(|b| c == client && b.auth_code == auth_code);
        let binding = binding.ok_or_else(|| SnapError::unauthorized("Invalid authCode"))?;
        match binding.status {
            BindingStatus::Authorized => binding.status = BindingStatus::Active,
            BindingStatus::Pending => return Err(SnapError::unauthorized("Linkage not completed")),
            BindingStatus::Failed => {
                return Err(SnapError::unauthorized(&format!(
                    "Linkage {}",
                    binding.reason.as_deref().unwrap_or("failed")
                )))
            }
            BindingStatus::Active | BindingStatus::Unbound => {
                return Err(SnapError::unauthorized("authCode already used"))
            }
        }
        inner.linkage.take(linkage);
        let refresh = inner.refresh.issue(
            scale,
            snap::REFRESH_LIFETIME,
            (client.clone(), binding_id.clone()),
        );
        (binding_id, refresh)
    } else if grant.eq_ignore_ascii_case("refresh_token") {
        let refresh = req_str(&body, "refreshToken", 256)?.to_owned();
        let binding_id = inner
            .refresh
            .binding_of(&refresh, &client, |b| inner.active(b))
            .ok_or_else(|| SnapError::new(401, "02", "Invalid Customer Token [refreshToken]"))?;
        (binding_id, refresh)
    } else {
        return Err(SnapError::invalid_field("[grantType]"));
    };
    let access = inner.customer.issue(scale, snap::B2B2C_LIFETIME, (client, binding_id));
    Ok(snap::ok(
        "74",
        json!({
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": "900",
            "refreshToken": refresh_token,
            "refreshTokenExpiresIn": snap::REFRESH_LIFETIME.as_secs().to_string(),
            "additionalInfo": {}
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Binding (07) and unbinding (09)

fn bind(s: &OvoSnapSim, call: &Call<'_>) -> Result<Response, SnapError> {
    let authed = authenticate(s, call, Auth::Binding)?;
    let client = authed.merchant.cfg.client_id.clone();
    let body = parse_body(call.body)?;
    let phone_raw = req_str(&body, "phoneNo", 20)?;
    let phone = crate::core::phone::canonical(phone_raw)
        .ok_or_else(|| SnapError::invalid_field("[phoneNo]"))?;
    if let Some(merchant_id) = opt_str(&body, "merchantId")? {
        if merchant_id != client {
            return Err(SnapError::new(404, "08", "Invalid Merchant"));
        }
    }
    let info = body.get("additionalInfo").and_then(Value::as_object).cloned().unwrap_or_default();
    let partner_reference_no = opt_str(&body, "partnerReferenceNo")?.map(str::to_owned);
    let cust_id = info.get("custIdMerchant").and_then(Value::as_str).map(str::to_owned);
    let destination = opt_str(&body, "redirectUrl")?
        .map(str::to_owned)
        .or_else(|| info.get("successRegistrationUrl").and_then(Value::as_str).map(str::to_owned));
    let account = s.ctx.wallets().get(&phone).ok_or_else(|| {
        SnapError::new(404, "11", "Invalid Card/Account/Customer/Virtual Account")
    })?;
    if account.blocked {
        return Err(SnapError::new(403, "07", "Card Blocked [Phone number blocked]"));
    }

    let (id, auth_code, linkage_token) = {
        let mut inner = s.lock();
        let id = inner.next_ref("LNK");
        let auth_code = snap::random_token(32);
        let linkage_token = inner.linkage.issue(
            s.ctx.scale(),
            LINKAGE_TIMEOUT + snap::B2B2C_LIFETIME,
            (client.clone(), id.clone()),
        );
        inner.bindings.insert(
            id.clone(),
            Binding {
                id: id.clone(),
                client_id: client.clone(),
                phone: phone.clone(),
                status: BindingStatus::Pending,
                auth_code: auth_code.clone(),
                partner_reference_no: partner_reference_no.clone(),
                cust_id_merchant: cust_id,
                action_id: None,
                reason: None,
            },
        );
        s.ctx.writes().processed(
            KEY,
            WriteKind::Link,
            partner_reference_no.as_deref().unwrap_or(&id),
        );
        (id, auth_code, linkage_token)
    };
    let state = partner_reference_no.as_deref().unwrap_or(&id).to_owned();
    let back = |query: String| {
        destination.as_ref().map(|d| {
            let sep = if d.contains('?') { '&' } else { '?' };
            format!("{d}{sep}{query}")
        })
    };
    let return_url = back(format!("authCode={auth_code}&state={state}"));
    // A declined linking goes back without an authCode (House default; the spec is silent).
    let decline_url = back(format!("error=access_denied&state={state}"));
    // §15: in the sandbox the OTP is the last 4 digits of the phone.
    let otp = phone.get(phone.len().saturating_sub(4)..).map(str::to_owned);
    let opened = s.ctx.pending().open(
        s.ctx.wallets(),
        NewAction {
            return_url,
            decline_url,
            otp,
            ..NewAction::binding(
                KEY,
                phone.clone(),
                authed.merchant.cfg.name.clone().unwrap_or_else(|| client.clone()),
                "Link your OVO account (OVO SNAP)".into(),
            )
        },
    );
    let redirect_url = format!("{}/_sandbox/customer/{}", s.ctx.base_url(), opened.id);
    if let Some(b) = s.lock().bindings.get_mut(&id) {
        b.action_id = Some(opened.id.clone());
    }
    settle_or_wait(s, opened, LINKAGE_TIMEOUT, Settle::Binding(id.clone()));
    Ok(snap::ok(
        "07",
        json!({
            "referenceNo": id,
            "partnerReferenceNo": partner_reference_no,
            "redirectUrl": redirect_url,
            "linkageToken": linkage_token,
            "additionalInfo": {}
        }),
    ))
}

fn unbind(s: &OvoSnapSim, call: &Call<'_>) -> Result<Response, SnapError> {
    let authed = authenticate(s, call, Auth::Unbind)?;
    let _body = parse_body(call.body)?;
    let client = authed.merchant.cfg.client_id.clone();
    let binding_id = authed.binding.unwrap_or_default();
    let mut inner = s.lock();
    if authed.unlink_second {
        if let Some(b) = inner.bindings.get_mut(&binding_id) {
            b.status = BindingStatus::Unbound;
        }
        let gone = |r: &CustomerRef| r.1 == binding_id;
        inner.customer.revoke_where(gone);
        inner.refresh.revoke_where(gone);
        inner.unlink.revoke_where(gone);
        s.ctx.writes().processed(KEY, WriteKind::Unlink, &binding_id);
        return Ok(snap::ok("09", json!({ "referenceNo": binding_id, "unlinkResult": "SUCCESS" })));
    }
    let token =
        inner.unlink.issue(s.ctx.scale(), UNLINK_TOKEN_LIFETIME, (client, binding_id.clone()));
    Ok(snap::ok(
        "09",
        json!({ "referenceNo": binding_id, "unlinkResult": "UNBINDING_PENDING", "linkageToken": token }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Balance (11)

fn balance(s: &OvoSnapSim, call: &Call<'_>) -> Result<Response, SnapError> {
    let authed = authenticate(s, call, Auth::Customer)?;
    let body = parse_body(call.body)?;
    let phone = binding_phone(s, authed.binding.as_deref())?;
    let account = s.ctx.wallets().get(&phone).ok_or_else(|| {
        SnapError::new(404, "11", "Invalid Card/Account/Customer/Virtual Account")
    })?;
    let info = |kind: &str, value: i64| json!({ "balanceType": kind, "amount": snap::amount(value), "availableBalance": snap::amount(value) });
    Ok(snap::ok(
        "11",
        json!({
            "partnerReferenceNo": body.get("partnerReferenceNo"),
            "name": account.name,
            "accountInfos": [info("CASH", account.cash), info("POINTS", account.points)]
        }),
    ))
}

fn binding_phone(s: &OvoSnapSim, binding: Option<&str>) -> Result<String, SnapError> {
    binding
        .and_then(|b| s.lock().bindings.get(b).map(|b| b.phone.clone()))
        .ok_or_else(|| SnapError::new(401, "02", "Invalid Customer Token"))
}

// ---------------------------------------------------------------------------------------------
// Payment (54)

fn debit_error(e: DebitError) -> SnapError {
    match e {
        DebitError::Insufficient => SnapError::new(403, "14", "Insufficient Funds"),
        DebitError::Blocked => SnapError::new(403, "07", "Card Blocked [OVO account blocked]"),
        DebitError::LimitExceeded => SnapError::new(403, "02", "Exceeds Transaction Amount Limit"),
        DebitError::NoAccount => {
            SnapError::new(404, "11", "Invalid Card/Account/Customer/Virtual Account")
        }
        DebitError::InvalidAmount => SnapError::new(404, "13", "Invalid Amount"),
    }
}

fn parse_charge(body: &Map<String, Value>, amount: i64) -> Result<Charge, SnapError> {
    let Some(options) = body.get("payOptionDetails").filter(|v| !v.is_null()) else {
        return Ok(Charge::CustomerChoice);
    };
    let options = options
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| SnapError::invalid_field("[payOptionDetails]"))?;
    let mut split = Split::default();
    let mut methods = Vec::new();
    for option in options {
        let method = option
            .get("payMethod")
            .and_then(Value::as_str)
            .ok_or_else(|| SnapError::missing_field("[payOptionDetails.payMethod]"))?;
        let value = snap::parse_amount(option.get("transAmount"), "payOptionDetails.transAmount")?;
        if option.get("feeAmount").is_some_and(|f| !f.is_null()) {
            snap::parse_amount(option.get("feeAmount"), "payOptionDetails.feeAmount")?;
        }
        match method.to_ascii_uppercase().as_str() {
            "CASH" => split.cash += value,
            "POINTS" | "POINT" => split.points += value,
            _ => return Err(SnapError::invalid_field("[payOptionDetails.payMethod]")),
        }
        methods.push(method.to_ascii_uppercase());
    }
    if split.total() != amount {
        return Err(SnapError::new(404, "13", "Invalid Amount [payOptionDetails]"));
    }
    Ok(match methods.as_slice() {
        [one] if one == "CASH" => Charge::Source(PaySource::Cash),
        [_] => Charge::Source(PaySource::PointsFirst),
        _ => Charge::Explicit(split),
    })
}

/// Checks (`debit == false`) or takes the money.
fn charge_wallet(
    s: &OvoSnapSim,
    phone: &str,
    amount: i64,
    charge: Charge,
    chosen: PaySource,
    debit: bool,
) -> Result<Split, DebitError> {
    let wallets = s.ctx.wallets();
    let one = |source| {
        if debit {
            wallets.debit(phone, amount, source)
        } else {
            wallets.check(phone, amount, source)
        }
    };
    match charge {
        Charge::CustomerChoice => one(chosen),
        Charge::Source(source) => one(source),
        Charge::Explicit(split) => {
            for (part, source) in [(split.cash, PaySource::Cash), (split.points, PaySource::Points)]
            {
                if part > 0 {
                    wallets.check(phone, part, source)?;
                }
            }
            if !debit {
                return Ok(split);
            }
            if split.cash > 0 {
                wallets.debit(phone, split.cash, PaySource::Cash)?;
            }
            if split.points > 0 {
                if let Err(e) = wallets.debit(phone, split.points, PaySource::Points) {
                    let _ = wallets.credit(phone, Split { cash: split.cash, points: 0 });
                    return Err(e);
                }
            }
            Ok(split)
        }
    }
}

fn pay(s: &OvoSnapSim, call: &Call<'_>) -> Result<Response, SnapError> {
    let authed = authenticate(s, call, Auth::Customer)?;
    let client = authed.merchant.cfg.client_id.clone();
    let binding_id = authed.binding.clone().unwrap_or_default();
    let body = parse_body(call.body)?;
    let reference = req_str(&body, "partnerReferenceNo", 64)?.to_owned();
    let amount = snap::parse_amount(body.get("amount"), "amount")?;
    let charge = parse_charge(&body, amount)?;
    if amount <= 0 {
        return Err(SnapError::new(404, "13", "Invalid Amount"));
    }
    let return_url = body
        .get("urlParams")
        .and_then(Value::as_array)
        .and_then(|params| {
            params.iter().find(|p| {
                p.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("PAY_RETURN"))
            })
        })
        .and_then(|p| p.get("url").and_then(Value::as_str))
        .map(str::to_owned);
    let phone = binding_phone(s, Some(&binding_id))?;
    {
        let inner = s.lock();
        if let Some(existing) = inner.payments.get(&(client.clone(), reference.clone())) {
            return Err(if existing.amount == amount {
                s.ctx.writes().replayed(KEY, WriteKind::Payment, &reference);
                SnapError::new(409, "01", "Duplicate partnerReferenceNo")
            } else {
                SnapError::new(404, "18", "Inconsistent Request")
            });
        }
    }
    charge_wallet(s, &phone, amount, charge, PaySource::PointsFirst, false).map_err(debit_error)?;

    let reference_no = {
        let mut inner = s.lock();
        let reference_no = inner.next_ref("OVO");
        inner.payments.insert(
            (client.clone(), reference.clone()),
            Payment {
                client_id: client.clone(),
                partner_reference_no: reference.clone(),
                reference_no: reference_no.clone(),
                binding_id,
                phone: phone.clone(),
                amount,
                charge,
                status: PayStatus::Initiated,
                split: Split::default(),
                created_at: clock::now(),
                paid_at: None,
                reason: None,
                action_id: None,
                refunds: Vec::new(),
            },
        );
        s.ctx.writes().processed(KEY, WriteKind::Payment, &reference);
        reference_no
    };
    let opened = s.ctx.pending().open(
        s.ctx.wallets(),
        NewAction {
            choose_source: true,
            ..NewAction::pin_payment(
                KEY,
                phone,
                amount,
                authed.merchant.cfg.name.clone().unwrap_or_else(|| client.clone()),
                format!("Payment {reference}"),
                vec![Step::Pin],
            )
            .returning_to(return_url)
        },
    );
    let web_redirect_url = format!("{}/_sandbox/customer/{}", s.ctx.base_url(), opened.id);
    let key = (client, reference.clone());
    if let Some(p) = s.lock().payments.get_mut(&key) {
        p.action_id = Some(opened.id.clone());
    }
    settle_or_wait(s, opened, PAYMENT_EXPIRY, Settle::Payment(key.clone()));
    let payment = s.lock().payments.get(&key).cloned();
    let (status, reason) =
        payment.map(|p| (p.status, p.reason)).unwrap_or((PayStatus::Failed, None));
    if status == PayStatus::Failed {
        // The customer declined at once (a magic account): a final decline.
        return Err(SnapError::new(
            403,
            "05",
            format!("Do Not Honor [{}]", reason.unwrap_or_else(|| "declined".into())),
        ));
    }
    Ok(snap::ok(
        "54",
        json!({
            "referenceNo": reference_no,
            "partnerReferenceNo": reference,
            "webRedirectUrl": web_redirect_url,
            "latestTransactionStatus": status.code(),
            "transactionStatusDesc": status.desc(),
            "additionalInfo": {}
        }),
    ))
}

/// What a customer decision settles.
#[derive(Debug, Clone)]
enum Settle {
    Binding(String),
    Payment((String, String)),
}

/// Applies the decision now if the customer already answered (magic accounts), else waits in
/// the background for up to `timeout` (scaled) and withdraws the page when it runs out.
fn settle_or_wait(s: &OvoSnapSim, mut opened: Opened, timeout: Duration, what: Settle) {
    match opened.decision.try_recv() {
        Ok(decision) => settle(s, &what, Some(decision)),
        Err(_) => {
            let s = s.clone();
            let wait = s.ctx.scale().scaled(timeout);
            tokio::spawn(async move {
                let decision = match tokio::time::timeout(wait, opened.decision).await {
                    Ok(Ok(decision)) => Some(decision),
                    Ok(Err(_)) => return, // withdrawn by a reset
                    Err(_) => {
                        s.ctx.pending().withdraw(&opened.id);
                        None
                    }
                };
                settle(&s, &what, decision);
            });
        }
    }
}

/// `None` = the wait ran out.
fn settle(s: &OvoSnapSim, what: &Settle, decision: Option<Decision>) {
    match what {
        Settle::Binding(id) => {
            let mut inner = s.lock();
            let Some(binding) =
                inner.bindings.get_mut(id).filter(|b| b.status == BindingStatus::Pending)
            else {
                return;
            };
            match decision {
                Some(Decision::Approve { .. }) => binding.status = BindingStatus::Authorized,
                Some(Decision::Decline) => {
                    binding.status = BindingStatus::Failed;
                    binding.reason = Some("declined".into());
                }
                None => {
                    binding.status = BindingStatus::Failed;
                    binding.reason = Some("expired".into());
                }
            }
        }
        Settle::Payment(key) => {
            let Some(payment) =
                s.lock().payments.get(key).filter(|p| p.status == PayStatus::Initiated).cloned()
            else {
                return;
            };
            let outcome = match decision {
                Some(Decision::Approve { source }) => {
                    charge_wallet(s, &payment.phone, payment.amount, payment.charge, source, true)
                        .map_err(|e| e.to_string())
                }
                Some(Decision::Decline) => Err("declined by the customer".to_owned()),
                None => Err("expired: the customer did not enter the PIN".to_owned()),
            };
            // A success_after_failure drill: the money moved, but the record says failed for now.
            let late =
                if outcome.is_ok() { s.ctx.faults().take_success_after_failure(KEY) } else { None };
            let updated = {
                let mut inner = s.lock();
                let Some(p) = inner.payments.get_mut(key) else { return };
                match outcome {
                    Ok(split) => {
                        p.split = split;
                        p.paid_at = Some(clock::now());
                        if late.is_some() {
                            p.status = PayStatus::Failed;
                            p.reason = Some("Failed".into());
                        } else {
                            p.status = PayStatus::Success;
                        }
                    }
                    Err(reason) => {
                        p.status = PayStatus::Failed;
                        p.reason = Some(reason);
                    }
                }
                p.clone()
            };
            if updated.status == PayStatus::Success {
                settled(s, &updated);
            }
            notify_payment(s, &updated);
            if let Some(wait) = late {
                let key = key.clone();
                let turn = move |inner: &mut OvoSnapState| {
                    let p =
                        inner.payments.get_mut(&key).filter(|p| p.status == PayStatus::Failed)?;
                    p.status = PayStatus::Success;
                    p.reason = None;
                    Some(p.clone())
                };
                s.succeed_later(wait, turn, |s, p| {
                    settled(s, p);
                    notify_payment(s, p);
                });
            }
        }
    }
}

/// A payment whose record turned successful, for the settlement files (at its `paidTime`).
fn settled(s: &OvoSnapSim, p: &Payment) {
    if let Some(at) = p.paid_at {
        s.ctx.settlements().payment(KEY, &p.partner_reference_no, p.amount, at, &p.reference_no);
    }
}

fn notify_payment(s: &OvoSnapSim, p: &Payment) {
    let Some(merchant) = s.merchant(&p.client_id) else { return };
    let Some(url) = merchant.cfg.callback_url.clone().filter(|u| !u.trim().is_empty()) else {
        return;
    };
    let path = match reqwest::Url::parse(&url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        },
        Err(e) => {
            tracing::warn!(%url, error = %e, "ovo_snap: callback_url unusable");
            return;
        }
    };
    let now = clock::now();
    let body = json!({
        "originalPartnerReferenceNo": p.partner_reference_no,
        "originalReferenceNo": p.reference_no,
        "latestTransactionStatus": p.status.code(),
        "transactionStatusDesc": p.reason.clone().unwrap_or_else(|| p.status.desc().to_owned()),
        "amount": snap::amount(p.amount),
        "finishedTime": snap::format_timestamp_seconds(now),
        "additionalInfo": { "payOptionDetails": pay_options(p) }
    })
    .to_string();
    let timestamp = snap::format_timestamp(now);
    let hash = snap::body_hash(body.as_bytes());
    let string_to_sign = snap::symmetric_string_to_sign("POST", &path, "", &hash, &timestamp);
    let headers = |signature: String| {
        vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-TIMESTAMP".to_owned(), timestamp.clone()),
            ("X-SIGNATURE".to_owned(), signature),
            ("X-PARTNER-ID".to_owned(), p.client_id.clone()),
            ("X-EXTERNAL-ID".to_owned(), external_id(now)),
        ]
    };
    let good = headers(snap::hmac_signature(&merchant.cfg.client_secret, &string_to_sign));
    let bad = headers(snap::hmac_signature(
        &format!("{}-tampered", merchant.cfg.client_secret),
        &string_to_sign,
    ));
    s.ctx.notifier().send(Outbound {
        product: KEY,
        kind: "payment".into(),
        url: url.clone(),
        method: reqwest::Method::POST,
        headers: good,
        body: body.clone(),
        retries: NOTIFY_RETRIES.to_vec(),
        tampered: Some(Tampered { url, headers: bad, body }),
        ack: Ack::Http2xx,
        prepare: None,
    });
}

// ---------------------------------------------------------------------------------------------
// Status (55)

fn find_payment<'a>(
    inner: &'a OvoSnapState,
    client: &str,
    partner_ref: Option<&str>,
    reference_no: Option<&str>,
) -> Option<&'a Payment> {
    match partner_ref {
        Some(r) => inner.payments.get(&(client.to_owned(), r.to_owned())),
        None => inner
            .payments
            .values()
            .find(|p| p.client_id == client && Some(p.reference_no.as_str()) == reference_no),
    }
}

fn status(s: &OvoSnapSim, call: &Call<'_>) -> Result<Response, SnapError> {
    let authed = authenticate(s, call, Auth::Customer)?;
    let client = authed.merchant.cfg.client_id.clone();
    let body = parse_body(call.body)?;
    let partner_ref = opt_str(&body, "originalPartnerReferenceNo")?;
    let reference_no = opt_str(&body, "originalReferenceNo")?;
    if partner_ref.is_none() && reference_no.is_none() {
        return Err(SnapError::missing_field("[originalPartnerReferenceNo]"));
    }
    let service_code = opt_str(&body, "serviceCode")?.unwrap_or("54");
    if service_code != "54" && service_code != "55" {
        return Err(SnapError::invalid_field("[serviceCode]"));
    }
    let inner = s.lock();
    let p = find_payment(&inner, &client, partner_ref, reference_no)
        .ok_or_else(|| SnapError::new(404, "01", "Transaction Not Found"))?;
    let history: Vec<Value> = p.refunds.iter().map(Refund::history_entry).collect();
    Ok(snap::ok(
        "55",
        json!({
            "originalPartnerReferenceNo": p.partner_reference_no,
            "originalReferenceNo": p.reference_no,
            "serviceCode": service_code,
            "latestTransactionStatus": p.status.code(),
            "transactionStatusDesc": p.reason.clone().unwrap_or_else(|| p.status.desc().to_owned()),
            "amount": snap::amount(p.amount),
            "paidTime": p.paid_at.map(snap::format_timestamp_seconds),
            "refundHistory": history,
            "additionalInfo": { "payOptionDetails": pay_options(p) }
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Refund (58)

fn refund(s: &OvoSnapSim, call: &Call<'_>) -> Result<Response, SnapError> {
    let authed = authenticate(s, call, Auth::Refund)?;
    let cfg = &authed.merchant.cfg;
    let client = cfg.client_id.clone();
    let body = parse_body(call.body)?;
    let original = req_str(&body, "originalPartnerReferenceNo", 64)?.to_owned();
    let partner_refund_no = req_str(&body, "partnerRefundNo", 64)?.to_owned();
    let amount = snap::parse_amount(body.get("refundAmount"), "refundAmount")?;
    let now = clock::now();
    let today = snap::wib_date(now);

    let mut inner = s.lock();
    let merchants_payments = inner
        .payments
        .values()
        .filter(|p| p.client_id == client)
        .map(|p| (p.partner_reference_no.as_str(), p.refunds.as_slice()));
    let submitted_today = snap::check_new_refund(
        &s.ctx,
        KEY,
        merchants_payments,
        &partner_refund_no,
        &original,
        amount,
        today,
    )?;
    let refund_no = inner.next_ref("RFD");
    let p = inner
        .payments
        .get_mut(&(client.clone(), original.clone()))
        .ok_or_else(|| SnapError::new(404, "01", "Transaction Not Found"))?;
    let paid_at = match (p.status, p.paid_at) {
        (PayStatus::Success | PayStatus::Refunded, Some(at)) => at,
        _ => return Err(SnapError::new(404, "00", "Invalid Transaction Status")),
    };
    if amount <= 0 {
        return Err(SnapError::new(404, "13", "Invalid Amount"));
    }
    if !cfg.refund_rules.partial_refund && (amount != p.amount || !p.refunds.is_empty()) {
        return Err(SnapError::new(
            405,
            "01",
            "Requested Operation Is Not Allowed [partial refund]",
        ));
    }
    let last_day = snap::wib_date(paid_at)
        .checked_add_signed(TimeDelta::days(i64::from(cfg.refund_rules.refund_window_days)));
    if last_day.is_some_and(|last| today > last) {
        return Err(SnapError::new(
            405,
            "01",
            "Requested Operation Is Not Allowed [refund window]",
        ));
    }
    if p.refunded() + amount > p.amount {
        return Err(SnapError::new(404, "13", "Invalid Amount [over refund]"));
    }
    if cfg.refund_rules.daily_refund_limit_idr.is_some_and(|limit| submitted_today + amount > limit)
    {
        return Err(SnapError::new(403, "20", "Merchant Limit Exceed [daily refund limit]"));
    }
    // Back where the money came from: cash first, then points.
    let cash_left = p.split.cash - p.refunds.iter().map(|r| r.split.cash).sum::<i64>();
    let cash = amount.min(cash_left.max(0));
    let split = Split { cash, points: amount - cash };
    // An inactive or blocked OVO account takes no refund: refused, nothing recorded.
    s.ctx.wallets().credit(&p.phone, split).map_err(debit_error)?;
    p.refunds.push(Refund {
        refund_no: refund_no.clone(),
        partner_refund_no: partner_refund_no.clone(),
        amount,
        split,
        reason: None,
        at: now,
    });
    s.ctx.writes().processed(KEY, WriteKind::Refund, &partner_refund_no);
    s.ctx.settlements().refund(KEY, &p.partner_reference_no, amount, now);
    if p.refunded() == p.amount {
        p.status = PayStatus::Refunded;
    }
    Ok(snap::ok(
        "58",
        json!({
            "originalPartnerReferenceNo": p.partner_reference_no,
            "originalReferenceNo": p.reference_no,
            "refundNo": refund_no,
            "partnerRefundNo": partner_refund_no,
            "refundAmount": snap::amount(amount),
            "refundTime": snap::format_timestamp_seconds(now)
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Transaction history (12): not supported (§11)

async fn history() -> Response {
    SnapError::new(405, "00", "Requested Function Is Not Supported").into_response("12")
}

// ---------------------------------------------------------------------------------------------
// Control routes

async fn control_state(State(s): State<OvoSnapSim>) -> Json<Value> {
    let inner = s.lock();
    let bindings: Vec<Value> = inner
        .bindings
        .values()
        .map(|b| {
            json!({
                "referenceNo": b.id, "clientId": b.client_id, "phone": b.phone, "status": b.status.name(),
                "authCode": b.auth_code, "partnerReferenceNo": b.partner_reference_no,
                "custIdMerchant": b.cust_id_merchant, "actionId": b.action_id, "reason": b.reason
            })
        })
        .collect();
    let payments: Vec<Value> = inner
        .payments
        .values()
        .map(|p| {
            json!({
                "clientId": p.client_id, "partnerReferenceNo": p.partner_reference_no, "referenceNo": p.reference_no,
                "bindingReferenceNo": p.binding_id, "phone": p.phone, "amount": p.amount,
                "status": p.status.code(), "statusDesc": p.status.desc(), "reason": p.reason,
                "cash": p.split.cash, "points": p.split.points,
                "createdAt": snap::format_timestamp(p.created_at), "paidAt": p.paid_at.map(snap::format_timestamp),
                "actionId": p.action_id,
                "refunds": p.refunds.iter().map(|r| json!({
                    "refundNo": r.refund_no, "partnerRefundNo": r.partner_refund_no, "amount": r.amount,
                    "cash": r.split.cash, "points": r.split.points, "at": snap::format_timestamp(r.at)
                })).collect::<Vec<_>>()
            })
        })
        .collect();
    let issued = json!({
        "b2b": inner.b2b.valid_where(|_| true),
        "customer": inner.customer.valid_where(|_| true),
        "refresh": inner.refresh.valid_where(|_| true),
        "linkage": inner.linkage.valid_where(|_| true),
    });
    Json(json!({ "bindings": bindings, "payments": payments, "issued": issued }))
}

/// Moves a payment's creation and success instants `days` back (refund-window drills).
async fn control_backdate(
    State(s): State<OvoSnapSim>,
    Path(reference): Path<String>,
    Json(req): Json<snap::Backdate>,
) -> Response {
    let mut inner = s.lock();
    let mut found = 0;
    for p in inner.payments.values_mut().filter(|p| p.partner_reference_no == reference) {
        req.apply(&mut p.created_at, &mut p.paid_at);
        found += 1;
    }
    if found == 0 {
        return (axum::http::StatusCode::NOT_FOUND, Json(json!({ "error": "no such payment" })))
            .into_response();
    }
    Json(json!({ "backdated": found, "days": req.days })).into_response()
}

/// Expires every B2B, B2B2C and refresh token at once (expired-token drills).
async fn control_expire_tokens(State(s): State<OvoSnapSim>) -> Json<Value> {
    let mut inner = s.lock();
    inner.b2b.expire_all();
    inner.customer.expire_all();
    inner.refresh.expire_all();
    Json(json!({ "expired": true }))
}
