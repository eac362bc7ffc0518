//! The commands the shell answers itself, since they need the OS: the OS locale for `app_info`,
//! and the platform's file dialogs, opened on the Rust side (the window may call no plugin), for
//! the customer import's CSV file, where its rejects file goes, a settlement file and where an export goes. A dialog answers a path, or
//! null when the operator cancels.
//!
//! WebDriver cannot drive a native dialog, so the end-to-end suite (and only it) sets
//! `OVO_E2E_IMPORT_FILE` / `OVO_E2E_REJECTS_FILE` / `OVO_E2E_SETTLEMENT_FILE` / `OVO_E2E_EXPORT_FILE`: the dialog is then not opened and that path is
//! the operator's choice. Everything after the choice (reading, importing, writing) is the real code.

use ovo_app::ipc::{AppInfo, ExportFileInput, RejectsFileInput};
use ovo_app::{AppError, Backoffice};
use tauri::AppHandle;
use tauri_plugin_dialog::{DialogExt, FilePath};

type Reply<T> = Result<T, AppError>;

const IMPORT_FILE_ENV: &str = "OVO_E2E_IMPORT_FILE";
const REJECTS_FILE_ENV: &str = "OVO_E2E_REJECTS_FILE";
const EXPORT_FILE_ENV: &str = "OVO_E2E_EXPORT_FILE";
const SETTLEMENT_FILE_ENV: &str = "OVO_E2E_SETTLEMENT_FILE";

pub async fn app_info(_app: &AppHandle, backoffice: &Backoffice) -> Reply<AppInfo> {
    backoffice.app_info(sys_locale::get_locale().unwrap_or_else(|| "en".into())).await
}

/// The end-to-end suite's stand-in for the operator's choice in the dialog.
fn chosen_by_test_harness(variable: &str) -> Option<String> {
    std::env::var(variable).ok().filter(|path| !path.trim().is_empty())
}

fn path_text(path: Option<FilePath>) -> Option<String> {
    path.and_then(|p| p.into_path().ok()).map(|p| p.display().to_string())
}

pub async fn choose_import_file(
    app: &AppHandle,
    _backoffice: &Backoffice,
) -> Reply<Option<String>> {
    if let Some(path) = chosen_by_test_harness(IMPORT_FILE_ENV) {
        return Ok(Some(path));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().add_filter("CSV", &["csv", "txt"]).pick_file(move |path| {
        let _ = tx.send(path_text(path));
    });
    Ok(rx.await.ok().flatten())
}

pub async fn choose_settlement_file(
    app: &AppHandle,
    _backoffice: &Backoffice,
) -> Reply<Option<String>> {
    if let Some(path) = chosen_by_test_harness(SETTLEMENT_FILE_ENV) {
        return Ok(Some(path));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().add_filter("CSV, XLSX", &["csv", "txt", "xlsx"]).pick_file(move |path| {
        let _ = tx.send(path_text(path));
    });
    Ok(rx.await.ok().flatten())
}

pub async fn choose_rejects_file(
    app: &AppHandle,
    _backoffice: &Backoffice,
    input: RejectsFileInput,
) -> Reply<Option<String>> {
    if let Some(path) = chosen_by_test_harness(REJECTS_FILE_ENV) {
        return Ok(Some(path));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().add_filter("CSV", &["csv"]).set_file_name(input.suggested_name).save_file(
        move |path| {
            let _ = tx.send(path_text(path));
        },
    );
    Ok(rx.await.ok().flatten())
}

pub async fn choose_export_file(
    app: &AppHandle,
    _backoffice: &Backoffice,
    input: ExportFileInput,
) -> Reply<Option<String>> {
    if let Some(path) = chosen_by_test_harness(EXPORT_FILE_ENV) {
        return Ok(Some(path));
    }
    let extension = input.format.extension();
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter(extension.to_uppercase(), &[extension])
        .set_file_name(input.suggested_name)
        .save_file(move |path| {
            let _ = tx.send(path_text(path));
        });
    Ok(rx.await.ok().flatten())
}

/// Starts the app again: after Settings → Ledger set another ledger, it opens that one.
pub async fn restart_app(app: &AppHandle, _backoffice: &Backoffice) -> Reply<()> {
    tracing::info!("restarting to open the ledger set in Settings → Ledger");
    app.restart()
}

pub async fn ping(_app: &AppHandle, _backoffice: &Backoffice) -> Reply<()> {
    Ok(())
}
