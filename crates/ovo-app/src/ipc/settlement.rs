//! Settlement reconciliation's IPC types: a file checked (and imported) through a column
//! mapping, the batches, their lines and the exceptions finance resolves.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which column holds each field (header texts, compared without case, spaces or underscores).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementMapping {
    pub reference: String,
    pub date: String,
    pub amount: String,
    pub kind: Option<String>,
    pub fee: Option<String>,
    pub net: Option<String>,
    pub status: Option<String>,
}

/// A settlement file of `product`, read through `mapping` (the one remembered for the product,
/// else the product's report columns, when none is given).
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementFileInput {
    #[ts(type = "ProductKey")]
    pub product: String,
    pub path: String,
    #[ts(optional)]
    pub mapping: Option<SettlementMapping>,
}

/// What is wrong with a file or one of its lines: `reason` is a stable key, `detail` the value
/// or the columns concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementProblemView {
    #[ts(type = "number | null")]
    pub line: Option<u64>,
    pub reason: String,
    pub detail: String,
}

/// How many lines matched each way, and their amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeCount {
    #[ts(type = "SettlementOutcomeKey")]
    pub outcome: String,
    #[ts(type = "number")]
    pub count: u64,
    #[ts(type = "number")]
    pub amount: i64,
}

/// A file checked against the ledger without writing anything (`check_settlement_file`), or
/// imported (`import_settlement_file`, then `batchId` is set).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementCheck {
    pub file_name: String,
    pub headers: Vec<String>,
    pub mapping: SettlementMapping,
    pub mapping_remembered: bool,
    #[ts(type = "number")]
    pub lines: u64,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub outcomes: Vec<OutcomeCount>,
    /// Succeeded payments no file has settled although they are due.
    #[ts(type = "number")]
    pub not_in_file: u64,
    #[ts(type = "number")]
    pub payments_total: i64,
    #[ts(type = "number")]
    pub refunds_total: i64,
    #[ts(type = "number | null")]
    pub fees_total: Option<i64>,
    #[ts(type = "number | null")]
    pub net_total: Option<i64>,
    /// The first problems (all of them block the import); `problemCount` counts every one.
    pub problems: Vec<SettlementProblemView>,
    #[ts(type = "number")]
    pub problem_count: u64,
    #[ts(type = "number | null")]
    pub batch_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementBatchView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "ProductKey")]
    pub product: String,
    pub file_name: String,
    pub imported_by: String,
    pub imported_at: String,
    pub first_date: String,
    pub last_date: String,
    #[ts(type = "number")]
    pub line_count: i64,
    #[ts(type = "number")]
    pub matched: i64,
    #[ts(type = "number")]
    pub exceptions: i64,
    #[ts(type = "number")]
    pub open_exceptions: i64,
    #[ts(type = "number")]
    pub payments_total: i64,
    #[ts(type = "number")]
    pub refunds_total: i64,
    #[ts(type = "number | null")]
    pub fees_total: Option<i64>,
    #[ts(type = "number | null")]
    pub net_total: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementBatchesQuery {
    #[ts(optional, type = "number")]
    pub before: Option<i64>,
    #[ts(optional)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementLinesQuery {
    #[ts(type = "number")]
    pub batch_id: i64,
    #[ts(optional, type = "SettlementOutcomeKey")]
    pub outcome: Option<String>,
    #[ts(optional, type = "number")]
    pub after_line: Option<i64>,
    #[ts(optional)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementLineView {
    #[ts(type = "number")]
    pub line_no: i64,
    pub reference: String,
    pub payment_reference: Option<String>,
    #[ts(type = "SettlementKindKey")]
    pub kind: String,
    #[ts(type = "number")]
    pub amount: i64,
    #[ts(type = "number | null")]
    pub ledger_amount: Option<i64>,
    #[ts(type = "number | null")]
    pub fee: Option<i64>,
    #[ts(type = "number | null")]
    pub net: Option<i64>,
    pub settled_at: String,
    pub status: Option<String>,
    #[ts(type = "SettlementOutcomeKey")]
    pub outcome: String,
}

/// Which exceptions: open ones only (the default screen), of one batch, of one product.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementExceptionFilters {
    #[serde(default)]
    pub open_only: bool,
    #[ts(optional, type = "number")]
    pub batch_id: Option<i64>,
    #[ts(optional, type = "ProductKey")]
    pub product: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementExceptionsQuery {
    #[serde(flatten)]
    #[ts(flatten)]
    pub filters: SettlementExceptionFilters,
    #[ts(optional, type = "number")]
    pub before: Option<i64>,
    #[ts(optional)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementExceptionView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "ProductKey")]
    pub product: String,
    #[ts(type = "number")]
    pub batch_id: i64,
    pub file_name: String,
    #[ts(type = "number | null")]
    pub line_no: Option<i64>,
    #[ts(type = "number | null")]
    pub payment_id: Option<i64>,
    #[ts(type = "number | null")]
    pub refund_id: Option<i64>,
    #[ts(type = "SettlementOutcomeKey")]
    pub kind: String,
    pub reference: String,
    #[ts(type = "number | null")]
    pub ledger_amount: Option<i64>,
    #[ts(type = "number | null")]
    pub file_amount: Option<i64>,
    pub found_at: String,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    pub resolution: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettlementExceptionPage {
    pub items: Vec<SettlementExceptionView>,
    #[ts(type = "number | null")]
    pub next: Option<i64>,
    /// Every exception the filters select.
    #[ts(type = "number")]
    pub total: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResolveExceptionInput {
    #[ts(type = "number")]
    pub id: i64,
    pub reason: String,
}
