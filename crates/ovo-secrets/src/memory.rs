use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::{validate_value, SecretError, SecretKey, SecretStore, Sensitive};

/// In-memory [`SecretStore`] for tests. Values are zeroized when replaced, deleted or dropped.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<SecretKey, Sensitive<String>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored secrets.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<SecretKey, Sensitive<String>>> {
        // The map stays consistent even if a holder panicked.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").field("entries", &self.len()).finish()
    }
}

impl SecretStore for MemoryStore {
    fn put(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        key.validate()?;
        validate_value(value)?;
        self.lock().insert(key.clone(), value.clone());
        Ok(())
    }

    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        key.validate()?;
        Ok(self.lock().get(key).cloned())
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError> {
        key.validate()?;
        Ok(self.lock().remove(key).is_some())
    }

    fn contains(&self, key: &SecretKey) -> Result<bool, SecretError> {
        key.validate()?;
        Ok(self.lock().contains_key(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MAX_VALUE_BYTES;

    fn key(env: &str, field: &str) -> SecretKey {
        SecretKey::new("id.co.ovo.test", env, "ovo-cash", field)
    }

    #[test]
    fn rejects_bad_values() {
        let store = MemoryStore::new();
        let k = key("sandbox", "api_key");
        let err = store.put(&k, &"".into()).expect_err("empty");
        assert!(matches!(err, SecretError::InvalidValue { .. }));
        assert_eq!(err.to_string(), "invalid secret value: the secret value is empty");

        let big = "x".repeat(MAX_VALUE_BYTES + 1);
        let err = store.put(&k, &Sensitive::new(big.clone())).expect_err("too long");
        assert!(matches!(err, SecretError::InvalidValue { .. }));
        assert!(!err.to_string().contains(&big));
        assert!(err.to_string().contains("16384"));

        store.put(&k, &Sensitive::new("x".repeat(MAX_VALUE_BYTES))).expect("exactly the limit");
    }

    #[test]
    fn rejects_bad_keys() {
        let store = MemoryStore::new();
        let k = key("", "api_key");
        let v: Sensitive<String> = "v".into();
        for err in [
            store.put(&k, &v).expect_err("put"),
            store.get(&k).expect_err("get"),
            store.delete(&k).expect_err("delete"),
            store.contains(&k).expect_err("contains"),
        ] {
            assert!(matches!(err, SecretError::InvalidKey { part: "environment", .. }));
        }
    }

    #[test]
    fn debug_shows_no_values() {
        let store = MemoryStore::new();
        store.put(&key("sandbox", "api_key"), &"topsecret".into()).expect("put");
        let out = format!("{store:?}");
        assert!(!out.contains("topsecret"));
        assert_eq!(out, "MemoryStore { entries: 1 }");
    }

    #[test]
    fn usable_as_trait_object() {
        let store: Box<dyn SecretStore> = Box::new(MemoryStore::new());
        let k = key("sandbox", "pin");
        store.put(&k, &"1234".into()).expect("put");
        assert!(store.contains(&k).expect("contains"));
    }
}
