//! SNAP wire types (§8, §9): the `responseCode` and its classes, the answer envelope, the
//! token answers, and the request and answer bodies DOKU SNAP and OVO SNAP both send and read.
//! Unknown enum values are kept as `Unknown(String)`; extra fields are ignored. An answer
//! type requires only what both products document; a field one product alone sends is
//! `lenient` unless a decision rests on it, so the other product's shape of it cannot fail
//! the answer.

use ovo_domain::{Idr, Product};
use ovo_secrets::Sensitive;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::reply_error;
use crate::error::ProviderResult;
use crate::model::{PaymentState, RefundState, Split};
use crate::transport::{Call, Reply, Transport};
use crate::wire::SnapAmount;

// ---------------------------------------------------------------------------------------------
// Response codes (§8)

/// `responseCode`: HTTP status (3) + service code (2) + case code (2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseCode {
    pub raw: String,
    pub http: u16,
    pub service: String,
    pub case: String,
}

impl ResponseCode {
    pub fn parse(text: &str) -> Option<ResponseCode> {
        let text = text.trim();
        if text.len() != 7 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(ResponseCode {
            raw: text.to_owned(),
            http: text[..3].parse().ok()?,
            service: text[3..5].to_owned(),
            case: text[5..].to_owned(),
        })
    }

    pub fn is(&self, http: u16, case: &str) -> bool {
        self.http == http && self.case == case
    }

    pub fn class(&self) -> SnapClass {
        classify(self.http, Some(&self.case))
    }
}

/// The client classification of §8.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapClass {
    Success,
    InProgress,
    /// `400xx..`
    InvalidRequest,
    /// `401xx01`, `401xx03`: renew the B2B token and retry once.
    B2bToken,
    /// `401xx02`, `401xx04`: the customer token.
    CustomerToken,
    /// `401xx00` and other 401s: configuration (signature, unknown client).
    Unauthorized,
    /// `403xx..`, `404xx..`, `405xx..`: final for this attempt.
    Declined,
    /// `409xx00`: the same `X-EXTERNAL-ID` reached the provider already.
    DuplicateRequest,
    /// `409xx01`: the same `partnerReferenceNo` exists.
    DuplicateReference,
    /// `429xx00`
    Throttled,
    /// `5xx`: outcome unknown.
    ProviderError,
    /// Anything else.
    Unrecognised,
}

/// By HTTP status and case code, never by message text (§8.1).
pub fn classify(http: u16, case: Option<&str>) -> SnapClass {
    match (http, case) {
        (200, Some("00")) | (200, None) => SnapClass::Success,
        (202, _) => SnapClass::InProgress,
        (400, _) => SnapClass::InvalidRequest,
        (401, Some("01" | "03")) => SnapClass::B2bToken,
        (401, Some("02" | "04")) => SnapClass::CustomerToken,
        (401, _) => SnapClass::Unauthorized,
        (403..=405, _) => SnapClass::Declined,
        (409, Some("01")) => SnapClass::DuplicateReference,
        (409, _) => SnapClass::DuplicateRequest,
        (429, _) => SnapClass::Throttled,
        (500..=599, _) => SnapClass::ProviderError,
        _ => SnapClass::Unrecognised,
    }
}

// ---------------------------------------------------------------------------------------------
// Wire types shared by every SNAP answer

/// An integer or a string holding one (`expiresIn`: `900` or `"900"`, house decision 4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(u64),
    Str(String),
}

impl IntOrString {
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            IntOrString::Int(n) => Some(*n),
            IntOrString::Str(s) => s.trim().parse().ok(),
        }
    }
}

/// Reads a field only one product sends: a value of another shape is taken as absent.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()))
}

/// Reads a token the answer relies on into a redacted holder: a wrong shape is refused.
fn secret<'de, D>(deserializer: D) -> Result<Option<Sensitive<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(deserializer)?.map(Sensitive::new))
}

/// [`lenient`], for a token: read into a redacted holder.
fn lenient_secret<'de, D>(deserializer: D) -> Result<Option<Sensitive<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(lenient::<D, String>(deserializer)?.map(Sensitive::new))
}

/// Token answers. `accessToken` and `refreshToken` are both products'; the expiry forms differ
/// (DOKU `expiresIn` or `accessTokenExpiryTime`, OVO any of them or `accessTokenInfo`), so
/// they are lenient: without a readable expiry the token is renewed on `401`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TokenReply {
    #[serde(default, deserialize_with = "secret")]
    pub(super) access_token: Option<Sensitive<String>>,
    #[serde(default, deserialize_with = "secret")]
    pub(super) refresh_token: Option<Sensitive<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub(super) expires_in: Option<IntOrString>,
    #[serde(default, deserialize_with = "lenient")]
    pub(super) access_token_expiry_time: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub(super) access_token_info: Option<AccessTokenInfo>,
}

/// OVO's `accessTokenInfo` (a weak source's form), read field by field.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AccessTokenInfo {
    #[serde(default, deserialize_with = "lenient_secret")]
    pub(super) access_token: Option<Sensitive<String>>,
    #[serde(default, deserialize_with = "lenient_secret")]
    pub(super) refresh_token: Option<Sensitive<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub(super) expires_in: Option<IntOrString>,
}

/// A SNAP answer: HTTP status, the parsed `responseCode` and `responseMessage`, and the body.
#[derive(Debug, Clone)]
pub struct SnapReply {
    pub status: u16,
    /// The raw `responseCode` ("" when absent).
    pub code: String,
    pub parsed: Option<ResponseCode>,
    pub message: String,
    pub body: Value,
}

impl SnapReply {
    /// Reads the envelope; an unreadable body is `MalformedReply` (reads) or an unknown
    /// outcome (writes).
    pub fn parse(transport: &Transport, call: Call, reply: &Reply) -> ProviderResult<SnapReply> {
        let body: Value = transport.json(call, reply)?;
        if !body.is_object() {
            return Err(transport.malformed(call, "the answer is not a JSON object".into()));
        }
        let code = body.get("responseCode").and_then(Value::as_str).unwrap_or_default().to_owned();
        let message =
            body.get("responseMessage").and_then(Value::as_str).unwrap_or_default().to_owned();
        if code.is_empty() && (200..300).contains(&reply.status) {
            return Err(transport.malformed(call, "missing responseCode".into()));
        }
        Ok(SnapReply {
            status: reply.status,
            parsed: ResponseCode::parse(&code),
            code,
            message,
            body,
        })
    }

    pub fn class(&self) -> SnapClass {
        match &self.parsed {
            Some(c) => c.class(),
            None => classify(self.status, None),
        }
    }

    pub fn is(&self, http: u16, case: &str) -> bool {
        self.parsed.as_ref().is_some_and(|c| c.is(http, case))
    }

    /// A refund answer's state: its `refundStatus` when given, else what the code says
    /// (`202…` pending, success done).
    pub fn refund_state(&self, status: Option<&RefundStatus>) -> RefundState {
        match (status, self.class()) {
            (Some(status), _) => status.refund_state(&self.message),
            (None, SnapClass::InProgress) => RefundState::Pending,
            (None, _) => RefundState::Succeeded,
        }
    }

    /// `Ok` for success and in-progress; the classified error otherwise.
    pub fn into_result(self, product: Product, call: Call) -> ProviderResult<SnapReply> {
        match self.class() {
            SnapClass::Success | SnapClass::InProgress => Ok(self),
            _ => Err(reply_error(product, call, &self.code, &self.message, self.status)),
        }
    }

    /// The body as a typed answer; a missing or unreadable field is named in the error
    /// (`transAmount.currency: missing field ...`).
    pub fn decode<T: serde::de::DeserializeOwned>(
        &self,
        transport: &Transport,
        call: Call,
    ) -> ProviderResult<T> {
        decode_body(&self.body).map_err(|detail| transport.malformed(call, detail))
    }
}

/// A body as a typed answer; the error names the field at fault.
fn decode_body<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, String> {
    serde_path_to_error::deserialize(body).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// Payment vocabulary both SNAP products share

/// `latestTransactionStatus` (§9.2); unknown values are kept. How a status maps onto a
/// `PaymentState` stays with each product (DOKU reads "expired" out of the description).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionStatus {
    Success,
    Initiated,
    Paying,
    Pending,
    Refunded,
    Cancelled,
    Failed,
    NotFound,
    Unknown(String),
}

impl From<String> for TransactionStatus {
    fn from(s: String) -> Self {
        match s.trim() {
            "00" => TransactionStatus::Success,
            "01" => TransactionStatus::Initiated,
            "02" => TransactionStatus::Paying,
            "03" => TransactionStatus::Pending,
            "04" => TransactionStatus::Refunded,
            "05" => TransactionStatus::Cancelled,
            "06" => TransactionStatus::Failed,
            "07" => TransactionStatus::NotFound,
            _ => TransactionStatus::Unknown(s),
        }
    }
}

impl<'de> Deserialize<'de> for TransactionStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(TransactionStatus::from)
    }
}

impl TransactionStatus {
    /// The payment state this status stands for; `code` and `description` are kept for a
    /// failure or a missing record (`07`: no record yet, never a failure on its own).
    pub fn payment_state(&self, code: &str, description: &str) -> PaymentState {
        let (code, message) = (code.to_owned(), description.to_owned());
        match self {
            TransactionStatus::Success => PaymentState::Succeeded,
            TransactionStatus::Initiated
            | TransactionStatus::Paying
            | TransactionStatus::Pending => PaymentState::Pending,
            TransactionStatus::Refunded => PaymentState::Refunded,
            TransactionStatus::Cancelled => PaymentState::Cancelled,
            TransactionStatus::Failed => PaymentState::Failed { code, message },
            TransactionStatus::NotFound => PaymentState::NotFound { code, message },
            TransactionStatus::Unknown(s) => PaymentState::Unrecognised(s.clone()),
        }
    }

    /// The wire code, for support.
    pub fn code(&self) -> &str {
        match self {
            TransactionStatus::Success => "00",
            TransactionStatus::Initiated => "01",
            TransactionStatus::Paying => "02",
            TransactionStatus::Pending => "03",
            TransactionStatus::Refunded => "04",
            TransactionStatus::Cancelled => "05",
            TransactionStatus::Failed => "06",
            TransactionStatus::NotFound => "07",
            TransactionStatus::Unknown(s) => s,
        }
    }
}

/// `refundStatus` (§9.2: `00`, `03`, `06`; `01`/`02` read as pending); unknown values are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundStatus {
    Success,
    Pending,
    Failed,
    Unknown(String),
}

impl From<String> for RefundStatus {
    fn from(s: String) -> Self {
        match s.trim() {
            "00" => RefundStatus::Success,
            "01" | "02" | "03" => RefundStatus::Pending,
            "06" => RefundStatus::Failed,
            _ => RefundStatus::Unknown(s),
        }
    }
}

impl<'de> Deserialize<'de> for RefundStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(RefundStatus::from)
    }
}

impl RefundStatus {
    pub fn code(&self) -> &str {
        match self {
            RefundStatus::Success => "00",
            RefundStatus::Pending => "03",
            RefundStatus::Failed => "06",
            RefundStatus::Unknown(s) => s,
        }
    }

    pub fn refund_state(&self, message: &str) -> RefundState {
        match self {
            RefundStatus::Success => RefundState::Succeeded,
            RefundStatus::Pending => RefundState::Pending,
            RefundStatus::Failed => {
                RefundState::Failed { code: "06".into(), message: message.to_owned() }
            }
            RefundStatus::Unknown(s) => RefundState::Unrecognised(s.clone()),
        }
    }
}

/// OVO's two pockets, as `payOptionDetails[].payMethod` and `accountInfos[].balanceType` name
/// them (`CASH`, `POINTS`, also `POINT`, any case); other values are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pocket {
    Cash,
    Points,
    Unknown(String),
}

impl From<String> for Pocket {
    fn from(s: String) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "CASH" => Pocket::Cash,
            "POINTS" | "POINT" => Pocket::Points,
            _ => Pocket::Unknown(s),
        }
    }
}

impl Pocket {
    pub fn as_str(&self) -> &str {
        match self {
            Pocket::Cash => "CASH",
            Pocket::Points => "POINTS",
            Pocket::Unknown(s) => s,
        }
    }
}

impl serde::Serialize for Pocket {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Pocket {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Pocket::from)
    }
}

/// One line of `payOptionDetails`: how much comes from which pocket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayOption {
    pub pay_method: Pocket,
    pub trans_amount: SnapAmount,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_amount: Option<SnapAmount>,
}

/// The cash/points split the options add up to; None when empty or not readable.
pub fn split_of(options: &[PayOption]) -> Option<Split> {
    if options.is_empty() {
        return None;
    }
    let mut split = Split { cash: Idr::ZERO, points: Idr::ZERO };
    for option in options {
        let amount = option.trans_amount.to_idr().ok()?;
        match option.pay_method {
            Pocket::Cash => split.cash = split.cash.checked_add(amount)?,
            Pocket::Points => split.points = split.points.checked_add(amount)?,
            Pocket::Unknown(_) => return None,
        }
    }
    Some(split)
}

// ---------------------------------------------------------------------------------------------
// Request bodies both SNAP products send (field order is the order sent, and signed; a field
// one product does not send is `None` and left out)

/// Account binding (DOKU §5.3, OVO §6.2).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<&'a str>,
    pub phone_no: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<&'a str>,
    pub additional_info: BindingBodyInfo<'a>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingBodyInfo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<&'a str>,
    pub cust_id_merchant: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_registration_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_registration_url: Option<&'a str>,
}

/// Direct debit; `additional_info` is each product's own.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentBody<'a, I> {
    pub partner_reference_no: &'a str,
    pub amount: SnapAmount,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub url_params: Vec<UrlParam<'a>>,
    pub pay_option_details: Vec<PayOption>,
    pub additional_info: I,
}

/// One `urlParams` entry (OVO: the PIN webview's return).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UrlParam<'a> {
    pub url: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub is_deeplink: &'static str,
}

/// Status inquiry (§9.2).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody<'a, I> {
    pub original_partner_reference_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<&'a str>,
    pub service_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<SnapAmount>,
    pub additional_info: I,
}

/// Refund.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundBody<'a, I> {
    pub original_partner_reference_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_reference_no: Option<&'a str>,
    pub partner_refund_no: &'a str,
    pub refund_amount: SnapAmount,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    pub additional_info: I,
}

/// A request body exactly as sent and signed.
pub fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising these plain structs cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Answers both SNAP products read: the fields both document, and each product's own fields
// (lenient unless a decision rests on them; then a wrong shape is refused, the field named)

/// Binding `additionalInfo.status` / `accountStatus` (DOKU §5.3, §5.4).
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

/// Binding answer. `redirectUrl` is both products' (mandatory at DOKU); the rest is one
/// product's and lenient: OVO reads its link and `linkageToken` from several places and names
/// them when none is readable.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingReply {
    #[serde(default, deserialize_with = "lenient")]
    pub reference_no: Option<String>,
    pub redirect_url: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub web_redirect_url: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub pin_web_view_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_secret")]
    pub linkage_token: Option<Sensitive<String>>,
    /// DOKU's Java SDK form (house decision 4).
    #[serde(default, deserialize_with = "lenient")]
    pub account_status: Option<BindingStatus>,
    /// Read field by field: OVO does not publish this object's shape, so a field of another
    /// type is left out rather than failing the whole reply.
    #[serde(default, deserialize_with = "lenient")]
    pub additional_info: Option<BindingReplyInfo>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingReplyInfo {
    #[serde(default, deserialize_with = "lenient")]
    pub status: Option<BindingStatus>,
    #[serde(default, deserialize_with = "lenient")]
    pub account_status: Option<BindingStatus>,
    #[serde(default, deserialize_with = "lenient_secret")]
    pub auth_code: Option<Sensitive<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub cust_id_merchant: Option<String>,
    #[serde(default, deserialize_with = "lenient_secret")]
    pub linkage_token: Option<Sensitive<String>>,
}

impl BindingReply {
    /// `additionalInfo.status`, else either `accountStatus` (house decision 4).
    pub fn status(&self) -> Option<&BindingStatus> {
        let info = self.additional_info.as_ref();
        info.and_then(|i| i.status.as_ref().or(i.account_status.as_ref()))
            .or(self.account_status.as_ref())
    }

    /// `additionalInfo.authCode`.
    pub fn auth_code(&self) -> Option<&Sensitive<String>> {
        self.additional_info.as_ref()?.auth_code.as_ref()
    }
}

/// Balance answer: both products document `accountInfos[]` with `balanceType`, `amount` and
/// `availableBalance` (ASPI 11), all read strictly; other fields are ignored.
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

/// Payment answer. `referenceNo` and `webRedirectUrl` are both products'. The echoes
/// `partnerReferenceNo` (DOKU) and `amount` (OVO) are checked against what was sent, and OVO
/// reads `latestTransactionStatus`: all three stay strict. `appRedirectUrl` (OVO) is lenient.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentReply {
    pub reference_no: Option<String>,
    pub partner_reference_no: Option<String>,
    pub web_redirect_url: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub app_redirect_url: Option<String>,
    pub amount: Option<SnapAmount>,
    pub latest_transaction_status: Option<TransactionStatus>,
}

/// Status answer (service 55). Only `latestTransactionStatus` is mandatory (both products).
/// The amount echoes (`transAmount` DOKU, `amount` both) and `refundHistory` (a refund is
/// looked up there before any resend) stay strict; `approvalCode`, `paidTime` (DOKU) and
/// `payOptionDetails` (the split, informational) are lenient.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReply {
    pub original_partner_reference_no: Option<String>,
    pub original_reference_no: Option<String>,
    pub latest_transaction_status: TransactionStatus,
    pub transaction_status_desc: Option<String>,
    pub trans_amount: Option<SnapAmount>,
    pub amount: Option<SnapAmount>,
    #[serde(default, deserialize_with = "lenient")]
    pub approval_code: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub paid_time: Option<String>,
    #[serde(default)]
    pub refund_history: Vec<RefundHistoryEntry>,
    /// `None` when absent or unreadable: OVO may carry it in `additionalInfo` instead.
    #[serde(default, deserialize_with = "lenient")]
    pub pay_option_details: Option<Vec<PayOption>>,
    #[serde(default)]
    pub additional_info: Value,
}

impl StatusReply {
    /// `additionalInfo.channel`, else `channelId` (DOKU, house decision 4).
    pub fn channel(&self) -> Option<&str> {
        let info = &self.additional_info;
        info.get("channel")
            .and_then(Value::as_str)
            .or_else(|| info.get("channelId").and_then(Value::as_str))
    }

    /// The cash/points split from `payOptionDetails`, top level or in `additionalInfo`.
    pub fn paid_split(&self) -> Option<Split> {
        match &self.pay_option_details {
            Some(options) => split_of(options),
            None => split_of(
                &serde_json::from_value::<Vec<PayOption>>(
                    self.additional_info.get("payOptionDetails")?.clone(),
                )
                .ok()?,
            ),
        }
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
    #[serde(default, deserialize_with = "lenient")]
    pub refund_date: Option<String>,
    /// Kept as a failed refund's message only.
    #[serde(default, deserialize_with = "lenient")]
    pub reason: Option<String>,
}

impl RefundHistoryEntry {
    pub fn partner_refund_no(&self) -> Option<&str> {
        self.partner_refund_no.as_deref().or(self.partner_reference_no.as_deref())
    }
}

/// Refund answer (service 58): both products document `refundNo`, `partnerRefundNo` and
/// `refundAmount` (checked against what was sent). `refundStatus`, which neither documents
/// here, decides the state when given and stays strict. `refundTime` is not read and its form
/// differs (DOKU may leave out the zone): lenient.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundReply {
    pub refund_no: Option<String>,
    pub partner_refund_no: Option<String>,
    pub refund_amount: Option<SnapAmount>,
    pub refund_status: Option<RefundStatus>,
    #[serde(default, deserialize_with = "lenient")]
    pub refund_time: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, String> {
        decode_body(&serde_json::from_str(json).unwrap())
    }

    fn exposed(secret: &Option<Sensitive<String>>) -> Option<&str> {
        secret.as_ref().map(|s| s.expose().as_str())
    }

    fn idr(rupiah: i64) -> Option<Idr> {
        Some(Idr::new(rupiah).unwrap())
    }

    const AMOUNT: &str = r#"{"value":"10000.00","currency":"IDR"}"#;

    #[test]
    fn token_answers_of_both_products_parse_and_the_other_expiry_form_is_lenient() {
        let doku_b2b: TokenReply = read(r#"{"responseCode":"2007300","responseMessage":"Successful","accessToken":"eyJ","tokenType":"Bearer","expiresIn":900,"additionalInfo":""}"#).unwrap();
        assert_eq!(doku_b2b.expires_in.and_then(|e| e.as_u64()), Some(900));
        let doku_b2b2c: TokenReply = read(r#"{"responseCode":"2007400","accessToken":"A","tokenType":"Bearer","accessTokenExpiryTime":"2024-01-01T10:15:00+07:00","refreshToken":"R","refreshTokenExpiryTime":"2024-02-01T10:15:00+07:00","additionalInfo":{}}"#).unwrap();
        assert_eq!(exposed(&doku_b2b2c.refresh_token), Some("R"));
        assert!(doku_b2b2c.access_token_expiry_time.is_some());
        let ovo: TokenReply = read(r#"{"responseCode":"2007400","accessTokenInfo":{"accessToken":"A","refreshToken":"R","expiresIn":"900"}}"#).unwrap();
        let info = ovo.access_token_info.unwrap();
        assert_eq!(
            (exposed(&info.access_token), info.expires_in.and_then(|e| e.as_u64())),
            (Some("A"), Some(900))
        );

        // DOKU carrying OVO's object as a string, OVO carrying DOKU's expiry as a number.
        let doku: TokenReply =
            read(r#"{"accessToken":"A","expiresIn":900,"accessTokenInfo":""}"#).unwrap();
        assert!(doku.access_token_info.is_none());
        let ovo: TokenReply = read(
            r#"{"accessToken":"A","accessTokenExpiryTime":1704078900,"expiresIn":{"seconds":900}}"#,
        )
        .unwrap();
        assert_eq!(
            (exposed(&ovo.access_token), ovo.access_token_expiry_time, ovo.expires_in),
            (Some("A"), None, None)
        );
        // The token itself is relied on: a wrong shape is refused and named.
        let e = read::<TokenReply>(r#"{"accessToken":42}"#).unwrap_err();
        assert!(e.starts_with("accessToken"), "{e}");
    }

    #[test]
    fn binding_answers_of_both_products_parse_and_the_other_products_fields_are_lenient() {
        let doku: BindingReply = read(r#"{"responseCode":"2000700","responseMessage":"Successful","referenceNo":"129260743966","redirectUrl":"https://sandbox.doku.com/direct-debit/ui/binding/1","additionalInfo":{"custIdMerchant":"CUST-001","status":"PENDING","authCode":"AC"}}"#).unwrap();
        assert_eq!(
            (doku.status(), doku.auth_code().map(|c| c.expose().as_str())),
            (Some(&BindingStatus::Pending), Some("AC"))
        );
        let ovo: BindingReply = read(r#"{"responseCode":"2000700","redirectUrl":"https://ovo/activation","linkageToken":"LT"}"#).unwrap();
        assert_eq!(exposed(&ovo.linkage_token), Some("LT"));

        let doku: BindingReply = read(r#"{"redirectUrl":"https://x","linkageToken":{"value":"LT"},"pinWebViewUrl":false,"webRedirectUrl":7}"#).unwrap();
        assert_eq!(
            (doku.linkage_token.is_none(), doku.pin_web_view_url, doku.web_redirect_url),
            (true, None, None)
        );
        let ovo: BindingReply = read(r#"{"redirectUrl":"https://x","linkageToken":"LT","accountStatus":1,"referenceNo":12345}"#).unwrap();
        assert_eq!(
            (ovo.account_status, ovo.reference_no, exposed(&ovo.linkage_token)),
            (None, None, Some("LT"))
        );
        let e = read::<BindingReply>(r#"{"redirectUrl":["https://x"]}"#).unwrap_err();
        assert!(e.starts_with("redirectUrl"), "{e}");
    }

    #[test]
    fn token_holding_types_redact_their_secrets_when_formatted() {
        use crate::model::{BindStarted, CompleteBinding, LinkedAccount};
        use crate::products::doku_snap::sign::IssuedToken;
        use crate::products::faspay::sign::Signer;
        use ovo_domain::{Msisdn, Reference};

        const SECRET: &str = "S3CRET-token-4f1c9a";
        let held = || Some(Sensitive::new(SECRET.to_owned()));
        let phone = Msisdn::parse("081234567890").unwrap();
        let reference = Reference::parse("LNK0000000000001").unwrap();
        let token: TokenReply = read(&format!(
            r#"{{"accessToken":"{SECRET}","refreshToken":"{SECRET}","accessTokenInfo":{{"accessToken":"{SECRET}","refreshToken":"{SECRET}"}}}}"#
        ))
        .unwrap();
        let binding: BindingReply = read(&format!(
            r#"{{"redirectUrl":"https://x","linkageToken":"{SECRET}","additionalInfo":{{"authCode":"{SECRET}","linkageToken":"{SECRET}"}}}}"#
        ))
        .unwrap();
        assert_eq!(exposed(&token.access_token), Some(SECRET), "the table holds the secret");
        assert_eq!(binding.auth_code().map(|c| c.expose().as_str()), Some(SECRET));

        let shown: Vec<(&str, String)> = vec![
            ("TokenReply", format!("{token:?}")),
            ("AccessTokenInfo", format!("{:?}", token.access_token_info)),
            ("BindingReply", format!("{binding:?}")),
            ("BindingReplyInfo", format!("{:#?}", binding.additional_info)),
            (
                "CustomerGrant::AuthorizationCode",
                format!(
                    "{:?}",
                    crate::products::snap::CustomerGrant::AuthorizationCode(SECRET.into())
                ),
            ),
            (
                "CustomerGrant::RefreshToken",
                format!("{:?}", crate::products::snap::CustomerGrant::RefreshToken(SECRET.into())),
            ),
            (
                "CustomerToken",
                format!(
                    "{:?}",
                    crate::products::snap::CustomerToken {
                        access_token: SECRET.into(),
                        refresh_token: held(),
                        expires_at: None
                    }
                ),
            ),
            (
                "LinkedAccount",
                format!(
                    "{:?}",
                    LinkedAccount {
                        phone: phone.clone(),
                        provider_ref: None,
                        token: held(),
                        refresh_token: held(),
                        token_expires_at: None
                    }
                ),
            ),
            (
                "BindStarted",
                format!(
                    "{:?}",
                    BindStarted {
                        redirect_url: "https://x".into(),
                        provider_ref: None,
                        pending_token: held()
                    }
                ),
            ),
            (
                "CompleteBinding",
                format!(
                    "{:?}",
                    CompleteBinding {
                        reference,
                        phone,
                        provider_ref: None,
                        auth_code: held(),
                        pending_token: held()
                    }
                ),
            ),
            (
                "IssuedToken",
                format!("{:?}", IssuedToken { access_token: SECRET.into(), expires_in: 900 }),
            ),
            ("faspay Signer", format!("{:?}", Signer::new(SECRET.into(), SECRET.into()))),
        ];
        for (kind, text) in shown {
            assert!(!text.contains(SECRET), "{kind} shows its secret: {text}");
            assert!(text.contains("[redacted]"), "{kind} does not say what it hides: {text}");
        }
    }

    #[test]
    fn balance_answers_of_both_products_parse_and_unread_extras_are_ignored() {
        let doku: BalanceReply = read(&format!(r#"{{"responseCode":"2001100","accountInfos":[{{"balanceType":"CASH","amount":{AMOUNT},"availableBalance":{AMOUNT},"flatAmount":{AMOUNT},"holdAmount":{{"value":"0.00","currency":"IDR"}}}}]}}"#)).unwrap();
        assert_eq!(doku.account_infos[0].balance().map(|a| a.to_idr().ok()), Some(idr(10_000)));
        let ovo: BalanceReply = read(&format!(r#"{{"responseCode":"2001100","accountInfos":[{{"balanceType":"CASH","amount":{AMOUNT},"availableBalance":{AMOUNT}}},{{"balanceType":"POINTS","amount":{AMOUNT}}}]}}"#)).unwrap();
        assert_eq!(ovo.account_infos[1].balance_type, Pocket::Points);

        let ovo: BalanceReply = read(&format!(r#"{{"accountInfos":[{{"balanceType":"CASH","availableBalance":{AMOUNT},"flatAmount":"10000","holdAmount":0}}]}}"#)).unwrap();
        assert_eq!(ovo.account_infos[0].balance().map(|a| a.to_idr().ok()), Some(idr(10_000)));
        // The balance itself is relied on: a wrong shape is refused and named.
        let e = read::<BalanceReply>(
            r#"{"accountInfos":[{"balanceType":"CASH","availableBalance":"10000.00"}]}"#,
        )
        .unwrap_err();
        assert!(e.starts_with("accountInfos[0].availableBalance"), "{e}");
    }

    #[test]
    fn payment_answers_of_both_products_parse_and_echoes_stay_strict() {
        let doku: PaymentReply = read(r#"{"responseCode":"2005400","responseMessage":"Successful","referenceNo":"FBpA","webRedirectUrl":"https://sandbox.doku.com/direct-debit/ui/payment/core/1"}"#).unwrap();
        assert_eq!(doku.reference_no.as_deref(), Some("FBpA"));
        let ovo: PaymentReply = read(&format!(r#"{{"responseCode":"2005400","referenceNo":"R","partnerReferenceNo":"P","webRedirectUrl":"https://ovo/pin","appRedirectUrl":"ovo://pin","amount":{AMOUNT}}}"#)).unwrap();
        assert_eq!(ovo.app_redirect_url.as_deref(), Some("ovo://pin"));

        let doku: PaymentReply = read(r#"{"referenceNo":"FBpA","webRedirectUrl":"https://x","appRedirectUrl":{"android":"ovo://pin"}}"#).unwrap();
        assert_eq!(
            (doku.app_redirect_url, doku.web_redirect_url.as_deref()),
            (None, Some("https://x"))
        );
        // The amount echo is checked against what was sent: a wrong shape is refused and named.
        let e = read::<PaymentReply>(r#"{"referenceNo":"FBpA","amount":"20000"}"#).unwrap_err();
        assert!(e.starts_with("amount"), "{e}");
    }

    #[test]
    fn status_answers_of_both_products_parse_and_the_other_products_fields_are_lenient() {
        let doku: StatusReply = read(&format!(r#"{{"responseCode":"2005500","originalPartnerReferenceNo":"P","originalReferenceNo":"R","approvalCode":"201039000200","originalExternalId":"E","serviceCode":"55","latestTransactionStatus":"00","transactionStatusDesc":"success",
            "refundHistory":[{{"refundNo":"RN","partnerReferenceNo":"PR","refundAmount":{AMOUNT},"refundStatus":"00","refundDate":"2020-12-23T07:44:16+07:00","reason":"Customer Complain"}}],
            "transAmount":{AMOUNT},"feeAmount":{{"value":"0.00","currency":"IDR"}},"paidTime":"2020-12-21T14:56:11+07:00","additionalInfo":{{"channel":"EMONEY_OVO_SNAP"}}}}"#)).unwrap();
        assert_eq!(
            (doku.latest_transaction_status, doku.approval_code.as_deref()),
            (TransactionStatus::Success, Some("201039000200"))
        );
        assert_eq!(doku.refund_history[0].partner_refund_no(), Some("PR"));
        let options = format!(r#"[{{"payMethod":"POINTS","transAmount":{AMOUNT}}}]"#);
        let ovo: StatusReply = read(&format!(r#"{{"responseCode":"2005500","originalPartnerReferenceNo":"P","originalReferenceNo":"R","serviceCode":"54","latestTransactionStatus":"00","transactionStatusDesc":"Success","amount":{AMOUNT},"additionalInfo":{{"payOptionDetails":{options}}}}}"#)).unwrap();
        assert_eq!(ovo.paid_split().map(|s| s.points), idr(10_000));

        let ovo: StatusReply = read(&format!(r#"{{"latestTransactionStatus":"00","amount":{AMOUNT},"paidTime":1700000000,"approvalCode":123,"payOptionDetails":{{"CASH":"1"}},"additionalInfo":{{"payOptionDetails":{options}}}}}"#)).unwrap();
        assert_eq!(
            (
                ovo.paid_time.as_ref(),
                ovo.approval_code.as_ref(),
                ovo.paid_split().map(|s| s.points)
            ),
            (None, None, idr(10_000))
        );
        let doku: StatusReply = read(r#"{"latestTransactionStatus":"00","refundHistory":[{"partnerRefundNo":"PR","refundStatus":"00","refundDate":20201223,"reason":{"code":1}}]}"#).unwrap();
        assert_eq!(
            (doku.refund_history[0].reason.as_ref(), doku.refund_history[0].refund_date.as_ref()),
            (None, None)
        );
        // The amount echo and the refund history are relied on: a wrong shape is refused and named.
        let e = read::<StatusReply>(r#"{"latestTransactionStatus":"00","transAmount":"10000.00"}"#)
            .unwrap_err();
        assert!(e.starts_with("transAmount"), "{e}");
        let e = read::<StatusReply>(
            r#"{"latestTransactionStatus":"00","refundHistory":[{"refundStatus":0}]}"#,
        )
        .unwrap_err();
        assert!(e.starts_with("refundHistory[0].refundStatus"), "{e}");
    }

    #[test]
    fn refund_answers_of_both_products_parse_and_the_refund_time_is_lenient() {
        let doku: RefundReply = read(&format!(r#"{{"responseCode":"2005800","responseMessage":"Successful","refundAmount":{AMOUNT},"originalPartnerReferenceNo":"P","originalReferenceNo":"R","refundNo":"RN","partnerRefundNo":"PR","refundTime":"2024-01-01T09:09:00.123"}}"#)).unwrap();
        assert_eq!(doku.refund_amount.map(|a| a.to_idr().ok()), Some(idr(10_000)));
        let ovo: RefundReply = read(&format!(r#"{{"responseCode":"2005800","refundNo":"RN","partnerRefundNo":"PR","refundTime":"2024-01-01T09:09:00+07:00","refundAmount":{AMOUNT},"originalPartnerReferenceNo":"P","originalReferenceNo":"R"}}"#)).unwrap();
        assert_eq!(ovo.refund_no.as_deref(), Some("RN"));

        let ovo: RefundReply = read(r#"{"refundNo":"RN","refundTime":1704074940000}"#).unwrap();
        assert_eq!((ovo.refund_no.as_deref(), ovo.refund_time), (Some("RN"), None));
        // A given refundStatus decides the state: a wrong shape is refused and named.
        let e = read::<RefundReply>(r#"{"refundNo":"RN","refundStatus":0}"#).unwrap_err();
        assert!(e.starts_with("refundStatus"), "{e}");
    }
    #[test]
    fn int_or_string_expiry() {
        let a: IntOrString = serde_json::from_str("900").unwrap();
        let b: IntOrString = serde_json::from_str("\"900\"").unwrap();
        assert_eq!((a.as_u64(), b.as_u64()), (Some(900), Some(900)));
    }
}
