//! A new ledger (a file in a temporary directory, or a new database on the test PostgreSQL
//! server), and operators added straight through the repository (a fake password hash:
//! nothing signs in).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use ovo_domain::{OperatorId, Role, Timestamp};
use ovo_ledger::operators::{self, NewOperator};
use ovo_ledger::{commit, Ledger, LedgerLocation, OpenReport};
use sqlx::{Connection as _, Executor as _};

/// The PostgreSQL server to run the suites on (`cargo xtask test` sets it for its PostgreSQL
/// run); unset, every ledger is a SQLite file.
pub const POSTGRES_ENV: &str = "OVO_TEST_POSTGRES_URL";

/// Whether this run's ledgers are on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(POSTGRES_ENV).is_ok_and(|url| !url.is_empty())
}

/// The test PostgreSQL server's URL; `None` (and the test says why it is skipped) without one.
pub fn postgres_server() -> Option<String> {
    let server = std::env::var(POSTGRES_ENV).ok().filter(|url| !url.is_empty());
    if server.is_none() {
        eprintln!("not on PostgreSQL: {POSTGRES_ENV} is not set");
    }
    server
}

/// Where a test's new ledger goes: `<dir>/ledger.sqlite`, or a new, empty database on the
/// test PostgreSQL server.
pub async fn fresh_location(dir: &Path) -> LedgerLocation {
    match std::env::var(POSTGRES_ENV) {
        Ok(server) if !server.is_empty() => LedgerLocation::Postgres(fresh_database(&server).await),
        _ => LedgerLocation::File(dir.join("ledger.sqlite")),
    }
}

/// Creates a database of its own for one test on `server` and returns its URL.
pub async fn fresh_database(server: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "ovo_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default()
    );
    create_database(server, &name).await;
    with_database(server, &name)
}

/// Creates the database `name` on `server` unless it exists.
async fn create_database(server: &str, name: &str) {
    let mut admin = sqlx::PgConnection::connect(server).await.unwrap();
    if let Err(e) = admin.execute(format!("CREATE DATABASE {name}").as_str()).await {
        // 42P04: duplicate_database.
        let exists = e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "42P04");
        assert!(exists, "cannot create the test database {name}: {e}");
    }
    admin.close().await.unwrap();
}

/// On a PostgreSQL run, the ledger of the app whose data folder is `data_dir`: one database per
/// folder (created on first use), so an app opened again on the same folder finds its ledger.
/// `None` (the file in the folder) otherwise.
pub fn shared_ledger_of(data_dir: &Path) -> Option<LedgerLocation> {
    use std::hash::{Hash, Hasher};
    let server = std::env::var(POSTGRES_ENV).ok().filter(|url| !url.is_empty())?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut hasher);
    // Not the process id: a second process the test starts opens the same folder.
    let name = format!("ovo_app_{:016x}", hasher.finish());
    // Called from sync code inside a runtime: create it on a thread with a runtime of its own.
    let (server_url, db) = (server.clone(), name.clone());
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(create_database(&server_url, &db));
    })
    .join()
    .unwrap();
    Some(LedgerLocation::Postgres(with_database(&server, &name)))
}

/// `server` (a `postgres://…/db?params` URL) with its database replaced by `name`.
pub fn with_database(server: &str, name: &str) -> String {
    let (base, params) = server.split_once('?').map_or((server, None), |(b, p)| (b, Some(p)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
    let mut url = format!("{}/{name}", &base[..host_end]);
    if let Some(params) = params {
        url.push('?');
        url.push_str(params);
    }
    url
}

/// A new ledger (see [`fresh_location`]), and what opening it migrated.
pub async fn fresh_with_report() -> (tempfile::TempDir, Ledger, OpenReport) {
    let dir = tempfile::tempdir().unwrap();
    let location = fresh_location(dir.path()).await;
    let (ledger, report) = Ledger::open_at(&location).await.unwrap();
    (dir, ledger, report)
}

/// A new ledger file, whatever backend the run uses: for what only SQLite has.
pub async fn fresh_file() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(&dir.path().join("ledger.sqlite")).await.unwrap();
    (dir, ledger)
}

/// A new ledger (see [`fresh_location`]).
pub async fn fresh() -> (tempfile::TempDir, Ledger) {
    let (dir, ledger, _) = fresh_with_report().await;
    (dir, ledger)
}

/// Adds an operator named `username` (shown so too) with `role`, created `at`.
pub async fn add_operator(
    ledger: &Ledger,
    username: &str,
    role: Role,
    at: Timestamp,
) -> OperatorId {
    let mut tx = ledger.begin_write().await.unwrap();
    let new = NewOperator {
        username,
        display_name: username,
        role,
        password_hash: "$argon2id$fake",
        password_one_time: false,
        at,
    };
    let op = operators::insert(&mut tx, &new).await.unwrap();
    commit(tx).await.unwrap();
    op.id
}
