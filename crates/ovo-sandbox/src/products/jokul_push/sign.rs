//! DOKU Jokul OVO push: the body checksum (spec §5) and the non-SNAP header signature (spec §3),
//! written from `doku-jokul-ovo-push.md`. Comparisons are constant-time.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{auth_error, header, AuthError, HeaderMap, MerchantConfig};
use crate::core::clock;

/// `lowercase_hex(SHA-256(amount + client.id + invoice_number + ovo_id + secret_key))` (§5).
pub fn checksum(
    amount: u64,
    client_id: &str,
    invoice_number: &str,
    ovo_id: &str,
    secret_key: &str,
) -> String {
    hex::encode(Sha256::digest(
        format!("{amount}{client_id}{invoice_number}{ovo_id}{secret_key}").as_bytes(),
    ))
}

/// Compares a received checksum with the expected one; upper-case hex is accepted too.
pub fn checksum_matches(expected: &str, received: &str) -> bool {
    let received = received.to_ascii_lowercase();
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

/// `base64(SHA-256(body bytes))`, the `Digest` component (§3).
pub fn digest(body: &[u8]) -> String {
    B64.encode(Sha256::digest(body))
}

/// The component string (§3): lines joined by `\n`, no trailing newline; no `Digest` for GET.
pub fn component(
    client_id: &str,
    request_id: &str,
    timestamp: &str,
    target: &str,
    digest: Option<&str>,
) -> String {
    let mut text = format!("Client-Id:{client_id}\nRequest-Id:{request_id}\nRequest-Timestamp:{timestamp}\nRequest-Target:{target}");
    if let Some(digest) = digest {
        text.push_str("\nDigest:");
        text.push_str(digest);
    }
    text
}

/// `HMACSHA256=` + base64(HMAC-SHA256(secret key, component)).
pub fn header_signature(secret_key: &str, component: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(component.as_bytes());
    format!("HMACSHA256={}", B64.encode(mac.finalize().into_bytes()))
}

/// Verifies a `Signature` header value in constant time.
pub fn header_signature_matches(secret_key: &str, component: &str, received: &str) -> bool {
    let expected = header_signature(secret_key, component);
    !expected.is_empty()
        && expected.len() == received.len()
        && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

/// Checks the non-SNAP header signature (spec §3). `required` false: only when `Signature` is
/// present. Returns the `Request-Id` (empty when absent).
pub(super) fn check_header_signature(
    merchant: &MerchantConfig,
    headers: &HeaderMap,
    target: &str,
    body: Option<&[u8]>,
    required: bool,
) -> Result<String, AuthError> {
    let Some(signature) = header(headers, "Signature") else {
        if required {
            return Err(auth_error("invalid_signature", "Missing Header Signature"));
        }
        return Ok(header(headers, "Request-Id").unwrap_or_default().to_owned());
    };
    let client_id = header(headers, "Client-Id")
        .ok_or_else(|| auth_error("invalid_client_id", "Missing Client-Id header"))?;
    if client_id != merchant.client_id {
        return Err(auth_error("invalid_client_id", "Invalid Client-Id"));
    }
    let request_id = header(headers, "Request-Id")
        .ok_or_else(|| auth_error("invalid_parameter", "Missing Request-Id header"))?;
    if request_id.is_empty() || request_id.len() > 128 {
        return Err(auth_error("invalid_parameter", "Request-Id must be 1 to 128 characters"));
    }
    let timestamp = header(headers, "Request-Timestamp")
        .ok_or_else(|| auth_error("invalid_parameter", "Missing Request-Timestamp header"))?;
    if !valid_timestamp(timestamp) {
        return Err(auth_error(
            "invalid_parameter",
            "Request-Timestamp must be UTC yyyy-MM-ddTHH:mm:ssZ",
        ));
    }
    if let Some(declared) = header(headers, "Request-Target") {
        if declared != target {
            return Err(auth_error("invalid_signature", "Invalid Header Signature"));
        }
    }
    let digest = body.map(digest);
    let component = component(client_id, request_id, timestamp, target, digest.as_deref());
    if !header_signature_matches(&merchant.secret_key, &component, signature) {
        return Err(auth_error("invalid_signature", "Invalid Header Signature"));
    }
    Ok(request_id.to_owned())
}

/// UTC `yyyy-MM-ddTHH:mm:ssZ` (spec §3); an RFC 3339 fraction is tolerated, an offset is not.
pub(super) fn valid_timestamp(text: &str) -> bool {
    text.ends_with('Z') && clock::parse_rfc3339(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "SK-9sCrJ1kdYUJAYlsJKlqz";
    const CLIENT: &str = "MCH-0001-10791114622547";
    /// The §4 example body, minified exactly as printed.
    const BODY: &str = r#"{"client":{"id":"MCH-0001-10791114622547"},"order":{"invoice_number":"INV-20210115-0001","amount":10000},"ovo_info":{"ovo_id":"081211111111"},"security":{"check_sum":"5f1f8428d5bb8c624b4893d0d16064d9a7a80de9ab1fa93c6a716d7bb775de78"}}"#;

    fn corrupt(text: &str) -> String {
        let mut bytes = text.as_bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'0' { b'1' } else { b'0' };
        String::from_utf8(bytes).unwrap()
    }

    /// Spec §5.1 vector C1 (computed locally; matches the published sample body and secret).
    #[test]
    fn checksum_vector_c1() {
        let sum = checksum(10000, CLIENT, "INV-20210115-0001", "081211111111", SECRET);
        assert_eq!(sum, "5f1f8428d5bb8c624b4893d0d16064d9a7a80de9ab1fa93c6a716d7bb775de78");
        assert!(checksum_matches(
            &sum,
            "5f1f8428d5bb8c624b4893d0d16064d9a7a80de9ab1fa93c6a716d7bb775de78"
        ));
        assert!(checksum_matches(&sum, &sum.to_ascii_uppercase()));
        assert!(!checksum_matches(&sum, &corrupt(&sum)));
        assert!(
            !checksum_matches(
                &sum,
                "c3cad18f3fcac29d44165fa6b7a01b09e305d1e75caec163181cf5101b91e18e"
            ),
            "the published placeholder"
        );
    }

    /// Spec §5.1 vector C2: the guide's literal string (invoice `MINV20201231468`).
    #[test]
    fn checksum_vector_c2() {
        let sum = checksum(10000, CLIENT, "MINV20201231468", "081211111111", SECRET);
        assert_eq!(sum, "641ba73256296e800d9ca6e72cddf136b0bde9835aa29d35e0bc65a1974179fa");
        assert!(!checksum_matches(&sum, &corrupt(&sum)));
    }

    /// Spec §5.2 vector H1 (POST, with Digest).
    #[test]
    fn header_signature_vector_h1() {
        let digest = digest(BODY.as_bytes());
        assert_eq!(digest, "MwKz2zoWj/uDr7bbS5AFJLeP5yfKuSpuaJW0UDcYyBE=");
        let component = component(
            CLIENT,
            "cc682442-6c22-493e-8121-b9ef6b3fa728",
            "2021-01-15T03:00:00Z",
            "/ovo-emoney/v1/payment",
            Some(&digest),
        );
        let published = "HMACSHA256=ar5Zhug5v+g3WGJz998zYapEH3oZSvIgJtToHf42cs0=";
        assert!(header_signature_matches(SECRET, &component, published));
        assert!(!header_signature_matches(SECRET, &component, &published.replace("ar5Z", "ar5Y")));
        let tampered_body = BODY.replace("10000", "10001");
        let other = super::component(
            CLIENT,
            "cc682442-6c22-493e-8121-b9ef6b3fa728",
            "2021-01-15T03:00:00Z",
            "/ovo-emoney/v1/payment",
            Some(&super::digest(tampered_body.as_bytes())),
        );
        assert!(
            !header_signature_matches(SECRET, &other, published),
            "a corrupted body byte fails"
        );
    }

    /// Spec §5.2 vector H2 (GET, no Digest).
    #[test]
    fn header_signature_vector_h2() {
        let component = component(
            CLIENT,
            "cc682442-6c22-493e-8121-b9ef6b3fa729",
            "2021-01-15T03:02:00Z",
            "/orders/v1/status/INV-20210115-0001",
            None,
        );
        let published = "HMACSHA256=uHt4TcbRLOgUMR7tGkYi9Ao6chrofXr1jbTfN5PhP/g=";
        assert!(header_signature_matches(SECRET, &component, published));
        assert!(!header_signature_matches(SECRET, &component.replace("0001", "0002"), published));
        assert!(!header_signature_matches("SK-9sCrJ1kdYUJAYlsJKlqZ", &component, published));
    }
}
