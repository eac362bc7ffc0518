//! Sealing secrets that are kept outside the keychain (in a shared ledger): XChaCha20-Poly1305
//! with a 32-byte key and a random 24-byte nonce. A sealed text is `v1.<base64(nonce ‖ ciphertext)>`
//! and is bound to what it belongs to by associated data (`context`), so a sealed value copied to
//! another row does not open there. A key can also be derived from a one-time code (argon2id).

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use crate::{SecretError, Sensitive};

/// Bytes of a key.
pub const SEALING_KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
const VERSION: &str = "v1.";
/// argon2id for one-time codes: 64 MiB, 3 passes, one lane (OWASP's first choice).
const CODE_MEMORY_KIB: u32 = 64 * 1024;
const CODE_PASSES: u32 = 3;

/// A key that seals and opens secrets.
#[derive(Clone)]
pub struct SealingKey(Sensitive<Vec<u8>>);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey([redacted])")
    }
}

impl SealingKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<SealingKey, SecretError> {
        if bytes.len() != SEALING_KEY_BYTES {
            return Err(SecretError::InvalidValue {
                reason: format!("a sealing key is {SEALING_KEY_BYTES} bytes, not {}", bytes.len()),
            });
        }
        Ok(SealingKey(Sensitive::new(bytes.to_vec())))
    }

    /// The key a one-time code and its salt stand for (argon2id; slow on purpose).
    pub fn from_code(code: &str, salt: &[u8]) -> Result<SealingKey, SecretError> {
        let params = Params::new(CODE_MEMORY_KIB, CODE_PASSES, 1, Some(SEALING_KEY_BYTES))
            .map_err(|e| SecretError::InvalidValue { reason: e.to_string() })?;
        let mut derived = vec![0u8; SEALING_KEY_BYTES];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(code.as_bytes(), salt, &mut derived)
            .map_err(|e| SecretError::InvalidValue {
                reason: format!("cannot derive a key from the code: {e}"),
            })?;
        Ok(SealingKey(Sensitive::new(derived)))
    }

    /// `plaintext` sealed for `context`.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload { msg: plaintext, aad: context.as_bytes() },
            )
            .expect("XChaCha20-Poly1305 seals any message below its 256 GiB limit");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&ciphertext);
        format!("{VERSION}{}", BASE64.encode(bytes))
    }

    /// What `seal` sealed for the same `context`; an error for another key, another context or
    /// an altered text.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Sensitive<Vec<u8>>, SecretError> {
        let unsealable = |detail: &str| SecretError::Unsealable { detail: detail.to_owned() };
        let body = sealed
            .strip_prefix(VERSION)
            .ok_or_else(|| unsealable("it is not a sealed value of a known version"))?;
        let bytes = BASE64.decode(body).map_err(|_| unsealable("it is not base64"))?;
        if bytes.len() < NONCE_BYTES {
            return Err(unsealable("it is too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        self.cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload { msg: ciphertext, aad: context.as_bytes() },
            )
            .map(Sensitive::new)
            .map_err(|_| unsealable("the key does not open it, or it was altered"))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new_from_slice(self.0.expose())
            .expect("a sealing key is always 32 bytes (checked when made)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SealingKey {
        SealingKey::from_bytes(&[byte; SEALING_KEY_BYTES]).expect("32 bytes")
    }

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_context() {
        let sealed = key(1).seal(b"customer token", "sandbox/ovo-snap/REF1");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("customer"));
        let opened = key(1).open(&sealed, "sandbox/ovo-snap/REF1").expect("opens");
        assert_eq!(opened.expose(), b"customer token");
        assert!(key(2).open(&sealed, "sandbox/ovo-snap/REF1").is_err(), "another key");
        assert!(key(1).open(&sealed, "sandbox/ovo-snap/REF2").is_err(), "another row");
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).expect("ascii");
        assert!(key(1).open(&altered, "sandbox/ovo-snap/REF1").is_err(), "altered");
        assert_ne!(sealed, key(1).seal(b"customer token", "sandbox/ovo-snap/REF1"), "fresh nonce");
    }

    #[test]
    fn a_code_derives_the_same_key_only_with_its_salt() {
        let sealed =
            SealingKey::from_code("K7Q2M", b"salt-of-16-bytes").expect("key").seal(b"k", "c");
        let again = SealingKey::from_code("K7Q2M", b"salt-of-16-bytes").expect("key");
        assert_eq!(again.open(&sealed, "c").expect("opens").expose(), b"k");
        let other_salt = SealingKey::from_code("K7Q2M", b"another-salt-16b").expect("key");
        assert!(other_salt.open(&sealed, "c").is_err());
        let other_code = SealingKey::from_code("K7Q2N", b"salt-of-16-bytes").expect("key");
        assert!(other_code.open(&sealed, "c").is_err());
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused() {
        let error = SealingKey::from_bytes(&[0; 16]).expect_err("16 bytes");
        assert!(error.to_string().contains("32 bytes, not 16"), "{error}");
    }
}
