//! Copies of this desk's ledger file in `<data dir>/backups`: taken once a day and when an admin
//! asks, each checked before it counts, the newest `keep` kept. The copies the ledger takes of
//! itself before an update migrates it are offered beside them and never removed here. A
//! restore replaces the ledger file with a copy when nothing holds it open, at the next open:
//! the shell's recovery screen asks for it when the file is damaged, an admin from Settings
//! (then the app restarts). The file replaced is kept beside the ledger, never deleted, and the
//! restore is audited in the restored ledger. A shared ledger (PostgreSQL) is backed up on its
//! server, not here.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use ovo_domain::{OperatorId, Timestamp};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::backup::{check_file, FileCheck};
use ovo_ledger::operators::OperatorRow;
use ovo_ledger::{settings, Backend};
use serde::{Deserialize, Serialize};

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::{BackupKeepInput, BackupRef, LedgerBackupView, LedgerBackups, LedgerRecovery};
use crate::permissions::Permission;

/// The folder in the data directory.
pub const BACKUP_DIR: &str = "backups";
/// Backups kept unless an admin sets another number.
pub const DEFAULT_BACKUPS_KEPT: u32 = 7;
/// What an admin may set.
pub const BACKUPS_KEPT_RANGE: std::ops::RangeInclusive<u32> = 1..=90;
/// A new backup is due this long after the newest.
const BACKUP_EVERY_MILLIS: i64 = 24 * 60 * 60 * 1000;
/// The request a restore leaves for the next open.
const RESTORE_REQUEST: &str = "restore-request.json";
/// A restore carried out, kept until the restored ledger records it.
const RESTORE_APPLIED: &str = "restore-applied.json";
/// A restore asked for and not carried out, kept until the ledger records why.
const RESTORE_DROPPED: &str = "restore-dropped.json";
const KEEP_SETTING: &str = "backups.keep";
const NAME_PREFIX: &str = "ledger-";
const NAME_SUFFIX: &str = ".sqlite";
const STAMP: &str = "%Y%m%dT%H%M%SZ";

/// Why a ledger file is replaced by a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestoreReason {
    /// SQLite found the file damaged at start (the recovery screen).
    Damaged,
    /// An admin chose a backup in Settings.
    Chosen,
}

/// A restore asked for, done at the next open.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RestoreRequest {
    backup: String,
    reason: RestoreReason,
    requested_by: Option<String>,
    requested_by_id: Option<i64>,
    requested_at: String,
    /// An admin's request, sealed with the ledger's audit key (`request_tag`).
    #[serde(default)]
    tag: Option<String>,
}

/// A restore carried out and not yet audited (`restore-applied.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AppliedRestore {
    request: RestoreRequest,
    kept_as: Option<String>,
    /// The audit anchor's sequence number before it moved to the restored head.
    previous_head: Option<i64>,
}

/// A restore asked for and not carried out, and why (`restore-dropped.json`), audited once the
/// ledger is open.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DroppedRestore {
    request: RestoreRequest,
    why: String,
}

/// A restore the open did, audited once the ledger is open.
#[derive(Debug, Clone)]
pub(crate) struct Restored {
    applied: AppliedRestore,
}

/// A backup file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    pub name: String,
    pub path: PathBuf,
    pub taken_at: Timestamp,
    pub bytes: u64,
    /// The ledger's own copy from before an update migrated it (beside the ledger file).
    pub before_update: bool,
}

impl BackupFile {
    fn view(&self, sound: Option<bool>) -> LedgerBackupView {
        LedgerBackupView {
            name: self.name.clone(),
            taken_at: self.taken_at.to_rfc3339(),
            bytes: self.bytes,
            sound,
            before_update: self.before_update,
        }
    }
}

fn backup_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(BACKUP_DIR)
}

fn storage(what: &str, path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Storage, format!("cannot {what} {}: {e}", path.display()))
}

fn backup_name(at: Timestamp) -> String {
    format!("{NAME_PREFIX}{}{NAME_SUFFIX}", at.to_utc().format(STAMP))
}

fn taken_at(name: &str) -> Option<Timestamp> {
    let stamp = name.strip_prefix(NAME_PREFIX)?.strip_suffix(NAME_SUFFIX)?;
    let at = NaiveDateTime::parse_from_str(stamp, STAMP).ok()?;
    Some(Timestamp::from_datetime(at.and_utc()))
}

/// The backups in the data directory, newest first.
pub fn list_backups(data_dir: &Path) -> AppResult<Vec<BackupFile>> {
    let dir = backup_dir(data_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(storage("read the backups in", &dir, e)),
    };
    let mut found: Vec<BackupFile> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let taken_at = taken_at(&name)?;
            let bytes = entry.metadata().ok()?.len();
            Some(BackupFile { path: entry.path(), name, taken_at, bytes, before_update: false })
        })
        .collect();
    found.sort_by_key(|b| std::cmp::Reverse(b.taken_at));
    Ok(found)
}

/// Everything `ledger` can be restored from, newest first: the backups and the ledger's copies
/// from before an update migrated it.
pub fn restorable_backups(data_dir: &Path, ledger: &Path) -> AppResult<Vec<BackupFile>> {
    let mut all = list_backups(data_dir)?;
    let copies = ovo_ledger::backup::pre_migration_copies(ledger)
        .map_err(|e| storage("read the copies from before an update beside", ledger, e))?;
    for copy in copies {
        let Ok(metadata) = std::fs::metadata(&copy.path) else { continue };
        all.push(BackupFile {
            name: file_name(&copy.path),
            taken_at: Timestamp::from_unix_millis(copy.taken_at_unix_seconds.saturating_mul(1_000)),
            bytes: metadata.len(),
            path: copy.path,
            before_update: true,
        });
    }
    all.sort_by_key(|b| std::cmp::Reverse(b.taken_at));
    Ok(all)
}

/// The backup called `name`; only a name from the list is accepted, never a path.
fn find_backup(data_dir: &Path, ledger: &Path, name: &str) -> AppResult<BackupFile> {
    restorable_backups(data_dir, ledger)?.into_iter().find(|b| b.name == name).ok_or_else(|| {
        AppError::new(ErrorCode::NotFound, format!("there is no backup called {name}"))
            .with_reason("backup_not_found")
    })
}

/// Whether a daily backup is due, given the newest.
/// A newest backup dated after `now` (the clock was ahead when it was taken) counts as due too.
pub fn backup_due(newest: Option<Timestamp>, now: Timestamp) -> bool {
    newest.is_none_or(|at| at > now || now.unix_millis() - at.unix_millis() >= BACKUP_EVERY_MILLIS)
}

/// One backup at a time in this process: the daily one and an admin's never share a file.
static TAKING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn is_sound(path: &Path) -> AppResult<bool> {
    Ok(check_file(path).await? == FileCheck::Sound)
}

/// What is wrong with the ledger file: what SQLite's check finds, or that it is missing or empty
/// although backups of it exist (SQLite would make a new, empty ledger there). `None` when it is
/// sound, or not there yet on a new install.
pub async fn ledger_file_problems(data_dir: &Path, path: &Path) -> AppResult<Option<Vec<String>>> {
    let bytes = std::fs::metadata(path).map(|m| m.len()).ok();
    if bytes.is_none_or(|b| b == 0) {
        let backed_up = !restorable_backups(data_dir, path)?.is_empty();
        return Ok(backed_up.then(|| {
            vec![format!(
                "the ledger file is {}, although backups of it exist",
                if bytes.is_none() { "missing" } else { "empty" }
            )]
        }));
    }
    Ok(match check_file(path).await? {
        FileCheck::Sound => None,
        FileCheck::Damaged(problems) => Some(problems),
    })
}

/// The error that opens the shell's recovery screen.
pub(crate) fn damaged_error(path: &Path, problems: &[String]) -> AppError {
    AppError::new(
        ErrorCode::Storage,
        format!(
            "the ledger file {} is damaged ({}); restore a backup",
            path.display(),
            problems.join("; ")
        ),
    )
    .with_reason("ledger_damaged")
}

/// What the recovery screen shows: the problems and every backup, each checked.
pub async fn recovery(data_dir: &Path, ledger: &Path, problems: Vec<String>) -> LedgerRecovery {
    // Newest first, checked until the first sound one (each check reads the whole file); an
    // older one is checked when it is chosen.
    let mut backups = Vec::new();
    let mut sound_found = false;
    for backup in restorable_backups(data_dir, ledger).unwrap_or_default() {
        let sound = if sound_found {
            None
        } else {
            let sound = is_sound(&backup.path).await.unwrap_or(false);
            sound_found = sound;
            Some(sound)
        };
        backups.push(backup.view(sound));
    }
    LedgerRecovery { ledger: ledger.display().to_string(), problems, backups }
}

/// From the recovery screen: asks for the damaged ledger file to be replaced by `name` at the
/// next open, after checking the backup.
pub async fn request_recovery(
    data_dir: &Path,
    ledger: &Path,
    name: &str,
    now: Timestamp,
) -> AppResult<()> {
    write_request(data_dir, ledger, name, RestoreReason::Damaged, None, now, None).await
}

async fn write_request(
    data_dir: &Path,
    ledger: &Path,
    name: &str,
    reason: RestoreReason,
    by: Option<(OperatorId, String)>,
    now: Timestamp,
    audit_key: Option<&[u8]>,
) -> AppResult<()> {
    let backup = find_backup(data_dir, ledger, name)?;
    if !is_sound(&backup.path).await? {
        return Err(AppError::invalid(
            "backup_damaged",
            format!("the backup {name} is damaged too; choose another"),
        ));
    }
    let mut request = RestoreRequest {
        backup: backup.name,
        reason,
        requested_by: by.as_ref().map(|(_, name)| name.clone()),
        requested_by_id: by.map(|(id, _)| id.get()),
        requested_at: now.to_rfc3339(),
        tag: None,
    };
    request.tag = audit_key.map(|key| request_tag(key, &request));
    write_json(&data_dir.join(RESTORE_REQUEST), &request)
}

fn write_then_rename(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let partial = path.with_extension("partial");
    let mut file = std::fs::File::create(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&partial, path)
}

/// Carries out a restore asked for before this open, if any, or finishes one a crash cut short.
/// The ledger's WAL, shared-memory and journal files move aside before the file (a WAL left
/// behind would be replayed onto the backup), the backup is copied in through `.restoring`, and
/// `restore-applied.json` stays until the restore is audited in the restored ledger. A request
/// whose backup is gone or no longer sound, or a "damaged" request on a sound file, is dropped.
pub(crate) async fn restore_if_requested(
    data_dir: &Path,
    ledger: &Path,
    now: Timestamp,
) -> AppResult<Option<Restored>> {
    let request_path = data_dir.join(RESTORE_REQUEST);
    let applied_path = data_dir.join(RESTORE_APPLIED);
    let copying = ledger.with_file_name(format!("{}.restoring", file_name(ledger)));
    if let Some(applied) = read_json::<AppliedRestore>(&applied_path)? {
        if copying.exists() {
            std::fs::rename(&copying, ledger).map_err(|e| storage("write", ledger, e))?;
        }
        remove_if_there(&request_path)?;
        return Ok(Some(Restored { applied }));
    }
    let Some(request) = read_json::<RestoreRequest>(&request_path)? else {
        return Ok(None);
    };
    let drop_request = |why: &str| -> AppResult<Option<Restored>> {
        tracing::error!(backup = %request.backup, "{why}; nothing was restored");
        let dropped = DroppedRestore { request: request.clone(), why: why.to_owned() };
        write_json(&data_dir.join(RESTORE_DROPPED), &dropped)?;
        remove_if_there(&request_path)?;
        Ok(None)
    };
    let backup = match find_backup(data_dir, ledger, &request.backup) {
        Ok(backup) => backup,
        Err(_) => return drop_request("backup_gone"),
    };
    if !is_sound(&backup.path).await? {
        return drop_request("backup_damaged");
    }
    if request.reason == RestoreReason::Damaged
        && ledger_file_problems(data_dir, ledger).await?.is_none()
    {
        return drop_request("ledger_sound");
    }
    let label = match request.reason {
        RestoreReason::Damaged => "damaged",
        RestoreReason::Chosen => "replaced",
    };
    let kept = free_name(ledger, &format!("{label}-{}", now.to_utc().format(STAMP)));
    let mut kept_as = None;
    for suffix in ["-wal", "-shm", "-journal", ""] {
        let from = PathBuf::from(format!("{}{suffix}", ledger.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}{suffix}", kept.display()));
            std::fs::rename(&from, &to).map_err(|e| storage("move aside", &from, e))?;
            kept_as = Some(file_name(&kept));
        }
    }
    std::fs::copy(&backup.path, &copying).map_err(|e| storage("copy", &backup.path, e))?;
    std::fs::File::open(&copying)
        .and_then(|f| f.sync_all())
        .map_err(|e| storage("write", &copying, e))?;
    let applied = AppliedRestore { request, kept_as, previous_head: None };
    write_json(&applied_path, &applied)?;
    std::fs::rename(&copying, ledger).map_err(|e| storage("write", ledger, e))?;
    remove_if_there(&request_path)?;
    tracing::warn!(backup = %backup.name, kept_as = ?applied.kept_as, "the ledger file was restored from a backup");
    Ok(Some(Restored { applied }))
}

/// `<ledger>.<label>`, or with `-2`, `-3`… when that name is taken: a kept file is never replaced.
fn free_name(ledger: &Path, label: &str) -> PathBuf {
    let base = format!("{}.{label}", file_name(ledger));
    (1..)
        .map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") })
        .map(|name| ledger.with_file_name(name))
        .find(|path| {
            ["", "-wal", "-shm"]
                .iter()
                .all(|s| !PathBuf::from(format!("{}{s}", path.display())).exists())
        })
        .unwrap_or_else(|| ledger.with_file_name(base))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> AppResult<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            AppError::new(ErrorCode::Storage, format!("{} is unreadable: {e}", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(storage("read", path, e)),
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> AppResult<()> {
    let text = serde_json::to_vec_pretty(value)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    write_then_rename(path, &text).map_err(|e| storage("write", path, e))
}

fn remove_if_there(path: &Path) -> AppResult<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(storage("remove", path, e)),
        _ => Ok(()),
    }
}

/// What a request is sealed with: the ledger's audit key over everything it says, so a request
/// written by anyone but this app for this ledger does not move the audit anchor.
fn request_tag(key: &[u8], request: &RestoreRequest) -> String {
    use hmac::Mac;
    hex::encode(request_mac(key, request).finalize().into_bytes())
}

fn request_mac(key: &[u8], request: &RestoreRequest) -> hmac::Hmac<sha2::Sha256> {
    use hmac::Mac;
    let text = format!(
        "ovo-restore-request\n{}\n{:?}\n{:?}\n{:?}\n{}",
        request.backup,
        request.reason,
        request.requested_by,
        request.requested_by_id,
        request.requested_at
    );
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(text.as_bytes());
    mac
}

/// Whether `tag` seals `request` under `key` (compared in constant time).
fn tag_matches(key: &[u8], request: &RestoreRequest, tag: &str) -> bool {
    use hmac::Mac;
    hex::decode(tag).is_ok_and(|tag| request_mac(key, request).verify_slice(&tag).is_ok())
}

impl Restored {
    /// Whether this restore may move the audit anchor: a request from the recovery screen (made
    /// only for a file SQLite found damaged, checked again before the swap), or an admin's
    /// request sealed with this ledger's audit key.
    pub(crate) fn trusted(&self, audit_key: &[u8]) -> bool {
        let request = &self.applied.request;
        match request.reason {
            RestoreReason::Damaged => true,
            RestoreReason::Chosen => {
                request.tag.as_deref().is_some_and(|tag| tag_matches(audit_key, request, tag))
            }
        }
    }

    /// The anchor's place before the restore, once recorded (a retry after a crash keeps it).
    pub(crate) fn previous_head(&self) -> Option<i64> {
        self.applied.previous_head
    }

    /// Keeps where the anchor was, so the audit entry says it even if this open is cut short.
    pub(crate) fn remember_previous_head(
        &mut self,
        data_dir: &Path,
        head: Option<i64>,
    ) -> AppResult<()> {
        self.applied.previous_head = head;
        write_json(&data_dir.join(RESTORE_APPLIED), &self.applied)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

impl Backoffice {
    fn file_ledger_path(&self) -> AppResult<&Path> {
        self.ledger.path().ok_or_else(|| {
            AppError::invalid(
                "backups_need_file_ledger",
                "a shared ledger is backed up on its server, not by a desk",
            )
        })
    }

    async fn backups_kept(&self) -> u32 {
        self.setting(KEEP_SETTING)
            .await
            .and_then(|v| v.parse().ok())
            .filter(|n| BACKUPS_KEPT_RANGE.contains(n))
            .unwrap_or(DEFAULT_BACKUPS_KEPT)
    }

    /// This desk's backups (admin).
    pub async fn ledger_backups(&self) -> AppResult<LedgerBackups> {
        self.authorize(Permission::ManageSettings, "see the ledger's backups").await?;
        let file_ledger = self.ledger.backend() == Backend::Sqlite;
        let backups = match self.ledger.path() {
            Some(path) if file_ledger => restorable_backups(&self.config.data_dir, path)?,
            _ => Vec::new(),
        };
        Ok(LedgerBackups {
            file_ledger,
            folder: backup_dir(&self.config.data_dir).display().to_string(),
            keep: self.backups_kept().await,
            backups: backups.iter().map(|b| b.view(None)).collect(),
        })
    }

    /// Takes a backup now (admin).
    pub async fn back_up_ledger(&self) -> AppResult<LedgerBackupView> {
        let actor = self.authorize(Permission::ManageSettings, "back up the ledger").await?;
        self.file_ledger_path()?;
        let backup = self.take_backup(Some(&actor.operator)).await?;
        Ok(backup.view(Some(true)))
    }

    /// How many backups are kept (admin); older ones are removed at once.
    pub async fn set_backups_kept(&self, input: BackupKeepInput) -> AppResult<LedgerBackups> {
        let actor = self.authorize(Permission::ManageSettings, "change the backups kept").await?;
        if !BACKUPS_KEPT_RANGE.contains(&input.keep) {
            return Err(AppError::invalid(
                "backups_kept_out_of_range",
                format!(
                    "keep between {} and {} backups",
                    BACKUPS_KEPT_RANGE.start(),
                    BACKUPS_KEPT_RANGE.end()
                ),
            ));
        }
        let mut tx = self.ledger.begin_write().await?;
        let before = self.backups_kept().await;
        settings::put(
            &mut tx,
            KEEP_SETTING,
            &input.keep.to_string(),
            self.now(),
            Some(actor.operator.id),
        )
        .await?;
        self.audit_act(
            &mut tx,
            &actor,
            "ledger.backups_kept",
            "ledger",
            serde_json::json!({ "from": before, "to": input.keep }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        if self.ledger.backend() == Backend::Sqlite {
            self.remove_old_backups(input.keep)?;
        }
        self.ledger_backups().await
    }

    /// Asks for the ledger to be replaced by a backup at the next start (admin); the UI restarts
    /// the app. Everything recorded after the backup was taken leaves this ledger (the file
    /// replaced is kept beside it).
    pub async fn restore_ledger_backup(&self, input: BackupRef) -> AppResult<()> {
        let actor = self.authorize(Permission::ManageSettings, "restore a backup").await?;
        let ledger = self.file_ledger_path()?;
        let by = Some((actor.operator.id, actor.operator.username.clone()));
        let now = self.now();
        let key = Some(self.local_keys.audit.expose().as_slice());
        let reason = RestoreReason::Chosen;
        write_request(&self.config.data_dir, ledger, &input.name, reason, by, now, key).await?;
        let mut tx = self.ledger.begin_write().await?;
        self.audit_act(
            &mut tx,
            &actor,
            "ledger.restore_requested",
            "ledger",
            serde_json::json!({ "backup": input.name }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    /// Takes a backup, checks it, then removes the oldest beyond the number kept.
    pub(crate) async fn take_backup(
        &self,
        operator: Option<&OperatorRow>,
    ) -> AppResult<BackupFile> {
        let _one_at_a_time = TAKING.lock().await;
        let dir = backup_dir(&self.config.data_dir);
        std::fs::create_dir_all(&dir).map_err(|e| storage("create", &dir, e))?;
        let now = self.now();
        let name = backup_name(now);
        let path = dir.join(&name);
        // Taken this very second already: that copy stands, none replaces it.
        if let Some(taken) =
            list_backups(&self.config.data_dir)?.into_iter().find(|b| b.name == name)
        {
            return Ok(taken);
        }
        let partial = dir.join(format!("{name}.partial"));
        let _ = std::fs::remove_file(&partial);
        self.ledger.back_up_to(&partial).await?;
        if !is_sound(&partial).await? {
            let _ = std::fs::remove_file(&partial);
            return Err(AppError::new(
                ErrorCode::Storage,
                "the backup just taken did not pass SQLite's check; the ledger file may be damaged",
            ));
        }
        std::fs::rename(&partial, &path).map_err(|e| storage("write", &path, e))?;
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or_default();
        let mut tx = self.ledger.begin_write().await?;
        self.audit(
            &mut tx,
            operator,
            "ledger.backed_up",
            "ledger",
            AuditOutcome::Ok,
            serde_json::json!({ "backup": name, "bytes": bytes, "automatic": operator.is_none() }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        self.remove_old_backups(self.backups_kept().await)?;
        tracing::info!(backup = %name, bytes, "ledger backed up");
        Ok(BackupFile { name, path, taken_at: now, bytes, before_update: false })
    }

    fn remove_old_backups(&self, keep: u32) -> AppResult<()> {
        for old in list_backups(&self.config.data_dir)?.into_iter().skip(keep as usize) {
            std::fs::remove_file(&old.path).map_err(|e| storage("remove", &old.path, e))?;
        }
        Ok(())
    }

    /// The daily backup of a file ledger, when due.
    pub(crate) async fn back_up_when_due(&self) {
        if self.ledger.backend() != Backend::Sqlite {
            return;
        }
        let newest = list_backups(&self.config.data_dir)
            .ok()
            .and_then(|all| all.first().map(|b| b.taken_at));
        if backup_due(newest, self.now()) {
            if let Err(e) = self.take_backup(None).await {
                tracing::error!(error = %e, "the daily backup failed; it is tried again within the hour");
            }
        }
    }

    /// Audits a restore that was asked for and not carried out (its backup gone or damaged, or a
    /// "damaged" file that was sound), if an open dropped one.
    pub(crate) async fn record_dropped_restore(&self) -> AppResult<()> {
        let path = self.config.data_dir.join(RESTORE_DROPPED);
        let Some(DroppedRestore { request, why }) = read_json::<DroppedRestore>(&path)? else {
            return Ok(());
        };
        // Done by the app at its start; who asked is in the detail, as the request says.
        let mut tx = self.ledger.begin_write().await?;
        self.audit(
            &mut tx,
            None,
            "ledger.restore_dropped",
            "ledger",
            AuditOutcome::Failed,
            serde_json::json!({
                "backup": request.backup,
                "reason": request.reason,
                "requested_by": request.requested_by,
                "requested_at": request.requested_at,
                "cause": why,
            }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        remove_if_there(&path)?;
        self.anchor_audit_head().await
    }

    /// Audits the restore this open did, in the restored ledger.
    pub(crate) async fn record_restore(&self, restored: Restored, trusted: bool) -> AppResult<()> {
        let AppliedRestore { request, kept_as, previous_head } = &restored.applied;
        let operator = match request.requested_by_id.map(OperatorId::new) {
            Some(id) if trusted => {
                let mut conn = self.ledger.read().await?;
                ovo_ledger::operators::by_id(&mut conn, id).await?
            }
            _ => None,
        };
        let mut tx = self.ledger.begin_write().await?;
        self.audit(
            &mut tx,
            operator.as_ref(),
            "ledger.restored",
            "ledger",
            if trusted { AuditOutcome::Ok } else { AuditOutcome::Failed },
            serde_json::json!({
                "backup": request.backup,
                "reason": request.reason,
                "requested_by": request.requested_by,
                "requested_at": request.requested_at,
                "replaced_file_kept_as": kept_as,
                "anchored_head_before": previous_head,
                "request_verified": trusted,
            }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        remove_if_there(&self.config.data_dir.join(RESTORE_APPLIED))?;
        self.anchor_audit_head().await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_name_says_when_it_was_taken_in_utc() {
        let at = Timestamp::parse_rfc3339("2026-12-05T06:30:09.500Z").unwrap();
        let name = backup_name(at);
        assert_eq!(name, "ledger-20261205T063009Z.sqlite");
        assert_eq!(taken_at(&name), Timestamp::parse_rfc3339("2026-12-05T06:30:09Z").ok());
        assert_eq!(taken_at("ledger.sqlite"), None);
        assert_eq!(taken_at("ledger-20261205T063009Z.sqlite.partial"), None);
    }

    #[test]
    fn a_backup_is_due_a_day_after_the_newest() {
        let newest = Timestamp::parse_rfc3339("2026-12-05T06:00:00Z").unwrap();
        assert!(backup_due(None, newest));
        assert!(!backup_due(Some(newest), newest.plus_millis(BACKUP_EVERY_MILLIS - 1)));
        assert!(backup_due(Some(newest), newest.plus_millis(BACKUP_EVERY_MILLIS)));
        assert!(backup_due(Some(newest.plus_millis(60_000)), newest), "dated in the future");
    }
}
