//! What every `SecretStore` must do, checked the same way on each store.

use ovo_secrets::{SecretKey, SecretStore};

pub fn read(store: &dyn SecretStore, key: &SecretKey) -> Option<String> {
    store.get(key).expect("get").map(|v| v.expose().clone())
}

/// Put, replace, read, contains and delete of one key, from absent back to absent.
pub fn assert_round_trip(store: &dyn SecretStore, key: &SecretKey) {
    assert_eq!(read(store, key), None);
    assert!(!store.contains(key).expect("contains"));
    assert!(!store.delete(key).expect("delete missing"));

    store.put(key, &"first-secret".into()).expect("put");
    assert!(store.contains(key).expect("contains"));
    assert_eq!(read(store, key).as_deref(), Some("first-secret"));

    store.put(key, &"second-secret".into()).expect("replace");
    assert_eq!(read(store, key).as_deref(), Some("second-secret"));

    assert!(store.delete(key).expect("delete"));
    assert!(!store.contains(key).expect("contains after delete"));
    assert_eq!(read(store, key), None);
    assert!(!store.delete(key).expect("delete twice"));
}

/// Two keys that differ in one part (`case` names it) never see each other's value.
pub fn assert_isolated(store: &dyn SecretStore, case: &str, a: &SecretKey, b: &SecretKey) {
    store.put(a, &"a-value".into()).expect("put a");
    assert!(!store.contains(b).expect("contains b"), "{case}");
    assert_eq!(read(store, b), None, "{case}");
    assert!(!store.delete(b).expect("delete b before it exists"), "{case}");

    store.put(b, &"b-value".into()).expect("put b");
    assert_eq!(read(store, a).as_deref(), Some("a-value"), "{case}");
    assert_eq!(read(store, b).as_deref(), Some("b-value"), "{case}");

    assert!(store.delete(a).expect("delete a"), "{case}");
    assert_eq!(read(store, b).as_deref(), Some("b-value"), "{case}");
    assert!(store.delete(b).expect("delete b"), "{case}");
}
