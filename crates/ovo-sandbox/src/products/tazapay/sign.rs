//! Tazapay's HTTP Basic authentication (`tazapay-ovo.md` §2) and webhook signature (§10.1),
//! written from the spec; secrets are compared in constant time.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why an `Authorization` header was refused, with Tazapay's generic code (§13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// No header, or `Basic` with nothing after it: 109 "empty basic auth".
    Empty,
    /// Not `Basic <base64(key:secret)>`: 108 "invalid basic auth".
    Malformed,
    /// Unknown API key or wrong secret: 111 "invalid API key".
    BadKey,
}

impl AuthError {
    pub fn code(self) -> u32 {
        match self {
            AuthError::Empty => 109,
            AuthError::Malformed => 108,
            AuthError::BadKey => 111,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            AuthError::Empty => "empty basic auth",
            AuthError::Malformed => "invalid basic auth",
            AuthError::BadKey => "invalid API key",
        }
    }
}

/// Decodes `Basic base64(api_key:api_secret)` into its two halves.
pub fn decode_basic(header: Option<&str>) -> Result<(String, String), AuthError> {
    let header = header.map(str::trim).unwrap_or_default();
    if header.is_empty() {
        return Err(AuthError::Empty);
    }
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(AuthError::Malformed);
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(AuthError::Empty);
    }
    let bytes = B64.decode(rest).map_err(|_| AuthError::Malformed)?;
    let text = String::from_utf8(bytes).map_err(|_| AuthError::Malformed)?;
    let (key, secret) = text.split_once(':').ok_or(AuthError::Malformed)?;
    if key.is_empty() || secret.is_empty() {
        return Err(AuthError::Malformed);
    }
    Ok((key.to_owned(), secret.to_owned()))
}

/// The header a client sends for this key pair.
pub fn basic_header(api_key: &str, api_secret: &str) -> String {
    format!("Basic {}", B64.encode(format!("{api_key}:{api_secret}")))
}

/// Constant-time equality of two secrets (lengths may leak, contents do not).
pub fn same_secret(given: &str, expected: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// `base64(HMAC-SHA256(secret, event.id + payload + event.created_at))` (§10.1).
pub fn webhook_signature(secret: &str, event_id: &str, payload: &[u8], created_at: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm is unreachable.
        Err(_) => return String::new(),
    };
    mac.update(event_id.as_bytes());
    mac.update(payload);
    mac.update(created_at.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// Verifies a received webhook: the id and created_at are read from the raw body's top level.
pub fn verify_webhook(secret: &str, payload: &[u8], signature: &str) -> bool {
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(payload) else {
        return false;
    };
    let (Some(id), Some(created_at)) = (
        event.get("id").and_then(|v| v.as_str()),
        event.get("created_at").and_then(|v| v.as_str()),
    ) else {
        return false;
    };
    let expected = webhook_signature(secret, id, payload, created_at);
    same_secret(signature.trim(), &expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vector A1, published [TZ-AUTH], `tazapay-ovo.md` §2.
    #[test]
    fn vector_a1_basic_header() {
        let key = "F2W7H8JWMO8398KAPW85";
        let secret = "rKHFAffLq5Lnrms3mOBQi71oQmMATH2EByYDyIR2Wd0jGdKeed08WThGVS6v1257";
        let header = "Basic RjJXN0g4SldNTzgzOThLQVBXODU6cktIRkFmZkxxNUxucm1zM21PQlFpNzFvUW1NQVRIMkVCeVlEeUlSMldkMGpHZEtlZWQwOFdUaEdWUzZ2MTI1Nw==";
        assert_eq!(basic_header(key, secret), header);
        assert_eq!(decode_basic(Some(header)), Ok((key.to_owned(), secret.to_owned())));
        // A corrupted byte: the decoded secret no longer matches.
        let corrupted = header.replace("RjJX", "RjJY");
        let decoded = decode_basic(Some(&corrupted));
        assert!(
            decoded.as_ref().map_or(true, |(k, s)| !(k == key && same_secret(s, secret))),
            "{decoded:?}"
        );
    }

    /// Vector A2, the seed guide's sample header [SEED 001], `tazapay-ovo.md` §2.
    #[test]
    fn vector_a2_seed_sample_header() {
        let header = "Basic YWtfdGVzdF9ZTFNVQUUwVjRCSEpIOFg0ODZPQzpza190ZXN0X0hNOEM3SEVSV1BmODVPZnFCMXhLTUJJMWlENnVWYTEyUWN2VE5ZeVJhSHhRZjVTOW9pZUtoOVZzejg3cnhtSEpaSlcyTHdVc0NSY2RWbUR0d0U4Q0VkdWNIUXRnNVQzVjl1NkltQWludkdiMjhWeXhTVVlsTTFMWWllbU80THFt";
        let (key, secret) = decode_basic(Some(header)).unwrap();
        assert_eq!(key, "ak_test_YLSUAE0V4BHJH8X486OC");
        assert_eq!(secret, "sk_test_HM8C7HERWPf85OfqB1xKMBI1iD6uVa12QcvTNYyRaHxQf5S9oieKh9Vsz87rxmHJZJW2LwUsCRcdVmDtwE8CEducHQtg5T3V9u6ImAinvGb28VyxSUYlM1LYiemO4Lqm");
        assert_eq!(basic_header(&key, &secret), header);
    }

    #[test]
    fn refuses_empty_and_malformed_headers() {
        assert_eq!(decode_basic(None), Err(AuthError::Empty));
        assert_eq!(decode_basic(Some("")), Err(AuthError::Empty));
        assert_eq!(decode_basic(Some("Basic ")), Err(AuthError::Empty));
        assert_eq!(decode_basic(Some("Bearer abc")), Err(AuthError::Malformed));
        assert_eq!(decode_basic(Some("Basic !!!")), Err(AuthError::Malformed));
        assert_eq!(
            decode_basic(Some(&format!("Basic {}", B64.encode("nocolon")))),
            Err(AuthError::Malformed)
        );
    }

    /// Vector W1, computed locally (not published), `tazapay-ovo.md` §10.1.
    #[test]
    fn vector_w1_webhook_signature() {
        let body = r#"{"type":"payin.succeeded","id":"evt_test123","object":"event","created_at":"2025-03-11T12:25:08.284979602Z","data":{"id":"pay_test","status":"succeeded"}}"#;
        let expected = "EXIzYnCNywWC/ts7dkt+WrZdcdFtyLgYJiG2CQzv4RY=";
        assert_eq!(
            webhook_signature(
                "whsec-test",
                "evt_test123",
                body.as_bytes(),
                "2025-03-11T12:25:08.284979602Z"
            ),
            expected
        );
        assert!(verify_webhook("whsec-test", body.as_bytes(), expected));
        // One corrupted byte of the body, of the signature, or the wrong secret: refused.
        let corrupted = body.replace("pay_test", "pay_tesT");
        assert!(!verify_webhook("whsec-test", corrupted.as_bytes(), expected));
        assert!(!verify_webhook(
            "whsec-test",
            body.as_bytes(),
            "EXIzYnCNywWC/ts7dkt+WrZdcdFtyLgYJiG2CQzv4RZ="
        ));
        assert!(!verify_webhook("whsec-tesT", body.as_bytes(), expected));
    }
}
