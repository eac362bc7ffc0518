//! The in-memory store against the same checks as the OS keychain.

mod common;

use ovo_secrets::{MemoryStore, SecretKey, SecretStore};

#[test]
fn put_get_replace_delete_contains() {
    let store = MemoryStore::new();
    let k = SecretKey::new("id.co.ovo.test", "sandbox", "ovo-cash", "api_key");
    assert!(store.is_empty());
    common::assert_round_trip(&store, &k);
    store.put(&k, &"again".into()).expect("put");
    assert_eq!(store.len(), 1);
}

#[test]
fn keys_are_independent() {
    let store = MemoryStore::new();
    let a = SecretKey::new("id.co.ovo.test", "sandbox", "ovo-cash", "api_key");
    for (case, b) in [
        ("environment", SecretKey::new("id.co.ovo.test", "production", "ovo-cash", "api_key")),
        ("app identifier", SecretKey::new("id.co.other", "sandbox", "ovo-cash", "api_key")),
        ("field", SecretKey::new("id.co.ovo.test", "sandbox", "ovo-cash", "api_secret")),
    ] {
        common::assert_isolated(&store, case, &a, &b);
    }
}
