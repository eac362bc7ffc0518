//! The platform's file dialogs, opened on the Rust side (the window may call no plugin): the
//! customer import's CSV file and where its rejects file goes. Each answers a path, or null
//! when the operator cancels.

use ovo_app::AppError;
use serde::Deserialize;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::{DialogExt, FilePath};

use crate::Shell;

type Reply<T> = Result<T, AppError>;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RejectsFileInput {
    pub suggested_name: String,
}

fn path_text(path: Option<FilePath>) -> Option<String> {
    path.and_then(|p| p.into_path().ok()).map(|p| p.display().to_string())
}

#[tauri::command]
pub async fn choose_import_file(app: AppHandle, shell: State<'_, Shell>) -> Reply<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().add_filter("CSV", &["csv", "txt"]).pick_file(move |path| {
        let _ = tx.send(path_text(path));
    });
    shell.journal.record("choose_import_file", Ok(rx.await.ok().flatten()))
}

#[tauri::command]
pub async fn choose_rejects_file(
    app: AppHandle,
    shell: State<'_, Shell>,
    input: RejectsFileInput,
) -> Reply<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("CSV", &["csv"])
        .set_file_name(input.suggested_name)
        .save_file(move |path| {
            let _ = tx.send(path_text(path));
        });
    shell.journal.record("choose_rejects_file", Ok(rx.await.ok().flatten()))
}
