use ovo_domain::{RefundId, RefundMode, RefundPolicyError, RefundStatus};
use thiserror::Error;

/// Everything the ledger can fail with; callers branch on the variant.
#[derive(Debug, Error)]
pub enum LedgerError {
    #[error("cannot open the ledger at {location}: {source}")]
    Open { location: String, source: sqlx::Error },
    #[error("the ledger was not moved: {0}")]
    Copy(String),
    #[error("invalid ledger location: {0}")]
    InvalidLocation(String),
    #[error("cannot back up the ledger: {0}")]
    Backup(String),
    #[error("ledger migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("a record with this {what} already exists")]
    Duplicate { what: &'static str },
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("the ledger holds a value it cannot read: {0}")]
    Corrupt(String),
    #[error("refund {id} is {from}; it cannot become {to}")]
    IllegalRefundTransition { id: RefundId, from: RefundStatus, to: RefundStatus },
    #[error("refund {id} is an {mode} refund; it cannot become {to}")]
    WrongRefundMode { id: RefundId, mode: RefundMode, to: RefundStatus },
    #[error("refund {id} was requested by the same operator; someone else must decide it")]
    SelfDecision { id: RefundId },
    #[error("whoever took this {what} cannot resolve it by hand; someone else must")]
    SelfResolution { what: &'static str },
    #[error("invalid refund policy: {0}")]
    InvalidRefundPolicy(#[from] RefundPolicyError),
    #[error("ledger is busy; try again")]
    Busy,
    #[error("this ledger was moved to a shared ledger and takes no more writes; restart the app to work there")]
    Moved,
    #[error("ledger error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for LedgerError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return LedgerError::Duplicate { what: unique_subject(db.message()) };
            }
            // SQLITE_BUSY (5) / SQLITE_LOCKED (6) after busy_timeout; PostgreSQL's
            // serialization failure, deadlock and lock timeout.
            if matches!(db.code().as_deref(), Some("5" | "6" | "40001" | "40P01" | "55P03")) {
                return LedgerError::Busy;
            }
        }
        LedgerError::Database(err)
    }
}

fn unique_subject(message: &str) -> &'static str {
    // SQLite names `table.column`; PostgreSQL the constraint, `table_column_key` or the index.
    if message.contains("operators.username") || message.contains("operators_username") {
        "username"
    } else if message.contains("reference") {
        "reference"
    } else if message.contains("bindings") {
        "linked account"
    } else if message.contains("idempotency_key") {
        "idempotency key"
    } else {
        "key"
    }
}

pub type LedgerResult<T> = Result<T, LedgerError>;
