//! Copies of a ledger file and checks of one: a consistent copy taken while the ledger is in use
//! (`VACUUM INTO`, WAL contents included), the copies taken before a migration, and SQLite's
//! `quick_check` of a file before it is opened.

use std::path::{Path, PathBuf};

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

/// The backup connection waits for a writer's lock like the pooled readers do, and caches
/// 256 KiB of pages (SQLite's default is 2 MiB).
const BACKUP_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA cache_size = -256;";

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

/// A copy of a ledger file taken before migrations changed it, beside the file:
/// `<file name>.before-migration-<version>.<unix seconds>.bak`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreMigrationCopy {
    pub path: PathBuf,
    /// The first migration applied after the copy was taken.
    pub next_version: i64,
    pub taken_at_unix_seconds: i64,
}

const PRE_MIGRATION_INFIX: &str = ".before-migration-";
const PRE_MIGRATION_SUFFIX: &str = ".bak";

fn ledger_file_name(ledger: &Path) -> String {
    ledger.file_name().map_or_else(|| "ledger".into(), |n| n.to_string_lossy().into_owned())
}

/// Where the copy of `ledger` taken before migration `next_version` goes.
pub(crate) fn pre_migration_copy_path(
    ledger: &Path,
    next_version: i64,
    unix_seconds: i64,
) -> PathBuf {
    ledger.with_file_name(format!(
        "{}{PRE_MIGRATION_INFIX}{next_version}.{unix_seconds}{PRE_MIGRATION_SUFFIX}",
        ledger_file_name(ledger)
    ))
}

/// The copies of `ledger` taken before migrations, newest first; none when its folder is not
/// there.
pub fn pre_migration_copies(ledger: &Path) -> std::io::Result<Vec<PreMigrationCopy>> {
    let Some(folder) = ledger.parent() else { return Ok(Vec::new()) };
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let prefix = format!("{}{PRE_MIGRATION_INFIX}", ledger_file_name(ledger));
    let mut copies: Vec<PreMigrationCopy> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix(&prefix)?.strip_suffix(PRE_MIGRATION_SUFFIX)?;
            let (version, seconds) = rest.split_once('.')?;
            Some(PreMigrationCopy {
                path: entry.path(),
                next_version: version.parse().ok()?,
                taken_at_unix_seconds: seconds.parse().ok()?,
            })
        })
        .collect();
    copies.sort_by_key(|c| std::cmp::Reverse((c.taken_at_unix_seconds, c.next_version)));
    Ok(copies)
}

impl Ledger {
    /// Copies this ledger file to `target` (which must not exist) without holding the write
    /// lock: writers go on while the copy is taken. The copy reads every page once, on a
    /// connection of its own with a small page cache, closed afterwards: the pooled readers'
    /// caches keep what the screens read, not a whole ledger.
    pub async fn back_up_to(&self, target: &Path) -> LedgerResult<()> {
        if self.path().is_none() {
            return Err(LedgerError::Backup(
                "a shared ledger is backed up on its server, not by a desk".into(),
            ));
        }
        let location = self.location();
        let mut conn =
            sqlx::AnyConnection::connect_with(&connect_options(location, true)?)
                .await
                .map_err(|source| LedgerError::Open { location: location.to_string(), source })?;
        let copied = match sqlx::query(BACKUP_PRAGMAS).execute(&mut conn).await {
            Ok(_) => vacuum_into(&mut conn, target).await,
            Err(e) => Err(e.into()),
        };
        let _ = conn.close().await;
        copied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn pre_migration_copies_are_found_by_their_name_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger.sqlite");
        let older = pre_migration_copy_path(&ledger, 30, 1_700_000_000);
        let newer = pre_migration_copy_path(&ledger, 41, 1_760_000_000);
        for path in [&older, &newer] {
            std::fs::write(path, b"copy").unwrap();
        }
        // Neither a copy of another file nor one with a name it did not write.
        for other in [
            "other.sqlite.before-migration-41.1760000000.bak",
            "ledger.sqlite.before-migration-x.1760000000.bak",
            "ledger.sqlite.before-migration-41.bak",
            "ledger.sqlite.damaged-20261205T101010Z",
        ] {
            std::fs::write(dir.path().join(other), b"not a copy").unwrap();
        }
        let found = pre_migration_copies(&ledger).unwrap();
        assert_eq!(
            found,
            [
                PreMigrationCopy {
                    path: newer,
                    next_version: 41,
                    taken_at_unix_seconds: 1_760_000_000
                },
                PreMigrationCopy {
                    path: older,
                    next_version: 30,
                    taken_at_unix_seconds: 1_700_000_000
                },
            ]
        );
        assert!(pre_migration_copies(&dir.path().join("gone/ledger.sqlite")).unwrap().is_empty());
    }
}
