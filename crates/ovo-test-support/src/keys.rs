//! Test-only keys. They protect nothing; each pair lives beside the unit tests that pin
//! signatures made with it, and is read from there.

/// The provider clients' SNAP merchant key (RSA-2048), PKCS#1 PEM.
pub const CLIENT_PRIVATE_PKCS1: &str =
    include_str!("../../ovo-providers/tests/fixtures/snap_test_key_pkcs1.pem");
/// The same key as PKCS#8 PEM.
pub const CLIENT_PRIVATE_PKCS8: &str =
    include_str!("../../ovo-providers/tests/fixtures/snap_test_key_pkcs8.pem");
/// Its public half, PKCS#1 PEM.
pub const CLIENT_PUBLIC_PKCS1: &str =
    include_str!("../../ovo-providers/tests/fixtures/snap_test_key_pkcs1.pub");

/// The simulator suites' SNAP key (RSA-2048), PKCS#1 PEM: the merchant's in OVO SNAP and
/// DOKU SNAP requests, and DOKU's own in notifications.
pub const SIM_PRIVATE_PKCS1: &str =
    include_str!("../../ovo-sandbox/tests/fixtures/snap_test_private_pkcs1.pem");
/// Its public half, PKCS#1 PEM.
pub const SIM_PUBLIC_PKCS1: &str =
    include_str!("../../ovo-sandbox/tests/fixtures/snap_test_public_pkcs1.pem");
/// Its public half, SPKI PEM.
pub const SIM_PUBLIC_SPKI: &str =
    include_str!("../../ovo-sandbox/tests/fixtures/snap_test_public_spki.pem");

/// A PEM value `key = """…"""` of the first `[[product]]` section of the demo merchants
/// (e.g. `demo_pem("doku_snap_ovo", "merchant_private_key")`).
pub fn demo_pem(product: &str, key: &str) -> String {
    let demo = ovo_sandbox::DEMO_MERCHANTS;
    let section = &demo[demo.find(&format!("[[{product}]]")).unwrap()..];
    let start = section.find(&format!("{key} = \"\"\"")).unwrap() + key.len() + 6;
    let end = start + section[start..].find("\"\"\"").unwrap();
    section[start..end].trim().to_owned()
}
