//! What the two SNAP suites (OVO SNAP, DOKU SNAP) sign and read alike, built from
//! `snap-standard.md`, not from the sandbox's code.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use ovo_test_support::keys;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::Value;
use sha2::{Sha256, Sha512};

/// SHA256withRSA with the test key, Base64 (§5): token requests sign `clientId|X-TIMESTAMP`.
pub fn rsa_sign(message: &str) -> String {
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(keys::SIM_PRIVATE_PKCS1).unwrap();
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key);
    base64::engine::general_purpose::STANDARD.encode(signer.sign(message.as_bytes()).to_bytes())
}

/// HMAC-SHA512 of `message` under `secret`, Base64 (§6).
pub fn hmac_b64(secret: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The secret of `client`: the first merchant's when it is the first, else the second's.
pub fn secret_of(client: &str, [first, second]: [(&str, &'static str); 2]) -> &'static str {
    if client == first.0 {
        first.1
    } else {
        second.1
    }
}

/// The `partnerRefundNo`s of a status answer's `refundHistory`, oldest first.
pub fn refund_nos(status: &Value) -> Vec<String> {
    status["refundHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partnerRefundNo"].as_str().unwrap().to_owned())
        .collect()
}
