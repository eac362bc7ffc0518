//! One-line adapters from IPC into `ovo_app::Backoffice`.

use ovo_app::ipc::*;
use ovo_app::AppError;
use tauri::State;

use crate::Shell;

type Reply<T> = Result<T, AppError>;

#[tauri::command]
pub async fn app_info(shell: State<'_, Shell>) -> Reply<AppInfo> {
    shell.journal.record(
        "app_info",
        shell.app.app_info(sys_locale::get_locale().unwrap_or_else(|| "en".into())).await,
    )
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
pub async fn set_up_first_admin(
    shell: State<'_, Shell>,
    input: FirstAdminInput,
) -> Reply<SessionStatus> {
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
pub async fn create_operator(
    shell: State<'_, Shell>,
    input: NewOperatorInput,
) -> Reply<OperatorView> {
    shell.journal.record("create_operator", shell.app.create_operator(input).await)
}

#[tauri::command]
pub async fn change_operator_role(
    shell: State<'_, Shell>,
    input: ChangeRoleInput,
) -> Reply<OperatorView> {
    shell.journal.record("change_operator_role", shell.app.change_operator_role(input).await)
}

#[tauri::command]
pub async fn set_operator_disabled(
    shell: State<'_, Shell>,
    input: SetDisabledInput,
) -> Reply<OperatorView> {
    shell.journal.record("set_operator_disabled", shell.app.set_operator_disabled(input).await)
}

#[tauri::command]
pub async fn list_credentials(
    shell: State<'_, Shell>,
    input: CredentialsQuery,
) -> Reply<Vec<ProductCredentials>> {
    shell.journal.record("list_credentials", shell.app.list_credentials(input).await)
}

#[tauri::command]
pub async fn set_credential(
    shell: State<'_, Shell>,
    input: SetCredentialInput,
) -> Reply<CredentialField> {
    shell.journal.record("set_credential", shell.app.set_credential(input).await)
}

#[tauri::command]
pub async fn delete_credential(
    shell: State<'_, Shell>,
    input: CredentialRef,
) -> Reply<CredentialField> {
    shell.journal.record("delete_credential", shell.app.delete_credential(input).await)
}

#[tauri::command]
pub async fn test_connection(
    shell: State<'_, Shell>,
    input: ConnectionTestInput,
) -> Reply<ConnectionTestResult> {
    shell.journal.record("test_connection", shell.app.test_connection(input).await)
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
pub async fn set_environment(
    shell: State<'_, Shell>,
    input: EnvironmentInput,
) -> Reply<Preferences> {
    shell.journal.record("set_environment", shell.app.set_environment(input).await)
}

#[tauri::command]
pub async fn search_customers(shell: State<'_, Shell>, input: SearchInput) -> Reply<SearchResult> {
    shell.journal.record("search_customers", shell.app.search_customers(input).await)
}

#[tauri::command]
pub async fn customer_page(shell: State<'_, Shell>, input: CustomerRef) -> Reply<CustomerPage> {
    shell.journal.record("customer_page", shell.app.customer_page(input).await)
}

#[tauri::command]
pub async fn start_link(
    shell: State<'_, Shell>,
    input: StartLinkInput,
) -> Reply<LinkedAccountView> {
    shell.journal.record("start_link", shell.app.start_link(input).await)
}

#[tauri::command]
pub async fn retry_link(shell: State<'_, Shell>, input: AccountRef) -> Reply<LinkedAccountView> {
    shell.journal.record("retry_link", shell.app.retry_link(input).await)
}

#[tauri::command]
pub async fn refresh_link(shell: State<'_, Shell>, input: AccountRef) -> Reply<LinkedAccountView> {
    shell.journal.record("refresh_link", shell.app.refresh_link(input).await)
}

#[tauri::command]
pub async fn unlink_account(shell: State<'_, Shell>, input: AccountRef) -> Reply<UnlinkResult> {
    shell.journal.record("unlink_account", shell.app.unlink_account(input).await)
}

#[tauri::command]
pub async fn refresh_balance(
    shell: State<'_, Shell>,
    input: AccountRef,
) -> Reply<LinkedAccountView> {
    shell.journal.record("refresh_balance", shell.app.refresh_balance(input).await)
}

#[tauri::command]
pub async fn account_history(shell: State<'_, Shell>, input: HistoryInput) -> Reply<HistoryView> {
    shell.journal.record("account_history", shell.app.account_history(input).await)
}

#[tauri::command]
pub async fn top_up_instructions(shell: State<'_, Shell>, input: TopUpInput) -> Reply<TopUpView> {
    shell.journal.record("top_up_instructions", shell.app.top_up_instructions(input).await)
}

#[tauri::command]
pub async fn open_external(shell: State<'_, Shell>, input: ExternalUrl) -> Reply<()> {
    shell.journal.record("open_external", shell.app.open_external(input).await)
}

#[tauri::command]
pub async fn preview_refund(
    shell: State<'_, Shell>,
    input: RefundPreviewInput,
) -> Reply<RefundPreview> {
    shell.journal.record("preview_refund", shell.app.preview_refund(input).await)
}

#[tauri::command]
pub async fn request_refund(
    shell: State<'_, Shell>,
    input: RequestRefundInput,
) -> Reply<RefundView> {
    shell.journal.record("request_refund", shell.app.request_refund(input).await)
}

#[tauri::command]
pub async fn decide_refund(shell: State<'_, Shell>, input: DecideRefundInput) -> Reply<RefundView> {
    shell.journal.record("decide_refund", shell.app.decide_refund(input).await)
}

#[tauri::command]
pub async fn record_offline_transfer(
    shell: State<'_, Shell>,
    input: RecordTransferInput,
) -> Reply<RefundView> {
    shell.journal.record("record_offline_transfer", shell.app.record_offline_transfer(input).await)
}

#[tauri::command]
pub async fn open_refund_evidence(shell: State<'_, Shell>, input: RefundRef) -> Reply<()> {
    shell.journal.record("open_refund_evidence", shell.app.open_refund_evidence(input).await)
}

#[tauri::command]
pub async fn resolve_refund_by_hand(
    shell: State<'_, Shell>,
    input: ResolveByHandInput,
) -> Reply<RefundView> {
    shell.journal.record("resolve_refund_by_hand", shell.app.resolve_refund_by_hand(input).await)
}

#[tauri::command]
pub async fn resolve_payment_by_hand(
    shell: State<'_, Shell>,
    input: ResolveByHandInput,
) -> Reply<PaymentDetailView> {
    shell.journal.record("resolve_payment_by_hand", shell.app.resolve_payment_by_hand(input).await)
}

#[tauri::command]
pub async fn refund_page(shell: State<'_, Shell>, input: RefundRef) -> Reply<RefundView> {
    shell.journal.record("refund_page", shell.app.refund_page(input).await)
}

#[tauri::command]
pub async fn refund_queue(
    shell: State<'_, Shell>,
    input: RefundQueueQuery,
) -> Reply<RefundQueuePage> {
    shell.journal.record("refund_queue", shell.app.refund_queue(input).await)
}

#[tauri::command]
pub async fn list_refund_policies(shell: State<'_, Shell>) -> Reply<Vec<RefundPolicyView>> {
    shell.journal.record("list_refund_policies", shell.app.list_refund_policies().await)
}

#[tauri::command]
pub async fn set_refund_policy(
    shell: State<'_, Shell>,
    input: SetRefundPolicyInput,
) -> Reply<RefundPolicyView> {
    shell.journal.record("set_refund_policy", shell.app.set_refund_policy(input).await)
}

#[tauri::command]
pub async fn reset_refund_policy(
    shell: State<'_, Shell>,
    input: ProductRef,
) -> Reply<RefundPolicyView> {
    shell.journal.record("reset_refund_policy", shell.app.reset_refund_policy(input).await)
}

#[tauri::command]
pub async fn list_provider_settings(
    shell: State<'_, Shell>,
    input: ProviderSettingsQuery,
) -> Reply<Vec<ProductProviderSettings>> {
    shell.journal.record("list_provider_settings", shell.app.list_provider_settings(input).await)
}

#[tauri::command]
pub async fn save_provider_settings(
    shell: State<'_, Shell>,
    input: SaveProviderSettingsInput,
) -> Reply<ProductProviderSettings> {
    shell.journal.record("save_provider_settings", shell.app.save_provider_settings(input).await)
}

#[tauri::command]
pub async fn reset_provider_settings(
    shell: State<'_, Shell>,
    input: ProviderSettingsRef,
) -> Reply<ProductProviderSettings> {
    shell.journal.record("reset_provider_settings", shell.app.reset_provider_settings(input).await)
}

#[tauri::command]
pub async fn payment_options(shell: State<'_, Shell>) -> Reply<Vec<PaymentProductOptions>> {
    shell.journal.record("payment_options", shell.app.payment_options().await)
}

#[tauri::command]
pub async fn start_payment(
    shell: State<'_, Shell>,
    input: StartPaymentInput,
) -> Reply<PaymentDetailView> {
    shell.journal.record("start_payment", shell.app.start_payment(input).await)
}

#[tauri::command]
pub async fn payments_page(shell: State<'_, Shell>, input: PaymentQuery) -> Reply<PaymentListPage> {
    shell.journal.record("payments_page", shell.app.payments_page(input).await)
}

#[tauri::command]
pub async fn payment_page(shell: State<'_, Shell>, input: PaymentRef) -> Reply<PaymentDetailView> {
    shell.journal.record("payment_page", shell.app.payment_page(input).await)
}

#[tauri::command]
pub async fn request_payment_again(
    shell: State<'_, Shell>,
    input: PaymentRef,
) -> Reply<PaymentDetailView> {
    shell.journal.record("request_payment_again", shell.app.request_payment_again(input).await)
}

#[tauri::command]
pub async fn cancel_payment(
    shell: State<'_, Shell>,
    input: PaymentRef,
) -> Reply<PaymentDetailView> {
    shell.journal.record("cancel_payment", shell.app.cancel_payment(input).await)
}

#[tauri::command]
pub async fn refresh_payment(
    shell: State<'_, Shell>,
    input: PaymentRef,
) -> Reply<PaymentDetailView> {
    shell.journal.record("refresh_payment", shell.app.refresh_payment(input).await)
}

#[tauri::command]
pub async fn listener_settings(shell: State<'_, Shell>) -> Reply<ListenerSettings> {
    shell.journal.record("listener_settings", shell.app.listener_settings().await)
}

#[tauri::command]
pub async fn set_listener(
    shell: State<'_, Shell>,
    input: ListenerInput,
) -> Reply<ListenerSettings> {
    shell.journal.record("set_listener", shell.app.set_listener(input).await)
}

#[tauri::command]
pub async fn create_customer(
    shell: State<'_, Shell>,
    input: CustomerFields,
) -> Reply<CustomerDetails> {
    shell.journal.record("create_customer", shell.app.create_customer(input).await)
}

#[tauri::command]
pub async fn update_customer(
    shell: State<'_, Shell>,
    input: UpdateCustomerInput,
) -> Reply<CustomerDetails> {
    shell.journal.record("update_customer", shell.app.update_customer(input).await)
}

#[tauri::command]
pub async fn add_customer_note(
    shell: State<'_, Shell>,
    input: CustomerNoteInput,
) -> Reply<CustomerNoteView> {
    shell.journal.record("add_customer_note", shell.app.add_customer_note(input).await)
}

#[tauri::command]
pub async fn customer_timeline(
    shell: State<'_, Shell>,
    input: CustomerTimelineQuery,
) -> Reply<CustomerTimelinePage> {
    shell.journal.record("customer_timeline", shell.app.customer_timeline(input).await)
}

#[tauri::command]
pub async fn forget_customer(shell: State<'_, Shell>, input: CustomerRef) -> Reply<ForgetResult> {
    shell.journal.record("forget_customer", shell.app.forget_customer(input).await)
}

#[tauri::command]
pub async fn inspect_customer_import(
    shell: State<'_, Shell>,
    input: InspectImportInput,
) -> Reply<ImportInspection> {
    shell.journal.record("inspect_customer_import", shell.app.inspect_customer_import(input).await)
}

#[tauri::command]
pub async fn start_customer_import(
    shell: State<'_, Shell>,
    input: StartImportInput,
) -> Reply<ImportProgress> {
    shell.journal.record("start_customer_import", shell.app.start_customer_import(input).await)
}

#[tauri::command]
pub async fn customer_import_progress(
    shell: State<'_, Shell>,
    input: ImportJobRef,
) -> Reply<ImportProgress> {
    shell
        .journal
        .record("customer_import_progress", shell.app.customer_import_progress(input).await)
}

#[tauri::command]
pub async fn cancel_customer_import(
    shell: State<'_, Shell>,
    input: ImportJobRef,
) -> Reply<ImportProgress> {
    shell.journal.record("cancel_customer_import", shell.app.cancel_customer_import(input).await)
}

#[tauri::command]
pub async fn save_import_rejects(
    shell: State<'_, Shell>,
    input: SaveRejectsInput,
) -> Reply<SavedRejects> {
    shell.journal.record("save_import_rejects", shell.app.save_import_rejects(input).await)
}
