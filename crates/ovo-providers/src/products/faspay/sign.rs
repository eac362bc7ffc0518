//! Faspay's one signature recipe (faspay-ovo-tokenize.md §4):
//! `lowercase_hex(SHA-1(lowercase_hex(MD5(concat(fields)))))`. SHA-1 runs over the 32-character
//! hex text of the MD5, not over its raw bytes.

use md5::{Digest, Md5};
use ovo_secrets::Sensitive;
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// The recipe over the concatenation of `parts`. The parts are hashed one after the other, so
/// the password is never copied into a concatenated buffer.
pub fn sha1_md5(parts: &[&str]) -> String {
    let mut md5 = Md5::new();
    for part in parts {
        md5.update(part.as_bytes());
    }
    let md5_hex = hex::encode(md5.finalize());
    hex::encode(Sha1::digest(md5_hex.as_bytes()))
}

/// Constant-time comparison of a received signature with the expected one; upper-case hex is
/// accepted (hex is case-insensitive), surrounding whitespace is not part of a signature.
pub fn matches(expected: &str, received: &str) -> bool {
    let received = received.trim().to_ascii_lowercase();
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

/// Signs with the merchant's `user_id` and `password`.
#[derive(Debug, Clone)]
pub struct Signer {
    user_id: Sensitive<String>,
    password: Sensitive<String>,
}

impl Signer {
    pub fn new(user_id: Sensitive<String>, password: Sensitive<String>) -> Signer {
        Signer { user_id, password }
    }

    fn sign(&self, tail: &[&str]) -> String {
        let mut parts = vec![self.user_id.expose().as_str(), self.password.expose().as_str()];
        parts.extend_from_slice(tail);
        sha1_md5(&parts)
    }

    /// Every 720 operation: `user_id + password + phone_no` (§4), also the optional signature
    /// of the activation callback (§5.2, with `phone_number`).
    pub fn phone(&self, phone_no: &str) -> String {
        self.sign(&[phone_no])
    }

    /// Inquiry payment status and cancel: `user_id + password + bill_no` (§4, §5.10).
    pub fn bill(&self, bill_no: &str) -> String {
        self.sign(&[bill_no])
    }

    /// Return URL, and the documented payment-notification form:
    /// `user_id + password + bill_no + status` (§4, §5.11, §5.9).
    pub fn bill_status(&self, bill_no: &str, status: &str) -> String {
        self.sign(&[bill_no, status])
    }

    /// A payment notification's signature in either form (house decision 4): with the
    /// `payment_status_code` (documented) or without it (the published sample). Both are
    /// computed and compared in constant time.
    pub fn verify_notification(&self, bill_no: &str, status: &str, received: &str) -> bool {
        let documented = matches(&self.bill_status(bill_no, status), received);
        let legacy = matches(&self.bill(bill_no), received);
        documented | legacy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(user: &str, password: &str) -> Signer {
        Signer::new(Sensitive::new(user.to_owned()), Sensitive::new(password.to_owned()))
    }

    /// §4 vector F1 (published, F-OVO-TOK): the 720 activation sample, with its MD5 step.
    #[test]
    fn f1_activation_signature() {
        assert_eq!(
            hex::encode(Md5::digest(b"bot99999p@ssw0rd081382826301")),
            "363f316c79420017f24fe3a6278f3321"
        );
        assert_eq!(
            signer("bot99999", "p@ssw0rd").phone("081382826301"),
            "1d4c5f7246a762c4ab61cd3d399efa4c28978bf3"
        );
    }

    /// §4 vectors F2 and F2b (published, F-STATUS): inquiry payment status.
    #[test]
    fn f2_f2b_inquiry_status_signature() {
        assert_eq!(
            signer("bot31004", "p@ssw0rd").bill("31004001"),
            "be8791ac5f10bb042834896598bfc6bb9aadcbf9"
        );
        assert_eq!(
            signer("bot98765", "p@ssw0rd").bill("9988776655"),
            "b03951a6051dfa90894eea48ccb964619e8b3474"
        );
    }

    /// §4 vector F3 (published, F-RETURN): return URL, bill_no 4370 and status 0.
    #[test]
    fn f3_return_url_signature() {
        assert_eq!(
            signer("bot99999", "p@ssw0rd").bill_status("4370", "0"),
            "0da33ad07fe9980f7b7ff70a964803e821a86866"
        );
    }

    /// §4 vectors F4 (computed locally, documented form) and F5 (published sample, F-NOTIF):
    /// the notification verifier accepts both (house decision 4) and nothing else.
    #[test]
    fn f4_f5_notification_signature_either_form() {
        let s = signer("bot31025", "p@ssw0rd");
        assert_eq!(s.bill_status("300134486", "2"), "b993b29c1fee46c20c0aad2b879167ed6cf70416");
        assert_eq!(s.bill("300134486"), "9ed18926fa88f83b469f3ae73ef71ef2a4835c03");
        assert!(s.verify_notification(
            "300134486",
            "2",
            "b993b29c1fee46c20c0aad2b879167ed6cf70416"
        ));
        assert!(s.verify_notification(
            "300134486",
            "2",
            "9ed18926fa88f83b469f3ae73ef71ef2a4835c03"
        ));
        assert!(s.verify_notification(
            "300134486",
            "2",
            "B993B29C1FEE46C20C0AAD2B879167ED6CF70416"
        ));
        // The documented form signs the status: another status does not verify with it.
        assert!(!s.verify_notification(
            "300134486",
            "3",
            "b993b29c1fee46c20c0aad2b879167ed6cf70416"
        ));
        assert!(!s.verify_notification(
            "300134486",
            "2",
            "b993b29c1fee46c20c0aad2b879167ed6cf70417"
        ));
        assert!(!s.verify_notification("300134486", "2", ""));
        assert!(!signer("bot31025", "wrong").verify_notification(
            "300134486",
            "2",
            "b993b29c1fee46c20c0aad2b879167ed6cf70416"
        ));
    }

    #[test]
    fn comparison_rejects_other_lengths_and_bytes() {
        assert!(matches("abc", "ABC"));
        assert!(!matches("abc", "abcd"));
        assert!(!matches("abc", "abd"));
    }
}
