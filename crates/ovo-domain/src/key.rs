//! Stable string keys for closed enums, shared by products, statuses, roles and languages.

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

/// Declares a closed enum from its table of variants and stable keys: the enum, `ALL` (in
/// declaration order), `key()`, `parse()` (exact, case-sensitive; `kind` names it in the error)
/// and, through them, Display/FromStr/serde.
macro_rules! keyed_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $kind:literal {
            $($(#[$variant_meta:meta])* $variant:ident => $key:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            pub const ALL: [$name; [$($key),+].len()] = [$($name::$variant),+];
            const KEYS: &'static [&'static str] = &[$($key),+];

            /// Stable key used in storage, APIs and settings.
            pub const fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }

            /// Exact, case-sensitive key match.
            pub fn parse(key: &str) -> Result<$name, $crate::key::UnknownKey> {
                $name::ALL
                    .into_iter()
                    .find(|value| value.key() == key)
                    .ok_or_else(|| $crate::key::UnknownKey::new($kind, key, Self::KEYS))
            }
        }

        $crate::key::key_string_impls!($name);
    };
}
pub(crate) use keyed_enum;

/// The conversions of a validated newtype over `$raw`: `TryFrom<$raw>` through `$check` (which
/// serde's `try_from` uses), `From<$ty> for $raw` (the inner value, serde's `into`) and `FromStr`
/// through `$ty::parse`.
macro_rules! newtype_conversions {
    ($ty:ident($raw:ty), $err:ty, $check:expr) => {
        impl TryFrom<$raw> for $ty {
            type Error = $err;
            fn try_from(value: $raw) -> Result<Self, Self::Error> {
                $check(value)
            }
        }

        impl From<$ty> for $raw {
            fn from(value: $ty) -> Self {
                value.0
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::parse(s)
            }
        }
    };
}
pub(crate) use newtype_conversions;
