//! One-line adapters from IPC into `ovo_app::Backoffice`.

use ovo_app::ipc::*;
use ovo_app::AppError;
use tauri::State;

use crate::Shell;

type Reply<T> = Result<T, AppError>;

#[tauri::command]
pub async fn app_info(shell: State<'_, Shell>) -> Reply<AppInfo> {
    shell.journal.record("app_info", shell.app.app_info(sys_locale::get_locale().unwrap_or_else(|| "en".into())).await)
}

#[tauri::command]
pub async fn session_status(shell: State<'_, Shell>) -> Reply<SessionStatus> {
    shell.journal.record("session_status", shell.app.session_status().await)
}

#[tauri::command]
pub async fn touch_session(shell: State<'_, Shell>) -> Reply<SessionStatus> {
    shell.journal.record("touch_session", shell.app.touch_session().await)
}

#[tauri::command]
pub async fn set_up_first_admin(shell: State<'_, Shell>, input: FirstAdminInput) -> Reply<SessionStatus> {
    shell.journal.record("set_up_first_admin", shell.app.set_up_first_admin(input).await)
}

#[tauri::command]
pub async fn sign_in(shell: State<'_, Shell>, input: SignInInput) -> Reply<SessionStatus> {
    shell.journal.record("sign_in", shell.app.sign_in(input).await)
}

#[tauri::command]
pub async fn sign_out(shell: State<'_, Shell>) -> Reply<SessionStatus> {
    shell.journal.record("sign_out", shell.app.sign_out().await)
}

#[tauri::command]
pub async fn lock_session(shell: State<'_, Shell>) -> Reply<SessionStatus> {
    shell.journal.record("lock_session", shell.app.lock_session().await)
}

#[tauri::command]
pub async fn unlock_session(shell: State<'_, Shell>, input: UnlockInput) -> Reply<SessionStatus> {
    shell.journal.record("unlock_session", shell.app.unlock_session(input).await)
}

#[tauri::command]
pub async fn list_operators(shell: State<'_, Shell>) -> Reply<Vec<OperatorView>> {
    shell.journal.record("list_operators", shell.app.list_operators().await)
}

#[tauri::command]
pub async fn create_operator(shell: State<'_, Shell>, input: NewOperatorInput) -> Reply<OperatorView> {
    shell.journal.record("create_operator", shell.app.create_operator(input).await)
}

#[tauri::command]
pub async fn change_operator_role(shell: State<'_, Shell>, input: ChangeRoleInput) -> Reply<OperatorView> {
    shell.journal.record("change_operator_role", shell.app.change_operator_role(input).await)
}

#[tauri::command]
pub async fn set_operator_disabled(shell: State<'_, Shell>, input: SetDisabledInput) -> Reply<OperatorView> {
    shell.journal.record("set_operator_disabled", shell.app.set_operator_disabled(input).await)
}

#[tauri::command]
pub async fn list_credentials(shell: State<'_, Shell>, input: CredentialsQuery) -> Reply<Vec<ProductCredentials>> {
    shell.journal.record("list_credentials", shell.app.list_credentials(input).await)
}

#[tauri::command]
pub async fn set_credential(shell: State<'_, Shell>, input: SetCredentialInput) -> Reply<CredentialField> {
    shell.journal.record("set_credential", shell.app.set_credential(input).await)
}

#[tauri::command]
pub async fn delete_credential(shell: State<'_, Shell>, input: CredentialRef) -> Reply<CredentialField> {
    shell.journal.record("delete_credential", shell.app.delete_credential(input).await)
}

#[tauri::command]
pub async fn list_audit(shell: State<'_, Shell>, input: AuditQuery) -> Reply<AuditPage> {
    shell.journal.record("list_audit", shell.app.list_audit(input).await)
}

#[tauri::command]
pub async fn verify_audit(shell: State<'_, Shell>) -> Reply<AuditVerification> {
    shell.journal.record("verify_audit", shell.app.verify_audit().await)
}

#[tauri::command]
pub async fn get_preferences(shell: State<'_, Shell>) -> Reply<Preferences> {
    shell.journal.record("get_preferences", shell.app.get_preferences().await)
}

#[tauri::command]
pub async fn set_language(shell: State<'_, Shell>, input: LanguageInput) -> Reply<Preferences> {
    shell.journal.record("set_language", shell.app.set_language(input).await)
}

#[tauri::command]
pub async fn set_idle_lock(shell: State<'_, Shell>, input: IdleLockInput) -> Reply<Preferences> {
    shell.journal.record("set_idle_lock", shell.app.set_idle_lock(input).await)
}

#[tauri::command]
pub async fn set_environment(shell: State<'_, Shell>, input: EnvironmentInput) -> Reply<Preferences> {
    shell.journal.record("set_environment", shell.app.set_environment(input).await)
}
