//! The body checksum (spec §5) and the non-SNAP header signature (spec §3) of DOKU Jokul push.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `lowercase_hex(SHA-256(amount + client.id + invoice_number + ovo_id + secret_key))`, plain
/// concatenation with no separators; the amount in its integer decimal form (§5).
pub fn checksum(
    amount: i64,
    client_id: &str,
    invoice_number: &str,
    ovo_id: &str,
    secret_key: &str,
) -> String {
    let mut hash = Sha256::new();
    hash.update(amount.to_string().as_bytes());
    hash.update(client_id.as_bytes());
    hash.update(invoice_number.as_bytes());
    hash.update(ovo_id.as_bytes());
    hash.update(secret_key.as_bytes());
    hex::encode(hash.finalize())
}

/// `base64(SHA-256(body bytes))`, the `Digest` component (§3).
pub fn digest(body: &[u8]) -> String {
    B64.encode(Sha256::digest(body))
}

/// The headers the signature covers (§3).
#[derive(Debug, Clone, Copy)]
pub struct Components<'a> {
    pub client_id: &'a str,
    pub request_id: &'a str,
    pub timestamp: &'a str,
    pub target: &'a str,
    /// The body, for `POST`; `None` for `GET` (no `Digest` line).
    pub body: Option<&'a [u8]>,
}

impl Components<'_> {
    /// The lines joined by `\n`, no trailing newline (§3).
    pub fn component_string(&self) -> String {
        let mut text = format!(
            "Client-Id:{}\nRequest-Id:{}\nRequest-Timestamp:{}\nRequest-Target:{}",
            self.client_id, self.request_id, self.timestamp, self.target
        );
        if let Some(body) = self.body {
            text.push_str("\nDigest:");
            text.push_str(&digest(body));
        }
        text
    }
}

/// `HMACSHA256=` + base64(HMAC-SHA256(secret key, component string)) (§3).
pub fn signature(secret_key: &str, components: &Components<'_>) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(components.component_string().as_bytes());
    format!("HMACSHA256={}", B64.encode(mac.finalize().into_bytes()))
}

/// Constant-time comparison of a received signature with the expected one.
pub fn signature_matches(secret_key: &str, components: &Components<'_>, received: &str) -> bool {
    let expected = signature(secret_key, components);
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(received.trim().as_bytes()))
}

/// Constant-time checksum comparison; upper-case hex is accepted (§8 is log-only anyway).
pub fn checksum_matches(expected: &str, received: &str) -> bool {
    bool::from(expected.as_bytes().ct_eq(received.trim().to_ascii_lowercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "MCH-0001-10791114622547";
    const SECRET: &str = "SK-9sCrJ1kdYUJAYlsJKlqz";
    /// The §4 example body, minified exactly as printed (the input of vector H1).
    const BODY: &str = r#"{"client":{"id":"MCH-0001-10791114622547"},"order":{"invoice_number":"INV-20210115-0001","amount":10000},"ovo_info":{"ovo_id":"081211111111"},"security":{"check_sum":"5f1f8428d5bb8c624b4893d0d16064d9a7a80de9ab1fa93c6a716d7bb775de78"}}"#;

    #[test]
    fn checksum_vector_c1() {
        // doku-jokul-ovo-push.md §5.1, vector C1 (computed locally; the reference vector).
        assert_eq!(
            checksum(10_000, CLIENT, "INV-20210115-0001", "081211111111", SECRET),
            "5f1f8428d5bb8c624b4893d0d16064d9a7a80de9ab1fa93c6a716d7bb775de78"
        );
    }

    #[test]
    fn checksum_vector_c2() {
        // §5.1, vector C2: the guide's literal string 10000MCH-0001-10791114622547MINV20201231468081211111111SK-9sCrJ1kdYUJAYlsJKlqz.
        assert_eq!(
            checksum(10_000, CLIENT, "MINV20201231468", "081211111111", SECRET),
            "641ba73256296e800d9ca6e72cddf136b0bde9835aa29d35e0bc65a1974179fa"
        );
    }

    #[test]
    fn published_placeholder_checksum_does_not_verify() {
        // §5.1: the guide's c3cad18f… cannot be reproduced from its inputs.
        let expected = checksum(10_000, CLIENT, "INV-20210115-0001", "081211111111", SECRET);
        assert!(!checksum_matches(
            &expected,
            "c3cad18f3fcac29d44165fa6b7a01b09e305d1e75caec163181cf5101b91e18e"
        ));
        assert!(checksum_matches(&expected, &expected.to_ascii_uppercase()));
    }

    #[test]
    fn header_signature_vector_h1_post() {
        // §5.2, vector H1: POST /ovo-emoney/v1/payment with the §4 body.
        assert_eq!(digest(BODY.as_bytes()), "MwKz2zoWj/uDr7bbS5AFJLeP5yfKuSpuaJW0UDcYyBE=");
        let components = Components {
            client_id: CLIENT,
            request_id: "cc682442-6c22-493e-8121-b9ef6b3fa728",
            timestamp: "2021-01-15T03:00:00Z",
            target: "/ovo-emoney/v1/payment",
            body: Some(BODY.as_bytes()),
        };
        let want = "HMACSHA256=ar5Zhug5v+g3WGJz998zYapEH3oZSvIgJtToHf42cs0=";
        assert_eq!(signature(SECRET, &components), want);
        assert!(signature_matches(SECRET, &components, want));
        assert!(!signature_matches("SK-wrong", &components, want));
    }

    #[test]
    fn header_signature_vector_h2_get() {
        // §5.2, vector H2: GET /orders/v1/status/INV-20210115-0001, no Digest line.
        let components = Components {
            client_id: CLIENT,
            request_id: "cc682442-6c22-493e-8121-b9ef6b3fa729",
            timestamp: "2021-01-15T03:02:00Z",
            target: "/orders/v1/status/INV-20210115-0001",
            body: None,
        };
        assert!(!components.component_string().contains("Digest"));
        assert!(!components.component_string().ends_with('\n'));
        assert_eq!(
            signature(SECRET, &components),
            "HMACSHA256=uHt4TcbRLOgUMR7tGkYi9Ao6chrofXr1jbTfN5PhP/g="
        );
    }
}
