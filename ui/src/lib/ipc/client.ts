// Typed wrapper around Tauri's `invoke`. One function per back-end command; every rejection becomes an
// `AppError` whose `code` comes from the closed `ErrorCode` set. Branch on `code` / `reason`, never on `message`.

import { invoke as tauriInvoke } from '@tauri-apps/api/core';
import type {
  AccountRef,
  RecordTransferInput,
  ResolveByHandInput,
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
  ExistingCustomer,
  ForgetResult,
  ImportInspection,
  ImportJobRef,
  ImportProgress,
  InspectImportInput,
  SaveRejectsInput,
  SavedRejects,
  StartImportInput,
  UpdateCustomerInput,
  EnvironmentInput,
  ErrorBody,
  ErrorCode,
  ExternalUrl,
  FirstAdminInput,
  HistoryInput,
  HistoryView,
  IdleLockInput,
  LanguageInput,
  LinkedAccountView,
  ListenerInput,
  ListenerSettings,
  PaymentDetailView,
  PaymentListPage,
  PaymentProductOptions,
  PaymentQuery,
  PaymentRef,
  ProductRef,
  ProductProviderSettings,
  ProviderSettingsQuery,
  ProviderSettingsRef,
  SaveProviderSettingsInput,
  TopUpInput,
  RefundPolicyView,
  RefundPreview,
  RefundPreviewInput,
  RefundQueuePage,
  RefundQueueQuery,
  RefundRef,
  RefundView,
  RequestRefundInput,
  DecideRefundInput,
  SetRefundPolicyInput,
  StartPaymentInput,
  NewOperatorInput,
  OperatorView,
  Preferences,
  ProductCredentials,
  SearchInput,
  SearchResult,
  SessionStatus,
  SetCredentialInput,
  SetDisabledInput,
  SignInInput,
  StartLinkInput,
  TopUpView,
  UnlinkResult,
  UnlockInput,
} from './types';

export const ERROR_CODES: readonly ErrorCode[] = [
  'invalid_input',
  'unauthenticated',
  'locked',
  'forbidden',
  'not_found',
  'conflict',
  'wrong_password',
  'already_set_up',
  'not_set_up',
  'keychain_unavailable',
  'storage',
  'provider',
  'internal',
];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly reason: string | null;
  /** On a customer conflict: the customer that already has the phone or merchant customer ID. */
  readonly existing: ExistingCustomer | null;
  /** On a file problem (an import's encoding, a line too long): the file's line. */
  readonly line: number | null;

  constructor(
    code: ErrorCode,
    message: string,
    reason: string | null = null,
    extra: { existing?: ExistingCustomer | null; line?: number | null } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.reason = reason;
    this.existing = extra.existing ?? null;
    this.line = extra.line ?? null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Maps anything a command can reject with to an `AppError`. Only a well-formed `ErrorBody` keeps its code. */
export function toAppError(raw: unknown): AppError {
  if (raw instanceof AppError) return raw;
  if (isRecord(raw) && isErrorCode(raw.code)) {
    const body = raw as Partial<ErrorBody>;
    const message = typeof body.message === 'string' ? body.message : '';
    const reason = typeof body.reason === 'string' && body.reason !== '' ? body.reason : null;
    const existing =
      isRecord(body.existing) && typeof body.existing.id === 'number' && typeof body.existing.fullName === 'string'
        ? { id: body.existing.id, fullName: body.existing.fullName }
        : null;
    const line = typeof body.line === 'number' ? body.line : null;
    return new AppError(body.code as ErrorCode, message, reason, { existing, line });
  }
  let message: string;
  if (raw instanceof Error) message = raw.message;
  else if (typeof raw === 'string') message = raw;
  else {
    try {
      message = JSON.stringify(raw) ?? String(raw);
    } catch {
      message = String(raw);
    }
  }
  return new AppError('internal', message, null);
}

export type InvokeFn = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>;
export type ErrorListener = (error: AppError, command: string) => void;

export interface Client {
  appInfo(): Promise<AppInfo>;
  sessionStatus(): Promise<SessionStatus>;
  touchSession(): Promise<SessionStatus>;
  setUpFirstAdmin(input: FirstAdminInput): Promise<SessionStatus>;
  signIn(input: SignInInput): Promise<SessionStatus>;
  signOut(): Promise<SessionStatus>;
  lockSession(): Promise<SessionStatus>;
  unlockSession(input: UnlockInput): Promise<SessionStatus>;
  listOperators(): Promise<OperatorView[]>;
  createOperator(input: NewOperatorInput): Promise<OperatorView>;
  changeOperatorRole(input: ChangeRoleInput): Promise<OperatorView>;
  setOperatorDisabled(input: SetDisabledInput): Promise<OperatorView>;
  listCredentials(input: CredentialsQuery): Promise<ProductCredentials[]>;
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
  /** Checks a pending linking: completes it when the provider says so, expires it when due. */
  refreshLink(input: AccountRef): Promise<LinkedAccountView>;
  /** A new linking for a failed or expired one; returns the new pending account. */
  retryLink(input: AccountRef): Promise<LinkedAccountView>;
  unlinkAccount(input: AccountRef): Promise<UnlinkResult>;
  /** A provider failure is not a rejection: `balance.lastFailure` is set and the old figures are kept. */
  refreshBalance(input: AccountRef): Promise<LinkedAccountView>;
  accountHistory(input: HistoryInput): Promise<HistoryView>;
  /** OVO SNAP's are the merchant's configured text in `language` (`configured` is true). */
  topUpInstructions(input: TopUpInput): Promise<TopUpView>;
  /** Opens an http(s) link in the system browser. */
  openExternal(input: ExternalUrl): Promise<null>;
  /** What each product offers when taking a payment (kinds, sources). */
  paymentOptions(): Promise<PaymentProductOptions[]>;
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
  /** The rule in plain words, the refundable amount and, if refused, why. */
  previewRefund(input: RefundPreviewInput): Promise<RefundPreview>;
  /** A refusal by the rule is a `conflict` with reason `refund_*`. */
  requestRefund(input: RequestRefundInput): Promise<RefundView>;
  decideRefund(input: DecideRefundInput): Promise<RefundView>;
  refundPage(input: RefundRef): Promise<RefundView>;
  /** Finance records the merchant's own transfer of an offline refund (awaiting_transfer → settled_offline). */
  recordOfflineTransfer(input: RecordTransferInput): Promise<RefundView>;
  /** Opens the transfer's evidence file with the system's viewer, after the back end checked its digest. */
  openRefundEvidence(input: RefundRef): Promise<void>;
  /** Finance decides a needs_review refund by hand. */
  resolveRefundByHand(input: ResolveByHandInput): Promise<RefundView>;
  /** Finance decides a needs_review payment by hand. */
  resolvePaymentByHand(input: ResolveByHandInput): Promise<PaymentDetailView>;
  refundQueue(input: RefundQueueQuery): Promise<RefundQueuePage>;
  listRefundPolicies(): Promise<RefundPolicyView[]>;
  setRefundPolicy(input: SetRefundPolicyInput): Promise<RefundPolicyView>;
  resetRefundPolicy(input: ProductRef): Promise<RefundPolicyView>;
  /** Provider sandbox or Production; the built-in environment's settings are fixed. */
  listProviderSettings(input: ProviderSettingsQuery): Promise<ProductProviderSettings[]>;
  /** Checks every value and saves all or nothing; an empty value returns to the documented one. */
  saveProviderSettings(input: SaveProviderSettingsInput): Promise<ProductProviderSettings>;
  resetProviderSettings(input: ProviderSettingsRef): Promise<ProductProviderSettings>;
  /** Staff and support; a duplicate phone or merchant customer ID is a `conflict` naming `existing`. */
  createCustomer(input: CustomerFields): Promise<CustomerDetails>;
  updateCustomer(input: UpdateCustomerInput): Promise<CustomerDetails>;
  addCustomerNote(input: CustomerNoteInput): Promise<CustomerNoteView>;
  /** Linkings, payments, refunds and notes, newest first, one page at a time. */
  customerTimeline(input: CustomerTimelineQuery): Promise<CustomerTimelinePage>;
  /** Admin only: deleted without payments, else anonymised. */
  forgetCustomer(input: CustomerRef): Promise<ForgetResult>;
  /** The platform's open dialog (opened by the shell); null when the operator cancels. */
  chooseImportFile(): Promise<string | null>;
  /** The platform's save dialog (opened by the shell); null when the operator cancels. */
  chooseRejectsFile(input: { suggestedName: string }): Promise<string | null>;
  /** Reads the header and the first records only; nothing is written. */
  inspectCustomerImport(input: InspectImportInput): Promise<ImportInspection>;
  /** Starts the import in the background; follow it with `customerImportProgress`. */
  startCustomerImport(input: StartImportInput): Promise<ImportProgress>;
  customerImportProgress(input: ImportJobRef): Promise<ImportProgress>;
  cancelCustomerImport(input: ImportJobRef): Promise<ImportProgress>;
  saveImportRejects(input: SaveRejectsInput): Promise<SavedRejects>;
  /** Called for every failed command (after mapping), e.g. to show the lock screen on `locked`. */
  onError(listener: ErrorListener): () => void;
}

export function createClient(invokeFn: InvokeFn): Client {
  const listeners = new Set<ErrorListener>();

  async function call<T>(cmd: string, input?: unknown): Promise<T> {
    try {
      const result = input === undefined ? await invokeFn(cmd) : await invokeFn(cmd, { input });
      return result as T;
    } catch (raw) {
      const error = toAppError(raw);
      for (const listener of listeners) {
        try {
          listener(error, cmd);
        } catch {
          // A listener must never hide the original error from the caller.
        }
      }
      throw error;
    }
  }

  return {
    appInfo: () => call<AppInfo>('app_info'),
    sessionStatus: () => call<SessionStatus>('session_status'),
    touchSession: () => call<SessionStatus>('touch_session'),
    setUpFirstAdmin: (input) => call<SessionStatus>('set_up_first_admin', input),
    signIn: (input) => call<SessionStatus>('sign_in', input),
    signOut: () => call<SessionStatus>('sign_out'),
    lockSession: () => call<SessionStatus>('lock_session'),
    unlockSession: (input) => call<SessionStatus>('unlock_session', input),
    listOperators: () => call<OperatorView[]>('list_operators'),
    createOperator: (input) => call<OperatorView>('create_operator', input),
    changeOperatorRole: (input) => call<OperatorView>('change_operator_role', input),
    setOperatorDisabled: (input) => call<OperatorView>('set_operator_disabled', input),
    listCredentials: (input) => call<ProductCredentials[]>('list_credentials', input),
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
    refreshLink: (input) => call<LinkedAccountView>('refresh_link', input),
    retryLink: (input) => call<LinkedAccountView>('retry_link', input),
    unlinkAccount: (input) => call<UnlinkResult>('unlink_account', input),
    refreshBalance: (input) => call<LinkedAccountView>('refresh_balance', input),
    accountHistory: (input) => call<HistoryView>('account_history', input),
    topUpInstructions: (input) => call<TopUpView>('top_up_instructions', input),
    openExternal: (input) => call<null>('open_external', input),
    paymentOptions: () => call<PaymentProductOptions[]>('payment_options'),
    startPayment: (input) => call<PaymentDetailView>('start_payment', input),
    paymentsPage: (input) => call<PaymentListPage>('payments_page', input),
    paymentPage: (input) => call<PaymentDetailView>('payment_page', input),
    refreshPayment: (input) => call<PaymentDetailView>('refresh_payment', input),
    requestPaymentAgain: (input) => call<PaymentDetailView>('request_payment_again', input),
    cancelPayment: (input) => call<PaymentDetailView>('cancel_payment', input),
    listenerSettings: () => call<ListenerSettings>('listener_settings'),
    setListener: (input) => call<ListenerSettings>('set_listener', input),
    previewRefund: (input) => call<RefundPreview>('preview_refund', input),
    requestRefund: (input) => call<RefundView>('request_refund', input),
    decideRefund: (input) => call<RefundView>('decide_refund', input),
    refundPage: (input) => call<RefundView>('refund_page', input),
    recordOfflineTransfer: (input) => call<RefundView>('record_offline_transfer', input),
    openRefundEvidence: (input) => call<void>('open_refund_evidence', input),
    resolveRefundByHand: (input) => call<RefundView>('resolve_refund_by_hand', input),
    resolvePaymentByHand: (input) => call<PaymentDetailView>('resolve_payment_by_hand', input),
    refundQueue: (input) => call<RefundQueuePage>('refund_queue', input),
    listRefundPolicies: () => call<RefundPolicyView[]>('list_refund_policies'),
    setRefundPolicy: (input) => call<RefundPolicyView>('set_refund_policy', input),
    resetRefundPolicy: (input) => call<RefundPolicyView>('reset_refund_policy', input),
    listProviderSettings: (input) => call<ProductProviderSettings[]>('list_provider_settings', input),
    saveProviderSettings: (input) => call<ProductProviderSettings>('save_provider_settings', input),
    resetProviderSettings: (input) => call<ProductProviderSettings>('reset_provider_settings', input),
    createCustomer: (input) => call<CustomerDetails>('create_customer', input),
    updateCustomer: (input) => call<CustomerDetails>('update_customer', input),
    addCustomerNote: (input) => call<CustomerNoteView>('add_customer_note', input),
    customerTimeline: (input) => call<CustomerTimelinePage>('customer_timeline', input),
    forgetCustomer: (input) => call<ForgetResult>('forget_customer', input),
    chooseImportFile: () => call<string | null>('choose_import_file'),
    chooseRejectsFile: (input) => call<string | null>('choose_rejects_file', input),
    inspectCustomerImport: (input) => call<ImportInspection>('inspect_customer_import', input),
    startCustomerImport: (input) => call<ImportProgress>('start_customer_import', input),
    customerImportProgress: (input) => call<ImportProgress>('customer_import_progress', input),
    cancelCustomerImport: (input) => call<ImportProgress>('cancel_customer_import', input),
    saveImportRejects: (input) => call<SavedRejects>('save_import_rejects', input),
    onError(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The app's client, bound to Tauri's IPC. Tests build their own with `createClient(fakeInvoke)`. */
export const api: Client = createClient((cmd, args) => tauriInvoke(cmd, args));
