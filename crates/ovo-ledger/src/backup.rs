//! Copies of a ledger file and checks of one: a consistent copy taken while the ledger is in use
//! (`VACUUM INTO`, WAL contents included), and SQLite's `quick_check` of a file before it is
//! opened.

use std::path::Path;

use sqlx::{Connection as _, Row as _};

use crate::db::{connect_options, Ledger, LedgerLocation};
use crate::error::{LedgerError, LedgerResult};

/// SQLite's primary result codes for a damaged file: `SQLITE_CORRUPT` and `SQLITE_NOTADB` (an
/// extended code such as `SQLITE_CORRUPT_INDEX` carries its primary code in the low byte).
const DAMAGE_CODES: [i64; 2] = [11, 26];

/// What `PRAGMA quick_check` found in a ledger file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileCheck {
    Sound,
    /// SQLite's own words for each problem (at most the first 20).
    Damaged(Vec<String>),
}

/// Checks the SQLite file at `path` without writing to it.
pub async fn check_file(path: &Path) -> LedgerResult<FileCheck> {
    sqlx::any::install_default_drivers();
    let location = LedgerLocation::File(path.to_path_buf());
    let options = connect_options(&location, true)?;
    let damaged = |e: &sqlx::Error| match e {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i64>().ok())
            .is_some_and(|code| DAMAGE_CODES.contains(&(code & 0xff))),
        _ => false,
    };
    let mut conn = match sqlx::AnyConnection::connect_with(&options).await {
        Ok(conn) => conn,
        Err(e) if damaged(&e) => return Ok(FileCheck::Damaged(vec![e.to_string()])),
        Err(source) => return Err(LedgerError::Open { location: location.to_string(), source }),
    };
    let rows = sqlx::query("PRAGMA quick_check(20)").fetch_all(&mut conn).await;
    let _ = conn.close().await;
    match rows {
        Ok(rows) => {
            let found: Vec<String> =
                rows.iter().filter_map(|row| row.try_get::<String, _>(0).ok()).collect();
            Ok(if found == ["ok"] { FileCheck::Sound } else { FileCheck::Damaged(found) })
        }
        Err(e) if damaged(&e) => Ok(FileCheck::Damaged(vec![e.to_string()])),
        Err(e) => Err(e.into()),
    }
}

/// Writes a consistent copy of the ledger file at `target`, which must not exist yet.
pub(crate) async fn vacuum_into(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    target: &Path,
) -> LedgerResult<()> {
    let target = target
        .to_str()
        .ok_or_else(|| LedgerError::Backup("the backup's path is not valid UTF-8".into()))?;
    sqlx::query(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
        .execute(executor)
        .await
        .map_err(|e| LedgerError::Backup(e.to_string()))?;
    Ok(())
}

impl Ledger {
    /// Copies this ledger file to `target` (which must not exist) without holding the write
    /// lock: writers go on while the copy is taken.
    pub async fn back_up_to(&self, target: &Path) -> LedgerResult<()> {
        if self.path().is_none() {
            return Err(LedgerError::Backup(
                "a shared ledger is backed up on its server, not by a desk".into(),
            ));
        }
        let mut conn = self.read().await?;
        vacuum_into(&mut *conn, target).await
    }
}
