//! SNAP signatures (§5–§7): the body hash, the symmetric string to sign and HMAC-SHA512,
//! and SHA256withRSA verification.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

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
