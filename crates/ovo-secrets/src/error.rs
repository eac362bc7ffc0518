use thiserror::Error;

/// Errors from secret stores. Messages never contain secret values.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SecretError {
    /// A key part is empty or has characters outside the allowed set.
    #[error("invalid secret key: {part} {reason}")]
    InvalidKey {
        /// Which part: `namespace`, `environment`, `product` or `field`.
        part: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The value is empty or too long.
    #[error("invalid secret value: {reason}")]
    InvalidValue {
        /// What is wrong with it (never the value itself).
        reason: String,
    },

    /// The OS keychain cannot be reached or is locked.
    #[error(
        "the OS keychain is unavailable or locked ({detail}); unlock your login keychain and retry \
         (on Linux a Secret Service such as gnome-keyring or KeePassXC must be running and unlocked \
         in this desktop session)"
    )]
    Unavailable {
        /// The platform's reason.
        detail: String,
    },

    /// The stored entry exists but cannot be read as a secret string.
    #[error("the stored secret {entry} is unreadable: {detail}")]
    Corrupt {
        /// The entry, as `service` / `user`.
        entry: String,
        /// Why it is unreadable (never the stored bytes).
        detail: String,
    },

    /// A sealed value does not open: another key, another context, or altered.
    #[error("a sealed secret cannot be opened: {detail}")]
    Unsealable {
        /// Why (never the value).
        detail: String,
    },

    /// Any other keychain failure.
    #[error("OS keychain error for {entry}: {detail}")]
    Keychain {
        /// The entry, as `service` / `user`.
        entry: String,
        /// The platform's reason.
        detail: String,
    },
}
