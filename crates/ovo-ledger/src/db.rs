use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor as _, Transaction};

use crate::error::{LedgerError, LedgerResult};

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// How many readers may run beside the writer.
const READERS: u32 = 4;

/// The PostgreSQL advisory lock every write transaction takes first: writers from every desk
/// run one at a time, as SQLite's `BEGIN IMMEDIATE` makes them on one file.
const WRITE_LOCK: i64 = 0x4f56_4f5f_4c45_4447; // "OVO_LEDG"

/// Where the ledger lives: a SQLite file (the default) or a PostgreSQL database several desks share.
#[derive(Clone, PartialEq, Eq)]
pub enum LedgerLocation {
    File(PathBuf),
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl LedgerLocation {
    /// Reads a ledger URL: `sqlite:<path>` (or a bare path), or `postgres://user[:password]@host[:port]/database[?sslmode=…]`.
    pub fn parse(text: &str) -> LedgerResult<LedgerLocation> {
        let text = text.trim();
        let bad = |why: &str| LedgerError::InvalidLocation(why.to_owned());
        if let Some(rest) =
            text.strip_prefix("postgres://").or_else(|| text.strip_prefix("postgresql://"))
        {
            let options: sqlx::postgres::PgConnectOptions = text
                .parse()
                .map_err(|e| bad(&format!("not a PostgreSQL URL ({e}); expected postgres://user:password@host:port/database")))?;
            if rest
                .split(['/', '?'])
                .next()
                .unwrap_or("")
                .rsplit('@')
                .next()
                .unwrap_or("")
                .is_empty()
            {
                return Err(bad("the PostgreSQL URL names no host; expected postgres://user:password@host:port/database"));
            }
            let _ = options;
            return Ok(LedgerLocation::Postgres(text.to_owned()));
        }
        let path =
            text.strip_prefix("sqlite://").or_else(|| text.strip_prefix("sqlite:")).unwrap_or(text);
        if path.is_empty() {
            return Err(bad("no ledger given; expected sqlite:<path of the file> or postgres://user:password@host:port/database"));
        }
        if text.contains("://") && !text.starts_with("sqlite://") {
            return Err(bad("unknown kind of ledger; expected sqlite:<path of the file> or postgres://user:password@host:port/database"));
        }
        Ok(LedgerLocation::File(PathBuf::from(path)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            LedgerLocation::File(_) => Backend::Sqlite,
            LedgerLocation::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Says where the ledger is without the PostgreSQL password.
impl fmt::Display for LedgerLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerLocation::File(path) => write!(f, "sqlite:{}", path.display()),
            LedgerLocation::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl fmt::Debug for LedgerLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db` (and `password=***` in the
/// query).
fn without_password(url: &str) -> String {
    let (url, query) = url.split_once('?').map_or((url, None), |(u, q)| (u, Some(q)));
    let query = query.map(|q| {
        q.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    let base = without_user_password(url);
    match query {
        Some(query) => format!("{base}?{query}"),
        None => base,
    }
}

fn without_user_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or("");
            let hidden = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// The database behind a ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The ledger: one writer connection (every write holds the ledger's write lock from its
/// first statement) and a few readers, on a SQLite file or a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct Ledger {
    writer: AnyPool,
    readers: AnyPool,
    location: LedgerLocation,
    /// Set once the ledger was moved elsewhere: every write is refused from then on.
    moved: Arc<AtomicBool>,
}

/// What opening did to the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// This open made the ledger: it held no schema before.
    pub created: bool,
    /// Migrations applied by this open, by version.
    pub applied: Vec<i64>,
    /// The copy taken before migrating an existing ledger file.
    pub backup: Option<PathBuf>,
}

pub type WriteTx = Transaction<'static, Any>;

impl Ledger {
    /// Opens (or creates) the ledger file and brings its schema up to date.
    /// An existing ledger that needs migrating is copied beside itself first.
    pub async fn open(path: &Path) -> LedgerResult<(Ledger, OpenReport)> {
        Ledger::open_at(&LedgerLocation::File(path.to_path_buf())).await
    }

    /// Opens the ledger at `location` and brings its schema up to date.
    pub async fn open_at(location: &LedgerLocation) -> LedgerResult<(Ledger, OpenReport)> {
        sqlx::any::install_default_drivers();
        let open_err = |source| LedgerError::Open { location: location.to_string(), source };
        let backend = location.backend();
        let writer_options = connect_options(location, false)?;
        let writer =
            pool_options(backend, 1, false).connect_with(writer_options).await.map_err(open_err)?;

        let migrator = migrator(backend);
        let pending = pending_migrations(&writer, backend, migrator).await?;
        let created =
            migrator.iter().next().is_some_and(|first| pending.first() == Some(&first.version));
        let backup = match location {
            LedgerLocation::File(path)
                if !pending.is_empty() && has_user_tables(&writer, backend).await? =>
            {
                Some(backup_before_migrating(&writer, path, pending[0]).await?)
            }
            _ => None,
        };
        if !pending.is_empty() {
            migrate(&writer, backend, migrator).await?;
        }

        let readers = pool_options(backend, READERS, true)
            .connect_with(connect_options(location, true)?)
            .await
            .map_err(open_err)?;
        Ok((
            Ledger {
                writer,
                readers,
                location: location.clone(),
                moved: Arc::new(AtomicBool::new(false)),
            },
            OpenReport { created, applied: pending, backup },
        ))
    }

    /// The ledger file, when the ledger is one.
    pub fn path(&self) -> Option<&Path> {
        match &self.location {
            LedgerLocation::File(path) => Some(path),
            LedgerLocation::Postgres(_) => None,
        }
    }

    pub fn location(&self) -> &LedgerLocation {
        &self.location
    }

    pub fn backend(&self) -> Backend {
        self.location.backend()
    }

    /// A write transaction that holds the ledger's write lock from its first statement, so a
    /// check and the write that depends on it can never interleave with another writer, at
    /// this desk or any other.
    pub async fn begin_write(&self) -> LedgerResult<WriteTx> {
        if self.moved.load(Ordering::SeqCst) {
            return Err(LedgerError::Moved);
        }
        let tx = match self.backend() {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.writer.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        };
        // A writer that waited for the lock while the ledger was being moved writes nothing.
        if self.moved.load(Ordering::SeqCst) {
            return Err(LedgerError::Moved);
        }
        Ok(tx)
    }

    /// The ledger's tables, by name (the migrations' record among them).
    pub async fn tables(&self) -> LedgerResult<Vec<String>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
                 WHERE table_schema = current_schema() ORDER BY table_name"
            }
        };
        Ok(sqlx::query_scalar(sql).fetch_all(&self.readers).await?)
    }

    /// A connection for reads (sees the last committed state).
    pub async fn read(&self) -> LedgerResult<PoolConnection<Any>> {
        Ok(self.readers.acquire().await?)
    }

    /// Raw access for tools in this crate's tests and benchmarks.
    pub fn writer_pool(&self) -> &AnyPool {
        &self.writer
    }

    /// Raw access for tools in this crate's tests and benchmarks.
    pub fn readers_pool(&self) -> &AnyPool {
        &self.readers
    }

    /// On a file, copies the write-ahead log into it and empties it (`wal_checkpoint(TRUNCATE)`),
    /// so text a write replaced is left in neither. PostgreSQL manages its own log.
    pub async fn checkpoint(&self) -> LedgerResult<()> {
        if self.backend() == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.writer).await?;
        }
        Ok(())
    }

    /// Refuses every write from now on (`Moved`): the ledger was copied elsewhere and this one
    /// is kept only as a record.
    pub(crate) fn refuse_writes(&self) {
        self.moved.store(true, Ordering::SeqCst);
    }

    /// Undoes `refuse_writes` when the move did not happen after all.
    pub(crate) fn accept_writes(&self) {
        self.moved.store(false, Ordering::SeqCst);
    }

    /// Whether the ledger was moved elsewhere and takes no more writes.
    pub fn is_moved(&self) -> bool {
        self.moved.load(Ordering::SeqCst)
    }

    /// Closes every connection, the writer's last (on a file, the last to close checkpoints
    /// the WAL and removes it).
    pub async fn close(&self) {
        close_fully(&self.readers).await;
        close_fully(&self.writer).await;
    }
}

/// Closes `pool` and returns once none of its connections is open. sqlx's `close` can return
/// while a released connection is still being pinged on its way back to the pool; it lands
/// in the idle queue afterwards, open, where only another `close` finds it (sqlx issue 3217).
async fn close_fully(pool: &AnyPool) {
    pool.close().await;
    while pool.size() > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        pool.close().await;
    }
}

fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATOR,
        Backend::Postgres => &POSTGRES_MIGRATOR,
    }
}

/// How every connection to the ledger is made. A file: WAL, `synchronous=FULL`, foreign keys
/// on, `secure_delete` (text deleted or replaced is overwritten, not only unlinked) and a 10 s
/// busy timeout; readers open it read-only. PostgreSQL: the URL as given (TLS as its `sslmode`
/// asks).
pub(crate) fn connect_options(
    location: &LedgerLocation,
    read_only: bool,
) -> LedgerResult<AnyConnectOptions> {
    let url = match location {
        LedgerLocation::File(path) => {
            let encoded = percent_encoding::utf8_percent_encode(
                &path.to_string_lossy(),
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string()
            .replace("%2F", "/");
            format!("sqlite://{encoded}?mode={}", if read_only { "ro" } else { "rwc" })
        }
        LedgerLocation::Postgres(url) => url.clone(),
    };
    url.parse().map_err(|source| LedgerError::Open { location: location.to_string(), source })
}

fn pool_options(backend: Backend, connections: u32, read_only: bool) -> AnyPoolOptions {
    let options = AnyPoolOptions::new().max_connections(connections);
    match backend {
        // A local file cannot drop like a socket: skip the ping before each acquire, and keep
        // each connection (its worker thread and page cache) for the pool's life rather than
        // sqlx's default of replacing it after 30 minutes, or 10 idle.
        Backend::Sqlite => {
            let pragmas = if read_only {
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;"
            } else {
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                 PRAGMA secure_delete = ON; PRAGMA busy_timeout = 10000;"
            };
            options.test_before_acquire(false).max_lifetime(None).idle_timeout(None).after_connect(
                move |conn, _| {
                    Box::pin(async move {
                        conn.execute(pragmas).await?;
                        Ok(())
                    })
                },
            )
        }
        // A server restarts and networks drop: check a pooled connection before handing it out.
        Backend::Postgres => options
            .test_before_acquire(true)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("SET TIME ZONE 'UTC'; SET statement_timeout = '30s'").await?;
                    Ok(())
                })
            }),
    }
}

/// Runs the pending migrations. On a file, with foreign keys off (SQLite's procedure for
/// rebuilding a table, the only way it changes a CHECK), then switches them on and refuses a
/// ledger whose references no longer hold. The single writer connection is the one migrated.
/// On PostgreSQL the migrator holds its own advisory lock, so desks starting together migrate once.
async fn migrate(writer: &AnyPool, backend: Backend, migrator: &Migrator) -> LedgerResult<()> {
    if backend == Backend::Postgres {
        return Ok(migrator.run(writer).await?);
    }
    sqlx::query("PRAGMA foreign_keys = OFF").execute(writer).await?;
    let ran = migrator.run(writer).await;
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

async fn pending_migrations(
    pool: &AnyPool,
    backend: Backend,
    migrator: &Migrator,
) -> LedgerResult<Vec<i64>> {
    let has_table_sql = match backend {
        Backend::Sqlite => {
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT count(*) FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
    };
    let has_table: i64 = sqlx::query_scalar(has_table_sql).fetch_one(pool).await?;
    let applied: Vec<i64> = if has_table > 0 {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    if let Some(unknown) = applied.iter().find(|v| !migrator.iter().any(|m| m.version == **v)) {
        return Err(LedgerError::Corrupt(format!(
            "the ledger was written by a newer version of the app (migration {unknown}); refusing to open it"
        )));
    }
    Ok(migrator.iter().map(|m| m.version).filter(|v| !applied.contains(v)).collect())
}

async fn has_user_tables(pool: &AnyPool, backend: Backend) -> LedgerResult<bool> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => {
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    let count: i64 = sqlx::query_scalar(sql).fetch_one(pool).await?;
    Ok(count > 0)
}

/// `VACUUM INTO` writes a consistent copy, WAL contents included. A copy of the same version
/// named for the same second (the restored copy, migrated again at once) keeps its name; this
/// one takes the next free second.
async fn backup_before_migrating(
    pool: &AnyPool,
    path: &Path,
    next_version: i64,
) -> LedgerResult<PathBuf> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default();
    let mut stamp = now;
    let backup = loop {
        let candidate = crate::backup::pre_migration_copy_path(path, next_version, stamp);
        if !candidate.exists() {
            break candidate;
        }
        stamp += 1;
    };
    crate::backup::vacuum_into(pool, &backup).await?;
    Ok(backup)
}
