//! Tazapay signing (§2, §10.1): HTTP Basic credentials, the webhook HMAC-SHA256, and the house
//! scheme of idempotency keys.

#[allow(clippy::wildcard_imports)]
use super::*;

/// `Basic base64(api_key + ":" + api_secret)` (§2).
pub fn basic_authorization(api_key: &str, api_secret: &str) -> Sensitive<String> {
    let mut pair = String::with_capacity(api_key.len() + api_secret.len() + 1);
    pair.push_str(api_key);
    pair.push(':');
    pair.push_str(api_secret);
    let header = format!("Basic {}", B64.encode(pair.as_bytes()));
    drop(Sensitive::new(pair)); // zeroize the joined pair
    Sensitive::new(header)
}

/// `base64(HMAC-SHA256(webhook_secret, event.id + payload + event.created_at))` (§10.1).
pub fn webhook_signature(secret: &[u8], event_id: &str, body: &[u8], created_at: &str) -> String {
    B64.encode(webhook_mac(secret, event_id, body, created_at))
}

fn webhook_mac(secret: &[u8], event_id: &str, body: &[u8], created_at: &str) -> Vec<u8> {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return Vec::new(),
    };
    mac.update(event_id.as_bytes());
    mac.update(body);
    mac.update(created_at.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Constant-time check of a received `signature` header.
pub fn verify_webhook_signature(
    secret: &[u8],
    event_id: &str,
    body: &[u8],
    created_at: &str,
    signature: &str,
) -> bool {
    let Ok(received) = B64.decode(signature.trim()) else {
        return false;
    };
    let expected = webhook_mac(secret, event_id, body, created_at);
    !expected.is_empty() && bool::from(expected.as_slice().ct_eq(received.as_slice()))
}

/// House idempotency-key scheme (§3).
pub fn create_idempotency_key(reference: &Reference) -> String {
    format!("{reference}-create")
}
pub fn confirm_idempotency_key(reference: &Reference, attempt: u32) -> String {
    format!("{reference}-confirm-{attempt}")
}
pub fn refund_idempotency_key(reference: &Reference, n: u32) -> String {
    format!("{reference}-refund-{n}")
}
pub fn cancel_idempotency_key(reference: &Reference) -> String {
    format!("{reference}-cancel")
}
