//! The SNAP BI (ASPI) common layer, shared by the SNAP products (OVO SNAP, DOKU SNAP), written
//! from `shared/providers/snap-standard.md`. Nothing here is OVO-specific.
//!
//! API:
//! - Signatures: [`body_hash`], [`minify`], [`symmetric_string_to_sign`], [`hmac_signature`],
//!   [`verify_symmetric`] (tries the body variants of §6.1), [`parse_public_key`] (PKCS#1 or
//!   SPKI PEM), [`verify_token_signature`] (`clientId|X-TIMESTAMP`, SHA256withRSA, §5) and
//!   [`verify_rsa_sha256`] (any string, e.g. the asymmetric notification form of §7).
//! - Time: [`parse_timestamp`] (`Z` or offset, with or without fraction, §3), [`within_skew`],
//!   [`format_timestamp`] (`yyyy-MM-ddTHH:mm:ss.SSS+07:00`), [`wib_date`].
//! - Tokens: [`TokenStore`] issues random tokens that expire after a *scaled* lifetime
//!   ([`B2B_LIFETIME`], [`B2B2C_LIFETIME`], [`REFRESH_LIFETIME`]).
//! - Idempotency: [`ExternalIds`], `X-EXTERNAL-ID` unique per (partner, WIB date) (§10).
//! - Responses: [`SnapError`] and [`ok`], `{"responseCode":"2005400","responseMessage":…}` (§8).
//! - Money: [`parse_amount`] / [`amount`], `{"value":"10000.00","currency":"IDR"}` ↔ integer rupiah (§9.1).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::Rng;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::core::time_scale::TimeScale;

// ---------------------------------------------------------------------------------------------
// Signatures

/// `lowercase(hex(sha256(bytes)))` (§6).
pub fn body_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Removes insignificant whitespace only; keeps key order, values and escapes (§6.1).
pub fn minify(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in body {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            if b == b'"' {
                in_string = true;
            }
            out.push(b);
        }
    }
    out
}

/// `METHOD:relativeUrl:accessToken:bodyHash:X-TIMESTAMP` (§6). `token` may be empty.
pub fn symmetric_string_to_sign(
    method: &str,
    path: &str,
    token: &str,
    body_hash: &str,
    timestamp: &str,
) -> String {
    format!("{}:{path}:{token}:{body_hash}:{timestamp}", method.to_ascii_uppercase())
}

fn hmac_bytes(secret: &str, message: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    match Hmac::<Sha512>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// `base64(HMAC-SHA512(clientSecret, stringToSign))` (§6).
pub fn hmac_signature(secret: &str, string_to_sign: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(hmac_bytes(secret, string_to_sign))
}

/// Which serialisation of the body the sender hashed (§6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyForm {
    /// The raw bytes received.
    Raw,
    /// The raw bytes with insignificant whitespace removed.
    Minified,
    /// The minified bytes with `/` escaped as `\/`.
    EscapedSlashes,
}

/// Decodes a signature sent as base64 (what clients send) or hex (some sandboxes accept it).
fn decode_signature(signature: &str) -> Option<Vec<u8>> {
    let signature = signature.trim();
    // 128 hex digits are also valid base64, so base64 wins only at the HMAC-SHA512 length.
    match base64::engine::general_purpose::STANDARD.decode(signature) {
        Ok(bytes) if bytes.len() == 64 => Some(bytes),
        _ => hex::decode(signature).ok(),
    }
}

/// Verifies a symmetric signature, trying the raw body, then its minified form, then the
/// minified form with `/` escaped (§6.1). Returns the form that matched.
pub fn verify_symmetric(
    secret: &str,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
    timestamp: &str,
    signature: &str,
) -> Option<BodyForm> {
    let given = decode_signature(signature)?;
    let matches = |bytes: &[u8]| {
        let expected = hmac_bytes(
            secret,
            &symmetric_string_to_sign(method, path, token, &body_hash(bytes), timestamp),
        );
        expected.len() == given.len() && bool::from(expected.ct_eq(&given))
    };
    if matches(body) {
        return Some(BodyForm::Raw);
    }
    let minified = minify(body);
    if minified != body && matches(&minified) {
        return Some(BodyForm::Minified);
    }
    let escaped: Vec<u8> = minified
        .iter()
        .flat_map(|&b| if b == b'/' { vec![b'\\', b'/'] } else { vec![b] })
        .collect();
    (escaped != minified && matches(&escaped)).then_some(BodyForm::EscapedSlashes)
}

/// An RSA public key in PEM: PKCS#1 (`BEGIN RSA PUBLIC KEY`, OVO) or SPKI (`BEGIN PUBLIC KEY`).
pub fn parse_public_key(pem: &str) -> Result<RsaPublicKey, String> {
    let pem = pem.trim();
    RsaPublicKey::from_pkcs1_pem(pem)
        .or_else(|_| RsaPublicKey::from_public_key_pem(pem))
        .map_err(|e| format!("not an RSA public key in PKCS#1 or SPKI PEM: {e}"))
}

/// Verifies `base64(SHA256withRSA(message))`.
pub fn verify_rsa_sha256(key: &RsaPublicKey, message: &str, signature_b64: &str) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(signature_b64.trim()) else {
        return false;
    };
    let Ok(signature) = Signature::try_from(bytes.as_slice()) else {
        return false;
    };
    VerifyingKey::<Sha256>::new(key.clone()).verify(message.as_bytes(), &signature).is_ok()
}

/// The token-request signature: SHA256withRSA over `clientId|X-TIMESTAMP` (§5).
pub fn verify_token_signature(
    key: &RsaPublicKey,
    client_id: &str,
    timestamp: &str,
    signature_b64: &str,
) -> bool {
    verify_rsa_sha256(key, &format!("{client_id}|{timestamp}"), signature_b64)
}

// ---------------------------------------------------------------------------------------------
// Time

/// WIB, UTC+7 (no DST).
pub fn wib() -> UtcOffset {
    UtcOffset::from_hms(7, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// Parses `X-TIMESTAMP`: ISO-8601 with `Z` or `±hh:mm`, with or without a 1–9 digit fraction (§3).
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    let bytes = text.as_bytes();
    // yyyy-MM-ddTHH:mm:ss is mandatory; RFC 3339 parsing does the rest.
    if bytes.len() < 20 || bytes.get(10) != Some(&b'T') {
        return None;
    }
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// True if `at` is within `tolerance` of `now` either way.
pub fn within_skew(at: OffsetDateTime, now: OffsetDateTime, tolerance: Duration) -> bool {
    let diff = (at - now).abs();
    diff <= time::Duration::try_from(tolerance).unwrap_or(time::Duration::MAX)
}

/// The house default clock-skew tolerance: ±5 minutes (§3).
pub const SKEW: Duration = Duration::from_secs(300);

/// `yyyy-MM-ddTHH:mm:ss.SSS+07:00`, in WIB.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
    );
    at.to_offset(wib()).format(&format).unwrap_or_default()
}

/// `yyyy-MM-ddTHH:mm:ss+07:00`, in WIB (e.g. `paidTime`, `refundTime`).
pub fn format_timestamp_seconds(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    at.to_offset(wib()).format(&format).unwrap_or_default()
}

/// The Asia/Jakarta calendar date of an instant (business dates, README §2.2).
pub fn wib_date(at: OffsetDateTime) -> Date {
    at.to_offset(wib()).date()
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// B2B access token: 15 minutes (§4.1).
pub const B2B_LIFETIME: Duration = Duration::from_secs(900);
/// B2B2C access token in the simulator: 900 s (house default, `ovo-snap.md` §5).
pub const B2B2C_LIFETIME: Duration = Duration::from_secs(900);
/// B2B2C refresh token in the simulator: 30 days (house default).
pub const REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// What a token lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck<T> {
    Valid(T),
    Expired,
    Unknown,
}

/// Random bearer tokens with a scaled lifetime, each carrying `T` (e.g. the client id).
#[derive(Debug)]
pub struct TokenStore<T> {
    tokens: HashMap<String, (Instant, T)>,
}

impl<T> Default for TokenStore<T> {
    fn default() -> Self {
        TokenStore { tokens: HashMap::new() }
    }
}

/// A random token of `len` characters `[A-Za-z0-9]`.
pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl<T: Clone> TokenStore<T> {
    /// Issues a token that expires after `scale.scaled(lifetime)`.
    pub fn issue(&mut self, scale: TimeScale, lifetime: Duration, data: T) -> String {
        let now = Instant::now();
        self.tokens.retain(|_, (expires, _)| *expires > now);
        let token = random_token(48);
        self.tokens.insert(token.clone(), (now + scale.scaled(lifetime), data));
        token
    }

    /// Stores a token chosen elsewhere (a seeded demo token) for `lifetime`, real time: not
    /// scaled, so a static token outlives any time scale.
    pub fn insert(&mut self, token: String, lifetime: Duration, data: T) {
        let now = Instant::now();
        let expires =
            now.checked_add(lifetime).unwrap_or(now + Duration::from_secs(365 * 24 * 3600));
        self.tokens.insert(token, (expires, data));
    }

    pub fn check(&self, token: &str) -> TokenCheck<T> {
        match self.tokens.get(token) {
            Some((expires, data)) if *expires > Instant::now() => TokenCheck::Valid(data.clone()),
            Some(_) => TokenCheck::Expired,
            None => TokenCheck::Unknown,
        }
    }

    /// Removes a token (one-time tokens), returning its data if it was still valid.
    pub fn take(&mut self, token: &str) -> Option<T> {
        let (expires, data) = self.tokens.remove(token)?;
        (expires > Instant::now()).then_some(data)
    }

    pub fn revoke_where(&mut self, mut doomed: impl FnMut(&T) -> bool) {
        self.tokens.retain(|_, (_, data)| !doomed(data));
    }

    /// The still-valid tokens whose data passes `pred`.
    pub fn valid_where(&self, mut pred: impl FnMut(&T) -> bool) -> Vec<String> {
        let now = Instant::now();
        self.tokens
            .iter()
            .filter(|(_, (expires, data))| *expires > now && pred(data))
            .map(|(t, _)| t.clone())
            .collect()
    }

    /// Makes every token expired now (they answer `Expired`, not `Unknown`).
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        for (expires, _) in self.tokens.values_mut() {
            *expires = now;
        }
    }

    pub fn clear(&mut self) {
        self.tokens.clear();
    }
}

// ---------------------------------------------------------------------------------------------
// Idempotency

/// `X-EXTERNAL-ID` uniqueness per (partner, WIB calendar date) (§10).
#[derive(Debug, Default)]
pub struct ExternalIds {
    seen: HashSet<(String, Date, String)>,
}

impl ExternalIds {
    /// Records the id; false if the partner already used it on this WIB date.
    pub fn claim(&mut self, partner: &str, external_id: &str, now: OffsetDateTime) -> bool {
        let today = wib_date(now);
        self.seen.retain(|(_, date, _)| *date >= today.previous_day().unwrap_or(today));
        self.seen.insert((partner.to_owned(), today, external_id.to_owned()))
    }

    pub fn clear(&mut self) {
        self.seen.clear();
    }
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
pub fn ok(service: &str, fields: Value) -> Response {
    let mut body = serde_json::Map::new();
    body.insert("responseCode".into(), json!(format!("200{service}00")));
    body.insert("responseMessage".into(), json!("Successful"));
    if let Value::Object(fields) = fields {
        body.extend(fields);
    }
    (StatusCode::OK, Json(Value::Object(body))).into_response()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn signs(secret: &str, path: &str, token: &str, body: &str, ts: &str) -> (String, String) {
        let hash = body_hash(body.as_bytes());
        (
            hash.clone(),
            hmac_signature(secret, &symmetric_string_to_sign("POST", path, token, &hash, ts)),
        )
    }

    #[test]
    fn v1_empty_body_hash() {
        // snap-standard.md §12 V1 (published, IFP-BAL).
        assert_eq!(
            body_hash(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn v2_doku_binding_signature() {
        // snap-standard.md §12 V2 (computed locally).
        let body = r#"{"phoneNo":"6281288932399","additionalInfo":{"channel":"EMONEY_OVO_SNAP","custIdMerchant":"CUST-001","successRegistrationUrl":"https://merchant.example/success","failedRegistrationUrl":"https://merchant.example/failed"}}"#;
        let (path, token, ts) = (
            "/direct-debit/core/v1/registration-account-binding",
            "eyJhbGciOiJSUzI1NiJ9.test.token",
            "2024-01-01T10:00:00+07:00",
        );
        let (hash, sig) = signs("SK-test-secret", path, token, body, ts);
        assert_eq!(hash, "2f3f8ff7caf570893598b1223342d37421c991696544551d27be326d6ff64df4");
        let expected = "jwXZTNLzT8EchxCP7d9ByeWXsqC/GP5Za87GGl6/66Z8o7UXENlce7OgFLfE3ZnPvrCts1wIfxxC4fK8TQBgIw==";
        assert_eq!(sig, expected);
        assert_eq!(
            verify_symmetric("SK-test-secret", "POST", path, token, body.as_bytes(), ts, expected),
            Some(BodyForm::Raw)
        );
    }

    #[test]
    fn v3_ovo_payment_signature_and_a_corrupted_byte() {
        // snap-standard.md §12 V3 (computed locally).
        let body = r#"{"partnerReferenceNo":"INV-20240101-0001","amount":{"value":"10000.00","currency":"IDR"}}"#;
        let (path, token, ts) = (
            "/OVOSNAP/v2.0/debit/payment-host-to-host",
            "testAccessToken123",
            "2024-01-01T10:00:00.000+07:00",
        );
        let expected = "FZBHyE19ezY5YMrnEc4cJh0N3lRjyWrK0ad+PXJqbSswsZ5WpwyQlgFB4SZq9RSwmUDshBAGNZt2ps5aqP8Ffg==";
        let (hash, sig) = signs("testClientSecret", path, token, body, ts);
        assert_eq!(hash, "bc106e2ab23b964884ea548f0e9eb777f3bac21e2403358d7ff9417c04c78e7f");
        assert_eq!(
            symmetric_string_to_sign("POST", path, token, &hash, ts),
            "POST:/OVOSNAP/v2.0/debit/payment-host-to-host:testAccessToken123:bc106e2ab23b964884ea548f0e9eb777f3bac21e2403358d7ff9417c04c78e7f:2024-01-01T10:00:00.000+07:00"
        );
        assert_eq!(sig, expected);
        let verify = |body: &str, sig: &str| {
            verify_symmetric("testClientSecret", "POST", path, token, body.as_bytes(), ts, sig)
        };
        assert_eq!(verify(body, expected), Some(BodyForm::Raw));
        // A corrupted byte in the body, and in the signature, fails.
        assert_eq!(verify(&body.replace("10000.00", "10001.00"), expected), None);
        assert_eq!(verify(body, &expected.replacen('F', "G", 1)), None);
        // Hex encoding of the same MAC is tolerated.
        let hex_sig =
            hex::encode(base64::engine::general_purpose::STANDARD.decode(expected).unwrap());
        assert_eq!(verify(body, &hex_sig), Some(BodyForm::Raw));
        // The pretty-printed body of the same request verifies through its minified form.
        let pretty = "{\n  \"partnerReferenceNo\": \"INV-20240101-0001\",\n  \"amount\": {\"value\": \"10000.00\", \"currency\": \"IDR\"}\n}";
        assert_eq!(verify(pretty, expected), Some(BodyForm::Minified));
    }

    #[test]
    fn v4_empty_token_form() {
        // snap-standard.md §12 V4 (computed locally): note the two consecutive colons.
        let (path, ts) = (
            "/OVOSNAP/v2.0/oauth/account/registration-account-binding",
            "2024-01-01T10:00:00.000+07:00",
        );
        let body = r#"{"phoneNo":"6281234567890"}"#;
        let (hash, sig) = signs("testClientSecret", path, "", body, ts);
        assert_eq!(hash, "cdbcd8ae56d434f01396cc629642ec079e33fc414eedf7e619f66158fe0ff455");
        assert!(symmetric_string_to_sign("POST", path, "", &hash, ts).contains("binding::cdbc"));
        let expected = "Zr9eqTag1wXrfZgHnsvON/I1wnNLHr5U5L6QGexPfx0D9xCMDopIj6JKZ/LRaQjJ+pgMy3C6pFAJxi0H7qsPvQ==";
        assert_eq!(sig, expected);
        assert!(verify_symmetric(
            "testClientSecret",
            "POST",
            path,
            "",
            b"{\"phoneNo\":\"6281234567899\"}",
            ts,
            expected
        )
        .is_none());
    }

    #[test]
    fn v5_notification_signature() {
        // snap-standard.md §12 V5 (computed locally).
        let body = r#"{"originalReferenceNo":"REF0000000001","latestTransactionStatus":"00"}"#;
        let (hash, sig) = signs(
            "SK-test-secret",
            "/v1.0/debit/notify",
            "merchantIssuedToken",
            body,
            "2024-01-01T10:05:00+07:00",
        );
        assert_eq!(hash, "7720e33d0e54e536dcd2daf008737eb71a7fe55a46d1c5d13d2e947cccbc4686");
        assert_eq!(sig, "RG/BK3wea0gCfpFKqWMg5Nccuj4b7s61XgVPzflknardNNMarccFpNFyPyb7N/a47dnforlYPsimujdB8whRYQ==");
    }

    #[test]
    fn escaped_slash_variant() {
        let (secret, path, ts) = ("s", "/p", "2024-01-01T10:00:00+07:00");
        // The sender hashed `\/` (e.g. PHP without JSON_UNESCAPED_SLASHES); we received `/`.
        let sent = r#"{"url":"https:\/\/m.example\/ok"}"#;
        let (_, sig) = signs(secret, path, "t", sent, ts);
        let received = r#"{"url": "https://m.example/ok"}"#;
        assert_eq!(
            verify_symmetric(secret, "POST", path, "t", received.as_bytes(), ts, &sig),
            Some(BodyForm::EscapedSlashes)
        );
    }

    #[test]
    fn minify_keeps_strings() {
        assert_eq!(
            minify(b"{ \"a b\" : \"c \\\" d\" ,\n \"e\":[1, 2] }"),
            b"{\"a b\":\"c \\\" d\",\"e\":[1,2]}".to_vec()
        );
    }

    /// Fixed test key pair (computed locally; no provider publishes an RSA vector, §5).
    const TEST_PRIVATE: &str = include_str!("../../../tests/fixtures/snap_test_private_pkcs1.pem");
    const TEST_PUBLIC_PKCS1: &str =
        include_str!("../../../tests/fixtures/snap_test_public_pkcs1.pem");
    const TEST_PUBLIC_SPKI: &str =
        include_str!("../../../tests/fixtures/snap_test_public_spki.pem");

    #[test]
    fn token_signature_with_pkcs1_and_spki_keys() {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::signature::{SignatureEncoding, Signer};
        let private = rsa::RsaPrivateKey::from_pkcs1_pem(TEST_PRIVATE).unwrap();
        let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(private);
        let ts = "2024-01-01T10:00:00.000+07:00";
        let sig = base64::engine::general_purpose::STANDARD
            .encode(signer.sign(format!("oamerchantg|{ts}").as_bytes()).to_bytes());
        for pem in [TEST_PUBLIC_PKCS1, TEST_PUBLIC_SPKI] {
            let key = parse_public_key(pem).unwrap();
            assert!(verify_token_signature(&key, "oamerchantg", ts, &sig));
            assert!(!verify_token_signature(
                &key,
                "oamerchantg",
                "2024-01-01T10:00:00.001+07:00",
                &sig
            ));
            assert!(!verify_token_signature(&key, "oamerchanth", ts, &sig));
        }
        assert!(
            parse_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err()
        );
    }

    #[test]
    fn timestamps_in_both_forms() {
        let a = parse_timestamp("2024-01-01T10:00:00.000+07:00").unwrap();
        for same in [
            "2024-01-01T10:00:00+07:00",
            "2024-01-01T03:00:00Z",
            "2024-01-01T03:00:00.000Z",
            "2024-01-01T03:00:00.000000000Z",
        ] {
            assert_eq!(parse_timestamp(same), Some(a), "{same}");
        }
        for bad in [
            "20240101T10:00:00.000+07:00",
            "2024-01-01 10:00:00+07:00",
            "2024-01-01T10:00:00",
            "yesterday",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert_eq!(format_timestamp(a), "2024-01-01T10:00:00.000+07:00");
        assert!(within_skew(a, a + time::Duration::seconds(299), SKEW));
        assert!(!within_skew(a, a - time::Duration::seconds(301), SKEW));
        // README HD1 worked example: 2024-01-01T17:30:00Z is 2024-01-02 in WIB.
        let paid = parse_timestamp("2024-01-01T17:30:00Z").unwrap();
        assert_eq!(wib_date(paid), time::macros::date!(2024 - 01 - 02));
    }

    #[test]
    fn amounts() {
        assert_eq!(
            parse_amount(Some(&json!({"value":"10000.00","currency":"IDR"})), "amount"),
            Ok(10_000)
        );
        assert_eq!(amount(10_000), json!({"value":"10000.00","currency":"IDR"}));
        for bad in [
            json!({"value":"10000","currency":"IDR"}),
            json!({"value":"10000.50","currency":"IDR"}),
            json!({"value":"1e4.00","currency":"IDR"}),
        ] {
            assert_eq!(
                parse_amount(Some(&bad), "amount").map_err(|e| e.code("54")),
                Err("4005401".into()),
                "{bad}"
            );
        }
        assert_eq!(
            parse_amount(Some(&json!({"value":"1.00","currency":"USD"})), "amount")
                .map_err(|e| e.code("54")),
            Err("4005401".into())
        );
        assert_eq!(parse_amount(None, "amount").map_err(|e| e.code("54")), Err("4005402".into()));
    }

    #[test]
    fn tokens_expire_on_the_scaled_clock_and_external_ids_are_daily() {
        let mut store = TokenStore::default();
        let fast = TimeScale::parse("0.000001").unwrap();
        let t = store.issue(fast, Duration::from_secs(1), "client");
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(store.check(&t), TokenCheck::Expired);
        assert_eq!(store.check("nope"), TokenCheck::Unknown);
        let t = store.issue(TimeScale::REAL, B2B_LIFETIME, "client");
        assert_eq!(store.check(&t), TokenCheck::Valid("client"));
        let mut ids = ExternalIds::default();
        let now = parse_timestamp("2024-01-01T16:59:00Z").unwrap();
        assert!(ids.claim("p", "1", now));
        assert!(!ids.claim("p", "1", now));
        assert!(ids.claim("q", "1", now));
        // 17:00Z is midnight WIB: a new day.
        assert!(ids.claim("p", "1", now + time::Duration::minutes(1)));
        assert_eq!(bearer("Bearer abc"), "abc");
        assert_eq!(bearer("bearer  abc "), "abc");
        assert_eq!(bearer("abc"), "abc");
    }
}
