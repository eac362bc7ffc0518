use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::error::{LedgerError, LedgerResult};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How many readers may run beside the single writer.
const READERS: u32 = 4;

/// The ledger file: one writer connection (every write is `BEGIN IMMEDIATE`) and a few readers.
#[derive(Debug, Clone)]
pub struct Ledger {
    writer: SqlitePool,
    readers: SqlitePool,
    path: PathBuf,
}

/// What opening did to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// Migrations applied by this open, by version.
    pub applied: Vec<i64>,
    /// The copy taken before migrating an existing ledger.
    pub backup: Option<PathBuf>,
}

pub type WriteTx = Transaction<'static, Sqlite>;

impl Ledger {
    /// Opens (or creates) the ledger file and brings its schema up to date.
    /// An existing ledger that needs migrating is copied beside itself first.
    pub async fn open(path: &Path) -> LedgerResult<(Ledger, OpenReport)> {
        let open_err = |source| LedgerError::Open { path: path.display().to_string(), source };
        let options = Ledger::connect_options(path)?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(open_err)?;

        let pending = pending_migrations(&writer).await?;
        let backup = if !pending.is_empty() && has_user_tables(&writer).await? {
            Some(backup_before_migrating(&writer, path, pending[0]).await?)
        } else {
            None
        };
        if !pending.is_empty() {
            migrate(&writer).await?;
        }

        // A local file cannot drop like a socket: skip the ping before each acquire.
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await
            .map_err(open_err)?;
        Ok((
            Ledger { writer, readers, path: path.to_path_buf() },
            OpenReport { applied: pending, backup },
        ))
    }

    /// How every connection to the ledger file at `path` is made: WAL, `synchronous=FULL`,
    /// foreign keys on, `secure_delete` (text deleted or replaced is overwritten, not only
    /// unlinked) and a 10 s busy timeout (readers add `read_only`).
    pub fn connect_options(path: &Path) -> LedgerResult<SqliteConnectOptions> {
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| LedgerError::Open { path: path.display().to_string(), source })?;
        Ok(options
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .pragma("secure_delete", "on")
            .busy_timeout(Duration::from_secs(10)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A write transaction that holds the write lock from its first statement, so a
    /// check and the write that depends on it can never interleave with another writer.
    pub async fn begin_write(&self) -> LedgerResult<WriteTx> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A connection for reads (sees the last committed state).
    pub async fn read(&self) -> LedgerResult<PoolConnection<Sqlite>> {
        Ok(self.readers.acquire().await?)
    }

    /// Raw access for tools in this crate's tests and benchmarks.
    pub fn writer_pool(&self) -> &SqlitePool {
        &self.writer
    }

    /// Copies the write-ahead log into the file and empties it (`wal_checkpoint(TRUNCATE)`), so
    /// text a write replaced is left in neither.
    pub async fn checkpoint(&self) -> LedgerResult<()> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.writer).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}

/// Runs the pending migrations with foreign keys off (SQLite's procedure for rebuilding a
/// table, the only way it changes a CHECK), then switches them on and refuses a ledger whose
/// references no longer hold. The single writer connection is the one migrated.
async fn migrate(writer: &SqlitePool) -> LedgerResult<()> {
    sqlx::query("PRAGMA foreign_keys = OFF").execute(writer).await?;
    let ran = MIGRATOR.run(writer).await;
    let restored = sqlx::query("PRAGMA foreign_keys = ON").execute(writer).await;
    ran?;
    restored?;
    let broken: Vec<String> = sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(writer)
        .await?;
    if let Some(table) = broken.first() {
        return Err(LedgerError::Corrupt(format!(
            "after migrating, {} row(s) of {table} refer to rows that do not exist",
            broken.len()
        )));
    }
    Ok(())
}

async fn pending_migrations(pool: &SqlitePool) -> LedgerResult<Vec<i64>> {
    let has_table: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(pool)
    .await?;
    let applied: Vec<i64> = if has_table.is_some() {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    if let Some(unknown) = applied.iter().find(|v| !MIGRATOR.iter().any(|m| m.version == **v)) {
        return Err(LedgerError::Corrupt(format!(
            "the ledger was written by a newer version of the app (migration {unknown}); refusing to open it"
        )));
    }
    Ok(MIGRATOR.iter().map(|m| m.version).filter(|v| !applied.contains(v)).collect())
}

async fn has_user_tables(pool: &SqlitePool) -> LedgerResult<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_one(pool)
    .await?;
    Ok(count > 0)
}

/// `VACUUM INTO` writes a consistent copy, WAL contents included.
async fn backup_before_migrating(
    pool: &SqlitePool,
    path: &Path,
    next_version: i64,
) -> LedgerResult<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger".into());
    let backup =
        path.with_file_name(format!("{file_name}.before-migration-{next_version}.{stamp}.bak"));
    let target = backup
        .to_str()
        .ok_or_else(|| LedgerError::Backup("backup path is not valid UTF-8".into()))?;
    sqlx::query(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
        .execute(pool)
        .await
        .map_err(|e| LedgerError::Backup(e.to_string()))?;
    Ok(backup)
}
