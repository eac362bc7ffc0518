//! Stable string keys for closed enums, shared by products, roles and languages.

/// A key that names none of the known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of: {}", .expected.join(", "))]
pub struct UnknownKey {
    /// What was being parsed, e.g. "product".
    pub kind: &'static str,
    /// The rejected input (cut to 64 characters).
    pub value: String,
    /// The accepted keys.
    pub expected: &'static [&'static str],
}

impl UnknownKey {
    pub(crate) fn new(kind: &'static str, value: &str, expected: &'static [&'static str]) -> Self {
        Self { kind, value: value.chars().take(64).collect(), expected }
    }

    /// Stable snake_case key a UI can translate.
    pub fn reason(&self) -> &'static str {
        "unknown_key"
    }
}

/// Implements Display/FromStr/serde through `key()` and `parse()`.
macro_rules! key_string_impls {
    ($ty:ty) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.key())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::key::UnknownKey;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::parse(s)
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.key())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                <$ty>::parse(&raw).map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use key_string_impls;
