//! DOKU SNAP request fields and control views.

use super::*;

pub(super) fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// A mandatory string of at most `max` characters.
pub(super) fn required(v: &Value, key: &str, label: &str, max: usize) -> Result<String, SnapError> {
    let text = str_field(v, key).ok_or_else(|| SnapError::missing_field(&format!("[{label}]")))?;
    if text.chars().count() > max {
        return Err(SnapError::invalid_field(&format!("[{label}]")));
    }
    Ok(text.to_owned())
}

/// `additionalInfo.channel` must be `EMONEY_OVO_SNAP`; `channelId` is read when `channel` is
/// absent (house decision 4).
pub(super) fn check_channel(info: Option<&Value>, mandatory: bool) -> Result<(), SnapError> {
    let info = info.filter(|v| v.is_object());
    match info.and_then(|i| str_field(i, "channel")) {
        Some(CHANNEL) => Ok(()),
        Some(_) => Err(SnapError::invalid_field("[additionalInfo.channel]")),
        None => match info.and_then(|i| str_field(i, "channelId")) {
            Some(CHANNEL) => Ok(()),
            _ if !mandatory => Ok(()),
            _ => Err(SnapError::missing_field("[additionalInfo.channel]")),
        },
    }
}

pub(super) fn parse_object(body: &[u8]) -> Result<Value, SnapError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(SnapError::invalid_field("[body]")),
    }
}

pub(super) fn random_digits(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

pub(super) fn binding_view(b: &Binding) -> Value {
    json!({
        "referenceNo": b.reference_no, "clientId": b.client_id, "phoneNo": b.phone, "custIdMerchant": b.cust_id_merchant,
        "status": b.status.name(), "authCode": b.auth_code, "pendingActionId": b.action_id,
    })
}

pub(super) fn payment_view(p: &Payment) -> Value {
    json!({
        "clientId": p.client_id, "partnerReferenceNo": p.partner_reference_no, "referenceNo": p.reference_no,
        "externalId": p.external_id, "bindingReferenceNo": p.binding_ref, "phoneNo": p.phone, "amount": p.amount,
        "cash": p.charge.cash, "points": p.charge.points, "paymentType": p.payment_type.name(),
        "latestTransactionStatus": p.code(), "transactionStatusDesc": p.desc(), "refunded": p.refunded(),
        "createdAt": snap::format_timestamp_seconds(p.created_at), "paidTime": p.paid_at.map(snap::format_timestamp_seconds),
        "pendingActionId": p.action_id,
        "refunds": p.refunds.iter().map(|r| json!({"refundNo": r.refund_no, "partnerRefundNo": r.partner_refund_no, "amount": r.amount, "cash": r.split.cash, "points": r.split.points})).collect::<Vec<_>>(),
    })
}
