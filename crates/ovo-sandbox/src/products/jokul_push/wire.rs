//! Jokul push on the wire: the push request, the payment and status bodies, error answers and
//! timestamps.

use super::*;

/// DOKU's non-SNAP error shape (spec §13, §14 #4).
pub(super) fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": { "code": code, "message": message.into(), "type": "invalid_request_error" } }))).into_response()
}

pub(super) fn bad_request(code: &str, message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, code, message)
}

pub(super) fn now_utc_text() -> String {
    clock::rfc3339_seconds(clock::now())
}

/// `yyyyMMddHHmmss` in WIB, Asia/Jakarta (spec §7).
pub(super) fn wib_stamp() -> String {
    clock::jakarta_text(clock::now(), "%Y%m%d%H%M%S")
}

pub(super) fn random_id() -> String {
    let mut rng = rand::thread_rng();
    let a: u128 = rng.gen();
    let h = format!("{a:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

pub(super) fn field<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

pub(super) fn string_field(value: &Value, path: &[&str]) -> Result<String, String> {
    let name = path.join(".");
    match field(value, path) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(format!("{name} is mandatory")),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

/// The request body (spec §4); an error names the field.
pub(super) fn parse_push(body: &[u8]) -> Result<PushRequest, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let client_id = string_field(&value, &["client", "id"])?;
    let invoice_number = string_field(&value, &["order", "invoice_number"])?;
    if invoice_number.chars().count() > 64 || !invoice_number.chars().all(|c| c.is_ascii_graphic())
    {
        return Err(
            "order.invoice_number must be at most 64 letters, digits or special characters".into(),
        );
    }
    let amount = match field(&value, &["order", "amount"]) {
        None | Some(Value::Null) => return Err("order.amount is mandatory".into()),
        Some(Value::Number(n)) => {
            n.as_u64().ok_or("order.amount must be a whole number of rupiah, without decimals")?
        }
        Some(_) => return Err("order.amount must be a number".into()),
    };
    if amount > MAX_WIRE_AMOUNT {
        return Err("order.amount has at most 12 digits".into());
    }
    let ovo_id = string_field(&value, &["ovo_info", "ovo_id"])?;
    if !ovo_id.chars().all(|c| c.is_ascii_digit()) {
        return Err("ovo_info.ovo_id must contain digits only".into());
    }
    let check_sum = string_field(&value, &["security", "check_sum"])?;
    if check_sum.len() > 64 {
        return Err("security.check_sum has at most 64 characters".into());
    }
    Ok(PushRequest { client_id, invoice_number, amount, ovo_id, check_sum })
}

/// The push-payment response (spec §7), HTTP 200 whatever the outcome.
pub(super) fn payment_body(p: &Payment, m: &MerchantConfig) -> Value {
    let amount = u64::try_from(p.amount).unwrap_or_default();
    json!({
        "client": { "id": p.client_id },
        "order": { "invoice_number": p.invoice_number, "amount": p.amount },
        "ovo_info": { "ovo_id": p.ovo_id, "ovo_account_name": p.account_name },
        "ovo_configuration": m.ovo_configuration,
        "ovo_payment": {
            "date": p.date,
            "batch_number": p.batch_number,
            "trace_number": p.trace_number,
            "reference_number": p.reference_number,
            "approval_code": p.approval_code,
            "response_code": p.response_code,
            "cash_used": p.split.cash,
            "cash_balance": p.cash_balance,
            "ovo_points_used": p.split.points,
            "ovo_points_balance": p.points_balance,
            "ovo_points_earned": 0,
            "status": p.status.wire(),
        },
        // Spec §8: the request formula over the response's fields.
        "security": { "check_sum": sign::checksum(amount, &p.client_id, &p.invoice_number, &p.ovo_id, &m.secret_key) },
    })
}

/// The status shape (spec §10, House default), also the notification body.
pub(super) fn status_body(p: &Payment, expired: bool) -> Value {
    let (status, code) =
        if expired { ("EXPIRED", "54") } else { (p.status.wire(), p.response_code.as_str()) };
    json!({
        "order": { "invoice_number": p.invoice_number, "amount": p.amount },
        "transaction": {
            "status": status,
            "date": p.final_at.clone().unwrap_or_else(|| p.created_at.clone()),
            "original_request_id": p.request_id,
        },
        "service": { "id": "EMONEY" },
        "acquirer": { "id": "OVO" },
        "channel": { "id": "EMONEY_OVO" },
        "additional_info": { "ovo_response_code": code },
    })
}
