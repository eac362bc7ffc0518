use std::fmt;

use crate::SecretError;

const MAX_NAMESPACE_LEN: usize = 128;
const MAX_PART_LEN: usize = 64;

/// Address of one secret: app identifier, environment, product and field.
///
/// Maps to keyring service `"{namespace}/{environment}"` and user `"{product}.{field}"`.
/// Stores call [`SecretKey::validate`] on every operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretKey {
    /// App identifier, e.g. `id.co.ovo.backoffice`.
    pub namespace: String,
    /// Environment, e.g. `production` or `sandbox`.
    pub environment: String,
    /// Product the secret belongs to, e.g. `ovo-cash`.
    pub product: String,
    /// Field within the product, e.g. `api_key`.
    pub field: String,
}

impl SecretKey {
    /// Builds a key; see [`SecretKey::validate`] for the rules.
    pub fn new(
        namespace: impl Into<String>,
        environment: impl Into<String>,
        product: impl Into<String>,
        field: impl Into<String>,
    ) -> Self {
        Self {
            namespace: namespace.into(),
            environment: environment.into(),
            product: product.into(),
            field: field.into(),
        }
    }

    /// Checks every part is non-empty and uses only allowed characters:
    /// namespace `[A-Za-z0-9._-]{1,128}`; environment, product, field `[A-Za-z0-9_-]{1,64}`.
    pub fn validate(&self) -> Result<(), SecretError> {
        check_part("namespace", &self.namespace, MAX_NAMESPACE_LEN, true)?;
        check_part("environment", &self.environment, MAX_PART_LEN, false)?;
        check_part("product", &self.product, MAX_PART_LEN, false)?;
        check_part("field", &self.field, MAX_PART_LEN, false)
    }

    /// Keychain service name: `"{namespace}/{environment}"`.
    pub fn service(&self) -> String {
        format!("{}/{}", self.namespace, self.environment)
    }

    /// Keychain user name: `"{product}.{field}"`.
    pub fn user(&self) -> String {
        format!("{}.{}", self.product, self.field)
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}.{}", self.namespace, self.environment, self.product, self.field)
    }
}

fn check_part(
    part: &'static str,
    value: &str,
    max_len: usize,
    allow_dot: bool,
) -> Result<(), SecretError> {
    let invalid = |reason: String| SecretError::InvalidKey { part, reason };
    if value.is_empty() {
        return Err(invalid("is empty".to_owned()));
    }
    if value.len() > max_len {
        return Err(invalid(format!("is {} characters long; the limit is {max_len}", value.len())));
    }
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || (allow_dot && c == '.');
    if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        let set = if allow_dot {
            "ASCII letters, digits, '.', '-' and '_'"
        } else {
            "ASCII letters, digits, '-' and '_'"
        };
        return Err(invalid(format!("{value:?} contains {bad:?}; only {set} are allowed")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::new("id.co.ovo.backoffice", "production", "ovo-cash", "api_key")
    }

    fn part_of<'a>(k: &'a mut SecretKey, part: &str) -> &'a mut String {
        match part {
            "namespace" => &mut k.namespace,
            "environment" => &mut k.environment,
            "product" => &mut k.product,
            _ => &mut k.field,
        }
    }

    #[test]
    fn maps_to_service_and_user() {
        let k = key();
        assert!(k.validate().is_ok());
        assert_eq!(k.service(), "id.co.ovo.backoffice/production");
        assert_eq!(k.user(), "ovo-cash.api_key");
        assert_eq!(k.to_string(), "id.co.ovo.backoffice/production/ovo-cash.api_key");
    }

    #[test]
    fn rejects_empty_parts() {
        for part in ["namespace", "environment", "product", "field"] {
            let mut k = key();
            part_of(&mut k, part).clear();
            let err = k.validate().expect_err("empty part must be rejected");
            assert!(matches!(err, SecretError::InvalidKey { part: p, .. } if p == part), "{err}");
            assert_eq!(err.to_string(), format!("invalid secret key: {part} is empty"));
        }
    }

    #[test]
    fn rejects_separators_that_would_make_the_mapping_ambiguous() {
        for (part, value) in
            [("namespace", "a/b"), ("environment", "prod.eu"), ("product", "a.b"), ("field", "x y")]
        {
            let mut k = key();
            *part_of(&mut k, part) = value.into();
            assert!(k.validate().is_err(), "{part} {value:?}");
        }
    }

    #[test]
    fn rejects_overlong_parts() {
        let mut k = key();
        k.field = "f".repeat(MAX_PART_LEN + 1);
        assert!(k.validate().is_err());
        k.field = "f".repeat(MAX_PART_LEN);
        assert!(k.validate().is_ok());
    }
}
