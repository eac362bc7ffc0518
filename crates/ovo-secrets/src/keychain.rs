use keyring::{Entry, Error as KeyringError};

use crate::{validate_value, SecretError, SecretKey, SecretStore, Sensitive};

/// User name of the probe entry; it has no `.`, so it never collides with a real key.
const PROBE_USER: &str = "keychain-probe";
const PROBE_VALUE: &str = "ovo-secrets keychain probe";

/// [`SecretStore`] backed by the OS keychain through `keyring` 3
/// (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows).
///
/// Entries: service `"{namespace}/{environment}"`, user `"{product}.{field}"`.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeychainStore {
    _private: (),
}

impl KeychainStore {
    /// A store using the platform's default keychain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the keychain is reachable and unlocked by writing, reading back and deleting
    /// a marker entry (service `"{namespace}"`, user `"keychain-probe"`).
    ///
    /// A read alone is not enough: a locked Secret Service still answers "no entry".
    pub fn probe(&self, namespace: &str) -> Result<(), SecretError> {
        SecretKey::new(namespace, "probe", "probe", "probe").validate()?;
        let name = format!("{namespace} / {PROBE_USER}");
        let entry = Entry::new(namespace, PROBE_USER).map_err(|e| map_err(&name, e))?;
        entry.set_password(PROBE_VALUE).map_err(|e| map_err(&name, e))?;
        let read = entry.get_password().map(Sensitive::new);
        // Always try to clean up, even if the read failed.
        let deleted = entry.delete_credential();
        let read = read.map_err(|e| map_err(&name, e))?;
        if read.expose() != PROBE_VALUE {
            return Err(SecretError::Unavailable {
                detail: "the probe entry read back a different value".to_owned(),
            });
        }
        match deleted {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(map_err(&name, e)),
        }
    }
}

/// Opens the keyring entry for `key`, returning it with a printable name.
fn open(key: &SecretKey) -> Result<(Entry, String), SecretError> {
    key.validate()?;
    let (service, user) = (key.service(), key.user());
    let name = format!("{service} / {user}");
    let entry = Entry::new(&service, &user).map_err(|e| map_err(&name, e))?;
    Ok((entry, name))
}

/// Maps a keyring error; `NoEntry` must be handled by the caller first.
fn map_err(entry: &str, err: KeyringError) -> SecretError {
    match err {
        KeyringError::NoStorageAccess(inner) | KeyringError::PlatformFailure(inner) => {
            SecretError::Unavailable { detail: inner.to_string() }
        }
        // The payload is the stored bytes: never show it.
        KeyringError::BadEncoding(_) => SecretError::Corrupt {
            entry: entry.to_owned(),
            detail: "the stored value is not valid UTF-8".to_owned(),
        },
        KeyringError::Ambiguous(found) => SecretError::Keychain {
            entry: entry.to_owned(),
            detail: format!("{} matching entries were found; expected one", found.len()),
        },
        KeyringError::NoEntry => {
            SecretError::Keychain { entry: entry.to_owned(), detail: "no such entry".to_owned() }
        }
        // TooLong / Invalid / future variants carry names and limits, not values.
        other => SecretError::Keychain { entry: entry.to_owned(), detail: other.to_string() },
    }
}

impl SecretStore for KeychainStore {
    fn put(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        validate_value(value)?;
        let (entry, name) = open(key)?;
        entry.set_password(value.expose()).map_err(|e| map_err(&name, e))
    }

    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        let (entry, name) = open(key)?;
        match entry.get_password() {
            Ok(value) => Ok(Some(Sensitive::new(value))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(map_err(&name, e)),
        }
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError> {
        let (entry, name) = open(key)?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(map_err(&name, e)),
        }
    }

    fn contains(&self, key: &SecretKey) -> Result<bool, SecretError> {
        // The value is wrapped at once so it is zeroized when dropped.
        Ok(self.get(key)?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Boom;
    impl std::fmt::Display for Boom {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("org.freedesktop.DBus.Error.ServiceUnknown")
        }
    }
    impl std::error::Error for Boom {}

    #[test]
    fn platform_failures_are_unavailable_with_guidance() {
        for err in [
            KeyringError::PlatformFailure(Box::new(Boom)),
            KeyringError::NoStorageAccess(Box::new(Boom)),
        ] {
            let mapped = map_err("svc / user", err);
            assert!(matches!(mapped, SecretError::Unavailable { .. }));
            let msg = mapped.to_string();
            assert!(msg.contains("OS keychain is unavailable or locked"), "{msg}");
            assert!(msg.contains("unlock"), "{msg}");
            assert!(msg.contains("Secret Service"), "{msg}");
            assert!(msg.contains("ServiceUnknown"), "{msg}");
        }
    }

    #[test]
    fn bad_encoding_never_shows_the_bytes() {
        let mapped = map_err("svc / user", KeyringError::BadEncoding(b"s3cr3t\xff".to_vec()));
        assert!(matches!(mapped, SecretError::Corrupt { .. }));
        assert!(!mapped.to_string().contains("s3cr3t"));
        assert!(!format!("{mapped:?}").contains("s3cr3t"));
    }

    #[test]
    fn invalid_values_are_rejected_before_the_keychain() {
        // No keychain access happens, so this runs without a Secret Service.
        let store = KeychainStore::new();
        let key = SecretKey::new("id.co.ovo.test", "sandbox", "p", "f");
        let err = store.put(&key, &"".into()).expect_err("empty");
        assert!(matches!(err, SecretError::InvalidValue { .. }));
        let bad = SecretKey::new("id.co.ovo.test", "", "p", "f");
        assert!(matches!(store.get(&bad).expect_err("bad key"), SecretError::InvalidKey { .. }));
    }
}
