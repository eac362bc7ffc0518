//! Moving a desk's ledger file into a shared PostgreSQL ledger: with the back office closed on
//! this data folder (its instance lock held meanwhile), every row is copied into the new, empty
//! database in one transaction and counted again on both sides; the file is only read. The
//! desk then opens the shared ledger (`OVO_LEDGER_URL`) with the keys its keychain already holds.

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
    source.close().await;
    shared.close().await;
    Ok(copied?)
}
