//! DOKU SNAP wire types beside the SNAP ones (`additionalInfo` forms, the unbinding, the
//! status mapping), the N1/N2 notification bodies and the merchant's answers to them.

use ovo_domain::{Idr, Msisdn, Timestamp};
use ovo_secrets::Sensitive;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CHANNEL, PRODUCT};
use crate::model::PaymentState;
use crate::notification::{Notification, NotificationEvent, NotificationRejection};
use crate::products::snap::{
    parse_timestamp, to_json, BindingBody, BindingBodyInfo, BindingReply, BindingStatus,
    TransactionStatus,
};
use crate::wire::SnapAmount;

// ---------------------------------------------------------------------------------------------
// Wire types: requests (field order is the order sent, and signed)

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelInfo<'a> {
    pub channel: &'a str,
}

/// `additionalInfo` of every call but binding and payment: the channel alone.
pub const CHANNEL_INFO: ChannelInfo<'static> = ChannelInfo { channel: CHANNEL };

/// The binding body (§5.3), exactly as sent and signed.
pub fn binding_body(
    phone: &Msisdn,
    cust_id_merchant: &str,
    success_url: &str,
    failed_url: &str,
) -> String {
    let body = BindingBody {
        merchant_id: None,
        partner_reference_no: None,
        phone_no: phone.canonical().to_owned(),
        redirect_url: None,
        additional_info: BindingBodyInfo {
            channel: Some(CHANNEL),
            cust_id_merchant,
            success_registration_url: Some(success_url),
            failed_registration_url: Some(failed_url),
        },
    };
    to_json(&body)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceBody<'a> {
    pub additional_info: ChannelInfo<'a>,
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
pub struct UnbindBody<'a> {
    pub token_id: &'a str,
    pub additional_info: ChannelInfo<'a>,
}

// ---------------------------------------------------------------------------------------------
// Wire types: answers

/// The binding's `redirectUrl`, mandatory at DOKU (§5.3).
pub fn binding_redirect(reply: &BindingReply) -> Result<&str, String> {
    reply.redirect_url.as_deref().ok_or_else(|| "missing field `redirectUrl`".to_owned())
}

/// A transaction status and its description as our payment state. `06` "Transaction
/// Expired" is `Expired` (the one case where DOKU reuses `06`, §5.6).
pub fn payment_state(status: &TransactionStatus, code: &str, description: &str) -> PaymentState {
    match status {
        TransactionStatus::Failed if description.to_ascii_lowercase().contains("expired") => {
            PaymentState::Expired
        }
        _ => status.payment_state(code, description),
    }
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
    parse_timestamp(text).or_else(|| {
        // The wall clock read with the same RFC 3339 grammar, then placed on the WIB clock.
        let wall_clock = parse_timestamp(&format!("{}Z", text.trim()))?;
        Some(Timestamp::from_wib(wall_clock.to_utc().naive_utc()))
    })
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
    pub(super) fn snap(status: u16, code: String, message: &str) -> InboundAnswer {
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
