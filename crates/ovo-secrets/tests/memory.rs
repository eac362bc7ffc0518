//! The in-memory store against the same checks as the OS keychain.

mod common;

use ovo_secrets::{MemoryStore, SecretKey, SecretStore};

fn key(environment: &str, field: &str) -> SecretKey {
    SecretKey::new("id.co.ovo.test", environment, "ovo-cash", field)
}

#[test]
fn put_get_replace_delete_contains() {
    let store = MemoryStore::new();
    let k = key("sandbox", "api_key");
    assert!(store.is_empty());
    common::assert_round_trip(&store, &k);
    store.put(&k, &"again".into()).expect("put");
    assert_eq!(store.len(), 1);
}

#[test]
fn keys_are_independent() {
    let store = MemoryStore::new();
    let a = key("sandbox", "api_key");
    let mut other_app = a.clone();
    other_app.namespace = "id.co.other".into();
    for b in [key("production", "api_key"), other_app, key("sandbox", "api_secret")] {
        common::assert_isolated(&store, &a, &b);
    }
}
