//! Opening the back office, and what comes before it when it cannot open yet: on a desk not yet
//! enrolled in its shared ledger the window opens on the enrolment screen (the operator enters an
//! admin's one-time code); on a damaged ledger file, on the recovery screen (the operator chooses
//! a backup). Either way the back office then opens in the same process.

use std::sync::Arc;

use ovo_app::ipc::{BackupRef, EnrolDeskInput, LedgerRecovery, StartupState};
use ovo_app::{AppError, Backoffice, BackofficeConfig, ErrorCode};
use ovo_domain::{Clock as _, SystemClock};
use ovo_secrets::KeychainStore;
use tauri::{AppHandle, Manager};
use tokio::sync::Mutex;

use crate::{browser, journal, Shell};

type Reply<T> = Result<T, AppError>;

/// The back office not yet opened, while this desk waits to be enrolled or for a backup to
/// replace its damaged ledger file.
#[derive(Debug, Default)]
pub struct Startup {
    waiting: Mutex<Option<Waiting>>,
}

#[derive(Debug)]
struct Waiting {
    config: BackofficeConfig,
    recovery: Option<LedgerRecovery>,
}

impl Startup {
    pub fn waiting_for_enrolment(config: BackofficeConfig) -> Startup {
        Startup { waiting: Mutex::new(Some(Waiting { config, recovery: None })) }
    }

    pub fn waiting_for_recovery(config: BackofficeConfig, recovery: LedgerRecovery) -> Startup {
        Startup { waiting: Mutex::new(Some(Waiting { config, recovery: Some(recovery) })) }
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
    ovo_app::request_recovery(&config.data_dir, &input.name, now).await?;
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
