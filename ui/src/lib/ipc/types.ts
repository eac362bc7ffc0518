// Generated from Rust (crates/ovo-app/src/ipc.rs) by `cargo xtask gen-types`. Do not edit.

export type RoleKey = "staff" | "support" | "finance" | "admin";
export type ProductKey = "doku_snap_ovo" | "doku_jokul_ovo_push" | "tazapay_ovo_idr" | "faspay_ovo_tokenize" | "ovo_snap";
export type EnvironmentKey = "builtin_sandbox" | "provider_sandbox" | "production";
export type LanguageKey = "id" | "en";

export type ErrorCode = "invalid_input" | "unauthenticated" | "locked" | "forbidden" | "not_found" | "conflict" | "wrong_password" | "already_set_up" | "not_set_up" | "keychain_unavailable" | "storage" | "internal";
export type Permission = "view_customers" | "link_accounts" | "view_payments" | "take_payments" | "request_refunds" | "approve_refunds" | "view_audit" | "manage_operators" | "manage_credentials" | "manage_settings";
export type ErrorBody = { code: ErrorCode, message: string, reason: string | null, };
export type AppInfo = { version: string, environment: EnvironmentKey, osLocale: string, language: LanguageKey | null, };
export type SessionState = "uninitialized" | "signed_out" | "locked" | "active";
export type OperatorView = { id: number, username: string, displayName: string, role: RoleKey, disabled: boolean, createdAt: string, };
export type SessionStatus = { state: SessionState, operator: OperatorView | null, permissions: Array<Permission>, idleLockMinutes: number, };
export type FirstAdminInput = { username: string, displayName: string, password: string, };
export type SignInInput = { username: string, password: string, };
export type UnlockInput = { password: string, };
export type NewOperatorInput = { username: string, displayName: string, role: RoleKey, password: string, };
export type ChangeRoleInput = { operatorId: number, role: RoleKey, };
export type SetDisabledInput = { operatorId: number, disabled: boolean, };
export type CredentialField = { field: string, isSet: boolean, };
export type ProductCredentials = { product: ProductKey, productName: string, fields: Array<CredentialField>, };
export type CredentialsQuery = { environment: EnvironmentKey, };
export type SetCredentialInput = { environment: EnvironmentKey, product: ProductKey, field: string, value: string, };
export type CredentialRef = { environment: EnvironmentKey, product: ProductKey, field: string, };
export type AuditQuery = { beforeSeq: number | null, limit: number, };
export type AuditEntryView = { seq: number, at: string, operator: string | null, action: string, subject: string, outcome: string, detail: string, };
export type AuditPage = { entries: Array<AuditEntryView>, nextBeforeSeq: number | null, };
export type AuditVerification = { intact: boolean, checked: number, brokenSeq: number | null, problem: string | null, };
export type Preferences = { language: LanguageKey | null, idleLockMinutes: number, environment: EnvironmentKey, };
export type LanguageInput = { language: LanguageKey, };
export type IdleLockInput = { minutes: number, };
export type EnvironmentInput = { environment: EnvironmentKey, };
