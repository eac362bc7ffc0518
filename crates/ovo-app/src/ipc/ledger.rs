//! Settings → Ledger: where the ledger is, and the one-time codes that enrol another desk in a
//! shared one.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Secret;

/// Where this desk's ledger is.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerInfo {
    /// `file` (SQLite on this computer) or `postgres` (shared by several desks).
    pub backend: String,
    /// The file's path or the server's URL, its password hidden.
    pub location: String,
    /// The ledger's own id (the same at every desk of a shared ledger).
    pub ledger_id: String,
    /// Only a shared ledger enrols other desks.
    pub shared: bool,
}

/// How an enrolment code ended, or `open` while it can still be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentState {
    Open,
    Used,
    Withdrawn,
    Expired,
    TooManyAttempts,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeskEnrolmentView {
    /// The code's first group, which names it (the rest is never stored).
    pub id: String,
    pub state: EnrolmentState,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub ended_at: Option<String>,
    /// The name the enrolled desk gave itself.
    pub desk_name: Option<String>,
    #[ts(type = "number")]
    pub failed_attempts: i64,
}

/// A new code, shown once: the admin reads it out to the new desk. The shell's IPC journal
/// does not record it.
#[derive(Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewDeskEnrolment {
    pub code: String,
    pub enrolment: DeskEnrolmentView,
}

impl std::fmt::Debug for NewDeskEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewDeskEnrolment")
            .field("code", &"[redacted]")
            .field("enrolment", &self.enrolment)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentRef {
    pub id: String,
}

/// What a desk that is not yet enrolled enters.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EnrolDeskInput {
    #[ts(type = "string")]
    pub code: Secret,
    /// How other desks will see this one (e.g. "Finance, 2nd floor").
    pub desk_name: String,
}

/// Whether the back office is open, or this desk must first be enrolled in its shared ledger.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartupState {
    pub needs_enrolment: bool,
    /// The shared ledger's server, its password hidden (while enrolment is needed).
    pub location: Option<String>,
    /// Set when SQLite found the ledger file damaged: the window opens on the recovery screen.
    pub recovery: Option<LedgerRecovery>,
}

/// A damaged ledger file and the backups that can replace it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerRecovery {
    /// The damaged file's path.
    pub ledger: String,
    /// SQLite's own words for what is wrong.
    pub problems: Vec<String>,
    /// Newest first, each checked.
    pub backups: Vec<LedgerBackupView>,
}

/// A copy of the ledger file: in the data directory's `backups` folder, or taken by the ledger
/// beside itself before an update migrated it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerBackupView {
    /// The file's name, which is also how it is chosen.
    pub name: String,
    pub taken_at: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Whether SQLite's check passed, where it was run.
    pub sound: Option<bool>,
    /// Taken before an update migrated the ledger; never removed by "backups kept".
    pub before_update: bool,
}

/// Settings → Ledger: this desk's backups.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerBackups {
    /// Only a ledger file is backed up by the desk; a shared one on its server.
    pub file_ledger: bool,
    pub folder: String,
    /// How many are kept; older ones are removed.
    pub keep: u32,
    /// Newest first.
    pub backups: Vec<LedgerBackupView>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupRef {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupKeepInput {
    pub keep: u32,
}

/// After which change the UI asks (`seq` of its last answer; 0 at first).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerChangesInput {
    pub after: u64,
}

/// The tables another desk (or this one) changed since `after`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerChanges {
    pub seq: u64,
    /// `payments`, `refunds`, `bindings`, `customers`.
    pub tables: Vec<String>,
    /// False on a file ledger: nothing changes it but this desk, and the UI stops asking.
    pub live: bool,
}

/// A shared ledger's address, as the admin typed it (it may hold a password).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerUrlInput {
    #[ts(type = "string")]
    pub url: Secret,
}

/// What is at a shared ledger's address.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SharedLedgerCheck {
    /// The address, its password hidden.
    pub location: String,
    /// It holds a ledger already (other desks use it): this desk can join it.
    pub holds_ledger: bool,
    pub ledger_id: Option<String>,
    /// It holds no data: this desk's ledger file can move there.
    pub empty: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CopiedTable {
    pub table: String,
    #[ts(type = "number")]
    pub rows: u64,
}

/// A ledger file moved into a shared ledger; the desk works there after a restart.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerMoved {
    pub location: String,
    pub tables: Vec<CopiedTable>,
    /// The audit log's last entry, the same on both sides.
    #[ts(type = "number")]
    pub audit_seq: i64,
}
