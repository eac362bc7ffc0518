//! The ledger: one SQLite file in WAL mode with `synchronous=FULL` and foreign keys on (the
//! default), or a PostgreSQL database that several desks share; the same SQL runs on both.
//! Only this crate speaks SQL. Repositories are free functions over a connection, so a use
//! case composes several of them (and its audit entry) inside one write transaction.

pub mod audit;
pub mod backup;
pub mod balances;
pub mod bindings;
pub mod changes;
pub mod claims;
pub mod copy;
pub mod customers;
pub mod dashboard;
mod db;
pub mod enrolments;
mod error;
pub mod history;
pub mod link_secrets;
pub mod notifications;
pub mod operators;
pub mod payments;
pub mod refunds;
pub mod reports;
mod row;
pub mod settings;
pub mod settlement;

pub use db::{Backend, Ledger, LedgerLocation, OpenReport, WriteTx};
pub use error::{LedgerError, LedgerResult};
pub use row::TimelineEvent;

/// The connection type repositories take; a `WriteTx` derefs to it.
pub use sqlx::AnyConnection as Connection;

/// Commits a write transaction.
pub async fn commit(tx: WriteTx) -> LedgerResult<()> {
    Ok(tx.commit().await?)
}
