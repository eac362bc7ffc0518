//! Exports' IPC types: which list, with which filters, to which file and format, and the
//! running export's progress.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{AuditFilters, JobState, PaymentFilters, ReportRange, SettlementExceptionFilters};
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// The list to export, with the filters it is shown with.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[serde(tag = "list", rename_all = "camelCase")]
pub enum ExportList {
    Payments(PaymentFilters),
    /// One refund queue (a refund status key).
    Refunds {
        status: String,
    },
    Audit(AuditFilters),
    /// One settlement file's lines as matched.
    SettlementLines {
        #[serde(rename = "batchId")]
        #[ts(rename = "batchId", type = "number")]
        batch_id: i64,
    },
    SettlementExceptions(SettlementExceptionFilters),
    /// The refund report over its WIB date range: one row per requester, approver and reason.
    RefundReport(ReportRange),
    /// The open unknown and needs-review items by age.
    Ageing,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartExportInput {
    pub list: ExportList,
    pub format: ExportFormat,
    /// Where the file goes (from `chooseExportFile`); it appears there only when complete.
    pub path: String,
    /// The language of the column headers and status names.
    #[ts(type = "LanguageKey")]
    pub language: String,
}

/// The input of `choose_export_file`: the name the save dialog suggests, and its format.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportFileInput {
    pub suggested_name: String,
    pub format: ExportFormat,
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportJobRef {
    pub job_id: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportProgress {
    pub job_id: u64,
    pub state: JobState,
    pub rows_written: u64,
    /// The rows the filters matched when the export started.
    pub rows_total: u64,
    pub path: String,
    pub error: Option<AppError>,
}
