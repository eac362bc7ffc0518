//! DOKU Jokul Direct, OVO Push Payment (`doku_jokul_ovo_push`), written from
//! `shared/providers/doku-jokul-ovo-push.md` (cited as §n).
//!
//! One synchronous push call that DOKU holds until the customer answers or about 70 s pass
//! (§6), plus the generic non-SNAP status check (§10). No binding, balance, refund API (HD 1:
//! refunds are offline), history or void (§12). Notifications are not documented (§1); the
//! local simulator sends status-shaped ones when configured, and `verify_notification` accepts
//! them as a status hint (§14 #6).
//!
//! References: the `invoice_number` is the caller's `idempotency_key`, built as our 16-character
//! payment reference + `-` + a 2-digit attempt counter (§11, see [`invoice_number`]). It is
//! also the `provider_ref` every outcome carries and the key of the status check. A payment
//! whose answer was lost is resolved by [`Provider::status`], never by resending (§6).

pub mod sign;
pub mod wire;

use std::time::Duration;

use async_trait::async_trait;
use ovo_domain::{Idr, Product, Reference, Timestamp};
use ovo_secrets::Sensitive;

use crate::capability::{Operation, PaymentKind};
use crate::credentials::Credentials;
use crate::error::{ProviderError, ProviderResult, Refusal};
use crate::model::{
    ConnectionProof, PaymentOutcome, PaymentRequest, PaymentState, Split, StatusRequest,
};
use crate::notification::{InboundRequest, Notification, NotificationEvent, NotificationRejection};
use crate::provider::Provider;
use crate::transport::{Call, Reply, Transport};

use sign::Components;
use wire::{OvoConfiguration, PaymentReply, PushStatus, StatusReply, TransactionStatus};

const PRODUCT: Product = Product::DokuJokulOvoPush;
/// §2.
pub const PAY_PATH: &str = "/ovo-emoney/v1/payment";
/// §10.
pub const STATUS_PATH: &str = "/orders/v1/status/";
const MAX_INVOICE: usize = 64;

/// Timeouts and switches; the defaults follow §6 and HD 3.
#[derive(Debug, Clone)]
pub struct JokulOptions {
    /// The push call: DOKU holds it ~70 s, so 100 s (§6).
    pub pay_timeout: Duration,
    pub status_timeout: Duration,
    /// Send the non-SNAP header signature beside the body checksum (§3 House default: yes).
    pub header_signature: bool,
    /// Certificates trusted beside the operating system's store.
    pub extra_roots: crate::transport::ExtraRoots,
    /// Where the client reads the time.
    pub clock: std::sync::Arc<dyn ovo_domain::Clock>,
}

impl Default for JokulOptions {
    fn default() -> Self {
        JokulOptions {
            pay_timeout: Duration::from_secs(100),
            status_timeout: Duration::from_secs(30),
            header_signature: true,
            extra_roots: Default::default(),
            clock: std::sync::Arc::new(ovo_domain::SystemClock),
        }
    }
}

/// The invoice number of one push attempt (§11 House default): `REFERENCE-NN`, attempts 1–99.
pub fn invoice_number(reference: &Reference, attempt: u8) -> String {
    format!("{}-{:02}", reference.as_str(), attempt.clamp(1, 99))
}

/// The payment reference of an invoice number of ours (`REFERENCE-NN`).
pub fn reference_of_invoice(invoice: &str) -> Option<Reference> {
    let (reference, attempt) = invoice.split_once('-')?;
    let attempt_ok = attempt.len() == 2 && attempt.bytes().all(|b| b.is_ascii_digit());
    attempt_ok.then(|| Reference::parse(reference).ok()).flatten()
}

/// Everything a push answer says, for the ledger (§7: store the reconciliation numbers and
/// the `ovo_configuration` block on every attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushResult {
    pub outcome: PaymentOutcome,
    pub reply: PaymentReply,
}

impl PushResult {
    pub fn configuration(&self) -> Option<&OvoConfiguration> {
        self.reply.configuration.as_ref()
    }
}

#[derive(Debug)]
pub struct JokulPushClient {
    base_url: String,
    client_id: String,
    secret_key: Sensitive<String>,
    options: JokulOptions,
    transport: Transport,
}

impl JokulPushClient {
    pub fn new(
        base_url: &str,
        credentials: &Credentials,
        options: JokulOptions,
    ) -> ProviderResult<JokulPushClient> {
        credentials.check_product(PRODUCT)?;
        let client_id = credentials.require("client_id")?.expose().trim().to_owned();
        let secret_key = credentials.require("secret_key")?.clone();
        if client_id.is_empty() {
            return Err(ProviderError::MissingCredential { product: PRODUCT, field: "client_id" });
        }
        if secret_key.expose().is_empty() {
            return Err(ProviderError::MissingCredential { product: PRODUCT, field: "secret_key" });
        }
        Ok(JokulPushClient {
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id,
            secret_key,
            transport: Transport::with_roots(PRODUCT, &options.extra_roots),
            options,
        })
    }

    /// The push payment (§2–§9) with every field of the answer.
    pub async fn push(&self, request: &PaymentRequest) -> ProviderResult<PushResult> {
        if request.kind != PaymentKind::Push {
            return Err(ProviderError::invalid_input(
                PRODUCT,
                format!("DOKU Jokul pays by push only, not {:?}", request.kind),
            ));
        }
        let invoice = check_invoice(&request.idempotency_key)?;
        if request.amount.is_zero() {
            return Err(ProviderError::invalid_input(PRODUCT, "the amount must be at least Rp 1"));
        }
        let amount = wire::amount_to_wire(request.amount);
        let ovo_id = wire::phone_to_wire(request.mobile(PRODUCT)?);
        let check_sum =
            sign::checksum(amount, &self.client_id, &invoice, &ovo_id, self.secret_key.expose());
        let body = wire::PaymentBody {
            client: wire::ClientId { id: self.client_id.clone() },
            order: wire::OrderOut { invoice_number: invoice.clone(), amount },
            ovo_info: wire::OvoInfoOut { ovo_id: ovo_id.clone() },
            security: wire::Security { check_sum },
        };
        let body = serde_json::to_string(&body)
            .map_err(|e| ProviderError::invalid_input(PRODUCT, e.to_string()))?;
        let call = Call::write(Operation::Pay, self.options.pay_timeout);
        tracing::info!(product = PRODUCT.key(), invoice = %invoice, phone = %request.phone.masked(), amount = amount, "pushing OVO payment");
        let reply = self.send(call, PAY_PATH, Some(body)).await?;
        let raw: wire::RawPaymentReply = self.transport.json(call, &reply)?;
        let answer = raw.check().map_err(|detail| self.transport.malformed(call, detail))?;

        // Echo checks (after every reply): the invoice and the amount are ours.
        check_invoice_echo(&invoice, &answer.invoice_number)?;
        if answer.amount != request.amount {
            return Err(ProviderError::mismatch(
                PRODUCT,
                "order.amount",
                amount,
                answer.amount.rupiah(),
            ));
        }
        if let Some(echoed) = answer.client_id.as_deref().filter(|id| *id != self.client_id) {
            return Err(ProviderError::mismatch(PRODUCT, "client.id", &self.client_id, echoed));
        }
        self.log_response_checksum(&answer);

        let provider_status = format!("{}/{}", answer.status.as_str(), answer.response_code);
        let state = match &answer.status {
            PushStatus::Success => {
                let paid = split_of(&answer);
                if let Some(paid) = paid {
                    let total = paid.cash.checked_add(paid.points);
                    if total != Some(request.amount) {
                        let echoed = total
                            .map(|t| t.rupiah().to_string())
                            .unwrap_or_else(|| "overflow".into());
                        return Err(ProviderError::mismatch(
                            PRODUCT,
                            "ovo_payment.cash_used+ovo_points_used",
                            amount,
                            &echoed,
                        ));
                    }
                }
                if answer.response_code != "00" {
                    tracing::warn!(product = PRODUCT.key(), invoice = %invoice, code = %answer.response_code, "SUCCESS with a response code other than 00");
                }
                PaymentState::Succeeded
            }
            // §9: TIMEOUT → PENDING, then the status check.
            PushStatus::Timeout => PaymentState::Pending,
            PushStatus::Failed => return Err(code_error(&answer.response_code)),
            PushStatus::Unknown(other) => PaymentState::Unrecognised(other.clone()),
        };
        let paid = if state == PaymentState::Succeeded { split_of(&answer) } else { None };
        let outcome = PaymentOutcome {
            attempt_expires_at: None,
            state,
            provider_ref: Some(invoice),
            paid,
            provider_status,
        };
        Ok(PushResult { outcome, reply: answer })
    }

    /// The status check (§10) by invoice number.
    pub async fn status_of(
        &self,
        invoice: &str,
        expected_amount: Option<Idr>,
    ) -> ProviderResult<(PaymentOutcome, StatusReply)> {
        let invoice = check_invoice(invoice)?;
        let path = format!("{STATUS_PATH}{}", encode_path_segment(&invoice));
        let call = Call::read(Operation::Status, self.options.status_timeout);
        let reply = self.send(call, &path, None).await?;
        let raw: wire::RawStatusReply = self.transport.json(call, &reply)?;
        let answer = raw.check().map_err(|detail| self.transport.malformed(call, detail))?;
        check_invoice_echo(&invoice, &answer.invoice_number)?;
        if let (Some(sent), Some(echoed)) = (expected_amount, answer.amount) {
            if sent != echoed {
                return Err(ProviderError::mismatch(
                    PRODUCT,
                    "order.amount",
                    sent.rupiah(),
                    echoed.rupiah(),
                ));
            }
        }
        let state = payment_state(&answer);
        let provider_status = match &answer.ovo_response_code {
            Some(code) => format!("{}/{code}", answer.status.as_str()),
            None => answer.status.as_str().to_owned(),
        };
        let outcome = PaymentOutcome {
            attempt_expires_at: None,
            state,
            provider_ref: Some(invoice),
            paid: None,
            provider_status,
        };
        Ok((outcome, answer))
    }

    /// Sends a signed POST of `body` to `target`, or a GET without one; a fresh `Request-Id`
    /// and timestamp per try. Anything but 200 is the error its body names.
    async fn send(&self, call: Call, target: &str, body: Option<String>) -> ProviderResult<Reply> {
        let url = format!("{}{target}", self.base_url);
        let reply = self
            .transport
            .send(call, |http| {
                let headers = self.signed_headers(target, body.as_deref().map(str::as_bytes));
                let mut builder = match &body {
                    Some(body) => http
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .body(body.clone()),
                    None => http.get(&url),
                };
                for (name, value) in headers {
                    builder = builder.header(name, value);
                }
                builder
            })
            .await?;
        if reply.status != 200 {
            return Err(reply_error(&reply));
        }
        Ok(reply)
    }

    /// Headers of §3: `Client-Id`, `Request-Id`, `Request-Timestamp`, `Request-Target`, `Signature`.
    fn signed_headers(&self, target: &str, body: Option<&[u8]>) -> Vec<(&'static str, String)> {
        let request_id = request_id();
        let timestamp = request_timestamp(ovo_domain::Clock::now(&self.options.clock));
        let mut headers = vec![
            ("Client-Id", self.client_id.clone()),
            ("Request-Id", request_id.clone()),
            ("Request-Timestamp", timestamp.clone()),
        ];
        // GETs carry no Request-Target header (§10 lists none); it is still signed.
        if body.is_some() {
            headers.push(("Request-Target", target.to_owned()));
        }
        if self.options.header_signature || body.is_none() {
            let components = Components {
                client_id: &self.client_id,
                request_id: &request_id,
                timestamp: &timestamp,
                target,
                body,
            };
            headers.push(("Signature", sign::signature(self.secret_key.expose(), &components)));
        }
        headers
    }

    /// §8: the response checksum recipe is unknown; a mismatch is logged, never fatal.
    fn log_response_checksum(&self, answer: &PaymentReply) {
        let Some(received) = answer.check_sum.as_deref() else { return };
        let Some(ovo_id) = answer.ovo_id.as_deref() else { return };
        let client_id = answer.client_id.as_deref().unwrap_or(&self.client_id);
        let expected = sign::checksum(
            answer.amount.rupiah(),
            client_id,
            &answer.invoice_number,
            ovo_id,
            self.secret_key.expose(),
        );
        if !sign::checksum_matches(&expected, received) {
            tracing::warn!(product = PRODUCT.key(), invoice = %answer.invoice_number, "response checksum does not match the request formula (spec §8: logged only)");
        }
    }

    /// Verifies a status-shaped notification (simulator choice; §14 #6): the §3 header
    /// signature with `Request-Target` = the path it was posted to, then the §10 body.
    fn verify(&self, request: &InboundRequest) -> Result<Notification, NotificationRejection> {
        let client_id = request.required_header("Client-Id")?;
        let request_id = request.required_header("Request-Id")?;
        let timestamp = request.required_header("Request-Timestamp")?;
        let received = request.required_header("Signature")?;
        if client_id.trim() != self.client_id {
            return Err(NotificationRejection::UnknownMerchant);
        }
        // HD 4: the target with its query string and without (both forms are accepted).
        let full = request.path_and_query.as_str();
        let bare = full.split('?').next().unwrap_or(full);
        let verifies = |target: &str| {
            let components = Components {
                client_id,
                request_id,
                timestamp,
                target,
                body: Some(request.body.as_bytes()),
            };
            sign::signature_matches(self.secret_key.expose(), &components, received)
        };
        // Both candidates are always computed, so the time taken does not depend on which matched.
        let (with_query, without_query) = (verifies(full), verifies(bare));
        if !(with_query | without_query) {
            return Err(NotificationRejection::BadSignature);
        }
        let raw: wire::RawStatusReply = serde_json::from_str(&request.body)
            .map_err(|e| NotificationRejection::Malformed(e.to_string()))?;
        let answer = raw.check().map_err(|detail| match detail.as_str() {
            "missing field order" => NotificationRejection::MissingField("order"),
            "missing field order.invoice_number" => {
                NotificationRejection::MissingField("order.invoice_number")
            }
            "missing field transaction" => NotificationRejection::MissingField("transaction"),
            "missing field transaction.status" => {
                NotificationRejection::MissingField("transaction.status")
            }
            _ => NotificationRejection::Malformed(detail),
        })?;
        // A duplicate or a retry of the same event carries the same invoice, status and date.
        let dedup_key = format!(
            "{}:{}:{}:{}",
            PRODUCT.key(),
            answer.invoice_number,
            answer.status.as_str(),
            answer.date.as_deref().unwrap_or("")
        );
        let state = payment_state(&answer);
        Ok(Notification {
            product: PRODUCT,
            event: NotificationEvent::Payment {
                merchant_ref: Some(answer.invoice_number.clone()),
                provider_ref: Some(answer.invoice_number),
                state,
                amount: answer.amount,
            },
            dedup_key,
        })
    }
}

/// An invoice number the back office never issues (ours are `REFERENCE-NN`).
const CONNECTION_TEST_INVOICE: &str = "OVOBO-CONNECTION-TEST";

#[async_trait]
impl Provider for JokulPushClient {
    /// The status check (§10) of an invoice number never used: the product's only documented
    /// read. DOKU checks the Client-Id and signature first, so "not found" proves both.
    async fn test_connection(&self) -> ProviderResult<ConnectionProof> {
        let read = "status check of an unused invoice number";
        match self.status_of(CONNECTION_TEST_INVOICE, None).await {
            Ok((outcome, _)) => Ok(ConnectionProof { read, answer: outcome.provider_status }),
            Err(ProviderError::InvalidRequest { code, message, .. })
                if code.contains("not_found") || code == "http_404" =>
            {
                Ok(ConnectionProof { read, answer: format!("{code} {message}") })
            }
            Err(e) => Err(e),
        }
    }

    fn product(&self) -> Product {
        PRODUCT
    }

    async fn pay(&self, request: &PaymentRequest) -> ProviderResult<PaymentOutcome> {
        self.push(request).await.map(|result| result.outcome)
    }

    /// By `provider_ref` (the invoice number every outcome carries); without it, by the
    /// reference itself.
    /// `25` / 404 Transaction Not Found is `NotFound`: no record (yet), never a failure on
    /// its own.
    async fn status(&self, request: &StatusRequest) -> ProviderResult<PaymentOutcome> {
        let invoice =
            request.provider_ref.clone().unwrap_or_else(|| request.reference.as_str().to_owned());
        match self.status_of(&invoice, Some(request.amount)).await {
            Ok((outcome, _)) => Ok(outcome),
            Err(ProviderError::InvalidRequest { code, message, .. })
                if code == "25" || code.contains("not_found") || code == "http_404" =>
            {
                Ok(PaymentOutcome::not_found(code, message, None))
            }
            Err(e) => Err(e),
        }
    }

    fn verify_notification(
        &self,
        request: &InboundRequest,
    ) -> Result<Notification, NotificationRejection> {
        self.verify(request)
    }
}

// ------------------------------------------------------------------------------------------
// Mapping

pub(crate) fn payment_state(answer: &StatusReply) -> PaymentState {
    match &answer.status {
        TransactionStatus::Success => PaymentState::Succeeded,
        TransactionStatus::Failed => {
            let code = answer.ovo_response_code.clone().unwrap_or_else(|| "FAILED".into());
            let message = wire::ovo_code(&code).0.to_owned();
            PaymentState::Failed { code, message }
        }
        TransactionStatus::Expired => PaymentState::Expired,
        TransactionStatus::Refunded => PaymentState::Refunded,
        // §10: TIMEOUT is not final; PENDING while held; REDIRECT does not apply to e-money.
        TransactionStatus::Pending | TransactionStatus::Timeout | TransactionStatus::Redirect => {
            PaymentState::Pending
        }
        TransactionStatus::Unknown(other) => PaymentState::Unrecognised(other.clone()),
    }
}

pub(crate) fn split_of(answer: &PaymentReply) -> Option<Split> {
    match (answer.cash_used, answer.points_used) {
        (None, None) => None,
        (cash, points) => {
            Some(Split { cash: cash.unwrap_or(Idr::ZERO), points: points.unwrap_or(Idr::ZERO) })
        }
    }
}

/// A FAILED push, by its OVO code (§9).
fn code_error(code: &str) -> ProviderError {
    let (name, class) = wire::ovo_code(code);
    if wire::is_config_code(code) {
        tracing::error!(
            product = PRODUCT.key(),
            code,
            "OVO refused for a configuration reason: operator attention needed"
        );
    }
    ProviderError::refused(PRODUCT, class, code, name)
}

/// A non-200, non-5xx answer in DOKU's non-SNAP error shape (§13, §14 #4: keyed on the HTTP
/// status and the code). 5xx never gets here (the transport makes it unknown or unavailable).
pub(crate) fn reply_error(reply: &Reply) -> ProviderError {
    let body: wire::ErrorBody = serde_json::from_str::<wire::ErrorReply>(&reply.body)
        .ok()
        .and_then(|e| e.error)
        .unwrap_or_default();
    let code = body.code.unwrap_or_else(|| format!("http_{}", reply.status));
    let message = body.message.unwrap_or_else(|| reply.body.chars().take(200).collect());
    let auth = matches!(reply.status, 401 | 403)
        || matches!(code.as_str(), "invalid_signature" | "invalid_client_id" | "unauthorized");
    let refusal = if auth { Refusal::Authentication } else { Refusal::InvalidRequest };
    ProviderError::refused(PRODUCT, refusal, code, message)
}

/// §4/§11: 1–64 characters, letters, digits and special characters (printable ASCII, no space).
fn check_invoice(invoice: &str) -> ProviderResult<String> {
    if invoice.is_empty()
        || invoice.len() > MAX_INVOICE
        || !invoice.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ProviderError::invalid_input(PRODUCT, format!("invoice number {invoice:?} must be 1–{MAX_INVOICE} printable ASCII characters without spaces")));
    }
    Ok(invoice.to_owned())
}

/// The echoed `order.invoice_number` must be ours.
fn check_invoice_echo(sent: &str, echoed: &str) -> ProviderResult<()> {
    if sent != echoed {
        return Err(ProviderError::mismatch(PRODUCT, "order.invoice_number", sent, echoed));
    }
    Ok(())
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A UUID v4 (§3: unique per request, ≤ 128 characters).
fn request_id() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// UTC `yyyy-MM-ddTHH:mm:ssZ` (§3).
fn request_timestamp(at: Timestamp) -> String {
    at.to_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Jokul sends no notifications: the default answers.
impl crate::notification::IncomingWebhook for JokulPushClient {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Reply;

    fn client() -> JokulPushClient {
        let credentials = Credentials::from_pairs(
            PRODUCT,
            [
                ("client_id", "MCH-0001-10791114622547".into()),
                ("secret_key", "SK-9sCrJ1kdYUJAYlsJKlqz".into()),
            ],
        );
        JokulPushClient::new("http://127.0.0.1:1/", &credentials, JokulOptions::default()).unwrap()
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let text = format!("{:?}", client());
        assert!(!text.contains("SK-9sCrJ1kdYUJAYlsJKlqz"), "{text}");
        assert!(text.contains("[redacted]"));
    }

    #[test]
    fn missing_credentials_are_named() {
        let credentials = Credentials::from_pairs(PRODUCT, [("client_id", "MCH-1".into())]);
        let err =
            JokulPushClient::new("http://x", &credentials, JokulOptions::default()).unwrap_err();
        assert_eq!(err, ProviderError::MissingCredential { product: PRODUCT, field: "secret_key" });
    }

    #[test]
    fn timestamp_request_id_invoice_and_path_forms() {
        let at = Timestamp::parse_rfc3339("2021-01-15T10:00:00+07:00").unwrap();
        assert_eq!(request_timestamp(at), "2021-01-15T03:00:00Z");
        let rid = request_id();
        assert_eq!(rid.len(), 36);
        assert_eq!(&rid[14..15], "4");
        let reference = Reference::parse("AB12CD34EF56GH78").unwrap();
        assert_eq!(invoice_number(&reference, 1), "AB12CD34EF56GH78-01");
        assert_eq!(invoice_number(&reference, 12), "AB12CD34EF56GH78-12");
        assert!(check_invoice("A B").is_err());
        assert!(check_invoice(&"X".repeat(65)).is_err());
        assert!(check_invoice("INV/2021#1").is_ok());
        assert_eq!(encode_path_segment("INV/2021#1-ok"), "INV%2F2021%231-ok");
    }

    #[test]
    fn status_header_signature_is_the_h2_recipe() {
        let c = client();
        let headers = c.signed_headers("/orders/v1/status/INV-20210115-0001", None);
        let get =
            |name: &str| headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()).unwrap();
        assert!(headers.iter().all(|(k, _)| *k != "Request-Target"));
        let components = Components {
            client_id: "MCH-0001-10791114622547",
            request_id: &get("Request-Id"),
            timestamp: &get("Request-Timestamp"),
            target: "/orders/v1/status/INV-20210115-0001",
            body: None,
        };
        assert!(sign::signature_matches("SK-9sCrJ1kdYUJAYlsJKlqz", &components, &get("Signature")));
    }

    #[test]
    fn error_replies_map_to_typed_errors() {
        let reply = |status: u16, body: &str| Reply {
            status,
            headers: Default::default(),
            body: body.into(),
        };
        let bad_sig = r#"{"error":{"code":"invalid_signature","message":"Invalid Header Signature","type":"invalid_request_error"}}"#;
        assert!(
            matches!(reply_error(&reply(400, bad_sig)), ProviderError::Authentication { code, message, .. } if code == "invalid_signature" && message == "Invalid Header Signature")
        );
        let bad_param =
            r#"{"error":{"code":"invalid_parameter","message":"order.amount must be an integer"}}"#;
        assert!(
            matches!(reply_error(&reply(400, bad_param)), ProviderError::InvalidRequest { code, .. } if code == "invalid_parameter")
        );
        assert!(
            matches!(reply_error(&reply(401, "nope")), ProviderError::Authentication { code, .. } if code == "http_401")
        );
        assert!(
            matches!(reply_error(&reply(404, "")), ProviderError::InvalidRequest { code, .. } if code == "http_404")
        );
        assert!(
            matches!(code_error("17"), ProviderError::Declined { code, message, .. } if code == "17" && message == "Transaction Decline")
        );
        assert!(matches!(code_error("63"), ProviderError::Authentication { .. }));
        assert!(matches!(code_error("40"), ProviderError::InvalidRequest { .. }));
        assert!(matches!(code_error("X9"), ProviderError::Declined { code, .. } if code == "X9"));
    }
}
