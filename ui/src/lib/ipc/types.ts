// Generated from Rust (crates/ovo-app/src/ipc) by `cargo xtask gen-types`. Do not edit.

export type RoleKey = "staff" | "support" | "finance" | "admin";
export type ProductKey = "doku_snap_ovo" | "doku_jokul_ovo_push" | "tazapay_ovo_idr" | "faspay_ovo_tokenize" | "ovo_snap";
export type EnvironmentKey = "builtin_sandbox" | "provider_sandbox" | "production";
export type LanguageKey = "id" | "en";
export type SettlementOutcomeKey = "matched" | "amount_mismatch" | "not_in_ledger" | "status_mismatch" | "settled_twice" | "not_in_file";
export type SettlementKindKey = "payment" | "refund";

export type ErrorCode = "invalid_input" | "unauthenticated" | "locked" | "password_change_required" | "too_many_attempts" | "forbidden" | "not_found" | "conflict" | "wrong_password" | "already_set_up" | "not_set_up" | "keychain_unavailable" | "storage" | "ledger_in_use" | "provider" | "internal";
export type Permission = "view_customers" | "manage_customers" | "forget_customers" | "link_accounts" | "view_payments" | "take_payments" | "request_refunds" | "approve_refunds" | "resolve_by_hand" | "reconcile_settlements" | "view_audit" | "view_finance" | "manage_operators" | "manage_credentials" | "manage_settings";
export type ExistingCustomer = { id: number, fullName: string, };
export type ErrorBody = { code: ErrorCode, message: string, reason: string | null, 
/**
 * On a customer conflict (`customer_phone_taken`, `customer_merchant_id_taken`): the
 * customer that already has the value, for "open it".
 */
existing?: ExistingCustomer, 
/**
 * On a file problem (an import's encoding, a line too long): the file's line it is on.
 */
line?: number, 
/**
 * On `too_many_attempts`: how many seconds until a password may be tried again.
 */
retryAfterSeconds?: number, };
export type AppInfo = { version: string, environment: EnvironmentKey, osLocale: string, language: LanguageKey | null, 
/**
 * The built-in environment's demo operators (none elsewhere) and their shared, public
 * demo password, for the sign-in screen.
 */
demoOperators: Array<DemoOperatorView>, demoPassword: string | null, };
export type DemoOperatorView = { username: string, displayName: string, role: RoleKey, disabled: boolean, };
export type SessionState = "uninitialized" | "signed_out" | "locked" | "password_change_required" | "active";
export type OperatorView = { id: number, username: string, displayName: string, role: RoleKey, disabled: boolean, 
/**
 * The password was set by an admin and is replaced at the operator's next sign-in.
 */
passwordOneTime: boolean, 
/**
 * One of the built-in sandbox's demo operators (their password is the documented one).
 */
demo: boolean, createdAt: string, };
export type SessionStatus = { state: SessionState, operator: OperatorView | null, permissions: Array<Permission>, idleLockMinutes: number, };
export type FirstAdminInput = { username: string, displayName: string, password: string, };
export type SignInInput = { username: string, password: string, };
export type UnlockInput = { password: string, };
export type ChangePasswordInput = { currentPassword: string, newPassword: string, };
export type ResetPasswordInput = { operatorId: number, password: string, };
export type NewOperatorInput = { username: string, displayName: string, role: RoleKey, password: string, };
export type ChangeRoleInput = { operatorId: number, role: RoleKey, };
export type SetDisabledInput = { operatorId: number, disabled: boolean, };
export type CredentialField = { field: string, isSet: boolean, };
export type ProductCredentials = { product: ProductKey, productName: string, fields: Array<CredentialField>, };
export type SetCredentialInput = { environment: EnvironmentKey, product: ProductKey, field: string, value: string, };
export type CredentialRef = { environment: EnvironmentKey, product: ProductKey, field: string, };
export type AuditQuery = { beforeSeq: number | null, limit: number, operatorId: number | null, 
/**
 * An action, or, ending in a dot, every action that starts with it (`refund.`).
 */
action: string | null, 
/**
 * The object, or its start (`refund:12`).
 */
subject: string | null, 
/**
 * `YYYY-MM-DD`, Asia/Jakarta, inclusive.
 */
from: string | null, to: string | null, };
export type AuditFilters = { operatorId: number | null, 
/**
 * An action, or, ending in a dot, every action that starts with it (`refund.`).
 */
action: string | null, 
/**
 * The object, or its start (`refund:12`).
 */
subject: string | null, 
/**
 * `YYYY-MM-DD`, Asia/Jakarta, inclusive.
 */
from: string | null, to: string | null, };
export type AuditOperator = { id: number, username: string, displayName: string, };
export type AuditEntryView = { seq: number, at: string, operator: string | null, 
/**
 * The operator's display name (the entry keeps the user name they had then).
 */
operatorName: string | null, action: string, subject: string, outcome: string, detail: string, };
export type Page<T, C> = { items: Array<T>, next: C | null, };
export type AuditVerification = { intact: boolean, checked: number, brokenSeq: number | null, problem: string | null, };
export type Preferences = { language: LanguageKey | null, idleLockMinutes: number, environment: EnvironmentKey, };
export type LanguageInput = { language: LanguageKey, };
export type IdleLockInput = { minutes: number, };
export type EnvironmentInput = { environment: EnvironmentKey, };
export type ProductInEnvironment = { environment: EnvironmentKey, product: ProductKey, };
export type SearchMatch = "phone" | "name" | "merchant_customer_id" | "payment_reference" | "refund_reference" | "provider_reference";
export type SearchInput = { query: string, 
/**
 * 1..=100; the UI asks for 20.
 */
limit: number, };
export type CustomerSummary = { id: number, fullName: string, 
/**
 * Canonical `62…`.
 */
phone: string, 
/**
 * `+62 812-3456-7890`.
 */
phoneDisplay: string, merchantCustomerId: string | null, email: string | null, 
/**
 * Products with an active linked account in the current environment.
 */
linkedProducts: ProductKey[], createdAt: string, 
/**
 * Forgotten: name, email and notes were erased (the name is empty); money records stay.
 */
forgotten: boolean, };
export type CustomerHit = { customer: CustomerSummary, matched: SearchMatch, 
/**
 * The value that matched, e.g. the normalised phone or the payment reference.
 */
matchedValue: string, };
export type SearchResult = { 
/**
 * The query as received, so the UI can drop answers to older keystrokes.
 */
query: string, 
/**
 * Every reading of the query that was tried (a phone-shaped query is also a customer id).
 */
interpretedAs: Array<SearchMatch>, 
/**
 * The query as a canonical phone, when it reads as one.
 */
normalizedPhone: string | null, hits: Array<CustomerHit>, 
/**
 * More hits than `limit` exist.
 */
truncated: boolean, };
export type LinkStatus = "pending" | "active" | "needs_relink" | "failed" | "expired" | "unlinking" | "unlinked";
export type ProviderProblemKind = "declined" | "timeout" | "unknown_outcome" | "connection" | "unavailable" | "authentication" | "invalid_request" | "malformed_reply" | "mismatch" | "unsupported" | "missing_credential" | "not_configured" | "expired" | "already_linked" | "certificate";
export type ProviderProblem = { kind: ProviderProblemKind, 
/**
 * The provider's own code (e.g. `4030707`), for support.
 */
providerCode: string | null, 
/**
 * The full technical detail, shown on a details line.
 */
detail: string, at: string, };
export type BalanceView = { cash: number | null, points: number | null, 
/**
 * When the figures above were fetched; null when never fetched successfully.
 */
asOf: string | null, 
/**
 * The latest refresh failed: the figures above (if any) are older than this attempt.
 */
lastFailure: ProviderProblem | null, 
/**
 * The figures are older than 15 minutes.
 */
stale: boolean, };
export type AccountFeatures = { balance: boolean, history: boolean, topUp: boolean, unlink: boolean, };
export type LinkedAccountView = { id: number, product: ProductKey, productName: string, phone: string, phoneDisplay: string, status: LinkStatus, 
/**
 * The linking's own reference, sent to the provider.
 */
reference: string, providerRef: string | null, createdAt: string, linkedAt: string | null, unlinkedAt: string | null, updatedAt: string, 
/**
 * While pending or needing a re-link: the provider page the customer completes (opened in
 * the system browser).
 */
redirectUrl: string | null, 
/**
 * While pending: when the linking expires.
 */
expiresAt: string | null, 
/**
 * Why a linking failed or expired, or why the last unlink did not go through.
 */
problem: ProviderProblem | null, balance: BalanceView | null, features: AccountFeatures, };
export type CustomerPaymentView = { id: number, reference: string, product: ProductKey, kind: string, amount: number, status: string, providerRef: string | null, createdAt: string, };
export type CustomerRefundView = { id: number, reference: string, paymentReference: string, product: ProductKey, amount: number, status: string, requestedAt: string, };
export type CustomerPage = { customer: CustomerSummary, 
/**
 * The merchant's free-text notes on the customer.
 */
notes: string | null, 
/**
 * Every linking in the current environment, newest first, including ended ones.
 */
accounts: Array<LinkedAccountView>, 
/**
 * Products that support linking, for the "Link an account" menu.
 */
linkableProducts: ProductKey[], 
/**
 * The newest 50.
 */
payments: Array<CustomerPaymentView>, refunds: Array<CustomerRefundView>, };
export type CustomerRef = { customerId: number, };
export type StartLinkInput = { customerId: number, product: ProductKey, 
/**
 * Any Indonesian format; empty = the customer's own phone.
 */
phone: string, };
export type AccountRef = { accountId: number, };
export type UnlinkOutcome = "unlinked" | "pending" | "failed";
export type UnlinkResult = { outcome: UnlinkOutcome, account: LinkedAccountView, };
export type HistoryInput = { accountId: number, 
/**
 * `YYYY-MM-DD`, Asia/Jakarta, inclusive.
 */
from: string, to: string, 
/**
 * 1-based.
 */
page: number, };
export type EntryDirection = "debit" | "credit";
export type HistoryEntryView = { providerId: string, at: string, amount: number, direction: EntryDirection, description: string, };
export type HistoryView = { entries: Array<HistoryEntryView>, page: number, nextPage: number | null, 
/**
 * When this page was fetched from the provider.
 */
fetchedAt: string | null, 
/**
 * The provider call failed: `entries` are what the ledger cached for the range.
 */
problem: ProviderProblem | null, 
/**
 * Entries cached in the ledger for this account, all ranges.
 */
cachedTotal: number, };
export type TopUpOptionView = { title: string, steps: Array<string>, 
/**
 * The icon from the back end's cache as a `data:` URL; null when it could not be fetched.
 */
icon: string | null, 
/**
 * Opened in the system browser through `open_external`.
 */
link: string | null, };
export type TopUpView = { options: Array<TopUpOptionView>, 
/**
 * The merchant's configured text (Settings → Provider settings), not a provider's answer.
 */
configured: boolean, fetchedAt: string | null, problem: ProviderProblem | null, };
export type ExternalUrl = { 
/**
 * The product whose page it is: only that product's page hosts are opened.
 */
product: ProductKey, url: string, };
export type Bilingual = { id: string, en: string, };
export type RefundPreviewInput = { paymentId: number, 
/**
 * As typed (`50.000`, `Rp 50.000`…); empty = everything still refundable.
 */
amount: string, };
export type RefundPreview = { paymentId: number, paymentReference: string, product: ProductKey, paid: number, refundable: number, requested: number, 
/**
 * `api` or `offline` (settled outside the provider).
 */
mode: string, partialAllowed: boolean, 
/**
 * Last WIB day a refund is allowed, `YYYY-MM-DD`.
 */
deadline: string | null, rule: Bilingual, allowed: boolean, refusal: Bilingual | null, reason: string | null, };
export type RequestRefundInput = { paymentId: number, amount: string, reason: string, };
export type DecideRefundInput = { refundId: number, approve: boolean, 
/**
 * Required when rejecting.
 */
note: string, 
/**
 * The approver enters their password again.
 */
password: string, };
export type RefundRef = { refundId: number, };
export type TimelineEventView = { at: string, kind: string, 
/**
 * The display name of the operator who acted, when one did.
 */
actor: string | null, detail: string, };
export type RefundProblemView = { 
/**
 * The provider's code, an HTTP status, or `error` when there was no answer.
 */
code: string, message: string, };
export type RefundView = { id: number, reference: string, paymentId: number, paymentReference: string, product: ProductKey, amount: number, mode: string, 
/**
 * requested, approved, rejected, submitting, processing, succeeded, failed, unknown,
 * awaiting_transfer, settled_offline, needs_review
 */
status: string, reason: string, requestedBy: string, requestedAt: string, decidedBy: string | null, decidedAt: string | null, decisionNote: string | null, idempotencyKey: string | null, providerRef: string | null, submittedAt: string | null, completedAt: string | null, 
/**
 * The merchant's own transfer of an offline refund, once recorded.
 */
transfer: TransferView | null, 
/**
 * Finance's decision by hand, when the provider could not say.
 */
resolution: ResolutionView | null, 
/**
 * Why it failed, is unknown or needs review: the provider's last code and message; null
 * once it succeeded or when there is nothing to explain.
 */
problem: RefundProblemView | null, 
/**
 * Oldest first; empty in queue pages.
 */
timeline: Array<TimelineEventView>, };
export type RefundQueueQuery = { status: string, 
/**
 * The last row of the previous page.
 */
afterId: number | null, limit: number, };
export type TransferView = { reference: string, 
/**
 * WIB calendar date, `YYYY-MM-DD`.
 */
date: string, 
/**
 * The evidence file as stored (`<sha256>.<pdf|png|jpg>`), if one was given.
 */
evidence: string | null, evidenceSha256: string | null, recordedBy: string, recordedAt: string, };
export type ResolutionView = { by: string, at: string, note: string, };
export type RecordTransferInput = { refundId: number, 
/**
 * The bank's transfer reference.
 */
reference: string, 
/**
 * WIB calendar date of the transfer: `YYYY-MM-DD` (the date input) or `DD/MM/YYYY`.
 */
date: string, 
/**
 * A PDF, PNG or JPEG on this computer (at most 10 MiB); empty or absent: none.
 */
evidencePath: string | null, password: string, };
export type ResolveByHandInput = { 
/**
 * The refund's or payment's id.
 */
id: number, 
/**
 * `succeeded` or `failed`.
 */
outcome: string, 
/**
 * The provider's reference seen (dashboard, settlement report): required for `succeeded`.
 */
providerRef: string, 
/**
 * What finance saw; always required.
 */
note: string, password: string, };
export type PaymentCursorView = { createdAtMs: number, id: number, };
export type PaymentFilters = { product: ProductKey | null, 
/**
 * A payment status key.
 */
status: string | null, 
/**
 * `YYYY-MM-DD`, Asia/Jakarta, inclusive.
 */
from: string | null, to: string | null, 
/**
 * As typed (`10.000`, `Rp 10.000`…).
 */
minAmount: string | null, maxAmount: string | null, 
/**
 * A payment, refund or provider reference (exact); the other filters still apply.
 */
reference: string | null, };
export type PaymentQuery = { after: PaymentCursorView | null, 
/**
 * 1..=200.
 */
limit: number, product: ProductKey | null, 
/**
 * A payment status key.
 */
status: string | null, 
/**
 * `YYYY-MM-DD`, Asia/Jakarta, inclusive.
 */
from: string | null, to: string | null, 
/**
 * As typed (`10.000`, `Rp 10.000`…).
 */
minAmount: string | null, maxAmount: string | null, 
/**
 * A payment, refund or provider reference (exact); the other filters still apply.
 */
reference: string | null, };
export type PaymentRowView = { id: number, reference: string, product: ProductKey, productName: string, 
/**
 * push, sale_redirect, recurring, payin, tokenized, direct_debit
 */
kind: string, amount: number, 
/**
 * created, pending, succeeded, failed, unknown, expired, cancelled, needs_review
 */
status: string, customerId: number | null, customerName: string | null, providerRef: string | null, createdAt: string, succeededAt: string | null, 
/**
 * Why it failed, is unknown or needs review (the list row's short form); null otherwise.
 */
problem: ProviderProblem | null, };
export type PaymentRef = { paymentId: number, };
export type PaymentDetailView = { payment: PaymentRowView, phoneDisplay: string | null, accountId: number | null, 
/**
 * The cash / points split, where the provider reported it.
 */
cashAmount: number | null, pointsAmount: number | null, 
/**
 * While the customer must act on a provider page (opened in the system browser).
 */
redirectUrl: string | null, 
/**
 * A push payment: when the provider's hold (70 s) ends.
 */
pushDeadline: string | null, 
/**
 * The provider's last status or response code, for support.
 */
providerStatus: string | null, 
/**
 * Why the payment failed, is unknown or needs review (e.g. Faspay asking to re-link the
 * account); null when there is nothing to explain.
 */
problem: ProviderProblem | null, 
/**
 * Oldest first.
 */
timeline: Array<TimelineEventView>, refunds: Array<RefundView>, 
/**
 * What is left to refund (0 unless succeeded).
 */
refundable: number, 
/**
 * The last attempt failed or expired and the product can ask again on the same provider
 * payment (Tazapay: a new push on the same payin).
 */
canRequestAgain: boolean, 
/**
 * The payment is open and its product can cancel it at the provider.
 */
canCancel: boolean, 
/**
 * The current attempt: 1, then one more per request again.
 */
attempt: number, 
/**
 * The provider asks for the linked account to be linked again: its page (opened in the
 * system browser), while the account still waits for it.
 */
relinkUrl: string | null, 
/**
 * While open: when its product's status checks end and an operator takes over.
 */
giveUpAt: string | null, 
/**
 * Finance's decision by hand on a payment the provider could not decide.
 */
resolution: ResolutionView | null, };
export type PaymentProductOptions = { product: ProductKey, productName: string, kinds: Array<string>, 
/**
 * The kind needs an active linked account of this product.
 */
kindsOnLinkedAccount: Array<string>, 
/**
 * `cash`, `points`, `points_first`, where the product lets the merchant choose.
 */
sources: Array<string>, 
/**
 * The provider's test-mode phone this product accepts in the current environment (only
 * Tazapay's `0123456789`, only in the Provider sandbox); null elsewhere.
 */
testPhone: string | null, 
/**
 * A payment needs the customer's email (Faspay); the dialog says so before sending.
 */
needsEmail: boolean, };
export type StartPaymentInput = { customerId: number | null, product: ProductKey, kind: string, 
/**
 * As typed (`10.000`, `Rp 10.000`…).
 */
amount: string, 
/**
 * For push and payin; empty = the customer's phone.
 */
phone: string, 
/**
 * For payments on a linked account.
 */
accountId: number | null, 
/**
 * `cash` (default), `points`, `points_first`.
 */
source: string, description: string, };
export type ListenerSettings = { enabled: boolean, 
/**
 * `127.0.0.1:7701` style.
 */
address: string, running: boolean, 
/**
 * On a shared ledger, the computer whose desk runs the listener now, when it is another.
 */
runningAtDesk: string | null, 
/**
 * Where each product's notifications are to be sent (give these to the provider).
 */
urls: Array<ListenerUrl>, problem: string | null, };
export type ListenerUrl = { product: ProductKey, url: string, };
export type ListenerInput = { enabled: boolean, address: string, };
export type RefundPolicyView = { product: ProductKey, productName: string, 
/**
 * `api` or `offline`.
 */
mode: string, partialAllowed: boolean, windowDays: number | null, dailyLimit: number | null, 
/**
 * An admin's override of the provider default is in force.
 */
overridden: boolean, rule: Bilingual, };
export type SetRefundPolicyInput = { product: ProductKey, partialAllowed: boolean, 
/**
 * `60`, `D+60`, or empty for no window.
 */
windowDays: string, 
/**
 * Money as typed, or empty for no limit.
 */
dailyLimit: string, };
export type ProductRef = { product: ProductKey, };
export type ProviderSettingView = { key: string, 
/**
 * `host`, `url`, `path_or_url`, `text`, `alphanumeric`, `token`, `version`, `choice` or
 * `instructions`.
 */
kind: string, 
/**
 * The value in force; empty when not set.
 */
value: string, 
/**
 * The documented value; null where there is none.
 */
defaultValue: string | null, 
/**
 * An admin's value replaces the documented one.
 */
overridden: boolean, required: boolean, 
/**
 * Rarely changed (shown folded).
 */
advanced: boolean, 
/**
 * For `choice`: the values the specification allows.
 */
choices: Array<number>, 
/**
 * The longest value accepted, where there is a limit.
 */
maxChars: number | null, };
export type ProductProviderSettings = { environment: EnvironmentKey, product: ProductKey, productName: string, settings: Array<ProviderSettingView>, 
/**
 * Keys of required settings that have no value yet: no client can be built until set.
 */
missing: Array<string>, };
export type SaveProviderSettingsInput = { environment: EnvironmentKey, product: ProductKey, values: Record<string, string>, };
export type TopUpInput = { accountId: number, language: LanguageKey | null, };
export type ConnectionOutcome = "works" | "credentials_refused" | "unreachable" | "certificate_not_trusted" | "timed_out" | "not_set_up" | "problem";
export type ConnectionTestResult = { environment: EnvironmentKey, product: ProductKey, outcome: ConnectionOutcome, 
/**
 * The provider's own code, when it gave one.
 */
providerCode: string | null, 
/**
 * What was asked and what came back, for the details line.
 */
detail: string, at: string, };
export type CustomerFields = { fullName: string, 
/**
 * Any Indonesian form (`0812-…`, `+62 812…`, `62812…`); stored canonical.
 */
phone: string, merchantCustomerId: string | null, email: string | null, notes: string | null, };
export type UpdateCustomerInput = { customerId: number, fields: CustomerFields, };
export type CustomerDetails = { customer: CustomerSummary, notes: string | null, 
/**
 * Name, email and notes were erased; the money records stay.
 */
forgotten: boolean, updatedAt: string, };
export type CustomerNoteInput = { customerId: number, text: string, };
export type CustomerNoteView = { id: number, customerId: number, text: string, at: string, 
/**
 * The operator's display name.
 */
author: string | null, };
export type CustomerTimelineQuery = { customerId: number, 
/**
 * `nextBefore` of the previous page; null for the newest.
 */
before: string | null, 
/**
 * 1..=100.
 */
limit: number, };
export type CustomerTimelineKind = "customer_created" | "note" | "linking_started" | "account_linked" | "account_unlinked" | "payment" | "refund";
export type CustomerTimelineEntry = { kind: CustomerTimelineKind, at: string, reference: string | null, product: ProductKey | null, amount: number | null, 
/**
 * The record's status key now (a payment's, refund's or linking's).
 */
status: string | null, text: string | null, author: string | null, paymentId: number | null, refundId: number | null, accountId: number | null, };
export type ForgetOutcome = "deleted" | "anonymised";
export type ForgetResult = { outcome: ForgetOutcome, customerId: number, };
export type ColumnMapping = { fullName: number | null, phone: number | null, merchantCustomerId: number | null, email: number | null, notes: number | null, };
export type InspectImportInput = { path: string, 
/**
 * Null: the mapping remembered for this header, else one guessed from the header names.
 */
mapping: ColumnMapping | null, };
export type ImportField = "full_name" | "phone" | "merchant_customer_id" | "email" | "notes";
export type ImportRowError = { 
/**
 * The file's line where the record starts (the header is line 1).
 */
line: number, 
/**
 * Null: the whole row.
 */
field: ImportField | null, 
/**
 * A stable key (`phone_not_mobile`, `customer_email_invalid`, `import_duplicate_in_file`…).
 */
reason: string, 
/**
 * "phone: not an Indonesian mobile number" in both languages.
 */
message: Bilingual, };
export type ImportRowPreview = { line: number, fullName: string, 
/**
 * Canonical when it reads as a phone, else as written.
 */
phone: string, merchantCustomerId: string | null, email: string | null, notes: string | null, errors: Array<ImportRowError>, };
export type ImportEncoding = "utf8" | "utf8_bom";
export type ImportInspection = { path: string, fileName: string, bytes: number, encoding: ImportEncoding, 
/**
 * `;` or `,`.
 */
delimiter: string, headers: Array<string>, mapping: ColumnMapping, 
/**
 * `mapping` is the one last used with this header.
 */
mappingRemembered: boolean, 
/**
 * The first records as parsed with `mapping`.
 */
preview: Array<ImportRowPreview>, };
export type ImportMode = "good_rows" | "nothing";
export type StartImportInput = { path: string, mapping: ColumnMapping, mode: ImportMode, 
/**
 * Check and count everything, write nothing.
 */
dryRun: boolean, };
export type ImportSummary = { 
/**
 * Data rows in the file. `created` and `updated` count what the import did, or would do
 * when `committed` is false.
 */
rows: number, created: number, updated: number, unchanged: number, rejected: number, 
/**
 * The ledger took the import (false: a dry run, or mode "nothing" with rejected rows).
 */
committed: boolean, 
/**
 * The first 200 rejected rows' errors.
 */
errors: Array<ImportRowError>, 
/**
 * `save_import_rejects` can write the rejected rows.
 */
rejectsAvailable: boolean, };
export type JobState = "running" | "finished" | "failed" | "cancelled";
export type ImportPhase = "reading" | "writing";
export type ImportProgress = { jobId: number, state: JobState, phase: ImportPhase, bytesRead: number, bytesTotal: number, rowsRead: number, summary: ImportSummary | null, error: ErrorBody | null, };
export type ImportJobRef = { jobId: number, };
export type SaveRejectsInput = { jobId: number, path: string, };
export type SavedRejects = { path: string, rows: number, };
export type RejectsFileInput = { suggestedName: string, };
export type ExportFormat = "csv" | "xlsx";
export type ExportList = { "list": "payments" } & PaymentFilters | { "list": "refunds", status: string, } | { "list": "audit" } & AuditFilters | { "list": "settlementLines", batchId: number, } | { "list": "settlementExceptions" } & SettlementExceptionFilters | { "list": "refundReport" } & ReportRange | { "list": "ageing" };
export type StartExportInput = { list: ExportList, format: ExportFormat, 
/**
 * Where the file goes (from `chooseExportFile`); it appears there only when complete.
 */
path: string, 
/**
 * The language of the column headers and status names.
 */
language: LanguageKey, };
export type ExportFileInput = { suggestedName: string, format: ExportFormat, };
export type ExportJobRef = { jobId: number, };
export type ExportProgress = { jobId: number, state: JobState, rowsWritten: number, 
/**
 * The rows the filters matched when the export started.
 */
rowsTotal: number, path: string, error: ErrorBody | null, };
export type SettlementMapping = { reference: string, date: string, amount: string, kind: string | null, fee: string | null, net: string | null, status: string | null, };
export type SettlementFileInput = { product: ProductKey, path: string, mapping?: SettlementMapping, };
export type SettlementProblemView = { line: number | null, reason: string, detail: string, };
export type OutcomeCount = { outcome: SettlementOutcomeKey, count: number, amount: number, };
export type SettlementCheck = { fileName: string, headers: Array<string>, mapping: SettlementMapping, mappingRemembered: boolean, lines: number, firstDate: string | null, lastDate: string | null, outcomes: Array<OutcomeCount>, 
/**
 * Succeeded payments no file has settled although they are due.
 */
notInFile: number, paymentsTotal: number, refundsTotal: number, feesTotal: number | null, netTotal: number | null, 
/**
 * The first problems (all of them block the import); `problemCount` counts every one.
 */
problems: Array<SettlementProblemView>, problemCount: number, batchId: number | null, };
export type SettlementBatchView = { id: number, product: ProductKey, fileName: string, importedBy: string, importedAt: string, firstDate: string, lastDate: string, lineCount: number, matched: number, exceptions: number, openExceptions: number, paymentsTotal: number, refundsTotal: number, feesTotal: number | null, netTotal: number | null, };
export type SettlementBatchesQuery = { before?: number, limit?: number, };
export type SettlementLinesQuery = { batchId: number, outcome?: SettlementOutcomeKey, afterLine?: number, limit?: number, };
export type SettlementLineView = { lineNo: number, reference: string, paymentReference: string | null, kind: SettlementKindKey, amount: number, ledgerAmount: number | null, fee: number | null, net: number | null, settledAt: string, status: string | null, outcome: SettlementOutcomeKey, };
export type SettlementExceptionFilters = { openOnly: boolean, batchId?: number, product?: ProductKey, };
export type SettlementExceptionsQuery = { before?: number, limit?: number, openOnly: boolean, batchId?: number, product?: ProductKey, };
export type SettlementExceptionView = { id: number, product: ProductKey, batchId: number, fileName: string, lineNo: number | null, paymentId: number | null, refundId: number | null, kind: SettlementOutcomeKey, reference: string, ledgerAmount: number | null, fileAmount: number | null, foundAt: string, resolvedBy: string | null, resolvedAt: string | null, resolution: string | null, };
export type SettlementExceptionPage = { items: Array<SettlementExceptionView>, next: number | null, 
/**
 * Every exception the filters select.
 */
total: number, };
export type ResolveExceptionInput = { id: number, reason: string, };
export type LedgerInfo = { 
/**
 * `file` (SQLite on this computer) or `postgres` (shared by several desks).
 */
backend: string, 
/**
 * The file's path or the server's URL, its password hidden.
 */
location: string, 
/**
 * The ledger's own id (the same at every desk of a shared ledger).
 */
ledgerId: string, 
/**
 * Only a shared ledger enrols other desks.
 */
shared: boolean, };
export type EnrolmentState = "open" | "used" | "withdrawn" | "expired" | "too_many_attempts";
export type DeskEnrolmentView = { 
/**
 * The code's first group, which names it (the rest is never stored).
 */
id: string, state: EnrolmentState, createdBy: string, createdAt: string, expiresAt: string, endedAt: string | null, 
/**
 * The name the enrolled desk gave itself.
 */
deskName: string | null, failedAttempts: number, };
export type NewDeskEnrolment = { code: string, enrolment: DeskEnrolmentView, };
export type EnrolmentRef = { id: string, };
export type EnrolDeskInput = { code: string, 
/**
 * How other desks will see this one (e.g. "Finance, 2nd floor").
 */
deskName: string, };
export type StartupState = { needsEnrolment: boolean, 
/**
 * The shared ledger's server, its password hidden (while enrolment is needed).
 */
location: string | null, 
/**
 * Set when SQLite found the ledger file damaged: the window opens on the recovery screen.
 */
recovery: LedgerRecovery | null, };
export type LedgerRecovery = { 
/**
 * The damaged file's path.
 */
ledger: string, 
/**
 * SQLite's own words for what is wrong.
 */
problems: Array<string>, 
/**
 * Newest first, each checked.
 */
backups: Array<LedgerBackupView>, };
export type LedgerBackupView = { 
/**
 * The file's name, which is also how it is chosen.
 */
name: string, takenAt: string, bytes: number, 
/**
 * Whether SQLite's check passed, where it was run.
 */
sound: boolean | null, 
/**
 * Taken before an update migrated the ledger; never removed by "backups kept".
 */
beforeUpdate: boolean, };
export type LedgerBackups = { 
/**
 * Only a ledger file is backed up by the desk; a shared one on its server.
 */
fileLedger: boolean, folder: string, 
/**
 * How many are kept; older ones are removed.
 */
keep: number, 
/**
 * Newest first.
 */
backups: Array<LedgerBackupView>, };
export type BackupRef = { name: string, };
export type BackupKeepInput = { keep: number, };
export type LedgerChangesInput = { after: number, };
export type LedgerUrlInput = { url: string, };
export type SharedLedgerCheck = { 
/**
 * The address, its password hidden.
 */
location: string, 
/**
 * It holds a ledger already (other desks use it): this desk can join it.
 */
holdsLedger: boolean, ledgerId: string | null, 
/**
 * It holds no data: this desk's ledger file can move there.
 */
empty: boolean, };
export type CopiedTable = { table: string, rows: number, };
export type LedgerMoved = { location: string, tables: Array<CopiedTable>, 
/**
 * The audit log's last entry, the same on both sides.
 */
auditSeq: number, };
export type LedgerChanges = { seq: number, 
/**
 * `payments`, `refunds`, `bindings`, `customers`.
 */
tables: Array<string>, 
/**
 * False on a file ledger: nothing changes it but this desk, and the UI stops asking.
 */
live: boolean, };
export type DashboardPeriod = "today" | "days_7" | "days_30";
export type DashboardInput = { period: DashboardPeriod, };
export type TotalsView = { count: number, amount: number, };
export type ProductTotalsView = { product: ProductKey, productName: string, count: number, amount: number, };
export type StatusTotalsView = { 
/**
 * created, pending, succeeded, failed, unknown, expired, cancelled, needs_review
 */
status: string, count: number, amount: number, };
export type ProductStatusTotalsView = { product: ProductKey, status: string, count: number, amount: number, };
export type RefundRateView = { refunded: TotalsView, succeeded: TotalsView, 
/**
 * Refunded amount / succeeded amount.
 */
amountBasisPoints: number | null, 
/**
 * Refunds / succeeded payments.
 */
countBasisPoints: number | null, };
export type OpenItemsView = { unknownPayments: number, needsReviewPayments: number, unknownRefunds: number, needsReviewRefunds: number, };
export type WaitingCountsView = { 
/**
 * Refunds awaiting approval; null for a role that does not approve refunds.
 */
refundsToApprove: number | null, openItems: OpenItemsView, };
export type DayTotalsView = { 
/**
 * `YYYY-MM-DD`, WIB.
 */
date: string, count: number, amount: number, };
export type DashboardView = { period: DashboardPeriod, 
/**
 * The period's first and last WIB dates, `YYYY-MM-DD`, inclusive.
 */
from: string, to: string, total: TotalsView, 
/**
 * Every product, in the app's order, with zeros where none.
 */
byProduct: Array<ProductTotalsView>, 
/**
 * The statuses that occur, in the app's order.
 */
byStatus: Array<StatusTotalsView>, byProductStatus: Array<ProductStatusTotalsView>, refundRate: RefundRateView, awaitingApproval: TotalsView, openItems: OpenItemsView, 
/**
 * Every WIB day of the period, oldest first, with zeros where none succeeded.
 */
daily: Array<DayTotalsView>, 
/**
 * Settlement reconciliation's exceptions not resolved yet (every date).
 */
openExceptions: number, };
export type ReportRange = { from: string | null, to: string | null, };
export type RefundGroupView = { label: string, count: number, amount: number, };
export type RefundReportView = { byRequester: Array<RefundGroupView>, byApprover: Array<RefundGroupView>, byReason: Array<RefundGroupView>, };
export type AgeBucket = "days_0" | "days_1_2" | "days_3_6" | "days_7_plus";
export type AgeBucketView = { bucket: AgeBucket, payments: TotalsView, refunds: TotalsView, };
export type OldestItemView = { reference: string, since: string, ageDays: number, };
export type AgeingReportView = { 
/**
 * Today's WIB date, `YYYY-MM-DD`, from which ages count.
 */
asOf: string, 
/**
 * Every bucket, youngest first.
 */
buckets: Array<AgeBucketView>, oldestPayment: OldestItemView | null, oldestRefund: OldestItemView | null, };

export const ERROR_CODES: readonly ErrorCode[] = [
  "invalid_input",
  "unauthenticated",
  "locked",
  "password_change_required",
  "too_many_attempts",
  "forbidden",
  "not_found",
  "conflict",
  "wrong_password",
  "already_set_up",
  "not_set_up",
  "keychain_unavailable",
  "storage",
  "ledger_in_use",
  "provider",
  "internal",
];
export const PROVIDER_PROBLEM_KINDS: readonly ProviderProblemKind[] = [
  "declined",
  "timeout",
  "unknown_outcome",
  "connection",
  "unavailable",
  "authentication",
  "invalid_request",
  "malformed_reply",
  "mismatch",
  "unsupported",
  "missing_credential",
  "not_configured",
  "expired",
  "already_linked",
  "certificate",
];
