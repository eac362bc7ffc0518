//! The types that cross IPC and the commands that carry them (`commands.rs`). The UI's
//! `ui/src/lib/ipc/types.ts` is generated from these by `typescript_bindings`, and the other
//! generated files by `generated_files`; a test fails when a committed file drifts.

use std::fmt;

use ovo_domain::{Environment, Lang, Product, Role, SettlementKind, SettlementOutcome};
use ovo_secrets::Sensitive;
use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode, ExistingCustomer};
use crate::permissions::Permission;

mod commands;
mod connection;
mod customer_records;
mod customers;
mod dashboard;
mod exports;
mod generate;
mod ledger;
mod payments;
mod provider_settings;
mod refunds;
mod settlement;
pub use commands::*;
pub use connection::*;
pub use customer_records::*;
pub use customers::*;
pub use dashboard::*;
pub use exports::*;
pub use generate::*;
pub use ledger::*;
pub use payments::*;
pub use provider_settings::*;
pub use refunds::*;
pub use settlement::*;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    #[ts(type = "EnvironmentKey")]
    pub environment: Environment,
    pub os_locale: String,
    #[ts(type = "LanguageKey | null")]
    pub language: Option<Lang>,
    /// The built-in environment's demo operators (none elsewhere) and their shared, public
    /// demo password, for the sign-in screen.
    pub demo_operators: Vec<DemoOperatorView>,
    pub demo_password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoOperatorView {
    pub username: String,
    pub display_name: String,
    #[ts(type = "RoleKey")]
    pub role: Role,
    pub disabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Uninitialized,
    SignedOut,
    Locked,
    /// Signed in with a password an admin set: only changing it or signing out is open.
    PasswordChangeRequired,
    Active,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OperatorView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[ts(type = "RoleKey")]
    pub role: Role,
    pub disabled: bool,
    /// The password was set by an admin and is replaced at the operator's next sign-in.
    pub password_one_time: bool,
    /// One of the built-in sandbox's demo operators (their password is the documented one).
    pub demo: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionStatus {
    pub state: SessionState,
    pub operator: Option<OperatorView>,
    pub permissions: Vec<Permission>,
    pub idle_lock_minutes: u32,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FirstAdminInput {
    pub username: String,
    pub display_name: String,
    #[ts(type = "string")]
    pub password: Secret,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInInput {
    pub username: String,
    #[ts(type = "string")]
    pub password: Secret,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnlockInput {
    #[ts(type = "string")]
    pub password: Secret,
}

/// The signed-in operator's own password change.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordInput {
    #[ts(type = "string")]
    pub current_password: Secret,
    #[ts(type = "string")]
    pub new_password: Secret,
}

/// An admin sets a new one-time password for another operator.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResetPasswordInput {
    pub operator_id: i64,
    #[ts(type = "string")]
    pub password: Secret,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewOperatorInput {
    pub username: String,
    pub display_name: String,
    #[ts(type = "RoleKey")]
    pub role: String,
    #[ts(type = "string")]
    pub password: Secret,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRoleInput {
    pub operator_id: i64,
    #[ts(type = "RoleKey")]
    pub role: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetDisabledInput {
    pub operator_id: i64,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CredentialField {
    pub field: String,
    pub is_set: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProductCredentials {
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub product_name: String,
    pub fields: Vec<CredentialField>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetCredentialInput {
    #[ts(type = "EnvironmentKey")]
    pub environment: String,
    #[ts(type = "ProductKey")]
    pub product: String,
    pub field: String,
    #[ts(type = "string")]
    pub value: Secret,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRef {
    #[ts(type = "EnvironmentKey")]
    pub environment: String,
    #[ts(type = "ProductKey")]
    pub product: String,
    pub field: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    #[serde(flatten)]
    pub filters: AuditFilters,
    pub before_seq: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditOperator {
    pub id: i64,
    pub username: String,
    pub display_name: String,
}

/// The audit log's filters; every one narrows.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditFilters {
    pub operator_id: Option<i64>,
    /// An action, or, ending in a dot, every action that starts with it (`refund.`).
    pub action: Option<String>,
    /// The object, or its start (`refund:12`).
    pub subject: Option<String>,
    /// `YYYY-MM-DD`, Asia/Jakarta, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: String,
    pub operator: Option<String>,
    /// The operator's display name (the entry keeps the user name they had then).
    pub operator_name: Option<String>,
    pub action: String,
    pub subject: String,
    pub outcome: String,
    pub detail: String,
}

/// One page of a list: its items and where the next page starts (null on the last page).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Page<T, C> {
    pub items: Vec<T>,
    pub next: Option<C>,
}

/// The audit log, newest first; `next` is the `beforeSeq` of the following page.
pub type AuditPage = Page<AuditEntryView, i64>;

/// `problem` is one of `content_changed`, `rebuilt` (a keyed entry's seal does not match the
/// key), `chain_broken`, `entries_missing`, `truncated` (the head anchored outside the ledger,
/// `brokenSeq`, is no longer in it) and `key_missing` (entries from `brokenSeq` on were sealed
/// with a key the keychain lost).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    pub intact: bool,
    pub checked: u64,
    pub broken_seq: Option<i64>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    #[ts(type = "LanguageKey | null")]
    pub language: Option<Lang>,
    pub idle_lock_minutes: u32,
    #[ts(type = "EnvironmentKey")]
    pub environment: Environment,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LanguageInput {
    #[ts(type = "LanguageKey")]
    pub language: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IdleLockInput {
    pub minutes: u32,
}

/// One environment (its credentials, its provider settings, or the one to switch to).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentInput {
    #[ts(type = "EnvironmentKey")]
    pub environment: String,
}

/// One product in one environment (its provider settings, its connection).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProductInEnvironment {
    #[ts(type = "EnvironmentKey")]
    pub environment: String,
    #[ts(type = "ProductKey")]
    pub product: String,
}

/// A password or credential arriving from the UI: redacted from the moment it is parsed.
pub struct Secret(pub Sensitive<String>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Secret(Sensitive::new(s)))
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(Sensitive::new(value.to_owned()))
    }
}

fn union(name: &str, keys: impl IntoIterator<Item = &'static str>) -> String {
    let alternatives: Vec<String> = keys.into_iter().map(|k| format!("\"{k}\"")).collect();
    format!("export type {name} = {};\n", alternatives.join(" | "))
}

/// The TypeScript the UI imports, generated from the types above and the domain's key lists.
pub fn typescript_bindings() -> String {
    let cfg = generate::ts_config();
    let mut out = format!("// {}\n\n", generate::GENERATED_BY);
    out += &union("RoleKey", Role::ALL.map(Role::key));
    out += &union("ProductKey", Product::ALL.map(Product::key));
    out += &union("EnvironmentKey", Environment::ALL.map(Environment::key));
    out += &union("LanguageKey", [Lang::Id.key(), Lang::En.key()]);
    out += &union("SettlementOutcomeKey", SettlementOutcome::ALL.map(SettlementOutcome::key));
    out += &union("SettlementKindKey", SettlementKind::ALL.map(SettlementKind::key));
    out.push('\n');
    let decls = [
        ErrorCode::decl(&cfg),
        Permission::decl(&cfg),
        ExistingCustomer::decl(&cfg),
        AppError::decl(&cfg),
        AppInfo::decl(&cfg),
        DemoOperatorView::decl(&cfg),
        SessionState::decl(&cfg),
        OperatorView::decl(&cfg),
        SessionStatus::decl(&cfg),
        FirstAdminInput::decl(&cfg),
        SignInInput::decl(&cfg),
        UnlockInput::decl(&cfg),
        ChangePasswordInput::decl(&cfg),
        ResetPasswordInput::decl(&cfg),
        NewOperatorInput::decl(&cfg),
        ChangeRoleInput::decl(&cfg),
        SetDisabledInput::decl(&cfg),
        CredentialField::decl(&cfg),
        ProductCredentials::decl(&cfg),
        SetCredentialInput::decl(&cfg),
        CredentialRef::decl(&cfg),
        AuditQuery::decl(&cfg),
        AuditFilters::decl(&cfg),
        AuditOperator::decl(&cfg),
        AuditEntryView::decl(&cfg),
        Page::<(), ()>::decl(&cfg),
        AuditVerification::decl(&cfg),
        Preferences::decl(&cfg),
        LanguageInput::decl(&cfg),
        IdleLockInput::decl(&cfg),
        EnvironmentInput::decl(&cfg),
        ProductInEnvironment::decl(&cfg),
        SearchMatch::decl(&cfg),
        SearchInput::decl(&cfg),
        CustomerSummary::decl(&cfg),
        CustomerHit::decl(&cfg),
        SearchResult::decl(&cfg),
        LinkStatus::decl(&cfg),
        ProviderProblemKind::decl(&cfg),
        ProviderProblem::decl(&cfg),
        BalanceView::decl(&cfg),
        AccountFeatures::decl(&cfg),
        LinkedAccountView::decl(&cfg),
        CustomerPaymentView::decl(&cfg),
        CustomerRefundView::decl(&cfg),
        CustomerPage::decl(&cfg),
        CustomerRef::decl(&cfg),
        StartLinkInput::decl(&cfg),
        AccountRef::decl(&cfg),
        UnlinkOutcome::decl(&cfg),
        UnlinkResult::decl(&cfg),
        HistoryInput::decl(&cfg),
        EntryDirection::decl(&cfg),
        HistoryEntryView::decl(&cfg),
        HistoryView::decl(&cfg),
        TopUpOptionView::decl(&cfg),
        TopUpView::decl(&cfg),
        ExternalUrl::decl(&cfg),
        Bilingual::decl(&cfg),
        RefundPreviewInput::decl(&cfg),
        RefundPreview::decl(&cfg),
        RequestRefundInput::decl(&cfg),
        DecideRefundInput::decl(&cfg),
        RefundRef::decl(&cfg),
        TimelineEventView::decl(&cfg),
        RefundProblemView::decl(&cfg),
        RefundView::decl(&cfg),
        RefundQueueQuery::decl(&cfg),
        TransferView::decl(&cfg),
        ResolutionView::decl(&cfg),
        RecordTransferInput::decl(&cfg),
        ResolveByHandInput::decl(&cfg),
        PaymentCursorView::decl(&cfg),
        PaymentFilters::decl(&cfg),
        PaymentQuery::decl(&cfg),
        PaymentRowView::decl(&cfg),
        PaymentRef::decl(&cfg),
        PaymentDetailView::decl(&cfg),
        PaymentProductOptions::decl(&cfg),
        StartPaymentInput::decl(&cfg),
        ListenerSettings::decl(&cfg),
        ListenerUrl::decl(&cfg),
        ListenerInput::decl(&cfg),
        RefundPolicyView::decl(&cfg),
        SetRefundPolicyInput::decl(&cfg),
        ProductRef::decl(&cfg),
        ProviderSettingView::decl(&cfg),
        ProductProviderSettings::decl(&cfg),
        SaveProviderSettingsInput::decl(&cfg),
        TopUpInput::decl(&cfg),
        ConnectionOutcome::decl(&cfg),
        ConnectionTestResult::decl(&cfg),
        CustomerFields::decl(&cfg),
        UpdateCustomerInput::decl(&cfg),
        CustomerDetails::decl(&cfg),
        CustomerNoteInput::decl(&cfg),
        CustomerNoteView::decl(&cfg),
        CustomerTimelineQuery::decl(&cfg),
        CustomerTimelineKind::decl(&cfg),
        CustomerTimelineEntry::decl(&cfg),
        ForgetOutcome::decl(&cfg),
        ForgetResult::decl(&cfg),
        ColumnMapping::decl(&cfg),
        InspectImportInput::decl(&cfg),
        ImportField::decl(&cfg),
        ImportRowError::decl(&cfg),
        ImportRowPreview::decl(&cfg),
        ImportEncoding::decl(&cfg),
        ImportInspection::decl(&cfg),
        ImportMode::decl(&cfg),
        StartImportInput::decl(&cfg),
        ImportSummary::decl(&cfg),
        JobState::decl(&cfg),
        ImportPhase::decl(&cfg),
        ImportProgress::decl(&cfg),
        ImportJobRef::decl(&cfg),
        SaveRejectsInput::decl(&cfg),
        SavedRejects::decl(&cfg),
        RejectsFileInput::decl(&cfg),
        ExportFormat::decl(&cfg),
        ExportList::decl(&cfg),
        StartExportInput::decl(&cfg),
        ExportFileInput::decl(&cfg),
        ExportJobRef::decl(&cfg),
        ExportProgress::decl(&cfg),
        SettlementMapping::decl(&cfg),
        SettlementFileInput::decl(&cfg),
        SettlementProblemView::decl(&cfg),
        OutcomeCount::decl(&cfg),
        SettlementCheck::decl(&cfg),
        SettlementBatchView::decl(&cfg),
        SettlementBatchesQuery::decl(&cfg),
        SettlementLinesQuery::decl(&cfg),
        SettlementLineView::decl(&cfg),
        SettlementExceptionFilters::decl(&cfg),
        SettlementExceptionsQuery::decl(&cfg),
        SettlementExceptionView::decl(&cfg),
        SettlementExceptionPage::decl(&cfg),
        ResolveExceptionInput::decl(&cfg),
        LedgerInfo::decl(&cfg),
        EnrolmentState::decl(&cfg),
        DeskEnrolmentView::decl(&cfg),
        NewDeskEnrolment::decl(&cfg),
        EnrolmentRef::decl(&cfg),
        EnrolDeskInput::decl(&cfg),
        StartupState::decl(&cfg),
        LedgerRecovery::decl(&cfg),
        LedgerBackupView::decl(&cfg),
        LedgerBackups::decl(&cfg),
        BackupRef::decl(&cfg),
        BackupKeepInput::decl(&cfg),
        LedgerChangesInput::decl(&cfg),
        LedgerUrlInput::decl(&cfg),
        SharedLedgerCheck::decl(&cfg),
        CopiedTable::decl(&cfg),
        LedgerMoved::decl(&cfg),
        LedgerChanges::decl(&cfg),
        DashboardPeriod::decl(&cfg),
        DashboardInput::decl(&cfg),
        TotalsView::decl(&cfg),
        ProductTotalsView::decl(&cfg),
        StatusTotalsView::decl(&cfg),
        ProductStatusTotalsView::decl(&cfg),
        RefundRateView::decl(&cfg),
        OpenItemsView::decl(&cfg),
        WaitingCountsView::decl(&cfg),
        DayTotalsView::decl(&cfg),
        DashboardView::decl(&cfg),
        ReportRange::decl(&cfg),
        RefundGroupView::decl(&cfg),
        RefundReportView::decl(&cfg),
        AgeBucket::decl(&cfg),
        AgeBucketView::decl(&cfg),
        OldestItemView::decl(&cfg),
        AgeingReportView::decl(&cfg),
    ];
    for decl in decls {
        out += "export ";
        out += &decl;
        out.push('\n');
    }
    out.push('\n');
    out += &generate::typescript_code_arrays();
    out
}
