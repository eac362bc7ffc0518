//! Every IPC command, declared once: its name, input and reply. A `backoffice` command is answered
//! by the `Backoffice` method of the same name; a `shell` command by the desktop shell itself (it
//! needs the OS: a native dialog, the OS locale); a `startup` command by the shell before the
//! back office is open (a desk that must be enrolled in its shared ledger first). The shell builds its Tauri commands and handler
//! list from this list (`ipc_commands!`), and [`IPC_COMMANDS`] generates the rest: the UI's typed
//! client, the window's capability and the shell's ACL manifest.
//!
//! A new command is one line here and the `Backoffice` method it calls; `cargo xtask gen-types`
//! then writes the generated files. Doc comments go into the UI's client.

use serde::Deserialize;
use ts_rs::{Config, TS};

use super::*;

/// Hands the command list to `$then!`, a macro that turns it into code.
#[macro_export]
macro_rules! ipc_commands {
    ($then:ident) => {
        $then! {
            backoffice {
                session_status() -> SessionStatus;
                touch_session() -> SessionStatus;
                set_up_first_admin(FirstAdminInput) -> SessionStatus;
                sign_in(SignInInput) -> SessionStatus;
                sign_out() -> SessionStatus;
                lock_session() -> SessionStatus;
                unlock_session(UnlockInput) -> SessionStatus;
                /// The signed-in operator's own password; open also while a one-time password must be replaced.
                change_password(ChangePasswordInput) -> SessionStatus;
                list_operators() -> Vec<OperatorView>;
                create_operator(NewOperatorInput) -> OperatorView;
                change_operator_role(ChangeRoleInput) -> OperatorView;
                set_operator_disabled(SetDisabledInput) -> OperatorView;
                /// A new one-time password for another operator, replaced at their next sign-in.
                reset_operator_password(ResetPasswordInput) -> OperatorView;
                list_credentials(EnvironmentInput) -> Vec<ProductCredentials>;
                set_credential(SetCredentialInput) -> CredentialField;
                delete_credential(CredentialRef) -> CredentialField;
                test_connection(ProductInEnvironment) -> ConnectionTestResult;
                list_audit(AuditQuery) -> AuditPage;
                /// Every operator by name, for the audit log's operator filter (finance and admin).
                audit_operators() -> Vec<AuditOperator>;
                verify_audit() -> AuditVerification;
                get_preferences() -> Preferences;
                set_language(LanguageInput) -> Preferences;
                set_idle_lock(IdleLockInput) -> Preferences;
                set_environment(EnvironmentInput) -> Preferences;
                search_customers(SearchInput) -> SearchResult;
                customer_page(CustomerRef) -> CustomerPage;
                /// The back end opens the provider's page in the system browser itself; the reply is `pending`.
                start_link(StartLinkInput) -> LinkedAccountView;
                /// A new linking for a failed or expired one; returns the new pending account.
                retry_link(AccountRef) -> LinkedAccountView;
                /// Checks a pending linking: completes it when the provider says so, expires it when due.
                refresh_link(AccountRef) -> LinkedAccountView;
                unlink_account(AccountRef) -> UnlinkResult;
                /// A provider failure is not a rejection: `balance.lastFailure` is set and the old figures are kept.
                refresh_balance(AccountRef) -> LinkedAccountView;
                account_history(HistoryInput) -> HistoryView;
                /// OVO SNAP's are the merchant's configured text in `language` (`configured` is true).
                top_up_instructions(TopUpInput) -> TopUpView;
                /// Opens an http(s) link in the system browser.
                open_external(ExternalUrl) -> ();
                /// The rule in plain words, the refundable amount and, if refused, why.
                preview_refund(RefundPreviewInput) -> RefundPreview;
                /// A refusal by the rule is a `conflict` with reason `refund_*`.
                request_refund(RequestRefundInput) -> RefundView;
                decide_refund(DecideRefundInput) -> RefundView;
                refund_page(RefundRef) -> RefundView;
                /// Finance records the merchant's own transfer of an offline refund (awaiting_transfer → settled_offline).
                record_offline_transfer(RecordTransferInput) -> RefundView;
                /// Opens the transfer's evidence file with the system's viewer, after the back end checked its digest.
                open_refund_evidence(RefundRef) -> ();
                /// Finance decides a needs_review refund by hand.
                resolve_refund_by_hand(ResolveByHandInput) -> RefundView;
                /// Finance decides a needs_review payment by hand.
                resolve_payment_by_hand(ResolveByHandInput) -> PaymentDetailView;
                refund_queue(RefundQueueQuery) -> RefundQueuePage;
                list_refund_policies() -> Vec<RefundPolicyView>;
                set_refund_policy(SetRefundPolicyInput) -> RefundPolicyView;
                reset_refund_policy(ProductRef) -> RefundPolicyView;
                /// Provider sandbox or Production; the built-in environment's settings are fixed.
                list_provider_settings(EnvironmentInput) -> Vec<ProductProviderSettings>;
                /// Checks every value and saves all or nothing; an empty value returns to the documented one.
                save_provider_settings(SaveProviderSettingsInput) -> ProductProviderSettings;
                reset_provider_settings(ProductInEnvironment) -> ProductProviderSettings;
                /// What each product offers when taking a payment (kinds, sources).
                payment_options() -> Vec<PaymentProductOptions>;
                /// Starts a payment; a redirect flow's provider page is opened in the system browser by the back end.
                start_payment(StartPaymentInput) -> PaymentDetailView;
                /// One keyset page of the payment list, newest first.
                payments_page(PaymentQuery) -> PaymentListPage;
                payment_page(PaymentRef) -> PaymentDetailView;
                /// Asks the provider for the payment's status, then returns the page.
                refresh_payment(PaymentRef) -> PaymentDetailView;
                /// A new attempt on the same provider payment after the last one failed or expired.
                request_payment_again(PaymentRef) -> PaymentDetailView;
                cancel_payment(PaymentRef) -> PaymentDetailView;
                listener_settings() -> ListenerSettings;
                set_listener(ListenerInput) -> ListenerSettings;
                /// Staff and support; a duplicate phone or merchant customer ID is a `conflict` naming `existing`.
                create_customer(CustomerFields) -> CustomerDetails;
                update_customer(UpdateCustomerInput) -> CustomerDetails;
                add_customer_note(CustomerNoteInput) -> CustomerNoteView;
                /// Linkings, payments, refunds and notes, newest first, one page at a time.
                customer_timeline(CustomerTimelineQuery) -> CustomerTimelinePage;
                /// Admin only: deleted without payments, else anonymised.
                forget_customer(CustomerRef) -> ForgetResult;
                /// Reads the header and the first records only; nothing is written.
                inspect_customer_import(InspectImportInput) -> ImportInspection;
                /// Starts the import in the background; follow it with `customerImportProgress`.
                start_customer_import(StartImportInput) -> ImportProgress;
                customer_import_progress(ImportJobRef) -> ImportProgress;
                cancel_customer_import(ImportJobRef) -> ImportProgress;
                save_import_rejects(SaveRejectsInput) -> SavedRejects;
                /// Writes a list, with its filters, to a CSV or XLSX file in the background; follow it with `exportProgress`.
                start_export(StartExportInput) -> ExportProgress;
                export_progress(ExportJobRef) -> ExportProgress;
                /// Stops the export; the file is not written.
                cancel_export(ExportJobRef) -> ExportProgress;
                /// Reads a settlement file and matches it against the ledger; nothing is written (finance).
                check_settlement_file(SettlementFileInput) -> SettlementCheck;
                /// Imports a settlement file whole, or nothing when any line has a problem (finance).
                import_settlement_file(SettlementFileInput) -> SettlementCheck;
                /// Imported settlement files, newest first.
                settlement_batches(SettlementBatchesQuery) -> Vec<SettlementBatchView>;
                /// One settlement file's lines as matched, in file order.
                settlement_lines(SettlementLinesQuery) -> Page<SettlementLineView, i64>;
                settlement_exceptions(SettlementExceptionsQuery) -> SettlementExceptionPage;
                /// Finance resolves an exception with a reason (audited).
                resolve_settlement_exception(ResolveExceptionInput) -> SettlementExceptionView;
                /// Where this desk's ledger is (admin).
                ledger_info() -> LedgerInfo;
                /// This desk's backups of its ledger file (admin).
                ledger_backups() -> LedgerBackups;
                /// Takes and checks a backup now (admin).
                back_up_ledger() -> LedgerBackupView;
                /// How many backups are kept; older ones are removed at once (admin).
                set_backups_kept(BackupKeepInput) -> LedgerBackups;
                /// Replaces the ledger by a backup at the next start (admin); the UI then restarts the app.
                restore_ledger_backup(BackupRef) -> ();
                /// A one-time code that enrols another desk in this shared ledger; shown once (admin).
                create_desk_enrolment() -> NewDeskEnrolment;
                desk_enrolments() -> Vec<DeskEnrolmentView>;
                withdraw_desk_enrolment(EnrolmentRef) -> DeskEnrolmentView;
                /// What is at a shared ledger's address: reachable, empty or holding a ledger (admin).
                check_shared_ledger(LedgerUrlInput) -> SharedLedgerCheck;
                /// Copies this desk's ledger file into the empty shared ledger; the desk works there after a restart (admin).
                move_to_shared_ledger(LedgerUrlInput) -> LedgerMoved;
                /// This desk uses the shared ledger other desks use, from its next start, where it is enrolled (admin).
                join_shared_ledger(LedgerUrlInput) -> SharedLedgerCheck;
                /// Waits up to 25 s for a change by any desk of a shared ledger; `live` is false on a file.
                next_ledger_change(LedgerChangesInput) -> LedgerChanges;
                /// The current environment's payments and refunds for today, 7 or 30 WIB days (finance and admin).
                dashboard(DashboardInput) -> DashboardView;
                /// What waits for the signed-in role: the navigation's counts.
                waiting_counts() -> WaitingCountsView;
                /// Refunds by requester, approver and reason over a WIB date range (finance and admin).
                refund_report(ReportRange) -> RefundReportView;
                /// The open unknown and needs-review payments and refunds by age (finance and admin).
                ageing_report() -> AgeingReportView;
                /// The built-in sandbox's address, started if it is not running; null in another environment.
                sandbox_url() -> Option<String>;
            }
            shell {
                /// The version, environment and OS locale (read by the shell), and the built-in demo.
                app_info() -> AppInfo;
                /// The platform's open dialog (opened by the shell); null when the operator cancels.
                choose_import_file() -> Option<String>;
                /// The platform's save dialog (opened by the shell); null when the operator cancels.
                choose_rejects_file(RejectsFileInput) -> Option<String>;
                /// The platform's open dialog for a settlement file (CSV or XLSX); null when the operator cancels.
                choose_settlement_file() -> Option<String>;
                /// The platform's save dialog for an export (opened by the shell); null when the operator cancels.
                choose_export_file(ExportFileInput) -> Option<String>;
                /// Starts the app again (after this desk was moved to another ledger).
                restart_app() -> ();
                /// Does nothing: the IPC round trip alone (`cargo xtask bench app`).
                ping() -> ();
            }
            startup {
                /// Whether this desk must be enrolled in its shared ledger before the back office opens.
                startup_state() -> StartupState;
                /// Enrols this desk with an admin's one-time code, then opens the back office.
                enrol_desk(EnrolDeskInput) -> StartupState;
                /// Replaces a damaged ledger file by a backup, then opens the back office.
                recover_ledger(BackupRef) -> StartupState;
            }
        }
    };
}

/// The input of `choose_rejects_file`: the name the save dialog suggests.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RejectsFileInput {
    pub suggested_name: String,
}

/// A type's TypeScript name.
pub type TsName = fn(&Config) -> String;

/// Who answers a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnsweredBy {
    /// The `Backoffice` method of the same name.
    Backoffice,
    /// The desktop shell (it needs the OS).
    Shell,
    /// The desktop shell, before the back office is open.
    Startup,
}

/// One command as the generators see it.
#[derive(Debug, Clone, Copy)]
pub struct IpcCommand {
    pub name: &'static str,
    /// The declaration's doc comment, one entry per line.
    pub doc: &'static [&'static str],
    /// The type the UI passes as `input`; `None` for a command without input.
    pub input: Option<TsName>,
    pub output: TsName,
    pub answered_by: AnsweredBy,
}

macro_rules! ts_name {
    () => {
        None
    };
    ($ty:ty) => {
        Some(<$ty as TS>::name as TsName)
    };
}

macro_rules! command_entry {
    ($name:ident, [$($doc:literal),*], ($($input:ty)?), $output:ty, $answered_by:ident) => {
        IpcCommand {
            name: stringify!($name),
            doc: &[$($doc),*],
            input: ts_name!($($input)?),
            output: <$output as TS>::name,
            answered_by: AnsweredBy::$answered_by,
        }
    };
}

macro_rules! command_table {
    (
        backoffice { $( $(#[doc = $doc:literal])* $name:ident ( $($input:ty)? ) -> $output:ty; )* }
        shell { $( $(#[doc = $sdoc:literal])* $sname:ident ( $($sinput:ty)? ) -> $soutput:ty; )* }
        startup { $( $(#[doc = $udoc:literal])* $uname:ident ( $($uinput:ty)? ) -> $uoutput:ty; )* }
    ) => {
        /// Every IPC command, in declaration order.
        pub const IPC_COMMANDS: &[IpcCommand] = &[
            $(command_entry!($name, [$($doc),*], ($($input)?), $output, Backoffice),)*
            $(command_entry!($sname, [$($sdoc),*], ($($sinput)?), $soutput, Shell),)*
            $(command_entry!($uname, [$($udoc),*], ($($uinput)?), $uoutput, Startup),)*
        ];
    };
}

ipc_commands!(command_table);
