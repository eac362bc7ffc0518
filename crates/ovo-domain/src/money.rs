//! Rupiah amounts: whole rupiah, never negative, at most 12 digits.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::key::newtype_conversions;
use crate::lang::Lang;

/// Appended to every error message so the user sees what to type.
const ACCEPTED_FORMS: &str = "accepted forms: 10000, 10.000, Rp 10.000, IDR 10,000";

/// Why an amount was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum MoneyError {
    #[error("amount is empty; {}", ACCEPTED_FORMS)]
    Empty,
    #[error("amount must not be negative; {}", ACCEPTED_FORMS)]
    Negative,
    #[error("amount must be whole rupiah (no decimals); {}", ACCEPTED_FORMS)]
    Fraction,
    #[error("amount is too large (at most Rp 999.999.999.999, 12 digits); {}", ACCEPTED_FORMS)]
    TooLarge,
    #[error(
        "thousands separators must all be '.' or all ',' with groups of exactly 3 digits; {}",
        ACCEPTED_FORMS
    )]
    BadGrouping,
    #[error("only rupiah amounts are accepted (Rp or IDR); {}", ACCEPTED_FORMS)]
    UnsupportedCurrency,
    #[error("amount is not a number; {}", ACCEPTED_FORMS)]
    Malformed,
}

impl MoneyError {
    /// Stable snake_case key a UI can translate.
    pub const fn reason(&self) -> &'static str {
        match self {
            MoneyError::Empty => "money_empty",
            MoneyError::Negative => "money_negative",
            MoneyError::Fraction => "money_fraction",
            MoneyError::TooLarge => "money_too_large",
            MoneyError::BadGrouping => "money_bad_grouping",
            MoneyError::UnsupportedCurrency => "money_unsupported_currency",
            MoneyError::Malformed => "money_malformed",
        }
    }
}

/// An amount in whole rupiah, always within `0..=999_999_999_999`.
///
/// Serialised as a JSON integer; deserialisation rejects out-of-range values.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Idr(i64);

impl Idr {
    pub const ZERO: Idr = Idr(0);
    pub const MAX: Idr = Idr(999_999_999_999);
    const MAX_DIGITS: usize = 12;

    /// Checks the range `0..=999_999_999_999`.
    pub const fn new(rupiah: i64) -> Result<Idr, MoneyError> {
        if rupiah < 0 {
            Err(MoneyError::Negative)
        } else if rupiah > Idr::MAX.0 {
            Err(MoneyError::TooLarge)
        } else {
            Ok(Idr(rupiah))
        }
    }

    pub const fn rupiah(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `None` when the sum exceeds [`Idr::MAX`].
    pub fn checked_add(self, other: Idr) -> Option<Idr> {
        Idr::new(self.0.checked_add(other.0)?).ok()
    }

    /// `None` when the result would be negative.
    pub fn checked_sub(self, other: Idr) -> Option<Idr> {
        Idr::new(self.0.checked_sub(other.0)?).ok()
    }

    /// Parses what an operator types: `10000`, `10.000`, `10,000`, `Rp 10.000`,
    /// `Rp. 10.000`, `IDR 10,000`, `Rp 10.000,-`; case-insensitive prefix, surrounding spaces.
    pub fn parse(input: &str) -> Result<Idr, MoneyError> {
        // NFKC folds full-width digits and no-break spaces.
        let normalized: String = input.nfkc().collect();
        let mut rest = normalized.trim();
        if rest.is_empty() {
            return Err(MoneyError::Empty);
        }
        // A sign may come before or after the currency prefix.
        let mut negative = strip_minus(&mut rest);
        if let Some(after) = strip_currency(rest) {
            rest = after.trim_start();
            negative |= strip_minus(&mut rest);
        } else if rest.starts_with(|c: char| c.is_alphabetic()) {
            return Err(MoneyError::UnsupportedCurrency);
        }
        // `Rp 10.000,-` is the customary way to say "no cents".
        if let Some(body) = rest.strip_suffix(",-") {
            rest = body;
        }
        if rest.is_empty() {
            return Err(if negative { MoneyError::Malformed } else { MoneyError::Empty });
        }
        let digits = parse_grouped(rest)?;
        if negative {
            return Err(MoneyError::Negative);
        }
        let significant = digits.trim_start_matches('0');
        if significant.len() > Self::MAX_DIGITS {
            return Err(MoneyError::TooLarge);
        }
        let value = significant.bytes().fold(0_i64, |acc, b| acc * 10 + i64::from(b - b'0'));
        Idr::new(value)
    }

    /// An amount as a provider's report writes it: what [`Idr::parse`] reads, plus a sign
    /// (`-10.000`, `(10.000)`) and a zero fraction of one or two digits in either locale
    /// (`10000.00`, `10.000,00`, `10,000.00`). Returns whether it was negative, and its size.
    pub fn parse_reported(input: &str) -> Result<(bool, Idr), MoneyError> {
        let normalized: String = input.nfkc().collect();
        let mut rest = normalized.trim();
        let mut negative = false;
        if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            rest = inner.trim();
            negative = true;
        }
        negative |= strip_minus(&mut rest);
        if let Some(last) = rest.rfind(['.', ',']) {
            let fraction = &rest[last + 1..];
            let earlier = &rest[..last];
            let mark = &rest[last..=last];
            let is_decimal = matches!(fraction.len(), 1 | 2)
                && fraction.bytes().all(|b| b.is_ascii_digit())
                && !earlier.contains(mark);
            if is_decimal {
                if fraction.bytes().any(|b| b != b'0') {
                    return Err(MoneyError::Fraction);
                }
                rest = earlier;
            }
        }
        let amount = Idr::parse(rest).or_else(|e| match e {
            // The sign may also follow the currency (`Rp -10.000`).
            MoneyError::Negative => {
                negative = true;
                Idr::parse(&rest.replacen(['-', '\u{2212}'], "", 1))
            }
            other => Err(other),
        })?;
        Ok((negative, amount))
    }

    /// `Lang::Id` → `Rp 10.000`; `Lang::En` → `IDR 10,000`. Both parse back.
    ///
    /// The currency and the digits are kept together by a non-breaking space, as the UI shows them.
    pub fn format(self, lang: Lang) -> String {
        self.formatted(lang, '\u{a0}')
    }

    fn formatted(self, lang: Lang, space: char) -> String {
        let (currency, sep) = match lang {
            Lang::Id => ("Rp", '.'),
            Lang::En => ("IDR", ','),
        };
        let prefix = format!("{currency}{space}");
        let digits = self.0.to_string();
        let mut out = String::with_capacity(prefix.len() + digits.len() + 4);
        out.push_str(&prefix);
        // Count down the digits left; at most 12, so separators go after 10, 7 and 4 left.
        for (left, c) in (1..=digits.len()).rev().zip(digits.chars()) {
            out.push(c);
            if matches!(left, 4 | 7 | 10) {
                out.push(sep);
            }
        }
        out
    }
}

/// Removes a leading minus (ASCII or U+2212) and following spaces.
fn strip_minus(rest: &mut &str) -> bool {
    match rest.strip_prefix(['-', '\u{2212}']) {
        Some(after) => {
            *rest = after.trim_start();
            true
        }
        None => false,
    }
}

/// Strips `Rp.`, `Rp` or `IDR` (any case) when followed by a non-letter.
fn strip_currency(s: &str) -> Option<&str> {
    for prefix in ["rp.", "rp", "idr"] {
        let Some(head) = s.get(..prefix.len()) else {
            continue;
        };
        if head.eq_ignore_ascii_case(prefix) {
            let after = &s[prefix.len()..];
            if !after.starts_with(|c: char| c.is_alphabetic()) {
                return Some(after);
            }
        }
    }
    None
}

/// Validates digits with optional thousands separators; returns the bare digits.
fn parse_grouped(body: &str) -> Result<String, MoneyError> {
    if !body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') {
        return Err(MoneyError::Malformed);
    }
    if !body.starts_with(|c: char| c.is_ascii_digit())
        || !body.ends_with(|c: char| c.is_ascii_digit())
    {
        return Err(MoneyError::Malformed);
    }
    let has_dot = body.contains('.');
    let has_comma = body.contains(',');
    let sep = match (has_dot, has_comma) {
        (false, false) => return Ok(body.to_owned()),
        (true, false) => '.',
        (false, true) => ',',
        (true, true) => {
            // `10.000,00` / `10,000.50`: a single last separator before 1-2 or 4+ digits is a decimal mark.
            let last = body.rfind(['.', ',']).unwrap_or_default();
            let mark = &body[last..=last];
            let tail_len = body.len() - last - 1;
            if body.matches(mark).count() == 1 && tail_len != 3 {
                return Err(MoneyError::Fraction);
            }
            return Err(MoneyError::BadGrouping);
        }
    };
    let groups: Vec<&str> = body.split(sep).collect();
    let (first, later) = groups.split_first().ok_or(MoneyError::Malformed)?;
    let single = later.len() == 1;
    // One separator not followed by exactly 3 digits (`10000,50`, `10000.5`) is a decimal mark.
    if single && later[0].len() != 3 {
        return Err(MoneyError::Fraction);
    }
    // `0.500` reads as a half, not five hundred.
    if single && first.starts_with('0') {
        return Err(MoneyError::Fraction);
    }
    if first.is_empty() || first.len() > 3 || first.starts_with('0') {
        return Err(MoneyError::BadGrouping);
    }
    if later.iter().any(|g| g.len() != 3) {
        return Err(MoneyError::BadGrouping);
    }
    Ok(groups.concat())
}

newtype_conversions!(Idr(i64), MoneyError, Idr::new);

/// The Indonesian form, `Rp 10.000`.
impl fmt::Display for Idr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Logs and technical messages: a plain space.
        f.write_str(&self.formatted(Lang::Id, ' '))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCEPTED: &str = "accepted forms: 10000, 10.000, Rp 10.000, IDR 10,000";

    #[test]
    fn reported_amounts_take_a_sign_and_a_zero_fraction_in_either_locale() {
        for (text, negative, rupiah) in [
            ("185000.00", false, 185_000),
            ("185.000,00", false, 185_000),
            ("185,000.00", false, 185_000),
            ("185.000", false, 185_000),
            ("185,000", false, 185_000),
            ("1.234.567,0", false, 1_234_567),
            ("-185000.00", true, 185_000),
            ("(185.000)", true, 185_000),
            ("Rp -10.000", true, 10_000),
            ("IDR 10,000.00", false, 10_000),
        ] {
            assert_eq!(
                Idr::parse_reported(text),
                Ok((negative, Idr::new(rupiah).unwrap())),
                "{text}"
            );
        }
        assert_eq!(Idr::parse_reported("185000.50"), Err(MoneyError::Fraction));
        assert_eq!(Idr::parse_reported("10.000,05"), Err(MoneyError::Fraction));
        assert_eq!(Idr::parse_reported("10.00.000"), Err(MoneyError::BadGrouping));
        assert_eq!(Idr::parse_reported("USD 10"), Err(MoneyError::UnsupportedCurrency));
        assert_eq!(Idr::parse_reported(""), Err(MoneyError::Empty));
    }

    fn check(input: &str, expected: Result<i64, MoneyError>) {
        let got = Idr::parse(input);
        match expected {
            Ok(rupiah) => assert_eq!(got.map(Idr::rupiah), Ok(rupiah), "input {input:?}"),
            Err(err) => {
                assert_eq!(got, Err(err), "input {input:?}");
                assert!(err.to_string().ends_with(ACCEPTED), "message of {err:?}");
            }
        }
    }

    #[test]
    fn parses_valid_forms() {
        let cases: &[(&str, i64)] = &[
            ("10000", 10_000),
            ("10.000", 10_000),
            ("10,000", 10_000),
            ("Rp 10.000", 10_000),
            ("Rp10.000", 10_000),
            ("Rp. 10.000", 10_000),
            ("RP.10.000", 10_000),
            ("IDR 10,000", 10_000),
            ("idr 10000", 10_000),
            ("  Rp 10.000  ", 10_000),
            ("1.000.000", 1_000_000),
            ("1,000,000", 1_000_000),
            ("999.999.999.999", 999_999_999_999),
            ("999999999999", 999_999_999_999),
            ("0", 0),
            ("Rp 0", 0),
            ("1", 1),
            ("100.000", 100_000),
            ("Rp\u{a0}25.500", 25_500),
            ("１０．０００", 10_000),
            ("000000000000010000", 10_000),
            ("Rp 10.000,-", 10_000),
            ("15000,-", 15_000),
        ];
        for &(input, rupiah) in cases {
            check(input, Ok(rupiah));
        }
    }

    #[test]
    fn rejects_invalid_forms() {
        use MoneyError::*;
        let cases: &[(&str, MoneyError)] = &[
            ("", Empty),
            ("   ", Empty),
            ("Rp", Empty),
            ("IDR  ", Empty),
            ("-100", Negative),
            ("Rp -100", Negative),
            ("-Rp 100", Negative),
            ("\u{2212}5.000", Negative),
            ("10000,50", Fraction),
            ("10.000,00", Fraction),
            ("10,000.50", Fraction),
            ("10000.5", Fraction),
            ("0.500", Fraction),
            ("1.00.000", BadGrouping),
            ("1.000,000", BadGrouping),
            ("1,000.000", BadGrouping),
            ("10000.000", BadGrouping),
            ("1.000.00", BadGrouping),
            ("1000.000.000", BadGrouping),
            ("USD 10", UnsupportedCurrency),
            ("usd10", UnsupportedCurrency),
            ("Rupiah 10", UnsupportedCurrency),
            ("1000000000000", TooLarge),
            ("1.000.000.000.000", TooLarge),
            ("99999999999999999999999", TooLarge),
            ("10 000", Malformed),
            ("10k", Malformed),
            ("$10", Malformed),
            ("+100", Malformed),
            ("10.", Malformed),
            (".500", Malformed),
            ("Rp -", Malformed),
            ("1..000", BadGrouping),
            ("10.000,-,-", Malformed),
            ("10.000.-", Malformed),
        ];
        for &(input, err) in cases {
            check(input, Err(err));
        }
    }

    #[test]
    fn every_error_message_names_accepted_forms_and_has_a_reason() {
        use MoneyError::*;
        let all =
            [Empty, Negative, Fraction, TooLarge, BadGrouping, UnsupportedCurrency, Malformed];
        let mut reasons: Vec<&str> = all.iter().map(MoneyError::reason).collect();
        for err in all {
            assert!(err.to_string().ends_with(ACCEPTED));
            assert!(err.reason().starts_with("money_"));
        }
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), all.len());
        assert_eq!(
            Fraction.to_string(),
            "amount must be whole rupiah (no decimals); accepted forms: 10000, 10.000, Rp 10.000, IDR 10,000"
        );
    }

    #[test]
    fn new_checks_range() {
        assert_eq!(Idr::new(0), Ok(Idr::ZERO));
        assert_eq!(Idr::new(999_999_999_999), Ok(Idr::MAX));
        assert_eq!(Idr::new(-1), Err(MoneyError::Negative));
        assert_eq!(Idr::new(1_000_000_000_000), Err(MoneyError::TooLarge));
        assert_eq!(Idr::new(i64::MIN), Err(MoneyError::Negative));
    }

    #[test]
    fn checked_arithmetic_stays_in_range() {
        let a = Idr::new(10_000).expect("valid");
        let b = Idr::new(2_500).expect("valid");
        assert_eq!(a.checked_add(b).map(Idr::rupiah), Some(12_500));
        assert_eq!(a.checked_sub(b).map(Idr::rupiah), Some(7_500));
        assert_eq!(a.checked_sub(a), Some(Idr::ZERO));
        assert_eq!(b.checked_sub(a), None);
        assert_eq!(Idr::MAX.checked_add(Idr::new(1).expect("valid")), None);
        assert_eq!(Idr::MAX.checked_add(Idr::ZERO), Some(Idr::MAX));
    }

    #[test]
    fn formats_per_language_and_round_trips() {
        let cases: &[(i64, &str, &str)] = &[
            (0, "Rp 0", "IDR 0"),
            (5, "Rp 5", "IDR 5"),
            (999, "Rp 999", "IDR 999"),
            (1_000, "Rp 1.000", "IDR 1,000"),
            (10_000, "Rp 10.000", "IDR 10,000"),
            (123_456, "Rp 123.456", "IDR 123,456"),
            (1_234_567, "Rp 1.234.567", "IDR 1,234,567"),
            (999_999_999_999, "Rp 999.999.999.999", "IDR 999,999,999,999"),
        ];
        for &(rupiah, id, en) in cases {
            let amount = Idr::new(rupiah).expect("valid");
            let nbsp = |text: &str| text.replacen(' ', "\u{a0}", 1);
            // Shown: a non-breaking space keeps the currency with its digits.
            assert_eq!(amount.format(Lang::Id), nbsp(id));
            assert_eq!(amount.format(Lang::En), nbsp(en));
            // Logs and technical messages: a plain space.
            assert_eq!(amount.to_string(), id);
            for written in [id.to_owned(), en.to_owned(), nbsp(id), nbsp(en)] {
                assert_eq!(Idr::parse(&written), Ok(amount), "{written:?}");
            }
        }
    }

    #[test]
    fn serde_is_an_integer_and_validates() {
        let amount = Idr::new(10_000).expect("valid");
        assert_eq!(serde_json::to_string(&amount).expect("serialize"), "10000");
        assert_eq!(serde_json::from_str::<Idr>("10000").expect("deserialize"), amount);
        assert!(serde_json::from_str::<Idr>("-1").is_err());
        assert!(serde_json::from_str::<Idr>("1000000000000").is_err());
        assert!(serde_json::from_str::<Idr>("\"10000\"").is_err());
        assert!(serde_json::from_str::<Idr>("10.5").is_err());
    }
}

#[cfg(test)]
mod round_trips {
    use proptest::prelude::*;

    use super::*;

    /// `1234567` → `1.234.567` with the given separator.
    fn grouped(n: i64, sep: char) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }

    /// Every written form `parse` accepts for `n`, as an operator might type it.
    fn written(n: i64, form: u8, prefix_case: u8, pad: bool) -> String {
        let body = match form % 4 {
            0 => n.to_string(),
            1 => grouped(n, '.'),
            2 => grouped(n, ','),
            _ => format!("{},-", grouped(n, '.')),
        };
        let prefix = match prefix_case % 7 {
            0 => "",
            1 => "Rp ",
            2 => "Rp",
            3 => "Rp. ",
            4 => "rp\u{a0}",
            5 => "IDR ",
            _ => "idr ",
        };
        let text = format!("{prefix}{body}");
        if pad {
            format!("  {text}\t")
        } else {
            text
        }
    }

    /// Full-width digits fold to ASCII (NFKC).
    fn full_width(text: &str) -> String {
        text.chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(0xFF10 + d).unwrap_or(c),
                None => c,
            })
            .collect()
    }

    proptest! {
        #[test]
        fn format_parses_back_in_both_languages(n in 0..=Idr::MAX.rupiah()) {
            let amount = Idr::new(n).unwrap_or(Idr::ZERO);
            for lang in Lang::ALL {
                prop_assert_eq!(Idr::parse(&amount.format(lang)), Ok(amount));
            }
        }

        #[test]
        fn every_accepted_written_form_parses_to_its_amount(
            n in 0..=Idr::MAX.rupiah(),
            form in any::<u8>(),
            prefix in any::<u8>(),
            pad in any::<bool>(),
            wide in any::<bool>(),
        ) {
            let mut text = written(n, form, prefix, pad);
            if wide {
                text = full_width(&text);
            }
            prop_assert_eq!(Idr::parse(&text), Idr::new(n), "{:?}", text);
        }

        #[test]
        fn a_thirteenth_digit_or_a_sign_is_refused(n in 1..=Idr::MAX.rupiah(), form in any::<u8>(), prefix in any::<u8>()) {
            let too_large = written(n + Idr::MAX.rupiah(), form, prefix, false);
            prop_assert_eq!(Idr::parse(&too_large), Err(MoneyError::TooLarge), "{:?}", too_large);
            let negative = format!("-{}", written(n, form, prefix, false));
            prop_assert_eq!(Idr::parse(&negative), Err(MoneyError::Negative), "{:?}", negative);
        }
    }
}
