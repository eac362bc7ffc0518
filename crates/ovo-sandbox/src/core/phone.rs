//! The sandbox's own phone normalisation (independent of the app's): canonical `62…`.

/// `08…`, `628…`, `+62 8…`, with spaces, dashes and dots → `628…`; None if not an Indonesian mobile.
pub fn canonical(input: &str) -> Option<String> {
    let digits: String =
        input.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let rest = digits
        .strip_prefix("+62")
        .or_else(|| digits.strip_prefix("0062"))
        .or_else(|| digits.strip_prefix("62"))
        .or_else(|| digits.strip_prefix('0'))?;
    let ok = rest.starts_with('8')
        && (9..=12).contains(&rest.len())
        && rest.chars().all(|c| c.is_ascii_digit());
    ok.then(|| format!("62{rest}"))
}

/// `628…` → `08…`.
pub fn national(canonical: &str) -> String {
    format!("0{}", canonical.strip_prefix("62").unwrap_or(canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        for input in ["081234567890", "6281234567890", "+62 812-3456-7890", "0062 812 3456 7890"] {
            assert_eq!(canonical(input).as_deref(), Some("6281234567890"), "{input}");
        }
        for bad in ["", "0212345678", "+6581234567", "08123", "0812345678901234"] {
            assert_eq!(canonical(bad), None, "{bad}");
        }
        assert_eq!(national("6281234567890"), "081234567890");
    }
}
