//! SNAP on the wire: timestamps (§3), the response envelope and error codes (§8), headers
//! and money (§9.1).

use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rsa::RsaPublicKey;
use serde_json::{json, Value};

use super::sign::verify_token_signature;
use crate::core::clock;

// ---------------------------------------------------------------------------------------------
// Time

/// Parses `X-TIMESTAMP`: ISO-8601 with `Z` or `±hh:mm`, with or without a 1–9 digit fraction (§3).
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    // yyyy-MM-ddTHH:mm:ss is mandatory; RFC 3339 parsing does the rest.
    if bytes.len() < 20 || bytes.get(10) != Some(&b'T') {
        return None;
    }
    clock::parse_rfc3339(text)
}

/// True if `at` is within `tolerance` of `now` either way.
pub fn within_skew(at: DateTime<Utc>, now: DateTime<Utc>, tolerance: Duration) -> bool {
    let diff = (at - now).abs();
    diff <= TimeDelta::from_std(tolerance).unwrap_or(TimeDelta::MAX)
}

/// The house default clock-skew tolerance: ±5 minutes (§3).
pub const SKEW: Duration = Duration::from_secs(300);

/// `yyyy-MM-ddTHH:mm:ss.SSS+07:00`, in WIB.
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    clock::jakarta_text(at, "%Y-%m-%dT%H:%M:%S%.3f%:z")
}

/// `yyyy-MM-ddTHH:mm:ss+07:00`, in WIB (e.g. `paidTime`, `refundTime`).
pub fn format_timestamp_seconds(at: DateTime<Utc>) -> String {
    clock::jakarta_text(at, "%Y-%m-%dT%H:%M:%S%:z")
}

/// The Asia/Jakarta calendar date of an instant (business dates, README §2.2).
pub fn wib_date(at: DateTime<Utc>) -> NaiveDate {
    clock::jakarta_date(at)
}

// ---------------------------------------------------------------------------------------------
// Responses

/// A SNAP error: HTTP status + case code + message; the service code is added when answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapError {
    pub http: u16,
    pub case: &'static str,
    pub message: String,
}

impl SnapError {
    pub fn new(http: u16, case: &'static str, message: impl Into<String>) -> SnapError {
        SnapError { http, case, message: message.into() }
    }
    /// `400xx01 Invalid Field Format {field}`.
    pub fn invalid_field(field: &str) -> SnapError {
        SnapError::new(400, "01", format!("Invalid Field Format {field}"))
    }
    /// `400xx02 Invalid Mandatory Field {field}`.
    pub fn missing_field(field: &str) -> SnapError {
        SnapError::new(400, "02", format!("Invalid Mandatory Field {field}"))
    }
    /// `401xx00 Unauthorized. [reason]`.
    pub fn unauthorized(reason: &str) -> SnapError {
        SnapError::new(401, "00", format!("Unauthorized. [{reason}]"))
    }
    /// The 7-character `responseCode` for a service (§8.1).
    pub fn code(&self, service: &str) -> String {
        format!("{}{service}{}", self.http, self.case)
    }
    pub fn into_response(self, service: &str) -> Response {
        let status = StatusCode::from_u16(self.http).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            Json(json!({ "responseCode": self.code(service), "responseMessage": self.message })),
        )
            .into_response()
    }
}

/// The service code of a SNAP endpoint, from the end of its path (§8.1).
pub fn service_of(endpoint: &str) -> &'static str {
    const SERVICES: [(&str, &str); 9] = [
        ("access-token/b2b2c", "74"),
        ("access-token/b2b", "73"),
        ("registration-account-binding", "07"),
        ("registration-account-unbinding", "09"),
        ("balance-inquiry", "11"),
        ("payment-host-to-host", "54"),
        ("debit/status", "55"),
        ("debit/refund", "58"),
        ("transaction-history-list", "12"),
    ];
    SERVICES
        .iter()
        .find(|(suffix, _)| endpoint.ends_with(suffix))
        .map_or("00", |(_, service)| service)
}

/// A 5xx in the SNAP shape: `500xx01 Internal Server Error`, `504xx00 Timeout`, otherwise
/// `{status}xx00 General Error` (§8).
pub fn server_error(endpoint: &str, status: u16) -> Response {
    let error = match status {
        500 => SnapError::new(500, "01", "Internal Server Error"),
        504 => SnapError::new(504, "00", "Timeout"),
        other => SnapError { http: other, case: "00", message: "General Error".into() },
    };
    error.into_response(service_of(endpoint))
}

/// `200{service}00 Successful`, with `fields` merged after the code and message.
pub fn ok_body(service: &str, fields: Value) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("responseCode".into(), json!(format!("200{service}00")));
    body.insert("responseMessage".into(), json!("Successful"));
    if let Value::Object(fields) = fields {
        body.extend(fields);
    }
    Value::Object(body)
}

/// [`ok_body`] answered with HTTP 200.
pub fn ok(service: &str, fields: Value) -> Response {
    (StatusCode::OK, Json(ok_body(service, fields))).into_response()
}

/// A handler's result for `service`: its fields answered with HTTP 200, or its error.
pub fn respond(service: &str, result: Result<Value, SnapError>) -> Response {
    match result {
        Ok(fields) => ok(service, fields),
        Err(e) => e.into_response(service),
    }
}

/// A mandatory header's value, or `Missing Mandatory Field [name]`.
pub fn required_header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, SnapError> {
    header(headers, name).ok_or_else(|| SnapError::missing_field(&format!("[{name}]")))
}

/// How a product checks its token calls (§4, §5): the order in which a missing header is
/// refused and the wording of its refusals.
#[derive(Debug, Clone, Copy)]
pub struct TokenCallChecks {
    /// `X-TIMESTAMP`, `X-CLIENT-KEY` and `X-SIGNATURE`, in the order their absence is refused.
    pub header_order: [&'static str; 3],
    /// The `401xx00` message for a client the product does not know.
    pub unknown_client: &'static str,
    /// The `401xx00` message for a signature that does not verify.
    pub bad_signature: &'static str,
}

impl TokenCallChecks {
    /// The headers present, the timestamp within the skew, the client known (`find`) and
    /// SHA256withRSA over `clientId|X-TIMESTAMP` verified with its public key (`key_of`).
    pub fn check<M>(
        &self,
        headers: &HeaderMap,
        find: impl FnOnce(&str) -> Option<M>,
        key_of: impl FnOnce(&M) -> Option<&RsaPublicKey>,
    ) -> Result<M, SnapError> {
        for name in self.header_order {
            required_header(headers, name)?;
        }
        let timestamp = required_header(headers, "X-TIMESTAMP")?;
        let client = required_header(headers, "X-CLIENT-KEY")?;
        let signature = required_header(headers, "X-SIGNATURE")?;
        check_timestamp(timestamp)?;
        let merchant =
            find(client).ok_or_else(|| SnapError::new(401, "00", self.unknown_client))?;
        let verified = key_of(&merchant)
            .is_some_and(|key| verify_token_signature(key, client, timestamp, signature));
        if !verified {
            return Err(SnapError::new(401, "00", self.bad_signature));
        }
        Ok(merchant)
    }
}

/// `X-TIMESTAMP` readable and within [`SKEW`] of now (§3).
pub fn check_timestamp(text: &str) -> Result<(), SnapError> {
    match parse_timestamp(text) {
        Some(at) if within_skew(at, clock::now(), SKEW) => Ok(()),
        _ => Err(SnapError::invalid_field("[X-TIMESTAMP]")),
    }
}

/// A header's value (names are case-insensitive), trimmed; None if absent, empty or not text.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

/// The token of `Bearer <token>` (the prefix is optional and case-insensitive).
pub fn bearer(value: &str) -> &str {
    let value = value.trim();
    match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value[7..].trim(),
        _ => value,
    }
}

// ---------------------------------------------------------------------------------------------
// Money

/// `{"value":"10000.00","currency":"IDR"}` → integer rupiah (§9.1). Only `.00` fractions and
/// `IDR` are accepted; `field` names the object in the error (e.g. `amount`).
pub fn parse_amount(value: Option<&Value>, field: &str) -> Result<i64, SnapError> {
    let object = value
        .filter(|v| !v.is_null())
        .ok_or_else(|| SnapError::missing_field(&format!("[{field}]")))?;
    let text = object
        .get("value")
        .and_then(Value::as_str)
        .ok_or_else(|| SnapError::missing_field(&format!("[{field}.value]")))?;
    let currency = object
        .get("currency")
        .and_then(Value::as_str)
        .ok_or_else(|| SnapError::missing_field(&format!("[{field}.currency]")))?;
    if currency != "IDR" {
        return Err(SnapError::invalid_field(&format!("[{field}.currency]")));
    }
    let bad = || SnapError::invalid_field(&format!("[{field}.value]"));
    let (whole, fraction) = text.split_once('.').ok_or_else(bad)?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || whole.len() > 16 || fraction.len() != 2 || !digits(fraction) {
        return Err(bad());
    }
    if fraction != "00" {
        tracing::warn!(value = text, "SNAP amount with a non-zero IDR fraction refused");
        return Err(bad());
    }
    whole.parse::<i64>().map_err(|_| bad())
}

/// Integer rupiah → `{"value":"10000.00","currency":"IDR"}`.
pub fn amount(rupiah: i64) -> Value {
    json!({ "value": format!("{rupiah}.00"), "currency": "IDR" })
}
