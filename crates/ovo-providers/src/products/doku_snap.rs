//! DOKU SNAP direct debit for OVO (`doku_snap_ovo`): "OVO Open API" (`paymentType SALE`, the
//! customer confirms each payment with OTP/PIN on `webRedirectUrl`) and "OVO Recurring"
//! (`RECURRING`, no customer step). Written from `shared/providers/doku-snap-ovo.md` (cited as
//! §n) on the SNAP layer of [`super::snap`] (`snap-standard.md`, cited as "SNAP §n").
//!
//! Shape: wire types (serde; unknown enum values kept as `Unknown(String)`, extra fields
//! ignored, a missing mandatory field named in the error), conversions at the edge (money via
//! [`SnapAmount`], phones as `62…` via [`Msisdn::canonical`]), and the flows of [`Provider`].
//!
//! DOKU-specific forms (house decision 4): `X-TIMESTAMP` with `+07:00` and no fraction,
//! lower-case `grantType`, `Authorization-Customer: Bearer …`, status `serviceCode` `55`
//! (configurable), and both forms read of `availableBalance`/`amount`, `status`/`accountStatus`,
//! `channel`/`channelId` and `refundHistory[].partnerReferenceNo`/`partnerRefundNo`.
//!
//! Customer (B2B2C) tokens: the [`LinkedAccount`] carries the access token, its expiry and the
//! refresh token. A token that expires within 60 s is refreshed (grant `refresh_token`) and
//! kept in this client's cache by phone; [`DokuSnapClient::customer_token`] hands a fresh one
//! to an app that wants to persist it. A `401xx02`/`401xx04` answer refreshes once and retries.
//! A refresh answered `4017400` means the customer unlinked (binding `DISABLED`, §5.2); it
//! surfaces as `Authentication` with that code.
//!
//! Inbound notifications (§4, §5.4, §5.7, §5.8): DOKU first asks the merchant for a token (N0,
//! SHA256withRSA by DOKU, verified with credential `provider_public_key`): answer it with
//! [`DokuSnapClient::answer_token_request`] (or [`DokuSnapClient::verify_token_request`] and
//! [`DokuSnapClient::issue_notification_token`]). The client remembers the tokens it issued
//! (only their SHA-256, for 900 s). N1 (payment) and N2 (binding) are then verified by
//! [`Provider::verify_notification`]: the `Authorization` token must be one this client issued
//! (`UnknownToken` otherwise), and `X-SIGNATURE` must be the symmetric signature over the
//! merchant's own path with that token, keyed with credential `inbound_secret` (defaulting to
//! `secret_key`), in constant time, with the body variants of SNAP §6.1. An app that keeps
//! issued tokens elsewhere (several processes) uses
//! [`DokuSnapClient::verify_notification_with`] and its own lookup.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ovo_domain::{Idr, Msisdn, Product, Timestamp};
use ovo_secrets::Sensitive;
use rand::RngCore;
use rsa::RsaPublicKey;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::snap::{
    self, parse_public_key, parse_timestamp, strip_bearer, verify_rsa, verify_symmetric, Bearer,
    CustomerGrant, CustomerToken, GrantCase, SigningKey, SnapClass, SnapProfile, SnapReply,
    SnapRequest, SnapSession, TimestampStyle,
};
use super::snap::{check_echo, split_of, PayOption, Pocket, RefundStatus, TransactionStatus};
use crate::capability::{Operation, PaymentKind};
use crate::credentials::Credentials;
use crate::error::{ProviderError, ProviderResult};
use crate::model::*;
use crate::notification::{InboundRequest, Notification, NotificationEvent, NotificationRejection};
use crate::provider::Provider;
use crate::transport::Call;
use crate::wire::SnapAmount;

const PRODUCT: Product = Product::DokuSnapOvo;

/// `additionalInfo.channel` of every OVO call (§1).
pub const CHANNEL: &str = "EMONEY_OVO_SNAP";

// §2, the endpoint table.
pub const B2B_TOKEN_PATH: &str = "/authorization/v1/access-token/b2b";
pub const B2B2C_TOKEN_PATH: &str = "/authorization/v1/access-token/b2b2c";
pub const BINDING_PATH: &str = "/direct-debit/core/v1/registration-account-binding";
pub const BALANCE_PATH: &str = "/direct-debit/core/v1/balance-inquiry";
pub const PAYMENT_PATH: &str = "/direct-debit/core/v1/debit/payment-host-to-host";
pub const STATUS_PATH: &str = "/orders/v1.0/debit/status";
pub const REFUND_PATH: &str = "/direct-debit/core/v1/debit/refund";
pub const UNBINDING_PATH: &str = "/direct-debit/core/v1/registration-account-unbinding";
/// A customer token renewal refused because the customer's link is gone (§5.2).
const CUSTOMER_UNLINKED: &str = "4017400";

/// Renew a customer token when fewer than this remain (§5.2 house default).
const CUSTOMER_TOKEN_MARGIN_SECS: i64 = 60;

// ---------------------------------------------------------------------------------------------
// Options

/// Per-client settings; [`Default`] is the documented behaviour.
#[derive(Debug, Clone)]
pub struct DokuSnapOptions {
    /// Read timeout of every transactional call (§10: 30 s, as the Go SDK).
    pub timeout: Duration,
    /// Read timeout of the token calls.
    pub token_timeout: Duration,
    /// `X-DEVICE-ID`: a stable alphanumeric id of the merchant terminal (§3; no symbols).
    pub device_id: Option<String>,
    /// `CHANNEL-ID` (§3 house default `DH`).
    pub channel_id: Option<String>,
    /// Status `serviceCode` (house decision 4: `55`; `54` is the alternative).
    pub status_service_code: String,
    /// `successPaymentUrl`/`failedPaymentUrl` when a SALE request has no `return_url`.
    pub default_return_url: Option<String>,
    /// Lifetime of the tokens this client issues to DOKU at N0 (§5.8: 900 s).
    pub notification_token_lifetime: Duration,
    /// How far an inbound N0 `X-TIMESTAMP` may be from our clock (`None`: not checked).
    pub inbound_max_skew: Option<Duration>,
    /// Certificates trusted beside the operating system's store.
    pub extra_roots: crate::transport::ExtraRoots,
}

impl Default for DokuSnapOptions {
    fn default() -> Self {
        DokuSnapOptions {
            timeout: Duration::from_secs(30),
            token_timeout: Duration::from_secs(30),
            device_id: None,
            channel_id: Some("DH".into()),
            status_service_code: "55".into(),
            default_return_url: None,
            notification_token_lifetime: Duration::from_secs(900),
            inbound_max_skew: Some(Duration::from_secs(300)),
            extra_roots: Default::default(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Wire types: requests (field order is the order sent, and signed)

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ChannelInfo<'a> {
    channel: &'a str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingBody<'a> {
    pub phone_no: &'a str,
    pub additional_info: BindingBodyInfo<'a>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingBodyInfo<'a> {
    pub channel: &'a str,
    pub cust_id_merchant: &'a str,
    pub success_registration_url: &'a str,
    pub failed_registration_url: &'a str,
}

/// The binding body (§5.3), exactly as sent and signed.
pub fn binding_body(
    phone: &Msisdn,
    cust_id_merchant: &str,
    success_url: &str,
    failed_url: &str,
) -> String {
    let body = BindingBody {
        phone_no: phone.canonical(),
        additional_info: BindingBodyInfo {
            channel: CHANNEL,
            cust_id_merchant,
            success_registration_url: success_url,
            failed_registration_url: failed_url,
        },
    };
    to_json(&body)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct BalanceBody<'a> {
    additional_info: ChannelInfo<'a>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentBody<'a> {
    pub partner_reference_no: &'a str,
    pub amount: SnapAmount,
    pub pay_option_details: Vec<PayOption>,
    pub additional_info: PaymentBodyInfo<'a>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentBodyInfo<'a> {
    pub channel: &'a str,
    pub payment_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_payment_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_payment_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody<'a> {
    original_partner_reference_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_reference_no: Option<&'a str>,
    service_code: &'a str,
    merchant_id: &'a str,
    additional_info: ChannelInfo<'a>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct RefundBody<'a> {
    original_partner_reference_no: &'a str,
    partner_refund_no: &'a str,
    refund_amount: SnapAmount,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'a str,
    additional_info: ChannelInfo<'a>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct UnbindBody<'a> {
    token_id: &'a str,
    additional_info: ChannelInfo<'a>,
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising these plain structs cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Wire types: answers

/// Binding `additionalInfo.status` / `accountStatus` (§5.3, §5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingStatus {
    Pending,
    Success,
    Failed,
    Unknown(String),
}

impl From<String> for BindingStatus {
    fn from(s: String) -> Self {
        match s.to_ascii_uppercase().as_str() {
            "PENDING" => BindingStatus::Pending,
            "SUCCESS" => BindingStatus::Success,
            "FAILED" => BindingStatus::Failed,
            _ => BindingStatus::Unknown(s),
        }
    }
}

impl<'de> Deserialize<'de> for BindingStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(BindingStatus::from)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingReply {
    pub reference_no: Option<String>,
    pub redirect_url: String,
    /// Java SDK form (house decision 4).
    pub account_status: Option<BindingStatus>,
    #[serde(default)]
    pub additional_info: BindingReplyInfo,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingReplyInfo {
    pub status: Option<BindingStatus>,
    pub account_status: Option<BindingStatus>,
    pub auth_code: Option<String>,
    pub cust_id_merchant: Option<String>,
}

impl BindingReply {
    /// `additionalInfo.status`, else either `accountStatus` (house decision 4).
    pub fn status(&self) -> Option<&BindingStatus> {
        self.additional_info
            .status
            .as_ref()
            .or(self.additional_info.account_status.as_ref())
            .or(self.account_status.as_ref())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceReply {
    pub account_infos: Vec<AccountInfo>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    pub balance_type: Pocket,
    pub available_balance: Option<SnapAmount>,
    pub amount: Option<SnapAmount>,
}

impl AccountInfo {
    /// `availableBalance`, falling back to `amount` (house decision 4).
    pub fn balance(&self) -> Option<&SnapAmount> {
        self.available_balance.as_ref().or(self.amount.as_ref())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentReply {
    pub reference_no: Option<String>,
    pub web_redirect_url: Option<String>,
    pub partner_reference_no: Option<String>,
    pub amount: Option<SnapAmount>,
}

/// A transaction status and its description as our payment state. `06` "Transaction
/// Expired" is `Expired` (the one case where DOKU reuses `06`, §5.6).
pub fn payment_state(status: &TransactionStatus, code: &str, description: &str) -> PaymentState {
    match status {
        TransactionStatus::Success => PaymentState::Succeeded,
        TransactionStatus::Initiated | TransactionStatus::Paying | TransactionStatus::Pending => {
            PaymentState::Pending
        }
        TransactionStatus::Refunded => PaymentState::Refunded,
        TransactionStatus::Cancelled => PaymentState::Cancelled,
        TransactionStatus::Failed if description.to_ascii_lowercase().contains("expired") => {
            PaymentState::Expired
        }
        TransactionStatus::Failed => {
            PaymentState::Failed { code: code.to_owned(), message: description.to_owned() }
        }
        // `07`: no record (yet), never a failure on its own.
        TransactionStatus::NotFound => {
            PaymentState::NotFound { code: code.to_owned(), message: description.to_owned() }
        }
        TransactionStatus::Unknown(s) => PaymentState::Unrecognised(s.clone()),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundHistoryEntry {
    pub refund_no: Option<String>,
    /// DOKU's sample key (house decision 4).
    pub partner_reference_no: Option<String>,
    /// ASPI's key.
    pub partner_refund_no: Option<String>,
    pub refund_amount: Option<SnapAmount>,
    pub refund_status: Option<RefundStatus>,
    pub refund_date: Option<String>,
    pub reason: Option<String>,
}

impl RefundHistoryEntry {
    pub fn partner_refund_no(&self) -> Option<&str> {
        self.partner_refund_no.as_deref().or(self.partner_reference_no.as_deref())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReply {
    pub original_partner_reference_no: Option<String>,
    pub original_reference_no: Option<String>,
    pub latest_transaction_status: TransactionStatus,
    #[serde(default)]
    pub transaction_status_desc: String,
    pub trans_amount: Option<SnapAmount>,
    pub amount: Option<SnapAmount>,
    pub approval_code: Option<String>,
    pub paid_time: Option<String>,
    #[serde(default)]
    pub refund_history: Vec<RefundHistoryEntry>,
    #[serde(default)]
    pub pay_option_details: Vec<PayOption>,
    #[serde(default)]
    pub additional_info: Option<Value>,
}

impl StatusReply {
    /// `additionalInfo.channel`, else `channelId` (house decision 4).
    pub fn channel(&self) -> Option<&str> {
        channel_of(self.additional_info.as_ref())
    }
}

fn channel_of(info: Option<&Value>) -> Option<&str> {
    let info = info?;
    info.get("channel")
        .and_then(Value::as_str)
        .or_else(|| info.get("channelId").and_then(Value::as_str))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundReply {
    pub refund_no: Option<String>,
    pub partner_refund_no: Option<String>,
    pub refund_amount: Option<SnapAmount>,
    pub refund_status: Option<RefundStatus>,
    pub refund_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnbindReply {
    pub reference_no: Option<String>,
    #[serde(default)]
    pub additional_info: Option<Value>,
}

/// `refundTime` and friends: with a zone, or zone-less read as WIB (§5.10 house default).
pub fn parse_doku_time(text: &str) -> Option<Timestamp> {
    if let Some(at) = parse_timestamp(text) {
        return Some(Timestamp::from_offset_datetime(at));
    }
    parse_timestamp(&format!("{}+07:00", text.trim())).map(Timestamp::from_offset_datetime)
}

// ---------------------------------------------------------------------------------------------
// Inbound wire types

/// N1 body (§5.7); fields our handler needs are checked by [`parse_payment_notification`].
#[derive(Debug, Clone)]
pub struct PaymentNotification {
    pub original_partner_reference_no: String,
    pub original_reference_no: Option<String>,
    pub original_external_id: String,
    pub latest_transaction_status: TransactionStatus,
    pub latest_transaction_status_raw: String,
    pub transaction_status_desc: String,
    pub amount: Idr,
    pub cust_id_merchant: String,
    pub payment_type: String,
    /// `additionalInfo.channelId`, or `channel` (house decision 4).
    pub channel: Option<String>,
}

/// N2 body (§5.4).
#[derive(Debug, Clone)]
pub struct BindingNotification {
    pub original_external_id: String,
    pub status: BindingStatus,
    pub status_raw: String,
    pub auth_code: Option<Sensitive<String>>,
    pub cust_id_merchant: Option<String>,
}

fn required<'a>(value: &'a Value, field: &'static str) -> Result<&'a str, NotificationRejection> {
    match value.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(NotificationRejection::MissingField(field))
        }
        Some(other) => {
            Err(NotificationRejection::Malformed(format!("{field} is not a string: {other}")))
        }
    }
}

fn info_required<'a>(
    info: Option<&'a Value>,
    key: &str,
    field: &'static str,
) -> Result<&'a str, NotificationRejection> {
    info.and_then(|i| i.get(key))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(NotificationRejection::MissingField(field))
}

/// Parses N1. The mandatory fields are those of §5.7.
pub fn parse_payment_notification(
    body: &Value,
) -> Result<PaymentNotification, NotificationRejection> {
    let info = body.get("additionalInfo");
    let status_raw = required(body, "latestTransactionStatus")?.to_owned();
    let amount_value = body.get("amount").ok_or(NotificationRejection::MissingField("amount"))?;
    let amount: SnapAmount = serde_json::from_value(amount_value.clone())
        .map_err(|e| NotificationRejection::Malformed(format!("amount: {e}")))?;
    let amount =
        amount.to_idr().map_err(|e| NotificationRejection::Malformed(format!("amount: {e}")))?;
    Ok(PaymentNotification {
        original_partner_reference_no: required(body, "originalPartnerReferenceNo")?.to_owned(),
        original_reference_no: body
            .get("originalReferenceNo")
            .and_then(Value::as_str)
            .map(str::to_owned),
        original_external_id: required(body, "originalExternalId")?.to_owned(),
        latest_transaction_status: TransactionStatus::from(status_raw.clone()),
        latest_transaction_status_raw: status_raw,
        transaction_status_desc: required(body, "transactionStatusDesc")?.to_owned(),
        amount,
        cust_id_merchant: info_required(info, "custIdMerchant", "additionalInfo.custIdMerchant")?
            .to_owned(),
        payment_type: info_required(info, "paymentType", "additionalInfo.paymentType")?.to_owned(),
        channel: info
            .and_then(|i| i.get("channelId").or_else(|| i.get("channel")))
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// Parses N2.
pub fn parse_binding_notification(
    body: &Value,
) -> Result<BindingNotification, NotificationRejection> {
    let info = body.get("additionalInfo");
    let status_raw = info
        .and_then(|i| i.get("status").or_else(|| i.get("accountStatus")))
        .and_then(Value::as_str)
        .ok_or(NotificationRejection::MissingField("additionalInfo.status"))?
        .to_owned();
    Ok(BindingNotification {
        original_external_id: required(body, "originalExternalId")?.to_owned(),
        status: BindingStatus::from(status_raw.clone()),
        status_raw,
        auth_code: info
            .and_then(|i| i.get("authCode"))
            .and_then(Value::as_str)
            .map(|s| Sensitive::new(s.to_owned())),
        cust_id_merchant: info
            .and_then(|i| i.get("custIdMerchant"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// Which merchant endpoint a notification is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundKind {
    /// N1, service 56.
    Payment,
    /// N2, service 07.
    Binding,
}

impl InboundKind {
    /// A payment notification carries `latestTransactionStatus`; a binding one does not.
    pub fn of(body: &str) -> InboundKind {
        match serde_json::from_str::<Value>(body) {
            Ok(v)
                if v.get("latestTransactionStatus").is_none()
                    && v.get("additionalInfo").and_then(|i| i.get("status")).is_some() =>
            {
                InboundKind::Binding
            }
            _ => InboundKind::Payment,
        }
    }

    fn service(self) -> &'static str {
        match self {
            InboundKind::Payment => "56",
            InboundKind::Binding => "07",
        }
    }
}

/// What the app's listener answers.
#[derive(Debug, Clone)]
pub struct InboundAnswer {
    pub status: u16,
    /// May carry an issued token (N0): never log it.
    pub body: Sensitive<String>,
}

impl InboundAnswer {
    fn snap(status: u16, code: String, message: &str) -> InboundAnswer {
        InboundAnswer {
            status,
            body: Sensitive::new(
                serde_json::json!({"responseCode": code, "responseMessage": message}).to_string(),
            ),
        }
    }
}

/// The merchant's answer to N1/N2 (§5.4, §5.7 reply tables).
pub fn notification_answer(
    kind: InboundKind,
    outcome: &Result<Notification, NotificationRejection>,
) -> InboundAnswer {
    let s = kind.service();
    match outcome {
        Ok(_) => {
            InboundAnswer::snap(200, format!("200{s}00"), "Request has been processed successfully")
        }
        Err(NotificationRejection::BadSignature) => {
            InboundAnswer::snap(401, format!("401{s}00"), "Unauthorized. [Signature]")
        }
        Err(NotificationRejection::UnknownToken) => {
            InboundAnswer::snap(401, format!("401{s}01"), "Invalid Token (B2B)")
        }
        Err(NotificationRejection::MissingField(f)) => {
            InboundAnswer::snap(400, format!("400{s}02"), &format!("Invalid Mandatory Field {f}"))
        }
        Err(NotificationRejection::UnknownMerchant) => {
            InboundAnswer::snap(401, format!("401{s}00"), "Unauthorized. [X-PARTNER-ID]")
        }
        Err(NotificationRejection::Malformed(_)) => {
            InboundAnswer::snap(400, format!("400{s}01"), "Invalid Field Format")
        }
        Err(NotificationRejection::Unsupported) => {
            InboundAnswer::snap(404, format!("404{s}01"), "Not Found")
        }
    }
}

/// The merchant's answer to a verified N1 for a transaction it never created (§5.7 reply
/// table: `4045601`). The notification is still stored; nothing changes.
pub fn unknown_transaction_answer() -> InboundAnswer {
    InboundAnswer::snap(404, "4045601".into(), "Transaction Not Found")
}

/// A verified N0 token request.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub client_id: String,
    pub timestamp: String,
}

/// A token issued to DOKU at N0.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: Sensitive<String>,
    pub expires_in: u64,
}

// ---------------------------------------------------------------------------------------------
// The client

struct CachedCustomer {
    access: Sensitive<String>,
    refresh: Option<Sensitive<String>>,
    renew_at: Timestamp,
}

/// DOKU SNAP OVO client. Secrets stay in [`Sensitive`] and `SigningKey`; `Debug` shows none.
pub struct DokuSnapClient {
    session: SnapSession,
    options: DokuSnapOptions,
    inbound_secret: Sensitive<String>,
    provider_key: Option<RsaPublicKey>,
    /// Customer tokens renewed by this client, by canonical phone.
    customers: Mutex<HashMap<String, CachedCustomer>>,
    /// SHA-256 (hex) of the tokens issued to DOKU at N0, with their expiry.
    issued: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for DokuSnapClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DokuSnapClient")
            .field("session", &self.session)
            .field("options", &self.options)
            .field("provider_key", &self.provider_key.is_some())
            .finish_non_exhaustive()
    }
}

fn now() -> Timestamp {
    Timestamp::from_offset_datetime(OffsetDateTime::now_utc())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn invalid(detail: impl Into<String>) -> ProviderError {
    ProviderError::InvalidInput { product: PRODUCT, detail: detail.into() }
}

/// The `X-EXTERNAL-ID` of a write: the same for a retry under the same key on the same WIB
/// day, a new one after midnight WIB (SNAP §10 step 2).
pub use super::snap::daily_external_id;

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl DokuSnapClient {
    /// `credentials`: `client_id`, `secret_key`, `merchant_private_key` (PKCS#1 or PKCS#8 PEM),
    /// optional `provider_public_key` (DOKU's, for N0) and `inbound_secret`.
    pub fn new(
        base_url: &str,
        credentials: &Credentials,
        options: DokuSnapOptions,
    ) -> ProviderResult<DokuSnapClient> {
        if credentials.product() != PRODUCT {
            return Err(invalid(format!("credentials are for {}", credentials.product().key())));
        }
        let client_id = credentials.require("client_id")?.expose().clone();
        let secret = credentials.require("secret_key")?.clone();
        let key = SigningKey::from_pem(credentials.require("merchant_private_key")?.expose())
            .map_err(|e| invalid(format!("merchant_private_key: {e}")))?;
        let provider_key = match credentials.optional("provider_public_key") {
            Some(pem) if !pem.expose().trim().is_empty() => Some(
                parse_public_key(pem.expose())
                    .map_err(|e| invalid(format!("provider_public_key: {e}")))?,
            ),
            _ => None,
        };
        let inbound_secret = credentials
            .optional("inbound_secret")
            .filter(|s| !s.expose().is_empty())
            .unwrap_or(&secret)
            .clone();
        let profile = SnapProfile {
            product: PRODUCT,
            timestamp_style: TimestampStyle::Offset,
            grant_case: GrantCase::Lower,
            b2b_token_path: B2B_TOKEN_PATH.into(),
            b2b2c_token_path: B2B2C_TOKEN_PATH.into(),
            device_id: options.device_id.clone(),
            channel_id: options.channel_id.clone(),
            token_timeout: options.token_timeout,
            renew_margin: Duration::from_secs(60),
        };
        Ok(DokuSnapClient {
            session: SnapSession::new(profile, base_url, client_id, secret, key)
                .trusting(&options.extra_roots),
            options,
            inbound_secret,
            provider_key,
            customers: Mutex::new(HashMap::new()),
            issued: Mutex::new(HashMap::new()),
        })
    }

    pub fn options(&self) -> &DokuSnapOptions {
        &self.options
    }

    fn write(&self, operation: Operation) -> Call {
        Call::write(operation, self.options.timeout)
    }

    fn read(&self, operation: Operation) -> Call {
        Call::read(operation, self.options.timeout)
    }

    async fn send(
        &self,
        call: Call,
        path: &str,
        body: String,
        customer: Option<Sensitive<String>>,
        external_id: Option<String>,
    ) -> ProviderResult<SnapReply> {
        let request = SnapRequest {
            call,
            method: reqwest::Method::POST,
            path: path.into(),
            body,
            authorization: Bearer::B2b,
            customer,
            external_id,
        };
        self.session.send(&request).await
    }

    /// Sends with `Authorization-Customer`; on `401xx02`/`401xx04`, renews the customer token
    /// once and sends again (nothing was processed).
    async fn send_as_customer(
        &self,
        call: Call,
        path: &str,
        body: String,
        account: &LinkedAccount,
        external_id: Option<String>,
    ) -> ProviderResult<SnapReply> {
        let token = self.customer_access(account, call.operation, false).await?;
        let reply = self.send(call, path, body.clone(), Some(token), external_id.clone()).await?;
        if reply.class() != SnapClass::CustomerToken {
            return Ok(reply);
        }
        self.forget_customer(&account.phone);
        match self.customer_access(account, call.operation, true).await {
            Ok(token) => self.send(call, path, body, Some(token), external_id).await,
            // No way to renew: the provider's own answer says what happened.
            Err(ProviderError::InvalidInput { .. }) => Ok(reply),
            Err(e) => Err(e),
        }
    }

    fn forget_customer(&self, phone: &Msisdn) {
        lock(&self.customers).remove(phone.canonical());
    }

    fn remember_customer(&self, phone: &Msisdn, token: &CustomerToken) {
        let renew_at = token
            .expires_at
            .unwrap_or_else(|| now().plus_seconds(900))
            .plus_seconds(-CUSTOMER_TOKEN_MARGIN_SECS);
        let cached = CachedCustomer {
            access: token.access_token.clone(),
            refresh: token.refresh_token.clone(),
            renew_at,
        };
        lock(&self.customers).insert(phone.canonical().to_owned(), cached);
    }

    /// A usable customer token for `account`: the cached or given one while it has more than
    /// 60 s left, else a refreshed one (`force`: always refresh when a refresh token exists).
    async fn customer_access(
        &self,
        account: &LinkedAccount,
        operation: Operation,
        force: bool,
    ) -> ProviderResult<Sensitive<String>> {
        let now = now();
        let cached_refresh = {
            let cache = lock(&self.customers);
            let cached = cache.get(account.phone.canonical());
            if !force {
                if let Some(c) = cached.filter(|c| c.renew_at > now) {
                    return Ok(c.access.clone());
                }
            }
            cached.and_then(|c| c.refresh.clone())
        };
        let fresh_given = account.token.as_ref().filter(|_| {
            account
                .token_expires_at
                .is_none_or(|at| at.plus_seconds(-CUSTOMER_TOKEN_MARGIN_SECS) > now)
        });
        if !force {
            if let Some(token) = fresh_given {
                return Ok(token.clone());
            }
        }
        match cached_refresh.or_else(|| account.refresh_token.clone()) {
            Some(refresh) => {
                let token = self
                    .session
                    .customer_token(operation, &CustomerGrant::RefreshToken(refresh), None)
                    .await?;
                self.remember_customer(&account.phone, &token);
                Ok(token.access_token)
            }
            // Let the provider judge a token we cannot renew.
            None if !force && account.token.is_some() => {
                Ok(account.token.clone().unwrap_or_else(|| Sensitive::new(String::new())))
            }
            None => Err(invalid(
                "the linked account has no usable customer token and no refresh token: bind again",
            )),
        }
    }

    /// A fresh customer token for `account` (renewed as the calls would), for the app to
    /// persist.
    pub async fn customer_token(
        &self,
        account: &LinkedAccount,
    ) -> ProviderResult<Sensitive<String>> {
        self.customer_access(account, Operation::Balance, false).await
    }

    /// Exchanges a (reusable, §5.2) `authCode` for a customer token.
    pub async fn exchange_auth_code(
        &self,
        phone: &Msisdn,
        auth_code: &Sensitive<String>,
    ) -> ProviderResult<CustomerToken> {
        let token = self
            .session
            .customer_token(
                Operation::CompleteBinding,
                &CustomerGrant::AuthorizationCode(auth_code.clone()),
                None,
            )
            .await?;
        self.remember_customer(phone, &token);
        Ok(token)
    }

    /// Status (55) as the wire answer, for refund status and callers that want every field.
    pub async fn status_reply(
        &self,
        payment_reference: &str,
        provider_ref: Option<&str>,
        operation: Operation,
    ) -> ProviderResult<Result<StatusReply, (String, String)>> {
        let call = self.read(operation);
        let body = to_json(&StatusBody {
            original_partner_reference_no: payment_reference,
            original_reference_no: provider_ref,
            service_code: &self.options.status_service_code,
            merchant_id: self.session.client_id(),
            additional_info: ChannelInfo { channel: CHANNEL },
        });
        let reply = self.send(call, STATUS_PATH, body, None, None).await?;
        // `4045501`: never created (SNAP §9.2: a definitive answer).
        if reply.is(404, "01") {
            return Ok(Err((reply.code, reply.message)));
        }
        let reply = reply.into_result(PRODUCT, call)?;
        reply.typed(self.session.transport(), call).map(Ok)
    }

    // -----------------------------------------------------------------------------------------
    // Inbound

    /// Verifies DOKU's N0 token request (§5.8): `X-CLIENT-KEY` is our client id, `X-TIMESTAMP`
    /// is near our clock, `X-SIGNATURE` is SHA256withRSA over `clientId|X-TIMESTAMP` by DOKU's
    /// key (credential `provider_public_key`; without it nothing verifies: `BadSignature`), and
    /// the body asks for `client_credentials`.
    pub fn verify_token_request(
        &self,
        request: &InboundRequest,
    ) -> Result<TokenRequest, NotificationRejection> {
        let client_id = request
            .header("X-CLIENT-KEY")
            .ok_or(NotificationRejection::MissingField("X-CLIENT-KEY"))?;
        let timestamp = request
            .header("X-TIMESTAMP")
            .ok_or(NotificationRejection::MissingField("X-TIMESTAMP"))?;
        let signature = request
            .header("X-SIGNATURE")
            .ok_or(NotificationRejection::MissingField("X-SIGNATURE"))?;
        if client_id != self.session.client_id() {
            return Err(NotificationRejection::UnknownMerchant);
        }
        let at = parse_timestamp(timestamp).ok_or_else(|| {
            NotificationRejection::Malformed(format!("X-TIMESTAMP {timestamp:?}"))
        })?;
        if let Some(max) = self.options.inbound_max_skew {
            let skew = (OffsetDateTime::now_utc() - at).unsigned_abs();
            if skew > max {
                return Err(NotificationRejection::Malformed(format!(
                    "X-TIMESTAMP is {} s from our clock",
                    skew.as_secs()
                )));
            }
        }
        let key = self.provider_key.as_ref().ok_or(NotificationRejection::BadSignature)?;
        if !verify_rsa(key, snap::token_string_to_sign(client_id, timestamp).as_bytes(), signature)
        {
            return Err(NotificationRejection::BadSignature);
        }
        let body: Value = serde_json::from_str(&request.body)
            .map_err(|e| NotificationRejection::Malformed(e.to_string()))?;
        let grant = body
            .get("grantType")
            .and_then(Value::as_str)
            .ok_or(NotificationRejection::MissingField("grantType"))?;
        if !grant.eq_ignore_ascii_case("client_credentials") {
            return Err(NotificationRejection::Malformed(format!("grantType {grant:?}")));
        }
        Ok(TokenRequest { client_id: client_id.to_owned(), timestamp: timestamp.to_owned() })
    }

    /// Issues a token for DOKU (40 random bytes, hex) and remembers it for
    /// `notification_token_lifetime`.
    pub fn issue_notification_token(&self) -> IssuedToken {
        let mut bytes = [0u8; 40];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let lifetime = self.options.notification_token_lifetime;
        let mut issued = lock(&self.issued);
        let now = Instant::now();
        issued.retain(|_, expiry| *expiry > now);
        issued.insert(hash_token(&token), now + lifetime);
        IssuedToken { access_token: Sensitive::new(token), expires_in: lifetime.as_secs() }
    }

    /// Whether this client issued `token` and it has not expired.
    pub fn is_issued_token(&self, token: &str) -> bool {
        lock(&self.issued).get(&hash_token(token)).is_some_and(|expiry| *expiry > Instant::now())
    }

    /// The whole N0 exchange: verify, issue, answer `2007300` (or `401730x`/`400730x`).
    pub fn answer_token_request(&self, request: &InboundRequest) -> InboundAnswer {
        match self.verify_token_request(request) {
            Ok(_) => {
                let token = self.issue_notification_token();
                let body = serde_json::json!({
                    "responseCode": "2007300",
                    "responseMessage": "Successful",
                    "accessToken": token.access_token.expose(),
                    "tokenType": "Bearer",
                    "expiresIn": token.expires_in,
                    "additionalInfo": {},
                });
                InboundAnswer { status: 200, body: Sensitive::new(body.to_string()) }
            }
            Err(NotificationRejection::BadSignature) => {
                InboundAnswer::snap(401, "4017300".into(), "Unauthorized. Invalid Signature")
            }
            Err(NotificationRejection::UnknownMerchant) => {
                InboundAnswer::snap(401, "4017300".into(), "Unauthorized. Unknown Client")
            }
            Err(NotificationRejection::MissingField(f)) => {
                InboundAnswer::snap(400, "4007302".into(), &format!("Invalid Mandatory Field {f}"))
            }
            Err(_) => InboundAnswer::snap(400, "4007301".into(), "Invalid Field Format"),
        }
    }

    /// Verifies N1/N2 with the app's own record of issued tokens (`is_issued`).
    pub fn verify_notification_with(
        &self,
        request: &InboundRequest,
        is_issued: &dyn Fn(&str) -> bool,
    ) -> Result<Notification, NotificationRejection> {
        let authorization = request
            .header("Authorization")
            .ok_or(NotificationRejection::MissingField("Authorization"))?;
        let token = strip_bearer(authorization);
        if token.is_empty() {
            return Err(NotificationRejection::MissingField("Authorization"));
        }
        if !is_issued(token) {
            return Err(NotificationRejection::UnknownToken);
        }
        let timestamp = request
            .header("X-TIMESTAMP")
            .ok_or(NotificationRejection::MissingField("X-TIMESTAMP"))?;
        let signature = request
            .header("X-SIGNATURE")
            .ok_or(NotificationRejection::MissingField("X-SIGNATURE"))?;
        let secret = self.inbound_secret.expose().as_bytes();
        let matched = verify_symmetric(
            secret,
            &request.method,
            &request.path_and_query,
            token,
            &request.body,
            timestamp,
            signature,
        );
        let Some(variant) = matched else { return Err(NotificationRejection::BadSignature) };
        if variant > 0 {
            tracing::info!(
                product = PRODUCT.key(),
                variant,
                "notification verified over a re-serialised body (SNAP §6.1)"
            );
        }
        if let Some(partner) = request.header("X-PARTNER-ID") {
            if partner != self.session.client_id() {
                return Err(NotificationRejection::UnknownMerchant);
            }
        }
        parse_notification(&request.body)
    }
}

/// Parses a verified N1 or N2 body into the shared event.
pub fn parse_notification(body: &str) -> Result<Notification, NotificationRejection> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| NotificationRejection::Malformed(e.to_string()))?;
    if !value.is_object() {
        return Err(NotificationRejection::Malformed("not a JSON object".into()));
    }
    match InboundKind::of(body) {
        InboundKind::Payment => {
            let n = parse_payment_notification(&value)?;
            let state = payment_state(
                &n.latest_transaction_status,
                &n.latest_transaction_status_raw,
                &n.transaction_status_desc,
            );
            Ok(Notification {
                product: PRODUCT,
                // §5.7: deduplicate by originalExternalId + latestTransactionStatus.
                dedup_key: format!(
                    "{}:payment:{}:{}",
                    PRODUCT.key(),
                    n.original_external_id,
                    n.latest_transaction_status_raw
                ),
                event: NotificationEvent::Payment {
                    merchant_ref: Some(n.original_partner_reference_no),
                    provider_ref: n.original_reference_no,
                    state,
                    amount: Some(n.amount),
                },
            })
        }
        InboundKind::Binding => {
            let n = parse_binding_notification(&value)?;
            Ok(Notification {
                product: PRODUCT,
                dedup_key: format!(
                    "{}:binding:{}:{}",
                    PRODUCT.key(),
                    n.original_external_id,
                    n.status_raw
                ),
                event: NotificationEvent::Binding {
                    provider_ref: None,
                    merchant_ref: n.cust_id_merchant,
                    linked: n.status == BindingStatus::Success,
                    auth_code: n.auth_code,
                },
            })
        }
    }
}

/// A partnerReferenceNo the back office never issues (ours are 16 characters).
const CONNECTION_TEST_REFERENCE: &str = "OVOBO-CONNECTION-TEST";

#[async_trait]
impl Provider for DokuSnapClient {
    /// A fresh SNAP B2B access token (§5.1; proves the client id and private key), then the
    /// status inquiry of a reference never used (proves the HMAC secret: DOKU checks the
    /// signature before answering `4045501` not found). Both are reads; nothing changes.
    async fn test_connection(&self) -> ProviderResult<ConnectionProof> {
        self.session.test_b2b_token().await?;
        let read = "SNAP B2B access token, then the status inquiry of an unused reference";
        match self.status_reply(CONNECTION_TEST_REFERENCE, None, Operation::TestConnection).await? {
            Err((code, message)) => {
                Ok(ConnectionProof { read, answer: format!("{code} {message}") })
            }
            Ok(reply) => Ok(ConnectionProof {
                read,
                answer: reply.latest_transaction_status.code().to_owned(),
            }),
        }
    }

    fn product(&self) -> Product {
        PRODUCT
    }

    /// §5.3. The redirect URL is where the customer enters OTP and PIN; the `authCode`
    /// comes back as `pending_token` (it becomes usable once the binding succeeds).
    async fn bind(&self, request: &BindRequest) -> ProviderResult<BindStarted> {
        let call = self.write(Operation::Bind);
        let body = binding_body(
            &request.phone,
            &request.merchant_customer_id,
            &request.return_url,
            &request.return_url,
        );
        let external_id = daily_external_id(
            &format!("bind:{}", request.reference.as_str()),
            OffsetDateTime::now_utc(),
        );
        let reply = self
            .send(call, BINDING_PATH, body, None, Some(external_id))
            .await?
            .into_result(PRODUCT, call)?;
        let wire: BindingReply = reply.typed(self.session.transport(), call)?;
        if let Some(BindingStatus::Failed) = wire.status() {
            return Err(ProviderError::Declined {
                product: PRODUCT,
                code: reply.code,
                message: format!("binding FAILED: {}", reply.message),
            });
        }
        Ok(BindStarted {
            redirect_url: wire.redirect_url,
            provider_ref: wire.reference_no,
            pending_token: wire.additional_info.auth_code.map(Sensitive::new),
        })
    }

    /// Exchanges the `authCode` (from `auth_code`, else `pending_token`) for a customer token
    /// (§5.2). `4017400` (`Authentication`) while the customer has not finished.
    async fn complete_binding(&self, request: &CompleteBinding) -> ProviderResult<LinkedAccount> {
        let code = request
            .auth_code
            .as_ref()
            .or(request.pending_token.as_ref())
            .ok_or_else(|| invalid("completing a DOKU binding needs its authCode"))?;
        let token = self.exchange_auth_code(&request.phone, code).await?;
        Ok(LinkedAccount {
            phone: request.phone.clone(),
            provider_ref: request.provider_ref.clone(),
            token: Some(token.access_token),
            refresh_token: token.refresh_token,
            token_expires_at: token.expires_at,
        })
    }

    /// §5.5: `availableBalance`, else `amount`; `CASH` is mandatory, `POINTS` 0 when absent.
    async fn balance(&self, account: &LinkedAccount) -> ProviderResult<Balance> {
        let call = self.read(Operation::Balance);
        let body = to_json(&BalanceBody { additional_info: ChannelInfo { channel: CHANNEL } });
        let reply = self
            .send_as_customer(call, BALANCE_PATH, body, account, None)
            .await?
            .into_result(PRODUCT, call)?;
        let transport = self.session.transport();
        let wire: BalanceReply = reply.typed(transport, call)?;
        let amount_of = |kind: Pocket| -> ProviderResult<Option<Idr>> {
            match wire.account_infos.iter().find(|i| i.balance_type == kind) {
                None => Ok(None),
                Some(info) => {
                    let amount = info.balance().ok_or_else(|| {
                        transport.malformed(call, "missing accountInfos[].availableBalance".into())
                    })?;
                    amount.to_idr().map(Some).map_err(|e| {
                        transport.malformed(call, format!("accountInfos[].availableBalance: {e}"))
                    })
                }
            }
        };
        let cash = amount_of(Pocket::Cash)?
            .ok_or_else(|| transport.malformed(call, "missing accountInfos[CASH]".into()))?;
        let points = amount_of(Pocket::Points)?.unwrap_or(Idr::ZERO);
        for other in
            wire.account_infos.iter().filter(|i| matches!(i.balance_type, Pocket::Unknown(_)))
        {
            tracing::info!(product = PRODUCT.key(), balance_type = ?other.balance_type, "balance type not shown");
        }
        Ok(Balance { cash, points })
    }

    /// §5.6. SALE answers `RedirectRequired` (the customer confirms on `webRedirectUrl`),
    /// RECURRING `Pending` (the outcome comes by N1 or status). `PointsFirst` reads the balance
    /// first and splits `payOptionDetails`.
    async fn pay(&self, request: &PaymentRequest) -> ProviderResult<PaymentOutcome> {
        let payment_type = match request.kind {
            PaymentKind::SaleRedirect => "SALE",
            PaymentKind::Recurring => "RECURRING",
            other => {
                return Err(invalid(format!(
                    "DOKU SNAP OVO has no {other:?} payments (SALE or RECURRING only)"
                )))
            }
        };
        let account = request
            .account
            .as_ref()
            .ok_or_else(|| invalid("a DOKU SNAP OVO payment needs a linked account"))?;
        let return_url =
            request.return_url.as_deref().or(self.options.default_return_url.as_deref());
        if request.kind == PaymentKind::SaleRedirect && return_url.is_none() {
            return Err(invalid(
                "a SALE payment needs a return URL (successPaymentUrl / failedPaymentUrl)",
            ));
        }
        let option = |method: Pocket, amount: Idr| PayOption {
            pay_method: method,
            trans_amount: SnapAmount::from_idr(amount),
            fee_amount: Some(SnapAmount::from_idr(Idr::ZERO)),
        };
        let pay_option_details = match request.source {
            PaySource::Cash => vec![option(Pocket::Cash, request.amount)],
            PaySource::Points => vec![option(Pocket::Points, request.amount)],
            PaySource::PointsFirst => {
                let balance = self.balance(account).await?;
                let points = balance.points.min(request.amount);
                let cash = request.amount.checked_sub(points).unwrap_or(Idr::ZERO);
                let mut options = Vec::new();
                if !points.is_zero() {
                    options.push(option(Pocket::Points, points));
                }
                if !cash.is_zero() || options.is_empty() {
                    options.push(option(Pocket::Cash, cash));
                }
                options
            }
        };
        let remarks: String = request.description.chars().take(40).collect();
        let body = to_json(&PaymentBody {
            partner_reference_no: request.reference.as_str(),
            amount: SnapAmount::from_idr(request.amount),
            pay_option_details,
            additional_info: PaymentBodyInfo {
                channel: CHANNEL,
                payment_type,
                success_payment_url: return_url,
                failed_payment_url: return_url,
                remarks: (!remarks.is_empty()).then_some(remarks),
            },
        });
        let call = self.write(Operation::Pay);
        let external_id = daily_external_id(&request.idempotency_key, OffsetDateTime::now_utc());
        let reply = self
            .send_as_customer(call, PAYMENT_PATH, body, account, Some(external_id))
            .await?
            .into_result(PRODUCT, call)?;
        let transport = self.session.transport();
        let wire: PaymentReply = reply.typed(transport, call)?;
        if let Some(echoed) =
            wire.partner_reference_no.as_deref().filter(|r| *r != request.reference.as_str())
        {
            return Err(ProviderError::Mismatch {
                product: PRODUCT,
                field: "partnerReferenceNo",
                sent: request.reference.as_str().into(),
                echoed: echoed.into(),
            });
        }
        if let Some(amount) = &wire.amount {
            check_echo(transport, call, "amount", request.amount, Some(amount))?;
        }
        let state = match (request.kind, wire.web_redirect_url) {
            (_, Some(url)) if !url.is_empty() => PaymentState::RedirectRequired { url },
            (PaymentKind::SaleRedirect, _) => {
                return Err(transport.malformed(call, "missing webRedirectUrl".into()))
            }
            // §11 #7: `2005400` or `2025400`, pending until N1 or status.
            _ => PaymentState::Pending,
        };
        Ok(PaymentOutcome {
            attempt_expires_at: None,
            state,
            provider_ref: wire.reference_no,
            paid: None,
            provider_status: reply.code,
        })
    }

    /// §5.9. `4045501` is `NotFound` with that code: no record (yet). Within the processing
    /// window a write may still be processed; after it, the app resends under the same ids
    /// (SNAP §10 step 2).
    async fn status(&self, request: &StatusRequest) -> ProviderResult<PaymentOutcome> {
        let call = self.read(Operation::Status);
        let wire = match self
            .status_reply(
                request.reference.as_str(),
                request.provider_ref.as_deref(),
                Operation::Status,
            )
            .await?
        {
            Ok(wire) => wire,
            Err((code, message)) => {
                return Ok(PaymentOutcome {
                    attempt_expires_at: None,
                    state: PaymentState::NotFound { code: code.clone(), message },
                    provider_ref: request.provider_ref.clone(),
                    paid: None,
                    provider_status: code,
                })
            }
        };
        let transport = self.session.transport();
        if let Some(echoed) = wire.trans_amount.as_ref().or(wire.amount.as_ref()) {
            check_echo(transport, call, "transAmount", request.amount, Some(echoed))?;
        }
        if let Some(echoed) = wire
            .original_partner_reference_no
            .as_deref()
            .filter(|r| !r.is_empty() && *r != request.reference.as_str())
        {
            return Err(ProviderError::Mismatch {
                product: PRODUCT,
                field: "originalPartnerReferenceNo",
                sent: request.reference.as_str().into(),
                echoed: echoed.into(),
            });
        }
        let code = wire.latest_transaction_status.code().to_owned();
        let state =
            payment_state(&wire.latest_transaction_status, &code, &wire.transaction_status_desc);
        let paid = if state == PaymentState::Succeeded || state == PaymentState::Refunded {
            split_of(&wire.pay_option_details)
        } else {
            None
        };
        Ok(PaymentOutcome {
            attempt_expires_at: None,
            state,
            provider_ref: wire.original_reference_no.or_else(|| request.provider_ref.clone()),
            paid,
            provider_status: code,
        })
    }

    /// §5.10. Refunds answer synchronously: `2005800` is `Succeeded` (unless a
    /// `refundStatus` says otherwise), `202…` `Pending`.
    async fn refund(&self, request: &RefundRequest) -> ProviderResult<RefundOutcome> {
        if request.amount.is_zero() || request.amount > request.payment_amount {
            return Err(invalid(format!(
                "refund of {} on a payment of {}",
                request.amount.rupiah(),
                request.payment_amount.rupiah()
            )));
        }
        let call = self.write(Operation::Refund);
        let body = to_json(&RefundBody {
            original_partner_reference_no: request.payment_reference.as_str(),
            partner_refund_no: request.refund_reference.as_str(),
            refund_amount: SnapAmount::from_idr(request.amount),
            reason: &request.reason,
            additional_info: ChannelInfo { channel: CHANNEL },
        });
        let external_id =
            Some(daily_external_id(&request.idempotency_key, OffsetDateTime::now_utc()));
        let reply = match &request.account {
            Some(account) => {
                self.send_as_customer(call, REFUND_PATH, body, account, external_id).await?
            }
            None => self.send(call, REFUND_PATH, body, None, external_id).await?,
        };
        let reply = reply.into_result(PRODUCT, call)?;
        let transport = self.session.transport();
        let wire: RefundReply = reply.typed(transport, call)?;
        if let Some(amount) = &wire.refund_amount {
            check_echo(transport, call, "refundAmount", request.amount, Some(amount))?;
        }
        if let Some(echoed) = wire
            .partner_refund_no
            .as_deref()
            .filter(|r| !r.is_empty() && *r != request.refund_reference.as_str())
        {
            return Err(ProviderError::Mismatch {
                product: PRODUCT,
                field: "partnerRefundNo",
                sent: request.refund_reference.as_str().into(),
                echoed: echoed.into(),
            });
        }
        let state = match (&wire.refund_status, reply.class()) {
            (Some(status), _) => status.to_state(&reply.message),
            (None, SnapClass::InProgress) => RefundState::Pending,
            (None, _) => RefundState::Succeeded,
        };
        Ok(RefundOutcome { state, provider_ref: wire.refund_no, provider_status: reply.code })
    }

    /// The payment's status (55), and in its `refundHistory` the entry whose
    /// `partnerRefundNo` (or `partnerReferenceNo`) is ours. Absent there: `NotFound` with code
    /// `not_found`, never `Failed`: DOKU may still process it (SNAP §10 decides what follows).
    async fn refund_status(&self, request: &RefundRequest) -> ProviderResult<RefundOutcome> {
        let call = self.read(Operation::Refund);
        let wire = match self
            .status_reply(
                request.payment_reference.as_str(),
                request.payment_provider_ref.as_deref(),
                Operation::Refund,
            )
            .await?
        {
            Ok(wire) => wire,
            Err((code, message)) => {
                return Err(ProviderError::Declined {
                    product: PRODUCT,
                    code,
                    message: format!("payment not found: {message}"),
                })
            }
        };
        let ours = request.refund_reference.as_str();
        let Some(entry) = wire.refund_history.iter().find(|e| e.partner_refund_no() == Some(ours))
        else {
            return Ok(RefundOutcome {
                state: RefundState::NotFound {
                    code: "not_found".into(),
                    message: format!("no refund {ours} in the payment's refundHistory"),
                },
                provider_ref: None,
                provider_status: "not_found".into(),
            });
        };
        if let Some(amount) = &entry.refund_amount {
            check_echo(
                self.session.transport(),
                call,
                "refundHistory[].refundAmount",
                request.amount,
                Some(amount),
            )?;
        }
        let (state, raw) = match &entry.refund_status {
            Some(status) => (
                status.to_state(entry.reason.as_deref().unwrap_or_default()),
                status.code().to_owned(),
            ),
            None => (RefundState::Unrecognised(String::new()), String::new()),
        };
        Ok(RefundOutcome { state, provider_ref: entry.refund_no.clone(), provider_status: raw })
    }

    /// §5.11: a fresh customer token as `tokenId`, then unbinding. `4017400` on renewing the
    /// token means the customer's link is gone (§5.2, §8), as is a freshly renewed token
    /// refused (`401xx02`, §8 of the SNAP standard): `AlreadyUnlinked`.
    async fn unbind(&self, account: &LinkedAccount) -> ProviderResult<UnbindOutcome> {
        let (token, fresh) = match self.customer_access(account, Operation::Unbind, true).await {
            Ok(token) => (token, true),
            Err(ProviderError::InvalidInput { .. }) => {
                (self.customer_access(account, Operation::Unbind, false).await?, false)
            }
            Err(ProviderError::Authentication { code, .. }) if code == CUSTOMER_UNLINKED => {
                self.forget_customer(&account.phone);
                return Ok(UnbindOutcome::AlreadyUnlinked);
            }
            Err(e) => return Err(e),
        };
        let call = self.write(Operation::Unbind);
        let body = to_json(&UnbindBody {
            token_id: token.expose(),
            additional_info: ChannelInfo { channel: CHANNEL },
        });
        let key = format!(
            "unbind:{}:{}",
            account.phone.canonical(),
            account.provider_ref.as_deref().unwrap_or_default()
        );
        let external_id = daily_external_id(&key, OffsetDateTime::now_utc());
        let reply = self.send(call, UNBINDING_PATH, body, None, Some(external_id)).await?;
        if fresh && reply.class() == SnapClass::CustomerToken {
            self.forget_customer(&account.phone);
            return Ok(UnbindOutcome::AlreadyUnlinked);
        }
        let reply = reply.into_result(PRODUCT, call)?;
        let wire: UnbindReply = reply.typed(self.session.transport(), call)?;
        self.forget_customer(&account.phone);
        let redirect = wire
            .additional_info
            .as_ref()
            .and_then(|i| i.get("redirectUrl"))
            .and_then(Value::as_str)
            .is_some_and(|u| !u.is_empty());
        Ok(if redirect || reply.class() == SnapClass::InProgress {
            UnbindOutcome::Pending
        } else {
            UnbindOutcome::Unlinked
        })
    }

    fn verify_notification(
        &self,
        request: &InboundRequest,
    ) -> Result<Notification, NotificationRejection> {
        self.verify_notification_with(request, &|token| self.is_issued_token(token))
    }
}

/// N0 is answered here; N1 and N2 by their reply tables (§5.4, §5.7), and a verified N1 for a
/// transaction we never created by `4045601`.
impl crate::notification::IncomingWebhook for DokuSnapClient {
    fn answer_inbound_request(
        &self,
        request: &InboundRequest,
    ) -> Option<crate::notification::InboundResponse> {
        request
            .path_and_query
            .contains("access-token")
            .then(|| self.answer_token_request(request).into())
    }

    fn acknowledge_notification(
        &self,
        received: crate::notification::Received<'_>,
    ) -> crate::notification::InboundResponse {
        let kind = InboundKind::of(&received.request.body);
        let unknown_payment = !received.names_our_payment
            && kind == InboundKind::Payment
            && matches!(
                received.verified,
                Ok(Notification { event: NotificationEvent::Payment { .. }, .. })
            );
        let answer = if unknown_payment {
            unknown_transaction_answer()
        } else {
            notification_answer(kind, received.verified)
        };
        answer.into()
    }
}

impl From<InboundAnswer> for crate::notification::InboundResponse {
    fn from(answer: InboundAnswer) -> Self {
        crate::notification::InboundResponse {
            status: answer.status,
            content_type: "application/json",
            body: answer.body,
        }
    }
}

#[cfg(test)]
mod tests;
