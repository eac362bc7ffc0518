//! Opening provider pages in the system browser. The shell supplies the real opener; tests
//! record what would have been opened.

use std::sync::Mutex;

pub trait UrlOpener: Send + Sync + std::fmt::Debug {
    fn open(&self, url: &str) -> Result<(), String>;
}

/// Keeps the URLs instead of opening them (tests, and machines without a browser).
#[derive(Debug, Default)]
pub struct RecordingOpener {
    opened: Mutex<Vec<String>>,
}

impl RecordingOpener {
    pub fn opened(&self) -> Vec<String> {
        self.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

impl UrlOpener for RecordingOpener {
    fn open(&self, url: &str) -> Result<(), String> {
        self.opened.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(url.to_owned());
        Ok(())
    }
}

/// Only web pages are opened: `http://` or `https://` with a host.
pub(crate) fn is_web_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !url.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

#[cfg(test)]
mod tests {
    use super::is_web_url;

    #[test]
    fn only_web_pages_open() {
        assert!(is_web_url("https://example.com/x?y=1"));
        assert!(is_web_url("http://127.0.0.1:7700/_sandbox/customer/1"));
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "https://",
            "https:///x",
            "ftp://x",
            "https://a b",
            "mailto:x@y",
        ] {
            assert!(!is_web_url(bad), "{bad}");
        }
    }
}
