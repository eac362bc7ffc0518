//! Backups of a ledger file: taken, checked and rotated; a damaged page in the ledger file stops
//! the open and names the damage; the newest sound backup replaces it (the damaged file kept,
//! the restore audited, the audit chain still verified); an admin's restore from Settings
//! happens at the next start.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ovo_app::ipc::{AuditFilters, AuditQuery, BackupKeepInput, BackupRef};
use ovo_app::{Backoffice, ErrorCode};
use ovo_domain::{Clock as _, ManualClock};
use ovo_ledger::backup::{check_file, FileCheck};
use ovo_secrets::MemoryStore;
use ovo_test_support::app::{self, TestApp, TestAppBuilder};
use sqlx::{Connection as _, SqliteConnection};

/// A file ledger in its own data folder and keychain, opened again at every restart.
struct Desk {
    _dir: tempfile::TempDir,
    data: PathBuf,
    secrets: Arc<MemoryStore>,
    builder: TestAppBuilder,
}

impl Desk {
    fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        Desk {
            data: dir.path().join("data"),
            _dir: dir,
            secrets: Arc::new(MemoryStore::new()),
            builder: TestApp::builder().file_ledger().fixed_clock().admin(),
        }
    }

    async fn open(&self) -> (Backoffice, ManualClock) {
        let (office, clock, _) = self.builder.open_at(&self.data, self.secrets.clone()).await;
        (office, clock)
    }
}

fn ledger_file(data: &Path) -> PathBuf {
    data.join(ovo_app::LEDGER_FILE)
}

async fn sqlite(path: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}?mode=rw", path.display())).await.unwrap()
}

/// Overwrites the page holding `table`'s root with noise, as a failing disk would: first every
/// committed page goes from the WAL into the file, so the damage is what SQLite reads.
async fn damage_page(path: &Path, table: &str) {
    let mut conn = sqlite(path).await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await.unwrap();
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(&mut conn).await.unwrap();
    let root: i64 = sqlx::query_scalar("SELECT rootpage FROM sqlite_master WHERE name = ?")
        .bind(table)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    let start = usize::try_from((root - 1) * page_size).unwrap();
    let page_size = usize::try_from(page_size).unwrap();
    for (i, byte) in bytes[start..start + page_size].iter_mut().enumerate() {
        *byte = (i.wrapping_mul(151) % 251) as u8;
    }
    std::fs::write(path, bytes).unwrap();
}

async fn usernames(app: &Backoffice) -> Vec<String> {
    app.list_operators().await.unwrap().into_iter().map(|o| o.username).collect()
}

async fn audit_actions(app: &Backoffice, prefix: &str) -> Vec<(String, String)> {
    let filters = AuditFilters { action: Some(prefix.to_owned()), ..AuditFilters::default() };
    let page = app.list_audit(AuditQuery { filters, before_seq: None, limit: 50 }).await.unwrap();
    page.items.into_iter().map(|e| (e.action, e.detail)).collect()
}

/// The files in `data` whose names hold `infix`, without SQLite's WAL and shared-memory files.
fn leftovers(data: &Path, infix: &str) -> Vec<String> {
    std::fs::read_dir(data)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(infix) && !name.ends_with("-wal") && !name.ends_with("-shm"))
        .collect()
}

#[tokio::test]
async fn a_damaged_page_stops_the_open_and_the_newest_sound_backup_replaces_the_file() {
    let desk = Desk::new();
    let (data, secrets) = (&desk.data, &desk.secrets);
    let (office, clock) = desk.open().await;

    let first = office.back_up_ledger().await.unwrap();
    assert_eq!(first.sound, Some(true));
    app::add_operator(&office, "after_first", "After First", "staff").await;
    app::sign_in_as(&office, app::ADMIN).await;
    clock.advance_seconds(60);
    let second = office.back_up_ledger().await.unwrap();
    app::add_operator(&office, "after_second", "After Second", "staff").await;
    app::sign_in_as(&office, app::ADMIN).await;
    let listed = office_backups(&office).await;
    assert_eq!(listed, [second.name.clone(), first.name.clone()], "newest first");
    drop(office);

    let path = ledger_file(data);
    damage_page(&path, "operators").await;
    damage_page(&data.join("backups").join(&second.name), "operators").await;

    let config = || {
        let mut config = app::config(data, None, None);
        config.ledger = None;
        config
    };
    let refused =
        Backoffice::open(config(), secrets.clone(), Arc::new(clock.clone())).await.unwrap_err();
    assert_eq!(refused.reason, Some("ledger_damaged"), "{refused:?}");
    assert_eq!(refused.code, ErrorCode::Storage);
    assert!(refused.message.contains("is damaged"), "{}", refused.message);
    let problems = ovo_app::ledger_file_problems(data, &path).await.unwrap().unwrap();
    assert!(!problems.is_empty());

    let recovery = ovo_app::recovery(data, &path, problems).await;
    let offered: Vec<_> = recovery.backups.iter().map(|b| (b.name.clone(), b.sound)).collect();
    assert_eq!(offered, [(second.name.clone(), Some(false)), (first.name.clone(), Some(true))]);

    let now = clock.now();
    let damaged_too = ovo_app::request_recovery(data, &path, &second.name, now).await.unwrap_err();
    assert_eq!(damaged_too.reason, Some("backup_damaged"));
    let not_a_backup =
        ovo_app::request_recovery(data, &path, "../ledger.sqlite", now).await.unwrap_err();
    assert_eq!(not_a_backup.reason, Some("backup_not_found"));

    ovo_app::request_recovery(data, &path, &first.name, now).await.unwrap();
    let restored =
        Backoffice::open(config(), secrets.clone(), Arc::new(clock.clone())).await.unwrap();
    app::sign_in_as(&restored, app::ADMIN).await;
    let names = usernames(&restored).await;
    assert!(names.contains(&app::ADMIN.to_owned()), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("after_")), "{names:?}");

    let kept = leftovers(data, ".damaged-");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(matches!(check_file(&data.join(&kept[0])).await.unwrap(), FileCheck::Damaged(_)));
    assert!(leftovers(data, "restore-request").is_empty());

    let restores = audit_actions(&restored, "ledger.restored").await;
    assert_eq!(restores.len(), 1, "{restores:?}");
    let detail: serde_json::Value = serde_json::from_str(&restores[0].1).unwrap();
    assert_eq!(detail["backup"], first.name.as_str());
    assert_eq!(detail["reason"], "damaged");
    assert_eq!(detail["replaced_file_kept_as"], kept[0].as_str());
    assert_eq!(detail["request_verified"], true);
    let verification = restored.verify_audit().await.unwrap();
    assert!(verification.intact, "{verification:?}");
}

async fn office_backups(office: &Backoffice) -> Vec<String> {
    office.ledger_backups().await.unwrap().backups.into_iter().map(|b| b.name).collect()
}

#[tokio::test]
async fn an_admin_keeps_the_newest_backups_and_restores_one_at_the_next_start() {
    let desk = Desk::new();
    let data = &desk.data;
    let (office, clock) = desk.open().await;

    let fresh = office.ledger_backups().await.unwrap();
    assert!(fresh.file_ledger);
    assert_eq!(fresh.keep, ovo_app::DEFAULT_BACKUPS_KEPT);
    assert!(fresh.backups.is_empty());

    let mut taken = Vec::new();
    for _ in 0..3 {
        taken.push(office.back_up_ledger().await.unwrap().name);
        clock.advance_seconds(60);
    }
    let kept = office.set_backups_kept(BackupKeepInput { keep: 2 }).await.unwrap();
    assert_eq!(kept.keep, 2);
    let names: Vec<_> = kept.backups.iter().map(|b| b.name.clone()).collect();
    assert_eq!(names, [taken[2].clone(), taken[1].clone()], "the oldest is removed");
    let out_of_range = office.set_backups_kept(BackupKeepInput { keep: 0 }).await.unwrap_err();
    assert_eq!(out_of_range.reason, Some("backups_kept_out_of_range"));
    assert_eq!(audit_actions(&office, "ledger.backed_up").await.len(), 3);

    app::add_operator(&office, "later", "Later Staff", "staff").await;
    let refused = office.ledger_backups().await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden, "staff sees no backups");
    app::sign_in_as(&office, app::ADMIN).await;
    let gone = office.restore_ledger_backup(BackupRef { name: taken[0].clone() }).await;
    assert_eq!(gone.unwrap_err().reason, Some("backup_not_found"));
    office.restore_ledger_backup(BackupRef { name: taken[1].clone() }).await.unwrap();
    assert_eq!(audit_actions(&office, "ledger.restore_requested").await.len(), 1);
    assert!(
        usernames(&office).await.contains(&"later".to_owned()),
        "nothing changes before the restart"
    );
    drop(office);

    let (office, _) = desk.open().await;
    app::sign_in_as(&office, app::ADMIN).await;
    assert!(!usernames(&office).await.contains(&"later".to_owned()));
    let restores = audit_actions(&office, "ledger.restored").await;
    assert_eq!(restores.len(), 1);
    let detail: serde_json::Value = serde_json::from_str(&restores[0].1).unwrap();
    assert_eq!(detail["reason"], "chosen");
    assert_eq!(detail["requested_by"], app::ADMIN);
    assert_eq!(detail["request_verified"], true);
    let replaced = leftovers(data, ".replaced-");
    assert_eq!(replaced.len(), 1, "{replaced:?}");
    assert_eq!(check_file(&data.join(&replaced[0])).await.unwrap(), FileCheck::Sound);
    assert!(office.verify_audit().await.unwrap().intact);
    assert_eq!(office_backups(&office).await.len(), 2, "the backups stay");
}

/// On the PostgreSQL run the ledger is shared: a desk takes no backups of it.
#[tokio::test]
async fn a_shared_ledger_is_backed_up_on_its_server_not_by_a_desk() {
    let office = TestApp::builder().fixed_clock().admin().open().await;
    let backups = office.app.ledger_backups().await.unwrap();
    if backups.file_ledger {
        assert!(office.app.back_up_ledger().await.is_ok());
    } else {
        let refused = office.app.back_up_ledger().await.unwrap_err();
        assert_eq!(refused.reason, Some("backups_need_file_ledger"));
        let name = BackupRef { name: "ledger-20261205T063009Z.sqlite".into() };
        let refused = office.app.restore_ledger_backup(name).await.unwrap_err();
        assert_eq!(refused.reason, Some("backups_need_file_ledger"));
    }
}

/// A restore asked for whose backup is removed before the restart restores nothing: the ledger
/// opens as it was and the request is dropped.
#[tokio::test]
async fn a_restore_whose_backup_is_gone_by_the_restart_leaves_the_ledger_as_it_was() {
    let desk = Desk::new();
    let data = &desk.data;
    let (office, _) = desk.open().await;
    let backup = office.back_up_ledger().await.unwrap();
    app::add_operator(&office, "later", "Later Staff", "staff").await;
    app::sign_in_as(&office, app::ADMIN).await;
    office.restore_ledger_backup(BackupRef { name: backup.name.clone() }).await.unwrap();
    drop(office);
    std::fs::remove_file(data.join(ovo_app::BACKUP_DIR).join(&backup.name)).unwrap();

    let (office, _) = desk.open().await;
    app::sign_in_as(&office, app::ADMIN).await;
    assert!(usernames(&office).await.contains(&"later".to_owned()));
    assert!(audit_actions(&office, "ledger.restored").await.is_empty());
    assert_eq!(dropped_causes(&office).await, [("backup_gone".to_owned(), backup.name.clone())]);
    assert!(office.verify_audit().await.unwrap().intact);
    assert!(leftovers(data, "restore-request").is_empty());
    assert!(leftovers(data, "restore-dropped").is_empty());
    assert!(leftovers(data, ".replaced-").is_empty());
}

/// The causes and backups of the restores an open dropped, as audited.
async fn dropped_causes(office: &Backoffice) -> Vec<(String, String)> {
    let dropped = audit_actions(office, "ledger.restore_dropped").await;
    dropped
        .iter()
        .map(|(_, detail)| {
            let detail: serde_json::Value = serde_json::from_str(detail).unwrap();
            (
                detail["cause"].as_str().unwrap().to_owned(),
                detail["backup"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A restore request the app did not write (no seal with the ledger's audit key, as someone with
/// access to the data folder could leave) is carried out, but moves no audit anchor: the restore
/// is audited as failed and verify reports the entries the old file held beyond the backup. A
/// "damaged" request on a sound file is dropped.
#[tokio::test]
async fn a_restore_request_the_app_did_not_seal_leaves_the_audit_check_failing() {
    let desk = Desk::new();
    let (data, secrets) = (&desk.data, &desk.secrets);
    let (office, clock) = desk.open().await;
    let backup = office.back_up_ledger().await.unwrap();
    app::add_operator(&office, "later", "Later Staff", "staff").await;
    drop(office);

    ovo_app::request_recovery(data, &ledger_file(data), &backup.name, clock.now()).await.unwrap();
    let (office, _) = desk.open().await;
    app::sign_in_as(&office, app::ADMIN).await;
    assert!(usernames(&office).await.contains(&"later".to_owned()), "a sound file stays");
    assert!(audit_actions(&office, "ledger.restored").await.is_empty());
    assert_eq!(dropped_causes(&office).await, [("ledger_sound".to_owned(), backup.name.clone())]);
    drop(office);

    let forged = serde_json::json!({
        "backup": backup.name,
        "reason": "chosen",
        "requested_by": app::ADMIN,
        "requested_by_id": 1,
        "requested_at": clock.now().to_rfc3339(),
    });
    std::fs::write(data.join("restore-request.json"), forged.to_string()).unwrap();
    let (office, _) = desk.open().await;
    app::sign_in_as(&office, app::ADMIN).await;
    assert!(!usernames(&office).await.contains(&"later".to_owned()));
    let restores = audit_actions(&office, "ledger.restored").await;
    assert_eq!(restores.len(), 1);
    let detail: serde_json::Value = serde_json::from_str(&restores[0].1).unwrap();
    assert_eq!(detail["request_verified"], false);
    let verification = office.verify_audit().await.unwrap();
    assert!(!verification.intact, "the anchor still names the newer head: {verification:?}");
    drop(office);

    // A ledger file gone while its backups stay is damage, not a new install.
    let ledger = ledger_file(data);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", ledger.display()));
    }
    let mut config = app::config(data, None, None);
    config.ledger = None;
    let refused = Backoffice::open(config, secrets.clone(), Arc::new(clock)).await.unwrap_err();
    assert_eq!(refused.reason, Some("ledger_damaged"), "{refused:?}");
    assert!(refused.message.contains("missing"), "{}", refused.message);
}

/// The copy the ledger takes of its file before an update migrates it is offered beside the
/// backups, marked as such, is never removed by "backups kept", and restores a damaged file.
#[tokio::test]
async fn the_copy_taken_before_an_update_is_offered_kept_and_restores_a_damaged_file() {
    let desk = Desk::new();
    let (data, secrets) = (&desk.data, &desk.secrets);
    let path = ledger_file(data);
    std::fs::create_dir_all(data).unwrap();
    {
        // A ledger file from before this version: its tables are not there yet.
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE legacy_notes (note TEXT)").execute(&mut conn).await.unwrap();
        sqlx::query("INSERT INTO legacy_notes VALUES ('before the update')")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let (office, clock) = desk.open().await;
    let listed = office.ledger_backups().await.unwrap().backups;
    let copy = match listed.as_slice() {
        [only] => only.clone(),
        other => panic!("one copy from before the update expected: {other:?}"),
    };
    assert!(copy.before_update, "{copy:?}");
    assert!(copy.name.starts_with("ledger.sqlite.before-migration-1."), "{}", copy.name);

    for _ in 0..2 {
        office.back_up_ledger().await.unwrap();
        clock.advance_seconds(60);
    }
    let kept = office.set_backups_kept(BackupKeepInput { keep: 1 }).await.unwrap();
    let daily = kept.backups.iter().filter(|b| !b.before_update).count();
    assert_eq!(daily, 1, "{:?}", kept.backups);
    assert!(kept.backups.iter().any(|b| b.name == copy.name), "{:?}", kept.backups);
    drop(office);

    damage_page(&path, "operators").await;
    let problems = ovo_app::ledger_file_problems(data, &path).await.unwrap().unwrap();
    let recovery = ovo_app::recovery(data, &path, problems).await;
    let offered: Vec<_> =
        recovery.backups.iter().map(|b| (b.name.clone(), b.before_update)).collect();
    assert!(offered.contains(&(copy.name.clone(), true)), "{offered:?}");
    assert_eq!(offered.len(), 2, "{offered:?}");

    ovo_app::request_recovery(data, &path, &copy.name, clock.now()).await.unwrap();
    let mut config = app::config(data, None, None);
    config.ledger = None;
    let restored = Backoffice::open(config, secrets.clone(), Arc::new(clock.clone())).await;
    let restored = restored.unwrap();
    drop(restored);
    let mut conn = sqlite(&path).await;
    let note: String =
        sqlx::query_scalar("SELECT note FROM legacy_notes").fetch_one(&mut conn).await.unwrap();
    assert_eq!(note, "before the update");
    conn.close().await.unwrap();
    assert_eq!(leftovers(data, ".damaged-").len(), 1);
}
