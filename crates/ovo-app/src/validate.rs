//! Input rules for operators and the keys settings name; each failure names the rule and what
//! is accepted.

use ovo_domain::{Environment, Lang, Role};
use ovo_secrets::Sensitive;

use crate::error::{AppError, AppResult};

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 256;
pub const USERNAME_MAX_CHARS: usize = 32;

/// Usernames are stored lower-case: `Admin` and `admin` are one operator.
pub fn username(input: &str) -> AppResult<String> {
    let name = input.trim().to_lowercase();
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !(3..=USERNAME_MAX_CHARS).contains(&name.chars().count()) || !ok_chars {
        return Err(AppError::invalid(
            "username_invalid",
            format!("username {input:?} is not accepted: use 3 to 32 characters from a-z, 0-9, '.', '_' and '-'"),
        ));
    }
    Ok(name)
}

pub fn display_name(input: &str) -> AppResult<String> {
    let name = input.trim();
    if !(1..=80).contains(&name.chars().count()) || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "display_name_invalid",
            "display name must be 1 to 80 printable characters",
        ));
    }
    Ok(name.to_owned())
}

/// A free text an operator must give: trimmed, not empty (`missing`: the refusal's reason and
/// what to write), at most `max` characters (`too_long`, naming it as `what`).
pub fn required_text<'a>(
    text: &'a str,
    missing: (&'static str, &str),
    (too_long, what, max): (&'static str, &str, usize),
) -> AppResult<&'a str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid(missing.0, missing.1));
    }
    if text.chars().count() > max {
        return Err(AppError::invalid(too_long, format!("{what} is at most {max} characters")));
    }
    Ok(text)
}

pub fn password(password: &Sensitive<String>) -> AppResult<()> {
    let chars = password.expose().chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(AppError::invalid(
            "password_too_short",
            format!("password must have at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(AppError::invalid(
            "password_too_long",
            format!("password must have at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The username typed to sign in, as stored (trimmed, lower-case); only its length is checked,
/// so that a refusal says nothing about which usernames exist.
pub fn sign_in_username(input: &str) -> AppResult<String> {
    let name = input.trim().to_lowercase();
    if name.chars().count() > USERNAME_MAX_CHARS {
        return Err(AppError::invalid(
            "username_too_long",
            format!("username must have at most {USERNAME_MAX_CHARS} characters"),
        ));
    }
    Ok(name)
}

/// A password typed to be checked (not a new one): only its length is limited.
pub fn password_entered(password: &Sensitive<String>) -> AppResult<()> {
    if password.expose().chars().count() > PASSWORD_MAX_CHARS {
        return Err(AppError::invalid(
            "password_too_long",
            format!("password must have at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

pub fn role(input: &str) -> AppResult<Role> {
    Role::parse(input).map_err(|_| {
        AppError::invalid(
            "role_invalid",
            format!("role {input:?} is not one of staff, support, finance, admin"),
        )
    })
}

pub fn environment(key: &str) -> AppResult<Environment> {
    Environment::parse(key).map_err(|_| {
        AppError::invalid(
            "environment_unknown",
            format!(
                "environment {key:?} is not one of builtin_sandbox, provider_sandbox, production"
            ),
        )
    })
}

pub fn language(key: &str) -> AppResult<Lang> {
    Lang::parse(key).map_err(|_| {
        AppError::invalid("language_unknown", format!("language {key:?} is not one of id, en"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(username("  Rina.Support ").ok().as_deref(), Some("rina.support"));
        assert_eq!(username("fin-01").ok().as_deref(), Some("fin-01"));
        for bad in ["ab", "", "rina support", "rina@ovo", &"x".repeat(33), "añu"] {
            let err = username(bad).err().map(|e| e.reason);
            assert_eq!(err, Some(Some("username_invalid")), "{bad:?}");
        }
    }

    #[test]
    fn passwords_and_names() {
        let reason = |p: &str| password(&Sensitive::new(p.to_owned())).err().and_then(|e| e.reason);
        assert_eq!(reason("123456789"), Some("password_too_short"));
        assert_eq!(reason("1234567890"), None);
        assert_eq!(reason(&"p".repeat(257)), Some("password_too_long"));
        assert!(display_name("  Rina  ").is_ok_and(|n| n == "Rina"));
        assert!(display_name("   ").is_err());
        assert!(display_name("bad\u{7}bell").is_err());
        assert!(role("finance").is_ok());
        assert_eq!(role("root").err().and_then(|e| e.reason), Some("role_invalid"));
    }

    #[test]
    fn setting_keys() {
        assert_eq!(environment("production").ok(), Some(Environment::Production));
        assert_eq!(environment("prod").err().and_then(|e| e.reason), Some("environment_unknown"));
        assert_eq!(language("en").ok(), Some(Lang::En));
        assert_eq!(language("fr").err().and_then(|e| e.reason), Some("language_unknown"));
    }
}
