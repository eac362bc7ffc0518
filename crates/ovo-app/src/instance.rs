//! One app instance per ledger: an exclusive OS file lock beside the ledger, held while the
//! `Backoffice` lives. The OS releases it when the process ends, however it ends, so a crashed
//! process leaves nothing behind. The file names its holder for the message the second gets.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use ovo_domain::format::format_date_time;
use ovo_domain::{Lang, Timestamp};

use crate::error::{AppError, AppResult, ErrorCode};

/// Beside the ledger file in the data directory.
pub const LOCK_FILE: &str = "ledger.sqlite.lock";

/// The process holding a ledger open, as written into the lock file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockHolder {
    pub pid: u32,
    pub since: Timestamp,
}

impl LockHolder {
    /// The holder named in `<data_dir>/ledger.sqlite.lock`, when it can be read (not while the
    /// holder is still writing it, nor where the OS refuses reads of a locked file).
    pub fn read(data_dir: &Path) -> Option<LockHolder> {
        let text = std::fs::read_to_string(data_dir.join(LOCK_FILE)).ok()?;
        let mut pid = None;
        let mut since = None;
        for line in text.lines() {
            match line.split_once('=') {
                Some(("pid", value)) => pid = value.trim().parse().ok(),
                Some(("since", value)) => since = Timestamp::parse_rfc3339(value.trim()).ok(),
                _ => {}
            }
        }
        Some(LockHolder { pid: pid?, since: since? })
    }

    fn contents(&self) -> String {
        format!("pid={}\nsince={}\n", self.pid, self.since.to_rfc3339())
    }
}

/// What the second instance is told, in either language.
pub fn ledger_in_use_message(holder: Option<&LockHolder>, lang: Lang) -> String {
    let since = |at: Timestamp| format_date_time(at, lang);
    match (holder, lang) {
        (Some(h), Lang::En) => format!(
            "This ledger is already open in another OVO Back Office (process {}, since {}). \
             Close it, or use the window that is open.",
            h.pid,
            since(h.since)
        ),
        (None, Lang::En) => "This ledger is already open in another OVO Back Office. \
             Close it, or use the window that is open."
            .to_owned(),
        (Some(h), Lang::Id) => format!(
            "Data ini sudah dibuka di OVO Back Office lain (proses {}, sejak {}). \
             Tutup aplikasi itu, atau gunakan jendela yang sudah terbuka.",
            h.pid,
            since(h.since)
        ),
        (None, Lang::Id) => "Data ini sudah dibuka di OVO Back Office lain. \
             Tutup aplikasi itu, atau gunakan jendela yang sudah terbuka."
            .to_owned(),
    }
}

/// Held for the `Backoffice`'s lifetime; closing the file releases the lock.
#[derive(Debug)]
pub(crate) struct InstanceLock {
    _file: File,
}

impl InstanceLock {
    /// Takes the lock or answers `ledger_in_use`, naming the holder when it can.
    pub(crate) fn acquire(data_dir: &Path, now: Timestamp) -> AppResult<InstanceLock> {
        let path = data_dir.join(LOCK_FILE);
        let storage = |what: &str, e: std::io::Error| {
            AppError::new(
                ErrorCode::Storage,
                format!("cannot {what} the ledger lock {}: {e}", path.display()),
            )
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| storage("open", e))?;
        // Called through the trait: newer std has an inherent `File::try_lock` of its own.
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let holder = LockHolder::read(data_dir);
                return Err(AppError::new(
                    ErrorCode::LedgerInUse,
                    ledger_in_use_message(holder.as_ref(), Lang::En),
                )
                .with_reason("ledger_in_use"));
            }
            Err(fs4::TryLockError::Error(e)) => return Err(storage("lock", e)),
        }
        let holder = LockHolder { pid: std::process::id(), since: now };
        file.set_len(0).map_err(|e| storage("write", e))?;
        file.write_all(holder.contents().as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| storage("write", e))?;
        Ok(InstanceLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_holder_in_both_languages() {
        let holder = LockHolder {
            pid: 1234,
            since: Timestamp::parse_rfc3339("2026-12-03T14:42:00Z")
                .unwrap_or_else(|e| panic!("{e}")),
        };
        assert_eq!(
            ledger_in_use_message(Some(&holder), Lang::En),
            "This ledger is already open in another OVO Back Office (process 1234, since 3 Dec 2026 21:42 WIB). \
             Close it, or use the window that is open."
        );
        assert!(ledger_in_use_message(Some(&holder), Lang::Id)
            .contains("(proses 1234, sejak 3 Des 2026 21.42 WIB)"));
        assert!(!ledger_in_use_message(None, Lang::Id).contains("proses"));
    }

    #[test]
    fn the_holder_reads_back_from_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let holder = LockHolder { pid: 42, since: Timestamp::from_unix_millis(1_790_000_000_000) };
        std::fs::write(dir.path().join(LOCK_FILE), holder.contents())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(LockHolder::read(dir.path()), Some(holder));
        std::fs::write(dir.path().join(LOCK_FILE), "").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(LockHolder::read(dir.path()), None);
    }
}
