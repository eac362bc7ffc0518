use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret value: redacted when formatted, zeroized on drop.
///
/// Read it only through [`Sensitive::expose`]. There is intentionally no serde support.
#[derive(Clone)]
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself. Keep the borrow short and never log it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Sensitive<String> {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl<T: Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> ZeroizeOnDrop for Sensitive<T> {}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T: Zeroize> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "hunter2-very-secret";

    #[test]
    fn debug_is_redacted() {
        let s = Sensitive::new(SECRET.to_owned());
        let out = format!("{s:?}");
        assert_eq!(out, "[redacted]");
        assert!(!out.contains(SECRET));
        assert!(!format!("{s:#?}").contains(SECRET));
    }

    #[test]
    fn display_is_redacted() {
        let s = Sensitive::new(SECRET.to_owned());
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(s.to_string(), "[redacted]");
        assert!(!format!("{s:>40}").contains(SECRET));
    }

    #[test]
    fn redacted_inside_containers() {
        let v = Some(vec![Sensitive::new(SECRET.to_owned())]);
        assert!(!format!("{v:?}").contains(SECRET));
    }

    #[test]
    fn expose_and_clone() {
        let s: Sensitive<String> = SECRET.into();
        let c = s.clone();
        drop(s);
        assert_eq!(c.expose(), SECRET);
    }

    #[test]
    fn zeroizes_bytes_too() {
        let s = Sensitive::new(vec![1u8, 2, 3]);
        assert_eq!(s.expose(), &[1, 2, 3]);
        assert_eq!(format!("{s:?}"), "[redacted]");
    }
}
