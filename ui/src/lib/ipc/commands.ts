// Generated from Rust (crates/ovo-app/src/ipc) by `cargo xtask gen-types`. Do not edit.

import type {
  AccountRef,
  AppInfo,
  AuditPage,
  AuditQuery,
  AuditVerification,
  ChangeRoleInput,
  ConnectionTestInput,
  ConnectionTestResult,
  CredentialField,
  CredentialRef,
  CredentialsQuery,
  CustomerDetails,
  CustomerFields,
  CustomerNoteInput,
  CustomerNoteView,
  CustomerPage,
  CustomerRef,
  CustomerTimelinePage,
  CustomerTimelineQuery,
  DecideRefundInput,
  EnvironmentInput,
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
  LinkedAccountView,
  ListenerInput,
  ListenerSettings,
  NewOperatorInput,
  OperatorView,
  PaymentDetailView,
  PaymentListPage,
  PaymentProductOptions,
  PaymentQuery,
  PaymentRef,
  Preferences,
  ProductCredentials,
  ProductProviderSettings,
  ProductRef,
  ProviderSettingsQuery,
  ProviderSettingsRef,
  RecordTransferInput,
  RefundPolicyView,
  RefundPreview,
  RefundPreviewInput,
  RefundQueuePage,
  RefundQueueQuery,
  RefundRef,
  RefundView,
  RejectsFileInput,
  RequestRefundInput,
  ResolveByHandInput,
  SaveProviderSettingsInput,
  SaveRejectsInput,
  SavedRejects,
  SearchInput,
  SearchResult,
  SessionStatus,
  SetCredentialInput,
  SetDisabledInput,
  SetRefundPolicyInput,
  SignInInput,
  StartImportInput,
  StartLinkInput,
  StartPaymentInput,
  TopUpInput,
  TopUpView,
  UnlinkResult,
  UnlockInput,
  UpdateCustomerInput,
} from './types';

/** Sends one command; `input`, when given, travels as Tauri's `input` argument. */
export type Call = <T>(command: string, input?: unknown) => Promise<T>;

/** One method per back-end command. */
export interface Commands {
  sessionStatus(): Promise<SessionStatus>;
  touchSession(): Promise<SessionStatus>;
  setUpFirstAdmin(input: FirstAdminInput): Promise<SessionStatus>;
  signIn(input: SignInInput): Promise<SessionStatus>;
  signOut(): Promise<SessionStatus>;
  lockSession(): Promise<SessionStatus>;
  unlockSession(input: UnlockInput): Promise<SessionStatus>;
  listOperators(): Promise<Array<OperatorView>>;
  createOperator(input: NewOperatorInput): Promise<OperatorView>;
  changeOperatorRole(input: ChangeRoleInput): Promise<OperatorView>;
  setOperatorDisabled(input: SetDisabledInput): Promise<OperatorView>;
  listCredentials(input: CredentialsQuery): Promise<Array<ProductCredentials>>;
  setCredential(input: SetCredentialInput): Promise<CredentialField>;
  deleteCredential(input: CredentialRef): Promise<CredentialField>;
  testConnection(input: ConnectionTestInput): Promise<ConnectionTestResult>;
  listAudit(input: AuditQuery): Promise<AuditPage>;
  verifyAudit(): Promise<AuditVerification>;
  getPreferences(): Promise<Preferences>;
  setLanguage(input: LanguageInput): Promise<Preferences>;
  setIdleLock(input: IdleLockInput): Promise<Preferences>;
  setEnvironment(input: EnvironmentInput): Promise<Preferences>;
  searchCustomers(input: SearchInput): Promise<SearchResult>;
  customerPage(input: CustomerRef): Promise<CustomerPage>;
  /** The back end opens the provider's page in the system browser itself; the reply is `pending`. */
  startLink(input: StartLinkInput): Promise<LinkedAccountView>;
  /** A new linking for a failed or expired one; returns the new pending account. */
  retryLink(input: AccountRef): Promise<LinkedAccountView>;
  /** Checks a pending linking: completes it when the provider says so, expires it when due. */
  refreshLink(input: AccountRef): Promise<LinkedAccountView>;
  unlinkAccount(input: AccountRef): Promise<UnlinkResult>;
  /** A provider failure is not a rejection: `balance.lastFailure` is set and the old figures are kept. */
  refreshBalance(input: AccountRef): Promise<LinkedAccountView>;
  accountHistory(input: HistoryInput): Promise<HistoryView>;
  /** OVO SNAP's are the merchant's configured text in `language` (`configured` is true). */
  topUpInstructions(input: TopUpInput): Promise<TopUpView>;
  /** Opens an http(s) link in the system browser. */
  openExternal(input: ExternalUrl): Promise<null>;
  /** The rule in plain words, the refundable amount and, if refused, why. */
  previewRefund(input: RefundPreviewInput): Promise<RefundPreview>;
  /** A refusal by the rule is a `conflict` with reason `refund_*`. */
  requestRefund(input: RequestRefundInput): Promise<RefundView>;
  decideRefund(input: DecideRefundInput): Promise<RefundView>;
  refundPage(input: RefundRef): Promise<RefundView>;
  /** Finance records the merchant's own transfer of an offline refund (awaiting_transfer → settled_offline). */
  recordOfflineTransfer(input: RecordTransferInput): Promise<RefundView>;
  /** Opens the transfer's evidence file with the system's viewer, after the back end checked its digest. */
  openRefundEvidence(input: RefundRef): Promise<null>;
  /** Finance decides a needs_review refund by hand. */
  resolveRefundByHand(input: ResolveByHandInput): Promise<RefundView>;
  /** Finance decides a needs_review payment by hand. */
  resolvePaymentByHand(input: ResolveByHandInput): Promise<PaymentDetailView>;
  refundQueue(input: RefundQueueQuery): Promise<RefundQueuePage>;
  listRefundPolicies(): Promise<Array<RefundPolicyView>>;
  setRefundPolicy(input: SetRefundPolicyInput): Promise<RefundPolicyView>;
  resetRefundPolicy(input: ProductRef): Promise<RefundPolicyView>;
  /** Provider sandbox or Production; the built-in environment's settings are fixed. */
  listProviderSettings(input: ProviderSettingsQuery): Promise<Array<ProductProviderSettings>>;
  /** Checks every value and saves all or nothing; an empty value returns to the documented one. */
  saveProviderSettings(input: SaveProviderSettingsInput): Promise<ProductProviderSettings>;
  resetProviderSettings(input: ProviderSettingsRef): Promise<ProductProviderSettings>;
  /** What each product offers when taking a payment (kinds, sources). */
  paymentOptions(): Promise<Array<PaymentProductOptions>>;
  /** Starts a payment; a redirect flow's provider page is opened in the system browser by the back end. */
  startPayment(input: StartPaymentInput): Promise<PaymentDetailView>;
  /** One keyset page of the payment list, newest first. */
  paymentsPage(input: PaymentQuery): Promise<PaymentListPage>;
  paymentPage(input: PaymentRef): Promise<PaymentDetailView>;
  /** Asks the provider for the payment's status, then returns the page. */
  refreshPayment(input: PaymentRef): Promise<PaymentDetailView>;
  /** A new attempt on the same provider payment after the last one failed or expired. */
  requestPaymentAgain(input: PaymentRef): Promise<PaymentDetailView>;
  cancelPayment(input: PaymentRef): Promise<PaymentDetailView>;
  listenerSettings(): Promise<ListenerSettings>;
  setListener(input: ListenerInput): Promise<ListenerSettings>;
  /** Staff and support; a duplicate phone or merchant customer ID is a `conflict` naming `existing`. */
  createCustomer(input: CustomerFields): Promise<CustomerDetails>;
  updateCustomer(input: UpdateCustomerInput): Promise<CustomerDetails>;
  addCustomerNote(input: CustomerNoteInput): Promise<CustomerNoteView>;
  /** Linkings, payments, refunds and notes, newest first, one page at a time. */
  customerTimeline(input: CustomerTimelineQuery): Promise<CustomerTimelinePage>;
  /** Admin only: deleted without payments, else anonymised. */
  forgetCustomer(input: CustomerRef): Promise<ForgetResult>;
  /** Reads the header and the first records only; nothing is written. */
  inspectCustomerImport(input: InspectImportInput): Promise<ImportInspection>;
  /** Starts the import in the background; follow it with `customerImportProgress`. */
  startCustomerImport(input: StartImportInput): Promise<ImportProgress>;
  customerImportProgress(input: ImportJobRef): Promise<ImportProgress>;
  cancelCustomerImport(input: ImportJobRef): Promise<ImportProgress>;
  saveImportRejects(input: SaveRejectsInput): Promise<SavedRejects>;
  /** The version, environment and OS locale (read by the shell), and the built-in demo. */
  appInfo(): Promise<AppInfo>;
  /** The platform's open dialog (opened by the shell); null when the operator cancels. */
  chooseImportFile(): Promise<string | null>;
  /** The platform's save dialog (opened by the shell); null when the operator cancels. */
  chooseRejectsFile(input: RejectsFileInput): Promise<string | null>;
}

export function commands(call: Call): Commands {
  return {
    sessionStatus: () => call<SessionStatus>('session_status'),
    touchSession: () => call<SessionStatus>('touch_session'),
    setUpFirstAdmin: (input) => call<SessionStatus>('set_up_first_admin', input),
    signIn: (input) => call<SessionStatus>('sign_in', input),
    signOut: () => call<SessionStatus>('sign_out'),
    lockSession: () => call<SessionStatus>('lock_session'),
    unlockSession: (input) => call<SessionStatus>('unlock_session', input),
    listOperators: () => call<Array<OperatorView>>('list_operators'),
    createOperator: (input) => call<OperatorView>('create_operator', input),
    changeOperatorRole: (input) => call<OperatorView>('change_operator_role', input),
    setOperatorDisabled: (input) => call<OperatorView>('set_operator_disabled', input),
    listCredentials: (input) => call<Array<ProductCredentials>>('list_credentials', input),
    setCredential: (input) => call<CredentialField>('set_credential', input),
    deleteCredential: (input) => call<CredentialField>('delete_credential', input),
    testConnection: (input) => call<ConnectionTestResult>('test_connection', input),
    listAudit: (input) => call<AuditPage>('list_audit', input),
    verifyAudit: () => call<AuditVerification>('verify_audit'),
    getPreferences: () => call<Preferences>('get_preferences'),
    setLanguage: (input) => call<Preferences>('set_language', input),
    setIdleLock: (input) => call<Preferences>('set_idle_lock', input),
    setEnvironment: (input) => call<Preferences>('set_environment', input),
    searchCustomers: (input) => call<SearchResult>('search_customers', input),
    customerPage: (input) => call<CustomerPage>('customer_page', input),
    startLink: (input) => call<LinkedAccountView>('start_link', input),
    retryLink: (input) => call<LinkedAccountView>('retry_link', input),
    refreshLink: (input) => call<LinkedAccountView>('refresh_link', input),
    unlinkAccount: (input) => call<UnlinkResult>('unlink_account', input),
    refreshBalance: (input) => call<LinkedAccountView>('refresh_balance', input),
    accountHistory: (input) => call<HistoryView>('account_history', input),
    topUpInstructions: (input) => call<TopUpView>('top_up_instructions', input),
    openExternal: (input) => call<null>('open_external', input),
    previewRefund: (input) => call<RefundPreview>('preview_refund', input),
    requestRefund: (input) => call<RefundView>('request_refund', input),
    decideRefund: (input) => call<RefundView>('decide_refund', input),
    refundPage: (input) => call<RefundView>('refund_page', input),
    recordOfflineTransfer: (input) => call<RefundView>('record_offline_transfer', input),
    openRefundEvidence: (input) => call<null>('open_refund_evidence', input),
    resolveRefundByHand: (input) => call<RefundView>('resolve_refund_by_hand', input),
    resolvePaymentByHand: (input) => call<PaymentDetailView>('resolve_payment_by_hand', input),
    refundQueue: (input) => call<RefundQueuePage>('refund_queue', input),
    listRefundPolicies: () => call<Array<RefundPolicyView>>('list_refund_policies'),
    setRefundPolicy: (input) => call<RefundPolicyView>('set_refund_policy', input),
    resetRefundPolicy: (input) => call<RefundPolicyView>('reset_refund_policy', input),
    listProviderSettings: (input) => call<Array<ProductProviderSettings>>('list_provider_settings', input),
    saveProviderSettings: (input) => call<ProductProviderSettings>('save_provider_settings', input),
    resetProviderSettings: (input) => call<ProductProviderSettings>('reset_provider_settings', input),
    paymentOptions: () => call<Array<PaymentProductOptions>>('payment_options'),
    startPayment: (input) => call<PaymentDetailView>('start_payment', input),
    paymentsPage: (input) => call<PaymentListPage>('payments_page', input),
    paymentPage: (input) => call<PaymentDetailView>('payment_page', input),
    refreshPayment: (input) => call<PaymentDetailView>('refresh_payment', input),
    requestPaymentAgain: (input) => call<PaymentDetailView>('request_payment_again', input),
    cancelPayment: (input) => call<PaymentDetailView>('cancel_payment', input),
    listenerSettings: () => call<ListenerSettings>('listener_settings'),
    setListener: (input) => call<ListenerSettings>('set_listener', input),
    createCustomer: (input) => call<CustomerDetails>('create_customer', input),
    updateCustomer: (input) => call<CustomerDetails>('update_customer', input),
    addCustomerNote: (input) => call<CustomerNoteView>('add_customer_note', input),
    customerTimeline: (input) => call<CustomerTimelinePage>('customer_timeline', input),
    forgetCustomer: (input) => call<ForgetResult>('forget_customer', input),
    inspectCustomerImport: (input) => call<ImportInspection>('inspect_customer_import', input),
    startCustomerImport: (input) => call<ImportProgress>('start_customer_import', input),
    customerImportProgress: (input) => call<ImportProgress>('customer_import_progress', input),
    cancelCustomerImport: (input) => call<ImportProgress>('cancel_customer_import', input),
    saveImportRejects: (input) => call<SavedRejects>('save_import_rejects', input),
    appInfo: () => call<AppInfo>('app_info'),
    chooseImportFile: () => call<string | null>('choose_import_file'),
    chooseRejectsFile: (input) => call<string | null>('choose_rejects_file', input),
  };
}
