//! The back office's use cases, with no Tauri: the desktop shell, tests and tools call
//! `Backoffice`. Every use case that needs an operator goes through `authorize`, which
//! checks the session, the idle lock and the permission table, and audits refusals.
//! Every state change appends its audit entry in the same write transaction.

mod audit_anchor;
mod audit_log;
mod background;
mod backoffice;
mod backups;
mod builtin;
mod by_hand;
mod connection;
mod credentials;
mod customer_import;
mod customers;
mod dashboard;
mod demo;
mod desk;
mod enrolment;
mod error;
mod exports;
mod instance;
pub mod ipc;
mod ledger_move;
mod listener;
mod live;
mod local_keys;
mod opener;
mod operator_names;
mod operators;
mod passwords;
mod payments;
pub mod permissions;
mod preferences;
mod provider_settings;
mod providers;
mod refund_policies;
mod refunds;
mod returns;
mod session;
mod settlement;
mod validate;

pub use backoffice::{Actor, Backoffice, BackofficeConfig, DEFAULT_IDLE_LOCK_MINUTES, LEDGER_FILE};
pub use backups::{
    backup_due, ledger_file_problems, list_backups, recovery, request_recovery, restorable_backups,
    BackupFile, RestoreReason, BACKUPS_KEPT_RANGE, BACKUP_DIR, DEFAULT_BACKUPS_KEPT,
};
pub use builtin::builtin_payments_to_import;
pub use by_hand::{EVIDENCE_DIR, EVIDENCE_MAX_BYTES};
pub use customer_import::{MAX_LINE_BYTES, MAX_ROWS, PREVIEW_ROWS};
pub use desk::{BALANCE_STALE_AFTER_MINUTES, LINKING_LIFETIME_MINUTES};
pub use enrolment::{enrol_desk, EnrolledDesk, MAX_WRONG_CODES};
pub use error::{AppError, AppResult, ErrorCode, ExistingCustomer};
pub use instance::{ledger_in_use_message, LockHolder, LOCK_FILE};
pub use ledger_move::{move_ledger, stored_ledger_location};
pub use listener::DEFAULT_LISTENER_ADDRESS;
pub use opener::{RecordingOpener, UrlOpener};
pub use ovo_ledger::LedgerLocation;
pub use payments::PUSH_HOLD_SECONDS;
pub use permissions::Permission;
pub use preferences::IDLE_LOCK_RANGE;
pub use validate::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
