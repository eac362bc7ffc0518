use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use ovo_domain::{Clock, Environment, Lang, OperatorId, Timestamp};
use ovo_ledger::audit::{self, AuditOutcome, NewAuditEntry};
use ovo_ledger::operators::{self, OperatorRow};
use ovo_ledger::{settings, Ledger, OpenReport};
use ovo_secrets::SecretStore;
use serde_json::json;

use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::{OperatorView, SessionState, SessionStatus};
use crate::permissions::{self, Permission};

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
#[derive(Debug)]
pub struct Backoffice {
    pub(crate) ledger: Ledger,
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: BackofficeConfig,
    pub(crate) session: Mutex<Option<Session>>,
    open_report: OpenReport,
    pub(crate) providers: crate::providers::hub::ProviderHub,
    pub(crate) builtin: tokio::sync::OnceCell<crate::builtin::sandbox::BuiltinSandbox>,
    pub(crate) returns: tokio::sync::OnceCell<crate::returns::ReturnListener>,
    pub(crate) opener: Arc<dyn crate::opener::UrlOpener>,
    /// Completing linkings one at a time, so an authCode is exchanged once.
    pub(crate) linking_gate: tokio::sync::Mutex<()>,
    /// The notification listener, when it runs.
    pub(crate) listener: tokio::sync::Mutex<crate::listener::slot::ListenerSlot>,
    /// When this process opened the ledger: the built-in sandbox it starts sees everything
    /// after, and learns what came before from the ledger.
    pub(crate) opened_at: Timestamp,
    /// The customer import running or last run.
    pub(crate) imports: Mutex<crate::customer_import::jobs::ImportJobs>,
    /// This process's claim on the ledger, released last.
    _instance: crate::instance::InstanceLock,
}

/// The signed-in operator of this desktop.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub operator_id: OperatorId,
    pub locked: bool,
    pub last_activity: Timestamp,
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
        let instance = crate::instance::InstanceLock::acquire(&config.data_dir, clock.now())?;
        let (ledger, open_report) = Ledger::open(&config.data_dir.join(LEDGER_FILE)).await?;
        if let Some(backup) = &open_report.backup {
            tracing::info!(backup = %backup.display(), applied = ?open_report.applied, "ledger backed up before migrating");
        }
        let backoffice = Backoffice {
            ledger,
            secrets,
            clock: clock.clone(),
            config,
            session: Mutex::new(None),
            open_report,
            providers: crate::providers::hub::ProviderHub::default(),
            builtin: tokio::sync::OnceCell::new(),
            returns: tokio::sync::OnceCell::new(),
            opener: Arc::new(crate::opener::RecordingOpener::default()),
            linking_gate: tokio::sync::Mutex::new(()),
            listener: tokio::sync::Mutex::new(crate::listener::slot::ListenerSlot::default()),
            opened_at: clock.now(),
            imports: Mutex::new(crate::customer_import::jobs::ImportJobs::default()),
            _instance: instance,
        };
        backoffice.seed_demo_if_new().await?;
        Ok(backoffice)
    }

    /// How provider pages open in the system browser (the shell's opener; a recorder by default).
    pub fn set_url_opener(&mut self, opener: Arc<dyn crate::opener::UrlOpener>) {
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

    pub(crate) fn session_slot(&self) -> MutexGuard<'_, Option<Session>> {
        // A panic while holding this lock cannot leave it half-written: the guard is only
        // held for plain field updates.
        self.session.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The session state as it stands, applying the idle lock; does not count as activity.
    pub async fn session_status(&self) -> AppResult<SessionStatus> {
        self.apply_idle_lock().await?;
        let session = self.session_slot().clone();
        let mut conn = self.ledger.read().await?;
        let Some(session) = session else {
            // Demo operators do not set the back office up: until the merchant's first admin
            // exists, the first-run screen stays (it lists the demo operators too).
            let state = if operators::count_real(&mut conn).await? == 0 {
                SessionState::Uninitialized
            } else {
                SessionState::SignedOut
            };
            return Ok(self.status_of(state, None).await);
        };
        let environment = self.environment().await;
        match operators::by_id(&mut conn, session.operator_id).await? {
            Some(op) if !op.disabled && allowed_in(&op, environment) => {
                let state =
                    if session.locked { SessionState::Locked } else { SessionState::Active };
                Ok(self.status_of(state, Some(op)).await)
            }
            _ => {
                *self.session_slot() = None;
                Ok(self.status_of(SessionState::SignedOut, None).await)
            }
        }
    }

    /// Like `session_status`, and records that the operator is present.
    pub async fn touch_session(&self) -> AppResult<SessionStatus> {
        self.apply_idle_lock().await?;
        if let Some(session) = self.session_slot().as_mut().filter(|s| !s.locked) {
            session.last_activity = self.clock.now();
        }
        self.session_status().await
    }

    pub(crate) async fn status_of(
        &self,
        state: SessionState,
        operator: Option<OperatorRow>,
    ) -> SessionStatus {
        let permissions = match (&operator, state) {
            (Some(op), SessionState::Active) => permissions::granted(op.role),
            _ => Vec::new(),
        };
        SessionStatus {
            state,
            operator: operator.as_ref().map(operator_view),
            permissions,
            idle_lock_minutes: self.idle_lock_minutes().await,
        }
    }

    /// The gate of every use case that needs a signed-in operator: not signed in →
    /// `unauthenticated`; idle too long or locked → `locked`; lacking the permission →
    /// `forbidden`, and the attempt is audited.
    pub(crate) async fn authorize(&self, permission: Permission, action: &str) -> AppResult<Actor> {
        self.apply_idle_lock().await?;
        let session = self.session_slot().clone();
        let Some(session) = session else {
            return Err(AppError::new(ErrorCode::Unauthenticated, "sign in first"));
        };
        if session.locked {
            return Err(AppError::new(
                ErrorCode::Locked,
                "the session is locked; enter your password to continue",
            ));
        }
        let environment = self.environment().await;
        let mut conn = self.ledger.read().await?;
        let operator = match operators::by_id(&mut conn, session.operator_id).await? {
            Some(op) if !op.disabled && allowed_in(&op, environment) => op,
            _ => {
                *self.session_slot() = None;
                return Err(AppError::new(
                    ErrorCode::Unauthenticated,
                    "this operator is no longer active; sign in again",
                ));
            }
        };
        drop(conn);
        if let Some(s) = self.session_slot().as_mut() {
            s.last_activity = self.clock.now();
        }
        if !permissions::allows(operator.role, permission) {
            let mut tx = self.ledger.begin_write().await?;
            self.audit(
                &mut tx,
                Some(&operator),
                "access.denied",
                action,
                AuditOutcome::Denied,
                json!({ "permission": permission.key(), "role": operator.role.key() }),
            )
            .await?;
            ovo_ledger::commit(tx).await?;
            tracing::warn!(operator = %operator.username, action, "permission denied");
            return Err(AppError::new(
                ErrorCode::Forbidden,
                format!("the {} role may not {action}", operator.role.key()),
            ));
        }
        Ok(Actor { operator })
    }

    /// Locks an active session that has been idle for the configured time.
    async fn apply_idle_lock(&self) -> AppResult<()> {
        let idle_ms = i64::from(self.idle_lock_minutes().await) * 60_000;
        let now = self.clock.now();
        let newly_locked = {
            let mut slot = self.session_slot();
            match slot.as_mut() {
                Some(s)
                    if !s.locked
                        && now.unix_millis() - s.last_activity.unix_millis() >= idle_ms =>
                {
                    s.locked = true;
                    Some(s.operator_id)
                }
                _ => None,
            }
        };
        if let Some(operator_id) = newly_locked {
            let mut tx = self.ledger.begin_write().await?;
            let operator = operators::by_id(&mut tx, operator_id).await?;
            self.audit(
                &mut tx,
                operator.as_ref(),
                "session.lock",
                "session",
                AuditOutcome::Ok,
                json!({ "cause": "idle" }),
            )
            .await?;
            ovo_ledger::commit(tx).await?;
        }
        Ok(())
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
        audit::append(conn, &entry).await?;
        Ok(())
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

/// A demo operator acts only in the built-in environment.
pub(crate) fn allowed_in(op: &OperatorRow, environment: Environment) -> bool {
    !op.demo || environment == Environment::BuiltInSandbox
}

pub(crate) fn operator_view(op: &OperatorRow) -> OperatorView {
    OperatorView {
        id: op.id.get(),
        username: op.username.clone(),
        display_name: op.display_name.clone(),
        role: op.role,
        disabled: op.disabled,
        created_at: op.created_at.to_rfc3339(),
    }
}
