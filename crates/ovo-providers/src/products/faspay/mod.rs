//! Faspay OVO Tokenize, channel 720 (`shared/providers/faspay-ovo-tokenize.md`): a legacy
//! Faspay debit API, flat JSON bodies whose values are strings, one SHA-1(MD5) signature
//! recipe, outcomes in `response_code` (HTTP is 200 either way).
//!
//! Choices where the shared shape or the spec leaves room (also in the module's report):
//! - `bill_no` is derived from our payment reference (`wire::bill_no`, a bijection into 25
//!   digits), so a status query and a notification find the payment without a stored map.
//!   A payment whose token expired (`02`) is retried under a new reference.
//! - Activation's mandatory `cust_name` is `BindRequest::merchant_customer_id` (the shared
//!   request has no customer name).
//! - The merchant name (`merchant`, mandatory on top-up, history, unlink) and the amount scale
//!   are options: neither is a credential.
//! - Payment `02` (token expired) is the outcome `PaymentState::RelinkRequired` with the
//!   re-link URL (nothing was charged); `pay_tokenized` returns it typed. On balance, history
//!   and the other account calls it stays `Declined` with code `02`.

pub mod sign;
pub mod wire;

use std::time::Duration;

use async_trait::async_trait;
use ovo_domain::{Idr, Msisdn, Product, Timestamp};
use serde_json::{json, Value};

use crate::capability::{Operation, PaymentKind};
use crate::credentials::Credentials;
use crate::error::{ProviderError, ProviderResult, Refusal, UnknownCause};
use crate::model::*;
use crate::notification::{InboundRequest, Notification, NotificationEvent, NotificationRejection};
use crate::provider::Provider;
use crate::transport::{Call, Effect, Transport};
use crate::wire::{from_faspay, WireError};

use sign::Signer;
use wire::{CodeClass, Outcome, PaymentStatusCode, ResponseCode};

const PRODUCT: Product = Product::FaspayOvoTokenize;
/// `payment_channel` of OVO Tokenize (§2).
pub const CHANNEL: &str = "720";

/// The URL of each operation (§3: per-operation URLs are UNKNOWN, so they are configuration).
/// A value starting with `http` is absolute; otherwise it is a path under the base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaspayUrls {
    pub activation: String,
    pub payment: String,
    pub topup: String,
    pub balance: String,
    pub history: String,
    pub unlink: String,
    pub status: String,
    pub cancel: String,
}

impl Default for FaspayUrls {
    /// The sandbox defaults of §3: every 720 operation at `/cvr/100037/10`.
    fn default() -> Self {
        let tokenize = "/cvr/100037/10".to_owned();
        FaspayUrls {
            activation: tokenize.clone(),
            payment: tokenize.clone(),
            topup: tokenize.clone(),
            balance: tokenize.clone(),
            history: tokenize.clone(),
            unlink: tokenize,
            status: "/cvr/100004/10".into(),
            cancel: "/cvr/100005/10".into(),
        }
    }
}

/// §9 House default: 30 s for account and inquiry calls, 90 s for payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaspayTimeouts {
    pub account: Duration,
    pub inquiry: Duration,
    pub payment: Duration,
}

impl Default for FaspayTimeouts {
    fn default() -> Self {
        FaspayTimeouts {
            account: Duration::from_secs(30),
            inquiry: Duration::from_secs(30),
            payment: Duration::from_secs(90),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaspayOptions {
    /// `merchant` (merchant name), mandatory on top-up, history and unlink.
    pub merchant_name: String,
    /// `faspay.amount_scale` (§5.3): rupiah × scale on the wire; default 100, UNKNOWN.
    pub amount_scale: i64,
    pub urls: FaspayUrls,
    pub timeouts: FaspayTimeouts,
    /// History rows per page, 1–50 (§5.7 House default).
    pub history_limit: u32,
    /// Sent as `email` when the payment request has no customer email (the field is mandatory).
    pub fallback_email: Option<String>,
    /// Certificates trusted beside the operating system's store.
    pub extra_roots: crate::transport::ExtraRoots,
}

impl FaspayOptions {
    pub fn new(merchant_name: impl Into<String>) -> FaspayOptions {
        FaspayOptions {
            merchant_name: merchant_name.into(),
            amount_scale: 100,
            urls: FaspayUrls::default(),
            timeouts: FaspayTimeouts::default(),
            history_limit: 50,
            fallback_email: None,
            extra_roots: Default::default(),
        }
    }
}

/// What a 720 payment request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaspayPayment {
    /// Created: the customer confirms with OTP/PIN on the redirect page.
    Created(PaymentOutcome),
    /// `02` (§5.4): the payment token must be regenerated. Send the customer's browser to
    /// `relink_url`, confirm the link (callback or balance), retry under a new reference.
    TokenExpired { relink_url: String, code: String, message: String },
}

#[derive(Debug)]
pub struct FaspayClient {
    transport: Transport,
    base_url: String,
    merchant_id: String,
    signer: Signer,
    options: FaspayOptions,
}

impl FaspayClient {
    pub fn new(
        base_url: &str,
        credentials: &Credentials,
        options: FaspayOptions,
    ) -> ProviderResult<FaspayClient> {
        credentials.check_product(PRODUCT)?;
        let merchant_id = credentials.require("merchant_id")?.expose().trim().to_owned();
        let signer = Signer::new(
            credentials.require("user_id")?.clone(),
            credentials.require("password")?.clone(),
        );
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        if base_url.is_empty() {
            return Err(ProviderError::invalid_input(PRODUCT, "no Faspay endpoint URL is configured (production: Merchant Page → Settings → Credentials)"));
        }
        if options.amount_scale <= 0 {
            return Err(ProviderError::invalid_input(PRODUCT, "amount_scale must be positive"));
        }
        if options.merchant_name.trim().is_empty() {
            return Err(ProviderError::invalid_input(PRODUCT, "the merchant name is not set"));
        }
        if !(1..=50).contains(&options.history_limit) {
            return Err(ProviderError::invalid_input(PRODUCT, "history_limit must be 1–50"));
        }
        Ok(FaspayClient {
            transport: Transport::with_roots(PRODUCT, &options.extra_roots),
            base_url,
            merchant_id,
            signer,
            options,
        })
    }

    pub fn options(&self) -> &FaspayOptions {
        &self.options
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}/{}", self.base_url, path.trim_start_matches('/'))
        }
    }

    /// Rupiah on the wire: × `amount_scale`, as digits.
    fn wire_amount(&self, amount: Idr) -> ProviderResult<String> {
        amount.rupiah().checked_mul(self.options.amount_scale).map(|n| n.to_string()).ok_or_else(
            || {
                ProviderError::invalid_input(
                    PRODUCT,
                    format!(
                        "{} rupiah × {} does not fit",
                        amount.rupiah(),
                        self.options.amount_scale
                    ),
                )
            },
        )
    }

    fn rupiah_of(&self, text: &str) -> Result<Idr, WireError> {
        from_faspay(text, self.options.amount_scale)
    }

    /// The fields every 720 call carries, signed with the phone (§4).
    fn account_body(&self, request: &str, phone: &Msisdn) -> serde_json::Map<String, Value> {
        let phone_no = phone.national();
        let mut body = serde_json::Map::new();
        body.insert("request".into(), request.into());
        body.insert("merchant_id".into(), self.merchant_id.clone().into());
        body.insert("payment_channel".into(), CHANNEL.into());
        body.insert("signature".into(), self.signer.phone(&phone_no).into());
        body.insert("phone_no".into(), phone_no.into());
        body
    }

    /// Posts `body` and reads the answer (JSON or XML).
    async fn send(&self, call: Call, path: &str, body: Value) -> ProviderResult<Value> {
        let url = self.url(path);
        let reply = self.transport.send(call, |client| client.post(&url).json(&body)).await?;
        let content_type =
            reply.headers.get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        match wire::parse_body(&reply.body, content_type) {
            Ok(value) => Ok(value),
            // Faspay answers 200 with a code; a 4xx without a readable body refused the request.
            Err(detail) => {
                let refusal = match reply.status {
                    401 | 403 => Refusal::Authentication,
                    400..=499 => Refusal::InvalidRequest,
                    _ => return Err(self.transport.malformed(call, detail)),
                };
                let code = format!("HTTP {}", reply.status);
                Err(ProviderError::refused(PRODUCT, refusal, code, short(&reply.body)))
            }
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        call: Call,
        value: Value,
    ) -> ProviderResult<T> {
        wire::decode(value).map_err(|detail| self.transport.malformed(call, detail))
    }

    /// The error for an answer whose `response_code` is not `00`.
    fn reply_error(&self, call: Call, outcome: &Outcome) -> ProviderError {
        let code = outcome.response_code.clone();
        let message = outcome.desc();
        let refused =
            |refusal, message| ProviderError::refused(PRODUCT, refusal, code.clone(), message);
        match outcome.code().class() {
            CodeClass::Declined | CodeClass::Success => refused(Refusal::Declined, message),
            CodeClass::TokenExpired => {
                let message = match &outcome.url {
                    Some(url) => {
                        format!("{message} (payment token expired: re-link the account at {url})")
                    }
                    None => format!("{message} (payment token expired: re-link the account)"),
                };
                refused(Refusal::Declined, message)
            }
            CodeClass::Authentication => refused(Refusal::Authentication, message),
            CodeClass::InvalidRequest => refused(Refusal::InvalidRequest, message),
            // Faspay failed internally: a write may have happened; a read changed nothing.
            CodeClass::ServerSide => match call.effect {
                Effect::Write => {
                    let detail = format!("response_code {code} {message}");
                    let cause = UnknownCause::MalformedReply { detail };
                    ProviderError::unknown_outcome(PRODUCT, call.operation, cause)
                }
                Effect::Read => ProviderError::Unavailable { product: PRODUCT, status: 200 },
            },
        }
    }

    /// Reads the common outcome and refuses anything but `00`.
    fn accepted(&self, call: Call, value: &Value) -> ProviderResult<()> {
        let outcome: Outcome = self.decode(call, value.clone())?;
        if outcome.code() == ResponseCode::Success {
            Ok(())
        } else {
            Err(self.reply_error(call, &outcome))
        }
    }

    fn check_currency(echoed: Option<&str>) -> ProviderResult<()> {
        match echoed {
            Some(currency) if !currency.trim().eq_ignore_ascii_case("IDR") => {
                Err(ProviderError::mismatch(PRODUCT, "bill_currency", "IDR", currency))
            }
            _ => Ok(()),
        }
    }

    fn check_amount(
        &self,
        field: &'static str,
        sent: Idr,
        echoed: Option<&str>,
    ) -> ProviderResult<()> {
        match echoed {
            Some(text) if self.rupiah_of(text) != Ok(sent) => {
                Err(ProviderError::mismatch(PRODUCT, field, self.wire_amount(sent)?, text))
            }
            _ => Ok(()),
        }
    }

    /// §5.10 Inquiry Payment Status of `bill_no`: refused unless `00` or "5 No bills found".
    async fn inquiry(
        &self,
        call: Call,
        trx_id: &str,
        bill_no: &str,
    ) -> ProviderResult<wire::StatusReply> {
        let body = json!({
            "request": "Inquiry Status Payment",
            "trx_id": trx_id,
            "merchant_id": self.merchant_id,
            "bill_no": bill_no,
            "signature": self.signer.bill(bill_no),
        });
        let value = self.send(call, &self.options.urls.status, body).await?;
        let reply: wire::StatusReply = self.decode(call, value)?;
        let status = reply.payment_status_code.as_deref().map(PaymentStatusCode::parse);
        if status != Some(PaymentStatusCode::NoBillsFound)
            && reply.outcome.code() != ResponseCode::Success
        {
            return Err(self.reply_error(call, &reply.outcome));
        }
        Ok(reply)
    }

    /// §5.3: creates the payment; `02` (§5.4) comes back typed.
    pub async fn pay_tokenized(&self, request: &PaymentRequest) -> ProviderResult<FaspayPayment> {
        if request.kind != PaymentKind::Tokenized {
            return Err(ProviderError::invalid_input(
                PRODUCT,
                format!("Faspay 720 makes tokenized payments only, not {:?}", request.kind),
            ));
        }
        if request.amount.is_zero() {
            return Err(ProviderError::invalid_input(PRODUCT, "the amount must be positive"));
        }
        let call = Call::write(Operation::Pay, self.options.timeouts.payment);
        let bill_no = wire::bill_no(&request.reference);
        let bill_total = self.wire_amount(request.amount)?;
        let cust_name =
            request.customer_name.clone().filter(|n| !n.trim().is_empty()).ok_or_else(|| {
                ProviderError::invalid_input(
                    PRODUCT,
                    "customer_name is mandatory for Faspay (cust_name)",
                )
            })?;
        let email = request
            .customer_email
            .clone()
            .or_else(|| self.options.fallback_email.clone())
            .filter(|e| !e.trim().is_empty())
            .ok_or_else(|| {
                ProviderError::invalid_input(
                    PRODUCT,
                    "customer_email is mandatory for Faspay (email)",
                )
            })?;
        let pay_type = match request.source {
            PaySource::Cash => "0",
            PaySource::Points => "1",
            PaySource::PointsFirst => "2",
        };
        let description = if request.description.trim().is_empty() {
            format!("Payment {}", request.reference)
        } else {
            request.description.clone()
        };
        let mut body = self.account_body("Payment OVO OpenAPI", request.mobile(PRODUCT)?);
        body.insert("bill_no".into(), bill_no.clone().into());
        body.insert("bill_desc".into(), description.into());
        body.insert("bill_total".into(), bill_total.clone().into());
        body.insert("bill_currency".into(), "IDR".into());
        body.insert("cust_name".into(), cust_name.into());
        body.insert("email".into(), email.into());
        body.insert("pay_type".into(), pay_type.into());
        let value = self.send(call, &self.options.urls.payment, Value::Object(body)).await?;
        let reply: wire::PaymentReply = self.decode(call, value)?;
        match reply.outcome.code() {
            ResponseCode::Success => {}
            ResponseCode::RegenerateToken => {
                let relink_url = wire::required(reply.outcome.url.clone(), "url")
                    .map_err(|d| self.transport.malformed(call, d))?;
                return Ok(FaspayPayment::TokenExpired {
                    relink_url,
                    code: reply.outcome.response_code.clone(),
                    message: reply.outcome.desc(),
                });
            }
            _ => return Err(self.reply_error(call, &reply.outcome)),
        }
        let need = |value: Option<String>, field: &str| {
            wire::required(value, field).map_err(|d| self.transport.malformed(call, d))
        };
        let trx_id = need(reply.trx_id, "trx_id")?;
        let redirect_url = need(reply.redirect_url, "redirectURL")?;
        let amount = need(reply.amount, "amount")?;
        self.check_amount("amount", request.amount, Some(&amount))?;
        Self::check_currency(reply.bill_currency.as_deref())?;
        check_bill_no(&bill_no, reply.bill_no.as_deref())?;
        let provider_status = match reply.status {
            Some(status) => format!("{} {status}", reply.outcome.response_code),
            None => reply.outcome.response_code,
        };
        Ok(FaspayPayment::Created(PaymentOutcome {
            attempt_expires_at: None,
            state: PaymentState::RedirectRequired { url: redirect_url },
            provider_ref: Some(trx_id),
            paid: None,
            provider_status,
        }))
    }

    /// §5.6 Check Balance, for `balance` and to confirm a link.
    async fn check_balance(&self, operation: Operation, phone: &Msisdn) -> ProviderResult<Balance> {
        let call = Call::read(operation, self.options.timeouts.account);
        let body = self.account_body("Check Balance OVO OpenAPI", phone);
        let value = self.send(call, &self.options.urls.balance, Value::Object(body)).await?;
        self.accepted(call, &value)?;
        let malformed = |d: String| self.transport.malformed(call, d);
        let cash = wire::balance_field(&value, "cash").map_err(malformed)?;
        let points = wire::balance_field(&value, "points").map_err(malformed)?;
        let cash =
            self.rupiah_of(&cash).map_err(|e| malformed(format!("detail.cash.balance: {e}")))?;
        // §5.6: points are not scaled (1 point = 1 rupiah).
        let points = from_faspay(&points, 1)
            .map_err(|e| malformed(format!("detail.points.balance: {e}")))?;
        Ok(Balance { cash, points })
    }

    /// The merchant's acknowledgement of a notification (§5.9), in the notification's format;
    /// an activation callback (GET) gets an empty 200 (§5.2). Returns (content type, body).
    pub fn notification_reply(
        &self,
        request: &InboundRequest,
        now: Timestamp,
    ) -> (&'static str, String) {
        if request.method.eq_ignore_ascii_case("GET") {
            return ("text/plain", String::new());
        }
        let fields =
            wire::parse_body(&request.body, request.header("content-type")).unwrap_or(Value::Null);
        let get = |name: &str| fields.get(name).and_then(wire::text).unwrap_or_default();
        let pairs = [
            ("response", "Payment Notification".to_owned()),
            ("trx_id", get("trx_id")),
            ("merchant_id", self.merchant_id.clone()),
            ("merchant", get("merchant")),
            ("bill_no", get("bill_no")),
            ("response_code", "00".to_owned()),
            ("response_desc", "Success".to_owned()),
            ("response_date", wire::format_wib_seconds(now)),
        ];
        let xml = request.header("content-type").is_some_and(|c| c.contains("xml"))
            || request.body.trim_start().starts_with('<');
        if xml {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><faspay>");
            for (name, value) in pairs {
                out.push_str(&format!(
                    "<{name}>{}</{name}>",
                    quick_xml::escape::escape(value.as_str())
                ));
            }
            out.push_str("</faspay>");
            ("application/xml", out)
        } else {
            let map: serde_json::Map<String, Value> =
                pairs.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
            ("application/json", Value::Object(map).to_string())
        }
    }

    fn activation_callback(
        &self,
        request: &InboundRequest,
    ) -> Result<Notification, NotificationRejection> {
        let url =
            reqwest::Url::parse(&format!("http://callback.invalid{}", request.path_and_query))
                .map_err(|e| NotificationRejection::Malformed(format!("query: {e}")))?;
        let query: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        let phone = query
            .get("phone_number")
            .filter(|p| !p.is_empty())
            .ok_or(NotificationRejection::MissingField("phone_number"))?;
        let code = query
            .get("response_code")
            .filter(|c| !c.is_empty())
            .ok_or(NotificationRejection::MissingField("response_code"))?;
        // No signature is documented (§5.2): the callback is a hint, confirmed by Check Balance.
        // When one is present (the sandbox's robustness switch), it must verify.
        if let Some(signature) = query.get("signature") {
            if !sign::matches(&self.signer.phone(phone), signature) {
                return Err(NotificationRejection::BadSignature);
            }
        }
        let linked = ResponseCode::parse(code) == ResponseCode::Success;
        Ok(Notification {
            product: PRODUCT,
            event: NotificationEvent::Binding {
                provider_ref: None,
                merchant_ref: Some(phone.clone()),
                linked,
                auth_code: None,
            },
            dedup_key: format!("faspay:activation:{phone}:{code}"),
        })
    }

    fn payment_notification(
        &self,
        request: &InboundRequest,
    ) -> Result<Notification, NotificationRejection> {
        let value = wire::parse_body(&request.body, request.header("content-type"))
            .map_err(NotificationRejection::Malformed)?;
        for field in ["trx_id", "merchant_id", "bill_no", "payment_status_code", "signature"] {
            if value.get(field).and_then(wire::text).filter(|v| !v.is_empty()).is_none() {
                return Err(NotificationRejection::MissingField(field));
            }
        }
        let n: wire::PaymentNotification =
            wire::decode(value).map_err(NotificationRejection::Malformed)?;
        if n.merchant_id.trim() != self.merchant_id {
            return Err(NotificationRejection::UnknownMerchant);
        }
        if !self.signer.verify_notification(&n.bill_no, &n.payment_status_code, &n.signature) {
            return Err(NotificationRejection::BadSignature);
        }
        let state = payment_state(
            &PaymentStatusCode::parse(&n.payment_status_code),
            &n.payment_status_code,
            n.payment_status_desc.clone(),
        );
        let amount = match n.payment_total.as_deref().or(n.bill_total.as_deref()) {
            Some(text) => Some(
                self.rupiah_of(text)
                    .map_err(|e| NotificationRejection::Malformed(format!("amount: {e}")))?,
            ),
            None => None,
        };
        let merchant_ref = wire::reference_of(&n.bill_no)
            .map(|r| r.to_string())
            .unwrap_or_else(|| n.bill_no.clone());
        Ok(Notification {
            product: PRODUCT,
            dedup_key: format!("faspay:payment:{}:{}", n.trx_id, n.payment_status_code),
            event: NotificationEvent::Payment {
                merchant_ref: Some(merchant_ref),
                provider_ref: Some(n.trx_id),
                state,
                amount,
            },
        })
    }
}

/// The echoed `bill_no`, when there is one, must be ours.
fn check_bill_no(sent: &str, echoed: Option<&str>) -> ProviderResult<()> {
    match echoed {
        Some(echoed) if echoed != sent => {
            Err(ProviderError::mismatch(PRODUCT, "bill_no", sent, echoed))
        }
        _ => Ok(()),
    }
}

/// The outcome an inquiry or cancel answer states; `raw` is its `payment_status_code`.
fn status_outcome(
    reply: wire::StatusReply,
    raw: String,
    provider_ref: &Option<String>,
) -> PaymentOutcome {
    let desc = reply.payment_status_desc.clone();
    let provider_status = match &desc {
        Some(d) => format!("{raw} {d}"),
        None => raw.clone(),
    };
    PaymentOutcome {
        state: payment_state(&PaymentStatusCode::parse(&raw), &raw, desc),
        provider_ref: reply.trx_id.or_else(|| provider_ref.clone()),
        paid: None,
        provider_status,
        attempt_expires_at: None,
    }
}

fn short(body: &str) -> String {
    body.chars().take(200).collect()
}

/// §6: `payment_status_code` → our state. 5 (no bills found) is a failure of nothing: the bill
/// does not exist at Faspay.
pub(crate) fn payment_state(
    code: &PaymentStatusCode,
    raw: &str,
    desc: Option<String>,
) -> PaymentState {
    let message = desc.unwrap_or_default();
    match code {
        PaymentStatusCode::Unprocessed
        | PaymentStatusCode::InProcess
        | PaymentStatusCode::Unknown => PaymentState::Pending,
        PaymentStatusCode::Success => PaymentState::Succeeded,
        PaymentStatusCode::Failed => PaymentState::Failed { code: raw.trim().to_owned(), message },
        // `5` No bills found: no record (yet), never a failure on its own.
        PaymentStatusCode::NoBillsFound => {
            PaymentState::NotFound { code: raw.trim().to_owned(), message }
        }
        PaymentStatusCode::Reversal => PaymentState::Refunded,
        PaymentStatusCode::Expired => PaymentState::Expired,
        PaymentStatusCode::Cancelled => PaymentState::Cancelled,
        PaymentStatusCode::Unrecognised(other) => PaymentState::Unrecognised(other.clone()),
    }
}

/// `payment_cancel` (at most 50 characters, §5.10).
const CANCEL_REASON: &str = "Cancelled by the merchant back office";

/// A bill number the back office never issues (ours are 25 digits).
const CONNECTION_TEST_BILL: &str = "OVOBOCONNECTIONTEST";

#[async_trait]
impl Provider for FaspayClient {
    /// Inquiry Payment Status (§5.10) of a bill number never used: the only read that needs
    /// no customer's phone. Its signature is `sha1(md5(user_id + password + bill_no))`, so
    /// "5 No bills found" proves the merchant id, user id and password.
    async fn test_connection(&self) -> ProviderResult<ConnectionProof> {
        let call = Call::read(Operation::TestConnection, self.options.timeouts.inquiry);
        let reply = self.inquiry(call, "", CONNECTION_TEST_BILL).await?;
        let answer = format!(
            "{} {}",
            reply.payment_status_code.unwrap_or_default(),
            reply.payment_status_desc.unwrap_or_default()
        );
        Ok(ConnectionProof {
            read: "inquiry payment status of an unused bill number",
            answer: answer.trim().to_owned(),
        })
    }

    fn product(&self) -> Product {
        PRODUCT
    }

    /// §5.1 Activation: the customer links on `redirect_url` (OTP + PIN).
    async fn bind(&self, request: &BindRequest) -> ProviderResult<BindStarted> {
        let call = Call::write(Operation::Bind, self.options.timeouts.account);
        let mut body = self.account_body("Account Activation OVO OpenAPI", &request.phone);
        body.insert("cust_name".into(), request.merchant_customer_id.clone().into());
        let value = self.send(call, &self.options.urls.activation, Value::Object(body)).await?;
        let reply: wire::ActivationReply = self.decode(call, value)?;
        if reply.outcome.code() != ResponseCode::Success {
            return Err(self.reply_error(call, &reply.outcome));
        }
        let redirect_url = wire::required(reply.redirect_url, "redirectURL")
            .map_err(|d| self.transport.malformed(call, d))?;
        Ok(BindStarted { redirect_url, provider_ref: None, pending_token: None })
    }

    /// §5.2 House default: the callback is a hint; a `00` Check Balance confirms the link.
    async fn complete_binding(&self, request: &CompleteBinding) -> ProviderResult<LinkedAccount> {
        self.check_balance(Operation::CompleteBinding, &request.phone).await?;
        Ok(LinkedAccount {
            phone: request.phone.clone(),
            provider_ref: None,
            token: None,
            refresh_token: None,
            token_expires_at: None,
        })
    }

    async fn balance(&self, account: &LinkedAccount) -> ProviderResult<Balance> {
        self.check_balance(Operation::Balance, &account.phone).await
    }

    async fn pay(&self, request: &PaymentRequest) -> ProviderResult<PaymentOutcome> {
        match self.pay_tokenized(request).await? {
            FaspayPayment::Created(outcome) => Ok(outcome),
            FaspayPayment::TokenExpired { relink_url, code, message } => Ok(PaymentOutcome {
                provider_status: code.clone(),
                state: PaymentState::RelinkRequired { code, message, url: relink_url },
                provider_ref: None,
                paid: None,
                attempt_expires_at: None,
            }),
        }
    }

    /// §5.10 Inquiry Payment Status, by `bill_no` (and `trx_id` when known).
    async fn status(&self, request: &StatusRequest) -> ProviderResult<PaymentOutcome> {
        let call = Call::read(Operation::Status, self.options.timeouts.inquiry);
        let bill_no = wire::bill_no(&request.reference);
        let trx_id = request.provider_ref.clone().unwrap_or_default();
        let reply = self.inquiry(call, &trx_id, &bill_no).await?;
        let raw = wire::required(reply.payment_status_code.clone(), "payment_status_code")
            .map_err(|d| self.transport.malformed(call, d))?;
        let code = PaymentStatusCode::parse(&raw);
        if code != PaymentStatusCode::NoBillsFound {
            check_bill_no(&bill_no, reply.bill_no.as_deref())?;
            if let (Some(sent), Some(echoed)) = (&request.provider_ref, &reply.trx_id) {
                if sent != echoed {
                    return Err(ProviderError::mismatch(
                        PRODUCT,
                        "trx_id",
                        sent.clone(),
                        echoed.clone(),
                    ));
                }
            }
            self.check_amount("bill_total", request.amount, reply.bill_total.as_deref())?;
            self.check_amount("payment_total", request.amount, reply.payment_total.as_deref())?;
            Self::check_currency(reply.bill_currency.as_deref())?;
        }
        Ok(status_outcome(reply, raw, &request.provider_ref))
    }

    /// §5.10 Cancel Transaction (unpaid only): a paid bill answers 81 and stays paid.
    async fn cancel(&self, request: &StatusRequest) -> ProviderResult<PaymentOutcome> {
        let call = Call::write(Operation::Cancel, self.options.timeouts.inquiry);
        let bill_no = wire::bill_no(&request.reference);
        let body = json!({
            "request": "Canceling Payment",
            "trx_id": request.provider_ref.clone().unwrap_or_default(),
            "merchant_id": self.merchant_id,
            "merchant": self.options.merchant_name,
            "bill_no": bill_no,
            "payment_cancel": CANCEL_REASON,
            "signature": self.signer.bill(&bill_no),
        });
        let value = self.send(call, &self.options.urls.cancel, body).await?;
        let reply: wire::StatusReply = self.decode(call, value)?;
        if reply.outcome.code() != ResponseCode::Success {
            return Err(self.reply_error(call, &reply.outcome));
        }
        check_bill_no(&bill_no, reply.bill_no.as_deref())?;
        let raw = reply.payment_status_code.clone().unwrap_or_else(|| "8".into());
        Ok(status_outcome(reply, raw, &request.provider_ref))
    }

    /// §5.8 Unlink. `01` to an unlink is "the account is not linked" (the simulator's
    /// documented answer; the guide gives no other unlink failure): `AlreadyUnlinked`.
    async fn unbind(&self, account: &LinkedAccount) -> ProviderResult<UnbindOutcome> {
        let call = Call::write(Operation::Unbind, self.options.timeouts.account);
        let mut body = self.account_body("Unlink OVO OpenAPI", &account.phone);
        body.insert("merchant".into(), self.options.merchant_name.clone().into());
        let value = self.send(call, &self.options.urls.unlink, Value::Object(body)).await?;
        let outcome: Outcome = self.decode(call, value.clone())?;
        if outcome.response_code.trim() == "01" {
            return Ok(UnbindOutcome::AlreadyUnlinked);
        }
        self.accepted(call, &value)?;
        Ok(UnbindOutcome::Unlinked)
    }

    /// §5.7 History Transaction: `page` is 1-based (0 reads as 1); the last page is the one
    /// with fewer than `history_limit` rows.
    async fn history(&self, query: &HistoryQuery) -> ProviderResult<HistoryPage> {
        let call = Call::read(Operation::History, self.options.timeouts.account);
        if query.from > query.to {
            return Err(ProviderError::invalid_input(
                PRODUCT,
                "the history range ends before it starts",
            ));
        }
        let page = query.page.max(1);
        let limit = self.options.history_limit;
        let mut body = self.account_body("History Transaction OVO OpenAPI", &query.account.phone);
        body.insert("merchant".into(), self.options.merchant_name.clone().into());
        body.insert("start_date".into(), query.from.to_string().into());
        body.insert("end_date".into(), query.to.to_string().into());
        body.insert("page".into(), page.to_string().into());
        body.insert("limit".into(), limit.to_string().into());
        let value = self.send(call, &self.options.urls.history, Value::Object(body)).await?;
        self.accepted(call, &value)?;
        let malformed = |d: String| self.transport.malformed(call, d);
        let rows = wire::rows(value.get("list_transaction"), "transaction");
        let mut entries = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let need = |name: &str| {
                wire::field(row, name).ok_or_else(|| {
                    malformed(format!("missing field `list_transaction[{i}].{name}`"))
                })
            };
            let trx_id = need("trx_id")?;
            let at = wire::parse_wib(&need("payment_date")?).map_err(malformed)?;
            let amount = self
                .rupiah_of(&need("trx_amount")?)
                .map_err(|e| malformed(format!("list_transaction[{i}].trx_amount: {e}")))?;
            let status = wire::field(row, "status").unwrap_or_default();
            let split: Vec<String> = wire::rows(row.get("amount_detail"), "detail")
                .iter()
                .filter_map(|d| {
                    let amt = wire::field(d, "amt")?;
                    // Cash follows `amount_scale`; points are shown raw, as the balance's (§5.6 House default).
                    Some(match wire::AmountSource::parse(&wire::field(d, "type")?) {
                        wire::AmountSource::Cash => match self.rupiah_of(&amt) {
                            Ok(cash) => format!("cash {}", cash.format(ovo_domain::Lang::En)),
                            Err(_) => format!("cash {amt}"),
                        },
                        wire::AmountSource::Points => format!("{amt} points"),
                        wire::AmountSource::Unrecognised(other) => format!("{other} {amt}"),
                    })
                })
                .collect();
            let description =
                if split.is_empty() { status } else { format!("{status} ({})", split.join(", ")) };
            entries.push(HistoryEntry {
                provider_id: trx_id,
                at,
                amount,
                direction: Direction::Debit,
                description,
                raw: (*row).clone(),
            });
        }
        let full = u32::try_from(entries.len()).unwrap_or(u32::MAX) >= limit;
        Ok(HistoryPage { entries, next_page: full.then_some(page + 1) })
    }

    /// §5.5 Top Up Instruction.
    async fn top_up_instructions(
        &self,
        account: &LinkedAccount,
    ) -> ProviderResult<Vec<TopUpOption>> {
        let call = Call::read(Operation::TopUpInstructions, self.options.timeouts.account);
        let mut body = self.account_body("Top Up Instruction OVO OpenAPI", &account.phone);
        body.insert("merchant".into(), self.options.merchant_name.clone().into());
        let value = self.send(call, &self.options.urls.topup, Value::Object(body)).await?;
        self.accepted(call, &value)?;
        if value.get("topup_instruction").is_none() {
            return Err(self.transport.malformed(call, "missing field `topup_instruction`".into()));
        }
        wire::rows(value.get("topup_instruction"), "instruction")
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let title = wire::field(row, "option").ok_or_else(|| {
                    self.transport
                        .malformed(call, format!("missing field `topup_instruction[{i}].option`"))
                })?;
                Ok(TopUpOption {
                    title,
                    steps: Vec::new(),
                    icon_url: wire::field(row, "icon"),
                    link: wire::field(row, "url"),
                })
            })
            .collect()
    }

    /// §5.9 payment notifications (POST, JSON or XML, signature in either form) and §5.2
    /// activation callbacks (GET, a hint).
    fn verify_notification(
        &self,
        request: &InboundRequest,
    ) -> Result<Notification, NotificationRejection> {
        if request.method.eq_ignore_ascii_case("GET") {
            self.activation_callback(request)
        } else {
            self.payment_notification(request)
        }
    }
}

/// A verified notification is acknowledged in its own format (§5.9); a rejected one with `01`.
/// A numeric `bill_no` stands for our reference.
impl crate::notification::IncomingWebhook for FaspayClient {
    fn acknowledge_notification(
        &self,
        received: crate::notification::Received<'_>,
    ) -> crate::notification::InboundResponse {
        match received.verified {
            Ok(_) => {
                let (content_type, body) = self.notification_reply(received.request, received.now);
                crate::notification::InboundResponse {
                    status: 200,
                    content_type,
                    body: ovo_secrets::Sensitive::new(body),
                }
            }
            Err(e) => crate::notification::InboundResponse::json(
                e.http_status(),
                &json!({ "response_code": "01", "response_desc": e.to_string() }),
            ),
        }
    }

    fn reference_named(&self, value: &str) -> Option<ovo_domain::Reference> {
        wire::reference_of(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::assert_paid;
    use ovo_domain::Reference;

    fn client() -> FaspayClient {
        let credentials = Credentials::from_pairs(
            PRODUCT,
            [
                ("merchant_id", "99999".into()),
                ("user_id", "bot99999".into()),
                ("password", "p@ssw0rd".into()),
            ],
        );
        FaspayClient::new("http://127.0.0.1:9", &credentials, FaspayOptions::new("Sophia Store"))
            .unwrap()
    }

    fn inbound(method: &str, path: &str, content_type: &str, body: &str) -> InboundRequest {
        InboundRequest {
            method: method.into(),
            path_and_query: path.into(),
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let debug = format!("{:?}", client());
        assert!(!debug.contains("p@ssw0rd"), "{debug}");
        assert!(!debug.contains("bot99999"), "{debug}");
    }

    #[test]
    fn construction_needs_credentials_and_an_endpoint() {
        let partial = Credentials::from_pairs(
            PRODUCT,
            [("merchant_id", "99999".into()), ("user_id", "bot99999".into())],
        );
        let err = FaspayClient::new("http://x", &partial, FaspayOptions::new("S")).unwrap_err();
        assert_eq!(err, ProviderError::MissingCredential { product: PRODUCT, field: "password" });
        let full = Credentials::from_pairs(
            PRODUCT,
            [("merchant_id", "1".into()), ("user_id", "u".into()), ("password", "p".into())],
        );
        assert!(matches!(
            FaspayClient::new("", &full, FaspayOptions::new("S")),
            Err(ProviderError::InvalidInput { .. })
        ));
    }

    #[test]
    fn amounts_round_trip_through_the_scale() {
        let c = client();
        let amount = Idr::new(10_000).unwrap();
        assert_eq!(c.wire_amount(amount).unwrap(), "1000000");
        assert_eq!(c.rupiah_of("1000000"), Ok(amount));
        assert!(c.rupiah_of("1000050").is_err(), "never rounded");
    }

    /// F-NOTIF's JSON sample shape, signed in the documented form (F4's recipe) for our test merchant.
    #[test]
    fn payment_notification_json_and_xml_verify_in_either_form() {
        let c = client();
        let reference = Reference::parse("AB12CD34EF56GH78").unwrap();
        let bill = wire::bill_no(&reference);
        let signer = Signer::new("bot99999".to_owned().into(), "p@ssw0rd".to_owned().into());
        for signature in [signer.bill_status(&bill, "2"), signer.bill(&bill)] {
            let body = json!({"request":"Payment Notification","trx_id":"9999900000000001","merchant_id":"99999","merchant":"Sophia Store",
                "bill_no": bill, "payment_reff": null, "payment_date":"2024-01-02 00:30:00","payment_status_code":"2",
                "payment_status_desc":"Payment Success","bill_total":"1000000","payment_total":"1000000","payment_channel_uid":"720",
                "payment_channel":"OVO OpenAPI","signature": signature, "something_new": 1});
            let n = c
                .verify_notification(&inbound("POST", "/n", "application/json", &body.to_string()))
                .unwrap();
            let refs = ("AB12CD34EF56GH78", "9999900000000001");
            assert_paid(&n, "faspay:payment:9999900000000001:2", refs, 10_000);
        }
        let xml = format!(
            "<faspay><request>Payment Notification</request><trx_id>9999900000000002</trx_id><merchant_id>99999</merchant_id>\
             <bill_no>{bill}</bill_no><payment_status_code>7</payment_status_code><bill_total>500</bill_total><signature>{}</signature></faspay>",
            signer.bill_status(&bill, "7")
        );
        let n = c.verify_notification(&inbound("POST", "/n", "text/xml", &xml)).unwrap();
        assert!(matches!(n.event, NotificationEvent::Payment { state: PaymentState::Expired, .. }));
        let (content_type, reply) =
            c.notification_reply(&inbound("POST", "/n", "text/xml", &xml), Timestamp::UNIX_EPOCH);
        assert_eq!(content_type, "application/xml");
        assert!(
            reply.contains("<response_code>00</response_code>")
                && reply.contains("<trx_id>9999900000000002</trx_id>"),
            "{reply}"
        );
    }

    #[test]
    fn notifications_are_rejected_with_a_reason() {
        let c = client();
        let base = json!({"trx_id":"1","merchant_id":"99999","bill_no":"300134486","payment_status_code":"2","signature":"00"});
        let post = |v: &Value| {
            c.verify_notification(&inbound("POST", "/n", "application/json", &v.to_string()))
                .unwrap_err()
        };
        assert_eq!(post(&base), NotificationRejection::BadSignature);
        let mut other = base.clone();
        other["merchant_id"] = "12345".into();
        assert_eq!(post(&other), NotificationRejection::UnknownMerchant);
        let mut missing = base.clone();
        missing.as_object_mut().unwrap().remove("bill_no");
        assert_eq!(post(&missing), NotificationRejection::MissingField("bill_no"));
        assert!(matches!(
            c.verify_notification(&inbound("POST", "/n", "application/json", "{\"trx")),
            Err(NotificationRejection::Malformed(_))
        ));
    }

    #[test]
    fn activation_callback_is_a_hint_and_a_present_signature_must_verify() {
        let c = client();
        let n = c.verify_notification(&inbound("GET", "/cb?response=Activation&phone_number=081382826301&response_code=00&response_desc=Success", "", "")).unwrap();
        assert!(matches!(n.event, NotificationEvent::Binding { linked: true, .. }));
        let signed = format!(
            "/cb?phone_number=081382826301&response_code=01&signature={}",
            "1d4c5f7246a762c4ab61cd3d399efa4c28978bf3"
        );
        let n = c.verify_notification(&inbound("GET", &signed, "", "")).unwrap();
        assert!(matches!(n.event, NotificationEvent::Binding { linked: false, .. }));
        let bad = c
            .verify_notification(&inbound(
                "GET",
                "/cb?phone_number=081382826301&response_code=00&signature=abc",
                "",
                "",
            ))
            .unwrap_err();
        assert_eq!(bad, NotificationRejection::BadSignature);
        let missing =
            c.verify_notification(&inbound("GET", "/cb?response_code=00", "", "")).unwrap_err();
        assert_eq!(missing, NotificationRejection::MissingField("phone_number"));
    }

    #[test]
    fn echoed_amount_and_currency_must_match_the_request() {
        let c = client();
        let sent = Idr::new(10_000).unwrap();
        assert!(c.check_amount("amount", sent, Some("1000000")).is_ok());
        assert!(c.check_amount("amount", sent, None).is_ok());
        assert_eq!(
            c.check_amount("amount", sent, Some("100000")),
            Err(ProviderError::Mismatch {
                product: PRODUCT,
                field: "amount",
                sent: "1000000".into(),
                echoed: "100000".into()
            })
        );
        assert!(matches!(
            c.check_amount("amount", sent, Some("ten")),
            Err(ProviderError::Mismatch { .. })
        ));
        assert!(FaspayClient::check_currency(Some("idr")).is_ok());
        assert_eq!(
            FaspayClient::check_currency(Some("USD")),
            Err(ProviderError::Mismatch {
                product: PRODUCT,
                field: "bill_currency",
                sent: "IDR".into(),
                echoed: "USD".into()
            })
        );
    }

    #[test]
    fn status_codes_map_to_states() {
        let state = |raw: &str| payment_state(&PaymentStatusCode::parse(raw), raw, None);
        assert_eq!(state("0"), PaymentState::Pending);
        assert_eq!(state("1"), PaymentState::Pending);
        assert_eq!(state("9"), PaymentState::Pending);
        assert_eq!(state("2"), PaymentState::Succeeded);
        assert_eq!(state("3"), PaymentState::Failed { code: "3".into(), message: String::new() });
        assert_eq!(state("4"), PaymentState::Refunded);
        assert_eq!(state("7"), PaymentState::Expired);
        assert_eq!(state("8"), PaymentState::Cancelled);
        assert_eq!(state("6"), PaymentState::Unrecognised("6".into()));
    }
}
