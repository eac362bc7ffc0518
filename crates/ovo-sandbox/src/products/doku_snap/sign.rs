//! DOKU SNAP's own signing: the merchant's RSA key for N0's token request and the symmetric
//! headers of the N1/N2 notifications.

use super::*;

pub(super) fn parse_private_key(pem: &str) -> Result<RsaPrivateKey, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let pem = pem.trim();
    RsaPrivateKey::from_pkcs1_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem))
        .map_err(|e| format!("not an RSA private key: {e}"))
}

/// `base64(SHA256withRSA(message))`, the signature of DOKU's N0 token request (§4).
pub fn rsa_sign(key: &RsaPrivateKey, message: &str) -> String {
    use rsa::signature::{SignatureEncoding, Signer};
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.clone());
    base64::engine::general_purpose::STANDARD.encode(signer.sign(message.as_bytes()).to_bytes())
}

/// The relative URL signed in a notification: the merchant's own path (and query) (§4).
pub(super) fn relative_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

/// What one N1/N2 is built from; the same for every attempt. Each attempt signs it afresh with
/// its own N0 token and `X-TIMESTAMP`.
#[derive(Debug, Clone)]
pub struct NotificationParts {
    pub url: String,
    pub client_id: String,
    pub body: String,
    /// One per notification: every attempt (retries included) carries the same one.
    pub external_id: String,
    /// N1 only: the customer token the payment was made with.
    pub customer_token: Option<String>,
}

impl NotificationParts {
    /// N1/N2's headers: symmetric signature over the merchant's path with the token the merchant
    /// issued at N0 (§4, snap-standard §7 recipe 1). An empty token sends no `Authorization`.
    pub fn headers(&self, secret: &str, token: &str, timestamp: &str) -> Vec<(String, String)> {
        let to_sign = snap::symmetric_string_to_sign(
            "POST",
            &relative_url(&self.url),
            token,
            &snap::body_hash(self.body.as_bytes()),
            timestamp,
        );
        let mut headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-TIMESTAMP".to_owned(), timestamp.to_owned()),
            ("X-SIGNATURE".to_owned(), snap::hmac_signature(secret, &to_sign)),
            ("X-PARTNER-ID".to_owned(), self.client_id.clone()),
            ("X-EXTERNAL-ID".to_owned(), self.external_id.clone()),
        ];
        if !token.is_empty() {
            headers.push(("Authorization".to_owned(), format!("Bearer {token}")));
        }
        if let Some(customer) = &self.customer_token {
            headers.push(("Authorization-Customer".to_owned(), format!("Bearer {customer}")));
        }
        headers
    }
}
