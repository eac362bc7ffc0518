//! Faspay OVO Tokenize (channel 720, "OVO OpenAPI"), spec `faspay-ovo-tokenize.md`.
//!
//! - Every 720 operation at `POST /cvr/100037/10` (JSON) and `/pws/100037/183xx00010100000/`
//!   (XML), dispatched on the `request` text, then on the body's shape (spec §3).
//! - Inquiry Payment Status at `/cvr/100004/10` and Cancel at `/cvr/100005/10` (and their
//!   `/pws/…` XML twins) (spec §5.10).
//! - Signatures `sha1(md5(...))` in lower-case hex (spec §4), compared in constant time.
//! - Customer steps through the core's pending actions; activation callback (GET) and payment
//!   notification (POST, 3 retries 60 s apart, scaled) through the core's notifier.
//!
//! Every choice the spec leaves open is listed in `docs/faspay_ovo_tokenize.md`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha1::Sha1;
use subtle::ConstantTimeEq;

use crate::core::import::{cash_split, ImportedPayment, ImportedStatus};
use crate::core::notify::{Ack, Outbound, Tampered};
use crate::core::pending::{Decision, NewAction, Opened, Step};
use crate::core::settlement::SettlementStyle;
use crate::core::wallets::{DebitError, PaySource, Split};
use crate::core::writes::WriteKind;
use crate::core::{phone, Ctx, Linking, ProductSim, UnknownNotification};

mod sign;
mod wire;

use crate::core::clock;
use crate::core::lock;
pub use sign::{signature, signature_matches};
pub use wire::to_xml;
use wire::{
    date, datetime, fail, merchant_acknowledged, parse_json, parse_xml, render, status_desc,
    urlencode, valid_date, valid_phone_no,
};

pub const KEY: &str = "faspay_ovo_tokenize";
const CHANNEL: &str = "720";
const CHANNEL_NAME: &str = "OVO OpenAPI";

/// How long the customer has on the OTP/PIN page (activation or payment). Not documented:
/// house choice, see the docs.
pub const CUSTOMER_WAIT: Duration = Duration::from_secs(30 * 60);
/// Payment notification retries: 3 more attempts, 60 s apart (spec §5.9, House default).
pub const NOTIFY_RETRIES: [Duration; 3] = [Duration::from_secs(60); 3];

pub const JSON_TOKENIZE: &str = "/cvr/100037/10";
pub const XML_TOKENIZE: &str = "/pws/100037/183xx00010100000/";
pub const JSON_STATUS: &str = "/cvr/100004/10";
pub const XML_STATUS: &str = "/pws/100004/183xx00010100000";
pub const JSON_CANCEL: &str = "/cvr/100005/10";
pub const XML_CANCEL: &str = "/pws/100005/183xx00010100000";

// ---------------------------------------------------------------------------------------------
// Signatures (spec §4)
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Merchants
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Wire {
    #[default]
    Json,
    Xml,
}

/// One `[[faspay_ovo_tokenize]]` entry of the merchants file.
#[derive(Debug, Clone, Deserialize)]
pub struct MerchantConfig {
    /// The 5-digit BOI, e.g. `99999`.
    pub merchant_id: String,
    /// `bot` + merchant_id.
    pub user_id: String,
    pub password: String,
    /// The `merchant` field of notifications.
    pub merchant_name: String,
    /// Where payment notifications are POSTed; absent = none sent.
    #[serde(default)]
    pub notification_url: Option<String>,
    /// `json` (default) or `xml`.
    #[serde(default)]
    pub notification_format: Wire,
    /// Sign notifications without `payment_status_code` (the published sample's form).
    #[serde(default)]
    pub legacy_notification_signature: bool,
    /// Where the GET Callback Activation goes; absent = none sent.
    #[serde(default)]
    pub activation_callback_url: Option<String>,
    /// Add `signature` to the activation callback (robustness switch, spec §5.2).
    #[serde(default)]
    pub sign_activation_callback: bool,
    /// Browser return URL after the customer's page (activation and payment).
    #[serde(default)]
    pub return_url: Option<String>,
    /// Wire amount = rupiah × amount_scale (spec §5.3; default 100).
    #[serde(default = "hundred")]
    pub amount_scale: i64,
}

fn hundred() -> i64 {
    100
}

impl MerchantConfig {
    fn scale(&self) -> i64 {
        self.amount_scale.max(1)
    }
    fn to_wire(&self, rupiah: i64) -> String {
        rupiah.checked_mul(self.scale()).map(|v| v.to_string()).unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LinkState {
    #[default]
    Unlinked,
    PendingActivation,
    Active,
    TokenExpired,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
struct Link {
    state: LinkState,
    /// The activation page currently open, if any.
    action: Option<String>,
    /// The payment token was regenerated through a `02` page since this link was made (the
    /// magic token-expiry phone answers `02` to payments until then).
    regenerated: bool,
}

/// Magic phone: its first payment after each linking answers `02` (spec §5.4), until the
/// customer re-links through the `02` page.
const MAGIC_TOKEN_EXPIRY: &str = "6281100000008";

#[derive(Debug, Clone, serde::Serialize)]
struct Payment {
    trx_id: String,
    merchant_id: String,
    bill_no: String,
    bill_desc: String,
    /// Whole rupiah.
    amount: i64,
    phone: String,
    phone_no: String,
    cust_name: String,
    pay_type: String,
    #[serde(skip)]
    source: PaySource,
    /// `payment_status_code` (spec §6).
    status: u8,
    #[serde(skip)]
    created: DateTime<Utc>,
    #[serde(skip)]
    updated: DateTime<Utc>,
    split: Split,
    payment_reff: Option<String>,
    action: Option<String>,
    /// What a replay of the same `bill_no` must repeat to get the same answer.
    #[serde(skip)]
    fingerprint: String,
}

#[derive(Debug, Default)]
struct FaspayState {
    /// (merchant_id, canonical phone) → link.
    links: BTreeMap<(String, String), Link>,
    /// trx_id → payment.
    payments: BTreeMap<String, Payment>,
    seq: u64,
}

/// The product: its state survives across requests, `reset` forgets it.
#[derive(Debug, Default)]
pub struct Faspay {
    state: Arc<Mutex<FaspayState>>,
    /// The merchants file's section, read once for imports.
    merchants: std::sync::OnceLock<Vec<MerchantConfig>>,
}

impl ProductSim for Faspay {
    fn key(&self) -> &'static str {
        KEY
    }
    fn settlement_style(&self) -> SettlementStyle {
        SettlementStyle::Faspay
    }
    fn linking(&self) -> Option<Linking> {
        Some(Linking { merchant_field: "merchant_id", tokens: false, provider_ref_prefix: "" })
    }

    fn routes(&self, ctx: Ctx) -> Router {
        let app = FaspaySim { ctx, state: self.state.clone() };
        let endpoints = [
            (JSON_TOKENIZE, Wire::Json, Function::Tokenize),
            (XML_TOKENIZE, Wire::Xml, Function::Tokenize),
            (JSON_STATUS, Wire::Json, Function::Status),
            (XML_STATUS, Wire::Xml, Function::Status),
            (JSON_CANCEL, Wire::Json, Function::Cancel),
            (XML_CANCEL, Wire::Xml, Function::Cancel),
        ];
        let mut router = Router::new();
        for (path, wire, function) in endpoints {
            router = router.route(
                path,
                post(move |State(a): State<FaspaySim>, b: Bytes| async move {
                    a.endpoint(wire, function, &b).await
                }),
            );
        }
        router.with_state(app)
    }

    fn control_routes(&self, ctx: Ctx) -> Router {
        let app = FaspaySim { ctx, state: self.state.clone() };
        Router::new()
            .route("/_sandbox/faspay_ovo_tokenize/state", get(control_state))
            .route("/_sandbox/faspay_ovo_tokenize/webview/{action}", get(webview))
            .route("/_sandbox/faspay_ovo_tokenize/return/{trx_id}", get(return_page))
            .route("/_sandbox/faspay_ovo_tokenize/topup/{option}", get(topup_page))
            .route(
                "/_sandbox/faspay_ovo_tokenize/{merchant_id}/account/{phone}/{action}",
                post(control_account),
            )
            .route(
                "/_sandbox/faspay_ovo_tokenize/{merchant_id}/payment/{trx_id}/reverse",
                post(control_reverse),
            )
            .with_state(app)
    }

    fn reset(&self) {
        *lock(&self.state) = FaspayState::default();
    }

    /// `96 System Malfunction`, in the endpoint's wire format (XML under `/pws/`).
    fn server_error(&self, endpoint: &str, status: u16) -> Response {
        let wire = if endpoint.starts_with("/pws/") { Wire::Xml } else { Wire::Json };
        let mut response = render(wire, &fail("", "96", "System Malfunction"));
        *response.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        response
    }

    /// A paid (`2`) Payment Notification for a `bill_no` this provider never saw.
    fn notify_unknown(&self, ctx: &Ctx, request: &UnknownNotification) -> Result<Value, String> {
        let app = FaspaySim { ctx: ctx.clone(), state: self.state.clone() };
        let merchants = app.merchants()?;
        let merchant = match &request.merchant {
            Some(id) => merchants.iter().find(|m| &m.merchant_id == id),
            None => merchants.first(),
        }
        .ok_or("no such faspay_ovo_tokenize merchant")?;
        if merchant.notification_url.is_none() {
            return Err("this faspay_ovo_tokenize merchant has no notification_url".into());
        }
        let now = clock::now();
        let trx_id = {
            let mut st = lock(&self.state);
            st.seq += 1;
            format!("{}{:011}", merchant.merchant_id, st.seq)
        };
        let payment = Payment {
            trx_id: trx_id.clone(),
            merchant_id: merchant.merchant_id.clone(),
            bill_no: request.reference.clone(),
            bill_desc: String::new(),
            amount: request.amount,
            phone: String::new(),
            phone_no: String::new(),
            cust_name: String::new(),
            pay_type: "0".into(),
            source: PaySource::Cash,
            status: 2,
            created: now,
            updated: now,
            split: Split { cash: request.amount, points: 0 },
            payment_reff: Some(format!("OVO{}", &trx_id[trx_id.len().saturating_sub(11)..])),
            action: None,
            fingerprint: String::new(),
        };
        app.notify_payment(&payment);
        Ok(json!({ "product": KEY, "bill_no": request.reference, "trx_id": trx_id }))
    }

    fn import(&self, ctx: &Ctx, payment: &ImportedPayment) -> Result<(), String> {
        self.import_payment(ctx, payment)
    }

    /// `[[bindings]]`: the phone is ACTIVE for the merchant, with a few paid demo payments over
    /// the last 30 days so that History Transaction has pages to show.
    fn seed(&self, ctx: &Ctx) {
        let merchants: Vec<MerchantConfig> = ctx.merchants().section(KEY).unwrap_or_default();
        let now = clock::now();
        let mut st = lock(&self.state);
        for seed in ctx.merchants().bindings(KEY) {
            st.links.insert(
                (seed.merchant.clone(), seed.phone.clone()),
                Link { state: LinkState::Active, action: None, regenerated: false },
            );
            let name = merchants
                .iter()
                .find(|m| m.merchant_id == seed.merchant)
                .map(|m| m.merchant_name.clone())
                .unwrap_or_default();
            for (days_ago, hours_earlier, amount, points, status, desc) in DEMO_HISTORY {
                st.seq += 1;
                let trx_id = format!("{}{:011}", seed.merchant, st.seq);
                let at = now - TimeDelta::days(days_ago) - TimeDelta::hours(hours_earlier);
                let split = Split { cash: amount - points, points };
                let payment = Payment {
                    trx_id: trx_id.clone(),
                    merchant_id: seed.merchant.clone(),
                    bill_no: format!("90{:010}", st.seq),
                    bill_desc: format!("{desc} (demo history)"),
                    amount,
                    phone: seed.phone.clone(),
                    phone_no: phone::national(&seed.phone),
                    cust_name: name.clone(),
                    pay_type: if points > 0 { "2" } else { "0" }.to_owned(),
                    source: if points > 0 { PaySource::PointsFirst } else { PaySource::Cash },
                    status,
                    created: at,
                    updated: at,
                    split,
                    payment_reff: Some(format!(
                        "OVO{}",
                        &trx_id[trx_id.len().saturating_sub(11)..]
                    )),
                    action: None,
                    fingerprint: String::new(),
                };
                st.payments.insert(trx_id, payment);
            }
        }
    }
}

impl Faspay {
    /// `reference` is the bill_no, `provider_ref` the trx_id.
    fn import_payment(&self, ctx: &Ctx, p: &ImportedPayment) -> Result<(), String> {
        if !p.refunds.is_empty() {
            return Err("Faspay OVO Tokenize has no refund API; its refunds are offline".into());
        }
        let merchants =
            self.merchants.get_or_init(|| ctx.merchants().section(KEY).unwrap_or_default());
        let merchant = match &p.merchant {
            Some(id) => merchants.iter().find(|m| &m.merchant_id == id),
            None => merchants.first(),
        }
        .ok_or("no such faspay_ovo_tokenize merchant")?;
        let trx_id = p.provider_ref.clone().ok_or("a Faspay payment needs its trx_id")?;
        let status = match p.status {
            ImportedStatus::Succeeded => 2,
            ImportedStatus::Pending => 1,
            ImportedStatus::Failed => 3,
            ImportedStatus::Expired => 7,
        };
        let created = p.created();
        let mut st = lock(&self.state);
        if st.payments.contains_key(&trx_id)
            || st
                .payments
                .values()
                .any(|x| x.merchant_id == merchant.merchant_id && x.bill_no == p.reference)
        {
            return Err("a payment with this trx_id or bill_no exists".into());
        }
        ctx.settlements().imported(KEY, p, &p.reference, &trx_id);
        st.payments.insert(
            trx_id.clone(),
            Payment {
                trx_id: trx_id.clone(),
                merchant_id: merchant.merchant_id.clone(),
                bill_no: p.reference.clone(),
                bill_desc: String::new(),
                amount: p.amount,
                phone: p.phone.clone(),
                phone_no: phone::national(&p.phone),
                cust_name: merchant.merchant_name.clone(),
                pay_type: "0".into(),
                source: PaySource::Cash,
                status,
                created,
                updated: p.paid().unwrap_or(created),
                split: if status == 2 { cash_split(p.amount) } else { Split::default() },
                payment_reff: (status == 2)
                    .then(|| format!("OVO{}", &trx_id[trx_id.len().saturating_sub(11)..])),
                action: None,
                fingerprint: String::new(),
            },
        );
        Ok(())
    }
}

/// The history every seeded link starts with, newest first (dates relative to the start): days
/// ago, hours earlier that day, amount, the part paid with OVO Points (points first, the rest
/// cash), status (2 paid, 4 reversed) and description.
const DEMO_HISTORY: [(i64, i64, i64, i64, u8, &str); 7] = [
    (1, 2, 45_000, 0, 2, "Kopi susu x3"),
    (3, 5, 128_500, 20_000, 2, "Groceries"),
    (6, 1, 75_000, 0, 4, "Phone credit (reversed)"),
    (10, 3, 250_000, 0, 2, "Electricity token"),
    (15, 4, 32_000, 32_000, 2, "Ride"),
    (21, 6, 199_000, 0, 2, "Sneakers (part 1)"),
    (28, 2, 60_000, 10_000, 2, "Lunch"),
];

#[derive(Debug, Clone)]
struct FaspaySim {
    ctx: Ctx,
    state: Arc<Mutex<FaspayState>>,
}

#[derive(Debug, Clone, Copy)]
enum Function {
    Tokenize,
    Status,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Activation,
    Payment,
    TopUp,
    Balance,
    History,
    Unlink,
    Unsupported,
}

// ---------------------------------------------------------------------------------------------
// Wire: flat JSON object or `<faspay>` XML in, the same field names out
// ---------------------------------------------------------------------------------------------

/// A request's fields, all as strings.
#[derive(Debug, Default)]
struct Fields(BTreeMap<String, String>);

/// An answer: `Err` carries the failure body; both are sent with HTTP 200.
type Answer = Result<Value, Value>;

impl Fields {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
    /// A mandatory field: present and not blank, else `83 Parameter is mandatory`.
    fn req(&self, name: &str, response: &str) -> Result<&str, Value> {
        match self.get(name).map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(fail(response, "83", format!("Parameter is mandatory: {name}"))),
        }
    }
}

/// The words of a `request` text that name its operation, tried in this order.
const REQUEST_WORDS: [(&[&str], Op); 7] = [
    (&["refund", "void"], Op::Unsupported),
    (&["activation"], Op::Activation),
    (&["top up", "topup"], Op::TopUp),
    (&["balance"], Op::Balance),
    (&["history"], Op::History),
    (&["unlink", "unbind"], Op::Unlink),
    (&["payment"], Op::Payment),
];

fn operation(f: &Fields) -> Option<Op> {
    let text = f.get("request").unwrap_or_default().to_ascii_lowercase();
    let named = REQUEST_WORDS.iter().find(|(words, _)| words.iter().any(|w| text.contains(w)));
    if let Some((_, op)) = named {
        return Some(*op);
    }
    let present = |k: &str| f.get(k).is_some();
    if present("bill_no") {
        Some(Op::Payment)
    } else if present("start_date") {
        Some(Op::History)
    } else if present("cust_name") {
        Some(Op::Activation)
    } else if !present("merchant") {
        Some(Op::Balance)
    } else {
        None
    }
}

/// A merchant and phone that passed authentication.
#[derive(Debug)]
struct Caller {
    merchant: MerchantConfig,
    phone_no: String,
    phone: String,
}

impl FaspaySim {
    async fn endpoint(&self, wire: Wire, function: Function, body: &[u8]) -> Response {
        let parsed = match wire {
            Wire::Json => parse_json(body),
            Wire::Xml => parse_xml(body),
        };
        let fields = match parsed {
            Ok(f) => f,
            Err(e) => return render(wire, &fail("", "30", format!("Format Error: {e}"))),
        };
        let answer = match function {
            Function::Tokenize => self.tokenize(&fields).await,
            Function::Status => self.status(&fields),
            Function::Cancel => self.cancel(&fields),
        };
        render(wire, &answer.unwrap_or_else(|e| e))
    }

    fn merchants(&self) -> Result<Vec<MerchantConfig>, String> {
        self.ctx.merchants().section::<MerchantConfig>(KEY)
    }

    fn merchant_by_id(&self, id: &str) -> Option<MerchantConfig> {
        self.merchants().ok()?.into_iter().find(|m| m.merchant_id == id)
    }

    fn merchant(&self, f: &Fields, response: &str) -> Result<MerchantConfig, Value> {
        let id = f.req("merchant_id", response)?;
        match self.merchants() {
            Err(e) => Err(fail(response, "96", format!("System Malfunction: {e}"))),
            Ok(list) => list
                .into_iter()
                .find(|m| m.merchant_id == id)
                .ok_or_else(|| fail(response, "03", "Invalid Merchant")),
        }
    }

    /// The `mandatory` and `extra` fields present, the merchant known and its signature
    /// `sha1(md5(user_id + password + <signed>))` right; answers the merchant and `signed`'s value.
    fn signed(
        &self,
        f: &Fields,
        response: &str,
        mandatory: &[&str],
        extra: &[&str],
        signed: &str,
    ) -> Result<(MerchantConfig, String), Value> {
        for name in mandatory.iter().chain(extra) {
            f.req(name, response)?;
        }
        let merchant = self.merchant(f, response)?;
        let value = f.req(signed, response)?.to_owned();
        let expected = signature(&[&merchant.user_id, &merchant.password, &value]);
        if !signature_matches(f.req("signature", response)?, &expected) {
            return Err(fail(response, "55", "Incorrect User/Password"));
        }
        Ok((merchant, value))
    }

    /// Mandatory fields, merchant, `sha1(md5(user_id + password + phone_no))`, channel, phone.
    fn caller(&self, f: &Fields, response: &str, mandatory: &[&str]) -> Result<Caller, Value> {
        let fields = ["merchant_id", "payment_channel", "phone_no", "signature"];
        let (merchant, phone_no) = self.signed(f, response, &fields, mandatory, "phone_no")?;
        if f.req("payment_channel", response)? != CHANNEL {
            return Err(fail(
                response,
                "40",
                "Requested Function not Supported: payment_channel must be 720",
            ));
        }
        let phone = match phone::canonical(&phone_no) {
            Some(p) if valid_phone_no(&phone_no) => p,
            _ => return Err(fail(response, "18", "Invalid Customer or MSISDN not found")),
        };
        Ok(Caller { merchant, phone_no, phone })
    }

    async fn tokenize(&self, f: &Fields) -> Answer {
        match operation(f) {
            Some(Op::Activation) => self.activation(f),
            Some(Op::Payment) => self.payment(f),
            Some(Op::TopUp) => self.topup(f),
            Some(Op::Balance) => self.balance(f),
            Some(Op::History) => self.history(f),
            Some(Op::Unlink) => self.unlink(f),
            Some(Op::Unsupported) | None => Err(fail(
                f.get("request").unwrap_or_default(),
                "40",
                "Requested Function not Supported",
            )),
        }
    }

    fn link_state(&self, merchant_id: &str, phone: &str) -> LinkState {
        lock(&self.state)
            .links
            .get(&(merchant_id.to_owned(), phone.to_owned()))
            .map(|l| l.state)
            .unwrap_or_default()
    }

    // --- 5.1 Activation --------------------------------------------------------------------

    fn activation(&self, f: &Fields) -> Answer {
        const R: &str = "Account Activation OVO Open API";
        let c = self.caller(f, R, &["cust_name"])?;
        let Some(account) = self.ctx.wallets().get(&c.phone) else {
            return Err(fail(R, "18", "Invalid Customer or MSISDN not found"));
        };
        if account.blocked {
            return Err(fail(R, "63", "Not Active / Suspended"));
        }
        let url = self.open_binding(&c.merchant, &c.phone, &c.phone_no);
        self.ctx.writes().processed(KEY, WriteKind::Link, &c.phone);
        Ok(json!({
            "response": R, "status": "ALLOWED", "message": "SUCCESS", "redirectURL": url,
            "response_code": "00", "response_desc": "Success",
        }))
    }

    /// Opens the OTP + PIN page (activation or re-link); returns its URL.
    fn open_binding(&self, m: &MerchantConfig, phone: &str, phone_no: &str) -> String {
        let opened = self.ctx.pending().open(
            self.ctx.wallets(),
            NewAction::binding(
                KEY,
                phone.to_owned(),
                m.merchant_name.clone(),
                format!("link your OVO account to {} (Faspay OVO Tokenize)", m.merchant_name),
            )
            .returning_to(m.return_url.clone()),
        );
        let id = opened.id.clone();
        let old = {
            let mut st = lock(&self.state);
            let link = st.links.entry((m.merchant_id.clone(), phone.to_owned())).or_default();
            if link.state == LinkState::Unlinked {
                link.state = LinkState::PendingActivation;
            }
            link.action.replace(id.clone())
        };
        if let Some(old) = old {
            self.ctx.pending().withdraw(&old);
        }
        tokio::spawn(self.clone().await_binding(
            m.clone(),
            phone.to_owned(),
            phone_no.to_owned(),
            opened,
        ));
        format!("{}/_sandbox/{KEY}/webview/{id}", self.ctx.base_url())
    }

    async fn await_binding(
        self,
        m: MerchantConfig,
        phone: String,
        phone_no: String,
        opened: Opened,
    ) {
        let id = opened.id;
        let outcome =
            tokio::time::timeout(self.ctx.scale().scaled(CUSTOMER_WAIT), opened.decision).await;
        let (code, desc) = match outcome {
            Ok(Ok(Decision::Approve { .. })) => ("00", "Success"),
            Ok(Ok(Decision::Decline)) => ("01", "Activation failed: customer declined"),
            Ok(Err(_)) => return, // withdrawn (superseded) or reset
            Err(_) => {
                self.ctx.pending().withdraw(&id);
                ("01", "Activation failed: expired")
            }
        };
        {
            let mut st = lock(&self.state);
            let Some(link) = st.links.get_mut(&(m.merchant_id.clone(), phone.clone())) else {
                return;
            };
            if link.action.as_deref() != Some(id.as_str()) {
                return;
            }
            link.action = None;
            if code == "00" {
                link.regenerated = link.state == LinkState::TokenExpired;
                link.state = LinkState::Active;
            } else if link.state == LinkState::PendingActivation {
                link.state = LinkState::Unlinked;
            }
        }
        self.send_activation_callback(&m, &phone_no, code, desc);
    }

    /// GET Callback Activation (spec §5.2): `response`, `phone_number`, `response_code`, `response_desc`.
    fn send_activation_callback(&self, m: &MerchantConfig, phone_no: &str, code: &str, desc: &str) {
        let Some(base) = m.activation_callback_url.clone() else { return };
        let mut params = vec![
            ("response", "Callback Activation OVO OpenAPI".to_owned()),
            ("phone_number", phone_no.to_owned()),
            ("response_code", code.to_owned()),
            ("response_desc", desc.to_owned()),
        ];
        let good = signature(&[&m.user_id, &m.password, phone_no]);
        let bad = signature(&[&m.user_id, "wrong-password", phone_no]);
        let mut tampered = params.clone();
        tampered.push(("signature", bad));
        if m.sign_activation_callback {
            params.push(("signature", good));
        }
        let url = |p: &[(&str, String)]| {
            let query: Vec<String> =
                p.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect();
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}{}", query.join("&"))
        };
        // A GET callback is signed in its URL: the tampered copy has its own URL.
        self.ctx.notifier().send(Outbound {
            product: KEY,
            kind: "activation_callback".into(),
            url: url(&params),
            method: reqwest::Method::GET,
            headers: vec![],
            body: String::new(),
            retries: NOTIFY_RETRIES.to_vec(),
            tampered: Some(Tampered { url: url(&tampered), headers: vec![], body: String::new() }),
            ack: Ack::Http2xx,
            prepare: None,
        });
    }

    // --- 5.3 / 5.4 Payment -----------------------------------------------------------------

    fn payment(&self, f: &Fields) -> Answer {
        const R: &str = "Payment OVO OpenAPI";
        let c = self.caller(
            f,
            R,
            &[
                "bill_no",
                "bill_desc",
                "bill_total",
                "bill_currency",
                "cust_name",
                "email",
                "pay_type",
            ],
        )?;
        let bill_no = f.req("bill_no", R)?.to_owned();
        if bill_no.len() > 32 || !bill_no.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail(R, "30", "Format Error: bill_no must be at most 32 digits"));
        }
        if f.req("bill_currency", R)? != "IDR" {
            return Err(fail(R, "13", "Invalid Amount: bill_currency must be IDR"));
        }
        let total = f.req("bill_total", R)?;
        let scale = c.merchant.scale();
        let amount = match total.parse::<i64>() {
            Ok(v) if total.bytes().all(|b| b.is_ascii_digit()) && v > 0 && v % scale == 0 => v / scale,
            _ => return Err(fail(R, "13", format!("Invalid Amount: bill_total must be a positive whole number of rupiah × {scale}"))),
        };
        let pay_type = f.req("pay_type", R)?.to_owned();
        let source = match pay_type.as_str() {
            "0" => PaySource::Cash,
            "1" => PaySource::Points,
            "2" => PaySource::PointsFirst,
            _ => return Err(fail(R, "30", "Format Error: pay_type must be 0, 1 or 2")),
        };
        if c.phone == MAGIC_TOKEN_EXPIRY {
            let mut st = lock(&self.state);
            if let Some(link) = st.links.get_mut(&(c.merchant.merchant_id.clone(), c.phone.clone()))
            {
                if link.state == LinkState::Active && !link.regenerated {
                    link.state = LinkState::TokenExpired;
                }
            }
        }
        match self.link_state(&c.merchant.merchant_id, &c.phone) {
            LinkState::Active => {}
            LinkState::TokenExpired => {
                let url = self.open_binding(&c.merchant, &c.phone, &c.phone_no);
                return Err(
                    json!({ "response": R, "response_code": "02", "response_desc": "Failed: regenerate payment token", "url": url }),
                );
            }
            LinkState::Unlinked | LinkState::PendingActivation => {
                return Err(fail(R, "01", "Failed: OVO account is not linked"))
            }
        }
        let fingerprint = format!(
            "{}|{}|{}|{}",
            c.phone,
            amount,
            pay_type,
            f.get("bill_desc").unwrap_or_default()
        );
        let now = clock::now();
        let check = self.ctx.wallets().check(&c.phone, amount, source);
        let (payment, opened) = {
            let mut st = lock(&self.state);
            if let Some(p) = st
                .payments
                .values()
                .find(|p| p.merchant_id == c.merchant.merchant_id && p.bill_no == bill_no)
            {
                // Not processed again: the same answer, or a duplicate's.
                self.ctx.writes().replayed(KEY, WriteKind::Payment, &bill_no);
                return match p.status {
                    0 | 1 if p.fingerprint == fingerprint => {
                        Ok(self.payment_answer(R, &c.merchant, p))
                    }
                    2 => Err(fail(R, "81", "Already Been Paid")),
                    _ => Err(fail(R, "14", "Invalid Order: duplicate bill_no")),
                };
            }
            st.seq += 1;
            let trx_id = format!("{}{:011}", c.merchant.merchant_id, st.seq);
            let mut payment = Payment {
                trx_id: trx_id.clone(),
                merchant_id: c.merchant.merchant_id.clone(),
                bill_no,
                bill_desc: f.get("bill_desc").unwrap_or_default().to_owned(),
                amount,
                phone: c.phone.clone(),
                phone_no: c.phone_no.clone(),
                cust_name: f.get("cust_name").unwrap_or_default().to_owned(),
                pay_type,
                source,
                status: 0,
                created: now,
                updated: now,
                split: Split::default(),
                payment_reff: None,
                action: None,
                fingerprint,
            };
            let opened = match check {
                Ok(_) => {
                    let opened = self.ctx.pending().open(
                        self.ctx.wallets(),
                        // 720's pay_type (the merchant's) fixes cash or points.
                        NewAction::pin_payment(
                            KEY,
                            c.phone.clone(),
                            amount,
                            c.merchant.merchant_name.clone(),
                            payment.bill_desc.clone(),
                            vec![Step::Otp, Step::Pin],
                        )
                        .returning_to(Some(format!(
                            "{}/_sandbox/{KEY}/return/{trx_id}",
                            self.ctx.base_url()
                        ))),
                    );
                    payment.action = Some(opened.id.clone());
                    Some(opened)
                }
                Err(_) => {
                    payment.status = 3;
                    None
                }
            };
            st.payments.insert(trx_id, payment.clone());
            self.ctx.writes().processed(KEY, WriteKind::Payment, &payment.bill_no);
            (payment, opened)
        };
        match (check, opened) {
            (Ok(_), Some(opened)) => {
                tokio::spawn(self.clone().await_payment(payment.trx_id.clone(), opened));
                Ok(self.payment_answer(R, &c.merchant, &payment))
            }
            (Err(e), _) => {
                self.notify_payment(&payment);
                let (code, desc) = match e {
                    DebitError::Blocked => ("63", "Not Active / Suspended"),
                    DebitError::LimitExceeded => ("01", "Failed: transaction limit exceeded"),
                    DebitError::Insufficient => ("01", "Failed: insufficient balance"),
                    DebitError::NoAccount => ("18", "Invalid Customer or MSISDN not found"),
                    DebitError::InvalidAmount => ("13", "Invalid Amount"),
                };
                let mut body = self.payment_answer(R, &c.merchant, &payment);
                body["response_code"] = json!(code);
                body["response_desc"] = json!(desc);
                body["redirectURL"] = json!("");
                Err(body)
            }
            (Ok(_), None) => Err(fail(R, "96", "System Malfunction")),
        }
    }

    fn payment_answer(&self, response: &str, m: &MerchantConfig, p: &Payment) -> Value {
        let url = p
            .action
            .as_ref()
            .map(|a| format!("{}/_sandbox/{KEY}/webview/{a}", self.ctx.base_url()))
            .unwrap_or_default();
        json!({
            "response": response,
            "redirectURL": url,
            "status": status_desc(p.status),
            "trx_id": p.trx_id,
            "bill_no": p.bill_no,
            "amount": m.to_wire(p.amount),
            "payment_day": datetime(p.created),
            "response_code": "00",
            "response_desc": "Success",
        })
    }

    async fn await_payment(self, trx_id: String, opened: Opened) {
        let id = opened.id;
        let outcome =
            tokio::time::timeout(self.ctx.scale().scaled(CUSTOMER_WAIT), opened.decision).await;
        let decision = match outcome {
            Ok(Ok(d)) => Some(d),
            Ok(Err(_)) => return, // withdrawn (cancelled) or reset
            Err(_) => {
                self.ctx.pending().withdraw(&id);
                None
            }
        };
        let mut late = None;
        let done = {
            let mut st = lock(&self.state);
            let Some(p) = st.payments.get_mut(&trx_id) else { return };
            if !matches!(p.status, 0 | 1) {
                return;
            }
            p.status = match decision {
                Some(Decision::Approve { .. }) => {
                    match self.ctx.wallets().debit(&p.phone, p.amount, p.source) {
                        Ok(split) => {
                            p.split = split;
                            p.payment_reff = Some(format!(
                                "OVO{}",
                                &p.trx_id[p.trx_id.len().saturating_sub(11)..]
                            ));
                            2
                        }
                        Err(_) => 3,
                    }
                }
                Some(Decision::Decline) => 3,
                None => 7,
            };
            // A success_after_failure drill: the money moved, but the record says failed for now.
            if p.status == 2 {
                late = self.ctx.faults().take_success_after_failure(KEY);
                if late.is_some() {
                    p.status = 3;
                }
            }
            p.updated = clock::now();
            p.action = None;
            p.clone()
        };
        self.record_settled(&done);
        self.notify_payment(&done);
        if let Some(wait) = late {
            self.ctx.scale().sleep(wait).await;
            let turned = {
                let mut st = lock(&self.state);
                let Some(p) = st.payments.get_mut(&trx_id).filter(|p| p.status == 3) else {
                    return;
                };
                p.status = 2;
                p.updated = clock::now();
                p.clone()
            };
            self.record_settled(&turned);
            self.notify_payment(&turned);
        }
    }

    /// A paid (`2`) payment, for the settlement files (at its last update).
    fn record_settled(&self, p: &Payment) {
        if p.status == 2 {
            self.ctx.settlements().payment(KEY, &p.bill_no, p.amount, p.updated, &p.trx_id);
        }
    }

    /// POST Payment Notification (spec §5.9), documented signature form by default (HD 4).
    fn notify_payment(&self, p: &Payment) {
        let Some(m) = self.merchant_by_id(&p.merchant_id) else { return };
        let Some(url) = m.notification_url.clone() else { return };
        let status = p.status.to_string();
        let good = if m.legacy_notification_signature {
            signature(&[&m.user_id, &m.password, &p.bill_no])
        } else {
            signature(&[&m.user_id, &m.password, &p.bill_no, &status])
        };
        let bad = signature(&[&m.user_id, "wrong-password", &p.bill_no, &status]);
        let body = |sig: &str| {
            json!({
                "request": "Payment Notification",
                "trx_id": p.trx_id,
                "merchant_id": m.merchant_id,
                "merchant": m.merchant_name,
                "bill_no": p.bill_no,
                "payment_reff": p.payment_reff,
                "payment_date": datetime(p.updated),
                "payment_status_code": status,
                "payment_status_desc": status_desc(p.status),
                "bill_total": m.to_wire(p.amount),
                "payment_total": m.to_wire(p.amount),
                "payment_channel_uid": CHANNEL,
                "payment_channel": CHANNEL_NAME,
                "signature": sig,
            })
        };
        let (content_type, encode): (&str, fn(&Value) -> String) = match m.notification_format {
            Wire::Json => ("application/json", |v| v.to_string()),
            Wire::Xml => ("application/xml", to_xml),
        };
        let headers = vec![("content-type".to_owned(), content_type.to_owned())];
        self.ctx.notifier().send(Outbound {
            product: KEY,
            kind: "payment".into(),
            url: url.clone(),
            method: reqwest::Method::POST,
            headers: headers.clone(),
            body: encode(&body(&good)),
            retries: NOTIFY_RETRIES.to_vec(),
            tampered: Some(Tampered { url, headers, body: encode(&body(&bad)) }),
            // §9: the merchant acknowledges with response_code 00 (JSON or XML).
            ack: Ack::Body(merchant_acknowledged),
            prepare: None,
        });
    }

    // --- 5.5 Top Up Instruction ------------------------------------------------------------

    fn topup(&self, f: &Fields) -> Answer {
        const R: &str = "Top Up Instruction OVO OpenAPI";
        let c = self.caller(f, R, &["merchant"])?;
        let base = self.ctx.base_url();
        let options = [
            ("atm", "ATM"),
            ("banking", "Internet/Mobile Banking"),
            ("grab", "Grab"),
            ("tokopedia", "Tokopedia"),
            ("mitra", "Merchant/Mitra OVO"),
        ];
        let mut list = Map::new();
        for (i, (slug, option)) in options.iter().enumerate() {
            list.insert(
                format!("instruction_{}", i + 1),
                json!({ "option": option, "icon": format!("{base}/_sandbox/{KEY}/topup/{slug}.png"), "url": format!("{base}/_sandbox/{KEY}/topup/{slug}") }),
            );
        }
        Ok(json!({
            "response": R, "merchant_id": c.merchant.merchant_id, "merchant": f.get("merchant"), "phone_no": c.phone_no,
            "payment_channel": CHANNEL, "topup_instruction": list, "response_code": "00", "response_desc": "Success",
        }))
    }

    // --- 5.6 Check Balance -----------------------------------------------------------------

    fn balance(&self, f: &Fields) -> Answer {
        const R: &str = "Check Balance OVO OpenAPI";
        let c = self.caller(f, R, &[])?;
        self.require_linked(&c, R)?;
        let Some(account) = self.ctx.wallets().get(&c.phone) else {
            return Err(fail(R, "18", "Invalid Customer or MSISDN not found"));
        };
        Ok(json!({
            "response": R, "phone_no": c.phone_no, "payment_channel": CHANNEL, "merchant_id": c.merchant.merchant_id,
            "detail": { "cash": { "balance": c.merchant.to_wire(account.cash) }, "points": { "balance": account.points.to_string() } },
            "response_code": "00", "response_desc": "Success",
        }))
    }

    /// Balance, history and unlink need a linked account; an expired token answers `02`.
    fn require_linked(&self, c: &Caller, response: &str) -> Result<(), Value> {
        match self.link_state(&c.merchant.merchant_id, &c.phone) {
            LinkState::Active => Ok(()),
            LinkState::TokenExpired => {
                let url = self.open_binding(&c.merchant, &c.phone, &c.phone_no);
                Err(
                    json!({ "response": response, "response_code": "02", "response_desc": "Failed: regenerate payment token", "url": url }),
                )
            }
            LinkState::Unlinked | LinkState::PendingActivation => {
                Err(fail(response, "01", "Failed: OVO account is not linked"))
            }
        }
    }

    // --- 5.7 History Transaction -----------------------------------------------------------

    fn history(&self, f: &Fields) -> Answer {
        const R: &str = "History Transaction OVO OpenAPI";
        let c = self.caller(f, R, &["merchant", "start_date", "end_date", "page", "limit"])?;
        let start = f.req("start_date", R)?;
        let end = f.req("end_date", R)?;
        let today = date(clock::now());
        if !valid_date(start) || !valid_date(end) || start > end || end > today.as_str() {
            return Err(fail(
                R,
                "30",
                "Format Error: start_date <= end_date <= today, as YYYY-MM-DD",
            ));
        }
        let page: usize = f
            .req("page", R)?
            .parse()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| fail(R, "30", "Format Error: page starts at 1"))?;
        let limit: usize = f
            .req("limit", R)?
            .parse()
            .ok()
            .filter(|l| (1..=50).contains(l))
            .ok_or_else(|| fail(R, "30", "Format Error: limit is 1 to 50"))?;
        self.require_linked(&c, R)?;
        let rows: Vec<Payment> = {
            let st = lock(&self.state);
            st.payments
                .values()
                .filter(|p| {
                    p.merchant_id == c.merchant.merchant_id
                        && p.phone == c.phone
                        && matches!(p.status, 2 | 4)
                })
                .filter(|p| {
                    let d = date(p.updated);
                    d.as_str() >= start && d.as_str() <= end
                })
                .cloned()
                .collect()
        };
        let mut list = Map::new();
        for (i, p) in rows.iter().skip((page - 1).saturating_mul(limit)).take(limit).enumerate() {
            list.insert(
                format!("transaction_{}", i + 1),
                json!({
                    "payment_date": datetime(p.updated),
                    "status": status_desc(p.status),
                    "trx_id": p.trx_id,
                    "trx_amount": c.merchant.to_wire(p.amount),
                    "amount_detail": {
                        "detail_1": { "type": "Cash", "amt": c.merchant.to_wire(p.split.cash) },
                        "detail_2": { "type": "Points", "amt": p.split.points.to_string() },
                    },
                }),
            );
        }
        Ok(json!({
            "response": R, "phone_no": c.phone_no, "merchant_id": c.merchant.merchant_id, "payment_channel": CHANNEL,
            "merchant": f.get("merchant"), "list_transaction": list, "response_code": "00", "response_desc": "Success",
        }))
    }

    // --- 5.8 Unlink ------------------------------------------------------------------------

    fn unlink(&self, f: &Fields) -> Answer {
        const R: &str = "Unlink OVO OpenAPI";
        let c = self.caller(f, R, &["merchant"])?;
        let action = {
            let mut st = lock(&self.state);
            match st.links.get_mut(&(c.merchant.merchant_id.clone(), c.phone.clone())) {
                Some(link) if matches!(link.state, LinkState::Active | LinkState::TokenExpired) => {
                    link.state = LinkState::Unlinked;
                    link.action.take()
                }
                _ => return Err(fail(R, "01", "Failed: OVO account is not linked")),
            }
        };
        if let Some(action) = action {
            self.ctx.pending().withdraw(&action);
        }
        self.ctx.writes().processed(KEY, WriteKind::Unlink, &c.phone);
        Ok(json!({
            "response": R, "merchant_id": c.merchant.merchant_id, "phone_no": c.phone_no, "payment_channel": CHANNEL,
            "response_code": "00", "response_desc": "Success",
        }))
    }

    // --- 5.10 Inquiry Payment Status and Cancel --------------------------------------------

    /// `merchant_id`, `bill_no` and `signature = sha1(md5(user_id + password + bill_no))`.
    fn bill_caller(&self, f: &Fields, response: &str) -> Result<(MerchantConfig, String), Value> {
        self.signed(f, response, &["merchant_id", "bill_no", "signature"], &[], "bill_no")
    }

    fn find_bill(
        &self,
        m: &MerchantConfig,
        bill_no: &str,
        trx_id: Option<&str>,
    ) -> Option<Payment> {
        let st = lock(&self.state);
        st.payments
            .values()
            .filter(|p| p.merchant_id == m.merchant_id && p.bill_no == bill_no)
            .find(|p| trx_id.is_none_or(|t| t.is_empty() || t == p.trx_id))
            .cloned()
    }

    fn status(&self, f: &Fields) -> Answer {
        let r = f
            .get("request")
            .filter(|r| !r.is_empty())
            .unwrap_or("Inquiry Status Payment")
            .to_owned();
        let (m, bill_no) = self.bill_caller(f, &r)?;
        let Some(p) = self.find_bill(&m, &bill_no, f.get("trx_id")) else {
            return Err(json!({
                "response": r, "trx_id": f.get("trx_id"), "merchant_id": m.merchant_id, "merchant": m.merchant_name, "bill_no": bill_no,
                "payment_status_code": "5", "payment_status_desc": status_desc(5), "response_code": "14", "response_desc": "Invalid Order",
            }));
        };
        Ok(json!({
            "response": r, "trx_id": p.trx_id, "merchant_id": m.merchant_id, "merchant": m.merchant_name, "bill_no": p.bill_no,
            "payment_reff": p.payment_reff, "payment_date": if p.status == 2 || p.status == 4 { datetime(p.updated) } else { String::new() },
            "payment_status_code": p.status.to_string(), "payment_status_desc": status_desc(p.status),
            "response_code": "00", "response_desc": "Success",
        }))
    }

    fn cancel(&self, f: &Fields) -> Answer {
        let r =
            f.get("request").filter(|r| !r.is_empty()).unwrap_or("Canceling Payment").to_owned();
        let (m, bill_no) = self.bill_caller(f, &r)?;
        let reason = f.get("payment_cancel").unwrap_or_default().to_owned();
        if reason.chars().count() > 50 {
            return Err(fail(&r, "30", "Format Error: payment_cancel is at most 50 characters"));
        }
        let trx_id = f.get("trx_id");
        let now = clock::now();
        let outcome = {
            let mut st = lock(&self.state);
            let found = st
                .payments
                .values_mut()
                .filter(|p| p.merchant_id == m.merchant_id && p.bill_no == bill_no)
                .find(|p| trx_id.is_none_or(|t| t.is_empty() || t == p.trx_id));
            match found {
                None => Err(("14", "Invalid Order")),
                Some(p) => match p.status {
                    0 | 1 => {
                        p.status = 8;
                        p.updated = now;
                        let action = p.action.take();
                        Ok((p.clone(), action))
                    }
                    2 => Err(("81", "Already Been Paid")),
                    4 => Err(("80", "Payment Was Reversal")),
                    7 => Err(("54", "Order is Expired")),
                    8 => Err(("17", "Order Cancelled by Merchant/Customer")),
                    _ => Err(("14", "Invalid Order: payment failed")),
                },
            }
        };
        match outcome {
            Err((code, desc)) => Err(json!({
                "response": r, "trx_id": trx_id, "merchant_id": m.merchant_id, "merchant": m.merchant_name, "bill_no": bill_no,
                "response_code": code, "response_desc": desc,
            })),
            Ok((p, action)) => {
                if let Some(action) = action {
                    self.ctx.pending().withdraw(&action);
                }
                self.notify_payment(&p);
                Ok(json!({
                    "response": r, "trx_id": p.trx_id, "merchant_id": m.merchant_id, "merchant": m.merchant_name, "bill_no": p.bill_no,
                    "trx_status_code": "8", "trx_status_desc": status_desc(8),
                    "payment_status_code": "8", "payment_status_desc": status_desc(8),
                    "payment_cancel_date": datetime(now), "payment_cancel": reason,
                    "response_code": "00", "response_desc": "Success",
                }))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Control and customer-side routes
// ---------------------------------------------------------------------------------------------

async fn control_state(State(app): State<FaspaySim>) -> Json<Value> {
    let st = lock(&app.state);
    let links: Vec<Value> = st
        .links
        .iter()
        .map(|((merchant_id, phone), link)| json!({ "merchant_id": merchant_id, "phone": phone, "state": link.state, "action": link.action }))
        .collect();
    let payments: Vec<&Payment> = st.payments.values().collect();
    Json(json!({ "links": links, "payments": payments }))
}

/// The `redirectURL` the merchant sends the browser to: marks a payment "In Process" and shows
/// the core's OTP/PIN page.
async fn webview(State(app): State<FaspaySim>, Path(action): Path<String>) -> Response {
    {
        let mut st = lock(&app.state);
        if let Some(p) = st
            .payments
            .values_mut()
            .find(|p| p.action.as_deref() == Some(action.as_str()) && p.status == 0)
        {
            p.status = 1;
            p.updated = clock::now();
        }
    }
    Redirect::to(&format!("/_sandbox/customer/{action}")).into_response()
}

/// Where the payment page returns: to the merchant's return URL with the F-RETURN parameters
/// (spec §5.11), once the payment has left the pending states.
async fn return_page(State(app): State<FaspaySim>, Path(trx_id): Path<String>) -> Response {
    let mut payment = None;
    for _ in 0..100 {
        payment = lock(&app.state).payments.get(&trx_id).cloned();
        if payment.as_ref().is_none_or(|p| !matches!(p.status, 0 | 1)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let Some(p) = payment else {
        return (StatusCode::NOT_FOUND, Html("<p>No such transaction.</p>")).into_response();
    };
    let Some(m) = app.merchant_by_id(&p.merchant_id) else {
        return (StatusCode::NOT_FOUND, Html("<p>No such merchant.</p>")).into_response();
    };
    let Some(base) = m.return_url.clone() else {
        return Html(format!(
            "<p>Payment {}: {}. You can close this page.</p>",
            p.trx_id,
            status_desc(p.status)
        ))
        .into_response();
    };
    let status = p.status.to_string();
    let params = [
        ("trx_id", p.trx_id.clone()),
        ("merchant_id", m.merchant_id.clone()),
        ("merchant", m.merchant_name.clone()),
        ("bill_no", p.bill_no.clone()),
        ("bill_ref", p.bill_no.clone()),
        ("bill_total", m.to_wire(p.amount)),
        ("bank_user_name", p.cust_name.clone()),
        ("status", status.clone()),
        ("signature", signature(&[&m.user_id, &m.password, &p.bill_no, &status])),
        ("payment_reff", p.payment_reff.clone().unwrap_or_default()),
        ("payment_date", datetime(p.updated)),
    ];
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect();
    let sep = if base.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{base}{sep}{}", query.join("&"))).into_response()
}

/// The instruction's page, or its icon (`{slug}.png`: a 32×32 PNG, the same for every option).
async fn topup_page(Path(option): Path<String>) -> Response {
    if option.ends_with(".png") {
        return ([(axum::http::header::CONTENT_TYPE, "image/png")], TOPUP_ICON).into_response();
    }
    Html(format!(
        "<!doctype html><title>Top up OVO</title><p>Sandbox top-up instructions ({}).</p>",
        quick_xml::escape::escape(option.as_str())
    ))
    .into_response()
}

const TOPUP_ICON: &[u8] = include_bytes!("../../../assets/topup-icon.png");

/// `link` (ACTIVE at once), `expire-token` (TOKEN_EXPIRED) or `unlink`.
async fn control_account(
    State(app): State<FaspaySim>,
    Path((merchant_id, phone_in, action)): Path<(String, String, String)>,
) -> Response {
    let Some(phone) = phone::canonical(&phone_in) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "error": "not an Indonesian mobile number" })),
        )
            .into_response();
    };
    if app.merchant_by_id(&merchant_id).is_none() {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "no such merchant" })))
            .into_response();
    }
    let mut st = lock(&app.state);
    let link = st.links.entry((merchant_id, phone.clone())).or_default();
    link.state = match action.as_str() {
        "link" => LinkState::Active,
        "expire-token" if matches!(link.state, LinkState::Active | LinkState::TokenExpired) => {
            LinkState::TokenExpired
        }
        "expire-token" => {
            return (StatusCode::CONFLICT, Json(json!({ "error": "the account is not linked" })))
                .into_response()
        }
        "unlink" => LinkState::Unlinked,
        _ => {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({ "error": "action is link, expire-token or unlink" })),
            )
                .into_response()
        }
    };
    Json(json!({ "phone": phone, "state": link.state })).into_response()
}

/// Provider-initiated reversal of a paid payment (2 → 4): money back, notification.
async fn control_reverse(
    State(app): State<FaspaySim>,
    Path((merchant_id, trx_id)): Path<(String, String)>,
) -> Response {
    let reversed = {
        let mut st = lock(&app.state);
        match st.payments.get_mut(&trx_id) {
            Some(p) if p.merchant_id == merchant_id && p.status == 2 => {
                if app.ctx.wallets().credit(&p.phone, p.split).is_err() {
                    return (
                        StatusCode::CONFLICT,
                        Json(json!({ "error": "the OVO account is gone" })),
                    )
                        .into_response();
                }
                p.status = 4;
                p.updated = clock::now();
                p.clone()
            }
            Some(p) if p.merchant_id == merchant_id => return (
                StatusCode::CONFLICT,
                Json(json!({ "error": "only a paid payment can be reversed", "status": p.status })),
            )
                .into_response(),
            _ => {
                return (StatusCode::NOT_FOUND, Json(json!({ "error": "no such payment" })))
                    .into_response()
            }
        }
    };
    app.notify_payment(&reversed);
    Json(json!({ "trx_id": reversed.trx_id, "payment_status_code": "4" })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &[&str], output: &str, source: &str) {
        let sig = signature(input);
        assert_eq!(sig, output, "{source}");
        assert!(signature_matches(&sig, output), "{source}");
        assert!(
            signature_matches(&sig.to_ascii_uppercase(), output),
            "{source}: upper-case hex is the same signature"
        );
        let mut corrupted = sig.into_bytes();
        corrupted[7] = if corrupted[7] == b'0' { b'1' } else { b'0' };
        assert!(
            !signature_matches(&String::from_utf8(corrupted).unwrap(), output),
            "{source}: corrupted byte"
        );
        assert!(!signature_matches(&output[..39], output), "{source}: truncated");
    }

    #[test]
    fn f1_activation_vector_published_f_ovo_tok() {
        assert_eq!(
            hex::encode(Md5::digest(b"bot99999p@ssw0rd081382826301")),
            "363f316c79420017f24fe3a6278f3321"
        );
        check(
            &["bot99999", "p@ssw0rd", "081382826301"],
            "1d4c5f7246a762c4ab61cd3d399efa4c28978bf3",
            "F1 [F-OVO-TOK]",
        );
    }

    #[test]
    fn f2_inquiry_status_vectors_published_f_status() {
        check(
            &["bot31004", "p@ssw0rd", "31004001"],
            "be8791ac5f10bb042834896598bfc6bb9aadcbf9",
            "F2 [F-STATUS]",
        );
        check(
            &["bot98765", "p@ssw0rd", "9988776655"],
            "b03951a6051dfa90894eea48ccb964619e8b3474",
            "F2b [F-STATUS]",
        );
    }

    #[test]
    fn f3_return_url_vector_published_f_return() {
        check(
            &["bot99999", "p@ssw0rd", "4370", "0"],
            "0da33ad07fe9980f7b7ff70a964803e821a86866",
            "F3 [F-RETURN]",
        );
    }

    #[test]
    fn f4_notification_documented_form_computed_locally() {
        check(
            &["bot31025", "p@ssw0rd", "300134486", "2"],
            "b993b29c1fee46c20c0aad2b879167ed6cf70416",
            "F4 (computed locally)",
        );
    }

    #[test]
    fn f5_notification_sample_form_published_f_notif() {
        check(
            &["bot31025", "p@ssw0rd", "300134486"],
            "9ed18926fa88f83b469f3ae73ef71ef2a4835c03",
            "F5 [F-NOTIF]",
        );
    }

    #[test]
    fn parses_both_wire_forms() {
        let xml = b"<?xml version=\"1.0\"?><faspay><request>Check Balance OVO OpenAPI</request><merchant_id>99999</merchant_id><empty/><phone_no>081382826301</phone_no></faspay>";
        let f = parse_xml(xml).unwrap();
        assert_eq!(f.get("merchant_id"), Some("99999"));
        assert_eq!(f.get("phone_no"), Some("081382826301"));
        assert_eq!(f.get("empty"), Some(""));
        assert!(parse_xml(b"<other><a>1</a></other>").is_err());
        assert!(parse_xml(b"not xml <").is_err());
        let f = parse_json(br#"{"merchant_id":99999,"phone_no":"081382826301"}"#).unwrap();
        assert_eq!(f.get("merchant_id"), Some("99999"));
        assert!(parse_json(b"[1]").is_err());
        let out =
            to_xml(&json!({ "a": "x<y", "detail": { "cash": { "balance": "10" } }, "n": null }));
        assert!(
            out.contains("<a>x&lt;y</a><detail><cash><balance>10</balance></cash></detail><n></n>"),
            "{out}"
        );
    }

    #[test]
    fn dispatches_on_request_then_shape() {
        let f = |pairs: &[(&str, &str)]| {
            Fields(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
        };
        assert_eq!(
            operation(&f(&[("request", "Account Activation OVO OpenAPI")])),
            Some(Op::Activation)
        );
        assert_eq!(
            operation(&f(&[("request", "Top Up Instruction OVO OpenAPI")])),
            Some(Op::TopUp)
        );
        assert_eq!(operation(&f(&[("request", "Payment OVO OpenAPI")])), Some(Op::Payment));
        assert_eq!(operation(&f(&[("request", "UNBIND")])), Some(Op::Unlink));
        assert_eq!(operation(&f(&[("request", "Refund")])), Some(Op::Unsupported));
        assert_eq!(operation(&f(&[("bill_no", "1")])), Some(Op::Payment));
        assert_eq!(
            operation(&f(&[("start_date", "2024-01-01"), ("merchant", "x")])),
            Some(Op::History)
        );
        assert_eq!(operation(&f(&[("cust_name", "x")])), Some(Op::Activation));
        assert_eq!(operation(&f(&[("phone_no", "08")])), Some(Op::Balance));
        assert_eq!(operation(&f(&[("merchant", "x")])), None, "top-up and unlink need the keyword");
    }

    #[test]
    fn phone_and_dates() {
        assert!(valid_phone_no("081382826301"));
        assert!(valid_phone_no("0813828263011"));
        assert!(!valid_phone_no("6281382826301"));
        assert!(!valid_phone_no("08123"));
        assert!(valid_date("2024-02-29"));
        assert!(!valid_date("2023-02-29"));
        // 2024-01-01T17:30:00Z is 2024-01-02 00:30 WIB (README HD 1 worked example).
        let t = clock::from_unix_millis(1_704_130_200_000);
        assert_eq!(datetime(t), "2024-01-02 00:30:00");
        assert_eq!(date(t), "2024-01-02");
    }
}
