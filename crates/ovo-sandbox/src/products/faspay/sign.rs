//! Faspay's request signature: SHA1 of MD5 over the joined parts.

use super::*;

/// `lowercase_hex(SHA-1(lowercase_hex(MD5(concat(parts)))))`.
pub fn signature(parts: &[&str]) -> String {
    let md5 = hex::encode(Md5::digest(parts.concat().as_bytes()));
    hex::encode(Sha1::digest(md5.as_bytes()))
}

/// Constant-time comparison of a received signature (hex, any case) with the expected one.
pub fn signature_matches(given: &str, expected: &str) -> bool {
    given.trim().to_ascii_lowercase().as_bytes().ct_eq(expected.as_bytes()).into()
}
