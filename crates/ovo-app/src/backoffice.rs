use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ovo_domain::{Clock, Environment, Lang, Timestamp};
use ovo_ledger::audit::{self, AuditOutcome, NewAuditEntry};
use ovo_ledger::operators::OperatorRow;
use ovo_ledger::{settings, Ledger, LedgerLocation, OpenReport};
use ovo_secrets::SecretStore;

use crate::audit_anchor::{AnchorHandle, AuditAnchor, LostKey};
use crate::local_keys::LocalKeys;

use crate::builtin::BuiltinEnvironment;
use crate::customer_import::jobs::ImportJobs;
use crate::desk::linkings::Linkings;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::instance::InstanceLock;
use crate::listener::slot::ListenerSlot;
use crate::opener::{RecordingOpener, UrlOpener};
use crate::providers::hub::ProviderHub;
use crate::returns::BrowserReturns;
use crate::session::slot::SessionSlot;

pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 15;
pub const LEDGER_FILE: &str = "ledger.sqlite";
/// The settings rows of the preferences.
pub(crate) const LANGUAGE_KEY: &str = "language";
pub(crate) const IDLE_LOCK_KEY: &str = "idle_lock_minutes";
pub(crate) const ENVIRONMENT_KEY: &str = "environment";

/// Where and under which name the back office keeps its data.
#[derive(Debug, Clone)]
pub struct BackofficeConfig {
    pub data_dir: PathBuf,
    /// Where the ledger is: `None` is the file `<data_dir>/ledger.sqlite`; a PostgreSQL ledger
    /// is shared with other desks.
    pub ledger: Option<LedgerLocation>,
    /// Namespaces keychain entries (e.g. the Tauri app identifier).
    pub app_identifier: String,
    pub version: String,
    /// The built-in sandbox's time scale (`1` = real time, the default; tests speed it up).
    pub sandbox_time_scale: Option<String>,
    /// A sandbox already running elsewhere to use as the built-in environment (it must serve
    /// the demo merchants); `None` starts one in-process on first use.
    pub builtin_sandbox_url: Option<String>,
}

/// The back office's one API surface: the shell, tests and tools call these use cases.
///
/// Beside the services every area uses (ledger, keychain, clock, configuration, browser
/// opener), each area's state is one struct of that area, its fields private to it.
#[derive(Debug)]
pub struct Backoffice {
    pub(crate) ledger: Ledger,
    pub(crate) secrets: Arc<dyn SecretStore>,
    /// This ledger's keys from the keychain (`local_keys.rs`).
    pub(crate) local_keys: LocalKeys,
    /// The audit chain's head anchored outside the ledger (`audit_anchor.rs`).
    pub(crate) audit_anchor: AnchorHandle,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: BackofficeConfig,
    pub(crate) opener: Arc<dyn UrlOpener>,
    open_report: OpenReport,
    /// The signed-in operator (`session/`).
    pub(crate) session: SessionSlot,
    /// The provider clients built so far (`providers/`).
    pub(crate) providers: ProviderHub,
    /// The built-in environment's sandbox (`builtin/`).
    pub(crate) builtin: BuiltinEnvironment,
    /// The listener the customer's browser comes back to (`returns.rs`).
    pub(crate) returns: BrowserReturns,
    /// Completing linkings one at a time (`desk/`).
    pub(crate) linkings: Linkings,
    /// The notification listener, when it runs (`listener/`).
    pub(crate) listener: ListenerSlot,
    /// The customer import running or last run (`customer_import/`).
    pub(crate) imports: Mutex<ImportJobs>,
    /// The export running or last run (`exports/`).
    pub(crate) exports: crate::exports::ExportJobs,
    /// What other desks changed, for the UI (`live.rs`).
    pub(crate) live: crate::live::LiveChanges,
    /// This process's name in the ledger's work claims (`background.rs`).
    pub(crate) desk: String,
    /// Its name in the listener's turn, which names its computer (`listener/`).
    pub(crate) listener_holder: String,
    /// This process's claim on the ledger, released last.
    _instance: InstanceLock,
}

/// The operator a use case acts for, checked for the permission it needs.
#[derive(Debug, Clone)]
pub struct Actor {
    pub operator: OperatorRow,
}

impl Backoffice {
    pub async fn open(
        config: BackofficeConfig,
        secrets: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
    ) -> AppResult<Backoffice> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            AppError::new(
                ErrorCode::Storage,
                format!("cannot create the data directory {}: {e}", config.data_dir.display()),
            )
        })?;
        // Before the ledger is touched: a second instance must not even migrate it.
        let instance = InstanceLock::acquire(&config.data_dir, clock.now())?;
        let location = config
            .ledger
            .clone()
            .unwrap_or_else(|| LedgerLocation::File(config.data_dir.join(LEDGER_FILE)));
        let mut restored = match &location {
            LedgerLocation::File(path) => {
                let restored =
                    crate::backups::restore_if_requested(&config.data_dir, path, clock.now())
                        .await?;
                if let Some(problems) =
                    crate::backups::ledger_file_problems(&config.data_dir, path).await?
                {
                    return Err(crate::backups::damaged_error(path, &problems));
                }
                restored
            }
            LedgerLocation::Postgres(_) => None,
        };
        let (ledger, open_report) = Ledger::open_at(&location).await?;
        if let Some(backup) = &open_report.backup {
            tracing::info!(backup = %backup.display(), applied = ?open_report.applied, "ledger backed up before migrating");
        }
        crate::ledger_move::refuse_if_moved(&ledger).await?;
        let created = open_report.created;
        let local_keys = LocalKeys::load(
            &ledger,
            secrets.as_ref(),
            &config.app_identifier,
            &config.data_dir,
            created,
            clock.now(),
        )
        .await?;
        // The restored chain ends before the anchored head: a trusted restore moves the anchor
        // to it (once: a retry after a crash keeps the head recorded before), and its audit
        // entry says where the anchor had been. An untrusted one leaves the anchor, so verify
        // reports the entries missing.
        let trusted = restored.as_ref().map(|r| r.trusted(local_keys.audit.expose()));
        if let (Some(restored), Some(true)) = (restored.as_mut(), trusted) {
            if restored.previous_head().is_none() {
                let head = crate::audit_anchor::rebase_to_head(
                    &ledger,
                    &secrets,
                    &config.app_identifier,
                    &local_keys,
                )
                .await?;
                restored.remember_previous_head(&config.data_dir, head)?;
            }
        }
        let (audit_anchor, lost_key) =
            AuditAnchor::open(&ledger, secrets.clone(), &config.app_identifier, &local_keys)
                .await?;
        let desk = {
            let mut bytes = [0u8; 8];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
            hex::encode(bytes)
        };
        let backoffice = Backoffice {
            ledger,
            local_keys,
            audit_anchor,
            secrets,
            clock: clock.clone(),
            config,
            opener: Arc::new(RecordingOpener::default()),
            open_report,
            session: SessionSlot::default(),
            providers: ProviderHub::default(),
            builtin: BuiltinEnvironment::new(clock.now()),
            returns: BrowserReturns::default(),
            linkings: Linkings::default(),
            listener: ListenerSlot::default(),
            imports: Mutex::new(ImportJobs::default()),
            exports: crate::exports::ExportJobs::default(),
            live: crate::live::LiveChanges::default(),
            listener_holder: crate::listener::listener_holder(&desk),
            desk,
            _instance: instance,
        };
        if let Some(lost) = lost_key {
            backoffice.record_lost_audit_key(lost).await?;
        }
        if let Some(restored) = restored {
            backoffice.record_restore(restored, trusted == Some(true)).await?;
        }
        backoffice.record_dropped_restore().await?;
        backoffice.redact_stored_notifications().await?;
        backoffice.move_keychain_tokens_into_ledger().await?;
        backoffice.seed_demo_if_new().await?;
        Ok(backoffice)
    }

    /// How provider pages open in the system browser (the shell's opener; a recorder by default).
    pub fn set_url_opener(&mut self, opener: Arc<dyn UrlOpener>) {
        self.opener = opener;
    }

    pub fn open_report(&self) -> &OpenReport {
        &self.open_report
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub(crate) async fn audit(
        &self,
        conn: &mut ovo_ledger::Connection,
        operator: Option<&OperatorRow>,
        action: &str,
        subject: &str,
        outcome: AuditOutcome,
        detail: serde_json::Value,
    ) -> AppResult<()> {
        let entry = NewAuditEntry {
            at: self.clock.now(),
            operator_id: operator.map(|o| o.id),
            operator: operator.map(|o| o.username.clone()),
            action: action.to_owned(),
            subject: subject.to_owned(),
            outcome,
            detail,
        };
        audit::append(conn, self.local_keys.audit.expose(), &entry).await?;
        self.audit_anchor.changed();
        Ok(())
    }

    /// The keychain had lost the audit key: the entries it sealed can no longer be checked.
    /// Said in the log and in the chain itself, under the new key.
    async fn record_lost_audit_key(&self, lost: LostKey) -> AppResult<()> {
        tracing::warn!(
            first = lost.first,
            last = lost.last,
            "the keychain has no audit key for this ledger's keyed audit entries; a new key seals \
             entries from now on and those entries can no longer be verified"
        );
        let mut tx = self.ledger.begin_write().await?;
        self.audit(
            &mut tx,
            None,
            "audit.key_replaced",
            "audit",
            AuditOutcome::Failed,
            serde_json::json!({ "unverifiable_from": lost.first, "unverifiable_to": lost.last }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        self.anchor_audit_head().await
    }

    /// Anchors the committed audit head outside the ledger now (it also happens by itself
    /// shortly after each change).
    pub async fn anchor_audit_head(&self) -> AppResult<()> {
        self.audit_anchor.anchor.advance().await
    }

    /// This ledger's audit key, for another writer of the same ledger in this process (the
    /// reliability harness's second desk). It never crosses IPC.
    pub fn audit_key(&self) -> &[u8] {
        self.local_keys.audit.expose()
    }

    /// Audits `action` on `subject` that `actor` carried out.
    pub(crate) async fn audit_act(
        &self,
        conn: &mut ovo_ledger::Connection,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> AppResult<()> {
        self.audit(conn, Some(&actor.operator), action, subject, AuditOutcome::Ok, detail).await
    }

    pub(crate) async fn setting(&self, key: &str) -> Option<String> {
        let mut conn = self.ledger.read().await.ok()?;
        settings::get(&mut conn, key).await.ok().flatten()
    }

    pub async fn idle_lock_minutes(&self) -> u32 {
        self.setting(IDLE_LOCK_KEY)
            .await
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES)
    }

    pub async fn environment(&self) -> Environment {
        self.setting(ENVIRONMENT_KEY)
            .await
            .and_then(|v| Environment::parse(&v).ok())
            .unwrap_or_default()
    }

    pub async fn language(&self) -> Option<Lang> {
        self.setting(LANGUAGE_KEY).await.and_then(|v| Lang::parse(&v).ok())
    }
}
