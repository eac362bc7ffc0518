//! The keyed audit chain against a real ledger file: what someone who can write the file but
//! not read the keychain can do to it, and what `verify_audit` then says. Also: the head is
//! anchored in the keychain after each change, and no keychain call holds the ledger's writer.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Condvar, Mutex};

use ovo_app::ipc::*;
use ovo_app::{Backoffice, ErrorCode, LEDGER_FILE};
use ovo_ledger::audit::Seal;
use ovo_ledger::Ledger;
use ovo_secrets::{MemoryStore, SecretError, SecretKey, SecretStore, Sensitive};
use ovo_test_support::app::{code, TestApp, APP_ID};
use ovo_test_support::audit_tamper as tamper;

/// A new ledger with an admin signed in and a few changes audited, all anchored.
async fn changed_ledger() -> TestApp {
    changed(TestApp::builder()).await
}

/// [`changed_ledger`] in a file, on either run: an earlier version's ledger is a file.
async fn changed_ledger_file() -> TestApp {
    changed(TestApp::builder().file_ledger()).await
}

async fn changed(builder: ovo_test_support::app::TestAppBuilder) -> TestApp {
    let f = builder.fixed_clock().admin().open().await;
    f.app.set_idle_lock(IdleLockInput { minutes: 30 }).await.unwrap();
    f.app
        .create_operator(ovo_test_support::app::new_operator("sinta", "Sinta", "support"))
        .await
        .unwrap();
    f.app.anchor_audit_head().await.unwrap();
    f
}

/// Closes the app, changes the file with `tamper` (a raw connection, as an attacker would),
/// and opens the app again on the same keychain, the admin signed in.
async fn reopen_after<F, Fut>(f: TestApp, tamper: F) -> (tempfile::TempDir, Backoffice)
where
    F: FnOnce(Ledger) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let TestApp { dir, app, secrets, .. } = f;
    let data_dir = dir.path().join("data");
    let location = app.ledger().location().clone();
    app.ledger().close().await;
    drop(app);
    let (ledger, _) = Ledger::open_at(&location).await.unwrap();
    tamper(ledger.clone()).await;
    ledger.close().await;
    let (app, _, _) =
        TestApp::builder().fixed_clock().signed_in("admin").open_at(&data_dir, secrets).await;
    (dir, app)
}

async fn head_seq(app: &Backoffice) -> i64 {
    ovo_test_support::app::audit_page(app, 1).await[0].seq
}

async fn ledger_id(ledger: &Ledger) -> String {
    let stored: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'ledger_id'")
        .fetch_one(ledger.writer_pool())
        .await
        .unwrap();
    serde_json::from_str(&stored).unwrap()
}

/// The head anchored in the keychain: (seq, hash).
async fn anchored(f: &TestApp) -> (i64, String) {
    let id = ledger_id(f.app.ledger()).await;
    let address = SecretKey::new(APP_ID, "local", format!("ledger-{id}"), "audit_head");
    let stored = f.secrets.get(&address).unwrap().expect("an anchored head");
    let anchor: serde_json::Value = serde_json::from_str(stored.expose()).unwrap();
    (anchor["seq"].as_i64().unwrap(), anchor["hash"].as_str().unwrap().to_owned())
}

fn problem(v: &AuditVerification) -> (bool, Option<i64>, Option<&str>) {
    (v.intact, v.broken_seq, v.problem.as_deref())
}

#[tokio::test]
async fn the_head_is_anchored_in_the_keychain_after_each_change() {
    let f = changed_ledger().await;
    let before = anchored(&f).await;
    assert_eq!(before.0, head_seq(&f.app).await);
    f.app.set_idle_lock(IdleLockInput { minutes: 20 }).await.unwrap();
    let head = head_seq(&f.app).await;
    assert!(head > before.0);
    // Anchoring follows the commit by itself; wait for it (bounded) rather than asking for it.
    let mut now = anchored(&f).await;
    for _ in 0..500 {
        if now.0 == head {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        now = anchored(&f).await;
    }
    assert_eq!(now.0, head);
    let newest = ovo_test_support::app::audit_page(&f.app, 1).await;
    assert_eq!(newest[0].action, "settings.idle_lock");
    assert!(problem(&f.app.verify_audit().await.unwrap()).0);
}

#[tokio::test]
async fn a_chain_rebuilt_from_the_file_with_plain_sha256_is_reported() {
    let f = changed_ledger().await;
    assert!(f.app.verify_audit().await.unwrap().intact);
    let (_dir, app) =
        reopen_after(
            f,
            |ledger| async move { tamper::reseal_chain(&ledger, 1, Seal::Sha256).await },
        )
        .await;
    let v = app.verify_audit().await.unwrap();
    assert_eq!(problem(&v), (false, Some(1), Some("rebuilt")));
}

#[tokio::test]
async fn a_chain_rebuilt_from_the_file_with_another_key_is_reported() {
    let f = changed_ledger().await;
    let (_dir, app) = reopen_after(f, |ledger| async move {
        tamper::reseal_chain(&ledger, 1, Seal::Keyed(&[7; 32])).await
    })
    .await;
    let v = app.verify_audit().await.unwrap();
    assert_eq!(problem(&v), (false, Some(1), Some("rebuilt")));
}

#[tokio::test]
async fn removing_the_newest_entries_is_reported_as_a_truncated_chain() {
    let f = changed_ledger().await;
    let anchored_seq = anchored(&f).await.0;
    assert_eq!(anchored_seq, head_seq(&f.app).await);
    let (_dir, app) =
        reopen_after(f, |ledger| async move { tamper::remove_newest(&ledger, 3).await }).await;
    // The reopen signed in (one more entry), yet the chain is still short of the anchor.
    assert_eq!(head_seq(&app).await, anchored_seq - 2);
    let v = app.verify_audit().await.unwrap();
    assert_eq!(problem(&v), (false, Some(anchored_seq), Some("truncated")));
    // More changes than were removed do not move the anchor past the hole.
    for minutes in [5, 6, 7, 8] {
        app.set_idle_lock(IdleLockInput { minutes }).await.unwrap();
    }
    app.anchor_audit_head().await.unwrap();
    assert!(head_seq(&app).await > anchored_seq);
    let v = app.verify_audit().await.unwrap();
    assert_eq!(problem(&v), (false, Some(anchored_seq), Some("truncated")));
}

/// Turns the ledger into one an earlier version wrote: every entry plain sha256, no record of
/// where keyed entries begin, migration 0014 not yet applied.
async fn make_legacy(ledger: &Ledger) {
    tamper::reseal_chain(ledger, 1, Seal::Sha256).await;
    for undo in [
        "DROP TABLE audit_chain",
        "DELETE FROM _sqlx_migrations WHERE version = 14",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ] {
        sqlx::query(undo).execute(ledger.writer_pool()).await.unwrap();
    }
}

#[tokio::test]
async fn a_legacy_ledger_upgrades_and_verifies_and_cannot_be_passed_off_as_legacy_again() {
    let f = changed_ledger_file().await;
    let TestApp { dir, app, .. } = f;
    let data_dir = dir.path().join("data");
    let legacy_head = head_seq(&app).await;
    app.ledger().close().await;
    drop(app);
    let (ledger, _) = Ledger::open(&data_dir.join(LEDGER_FILE)).await.unwrap();
    make_legacy(&ledger).await;
    ledger.close().await;

    // The earlier version kept nothing in the keychain.
    let secrets = Arc::new(MemoryStore::new());
    let (app, _, _) = TestApp::builder()
        .file_ledger()
        .fixed_clock()
        .signed_in("admin")
        .open_at(&data_dir, secrets.clone())
        .await;
    assert_eq!(app.open_report().applied, vec![14]);
    app.set_idle_lock(IdleLockInput { minutes: 25 }).await.unwrap();
    let v = app.verify_audit().await.unwrap();
    assert_eq!(problem(&v), (true, None, None), "{v:?}");
    assert_eq!(v.checked as i64, head_seq(&app).await);
    assert!(head_seq(&app).await > legacy_head);
    let no_key_replaced = ovo_test_support::app::audit_page(&app, 100).await;
    assert!(no_key_replaced.iter().all(|e| e.action != "audit.key_replaced"));
    app.anchor_audit_head().await.unwrap();
    app.ledger().close().await;
    drop(app);

    // Someone with the file alone rewrites every entry, keyed ones too, as legacy again.
    let v = passed_off_as_legacy(&data_dir, &secrets, None).await;
    assert_eq!(problem(&v), (false, Some(legacy_head + 1), Some("rebuilt")));

    // The same, with the ledger's id removed or replaced so that fresh keys would be made.
    for change_id in [
        "DELETE FROM settings WHERE key = 'ledger_id'",
        "UPDATE settings SET value = '\"0123abcd\"' WHERE key = 'ledger_id'",
    ] {
        let v = passed_off_as_legacy(&data_dir, &secrets, Some(change_id)).await;
        assert!(!problem(&v).0, "{change_id}: {v:?}");
        assert_eq!(problem(&v).1, Some(legacy_head + 1), "{change_id}: {v:?}");
    }
}

/// The upgraded ledger file rewritten as an earlier version's (and `also` run on it), then
/// opened and verified by the app.
async fn passed_off_as_legacy(
    data_dir: &std::path::Path,
    secrets: &Arc<MemoryStore>,
    also: Option<&str>,
) -> AuditVerification {
    let (ledger, _) = Ledger::open(&data_dir.join(LEDGER_FILE)).await.unwrap();
    make_legacy(&ledger).await;
    if let Some(sql) = also {
        sqlx::query(sql).execute(ledger.writer_pool()).await.unwrap();
    }
    ledger.close().await;
    // The backup the upgrade took (named by the second) would block the next one's name.
    remove_backups(data_dir);
    let (app, _, _) = TestApp::builder()
        .file_ledger()
        .fixed_clock()
        .signed_in("admin")
        .open_at(data_dir, secrets.clone())
        .await;
    let v = app.verify_audit().await.unwrap();
    app.ledger().close().await;
    v
}

fn remove_backups(data_dir: &std::path::Path) {
    for file in std::fs::read_dir(data_dir).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_some_and(|e| e == "bak") {
            std::fs::remove_file(path).unwrap();
        }
    }
}

#[tokio::test]
async fn a_keychain_without_the_audit_key_is_reported_never_silently_replaced() {
    let f = changed_ledger().await;
    let TestApp { dir, app, .. } = f;
    let data_dir = dir.path().join("data");
    let head = head_seq(&app).await;
    app.ledger().close().await;
    drop(app);

    if ovo_test_support::ledger::on_postgres() {
        // A shared ledger never gets a new key: the desk is refused until it holds the keys.
        let config = ovo_test_support::app::config(&data_dir, None, None);
        let clock = Arc::new(ovo_domain::ManualClock::new(
            ovo_domain::Timestamp::from_unix_millis(ovo_test_support::app::FIXED_START_MS),
        ));
        let refused =
            Backoffice::open(config, Arc::new(MemoryStore::new()), clock).await.unwrap_err();
        assert_eq!((refused.code, refused.reason), (ErrorCode::Storage, Some("desk_not_enrolled")));
        return;
    }
    let (app, _, _) = TestApp::builder()
        .fixed_clock()
        .signed_in("admin")
        .open_at(&data_dir, Arc::new(MemoryStore::new()))
        .await;
    let v = app.verify_audit().await.unwrap();
    assert_eq!(problem(&v), (false, Some(1), Some("key_missing")));
    let entries = ovo_test_support::app::audit_page(&app, 100).await;
    let replaced = entries.iter().find(|e| e.action == "audit.key_replaced").unwrap();
    assert_eq!(replaced.seq, head + 1);
    assert_eq!(replaced.outcome, "failed");
    let detail: serde_json::Value = serde_json::from_str(&replaced.detail).unwrap();
    assert_eq!(detail["unverifiable_to"], head);
}

/// A keychain whose `put` of one address waits until the test releases it, as a keychain
/// prompt does; everything else goes to memory.
#[derive(Debug, Default)]
struct PromptingStore {
    inner: MemoryStore,
    /// (the put is waiting, the test released it)
    gate: Mutex<(bool, bool)>,
    changed: Condvar,
    fails: bool,
}

impl PromptingStore {
    fn held(key: &SecretKey) -> bool {
        key.environment == "production"
    }

    async fn wait_until_prompting(&self) {
        for _ in 0..1_000 {
            if self.gate.lock().unwrap().0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the keychain was never asked");
    }

    fn release(&self) {
        self.gate.lock().unwrap().1 = true;
        self.changed.notify_all();
    }
}

impl SecretStore for PromptingStore {
    fn put(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        if Self::held(key) {
            let mut gate = self.gate.lock().unwrap();
            gate.0 = true;
            while !gate.1 {
                gate = self.changed.wait(gate).unwrap();
            }
            if self.fails {
                return Err(SecretError::Unavailable { detail: "the user denied access".into() });
            }
        }
        self.inner.put(key, value)
    }
    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        self.inner.get(key)
    }
    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError> {
        self.inner.delete(key)
    }
    fn contains(&self, key: &SecretKey) -> Result<bool, SecretError> {
        self.inner.contains(key)
    }
}

async fn open_with(store: Arc<PromptingStore>) -> (tempfile::TempDir, Arc<Backoffice>) {
    let dir = tempfile::tempdir().unwrap();
    let (app, _, _) =
        TestApp::builder().fixed_clock().admin().open_at(&dir.path().join("data"), store).await;
    (dir, Arc::new(app))
}

fn set_secret_key(
    app: &Arc<Backoffice>,
) -> tokio::task::JoinHandle<ovo_app::AppResult<CredentialField>> {
    let app = app.clone();
    tokio::spawn(async move {
        app.set_credential(SetCredentialInput {
            environment: "production".into(),
            product: "doku_snap_ovo".into(),
            field: "secret_key".into(),
            value: "SK-kept-in-the-keychain".into(),
        })
        .await
    })
}

fn credential_entries(entries: &[AuditEntryView]) -> Vec<(&str, &str)> {
    let mut found: Vec<_> = entries
        .iter()
        .filter(|e| e.action.starts_with("credential."))
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .collect();
    found.reverse();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_writes_go_on_while_the_keychain_prompts_for_a_credential() {
    let store = Arc::new(PromptingStore::default());
    let (_dir, app) = open_with(store.clone()).await;
    let storing = set_secret_key(&app);
    store.wait_until_prompting().await;
    // Another operator's change commits while the keychain still waits for the user. Before,
    // the credential held the ledger's writer across the prompt and this waited for ever.
    let meanwhile = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        app.set_idle_lock(IdleLockInput { minutes: 45 }),
    )
    .await;
    store.release();
    let meanwhile = meanwhile.expect("a write completes while the keychain prompts");
    assert_eq!(meanwhile.unwrap().idle_lock_minutes, 45);
    assert!(storing.await.unwrap().unwrap().is_set);
    let entries = ovo_test_support::app::audit_page(&app, 20).await;
    assert_eq!(credential_entries(&entries), [("credential.set", "ok")]);
    assert!(app.verify_audit().await.unwrap().intact);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keychain_that_refuses_the_credential_leaves_an_honest_record() {
    let store = Arc::new(PromptingStore { fails: true, ..PromptingStore::default() });
    let (_dir, app) = open_with(store.clone()).await;
    let storing = set_secret_key(&app);
    store.wait_until_prompting().await;
    store.release();
    assert_eq!(code(storing.await.unwrap()), (ErrorCode::KeychainUnavailable, None));
    let entries = ovo_test_support::app::audit_page(&app, 20).await;
    assert_eq!(
        credential_entries(&entries),
        [("credential.set", "ok"), ("credential.set", "failed")]
    );
    let key = SecretKey::new(APP_ID, "production", "doku_snap_ovo", "secret_key");
    assert!(!store.contains(&key).unwrap());
}
