use ovo_ledger::LedgerError;
use ovo_secrets::SecretError;
use serde::Serialize;
use ts_rs::TS;

/// The closed set of error codes the UI branches on; never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    Unauthenticated,
    Locked,
    /// The operator's password was set by an admin; only changing it, signing out and the
    /// session's status are open until then (`reason` `password_change_required`).
    PasswordChangeRequired,
    /// Too many failed password attempts: `retryAfterSeconds` says how long to wait.
    TooManyAttempts,
    Forbidden,
    NotFound,
    Conflict,
    WrongPassword,
    AlreadySetUp,
    NotSetUp,
    KeychainUnavailable,
    Storage,
    /// Another app instance holds this ledger open (`reason` `ledger_in_use`).
    LedgerInUse,
    /// A provider call failed; `reason` is `provider_<ProviderProblemKind>`.
    Provider,
    Internal,
}

/// What a use case failed with, as the UI receives it: `{code, message, reason}`.
/// `reason` is a stable key for the specific rule (e.g. `password_too_short`) that the UI translates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[ts(rename = "ErrorBody")]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    #[ts(type = "string | null")]
    pub reason: Option<&'static str>,
    /// On a customer conflict (`customer_phone_taken`, `customer_merchant_id_taken`): the
    /// customer that already has the value, for "open it".
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub existing: Option<ExistingCustomer>,
    /// On a file problem (an import's encoding, a line too long): the file's line it is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub line: Option<u64>,
    /// On `too_many_attempts`: how many seconds until a password may be tried again.
    #[serde(rename = "retryAfterSeconds", skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub retry_after_seconds: Option<u64>,
}

/// The customer a create, edit or imported row collides with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExistingCustomer {
    #[ts(type = "number")]
    pub id: i64,
    pub full_name: String,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            reason: None,
            existing: None,
            line: None,
            retry_after_seconds: None,
        }
    }

    pub fn invalid(reason: &'static str, message: impl Into<String>) -> Self {
        AppError {
            code: ErrorCode::InvalidInput,
            message: message.into(),
            reason: Some(reason),
            existing: None,
            line: None,
            retry_after_seconds: None,
        }
    }

    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }

    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
}

impl From<LedgerError> for AppError {
    fn from(err: LedgerError) -> Self {
        match err {
            LedgerError::Duplicate { what } => AppError::new(
                ErrorCode::Conflict,
                format!("a record with this {what} already exists"),
            ),
            LedgerError::NotFound { what } => {
                AppError::new(ErrorCode::NotFound, format!("{what} not found"))
            }
            LedgerError::Busy => AppError::new(ErrorCode::Storage, "the ledger is busy; try again"),
            LedgerError::Moved => AppError::new(ErrorCode::Storage, LedgerError::Moved.to_string())
                .with_reason("ledger_moved"),
            other => {
                tracing::error!(error = %other, "ledger failure");
                AppError::new(ErrorCode::Storage, other.to_string())
            }
        }
    }
}

impl From<SecretError> for AppError {
    fn from(err: SecretError) -> Self {
        match err {
            SecretError::Unavailable { .. } => {
                AppError::new(ErrorCode::KeychainUnavailable, err.to_string())
            }
            SecretError::InvalidValue { .. } => {
                AppError::invalid("credential_value_invalid", err.to_string())
            }
            other => {
                tracing::error!(error = %other, "keychain failure");
                AppError::new(ErrorCode::Internal, other.to_string())
            }
        }
    }
}
