//! Moving a desk's ledger file into a shared PostgreSQL ledger: with the back office closed on
//! this data folder (its instance lock held meanwhile), every row is copied into the new, empty
//! database in one transaction and counted again on both sides. The file's rows are only read
//! (a file from an older version is migrated first, with its backup beside it, as any open
//! does); once the copy has committed the file is renamed `ledger.sqlite.moved-<unix seconds>`,
//! so that a start without `OVO_LEDGER_URL` cannot quietly go on in the old ledger. The desk
//! then opens the shared ledger with the keys its keychain already holds.

use std::path::Path;

use ovo_domain::Timestamp;
use ovo_ledger::copy::{self, CopyReport};
use ovo_ledger::{Backend, Ledger, LedgerLocation};

use crate::backoffice::LEDGER_FILE;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::instance::InstanceLock;

/// Copies the ledger file in `data_dir` into `target` (a new PostgreSQL ledger, created here
/// when its database has no schema yet).
pub async fn move_ledger(
    data_dir: &Path,
    target: &LedgerLocation,
    now: Timestamp,
) -> AppResult<CopyReport> {
    if target.backend() != Backend::Postgres {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "a ledger file moves into PostgreSQL: give a postgres:// URL",
        ));
    }
    let file = data_dir.join(LEDGER_FILE);
    if !file.exists() {
        return Err(AppError::new(
            ErrorCode::NotFound,
            format!("there is no ledger file at {}", file.display()),
        ));
    }
    let _instance = InstanceLock::acquire(data_dir, now)?;
    let (source, _) = Ledger::open(&file).await?;
    let (shared, _) = Ledger::open_at(target).await?;
    let copied = copy::copy_ledger(&source, &shared).await;
    source.checkpoint().await?;
    source.close().await;
    shared.close().await;
    let report = copied?;
    let moved = data_dir.join(format!("{LEDGER_FILE}.moved-{}", now.unix_millis() / 1_000));
    std::fs::rename(&file, &moved).map_err(|e| {
        AppError::new(
            ErrorCode::Storage,
            format!(
                "the ledger was copied, but {} could not be renamed to {}: {e}; rename or remove it before starting without OVO_LEDGER_URL",
                file.display(),
                moved.display()
            ),
        )
    })?;
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data_dir.join(format!("{LEDGER_FILE}{side}")));
    }
    Ok(report)
}
