//! Opening the back office, and what comes before it when it cannot open yet: on a desk not yet
//! enrolled in its shared ledger the window opens on the enrolment screen (the operator enters an
//! admin's one-time code); on a damaged ledger file, on the recovery screen (the operator chooses
//! a backup). Either way the back office then opens in the same process.
//!
//! The window opens first and the back office opens beside it, so the web view starts while the
//! ledger opens; `startup_state`, the UI's first call, waits for the opening to end.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ovo_app::ipc::{BackupRef, EnrolDeskInput, LedgerRecovery, StartupState};
use ovo_app::{AppError, Backoffice, BackofficeConfig, ErrorCode, LedgerLocation};
use ovo_domain::{Clock as _, Lang, SystemClock};
use ovo_secrets::KeychainStore;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{browser, journal, Shell};

type Reply<T> = Result<T, AppError>;

/// The back office not yet opened: while it opens, and while this desk waits to be enrolled or
/// for a backup to replace its damaged ledger file.
#[derive(Debug)]
pub struct Startup {
    waiting: Arc<Mutex<Option<Waiting>>>,
}

#[derive(Debug)]
struct Waiting {
    config: BackofficeConfig,
    recovery: Option<LedgerRecovery>,
}

impl Startup {
    /// Opens the back office on `config` in the background; every startup command waits until
    /// it has opened or knows what it waits for. Called outside the async runtime.
    pub fn open_in_background(app: &AppHandle, config: BackofficeConfig) -> Startup {
        let waiting = Arc::new(Mutex::new(None));
        let held = waiting.clone().blocking_lock_owned();
        let handle = app.clone();
        tauri::async_runtime::spawn(async move { opening(handle, config, held).await });
        Startup { waiting }
    }
}

/// The opening: the desk's ledger, then the back office on it.
async fn opening(
    app: AppHandle,
    mut config: BackofficeConfig,
    mut waiting: OwnedMutexGuard<Option<Waiting>>,
) {
    let opened = match desk_ledger(&config.app_identifier, &config.data_dir) {
        Ok(ledger) => {
            config.ledger = ledger;
            open_when_free(config.clone()).await
        }
        Err(e) => Err(e),
    };
    match opened {
        Ok(backoffice) => {
            serve(&app, backoffice);
            tracing::info!(data_dir = %config.data_dir.display(), "OVO Back Office started");
        }
        // The window shows the enrolment screen; the back office opens after it.
        Err(e) if e.reason == Some("desk_not_enrolled") => {
            tracing::warn!("{e}");
            *waiting = Some(Waiting { config, recovery: None });
        }
        // The window shows the recovery screen, which offers the backups.
        Err(e) if e.reason == Some("ledger_damaged") => {
            tracing::error!("{e}");
            let recovery = damaged_ledger(&config).await;
            *waiting = Some(Waiting { config, recovery: Some(recovery) });
        }
        Err(e) => {
            tracing::error!(data_dir = %config.data_dir.display(), "cannot open the back office: {e}");
            // The window goes; a dialog says why, and the app ends when it is closed.
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.hide();
            }
            let handle = app.clone();
            app.dialog()
                .message(startup_failure_text(&e, &config.data_dir))
                .title("OVO Back Office")
                .kind(MessageDialogKind::Error)
                .buttons(MessageDialogButtons::Ok)
                .show(move |_| handle.exit(1));
        }
    }
}

/// The ledger this desk opens: `OVO_LEDGER_URL`, else the shared ledger set in Settings → Ledger,
/// else (`None`) the data folder's file. An unreadable setting is an error, never quietly the
/// file instead: it may be one this desk left.
fn desk_ledger(app_identifier: &str, data_dir: &Path) -> Result<Option<LedgerLocation>, AppError> {
    match std::env::var("OVO_LEDGER_URL") {
        Ok(url) if !url.trim().is_empty() => Ok(Some(LedgerLocation::parse(&url)?)),
        _ => {
            let keychain = KeychainStore::new();
            ovo_app::stored_ledger_location(&keychain, app_identifier, data_dir).map_err(|e| {
                AppError::new(
                    e.code,
                    format!("the shared ledger set for this desk cannot be read: {e}"),
                )
            })
        }
    }
}

/// The desk's ledger file (the data folder's unless another file is configured).
fn ledger_file_of(config: &BackofficeConfig) -> PathBuf {
    match &config.ledger {
        Some(LedgerLocation::File(path)) => path.clone(),
        _ => config.data_dir.join(ovo_app::LEDGER_FILE),
    }
}

/// The damaged ledger file and the backups that can replace it.
async fn damaged_ledger(config: &BackofficeConfig) -> LedgerRecovery {
    let path = ledger_file_of(config);
    let problems = ovo_app::ledger_file_problems(&config.data_dir, &path)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    ovo_app::recovery(&config.data_dir, &path, problems).await
}

/// Why the back office did not open, in the operating system's language.
fn startup_failure_text(error: &AppError, data_dir: &Path) -> String {
    let lang = Lang::from_locale(&sys_locale::get_locale().unwrap_or_default());
    if error.code == ErrorCode::LedgerInUse {
        return ovo_app::ledger_in_use_message(ovo_app::LockHolder::read(data_dir).as_ref(), lang);
    }
    match lang {
        Lang::Id => {
            format!("OVO Back Office tidak dapat dibuka di {}: {error}", data_dir.display())
        }
        Lang::En => format!("OVO Back Office cannot open in {}: {error}", data_dir.display()),
    }
}

/// Opens the back office.
pub async fn open(config: BackofficeConfig) -> Result<Backoffice, AppError> {
    Backoffice::open(config, Arc::new(KeychainStore::new()), Arc::new(SystemClock)).await
}

/// Opens the back office, waiting a few seconds for the folder's lock when it is held: after
/// `restart_app` the process before this one may still be ending.
pub async fn open_when_free(config: BackofficeConfig) -> Result<Backoffice, AppError> {
    for _ in 0..20 {
        match open(config.clone()).await {
            Err(e) if e.code == ErrorCode::LedgerInUse => {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            opened => return opened,
        }
    }
    open(config).await
}

/// Makes an opened back office what every command reaches, and starts its background work.
pub fn serve(app: &AppHandle, mut backoffice: Backoffice) {
    backoffice.set_url_opener(Arc::new(browser::SystemBrowser::from_env()));
    let backoffice = Arc::new(backoffice);
    tauri::async_runtime::spawn(backoffice.clone().run_background());
    app.manage(Shell { app: backoffice, journal: journal::Journal::from_env() });
}

pub async fn startup_state(_app: &AppHandle, startup: &Startup) -> Reply<StartupState> {
    Ok(state(startup.waiting.lock().await.as_ref()))
}

fn state(waiting: Option<&Waiting>) -> StartupState {
    let recovery = waiting.and_then(|w| w.recovery.clone());
    StartupState {
        needs_enrolment: waiting.is_some() && recovery.is_none(),
        location: waiting.and_then(|w| w.config.ledger.as_ref()).map(ToString::to_string),
        recovery,
    }
}

/// Replaces the damaged ledger file by the backup chosen, then opens the back office.
pub async fn recover_ledger(
    app: &AppHandle,
    startup: &Startup,
    input: BackupRef,
) -> Reply<StartupState> {
    let mut waiting = startup.waiting.lock().await;
    let Some(Waiting { config, recovery: Some(_) }) = waiting.as_ref() else {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "the ledger file is not waiting for recovery",
        )
        .with_reason("ledger_not_damaged"));
    };
    let config = config.clone();
    let now = SystemClock.now();
    ovo_app::request_recovery(&config.data_dir, &ledger_file_of(&config), &input.name, now).await?;
    let backoffice = open(config).await?;
    serve(app, backoffice);
    *waiting = None;
    tracing::info!(backup = %input.name, "the back office opened on a restored backup");
    Ok(state(None))
}

pub async fn enrol_desk(
    app: &AppHandle,
    startup: &Startup,
    input: EnrolDeskInput,
) -> Reply<StartupState> {
    let mut waiting = startup.waiting.lock().await;
    let Some(config) = waiting.as_ref().filter(|w| w.recovery.is_none()).map(|w| w.config.clone())
    else {
        return Err(AppError::new(ErrorCode::Conflict, "this desk is enrolled already")
            .with_reason("desk_enrolled_already"));
    };
    let location = config.ledger.clone().ok_or_else(|| {
        AppError::new(ErrorCode::Internal, "a desk waits for enrolment only on a shared ledger")
    })?;
    // An earlier try may have enrolled the desk and then failed to open: no code is needed then.
    let backoffice = match open(config.clone()).await {
        Ok(backoffice) => backoffice,
        Err(e) if e.reason == Some("desk_not_enrolled") => {
            let keychain = KeychainStore::new();
            let app_id = &config.app_identifier;
            ovo_app::enrol_desk(&location, &keychain, app_id, &SystemClock, input).await?;
            open(config).await.map_err(|e| {
                AppError::new(
                    e.code,
                    format!("this desk is enrolled, but the back office did not open: {e}; start the app again"),
                )
            })?
        }
        Err(e) => return Err(e),
    };
    serve(app, backoffice);
    *waiting = None;
    tracing::info!("the back office opened after this desk was enrolled");
    Ok(state(None))
}
