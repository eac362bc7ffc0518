// Generated from Rust (crates/ovo-app/src/ipc) by `cargo xtask gen-types`. Do not edit.

import type {
  AccountRef,
  AgeingReportView,
  AppInfo,
  AuditEntryView,
  AuditOperator,
  AuditQuery,
  AuditVerification,
  BackupKeepInput,
  BackupRef,
  ChangePasswordInput,
  ChangeRoleInput,
  ConnectionTestResult,
  CredentialField,
  CredentialRef,
  CustomerDetails,
  CustomerFields,
  CustomerNoteInput,
  CustomerNoteView,
  CustomerPage,
  CustomerRef,
  CustomerTimelineEntry,
  CustomerTimelineQuery,
  DashboardInput,
  DashboardView,
  DecideRefundInput,
  DeskEnrolmentView,
  EnrolDeskInput,
  EnrolmentRef,
  EnvironmentInput,
  ExportFileInput,
  ExportJobRef,
  ExportProgress,
  ExternalUrl,
  FirstAdminInput,
  ForgetResult,
  HistoryInput,
  HistoryView,
  IdleLockInput,
  ImportInspection,
  ImportJobRef,
  ImportProgress,
  InspectImportInput,
  LanguageInput,
  LedgerBackupView,
  LedgerBackups,
  LedgerChanges,
  LedgerChangesInput,
  LedgerInfo,
  LedgerMoved,
  LedgerUrlInput,
  LinkedAccountView,
  ListenerInput,
  ListenerSettings,
  NewDeskEnrolment,
  NewOperatorInput,
  OperatorView,
  Page,
  PaymentCursorView,
  PaymentDetailView,
  PaymentProductOptions,
  PaymentQuery,
  PaymentRef,
  PaymentRowView,
  Preferences,
  ProductCredentials,
  ProductInEnvironment,
  ProductProviderSettings,
  ProductRef,
  RecordTransferInput,
  RefundPolicyView,
  RefundPreview,
  RefundPreviewInput,
  RefundQueueQuery,
  RefundRef,
  RefundReportView,
  RefundView,
  RejectsFileInput,
  ReportRange,
  RequestRefundInput,
  ResetPasswordInput,
  ResolveByHandInput,
  ResolveExceptionInput,
  SaveProviderSettingsInput,
  SaveRejectsInput,
  SavedRejects,
  SearchInput,
  SearchResult,
  SessionStatus,
  SetCredentialInput,
  SetDisabledInput,
  SetRefundPolicyInput,
  SettlementBatchView,
  SettlementBatchesQuery,
  SettlementCheck,
  SettlementExceptionPage,
  SettlementExceptionView,
  SettlementExceptionsQuery,
  SettlementFileInput,
  SettlementLineView,
  SettlementLinesQuery,
  SharedLedgerCheck,
  SignInInput,
  StartExportInput,
  StartImportInput,
  StartLinkInput,
  StartPaymentInput,
  StartupState,
  TopUpInput,
  TopUpView,
  UnlinkResult,
  UnlockInput,
  UpdateCustomerInput,
  WaitingCountsView,
} from './types';

/** Sends one command; `input`, when given, travels as Tauri's `input` argument. */
export type Call = <T>(command: string, input?: unknown) => Promise<T>;

/** One method per back-end command. */
export function commands(call: Call) {
  return {
    sessionStatus: () => call<SessionStatus>('session_status'),
    touchSession: () => call<SessionStatus>('touch_session'),
    setUpFirstAdmin: (input: FirstAdminInput) => call<SessionStatus>('set_up_first_admin', input),
    signIn: (input: SignInInput) => call<SessionStatus>('sign_in', input),
    signOut: () => call<SessionStatus>('sign_out'),
    lockSession: () => call<SessionStatus>('lock_session'),
    unlockSession: (input: UnlockInput) => call<SessionStatus>('unlock_session', input),
    /** The signed-in operator's own password; open also while a one-time password must be replaced. */
    changePassword: (input: ChangePasswordInput) => call<SessionStatus>('change_password', input),
    listOperators: () => call<Array<OperatorView>>('list_operators'),
    createOperator: (input: NewOperatorInput) => call<OperatorView>('create_operator', input),
    changeOperatorRole: (input: ChangeRoleInput) => call<OperatorView>('change_operator_role', input),
    setOperatorDisabled: (input: SetDisabledInput) => call<OperatorView>('set_operator_disabled', input),
    /** A new one-time password for another operator, replaced at their next sign-in. */
    resetOperatorPassword: (input: ResetPasswordInput) => call<OperatorView>('reset_operator_password', input),
    listCredentials: (input: EnvironmentInput) => call<Array<ProductCredentials>>('list_credentials', input),
    setCredential: (input: SetCredentialInput) => call<CredentialField>('set_credential', input),
    deleteCredential: (input: CredentialRef) => call<CredentialField>('delete_credential', input),
    testConnection: (input: ProductInEnvironment) => call<ConnectionTestResult>('test_connection', input),
    listAudit: (input: AuditQuery) => call<Page<AuditEntryView, number>>('list_audit', input),
    /** Every operator by name, for the audit log's operator filter (finance and admin). */
    auditOperators: () => call<Array<AuditOperator>>('audit_operators'),
    verifyAudit: () => call<AuditVerification>('verify_audit'),
    getPreferences: () => call<Preferences>('get_preferences'),
    setLanguage: (input: LanguageInput) => call<Preferences>('set_language', input),
    setIdleLock: (input: IdleLockInput) => call<Preferences>('set_idle_lock', input),
    setEnvironment: (input: EnvironmentInput) => call<Preferences>('set_environment', input),
    searchCustomers: (input: SearchInput) => call<SearchResult>('search_customers', input),
    customerPage: (input: CustomerRef) => call<CustomerPage>('customer_page', input),
    /** The back end opens the provider's page in the system browser itself; the reply is `pending`. */
    startLink: (input: StartLinkInput) => call<LinkedAccountView>('start_link', input),
    /** A new linking for a failed or expired one; returns the new pending account. */
    retryLink: (input: AccountRef) => call<LinkedAccountView>('retry_link', input),
    /** Checks a pending linking: completes it when the provider says so, expires it when due. */
    refreshLink: (input: AccountRef) => call<LinkedAccountView>('refresh_link', input),
    unlinkAccount: (input: AccountRef) => call<UnlinkResult>('unlink_account', input),
    /** A provider failure is not a rejection: `balance.lastFailure` is set and the old figures are kept. */
    refreshBalance: (input: AccountRef) => call<LinkedAccountView>('refresh_balance', input),
    accountHistory: (input: HistoryInput) => call<HistoryView>('account_history', input),
    /** OVO SNAP's are the merchant's configured text in `language` (`configured` is true). */
    topUpInstructions: (input: TopUpInput) => call<TopUpView>('top_up_instructions', input),
    /** Opens an http(s) link in the system browser. */
    openExternal: (input: ExternalUrl) => call<null>('open_external', input),
    /** The rule in plain words, the refundable amount and, if refused, why. */
    previewRefund: (input: RefundPreviewInput) => call<RefundPreview>('preview_refund', input),
    /** A refusal by the rule is a `conflict` with reason `refund_*`. */
    requestRefund: (input: RequestRefundInput) => call<RefundView>('request_refund', input),
    decideRefund: (input: DecideRefundInput) => call<RefundView>('decide_refund', input),
    refundPage: (input: RefundRef) => call<RefundView>('refund_page', input),
    /** Finance records the merchant's own transfer of an offline refund (awaiting_transfer → settled_offline). */
    recordOfflineTransfer: (input: RecordTransferInput) => call<RefundView>('record_offline_transfer', input),
    /** Opens the transfer's evidence file with the system's viewer, after the back end checked its digest. */
    openRefundEvidence: (input: RefundRef) => call<null>('open_refund_evidence', input),
    /** Finance decides a needs_review refund by hand. */
    resolveRefundByHand: (input: ResolveByHandInput) => call<RefundView>('resolve_refund_by_hand', input),
    /** Finance decides a needs_review payment by hand. */
    resolvePaymentByHand: (input: ResolveByHandInput) => call<PaymentDetailView>('resolve_payment_by_hand', input),
    refundQueue: (input: RefundQueueQuery) => call<Page<RefundView, number>>('refund_queue', input),
    listRefundPolicies: () => call<Array<RefundPolicyView>>('list_refund_policies'),
    setRefundPolicy: (input: SetRefundPolicyInput) => call<RefundPolicyView>('set_refund_policy', input),
    resetRefundPolicy: (input: ProductRef) => call<RefundPolicyView>('reset_refund_policy', input),
    /** Provider sandbox or Production; the built-in environment's settings are fixed. */
    listProviderSettings: (input: EnvironmentInput) => call<Array<ProductProviderSettings>>('list_provider_settings', input),
    /** Checks every value and saves all or nothing; an empty value returns to the documented one. */
    saveProviderSettings: (input: SaveProviderSettingsInput) => call<ProductProviderSettings>('save_provider_settings', input),
    resetProviderSettings: (input: ProductInEnvironment) => call<ProductProviderSettings>('reset_provider_settings', input),
    /** What each product offers when taking a payment (kinds, sources). */
    paymentOptions: () => call<Array<PaymentProductOptions>>('payment_options'),
    /** Starts a payment; a redirect flow's provider page is opened in the system browser by the back end. */
    startPayment: (input: StartPaymentInput) => call<PaymentDetailView>('start_payment', input),
    /** One keyset page of the payment list, newest first. */
    paymentsPage: (input: PaymentQuery) => call<Page<PaymentRowView, PaymentCursorView>>('payments_page', input),
    paymentPage: (input: PaymentRef) => call<PaymentDetailView>('payment_page', input),
    /** Asks the provider for the payment's status, then returns the page. */
    refreshPayment: (input: PaymentRef) => call<PaymentDetailView>('refresh_payment', input),
    /** A new attempt on the same provider payment after the last one failed or expired. */
    requestPaymentAgain: (input: PaymentRef) => call<PaymentDetailView>('request_payment_again', input),
    cancelPayment: (input: PaymentRef) => call<PaymentDetailView>('cancel_payment', input),
    listenerSettings: () => call<ListenerSettings>('listener_settings'),
    setListener: (input: ListenerInput) => call<ListenerSettings>('set_listener', input),
    /** Staff and support; a duplicate phone or merchant customer ID is a `conflict` naming `existing`. */
    createCustomer: (input: CustomerFields) => call<CustomerDetails>('create_customer', input),
    updateCustomer: (input: UpdateCustomerInput) => call<CustomerDetails>('update_customer', input),
    addCustomerNote: (input: CustomerNoteInput) => call<CustomerNoteView>('add_customer_note', input),
    /** Linkings, payments, refunds and notes, newest first, one page at a time. */
    customerTimeline: (input: CustomerTimelineQuery) => call<Page<CustomerTimelineEntry, string>>('customer_timeline', input),
    /** Admin only: deleted without payments, else anonymised. */
    forgetCustomer: (input: CustomerRef) => call<ForgetResult>('forget_customer', input),
    /** Reads the header and the first records only; nothing is written. */
    inspectCustomerImport: (input: InspectImportInput) => call<ImportInspection>('inspect_customer_import', input),
    /** Starts the import in the background; follow it with `customerImportProgress`. */
    startCustomerImport: (input: StartImportInput) => call<ImportProgress>('start_customer_import', input),
    customerImportProgress: (input: ImportJobRef) => call<ImportProgress>('customer_import_progress', input),
    cancelCustomerImport: (input: ImportJobRef) => call<ImportProgress>('cancel_customer_import', input),
    saveImportRejects: (input: SaveRejectsInput) => call<SavedRejects>('save_import_rejects', input),
    /** Writes a list, with its filters, to a CSV or XLSX file in the background; follow it with `exportProgress`. */
    startExport: (input: StartExportInput) => call<ExportProgress>('start_export', input),
    exportProgress: (input: ExportJobRef) => call<ExportProgress>('export_progress', input),
    /** Stops the export; the file is not written. */
    cancelExport: (input: ExportJobRef) => call<ExportProgress>('cancel_export', input),
    /** Reads a settlement file and matches it against the ledger; nothing is written (finance). */
    checkSettlementFile: (input: SettlementFileInput) => call<SettlementCheck>('check_settlement_file', input),
    /** Imports a settlement file whole, or nothing when any line has a problem (finance). */
    importSettlementFile: (input: SettlementFileInput) => call<SettlementCheck>('import_settlement_file', input),
    /** Imported settlement files, newest first. */
    settlementBatches: (input: SettlementBatchesQuery) => call<Array<SettlementBatchView>>('settlement_batches', input),
    /** One settlement file's lines as matched, in file order. */
    settlementLines: (input: SettlementLinesQuery) => call<Page<SettlementLineView, number>>('settlement_lines', input),
    settlementExceptions: (input: SettlementExceptionsQuery) => call<SettlementExceptionPage>('settlement_exceptions', input),
    /** Finance resolves an exception with a reason (audited). */
    resolveSettlementException: (input: ResolveExceptionInput) => call<SettlementExceptionView>('resolve_settlement_exception', input),
    /** Where this desk's ledger is (admin). */
    ledgerInfo: () => call<LedgerInfo>('ledger_info'),
    /** This desk's backups of its ledger file (admin). */
    ledgerBackups: () => call<LedgerBackups>('ledger_backups'),
    /** Takes and checks a backup now (admin). */
    backUpLedger: () => call<LedgerBackupView>('back_up_ledger'),
    /** How many backups are kept; older ones are removed at once (admin). */
    setBackupsKept: (input: BackupKeepInput) => call<LedgerBackups>('set_backups_kept', input),
    /** Replaces the ledger by a backup at the next start (admin); the UI then restarts the app. */
    restoreLedgerBackup: (input: BackupRef) => call<null>('restore_ledger_backup', input),
    /** A one-time code that enrols another desk in this shared ledger; shown once (admin). */
    createDeskEnrolment: () => call<NewDeskEnrolment>('create_desk_enrolment'),
    deskEnrolments: () => call<Array<DeskEnrolmentView>>('desk_enrolments'),
    withdrawDeskEnrolment: (input: EnrolmentRef) => call<DeskEnrolmentView>('withdraw_desk_enrolment', input),
    /** What is at a shared ledger's address: reachable, empty or holding a ledger (admin). */
    checkSharedLedger: (input: LedgerUrlInput) => call<SharedLedgerCheck>('check_shared_ledger', input),
    /** Copies this desk's ledger file into the empty shared ledger; the desk works there after a restart (admin). */
    moveToSharedLedger: (input: LedgerUrlInput) => call<LedgerMoved>('move_to_shared_ledger', input),
    /** This desk uses the shared ledger other desks use, from its next start, where it is enrolled (admin). */
    joinSharedLedger: (input: LedgerUrlInput) => call<SharedLedgerCheck>('join_shared_ledger', input),
    /** Waits up to 25 s for a change by any desk of a shared ledger; `live` is false on a file. */
    nextLedgerChange: (input: LedgerChangesInput) => call<LedgerChanges>('next_ledger_change', input),
    /** The current environment's payments and refunds for today, 7 or 30 WIB days (finance and admin). */
    dashboard: (input: DashboardInput) => call<DashboardView>('dashboard', input),
    /** What waits for the signed-in role: the navigation's counts. */
    waitingCounts: () => call<WaitingCountsView>('waiting_counts'),
    /** Refunds by requester, approver and reason over a WIB date range (finance and admin). */
    refundReport: (input: ReportRange) => call<RefundReportView>('refund_report', input),
    /** The open unknown and needs-review payments and refunds by age (finance and admin). */
    ageingReport: () => call<AgeingReportView>('ageing_report'),
    /** The built-in sandbox's address, started if it is not running; null in another environment. */
    sandboxUrl: () => call<string | null>('sandbox_url'),
    /** The version, environment and OS locale (read by the shell), and the built-in demo. */
    appInfo: () => call<AppInfo>('app_info'),
    /** The platform's open dialog (opened by the shell); null when the operator cancels. */
    chooseImportFile: () => call<string | null>('choose_import_file'),
    /** The platform's save dialog (opened by the shell); null when the operator cancels. */
    chooseRejectsFile: (input: RejectsFileInput) => call<string | null>('choose_rejects_file', input),
    /** The platform's open dialog for a settlement file (CSV or XLSX); null when the operator cancels. */
    chooseSettlementFile: () => call<string | null>('choose_settlement_file'),
    /** The platform's save dialog for an export (opened by the shell); null when the operator cancels. */
    chooseExportFile: (input: ExportFileInput) => call<string | null>('choose_export_file', input),
    /** Starts the app again (after this desk was moved to another ledger). */
    restartApp: () => call<null>('restart_app'),
    /** Does nothing: the IPC round trip alone (`cargo xtask bench app`). */
    ping: () => call<null>('ping'),
    /** Whether this desk must be enrolled in its shared ledger before the back office opens. */
    startupState: () => call<StartupState>('startup_state'),
    /** Enrols this desk with an admin's one-time code, then opens the back office. */
    enrolDesk: (input: EnrolDeskInput) => call<StartupState>('enrol_desk', input),
    /** Replaces a damaged ledger file by a backup, then opens the back office. */
    recoverLedger: (input: BackupRef) => call<StartupState>('recover_ledger', input),
  };
}

export type Commands = ReturnType<typeof commands>;
