//! Real OS keychain tests (Secret Service on Linux).
//!
//! Need a running, unlocked Secret Service, e.g.:
//! `dbus-run-session -- sh -c 'export XDG_DATA_HOME=$(mktemp -d); echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; cargo test -p ovo-secrets'`
//! Set `OVO_SKIP_KEYCHAIN_TESTS=1` to skip them explicitly.

mod common;

use common::read;
use ovo_secrets::{KeychainStore, SecretError, SecretKey, SecretStore, Sensitive, MAX_VALUE_BYTES};

/// The store, or `None` when skipping was requested. Panics when no keychain is reachable.
fn keychain(test: &str) -> Option<(KeychainStore, String)> {
    if std::env::var("OVO_SKIP_KEYCHAIN_TESTS").as_deref() == Ok("1") {
        eprintln!("SKIPPED keychain test {test}: OVO_SKIP_KEYCHAIN_TESTS=1");
        return None;
    }
    #[cfg(target_os = "linux")]
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        panic!(
            "keychain test {test}: DBUS_SESSION_BUS_ADDRESS is unset, so no Secret Service is reachable. \
             Run under `dbus-run-session` with an unlocked gnome-keyring (see tests/keychain.rs), \
             or set OVO_SKIP_KEYCHAIN_TESTS=1 to skip these tests."
        );
    }
    // A fresh app identifier per test so runs never collide.
    let namespace = format!("test.ovo-secrets.{:016x}", rand::random::<u64>());
    let store = KeychainStore::new();
    if let Err(e) = store.probe(&namespace) {
        panic!("keychain test {test}: {e} (or set OVO_SKIP_KEYCHAIN_TESTS=1 to skip)");
    }
    Some((store, namespace))
}

#[test]
fn put_replace_get_contains_delete() {
    let Some((store, ns)) = keychain("put_replace_get_contains_delete") else {
        return;
    };
    let key = SecretKey::new(&ns, "sandbox", "ovo-cash", "api_key");
    common::assert_round_trip(&store, &key);
}

#[test]
fn keys_differing_in_one_part_are_isolated() {
    let Some((store, ns)) = keychain("keys_differing_in_one_part_are_isolated") else {
        return;
    };
    let a = SecretKey::new(format!("{ns}.a"), "production", "ovo-cash", "api_key");
    for (case, b) in [
        ("environment", SecretKey::new(format!("{ns}.a"), "sandbox", "ovo-cash", "api_key")),
        ("app identifier", SecretKey::new(format!("{ns}.b"), "production", "ovo-cash", "api_key")),
        ("field", SecretKey::new(format!("{ns}.a"), "production", "ovo-cash", "api_secret")),
        ("product", SecretKey::new(format!("{ns}.a"), "production", "ovo-points", "api_key")),
    ] {
        common::assert_isolated(&store, case, &a, &b);
    }
}

#[test]
fn unicode_and_maximum_size_values_round_trip() {
    let Some((store, ns)) = keychain("unicode_and_maximum_size_values_round_trip") else {
        return;
    };
    let key = SecretKey::new(&ns, "sandbox", "ovo-cash", "pin");

    let unicode = "kata sandi: rahasia ✓ 🔑 \u{00e9}";
    store.put(&key, &unicode.into()).expect("put unicode");
    assert_eq!(read(&store, &key).as_deref(), Some(unicode));

    let big = "z".repeat(MAX_VALUE_BYTES);
    store.put(&key, &Sensitive::new(big.clone())).expect("put max size");
    assert_eq!(read(&store, &key), Some(big));

    assert!(store.delete(&key).expect("delete"));
}

#[test]
fn invalid_values_and_keys_are_rejected() {
    let Some((store, ns)) = keychain("invalid_values_and_keys_are_rejected") else {
        return;
    };
    let key = SecretKey::new(&ns, "sandbox", "ovo-cash", "api_key");

    let err = store.put(&key, &"".into()).expect_err("empty value");
    assert!(matches!(err, SecretError::InvalidValue { .. }), "{err}");
    let err =
        store.put(&key, &Sensitive::new("y".repeat(MAX_VALUE_BYTES + 1))).expect_err("too long");
    assert!(matches!(err, SecretError::InvalidValue { .. }), "{err}");
    assert!(!store.contains(&key).expect("nothing was stored"));

    let empty_field = SecretKey::new(&ns, "sandbox", "ovo-cash", "");
    let err = store.put(&empty_field, &"v".into()).expect_err("empty field");
    assert!(matches!(err, SecretError::InvalidKey { part: "field", .. }), "{err}");
}
