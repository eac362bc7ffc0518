//! IPC types of the merchant's customer records: create and edit, dated notes, the
//! customer's timeline, forgetting a customer, and importing customers from a CSV file.

use ovo_domain::Product;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Bilingual, CustomerSummary};
use crate::error::AppError;

/// What create and edit take. Empty optional fields are absent.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerFields {
    pub full_name: String,
    /// Any Indonesian form (`0812-…`, `+62 812…`, `62812…`); stored canonical.
    pub phone: String,
    pub merchant_customer_id: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCustomerInput {
    pub customer_id: i64,
    pub fields: CustomerFields,
}

/// A customer as create and edit answer it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDetails {
    pub customer: CustomerSummary,
    pub notes: Option<String>,
    /// Name, email and notes were erased; the money records stay.
    pub forgotten: bool,
    pub updated_at: String,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerNoteInput {
    pub customer_id: i64,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerNoteView {
    pub id: i64,
    pub customer_id: i64,
    pub text: String,
    pub at: String,
    /// The operator's display name.
    pub author: Option<String>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerTimelineQuery {
    pub customer_id: i64,
    /// `nextBefore` of the previous page; null for the newest.
    pub before: Option<String>,
    /// 1..=100.
    pub limit: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CustomerTimelineKind {
    CustomerCreated,
    Note,
    LinkingStarted,
    AccountLinked,
    AccountUnlinked,
    Payment,
    Refund,
}

/// One entry of the customer's timeline. `text` is the note for a note, the linked phone
/// (canonical) for a linking, the reason for a refund.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerTimelineEntry {
    pub kind: CustomerTimelineKind,
    pub at: String,
    pub reference: Option<String>,
    #[ts(type = "ProductKey | null")]
    pub product: Option<Product>,
    pub amount: Option<i64>,
    /// The record's status key now (a payment's, refund's or linking's).
    pub status: Option<String>,
    pub text: Option<String>,
    pub author: Option<String>,
    pub payment_id: Option<i64>,
    pub refund_id: Option<i64>,
    pub account_id: Option<i64>,
}

/// `next` is the `before` of the following page.
pub type CustomerTimelinePage = super::Page<CustomerTimelineEntry, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ForgetOutcome {
    /// No payment: the customer is gone.
    Deleted,
    /// Name, email and notes erased; the money records stay.
    Anonymised,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ForgetResult {
    pub outcome: ForgetOutcome,
    pub customer_id: i64,
}

/// Columns of the file, 0-based; null = not in the file. Name and phone are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ColumnMapping {
    pub full_name: Option<u32>,
    pub phone: Option<u32>,
    pub merchant_customer_id: Option<u32>,
    pub email: Option<u32>,
    pub notes: Option<u32>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InspectImportInput {
    pub path: String,
    /// Null: the mapping remembered for this header, else one guessed from the header names.
    pub mapping: Option<ColumnMapping>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportField {
    FullName,
    Phone,
    MerchantCustomerId,
    Email,
    Notes,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRowError {
    /// The file's line where the record starts (the header is line 1).
    pub line: u64,
    /// Null: the whole row.
    pub field: Option<ImportField>,
    /// A stable key (`phone_not_mobile`, `customer_email_invalid`, `import_duplicate_in_file`…).
    pub reason: String,
    /// "phone: not an Indonesian mobile number" in both languages.
    pub message: Bilingual,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRowPreview {
    pub line: u64,
    pub full_name: String,
    /// Canonical when it reads as a phone, else as written.
    pub phone: String,
    pub merchant_customer_id: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub errors: Vec<ImportRowError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportEncoding {
    Utf8,
    Utf8Bom,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportInspection {
    pub path: String,
    pub file_name: String,
    pub bytes: u64,
    pub encoding: ImportEncoding,
    /// `;` or `,`.
    pub delimiter: String,
    pub headers: Vec<String>,
    pub mapping: ColumnMapping,
    /// `mapping` is the one last used with this header.
    pub mapping_remembered: bool,
    /// The first records as parsed with `mapping`.
    pub preview: Vec<ImportRowPreview>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Import the good rows; the rejected ones go to the rejects file.
    GoodRows,
    /// Import nothing when any row is rejected.
    Nothing,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartImportInput {
    pub path: String,
    pub mapping: ColumnMapping,
    pub mode: ImportMode,
    /// Check and count everything, write nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    /// Data rows in the file. `created` and `updated` count what the import did, or would do
    /// when `committed` is false.
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// The ledger took the import (false: a dry run, or mode "nothing" with rejected rows).
    pub committed: bool,
    /// The first 200 rejected rows' errors.
    pub errors: Vec<ImportRowError>,
    /// `save_import_rejects` can write the rejected rows.
    pub rejects_available: bool,
}

/// Where a background job (a customer import, an export) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Finished,
    Failed,
    Cancelled,
}

/// While running: reading (and checking) the file, then writing to the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportPhase {
    Reading,
    Writing,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub job_id: u64,
    pub state: JobState,
    pub phase: ImportPhase,
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub rows_read: u64,
    pub summary: Option<ImportSummary>,
    pub error: Option<AppError>,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportJobRef {
    pub job_id: u64,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaveRejectsInput {
    pub job_id: u64,
    pub path: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedRejects {
    pub path: String,
    pub rows: u64,
}
