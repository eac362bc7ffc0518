//! What the inbox stores of a request: its secrets replaced by a keyed hash (HMAC-SHA256 under
//! this ledger's redaction key), so the same notification still stores the same text and a
//! stored value can be matched against a known one by whoever holds the key, never read back.
//! The product's declared fields (`ovo_providers::notification::notification_secrets`) are
//! redacted, and with them every field whose name says it holds a credential, whatever the
//! product: a forged request cannot smuggle a secret into the ledger under another product.

use hmac::{Hmac, Mac};
use ovo_domain::Product;
use ovo_providers::notification::{notification_secrets, NotificationSecrets};
use serde_json::Value;
use sha2::Sha256;

/// The keyed hash that stands for a secret value.
pub(crate) fn keyed_hash(key: &[u8], value: &str) -> String {
    format!("redacted:hmac:{}", hex_hmac(key, &[value.as_bytes()], 16))
}

/// HMAC-SHA256 of `parts` (each length-prefixed), the first `bytes` bytes in hex.
pub(crate) fn hex_hmac(key: &[u8], parts: &[&[u8]], bytes: usize) -> String {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    let digest = mac.finalize().into_bytes();
    hex::encode(&digest[..bytes.min(digest.len())])
}

/// The generic rule: a field or header whose name holds one of these words (camelCase,
/// snake_case, kebab-case and run-together forms) holds a credential.
fn is_credential_name(name: &str) -> bool {
    const WORDS: [&str; 15] = [
        "token",
        "secret",
        "signature",
        "password",
        "passwd",
        "passcode",
        "otp",
        "pin",
        "cvv",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "bearer",
        "authcode",
    ];
    const PAIRS: [(&str, &str); 6] = [
        ("auth", "code"),
        ("api", "key"),
        ("private", "key"),
        ("access", "key"),
        ("client", "secret"),
        ("set", "cookie"),
    ];
    let words = words_of(name);
    words.iter().any(|w| WORDS.contains(&w.as_str()))
        || words.windows(2).any(|p| PAIRS.contains(&(p[0].as_str(), p[1].as_str())))
        || {
            let joined = words.concat();
            ["authcode", "accesstoken", "refreshtoken", "apikey", "privatekey", "signature"]
                .iter()
                .any(|w| joined.contains(w))
        }
}

/// `authCode` → [auth, code]; `X-CALLBACK-TOKEN` → [x, callback, token].
fn words_of(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Redacts requests of one product (`None`: a path that names no product).
pub(crate) struct Redactor<'a> {
    key: &'a [u8],
    declared: NotificationSecrets,
}

impl<'a> Redactor<'a> {
    pub(crate) fn new(key: &'a [u8], product: Option<Product>) -> Redactor<'a> {
        let declared = product
            .map(notification_secrets)
            .unwrap_or(NotificationSecrets { body_fields: &[], headers: &[] });
        Redactor { key, declared }
    }

    fn secret_field(&self, path: &str, name: &str) -> bool {
        is_credential_name(name)
            || self.declared.body_fields.iter().any(|declared| {
                declared.eq_ignore_ascii_case(path)
                    || declared
                        .rsplit('.')
                        .next()
                        .is_some_and(|last| last.eq_ignore_ascii_case(name))
            })
    }

    fn secret_header(&self, name: &str) -> bool {
        is_credential_name(name)
            || self.declared.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// The headers as stored: a JSON object, secret values replaced.
    pub(crate) fn headers(&self, headers: &[(String, String)]) -> String {
        let map: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(name, value)| {
                let value = if self.secret_header(name) {
                    keyed_hash(self.key, value)
                } else {
                    value.clone()
                };
                (name.clone(), Value::String(value))
            })
            .collect();
        Value::Object(map).to_string()
    }

    /// Stored headers (a JSON object) redacted again: for rows stored before redaction.
    pub(crate) fn stored_headers(&self, stored: &str) -> String {
        match serde_json::from_str::<serde_json::Map<String, Value>>(stored) {
            Ok(map) => {
                let pairs: Vec<(String, String)> = map
                    .into_iter()
                    .map(|(k, v)| {
                        (k, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
                    })
                    .collect();
                self.headers(&pairs)
            }
            Err(_) => self.opaque(stored),
        }
    }

    /// The body as stored: a JSON, XML or form body with its secret fields replaced; any other
    /// text (which the listener cannot look into) replaced whole.
    pub(crate) fn body(&self, body: &str) -> String {
        let trimmed = body.trim_start();
        if trimmed.is_empty() {
            return body.to_owned();
        }
        if let Ok(mut value) = serde_json::from_str::<Value>(body) {
            self.redact_json(&mut value, "");
            return value.to_string();
        }
        if trimmed.starts_with('<') {
            return self.redact_xml(body);
        }
        if body.contains('=') && !body.contains(char::is_whitespace) {
            return self.redact_form(body);
        }
        self.opaque(body)
    }

    fn opaque(&self, text: &str) -> String {
        format!("{} ({} bytes, not JSON, XML or a form)", keyed_hash(self.key, text), text.len())
    }

    fn redact_json(&self, value: &mut Value, path: &str) {
        match value {
            Value::Object(map) => {
                for (name, field) in map.iter_mut() {
                    let here =
                        if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                    if self.secret_field(&here, name) && !field.is_null() {
                        let text =
                            field.as_str().map(str::to_owned).unwrap_or_else(|| field.to_string());
                        *field = Value::String(keyed_hash(self.key, &text));
                    } else {
                        self.redact_json(field, &here);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.redact_json(item, path)),
            _ => {}
        }
    }

    /// `<signature>abc</signature>` → `<signature>redacted:hmac:…</signature>`.
    fn redact_xml(&self, body: &str) -> String {
        let mut out = String::with_capacity(body.len());
        for (i, segment) in body.split('<').enumerate() {
            if i > 0 {
                out.push('<');
            }
            let Some((tag, text)) = segment.split_once('>') else {
                out.push_str(segment);
                continue;
            };
            let name =
                tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or_default();
            let opening = !tag.starts_with(['/', '?', '!']) && !tag.ends_with('/');
            out.push_str(tag);
            out.push('>');
            if opening && !text.trim().is_empty() && self.secret_field(name, name) {
                out.push_str(&keyed_hash(self.key, text));
            } else {
                out.push_str(text);
            }
        }
        out
    }

    fn redact_form(&self, body: &str) -> String {
        body.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) if self.secret_field(name, name) => {
                    format!("{name}={}", keyed_hash(self.key, value))
                }
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// `text` cut to at most `max` bytes (on a character boundary), saying how long it was.
pub(crate) fn bounded(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = &[7; 32];

    #[test]
    fn credential_names_are_recognised_in_every_spelling() {
        for name in [
            "authCode",
            "auth_code",
            "AUTHCODE",
            "accessToken",
            "X-SIGNATURE",
            "signature",
            "customer_token",
            "otpCode",
            "pin",
            "password",
            "client_secret",
            "Authorization",
            "apiKey",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
        for name in
            ["shipping", "originalExternalId", "amount", "custIdMerchant", "footprint", "status"]
        {
            assert!(!is_credential_name(name), "{name}");
        }
    }

    #[test]
    fn secrets_become_the_same_keyed_hash_and_the_rest_stays() {
        let redactor = Redactor::new(KEY, Some(Product::DokuSnapOvo));
        let body = r#"{"originalExternalId":"1","additionalInfo":{"status":"SUCCESS","authCode":"code-123","custIdMerchant":"m"}}"#;
        let once = redactor.body(body);
        assert!(!once.contains("code-123"), "{once}");
        assert!(once.contains("\"custIdMerchant\":\"m\""), "{once}");
        assert!(once.contains(&keyed_hash(KEY, "code-123")), "{once}");
        assert_eq!(redactor.body(body), once, "the same body redacts the same");
        assert_ne!(Redactor::new(&[8; 32], Some(Product::DokuSnapOvo)).body(body), once);
        let faspay = Redactor::new(KEY, Some(Product::FaspayOvoTokenize));
        let form = faspay.body("bill_no=1&signature=abc123&trx_id=9");
        assert!(
            form.starts_with("bill_no=1&signature=redacted:hmac:") && form.ends_with("&trx_id=9"),
            "{form}"
        );
        let xml = faspay.body("<faspay><bill_no>1</bill_no><signature>abc123</signature></faspay>");
        assert!(!xml.contains("abc123") && xml.contains("<bill_no>1</bill_no>"), "{xml}");
        let opaque = Redactor::new(KEY, None).body("just a secret-looking text 12345");
        assert!(!opaque.contains("12345"), "{opaque}");
        let headers = redactor.headers(&[
            ("X-SIGNATURE".into(), "sig".into()),
            ("Authorization".into(), "Bearer t".into()),
            ("X-TIMESTAMP".into(), "2026".into()),
        ]);
        assert!(!headers.contains("sig\"") && !headers.contains("Bearer t"), "{headers}");
        assert!(headers.contains("\"X-TIMESTAMP\":\"2026\""), "{headers}");
    }
}
