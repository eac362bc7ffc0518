//! Moving a desk's ledger file into a shared PostgreSQL ledger: with the back office closed on
//! this data folder (its instance lock held meanwhile), every row is copied into the new, empty
//! database in one transaction and counted again on both sides. The file's rows are only read
//! (a file from an older version is migrated first, with its backup beside it, as any open
//! does); once the copy has committed the file is renamed `ledger.sqlite.moved-<unix seconds>`,
//! so that a start without `OVO_LEDGER_URL` cannot quietly go on in the old ledger. The desk
//! then opens the shared ledger with the keys its keychain already holds.
//!
//! From Settings → Ledger an admin does the same while the app runs (`move_to_shared_ledger`:
//! the file then takes no more writes and keeps a `moved_to` setting, so it can never quietly be
//! used again), or points the desk at a shared ledger other desks use (`join_shared_ledger`).
//! Either way the address goes into this desk's keychain, and the desk works there from its next
//! start.

use std::path::Path;

use ovo_domain::Timestamp;
use ovo_ledger::copy::{self, CopyReport};
use ovo_ledger::{settings, Backend, Ledger, LedgerLocation};
use ovo_secrets::{SecretKey, SecretStore};

use crate::backoffice::{Backoffice, LEDGER_FILE};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::instance::InstanceLock;
use crate::ipc::{CopiedTable, LedgerMoved, LedgerUrlInput, SharedLedgerCheck};
use crate::permissions::Permission;

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

/// The setting a moved ledger file keeps: where it went and when.
const MOVED_TO: &str = "moved_to";

/// Where the keychain keeps the shared ledger the data folder's desk uses (its URL may hold a
/// password): one per data folder, as the folder's ledger id is.
fn desk_ledger_address(app_identifier: &str, data_dir: &Path) -> SecretKey {
    crate::local_keys::folder_key(app_identifier, data_dir, "ledger_url")
}

/// The shared ledger the desk of `data_dir` was set to use in Settings → Ledger, if any.
pub fn stored_ledger_location(
    secrets: &dyn SecretStore,
    app_identifier: &str,
    data_dir: &Path,
) -> AppResult<Option<LedgerLocation>> {
    match secrets.get(&desk_ledger_address(app_identifier, data_dir))? {
        Some(url) => Ok(Some(LedgerLocation::parse(url.expose())?)),
        None => Ok(None),
    }
}

/// A ledger file that was moved is kept only as a record: opening it says where it went.
pub(crate) async fn refuse_if_moved(ledger: &Ledger) -> AppResult<()> {
    if ledger.backend() != Backend::Sqlite {
        return Ok(());
    }
    let moved = settings::get(&mut *ledger.read().await?, MOVED_TO).await?;
    let Some(moved) = moved else { return Ok(()) };
    let to: serde_json::Value = serde_json::from_str(&moved).unwrap_or_default();
    Err(AppError::new(
        ErrorCode::Storage,
        format!(
            "this desk's ledger file was moved to the shared ledger at {} on {}; it is kept only as \
             a record. Start with that ledger (OVO_LEDGER_URL, or join it again in Settings → Ledger)",
            to["location"].as_str().unwrap_or("another place"),
            to["at"].as_str().unwrap_or("an earlier day"),
        ),
    )
    .with_reason("ledger_moved"))
}

fn shared_location(input: &LedgerUrlInput) -> AppResult<LedgerLocation> {
    let location = LedgerLocation::parse(input.url.0.expose().trim()).map_err(|e| {
        AppError::invalid(
            "ledger_url_invalid",
            format!(
                "{e}; a shared ledger's address is postgres://user:password@host:port/database"
            ),
        )
    })?;
    if location.backend() != Backend::Postgres {
        return Err(AppError::invalid(
            "ledger_url_invalid",
            "a shared ledger's address is postgres://user:password@host:port/database",
        ));
    }
    Ok(location)
}

async fn open_shared(location: &LedgerLocation) -> AppResult<Ledger> {
    let (ledger, _) = Ledger::open_at(location).await.map_err(|e| {
        AppError::new(
            ErrorCode::Storage,
            format!("the shared ledger at {location} cannot be opened: {e}"),
        )
        .with_reason("ledger_unreachable")
    })?;
    Ok(ledger)
}

async fn check(location: &LedgerLocation, ledger: &Ledger) -> AppResult<SharedLedgerCheck> {
    let mut conn = ledger.read().await?;
    let ledger_id = settings::get(&mut conn, "ledger_id")
        .await?
        .and_then(|v| serde_json::from_str::<String>(&v).ok());
    drop(conn);
    Ok(SharedLedgerCheck {
        location: location.to_string(),
        holds_ledger: ledger_id.is_some(),
        ledger_id,
        empty: copy::is_empty(ledger).await?,
    })
}

impl Backoffice {
    /// What is at a shared ledger's address (admin): it is reached, and its schema made when
    /// the database is new.
    pub async fn check_shared_ledger(&self, input: LedgerUrlInput) -> AppResult<SharedLedgerCheck> {
        self.authorize(Permission::ManageSettings, "set up a shared ledger").await?;
        let location = shared_location(&input)?;
        let shared = open_shared(&location).await?;
        let checked = check(&location, &shared).await;
        shared.close().await;
        checked
    }

    /// Moves this desk's ledger file into the empty shared ledger at the address (admin): every
    /// row copied in one transaction and counted on both sides, the file then taking no more
    /// writes; the desk opens the shared ledger from its next start.
    pub async fn move_to_shared_ledger(&self, input: LedgerUrlInput) -> AppResult<LedgerMoved> {
        let actor = self.authorize(Permission::ManageSettings, "move the ledger").await?;
        if self.ledger.backend() != Backend::Sqlite {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "this desk's ledger is shared already; only a ledger file moves",
            )
            .with_reason("ledger_shared_already"));
        }
        let location = shared_location(&input)?;
        let shared = open_shared(&location).await?;
        let now = self.now();
        let marker =
            serde_json::json!({ "location": location.to_string(), "at": now.to_rfc3339() });
        // The address first: once the copy stands, the next start must go there.
        let address = desk_ledger_address(&self.config.app_identifier, &self.config.data_dir);
        self.secrets.put(&address, &input.url.0)?;
        let moved =
            copy::move_ledger(&self.ledger, &shared, MOVED_TO, &marker.to_string(), now).await;
        let report = match moved {
            Ok(report) => report,
            Err(e) => {
                shared.close().await;
                if let Err(forget) = self.secrets.delete(&address) {
                    tracing::warn!(error = %forget, "the address of a ledger that did not move stays in the keychain");
                }
                return Err(match e {
                    ovo_ledger::LedgerError::Copy(why) if why.contains("already holds data") => {
                        AppError::new(ErrorCode::Conflict, why)
                            .with_reason("ledger_target_not_empty")
                    }
                    ovo_ledger::LedgerError::Copy(why) => {
                        AppError::new(ErrorCode::Storage, why).with_reason("ledger_copy_failed")
                    }
                    other => other.into(),
                });
            }
        };
        // The move itself is the first entry the shared ledger's chain gets after the copy; the
        // move stands without it.
        let entry = ovo_ledger::audit::NewAuditEntry {
            at: now,
            operator_id: Some(actor.operator.id),
            operator: Some(actor.operator.username.clone()),
            action: "ledger.moved".to_owned(),
            subject: "ledger".to_owned(),
            outcome: ovo_ledger::audit::AuditOutcome::Ok,
            detail: serde_json::json!({
                "from": self.ledger.location().to_string(),
                "to": location.to_string(),
                "audit_seq": report.audit_head.seq,
            }),
        };
        let audited = async {
            let mut tx = shared.begin_write().await?;
            ovo_ledger::audit::append(&mut tx, self.local_keys.audit.expose(), &entry).await?;
            ovo_ledger::commit(tx).await
        };
        if let Err(e) = audited.await {
            tracing::warn!(error = %e, "the move was not audited in the shared ledger");
        }
        shared.close().await;
        tracing::info!(to = %location, "the ledger moved; the desk works there after a restart");
        Ok(LedgerMoved {
            location: location.to_string(),
            tables: report
                .tables
                .into_iter()
                .map(|(table, rows)| CopiedTable { table, rows })
                .collect(),
            audit_seq: report.audit_head.seq,
        })
    }

    /// This desk uses the shared ledger at the address from its next start (admin), where it
    /// is enrolled with a code from one of that ledger's admins. The current ledger stays as it is.
    pub async fn join_shared_ledger(&self, input: LedgerUrlInput) -> AppResult<SharedLedgerCheck> {
        let actor = self.authorize(Permission::ManageSettings, "join a shared ledger").await?;
        let location = shared_location(&input)?;
        let shared = open_shared(&location).await?;
        let checked = check(&location, &shared).await;
        shared.close().await;
        let checked = checked?;
        if !checked.holds_ledger {
            return Err(AppError::invalid(
                "ledger_url_empty",
                "no desk uses a ledger there yet: move this desk's ledger there instead",
            ));
        }
        // A copy of this desk's own ledger (a move that did not finish) is not another ledger.
        if checked.ledger_id.as_deref() == Some(self.local_keys.ledger_id.as_str()) {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the ledger there is a copy of this desk's own ledger; this desk goes on in its own",
            )
            .with_reason("ledger_url_same"));
        }
        let mut tx = self.ledger.begin_write().await?;
        let detail = serde_json::json!({ "to": checked.location, "ledger_id": checked.ledger_id });
        self.audit_act(&mut tx, &actor, "ledger.joined", "ledger", detail).await?;
        ovo_ledger::commit(tx).await?;
        let address = desk_ledger_address(&self.config.app_identifier, &self.config.data_dir);
        self.secrets.put(&address, &input.url.0)?;
        Ok(checked)
    }
}
