//! Exports: the payments list, a refund queue, the audit log or a reconciliation's lines and
//! exceptions, with the filters they are shown with, or one of finance's reports (a few rows,
//! read at once), to a CSV or XLSX file. One export at a time per desk runs in the background: the ledger
//! is read in keyset pages and a writer thread turns each page into rows, so memory stays flat
//! however many rows there are. The file is written beside its final path and moved there only
//! when complete; a cancelled or failed export leaves nothing behind. Each finished export is
//! audited with its list, filters and row count.

mod jobs;
pub mod sheet;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use ovo_domain::{CustomerId, Environment, Lang, OperatorId, RefundStatus};
use ovo_ledger::audit::{self, AuditFilter};
use ovo_ledger::payments::{self, PaymentCursor, PaymentFilter};
use ovo_ledger::refunds::{self, RefundCursor};
use ovo_ledger::{customers, operators, settlement};

use crate::backoffice::{Actor, Backoffice};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::permissions::Permission;

pub(crate) use jobs::ExportJobs;
use jobs::{ExportEnd, ExportJob};
use sheet::Cell;

/// Rows read from the ledger at a time.
const PAGE_ROWS: u32 = 1_000;
/// An XLSX worksheet's rows, less the header.
pub const XLSX_MAX_ROWS: u64 = 1_048_575;

/// What to read, once the filters are checked.
#[derive(Debug, Clone)]
enum Source {
    Payments(PaymentFilter),
    Refunds {
        environment: Environment,
        status: RefundStatus,
    },
    Audit(AuditFilter),
    SettlementLines {
        batch_id: i64,
        lines: u64,
    },
    SettlementExceptions {
        environment: Environment,
        filter: settlement::ExceptionFilter,
    },
    /// A report's rows, read when the export starts.
    Report {
        kind: ReportKind,
        rows: Vec<Vec<Cell>>,
    },
}

#[derive(Debug, Clone, Copy)]
enum ReportKind {
    Refunds,
    Ageing,
}

impl Backoffice {
    pub async fn start_export(
        self: &Arc<Self>,
        input: StartExportInput,
    ) -> AppResult<ExportProgress> {
        let permission = match input.list {
            ExportList::Audit(_) => Permission::ViewAudit,
            ExportList::SettlementLines { .. } | ExportList::SettlementExceptions(_) => {
                Permission::ReconcileSettlements
            }
            ExportList::RefundReport(_) | ExportList::Ageing => Permission::ViewFinance,
            _ => Permission::ViewPayments,
        };
        let actor = self.authorize(permission, "export a list").await?;
        crate::validate::text_lengths(&input)?;
        let lang = crate::validate::language(&input.language)?;
        let source = self.export_source(&input.list, lang).await?;
        let path = PathBuf::from(input.path.trim());
        let partial = partial_path(&path)?;
        let total = {
            let mut conn = self.ledger.read().await?;
            match &source {
                Source::Payments(filter) => payments::count(&mut conn, filter).await?,
                Source::Refunds { environment, status } => {
                    refunds::queue_count(&mut conn, Some(*environment), *status).await?
                }
                Source::Audit(filter) => audit::count(&mut conn, filter).await?,
                Source::SettlementLines { lines, .. } => *lines,
                Source::SettlementExceptions { environment, filter } => {
                    settlement::exception_count(&mut conn, *environment, filter).await?
                }
                Source::Report { rows, .. } => rows.len() as u64,
            }
        };
        if input.format == ExportFormat::Xlsx && total > XLSX_MAX_ROWS {
            return Err(AppError::invalid(
                "export_too_many_rows",
                format!(
                    "{total} rows match, and an XLSX sheet holds at most {XLSX_MAX_ROWS}; \
                     export to CSV, or narrow the filters"
                ),
            ));
        }
        let job = self.exports.start(actor.operator.id, total, path.clone())?;
        let this = self.clone();
        let running = job.clone();
        tokio::spawn(async move {
            let written = this.write_export(&running, &source, input.format, &partial, lang).await;
            // A cancel that came while the file was being finished still counts.
            let end = match written.and_then(|()| {
                if running.cancelled() {
                    return Err(jobs::cancelled());
                }
                std::fs::rename(&partial, &path).map_err(|e| sheet::write_failed(&path, e))
            }) {
                Ok(()) => {
                    this.audit_export(&actor, &input, running.rows()).await;
                    ExportEnd::Finished
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    if e.reason == Some("export_cancelled") {
                        ExportEnd::Cancelled
                    } else {
                        ExportEnd::Failed(e)
                    }
                }
            };
            running.end(end);
        });
        Ok(job.progress())
    }

    /// The operator's own export only.
    pub async fn export_progress(&self, input: ExportJobRef) -> AppResult<ExportProgress> {
        let actor = self.authorize(Permission::ViewPayments, "follow an export").await?;
        Ok(self.exports.job(input.job_id, actor.operator.id)?.progress())
    }

    pub async fn cancel_export(&self, input: ExportJobRef) -> AppResult<ExportProgress> {
        let actor = self.authorize(Permission::ViewPayments, "cancel an export").await?;
        let job = self.exports.job(input.job_id, actor.operator.id)?;
        job.cancel.store(true, Ordering::Relaxed);
        Ok(job.progress())
    }

    async fn export_source(&self, list: &ExportList, lang: Lang) -> AppResult<Source> {
        Ok(match list {
            ExportList::Payments(filters) => Source::Payments(self.payment_filter(filters).await?),
            ExportList::Refunds { status } => Source::Refunds {
                environment: self.environment().await,
                status: RefundStatus::parse(status)
                    .map_err(|e| AppError::invalid("refund_status_unknown", e.to_string()))?,
            },
            ExportList::Audit(filters) => Source::Audit(crate::audit_log::audit_filter(filters)?),
            ExportList::SettlementLines { batch_id } => {
                let mut conn = self.ledger.read().await?;
                let batch = self.visible_batch(&mut conn, *batch_id).await?;
                Source::SettlementLines { batch_id: batch.id, lines: batch.line_count as u64 }
            }
            ExportList::SettlementExceptions(filters) => Source::SettlementExceptions {
                environment: self.environment().await,
                filter: crate::settlement::exception_filter(filters)?,
            },
            ExportList::RefundReport(range) => {
                let report = self.refund_report(range.clone()).await?;
                let groups = [
                    (report.by_requester, ("Pengaju", "Requester")),
                    (report.by_approver, ("Penyetuju", "Approver")),
                    (report.by_reason, ("Alasan", "Reason")),
                ];
                let rows = groups
                    .into_iter()
                    .flat_map(|(groups, (id, en))| {
                        let by = if lang == Lang::Id { id } else { en };
                        groups.into_iter().map(move |g| {
                            vec![
                                Cell::text(by),
                                Cell::text(g.label),
                                Cell::Number(i64::try_from(g.count).unwrap_or(i64::MAX)),
                                Cell::Amount(g.amount),
                            ]
                        })
                    })
                    .collect();
                Source::Report { kind: ReportKind::Refunds, rows }
            }
            ExportList::Ageing => {
                let report = self.ageing_report().await?;
                let number = |n: u64| Cell::Number(i64::try_from(n).unwrap_or(i64::MAX));
                let rows = report
                    .buckets
                    .into_iter()
                    .map(|b| {
                        vec![
                            Cell::text(age_label(b.bucket, lang)),
                            number(b.payments.count),
                            Cell::Amount(b.payments.amount),
                            number(b.refunds.count),
                            Cell::Amount(b.refunds.amount),
                        ]
                    })
                    .collect();
                Source::Report { kind: ReportKind::Ageing, rows }
            }
        })
    }

    /// Reads `source` page by page and hands each page to a writer thread.
    async fn write_export(
        &self,
        job: &Arc<ExportJob>,
        source: &Source,
        format: ExportFormat,
        partial: &Path,
        lang: Lang,
    ) -> AppResult<()> {
        let headers = headers(source, lang);
        let (pages, mut received) = tokio::sync::mpsc::channel::<Vec<Vec<Cell>>>(2);
        let writer = {
            let (job, partial) = (job.clone(), partial.to_owned());
            tokio::task::spawn_blocking(move || -> AppResult<()> {
                let mut sheet = sheet::open(format, &partial, &headers)?;
                while let Some(page) = received.blocking_recv() {
                    for row in &page {
                        sheet.row(row)?;
                    }
                    job.written.fetch_add(page.len() as u64, Ordering::Relaxed);
                }
                if job.cancelled() || job.read_failed.load(Ordering::Relaxed) {
                    return Err(jobs::cancelled());
                }
                sheet.finish()
            })
        };
        let read = self.read_pages(job, source, lang, &pages).await;
        // The writer must not finish a file whose rows stopped short.
        job.read_failed.store(read.is_err(), Ordering::Relaxed);
        drop(pages);
        let written =
            writer.await.map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        read.and(written)
    }

    async fn read_pages(
        &self,
        job: &ExportJob,
        source: &Source,
        lang: Lang,
        pages: &tokio::sync::mpsc::Sender<Vec<Vec<Cell>>>,
    ) -> AppResult<()> {
        let operators = {
            let mut conn = self.ledger.read().await?;
            operators::list(&mut conn, true).await?
        };
        let operator_name =
            |id: OperatorId| operators.iter().find(|o| o.id == id).map(|o| o.display_name.clone());
        let mut payments_after: Option<PaymentCursor> = None;
        let mut refunds_after: Option<RefundCursor> = None;
        let mut audit_before: Option<i64> = None;
        let mut line_after: Option<i64> = None;
        let mut exception_before: Option<i64> = None;
        loop {
            if job.cancelled() {
                return Err(jobs::cancelled());
            }
            let mut conn = self.ledger.read().await?;
            let page: Vec<Vec<Cell>> = match source {
                Source::Payments(filter) => {
                    let rows = payments::page(&mut conn, filter, payments_after, PAGE_ROWS).await?;
                    payments_after =
                        rows.last().map(|r| PaymentCursor { created_at: r.created_at, id: r.id });
                    let mut ids: Vec<CustomerId> =
                        rows.iter().filter_map(|r| r.customer_id).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    let names = customers::names(&mut conn, &ids).await?;
                    rows.into_iter()
                        .map(|r| {
                            vec![
                                Cell::text(r.reference.as_str()),
                                Cell::text(r.product.display_name()),
                                Cell::Amount(r.amount.rupiah()),
                                Cell::text(r.status.label(lang)),
                                Cell::optional_text(
                                    r.customer_id.and_then(|c| names.get(&c).cloned()),
                                ),
                                Cell::optional_text(r.provider_ref),
                                Cell::Time(r.created_at),
                                Cell::optional_time(r.succeeded_at),
                            ]
                        })
                        .collect()
                }
                Source::Refunds { environment, status } => {
                    let rows = refunds::queue_in(
                        &mut conn,
                        Some(*environment),
                        *status,
                        refunds_after,
                        PAGE_ROWS,
                    )
                    .await?;
                    refunds_after = rows
                        .last()
                        .map(|r| RefundCursor { requested_at: r.requested_at, id: r.id });
                    let mut ids: Vec<_> = rows.iter().map(|r| r.payment_id).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    let paid = payments::references(&mut conn, &ids).await?;
                    rows.into_iter()
                        .map(|r| {
                            let payment = paid.get(&r.payment_id);
                            vec![
                                Cell::text(r.reference.as_str()),
                                Cell::optional_text(
                                    payment.map(|(reference, _)| reference.as_str()),
                                ),
                                Cell::optional_text(
                                    payment.map(|(_, product)| product.display_name()),
                                ),
                                Cell::Amount(r.amount.rupiah()),
                                Cell::text(mode_label(r.mode, lang)),
                                Cell::text(r.status.label(lang)),
                                Cell::text(r.reason),
                                Cell::optional_text(operator_name(r.requested_by)),
                                Cell::Time(r.requested_at),
                                Cell::optional_text(r.decided_by.and_then(operator_name)),
                                Cell::optional_time(r.decided_at),
                                Cell::optional_text(r.provider_ref),
                                Cell::optional_time(r.completed_at),
                                Cell::optional_text(r.problem.as_deref().map(problem_text)),
                            ]
                        })
                        .collect()
                }
                Source::Audit(filter) => {
                    let rows = audit::page(&mut conn, filter, audit_before, PAGE_ROWS).await?;
                    audit_before = rows.last().map(|r| r.seq);
                    rows.into_iter()
                        .map(|r| {
                            // As recorded (and sealed in the chain), as the screen shows it.
                            let operator = r.operator;
                            vec![
                                Cell::Number(r.seq),
                                Cell::Time(r.at),
                                Cell::optional_text(operator),
                                Cell::text(r.action),
                                Cell::text(r.subject),
                                Cell::text(outcome_label(r.outcome, lang)),
                                Cell::text(r.detail),
                            ]
                        })
                        .collect()
                }
                Source::SettlementLines { batch_id, .. } => {
                    let rows = settlement::lines(&mut conn, *batch_id, None, line_after, PAGE_ROWS)
                        .await?;
                    line_after = rows.last().map(|r| r.line_no);
                    rows.into_iter()
                        .map(|r| {
                            vec![
                                Cell::Number(r.line_no),
                                Cell::text(r.reference),
                                Cell::optional_text(r.payment_reference),
                                Cell::text(r.kind.label(lang)),
                                Cell::Amount(r.amount),
                                r.ledger_amount.map_or(Cell::Empty, Cell::Amount),
                                r.fee.map_or(Cell::Empty, Cell::Amount),
                                r.net.map_or(Cell::Empty, Cell::Amount),
                                Cell::Time(r.settled_at),
                                Cell::optional_text(r.status_text),
                                Cell::text(r.outcome.label(lang)),
                            ]
                        })
                        .collect()
                }
                Source::SettlementExceptions { environment, filter } => {
                    let rows = settlement::exceptions(
                        &mut conn,
                        *environment,
                        filter,
                        exception_before,
                        PAGE_ROWS,
                    )
                    .await?;
                    exception_before = rows.last().map(|r| r.id);
                    rows.into_iter()
                        .map(|r| {
                            vec![
                                Cell::text(r.kind.label(lang)),
                                Cell::text(r.reference),
                                Cell::text(r.product.display_name()),
                                r.ledger_amount.map_or(Cell::Empty, Cell::Amount),
                                r.file_amount.map_or(Cell::Empty, Cell::Amount),
                                Cell::text(r.file_name),
                                r.line_no.map_or(Cell::Empty, Cell::Number),
                                Cell::Time(r.found_at),
                                Cell::optional_text(r.resolved_by_name),
                                Cell::optional_time(r.resolved_at),
                                Cell::optional_text(r.resolution),
                            ]
                        })
                        .collect()
                }
                Source::Report { rows, .. } => {
                    drop(conn);
                    if !rows.is_empty() {
                        // The writer's own error says why it stopped.
                        let _ = pages.send(rows.clone()).await;
                    }
                    return Ok(());
                }
            };
            drop(conn);
            let last = page.len() < PAGE_ROWS as usize;
            if !page.is_empty() && pages.send(page).await.is_err() {
                // The writer stopped: its own error says why.
                return Ok(());
            }
            if last {
                return Ok(());
            }
        }
    }

    async fn audit_export(&self, actor: &Actor, input: &StartExportInput, rows: u64) {
        let list = serde_json::to_value(&input.list).unwrap_or_default();
        let subject = list["list"].as_str().unwrap_or("list").to_owned();
        let detail = serde_json::json!({
            "list": list,
            "format": input.format.extension(),
            "rows": rows,
        });
        let written = async {
            let mut tx = self.ledger.begin_write().await?;
            self.audit_act(&mut tx, actor, "export.written", &format!("export:{subject}"), detail)
                .await?;
            ovo_ledger::commit(tx).await?;
            AppResult::Ok(())
        };
        if let Err(e) = written.await {
            tracing::warn!(error = %e, "an export was written but could not be audited");
        }
    }
}

/// Where the file is written until it is complete: beside the final path (a hidden name of
/// this process's own), so the last step is a rename on the same disk.
fn partial_path(path: &Path) -> AppResult<PathBuf> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = path.file_name().filter(|_| path.is_absolute()).ok_or_else(|| {
        AppError::invalid("export_path_invalid", "choose a file (a full path) to export to")
    })?;
    let folder = path.parent().filter(|p| p.is_dir()).ok_or_else(|| {
        AppError::invalid(
            "export_path_invalid",
            format!("the folder of {} does not exist", path.display()),
        )
    })?;
    let mut partial = std::ffi::OsString::from(".");
    partial.push(name);
    let unique = NEXT.fetch_add(1, Ordering::Relaxed);
    partial.push(format!(".{}-{unique}.part", std::process::id()));
    Ok(folder.join(partial))
}

fn headers(source: &Source, lang: Lang) -> Vec<&'static str> {
    let pick = |pairs: &[(&'static str, &'static str)]| -> Vec<&'static str> {
        pairs.iter().map(|(id, en)| if lang == Lang::Id { *id } else { *en }).collect()
    };
    match source {
        Source::Payments(_) => pick(&[
            ("Referensi", "Reference"),
            ("Produk", "Product"),
            ("Nominal (IDR)", "Amount (IDR)"),
            ("Status", "Status"),
            ("Pelanggan", "Customer"),
            ("Referensi penyedia", "Provider reference"),
            ("Dibuat (WIB)", "Created (WIB)"),
            ("Berhasil (WIB)", "Succeeded (WIB)"),
        ]),
        Source::Refunds { .. } => pick(&[
            ("Referensi", "Reference"),
            ("Referensi pembayaran", "Payment reference"),
            ("Produk", "Product"),
            ("Nominal (IDR)", "Amount (IDR)"),
            ("Cara pengembalian dana", "Refund method"),
            ("Status", "Status"),
            ("Alasan", "Reason"),
            ("Diajukan oleh", "Requested by"),
            ("Diajukan (WIB)", "Requested (WIB)"),
            ("Diputuskan oleh", "Decided by"),
            ("Diputuskan (WIB)", "Decided (WIB)"),
            ("Referensi penyedia", "Provider reference"),
            ("Selesai (WIB)", "Completed (WIB)"),
            ("Respons penyedia", "Provider response"),
        ]),
        Source::SettlementLines { .. } => pick(&[
            ("Baris", "Line"),
            ("Referensi di laporan", "Reference in the report"),
            ("Referensi pembayaran", "Payment reference"),
            ("Jenis", "Kind"),
            ("Nominal di laporan (IDR)", "Amount in the report (IDR)"),
            ("Nominal di buku besar (IDR)", "Amount in the ledger (IDR)"),
            ("Biaya (IDR)", "Fee (IDR)"),
            ("Bersih (IDR)", "Net (IDR)"),
            ("Waktu (WIB)", "Time (WIB)"),
            ("Status di laporan", "Status in the report"),
            ("Hasil pencocokan", "Match"),
        ]),
        Source::SettlementExceptions { .. } => pick(&[
            ("Selisih", "Exception"),
            ("Referensi", "Reference"),
            ("Produk", "Product"),
            ("Nominal di buku besar (IDR)", "Amount in the ledger (IDR)"),
            ("Nominal di laporan (IDR)", "Amount in the report (IDR)"),
            ("Laporan", "Report"),
            ("Baris", "Line"),
            ("Ditemukan (WIB)", "Found (WIB)"),
            ("Diselesaikan oleh", "Resolved by"),
            ("Diselesaikan (WIB)", "Resolved (WIB)"),
            ("Alasan", "Reason"),
        ]),
        Source::Report { kind: ReportKind::Refunds, .. } => pick(&[
            ("Menurut", "By"),
            ("Nama atau alasan", "Name or reason"),
            ("Pengembalian dana (transaksi)", "Refunds"),
            ("Nominal (IDR)", "Amount (IDR)"),
        ]),
        Source::Report { kind: ReportKind::Ageing, .. } => pick(&[
            ("Umur", "Age"),
            ("Pembayaran", "Payments"),
            ("Nominal pembayaran (IDR)", "Payments amount (IDR)"),
            ("Pengembalian dana", "Refunds"),
            ("Nominal pengembalian dana (IDR)", "Refunds amount (IDR)"),
        ]),
        Source::Audit(_) => pick(&[
            ("No.", "No."),
            ("Waktu (WIB)", "Time (WIB)"),
            ("Operator", "Operator"),
            ("Tindakan", "Action"),
            ("Objek", "Object"),
            ("Hasil", "Outcome"),
            ("Rincian", "Details"),
        ]),
    }
}

/// As the reports screen names the bucket.
fn age_label(bucket: AgeBucket, lang: Lang) -> &'static str {
    match (bucket, lang) {
        (AgeBucket::Today, Lang::Id) => "Kurang dari 1 hari",
        (AgeBucket::Today, Lang::En) => "Under 1 day",
        (AgeBucket::Days1To2, Lang::Id) => "1–2 hari",
        (AgeBucket::Days1To2, Lang::En) => "1–2 days",
        (AgeBucket::Days3To6, Lang::Id) => "3–6 hari",
        (AgeBucket::Days3To6, Lang::En) => "3–6 days",
        (AgeBucket::Days7Plus, Lang::Id) => "7 hari atau lebih",
        (AgeBucket::Days7Plus, Lang::En) => "7 days or more",
    }
}

fn mode_label(mode: ovo_domain::RefundMode, lang: Lang) -> &'static str {
    match (mode, lang) {
        (ovo_domain::RefundMode::Api, Lang::Id) => "Melalui API penyedia",
        (ovo_domain::RefundMode::Api, Lang::En) => "Through the provider's API",
        (ovo_domain::RefundMode::Offline, Lang::Id) => "Manual (di luar penyedia)",
        (ovo_domain::RefundMode::Offline, Lang::En) => "Offline (outside the provider)",
    }
}

fn outcome_label(outcome: audit::AuditOutcome, lang: Lang) -> &'static str {
    use audit::AuditOutcome::*;
    match (outcome, lang) {
        (Ok, Lang::Id) => "Berhasil",
        (Ok, Lang::En) => "Done",
        (Denied, Lang::Id) => "Ditolak",
        (Denied, Lang::En) => "Denied",
        (Failed, Lang::Id) => "Gagal",
        (Failed, Lang::En) => "Failed",
    }
}

/// A refund's stored provider problem (`{code, message}`) as `code: message`.
fn problem_text(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let field = |key: &str| value[key].as_str().map(str::to_owned);
    match (field("code"), field("message")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(text), None) | (None, Some(text)) => text,
        (None, None) => json.to_owned(),
    }
}
