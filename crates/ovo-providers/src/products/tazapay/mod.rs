//! Tazapay v3 payin with `ovo_idr` (`shared/providers/tazapay-ovo.md`, cited as §n).
//!
//! Flow (§1): the first attempt creates and confirms the payin in one call (`"confirm": true`,
//! the seed's single-call form, under the caller's key: house scheme `<ref>-create`); each
//! later attempt after `payment_attempt.failed` or an expired attempt is a new confirm on the
//! same payin (`request_again`, key `<ref>-confirm-<n>`, see [`confirm_idempotency_key`]).
//! The two-step form (`create_payin`, then `confirm_payin`) stays available. The outcome arrives by webhook or by
//! fetching the payin. Refunds are full only (§11) and keyed by the caller's key (house scheme
//! `<ref>-refund-<n>`). HTTP Basic auth (§2); webhooks signed with HMAC-SHA256 (§10.1).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use ovo_domain::{Idr, Msisdn, PayerPhone, Product, Reference, Timestamp};
use ovo_secrets::Sensitive;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::capability::{Operation, PaymentKind};
use crate::credentials::Credentials;
use crate::error::{ProviderError, ProviderResult, Refusal};
use crate::model::{
    ConnectionProof, PaymentOutcome, PaymentRequest, PaymentState, RefundOutcome, RefundRequest,
    RefundState, StatusRequest,
};
use crate::notification::{InboundRequest, Notification, NotificationEvent, NotificationRejection};
use crate::provider::Provider;
use crate::transport::{Call, Reply, Transport};
use crate::wire::{from_minor_units, tazapay_phone, to_minor_units};

pub mod sign;
pub mod wire;

pub use sign::*;
pub use wire::*;

const PRODUCT: Product = Product::TazapayOvoIdr;
const CURRENCY: &str = "IDR";
const METHOD: &str = "ovo_idr";

/// The error for an error reply: its code classed (§12, §13), else its HTTP status.
pub(crate) fn reply_error(
    http: u16,
    error: Option<&ApiError>,
    extra: &[ApiError],
) -> ProviderError {
    let code = error.map(ApiError::code_text).unwrap_or_else(|| format!("HTTP {http}"));
    let mut message = error.and_then(|e| e.message.clone()).unwrap_or_default();
    if let Some(remarks) = error.and_then(|e| e.remarks.as_deref()).filter(|r| !r.is_empty()) {
        message.push_str(&format!(" ({remarks})"));
    }
    for more in extra {
        message.push_str(&format!(
            "; {} {}",
            more.code_text(),
            more.message.as_deref().unwrap_or("")
        ));
    }
    let refusal = match (code.as_str(), http) {
        ("106" | "107" | "108" | "109" | "111", _) => Refusal::Authentication,
        // Business refusals of a refund (§12) and rate limiting (110): nothing was done.
        (
            "110" | "30008" | "30009" | "30010" | "30011" | "30012" | "30016" | "30017" | "30020"
            | "30021",
            _,
        ) => Refusal::Declined,
        (_, 401 | 403) => Refusal::Authentication,
        (_, 409 | 429) => Refusal::Declined,
        _ => Refusal::InvalidRequest,
    };
    ProviderError::refused(PRODUCT, refusal, code, message)
}

/// An id Tazapay does not know (`105` resource not found, or HTTP 404) as `Err((code, message))`.
fn unknown_id<T>(result: ProviderResult<T>) -> ProviderResult<Result<T, (String, String)>> {
    match result {
        Ok(found) => Ok(Ok(found)),
        Err(ProviderError::InvalidRequest { code, message, .. })
            if code == "105" || code == "HTTP 404" =>
        {
            Ok(Err((code, message)))
        }
        Err(e) => Err(e),
    }
}

/// An echoed id must be the one asked for.
fn check_id(sent: &str, echoed: &str) -> ProviderResult<()> {
    if sent == echoed {
        Ok(())
    } else {
        Err(ProviderError::mismatch(PRODUCT, "id", sent, echoed))
    }
}

/// The echoed amount and currency must be what we asked (minor units compared exactly).
fn check_echo(sent: Idr, echoed_amount: i64, echoed_currency: &str) -> ProviderResult<()> {
    let minor = to_minor_units(sent);
    if echoed_currency != CURRENCY {
        return Err(ProviderError::mismatch(PRODUCT, "currency", CURRENCY, echoed_currency));
    }
    if echoed_amount != minor {
        return Err(ProviderError::mismatch(PRODUCT, "amount", minor, echoed_amount));
    }
    Ok(())
}

fn check_above_zero(amount: Idr) -> ProviderResult<()> {
    if amount.is_zero() {
        return Err(ProviderError::invalid_input(PRODUCT, "the amount must be above zero"));
    }
    Ok(())
}

fn check_reference(sent: &str, echoed: Option<&str>) -> ProviderResult<()> {
    match echoed {
        Some(echoed) if !echoed.is_empty() && echoed != sent => {
            Err(ProviderError::mismatch(PRODUCT, "reference_id", sent, echoed))
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/// Timeouts per operation and the URLs the client sends.
#[derive(Debug, Clone)]
pub struct TazapayOptions {
    pub create_timeout: Duration,
    /// The confirm only starts the push; its outcome comes later (§1), so it is not held ~70 s.
    pub confirm_timeout: Duration,
    pub fetch_timeout: Duration,
    pub refund_timeout: Duration,
    pub cancel_timeout: Duration,
    /// Per-object `webhook_url` (§6); `None` relies on the dashboard's endpoints.
    pub webhook_url: Option<String>,
    /// `success_url`/`cancel_url` when the payment request has no return URL (§7: always sent).
    pub default_return_url: Option<String>,
    /// `customer_details.country`.
    pub country: String,
    /// Certificates trusted beside the operating system's store.
    pub extra_roots: crate::transport::ExtraRoots,
    /// Where the client reads the time.
    pub clock: std::sync::Arc<dyn ovo_domain::Clock>,
}

impl Default for TazapayOptions {
    fn default() -> Self {
        TazapayOptions {
            create_timeout: Duration::from_secs(30),
            confirm_timeout: Duration::from_secs(30),
            fetch_timeout: Duration::from_secs(20),
            refund_timeout: Duration::from_secs(30),
            cancel_timeout: Duration::from_secs(30),
            webhook_url: None,
            default_return_url: None,
            country: "ID".into(),
            extra_roots: Default::default(),
            clock: std::sync::Arc::new(ovo_domain::SystemClock),
        }
    }
}

#[derive(Debug)]
pub struct TazapayClient {
    base: String,
    authorization: Sensitive<String>,
    webhook_secret: Option<Sensitive<String>>,
    options: TazapayOptions,
    transport: Transport,
    /// Payin ids learnt from create answers, by our reference: the two-step form's confirm.
    /// A cache only: a status read takes the payin id the caller recorded, so nothing needed
    /// to resolve a payment lives here (a restart empties it).
    payins: Mutex<HashMap<String, String>>,
}

impl TazapayClient {
    pub fn new(
        base_url: &str,
        credentials: &Credentials,
        options: TazapayOptions,
    ) -> ProviderResult<TazapayClient> {
        let api_key = credentials.require("api_key")?;
        let api_secret = credentials.require("api_secret")?;
        Ok(TazapayClient {
            base: base_url.trim_end_matches('/').to_owned(),
            authorization: basic_authorization(api_key.expose(), api_secret.expose()),
            webhook_secret: credentials.optional("webhook_secret").cloned(),
            transport: Transport::with_roots(PRODUCT, &options.extra_roots),
            options,
            payins: Mutex::new(HashMap::new()),
        })
    }

    /// The payin id learnt for our reference (persist it after an `UnknownOutcome`).
    fn now(&self) -> Timestamp {
        self.options.clock.now()
    }

    pub fn payin_id_for(&self, reference: &Reference) -> Option<String> {
        self.lock_payins().get(reference.as_str()).cloned()
    }

    /// Remember a payin id persisted earlier (e.g. after a restart) so `pay` confirms again on it.
    pub fn remember_payin(&self, reference: &Reference, payin_id: &str) {
        self.lock_payins().insert(reference.as_str().to_owned(), payin_id.to_owned());
    }

    fn lock_payins(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.payins.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn return_urls(&self, request: &PaymentRequest) -> (Option<String>, Option<String>) {
        let url = request.return_url.clone().or_else(|| self.options.default_return_url.clone());
        (url.clone(), url)
    }

    fn customer(&self, request: &PaymentRequest) -> ProviderResult<CustomerDetails> {
        Ok(CustomerDetails {
            name: request.customer_name.clone(),
            email: request.customer_email.clone(),
            country: self.options.country.clone(),
            phone: WirePhone::from_payer(&request.phone)?,
        })
    }

    fn method_details(request: &PaymentRequest) -> ProviderResult<PaymentMethodDetails> {
        Ok(PaymentMethodDetails {
            kind: METHOD.into(),
            ovo_idr: OvoIdrDetails { phone: WirePhone::from_payer(&request.phone)? },
        })
    }

    /// The create body (§6): public for the benchmark.
    pub fn create_body(&self, request: &PaymentRequest) -> ProviderResult<CreatePayin> {
        let (success_url, cancel_url) = self.return_urls(request);
        Ok(CreatePayin {
            amount: to_minor_units(request.amount),
            invoice_currency: CURRENCY.into(),
            transaction_description: request.description.clone(),
            reference_id: request.reference.as_str().to_owned(),
            payment_methods: vec![METHOD.into()],
            customer_details: self.customer(request)?,
            webhook_url: self.options.webhook_url.clone(),
            success_url,
            cancel_url,
            confirm: None,
            payment_method_details: None,
        })
    }

    /// The single-call body (§1, §6): the create fields, the confirm's method and `"confirm": true`.
    pub fn create_and_confirm_body(&self, request: &PaymentRequest) -> ProviderResult<CreatePayin> {
        let mut body = self.create_body(request)?;
        body.confirm = Some(true);
        body.payment_method_details = Some(Self::method_details(request)?);
        Ok(body)
    }

    /// The confirm body (§7).
    pub fn confirm_body(&self, request: &PaymentRequest) -> ProviderResult<ConfirmPayin> {
        let (success_url, cancel_url) = self.return_urls(request);
        Ok(ConfirmPayin {
            customer_details: self.customer(request)?,
            payment_method_details: Self::method_details(request)?,
            reference_id: request.reference.as_str().to_owned(),
            success_url,
            cancel_url,
        })
    }

    /// The `Authorization` header value (redacted when formatted).
    pub fn authorization(&self) -> &Sensitive<String> {
        &self.authorization
    }

    async fn post<B: Serialize + Sync>(
        &self,
        call: Call,
        path: &str,
        key: &str,
        body: Option<&B>,
    ) -> ProviderResult<Reply> {
        let body = match body {
            Some(b) => serde_json::to_string(b).map_err(|e| {
                ProviderError::invalid_input(PRODUCT, format!("cannot encode the request: {e}"))
            })?,
            None => String::new(),
        };
        self.send(call, reqwest::Method::POST, path, Some((key, body))).await
    }

    async fn get(&self, call: Call, path: &str) -> ProviderResult<Reply> {
        self.send(call, reqwest::Method::GET, path, None).await
    }

    /// Sends `method path` with Basic auth; a POST carries its `Idempotency-Key` and JSON body.
    async fn send(
        &self,
        call: Call,
        method: reqwest::Method,
        path: &str,
        keyed_body: Option<(&str, String)>,
    ) -> ProviderResult<Reply> {
        let url = format!("{}{}", self.base, path);
        self.transport
            .send(call, |client| {
                let request = client
                    .request(method.clone(), &url)
                    .header(reqwest::header::AUTHORIZATION, self.auth_header())
                    .header(reqwest::header::ACCEPT, "application/json");
                match &keyed_body {
                    Some((key, body)) => request
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .header("Idempotency-Key", *key)
                        .body(body.clone()),
                    None => request,
                }
            })
            .await
    }

    fn auth_header(&self) -> reqwest::header::HeaderValue {
        let mut value = reqwest::header::HeaderValue::from_str(self.authorization.expose())
            .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    }

    /// Reads the envelope: `data` as `T` on success; the classed error otherwise.
    fn decode<T: DeserializeOwned>(&self, call: Call, reply: &Reply) -> ProviderResult<T> {
        let success = (200..300).contains(&reply.status);
        let envelope: Envelope = match serde_json::from_str(&reply.body) {
            Ok(envelope) => envelope,
            Err(e) if success => {
                return Err(self.transport.malformed(call, format!("envelope: {e}")))
            }
            // A 4xx we cannot read: classed by its HTTP status alone.
            Err(_) => return Err(reply_error(reply.status, None, &[])),
        };
        let is_error = envelope.status.as_deref() == Some("error") || !success;
        if is_error {
            let errors = envelope.errors.unwrap_or_default();
            let mut first = errors.first().cloned();
            if first.is_none() {
                first = envelope.message.map(|m| ApiError {
                    code: serde_json::Value::Null,
                    message: Some(m),
                    remarks: None,
                });
            }
            let first = first.filter(|e| !e.code_text().is_empty() || e.message.is_some());
            if success && first.is_none() {
                return Err(self
                    .transport
                    .malformed(call, "an error envelope without errors".into()));
            }
            return Err(reply_error(reply.status, first.as_ref(), errors.get(1..).unwrap_or(&[])));
        }
        let data = envelope
            .data
            .ok_or_else(|| self.transport.malformed(call, "missing field `data`".into()))?;
        serde_json::from_value(data)
            .map_err(|e| self.transport.malformed(call, format!("data: {e}")))
    }

    /// `POST /v3/payin` with `"confirm": true` (§1, §6): the payin and its first attempt in
    /// one call, under the caller's key (house scheme `<ref>-create`).
    pub async fn create_and_confirm(&self, request: &PaymentRequest) -> ProviderResult<Payin> {
        let body = self.create_and_confirm_body(request)?;
        self.create(request, &request.idempotency_key, &body).await
    }

    /// `POST /v3/payin` (§6), key `<ref>-create`.
    pub async fn create_payin(&self, request: &PaymentRequest) -> ProviderResult<Payin> {
        let body = self.create_body(request)?;
        self.create(request, &create_idempotency_key(&request.reference), &body).await
    }

    /// `POST /v3/payin` of `body` under `key`; the answer's echoes checked, its id remembered.
    async fn create(
        &self,
        request: &PaymentRequest,
        key: &str,
        body: &CreatePayin,
    ) -> ProviderResult<Payin> {
        let call = Call::write(Operation::Pay, self.options.create_timeout);
        let reply = self.post(call, "/v3/payin", key, Some(body)).await?;
        let payin: Payin = self.decode(call, &reply)?;
        check_echo(request.amount, payin.amount, &payin.invoice_currency)?;
        check_reference(request.reference.as_str(), payin.reference_id.as_deref())?;
        self.remember_payin(&request.reference, &payin.id);
        Ok(payin)
    }

    /// `POST /v3/payin/{id}/confirm` (§7), keyed by the caller's idempotency key.
    pub async fn confirm_payin(
        &self,
        payin_id: &str,
        request: &PaymentRequest,
    ) -> ProviderResult<Payin> {
        let call = Call::write(Operation::Pay, self.options.confirm_timeout);
        let body = self.confirm_body(request)?;
        let key = &request.idempotency_key;
        let payin = self.post_to_payin(call, payin_id, "confirm", key, Some(&body)).await?;
        check_id(payin_id, &payin.id)?;
        check_echo(request.amount, payin.amount, &payin.invoice_currency)?;
        Ok(payin)
    }

    /// `GET /v3/payin/{id}` (§4).
    pub async fn fetch_payin(&self, payin_id: &str) -> ProviderResult<Payin> {
        let call = Call::read(Operation::Status, self.options.fetch_timeout);
        let reply = self.get(call, &format!("/v3/payin/{}", path_segment(payin_id)?)).await?;
        self.decode(call, &reply)
    }

    /// `POST /v3/payin/{id}/cancel` (§4), no body, key `<ref>-cancel`.
    pub async fn cancel_payin(
        &self,
        reference: &Reference,
        payin_id: &str,
    ) -> ProviderResult<PaymentOutcome> {
        let call = Call::write(Operation::Cancel, self.options.cancel_timeout);
        let key = cancel_idempotency_key(reference);
        let payin = self.post_to_payin::<()>(call, payin_id, "cancel", &key, None).await?;
        Ok(outcome(&payin, self.now()))
    }

    /// `POST /v3/payin/{id}/{action}`, read as the payin it answers.
    async fn post_to_payin<B: Serialize + Sync>(
        &self,
        call: Call,
        payin_id: &str,
        action: &str,
        key: &str,
        body: Option<&B>,
    ) -> ProviderResult<Payin> {
        let path = format!("/v3/payin/{}/{action}", path_segment(payin_id)?);
        let reply = self.post(call, &path, key, body).await?;
        self.decode(call, &reply)
    }

    /// `GET /v3/refund/{id}` (§4).
    pub async fn fetch_refund(&self, refund_id: &str) -> ProviderResult<Refund> {
        let call = Call::read(Operation::Refund, self.options.fetch_timeout);
        let reply = self.get(call, &format!("/v3/refund/{}", path_segment(refund_id)?)).await?;
        self.decode(call, &reply)
    }

    fn payin_id(
        &self,
        provider_ref: Option<&String>,
        reference: &Reference,
    ) -> ProviderResult<String> {
        provider_ref.cloned().or_else(|| self.payin_id_for(reference)).ok_or_else(|| {
            ProviderError::invalid_input(PRODUCT, format!(
                "no payin id is known for {reference}; repeat the payment with the same keys (the create is idempotent for 24 h)"
            ))
        })
    }
}

/// An id used as a path segment: Tazapay ids are `[a-z]+_[A-Za-z0-9]+`.
fn path_segment(id: &str) -> ProviderResult<&str> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        Ok(id)
    } else {
        Err(ProviderError::invalid_input(PRODUCT, format!("{id:?} is not a Tazapay id")))
    }
}

fn outcome(payin: &Payin, now: Timestamp) -> PaymentOutcome {
    let mut provider_status = payin.status.as_wire().to_owned();
    if let Some(attempt) = payin.latest_attempt() {
        provider_status.push_str(&format!(" / {} {}", attempt.id, attempt.status.as_wire()));
    }
    let attempt_expires_at = payin
        .latest_payment_attempt_data
        .as_ref()
        .and_then(|d| d.expires_at.as_deref())
        .and_then(|at| Timestamp::parse_rfc3339(at).ok());
    PaymentOutcome {
        state: payment_state(payin, now),
        provider_ref: Some(payin.id.clone()),
        paid: None,
        provider_status,
        attempt_expires_at,
    }
}

fn refund_outcome(refund: &Refund) -> RefundOutcome {
    RefundOutcome {
        state: refund_state(refund),
        provider_ref: Some(refund.id.clone()),
        provider_status: refund.status.as_wire().to_owned(),
    }
}

fn check_paid(payin: &Payin) -> ProviderResult<()> {
    match payin.amount_paid {
        Some(paid) if payin.status == PayinStatus::Succeeded && paid != payin.amount => {
            Err(ProviderError::mismatch(PRODUCT, "amount_paid", payin.amount, paid))
        }
        _ => Ok(()),
    }
}

/// A payin id Tazapay never issues.
const CONNECTION_TEST_PAYIN: &str = "pay_ovobo_connection_test";

#[async_trait]
impl Provider for TazapayClient {
    /// Fetch payin (`GET /v3/payin/{id}`, §4) of an id that does not exist: a GET, so it has
    /// no effect; Basic auth is checked first (106–111), so `105` resource not found proves the
    /// keys. The cheapest documented read: no list endpoint exists (§4).
    async fn test_connection(&self) -> ProviderResult<ConnectionProof> {
        let read = "fetch payin of an unused id";
        let answer = match unknown_id(self.fetch_payin(CONNECTION_TEST_PAYIN).await)? {
            Ok(payin) => format!("payin {:?}", payin.status),
            Err((code, message)) => format!("{code} {message}"),
        };
        Ok(ConnectionProof { read, answer })
    }

    fn product(&self) -> Product {
        PRODUCT
    }

    async fn pay(&self, request: &PaymentRequest) -> ProviderResult<PaymentOutcome> {
        if request.kind != PaymentKind::Payin {
            return Err(ProviderError::invalid_input(
                PRODUCT,
                format!("Tazapay takes payins, not {:?}", request.kind),
            ));
        }
        check_above_zero(request.amount)?;
        // A payin created earlier (two-step form) is confirmed; otherwise one call does both.
        let payin = match self.payin_id_for(&request.reference) {
            Some(id) => self.confirm_payin(&id, request).await?,
            None => self.create_and_confirm(request).await?,
        };
        check_paid(&payin)?;
        Ok(outcome(&payin, self.now()))
    }

    /// A new attempt (confirm) on the same payin after `payment_attempt.failed` or an expired
    /// attempt (§1 step 4, §9): never a new payin.
    async fn request_again(
        &self,
        request: &PaymentRequest,
        provider_ref: &str,
    ) -> ProviderResult<PaymentOutcome> {
        check_above_zero(request.amount)?;
        let payin = self.confirm_payin(provider_ref, request).await?;
        check_reference(request.reference.as_str(), payin.reference_id.as_deref())?;
        self.remember_payin(&request.reference, &payin.id);
        check_paid(&payin)?;
        Ok(outcome(&payin, self.now()))
    }

    /// `POST /v3/payin/{id}/cancel` (§4): allowed only before the payin succeeded (§9).
    async fn cancel(&self, request: &StatusRequest) -> ProviderResult<PaymentOutcome> {
        let payin_id = self.payin_id(request.provider_ref.as_ref(), &request.reference)?;
        self.cancel_payin(&request.reference, &payin_id).await
    }

    /// `GET /v3/payin/{id}` by the payin id the caller recorded (never this client's memory,
    /// which a restart empties). Without one, or on `105` resource not found, `NotFound`:
    /// Tazapay is asked by payin id only, and a create whose answer was lost is found again by
    /// repeating it under its original `<ref>-create` key (§3), which the app does after the
    /// processing window.
    async fn status(&self, request: &StatusRequest) -> ProviderResult<PaymentOutcome> {
        let Some(payin_id) = request.provider_ref.clone() else {
            return Ok(PaymentOutcome::not_found(
                "no_payin_id",
                format!("no payin id is recorded for {}", request.reference),
                None,
            ));
        };
        let payin = match unknown_id(self.fetch_payin(&payin_id).await)? {
            Ok(payin) => payin,
            Err((code, message)) => return Ok(PaymentOutcome::not_found(code, message, None)),
        };
        check_id(&payin_id, &payin.id)?;
        check_echo(request.amount, payin.amount, &payin.invoice_currency)?;
        check_reference(request.reference.as_str(), payin.reference_id.as_deref())?;
        check_paid(&payin)?;
        Ok(outcome(&payin, self.now()))
    }

    /// `POST /v3/refund` (§11): `payin`, the succeeded `payment_attempt` when the payin has
    /// more than one attempt (§12 note on 30008), an explicit amount and currency.
    async fn refund(&self, request: &RefundRequest) -> ProviderResult<RefundOutcome> {
        let payin_id =
            self.payin_id(request.payment_provider_ref.as_ref(), &request.payment_reference)?;
        let payin = self.fetch_payin(&payin_id).await?;
        check_echo(request.payment_amount, payin.amount, &payin.invoice_currency)?;
        let payment_attempt = match payin.attempts().len() {
            0 | 1 => None,
            _ => payin.succeeded_attempt().map(|a| a.id.clone()),
        };
        let body = CreateRefund {
            payin: payin_id,
            payment_attempt,
            amount: to_minor_units(request.amount),
            currency: CURRENCY.into(),
            reason: request.reason.clone(),
            reference_id: request.refund_reference.as_str().to_owned(),
            webhook_url: self.options.webhook_url.clone(),
        };
        let call = Call::write(Operation::Refund, self.options.refund_timeout);
        let reply = self.post(call, "/v3/refund", &request.idempotency_key, Some(&body)).await?;
        let refund: Refund = self.decode(call, &reply)?;
        check_echo(request.amount, refund.amount, &refund.currency)?;
        check_reference(request.refund_reference.as_str(), refund.reference_id.as_deref())?;
        Ok(refund_outcome(&refund))
    }

    /// `GET /v3/refund/{id}`. "Not found" is never "failed": an id Tazapay does not know
    /// (`105`, HTTP 404), or no `rfd_` id at all because the create's answer was lost, is
    /// `NotFound`; a resend under the same `Idempotency-Key` (§3: replayed for 24 h) finds it.
    async fn refund_status(&self, request: &RefundRequest) -> ProviderResult<RefundOutcome> {
        let Some(refund_id) = request.provider_ref.as_deref() else {
            return Ok(RefundOutcome::not_found(
                "no_refund_id",
                format!("no rfd_ id is known for refund {}", request.refund_reference),
                "no_refund_id",
            ));
        };
        let refund = match unknown_id(self.fetch_refund(refund_id).await)? {
            Ok(refund) => refund,
            Err((code, message)) => return Ok(RefundOutcome::not_found(&code, message, &code)),
        };
        check_id(refund_id, &refund.id)?;
        check_echo(request.amount, refund.amount, &refund.currency)?;
        check_reference(request.refund_reference.as_str(), refund.reference_id.as_deref())?;
        Ok(refund_outcome(&refund))
    }

    fn verify_notification(
        &self,
        request: &InboundRequest,
    ) -> Result<Notification, NotificationRejection> {
        let secret = self.webhook_secret.as_ref().ok_or(NotificationRejection::BadSignature)?;
        parse_notification(
            secret.expose().as_bytes(),
            request.header("signature"),
            request.body.as_bytes(),
            self.now(),
        )
    }
}

/// Webhooks are acknowledged as a plain receiver does (`{"received": true}`).
impl crate::notification::IncomingWebhook for TazapayClient {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::assert_paid;
    use ovo_domain::{Clock, SystemClock};

    fn now() -> Timestamp {
        SystemClock.now()
    }

    fn idr(n: i64) -> Idr {
        Idr::new(n).unwrap()
    }

    /// Vector A1 (§2, published [TZ-AUTH]).
    #[test]
    fn basic_auth_vector_a1() {
        let header = basic_authorization(
            "F2W7H8JWMO8398KAPW85",
            "rKHFAffLq5Lnrms3mOBQi71oQmMATH2EByYDyIR2Wd0jGdKeed08WThGVS6v1257",
        );
        assert_eq!(
            header.expose(),
            "Basic RjJXN0g4SldNTzgzOThLQVBXODU6cktIRkFmZkxxNUxucm1zM21PQlFpNzFvUW1NQVRIMkVCeVlEeUlSMldkMGpHZEtlZWQwOFdUaEdWUzZ2MTI1Nw=="
        );
        assert_eq!(format!("{header:?}"), "[redacted]");
    }

    /// Vector A2 (§2, the seed guide's sample header, decoded locally): encoding the decoded
    /// pair gives back a header that decodes to it.
    #[test]
    fn basic_auth_vector_a2() {
        let key = "ak_test_YLSUAE0V4BHJH8X486OC";
        let secret = "sk_test_HM8C7HERWPf85OfqB1xKMBI1iD6uVa12QcvTNYyRaHxQf5S9oieKh9Vsz87rxmHJZJW2LwUsCRcdVmDtwE8CEducHQtg5T3V9u6ImAinvGb28VyxSUYlM1LYiemO4Lqm";
        let header = basic_authorization(key, secret);
        let encoded = header.expose().strip_prefix("Basic ").unwrap();
        assert_eq!(B64.decode(encoded).unwrap(), format!("{key}:{secret}").into_bytes());
    }

    const W1_BODY: &str = r#"{"type":"payin.succeeded","id":"evt_test123","object":"event","created_at":"2025-03-11T12:25:08.284979602Z","data":{"id":"pay_test","status":"succeeded"}}"#;
    const W1_SIG: &str = "EXIzYnCNywWC/ts7dkt+WrZdcdFtyLgYJiG2CQzv4RY=";

    /// Vector W1 (§10.1, computed locally).
    #[test]
    fn webhook_signature_vector_w1() {
        let sig = webhook_signature(
            b"whsec-test",
            "evt_test123",
            W1_BODY.as_bytes(),
            "2025-03-11T12:25:08.284979602Z",
        );
        assert_eq!(sig, W1_SIG);
        assert!(verify_webhook_signature(
            b"whsec-test",
            "evt_test123",
            W1_BODY.as_bytes(),
            "2025-03-11T12:25:08.284979602Z",
            W1_SIG
        ));
        let mut corrupted = W1_BODY.as_bytes().to_vec();
        corrupted[10] ^= 1;
        assert!(!verify_webhook_signature(
            b"whsec-test",
            "evt_test123",
            &corrupted,
            "2025-03-11T12:25:08.284979602Z",
            W1_SIG
        ));
        assert!(!verify_webhook_signature(
            b"whsec-tesT",
            "evt_test123",
            W1_BODY.as_bytes(),
            "2025-03-11T12:25:08.284979602Z",
            W1_SIG
        ));
        assert!(!verify_webhook_signature(
            b"whsec-test",
            "evt_test123",
            W1_BODY.as_bytes(),
            "2025-03-11T12:25:08.284979602Z",
            "not base64!"
        ));
    }

    /// W1 through the whole webhook parser: the data lacks `amount`, which a payin must carry.
    #[test]
    fn w1_verifies_but_its_minimal_data_is_named_as_lacking_amount() {
        let err =
            parse_notification(b"whsec-test", Some(W1_SIG), W1_BODY.as_bytes(), now()).unwrap_err();
        assert!(
            matches!(&err, NotificationRejection::Malformed(m) if m.contains("amount")),
            "{err:?}"
        );
        assert_eq!(
            parse_notification(b"other", Some(W1_SIG), W1_BODY.as_bytes(), now()).unwrap_err(),
            NotificationRejection::BadSignature
        );
        assert_eq!(
            parse_notification(b"whsec-test", None, W1_BODY.as_bytes(), now()).unwrap_err(),
            NotificationRejection::MissingField("signature")
        );
    }

    fn signed(body: &str) -> String {
        let event: serde_json::Value = serde_json::from_str(body).unwrap();
        let created = match &event["created_at"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        webhook_signature(b"k", event["id"].as_str().unwrap(), body.as_bytes(), &created)
    }

    #[test]
    fn webhooks_parse_into_events_with_the_event_id_as_dedup_key() {
        let body = r#"{"type":"payin.succeeded","id":"evt_1","object":"event","created_at":1700000000,
            "data":{"id":"pay_1","amount":1500000,"invoice_currency":"IDR","status":"succeeded","reference_id":"ABCDEF0123456789","extra":{"x":1}}}"#;
        let n = parse_notification(b"k", Some(&signed(body)), body.as_bytes(), now()).unwrap();
        assert_paid(&n, "tazapay_ovo_idr:evt_1", ("ABCDEF0123456789", "pay_1"), 15_000);
        let body = r#"{"type":"payment_attempt.failed","id":"evt_2","created_at":"2023-12-25 21:59:59",
            "data":{"id":"pat_1","status":"failed","status_description":"expired","payin":"pay_1","amount":1500000}}"#;
        let n = parse_notification(b"k", Some(&signed(body)), body.as_bytes(), now()).unwrap();
        assert!(
            matches!(n.event, NotificationEvent::Payment { state: PaymentState::Failed { ref message, .. }, ref provider_ref, .. }
            if message == "expired" && provider_ref.as_deref() == Some("pay_1"))
        );
        let body = r#"{"type":"refund.succeeded","id":"evt_3","created_at":"2024-10-07T07:10:21.894488Z",
            "data":{"id":"rfd_1","amount":1500000,"currency":"IDR","status":"succeeded","reference_id":"R000000000000001"}}"#;
        let n = parse_notification(b"k", Some(&signed(body)), body.as_bytes(), now()).unwrap();
        assert!(matches!(n.event, NotificationEvent::Refund { state: RefundState::Succeeded, .. }));
        let body = r#"{"type":"payin.succeeded","created_at":"x","data":{}}"#;
        assert_eq!(
            parse_notification(b"k", Some("AAAA"), body.as_bytes(), now()).unwrap_err(),
            NotificationRejection::MissingField("id")
        );
    }

    #[test]
    fn phones_go_out_as_calling_code_and_number_and_come_back() {
        let phone = Msisdn::parse("0812-3456-7890").unwrap();
        let wire = WirePhone::from_msisdn(&phone);
        assert_eq!(wire, WirePhone { calling_code: "62".into(), number: "81234567890".into() });
        assert_eq!(
            serde_json::to_string(&wire).unwrap(),
            r#"{"calling_code":"62","number":"81234567890"}"#
        );
        assert_eq!(wire.to_msisdn(), Some(phone));
        assert_eq!(
            WirePhone { calling_code: "62".into(), number: "0123456789".into() }.to_msisdn(),
            None
        );
    }

    fn client() -> TazapayClient {
        let creds = Credentials::from_pairs(
            PRODUCT,
            [("api_key", "ak_test_x".to_owned()), ("api_secret", "sk_test_y".to_owned())],
        );
        TazapayClient::new("http://127.0.0.1:1/", &creds, TazapayOptions::default()).unwrap()
    }

    fn request(amount: i64) -> PaymentRequest {
        PaymentRequest {
            reference: Reference::parse("ABCDEF0123456789").unwrap(),
            idempotency_key: "ABCDEF0123456789-confirm-1".into(),
            kind: PaymentKind::Payin,
            amount: idr(amount),
            phone: Msisdn::parse("081234567890").unwrap().into(),
            account: None,
            source: Default::default(),
            description: "1 X Good".into(),
            return_url: Some("https://shop.example/return".into()),
            customer_name: Some("Andrea Lark".into()),
            customer_email: None,
        }
    }

    #[test]
    fn request_bodies_follow_the_spec() {
        let c = client();
        let body = serde_json::to_value(c.create_body(&request(100_000)).unwrap()).unwrap();
        assert_eq!(body["amount"], 10_000_000, "§6: IDR 100,000 → 10000000");
        assert_eq!(body["invoice_currency"], "IDR");
        assert_eq!(body["reference_id"], "ABCDEF0123456789");
        assert_eq!(body["customer_details"]["phone"]["number"], "81234567890");
        assert!(body.get("webhook_url").is_none());
        assert!(body.get("confirm").is_none() && body.get("payment_method_details").is_none());
        let single =
            serde_json::to_value(c.create_and_confirm_body(&request(100_000)).unwrap()).unwrap();
        assert_eq!(single["confirm"], true, "§1: one call creates and confirms");
        assert_eq!(single["payment_method_details"]["type"], "ovo_idr");
        assert_eq!(single["payment_method_details"]["ovo_idr"]["phone"]["number"], "81234567890");
        let mut test_mode = request(100_000);
        test_mode.phone = PayerPhone::Test(ovo_domain::TestPhone::TazapayBypass);
        let single = serde_json::to_value(c.create_and_confirm_body(&test_mode).unwrap()).unwrap();
        assert_eq!(
            single["payment_method_details"]["ovo_idr"]["phone"],
            serde_json::json!({"calling_code":"62","number":"0123456789"}),
            "§15"
        );
        assert_eq!(single["customer_details"]["phone"]["number"], "0123456789");
        let body = serde_json::to_value(c.confirm_body(&request(100_000)).unwrap()).unwrap();
        assert_eq!(
            body["payment_method_details"],
            serde_json::json!({"type":"ovo_idr","ovo_idr":{"phone":{"calling_code":"62","number":"81234567890"}}})
        );
        assert_eq!(body["success_url"], "https://shop.example/return");
        assert_eq!(body["cancel_url"], "https://shop.example/return");
        assert!(!format!("{c:?}").contains("sk_test_y"), "no secret in Debug");
    }

    #[test]
    fn idempotency_keys_follow_the_house_scheme() {
        let r = Reference::parse("ABCDEF0123456789").unwrap();
        assert_eq!(create_idempotency_key(&r), "ABCDEF0123456789-create");
        assert_eq!(confirm_idempotency_key(&r, 2), "ABCDEF0123456789-confirm-2");
        assert_eq!(refund_idempotency_key(&r, 1), "ABCDEF0123456789-refund-1");
        assert_eq!(cancel_idempotency_key(&r), "ABCDEF0123456789-cancel");
    }

    #[test]
    fn unknown_enum_values_are_kept_and_extra_fields_ignored() {
        let payin: Payin = serde_json::from_str(
            r#"{"id":"pay_1","amount":100,"invoice_currency":"IDR","status":"on_hold","brand_new":[1,2],"payment_attempts":null}"#,
        )
        .unwrap();
        assert_eq!(payin.status, PayinStatus::Unknown("on_hold".into()));
        assert_eq!(payment_state(&payin, now()), PaymentState::Unrecognised("on_hold".into()));
        let refund: Refund = serde_json::from_str(
            r#"{"id":"rfd_1","amount":100,"currency":"IDR","status":"Initiated"}"#,
        )
        .unwrap();
        assert_eq!(refund_state(&refund), RefundState::Pending);
        let refund: Refund = serde_json::from_str(
            r#"{"id":"rfd_1","amount":100,"currency":"IDR","status":"queued"}"#,
        )
        .unwrap();
        assert_eq!(refund_state(&refund), RefundState::Unrecognised("queued".into()));
        let attempt: PaymentAttempt =
            serde_json::from_str(r#"{"id":"pat_1","status":"authorised"}"#).unwrap();
        assert_eq!(attempt.status, AttemptStatus::Unknown("authorised".into()));
    }

    #[test]
    fn missing_mandatory_fields_are_named() {
        for (json, field) in [
            (r#"{"amount":100,"invoice_currency":"IDR","status":"succeeded"}"#, "id"),
            (r#"{"id":"pay_1","invoice_currency":"IDR","status":"succeeded"}"#, "amount"),
            (r#"{"id":"pay_1","amount":100,"status":"succeeded"}"#, "invoice_currency"),
            (r#"{"id":"pay_1","amount":100,"invoice_currency":"IDR"}"#, "status"),
        ] {
            let err = serde_json::from_str::<Payin>(json).unwrap_err().to_string();
            assert!(err.contains(&format!("missing field `{field}`")), "{err}");
        }
        let err = serde_json::from_str::<Refund>(r#"{"id":"rfd_1","amount":1,"status":"pending"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field `currency`"), "{err}");
        // Through the envelope reader: a write's answer without `data.id` is an unknown outcome naming it.
        let c = client();
        let call = Call::write(Operation::Pay, Duration::from_secs(1));
        let reply = Reply {
            status: 200,
            headers: Default::default(),
            body: r#"{"status":"success","data":{"amount":1,"invoice_currency":"IDR","status":"requires_action"}}"#.into(),
        };
        let err = c.decode::<Payin>(call, &reply).unwrap_err();
        assert!(
            err.is_unknown_outcome() && format!("{err:?}").contains("missing field `id`"),
            "{err:?}"
        );
        let call = Call::read(Operation::Status, Duration::from_secs(1));
        let reply = Reply {
            status: 200,
            headers: Default::default(),
            body: r#"{"status":"success"}"#.into(),
        };
        assert!(
            matches!(c.decode::<Payin>(call, &reply), Err(ProviderError::MalformedReply { detail, .. }) if detail.contains("data"))
        );
    }

    #[test]
    fn error_codes_are_classed_and_kept() {
        let c = client();
        let call = Call::write(Operation::Refund, Duration::from_secs(1));
        let reply = |status: u16, code: &str| Reply {
            status,
            headers: Default::default(),
            body: format!(
                r#"{{"status":"error","message":"x","errors":[{{"code":{code},"message":"m{code}","remarks":""}}]}}"#
            ),
        };
        let class = |status, code| c.decode::<Refund>(call, &reply(status, code)).unwrap_err();
        assert!(
            matches!(class(401, "111"), ProviderError::Authentication { code, .. } if code == "111")
        );
        assert!(matches!(class(401, "109"), ProviderError::Authentication { .. }));
        assert!(
            matches!(class(400, "30021"), ProviderError::Declined { code, message, .. } if code == "30021" && message == "m30021")
        );
        assert!(matches!(class(409, "30009"), ProviderError::Declined { .. }));
        assert!(matches!(class(400, "99000"), ProviderError::InvalidRequest { .. }));
        assert!(
            matches!(class(404, "105"), ProviderError::InvalidRequest { code, .. } if code == "105")
        );
        assert!(matches!(class(400, "100"), ProviderError::InvalidRequest { .. }));
        let unreadable = Reply { status: 403, headers: Default::default(), body: "<html>".into() };
        assert!(
            matches!(c.decode::<Refund>(call, &unreadable), Err(ProviderError::Authentication { code, .. }) if code == "HTTP 403")
        );
    }

    #[test]
    fn payin_states_map_to_ours() {
        let payin = |json: &str| serde_json::from_str::<Payin>(json).unwrap();
        let base = r#""id":"pay_1","amount":100,"invoice_currency":"IDR""#;
        let now = Timestamp::parse_rfc3339("2024-02-01T00:00:00Z").unwrap();
        let p = payin(&format!(
            r#"{{{base},"status":"requires_payment_method","latest_payment_attempt":""}}"#
        ));
        assert_eq!(payment_state(&p, now), PaymentState::Pending);
        let p = payin(&format!(
            r#"{{{base},"status":"requires_action","latest_payment_attempt":"pat_1","latest_payment_attempt_data":{{"expires_at":"2024-02-03T13:05:54Z"}}}}"#
        ));
        assert_eq!(payment_state(&p, now), PaymentState::Pending);
        assert_eq!(
            payment_state(&p, Timestamp::parse_rfc3339("2024-02-04T00:00:00Z").unwrap()),
            PaymentState::Expired
        );
        let p = payin(&format!(
            r#"{{{base},"status":"requires_payment_method","latest_payment_attempt":"pat_1","payment_attempts":[{{"id":"pat_1","status":"failed","status_description":"expired"}}]}}"#
        ));
        assert_eq!(
            payment_state(&p, now),
            PaymentState::Failed { code: ATTEMPT_FAILED.into(), message: "expired".into() }
        );
        assert_eq!(
            payment_state(&payin(&format!(r#"{{{base},"status":"succeeded"}}"#)), now),
            PaymentState::Succeeded
        );
        assert_eq!(
            payment_state(&payin(&format!(r#"{{{base},"status":"cancelled"}}"#)), now),
            PaymentState::Cancelled
        );
    }

    #[test]
    fn echoes_are_checked() {
        assert!(check_echo(idr(15_000), 1_500_000, "IDR").is_ok());
        assert!(matches!(
            check_echo(idr(15_000), 1_500_100, "IDR"),
            Err(ProviderError::Mismatch { field: "amount", .. })
        ));
        assert!(matches!(
            check_echo(idr(15_000), 1_500_000, "SGD"),
            Err(ProviderError::Mismatch { field: "currency", .. })
        ));
        assert!(matches!(
            check_reference("A", Some("B")),
            Err(ProviderError::Mismatch { field: "reference_id", .. })
        ));
        assert!(check_reference("A", None).is_ok());
    }
}
