//! Secret storage for the back office.
//!
//! - [`Sensitive<T>`] wraps a secret: redacted in `Debug`/`Display`, zeroized on drop,
//!   readable only through [`Sensitive::expose`]. It deliberately has no serde support.
//! - [`SecretStore`] is the storage trait; [`KeychainStore`] uses the OS keychain
//!   (macOS Keychain, Windows Credential Manager, Linux Secret Service) through `keyring` 3,
//!   and [`MemoryStore`] keeps secrets in memory for unit tests.
//! - [`SealingKey`] seals secrets kept outside the keychain (XChaCha20-Poly1305), with a key from
//!   the keychain or derived from a one-time code (argon2id).
//!
//! # Keychain naming scheme
//!
//! A [`SecretKey`] `{ namespace, environment, product, field }` maps to a keyring entry with
//!
//! - service = `"{namespace}/{environment}"`, e.g. `"id.co.ovo.backoffice/production"`
//! - user    = `"{product}.{field}"`, e.g. `"ovo-cash.api_key"`
//!
//! `namespace` is the app identifier. Key parts are restricted (see [`SecretKey::validate`]):
//! no part may contain `/`, and only the namespace may contain `.`, so the mapping is
//! unambiguous and different app identifiers or environments never share an entry.
//! [`KeychainStore::probe`] uses service `"{namespace}"` (no `/`) and user `"keychain-probe"`
//! (no `.`), which can never collide with a real key.

#![forbid(unsafe_code)]

mod error;
mod key;
mod keychain;
mod memory;
mod seal;
mod sensitive;

pub use error::SecretError;
pub use key::SecretKey;
pub use keychain::KeychainStore;
pub use memory::MemoryStore;
pub use seal::{SealingKey, SEALING_KEY_BYTES};
pub use sensitive::Sensitive;

/// Largest accepted secret value, in bytes (UTF-8).
pub const MAX_VALUE_BYTES: usize = 16 * 1024;

/// Storage for secrets addressed by [`SecretKey`].
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// Stores `value` under `key`, replacing any previous value.
    fn put(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError>;

    /// Reads the value under `key`; `None` when there is none.
    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError>;

    /// Deletes the value under `key`; returns whether it existed.
    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError>;

    /// Whether a value exists under `key`.
    fn contains(&self, key: &SecretKey) -> Result<bool, SecretError>;
}

/// Checks a value before it is stored. Never echoes the value.
pub(crate) fn validate_value(value: &Sensitive<String>) -> Result<(), SecretError> {
    let len = value.expose().len();
    if len == 0 {
        return Err(SecretError::InvalidValue { reason: "the secret value is empty".to_owned() });
    }
    if len > MAX_VALUE_BYTES {
        return Err(SecretError::InvalidValue {
            reason: format!(
                "the secret value is {len} bytes; the limit is {MAX_VALUE_BYTES} bytes"
            ),
        });
    }
    Ok(())
}
