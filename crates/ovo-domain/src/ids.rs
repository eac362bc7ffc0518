//! Row identifiers and our payment/refund reference.

use crate::key::newtype_conversions;
use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

macro_rules! id_newtype {
    ($(#[$doc:meta] $name:ident),+ $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(id: i64) -> Self {
                Self(id)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )+};
}

id_newtype!(
    /// Row id of a back-office operator.
    OperatorId,
    /// Row id of a customer.
    CustomerId,
    /// Row id of a customer's OVO account binding.
    BindingId,
    /// Row id of a payment.
    PaymentId,
    /// Row id of a refund.
    RefundId,
);

/// Why a reference was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ReferenceError {
    #[error("reference is empty; expected 16 characters A-Z and 0-9")]
    Empty,
    #[error("reference has {0} characters; expected exactly 16 characters A-Z and 0-9")]
    WrongLength(usize),
    #[error("reference must be upper case; expected 16 characters A-Z and 0-9")]
    Lowercase,
    #[error("reference may contain only A-Z and 0-9; expected 16 such characters")]
    InvalidCharacter,
}

impl ReferenceError {
    /// Stable snake_case key a UI can translate.
    pub const fn reason(&self) -> &'static str {
        match self {
            ReferenceError::Empty => "reference_empty",
            ReferenceError::WrongLength(_) => "reference_wrong_length",
            ReferenceError::Lowercase => "reference_lowercase",
            ReferenceError::InvalidCharacter => "reference_invalid_character",
        }
    }
}

/// Our 16-character `[A-Z0-9]` payment or refund reference, sent to providers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Reference(String);

impl Reference {
    pub const LEN: usize = 16;
    const ALPHABET: &'static [u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// Exact match; surrounding whitespace and lowercase letters are rejected.
    pub fn parse(input: &str) -> Result<Reference, ReferenceError> {
        if input.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if input.chars().any(|c| c.is_lowercase()) {
            return Err(ReferenceError::Lowercase);
        }
        if !input.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(ReferenceError::InvalidCharacter);
        }
        if input.len() != Self::LEN {
            return Err(ReferenceError::WrongLength(input.len()));
        }
        Ok(Reference(input.to_owned()))
    }

    /// A uniformly random reference (about 82 bits); uniqueness is the store's job.
    pub fn generate(rng: &mut impl Rng) -> Reference {
        let s = (0..Self::LEN)
            .map(|_| char::from(Self::ALPHABET[rng.gen_range(0..Self::ALPHABET.len())]))
            .collect();
        Reference(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

newtype_conversions!(Reference(String), ReferenceError, |value: String| Reference::parse(&value));

impl AsRef<str> for Reference {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn check(input: &str, expected: Result<&str, ReferenceError>) {
        assert_eq!(
            Reference::parse(input).as_ref().map(Reference::as_str).map_err(|e| *e),
            expected,
            "input {input:?}"
        );
    }

    #[test]
    fn parses_references() {
        use ReferenceError::*;
        check("ABCDEFGH12345678", Ok("ABCDEFGH12345678"));
        check("0000000000000000", Ok("0000000000000000"));
        check("ZZZZZZZZZZZZZZZZ", Ok("ZZZZZZZZZZZZZZZZ"));
        check("", Err(Empty));
        check("abcdefgh12345678", Err(Lowercase));
        check("ABCDEFGh12345678", Err(Lowercase));
        check("ABCDEFGH-2345678", Err(InvalidCharacter));
        check(" ABCDEFGH1234567", Err(InvalidCharacter));
        check("ABCDEFGH1234567Ä", Err(InvalidCharacter));
        check("ABCDEFGH1234567", Err(WrongLength(15)));
        check("ABCDEFGH123456789", Err(WrongLength(17)));
    }

    #[test]
    fn errors_explain_the_format() {
        for err in [
            ReferenceError::Empty,
            ReferenceError::WrongLength(3),
            ReferenceError::Lowercase,
            ReferenceError::InvalidCharacter,
        ] {
            assert!(err.to_string().contains("A-Z and 0-9"), "{err}");
            assert!(err.reason().starts_with("reference_"));
        }
        assert_eq!(
            ReferenceError::Lowercase.to_string(),
            "reference must be upper case; expected 16 characters A-Z and 0-9"
        );
    }

    #[test]
    fn generated_references_parse_and_differ() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen = std::collections::HashSet::new();
        let mut chars = std::collections::HashSet::new();
        for _ in 0..200 {
            let r = Reference::generate(&mut rng);
            assert_eq!(Reference::parse(r.as_str()).as_ref(), Ok(&r));
            chars.extend(r.as_str().chars());
            assert!(seen.insert(r));
        }
        // 3200 draws from 36 symbols hit every one.
        assert_eq!(chars.len(), 36);
    }

    #[test]
    fn serde_for_ids_and_references() {
        assert_eq!(serde_json::to_string(&PaymentId::new(42)).expect("serialize"), "42");
        assert_eq!(serde_json::from_str::<RefundId>("7").expect("deserialize"), RefundId::new(7));
        assert_eq!(OperatorId::new(3).get(), 3);
        assert_eq!(CustomerId::new(-1).to_string(), "-1");
        assert_eq!(BindingId::new(12).to_string(), "12");
        let r = Reference::parse("ABCDEFGH12345678").expect("valid");
        assert_eq!(serde_json::to_string(&r).expect("serialize"), "\"ABCDEFGH12345678\"");
        assert!(serde_json::from_str::<Reference>("\"abc\"").is_err());
    }
}
