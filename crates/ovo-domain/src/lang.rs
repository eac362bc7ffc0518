//! User interface language.

use crate::key::{key_string_impls, UnknownKey};

/// UI language: Indonesian or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];
    const KEYS: &'static [&'static str] = &["id", "en"];

    /// Stable key: "id" or "en".
    pub const fn key(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// Parses a language tag by its primary subtag: "id", "id-ID", "in" (legacy), "en", "en-US", "en_GB.UTF-8".
    pub fn parse(tag: &str) -> Result<Lang, UnknownKey> {
        let primary =
            tag.trim().split(['-', '_', '.', '@']).next().unwrap_or_default().to_ascii_lowercase();
        match primary.as_str() {
            "id" | "in" | "ind" => Ok(Lang::Id),
            "en" | "eng" => Ok(Lang::En),
            _ => Err(UnknownKey::new("language", tag, Self::KEYS)),
        }
    }

    /// Lang for an OS locale; anything not Indonesian (or unparseable) is English.
    pub fn from_locale(locale: &str) -> Lang {
        Lang::parse(locale).unwrap_or(Lang::En)
    }
}

key_string_impls!(Lang);

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<Lang>) {
        assert_eq!(Lang::parse(input).ok(), expected, "input {input:?}");
    }

    #[test]
    fn parse_by_primary_subtag() {
        check("id", Some(Lang::Id));
        check("id-ID", Some(Lang::Id));
        check("ID_id", Some(Lang::Id));
        check("in", Some(Lang::Id));
        check("in-ID", Some(Lang::Id));
        check("id_ID.UTF-8", Some(Lang::Id));
        check("en", Some(Lang::En));
        check("en-US", Some(Lang::En));
        check("EN-gb", Some(Lang::En));
        check(" en ", Some(Lang::En));
        check("ms-MY", None);
        check("fr", None);
        check("", None);
        check("indonesian", None);
    }

    #[test]
    fn from_locale_defaults_to_english() {
        assert_eq!(Lang::from_locale("id-ID"), Lang::Id);
        assert_eq!(Lang::from_locale("in_ID"), Lang::Id);
        assert_eq!(Lang::from_locale("ja-JP"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        assert_eq!(Lang::from_locale(""), Lang::En);
    }

    #[test]
    fn key_round_trip_and_error() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.key()), Ok(lang));
            assert_eq!(lang.to_string(), lang.key());
        }
        let err = Lang::parse("xx").unwrap_err();
        assert_eq!(err.to_string(), "unknown language \"xx\"; expected one of: id, en");
        assert_eq!(err.reason(), "unknown_key");
    }
}
