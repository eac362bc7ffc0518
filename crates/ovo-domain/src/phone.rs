//! Indonesian mobile numbers (MSISDN), as OVO requires.

use crate::key::newtype_conversions;
use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Appended to every error message so the user sees what to type.
const ACCEPTED_FORMS: &str = "accepted: 081234567890, 6281234567890, +62 812-3456-7890";

/// Why a phone number was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty; {}", ACCEPTED_FORMS)]
    Empty,
    #[error(
        "phone number may contain only digits, a leading +, spaces, '-', '.', '(' and ')'; {}",
        ACCEPTED_FORMS
    )]
    InvalidCharacters,
    #[error("only Indonesian numbers (+62) are accepted; {}", ACCEPTED_FORMS)]
    ForeignCountryCode,
    #[error("phone number must start with 0, 62 or +62; {}", ACCEPTED_FORMS)]
    MissingPrefix,
    #[error("drop the 0 after the country code (+62 812…, not +62 0812…); {}", ACCEPTED_FORMS)]
    TrunkZeroAfterCountryCode,
    #[error("OVO needs an Indonesian mobile number starting 08 or +62 8 (landlines are not accepted); {}", ACCEPTED_FORMS)]
    NotMobile,
    #[error("phone number is too short (08… numbers have 10 to 13 digits); {}", ACCEPTED_FORMS)]
    TooShort,
    #[error("phone number is too long (08… numbers have 10 to 13 digits); {}", ACCEPTED_FORMS)]
    TooLong,
}

impl PhoneError {
    /// Stable snake_case key a UI can translate.
    pub const fn reason(&self) -> &'static str {
        match self {
            PhoneError::Empty => "phone_empty",
            PhoneError::InvalidCharacters => "phone_invalid_characters",
            PhoneError::ForeignCountryCode => "phone_foreign_country_code",
            PhoneError::MissingPrefix => "phone_missing_prefix",
            PhoneError::TrunkZeroAfterCountryCode => "phone_trunk_zero",
            PhoneError::NotMobile => "phone_not_mobile",
            PhoneError::TooShort => "phone_too_short",
            PhoneError::TooLong => "phone_too_long",
        }
    }
}

/// How a provider wants the number written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneFormat {
    /// `6281234567890`
    Canonical,
    /// `081234567890` (DOKU Jokul, Faspay)
    National,
    /// `+6281234567890`
    E164,
    /// `81234567890`, after the country code (Tazapay with calling code 62)
    Subscriber,
}

/// An Indonesian mobile number, stored as `62` + national significant number (digits only).
///
/// Serialised as the canonical string; deserialisation goes through [`Msisdn::parse`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Msisdn(String);

impl Msisdn {
    const COUNTRY: &'static str = "62";
    const MIN_NSN: usize = 9;
    const MAX_NSN: usize = 12;

    /// Accepts `0812…`, `62812…`, `+62812…`, `0062812…`, with spaces, `-`, `.`, `(`, `)` anywhere.
    pub fn parse(input: &str) -> Result<Msisdn, PhoneError> {
        // NFKC folds full-width digits/plus and no-break spaces.
        let normalized: String = input.nfkc().collect();
        let compact: String = normalized
            .chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')')))
            .collect();
        if compact.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (plus, digits) = match compact.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, compact.as_str()),
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneError::InvalidCharacters);
        }
        let (nsn, international) = if plus {
            match digits.strip_prefix(Self::COUNTRY) {
                Some(nsn) => (nsn, true),
                None => return Err(PhoneError::ForeignCountryCode),
            }
        } else if let Some(nsn) = digits.strip_prefix("0062") {
            (nsn, true)
        } else if digits.starts_with("00") {
            return Err(PhoneError::ForeignCountryCode);
        } else if let Some(nsn) = digits.strip_prefix(Self::COUNTRY) {
            (nsn, true)
        } else if let Some(nsn) = digits.strip_prefix('0') {
            (nsn, false)
        } else {
            return Err(PhoneError::MissingPrefix);
        };
        if nsn.is_empty() {
            return Err(PhoneError::TooShort);
        }
        if international && nsn.starts_with("08") {
            return Err(PhoneError::TrunkZeroAfterCountryCode);
        }
        if !nsn.starts_with('8') {
            return Err(PhoneError::NotMobile);
        }
        if nsn.len() < Self::MIN_NSN {
            return Err(PhoneError::TooShort);
        }
        if nsn.len() > Self::MAX_NSN {
            return Err(PhoneError::TooLong);
        }
        Ok(Msisdn(format!("{}{nsn}", Self::COUNTRY)))
    }

    /// `6281234567890`
    pub fn canonical(&self) -> &str {
        &self.0
    }

    /// `81234567890`: the national significant number, after the country code.
    pub fn subscriber(&self) -> &str {
        &self.0[Self::COUNTRY.len()..]
    }

    /// `081234567890`
    pub fn national(&self) -> String {
        format!("0{}", self.subscriber())
    }

    /// `+6281234567890`
    pub fn e164(&self) -> String {
        format!("+{}", self.0)
    }

    /// `+62 812-3456-7890`: a 3-digit operator prefix, then the rest split in two
    /// (9 digits `812-345-678`, 10 `812-345-6789`, 12 `812-3456-78901`).
    pub fn display(&self) -> String {
        let nsn = self.subscriber();
        let (head, rest) = nsn.split_at(3);
        let (mid, tail) = rest.split_at(rest.len() / 2);
        format!("+62 {head}-{mid}-{tail}")
    }

    /// `+62 812-****-7890`: for logs and lists where the full number is not needed.
    pub fn masked(&self) -> String {
        let nsn = self.subscriber();
        let (head, rest) = nsn.split_at(3);
        let (mid, tail) = rest.split_at(rest.len() / 2);
        format!("+62 {head}-{}-{tail}", "*".repeat(mid.len()))
    }

    pub fn render(&self, format: PhoneFormat) -> String {
        match format {
            PhoneFormat::Canonical => self.0.clone(),
            PhoneFormat::National => self.national(),
            PhoneFormat::E164 => self.e164(),
            PhoneFormat::Subscriber => self.subscriber().to_owned(),
        }
    }
}

newtype_conversions!(Msisdn(String), PhoneError, |value: String| Msisdn::parse(&value));

/// The human form, `+62 812-3456-7890`.
impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, PhoneError>) {
        let got = Msisdn::parse(input);
        match expected {
            Ok(canonical) => {
                assert_eq!(got.as_ref().map(Msisdn::canonical), Ok(canonical), "input {input:?}")
            }
            Err(err) => {
                assert_eq!(got, Err(err), "input {input:?}");
                assert!(
                    err.to_string()
                        .ends_with("accepted: 081234567890, 6281234567890, +62 812-3456-7890"),
                    "message of {err:?}"
                );
            }
        }
    }

    #[test]
    fn parses_valid_forms() {
        let cases: &[(&str, &str)] = &[
            ("081234567890", "6281234567890"),
            ("6281234567890", "6281234567890"),
            ("+6281234567890", "6281234567890"),
            ("+62 812-3456-7890", "6281234567890"),
            ("0062 812 3456 7890", "6281234567890"),
            ("62 8123 4567 890", "6281234567890"),
            ("0812 3456 7890", "6281234567890"),
            ("0812-3456-7890", "6281234567890"),
            ("0812.3456.7890", "6281234567890"),
            ("(0812) 3456 7890", "6281234567890"),
            ("+62 (812) 3456-7890", "6281234567890"),
            ("  +62 812 3456 7890  ", "6281234567890"),
            ("\t0812\u{a0}3456 7890\n", "6281234567890"),
            ("+６２ ８１２３４５６７８９０", "6281234567890"),
            ("0812345678", "62812345678"),
            ("08123456789", "628123456789"),
            ("0812345678901", "62812345678901"),
            ("+62 896 1234 5678", "6289612345678"),
        ];
        for &(input, canonical) in cases {
            check(input, Ok(canonical));
        }
    }

    #[test]
    fn rejects_invalid_forms() {
        use PhoneError::*;
        let cases: &[(&str, PhoneError)] = &[
            ("", Empty),
            ("   ", Empty),
            ("( ) - .", Empty),
            ("0812abc7890", InvalidCharacters),
            ("0812/3456/7890", InvalidCharacters),
            ("62+81234567890", InvalidCharacters),
            ("++6281234567890", InvalidCharacters),
            ("+65 9123 4567", ForeignCountryCode),
            ("+1 202 555 0123", ForeignCountryCode),
            ("0065 9123 4567", ForeignCountryCode),
            ("+0812 3456 7890", ForeignCountryCode),
            ("812 3456 7890", MissingPrefix),
            ("12025550123", MissingPrefix),
            ("+62 0812 3456 7890", TrunkZeroAfterCountryCode),
            ("62 (0) 812 3456 7890", TrunkZeroAfterCountryCode),
            ("021 1234 5678", NotMobile),
            ("+62 21 1234 5678", NotMobile),
            ("0062 62 812 3456 7890", NotMobile),
            ("0", TooShort),
            ("+62", TooShort),
            ("0812 345", TooShort),
            ("08123456", TooShort),
            ("081234567", TooShort),
            ("08123456789012", TooLong),
            ("+62 812 3456 7890 123", TooLong),
        ];
        for &(input, err) in cases {
            check(input, Err(err));
        }
    }

    #[test]
    fn every_error_has_a_distinct_reason() {
        use PhoneError::*;
        let all = [
            Empty,
            InvalidCharacters,
            ForeignCountryCode,
            MissingPrefix,
            TrunkZeroAfterCountryCode,
            NotMobile,
            TooShort,
            TooLong,
        ];
        let mut reasons: Vec<&str> = all.iter().map(PhoneError::reason).collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), all.len());
        assert!(all.iter().all(|e| e.reason().starts_with("phone_")));
        assert_eq!(
            ForeignCountryCode.to_string(),
            "only Indonesian numbers (+62) are accepted; accepted: 081234567890, 6281234567890, +62 812-3456-7890"
        );
    }

    #[test]
    fn renders_every_format() {
        let n = Msisdn::parse("0812-3456-7890").expect("valid");
        assert_eq!(n.canonical(), "6281234567890");
        assert_eq!(n.national(), "081234567890");
        assert_eq!(n.e164(), "+6281234567890");
        assert_eq!(n.subscriber(), "81234567890");
        assert_eq!(n.display(), "+62 812-3456-7890");
        assert_eq!(n.masked(), "+62 812-****-7890");
        assert_eq!(n.to_string(), "+62 812-3456-7890");
        assert_eq!(n.render(PhoneFormat::Canonical), "6281234567890");
        assert_eq!(n.render(PhoneFormat::National), "081234567890");
        assert_eq!(n.render(PhoneFormat::E164), "+6281234567890");
        assert_eq!(n.render(PhoneFormat::Subscriber), "81234567890");
    }

    #[test]
    fn display_groups_every_length_and_parses_back() {
        let cases: &[(&str, &str)] = &[
            ("0812345678", "+62 812-345-678"),
            ("08123456789", "+62 812-345-6789"),
            ("081234567890", "+62 812-3456-7890"),
            ("0812345678901", "+62 812-3456-78901"),
        ];
        for &(input, shown) in cases {
            let n = Msisdn::parse(input).expect("valid");
            assert_eq!(n.display(), shown, "input {input:?}");
            assert_eq!(Msisdn::parse(shown).as_ref(), Ok(&n));
            for format in [PhoneFormat::Canonical, PhoneFormat::National, PhoneFormat::E164] {
                assert_eq!(Msisdn::parse(&n.render(format)).as_ref(), Ok(&n), "{format:?}");
            }
        }
    }

    #[test]
    fn serde_uses_canonical_and_validates() {
        let n = Msisdn::parse("+62 812-3456-7890").expect("valid");
        assert_eq!(serde_json::to_string(&n).expect("serialize"), "\"6281234567890\"");
        let back: Msisdn = serde_json::from_str("\"0812 3456 7890\"").expect("deserialize");
        assert_eq!(back, n);
        assert!(serde_json::from_str::<Msisdn>("\"+65 9123 4567\"").is_err());
        assert!(serde_json::from_str::<Msisdn>("6281234567890").is_err());
    }
}

#[cfg(test)]
mod round_trips {
    use proptest::prelude::*;

    use super::*;

    /// A national significant number: `8`, then 8 to 11 more digits.
    fn nsn() -> impl Strategy<Value = String> {
        "8[0-9]{8,11}"
    }

    proptest! {
        #[test]
        fn every_rendering_parses_back_to_the_same_number(nsn in nsn()) {
            let phone = Msisdn::parse(&format!("0{nsn}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(phone.canonical(), format!("62{nsn}"));
            prop_assert_eq!(phone.subscriber(), nsn.as_str());
            for format in [PhoneFormat::Canonical, PhoneFormat::National, PhoneFormat::E164] {
                prop_assert_eq!(Msisdn::parse(&phone.render(format)), Ok(phone.clone()));
            }
            prop_assert_eq!(Msisdn::parse(&phone.display()), Ok(phone.clone()));
            prop_assert_eq!(Msisdn::parse(&format!("+62{}", phone.render(PhoneFormat::Subscriber))), Ok(phone.clone()));
            prop_assert_eq!(Msisdn::parse(&format!("0062 {}", phone.subscriber())), Ok(phone.clone()));
        }

        #[test]
        fn separators_anywhere_do_not_change_the_number(nsn in nsn(), cuts in proptest::collection::vec((0usize..14, 0usize..5), 0..5)) {
            let mut text: Vec<char> = format!("0{nsn}").chars().collect();
            for (at, which) in cuts {
                let at = at.min(text.len());
                text.insert(at, [' ', '-', '.', '(', ')'][which]);
            }
            let text: String = text.into_iter().collect();
            prop_assert_eq!(Msisdn::parse(&text).map(|p| p.canonical().to_owned()), Ok(format!("62{nsn}")), "{:?}", text);
        }
    }
}
