//! OVO SNAP wire forms beside the SNAP ones: the status mapping, the payment callback (ASPI 56,
//! §12) and the readings of values OVO may put in more than one place.

use ovo_domain::Idr;
use serde::Deserialize;
use serde_json::Value;

use super::PRODUCT;
use crate::model::PaymentState;
use crate::notification::{Notification, NotificationEvent, NotificationRejection};
use crate::products::snap::TransactionStatus;
use crate::wire::SnapAmount;

/// OVO SNAP's reading of the shared status and its description.
pub fn payment_state(status: &TransactionStatus, description: Option<&str>) -> PaymentState {
    status.payment_state(status.code(), description.unwrap_or_default())
}

/// The payment callback (ASPI 56, §12).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackBody {
    pub original_reference_no: String,
    pub latest_transaction_status: TransactionStatus,
    pub original_partner_reference_no: Option<String>,
    pub amount: Option<SnapAmount>,
    pub transaction_status_desc: Option<String>,
    pub finished_time: Option<String>,
}

pub(super) fn amount_of(field: &'static str, amount: &SnapAmount) -> Result<Idr, String> {
    amount.to_idr().map_err(|e| format!("{field}: {e}"))
}

/// The first non-empty string at one of `pointers`.
pub(super) fn first_string(value: &Value, pointers: &[&str]) -> Option<String> {
    pointers
        .iter()
        .find_map(|p| value.pointer(p).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Parses the callback body; a missing mandatory field is named.
pub fn parse_callback(body: &str) -> Result<CallbackBody, NotificationRejection> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| NotificationRejection::Malformed(e.to_string()))?;
    for field in ["originalReferenceNo", "latestTransactionStatus"] {
        if value.get(field).is_none_or(Value::is_null) {
            return Err(NotificationRejection::MissingField(field));
        }
    }
    serde_json::from_value(value).map_err(|e| NotificationRejection::Malformed(e.to_string()))
}

/// Parses a verified callback into the shared event; the dedup key is the payment and its
/// status, the same for every delivery of one outcome.
pub fn parse_notification(body: &str) -> Result<Notification, NotificationRejection> {
    let body = parse_callback(body)?;
    let amount = match &body.amount {
        Some(a) => {
            Some(a.to_idr().map_err(|e| NotificationRejection::Malformed(format!("amount: {e}")))?)
        }
        None => None,
    };
    let dedup_key = format!(
        "ovo_snap:payment:{}:{}",
        body.original_reference_no,
        body.latest_transaction_status.code()
    );
    let state =
        payment_state(&body.latest_transaction_status, body.transaction_status_desc.as_deref());
    Ok(Notification {
        product: PRODUCT,
        event: NotificationEvent::Payment {
            merchant_ref: body.original_partner_reference_no,
            provider_ref: Some(body.original_reference_no),
            state,
            amount,
        },
        dedup_key,
    })
}
