//! Settlement reconciliation: a provider's settlement file checked against the ledger (every
//! line read, every problem named by line, the matches counted, nothing written), then imported
//! in one write transaction; the batches, their lines, and the exceptions finance resolves with
//! a reason (audited), which stay open until then.

mod file;
mod lines;
mod matcher;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use ovo_domain::{
    wib, Environment, PaymentId, Product, Reference, SettlementKind, SettlementOutcome, Timestamp,
};
use ovo_ledger::settlement::{self as ledger, ExceptionFilter, NewException, NewLine};
use ovo_providers::settlement::{settlement_report, SettlementColumns};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::permissions::Permission;
use matcher::{LedgerFacts, Matched};

/// Problems listed in a check (all of them are counted).
const SHOWN_PROBLEMS: usize = 50;
/// The longest resolution reason accepted.
pub const REASON_MAX_CHARS: usize = 500;
const MAPPING_KEY_PREFIX: &str = "settlement_mapping/";
const PAGE_DEFAULT: u32 = 100;
const PAGE_MAX: u32 = 500;

/// What is wrong with a file or a line of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<u64>,
    pub reason: &'static str,
    pub detail: String,
}

impl From<&Problem> for SettlementProblemView {
    fn from(p: &Problem) -> Self {
        SettlementProblemView {
            line: p.line,
            reason: p.reason.to_owned(),
            detail: p.detail.clone(),
        }
    }
}

impl From<SettlementColumns> for SettlementMapping {
    fn from(c: SettlementColumns) -> Self {
        SettlementMapping {
            reference: c.reference,
            date: c.date,
            amount: c.amount,
            kind: c.kind,
            fee: c.fee,
            net: c.net,
            status: c.status,
        }
    }
}

impl From<&SettlementMapping> for SettlementColumns {
    fn from(m: &SettlementMapping) -> Self {
        let optional = |v: &Option<String>| crate::validate::trimmed(v);
        SettlementColumns {
            reference: m.reference.trim().to_owned(),
            date: m.date.trim().to_owned(),
            amount: m.amount.trim().to_owned(),
            kind: optional(&m.kind),
            fee: optional(&m.fee),
            net: optional(&m.net),
            status: optional(&m.status),
        }
    }
}

/// A file read and matched, ready to be stored.
struct Prepared {
    check: SettlementCheck,
    sha256: String,
    lines: Vec<NewLine>,
    exceptions: Vec<NewException>,
    settled: Vec<PaymentId>,
}

fn product_of(key: &str) -> AppResult<Product> {
    Product::parse(key).map_err(|e| AppError::invalid("product_unknown", e.to_string()))
}

fn problem_error(problems: &[SettlementProblemView], count: u64) -> AppError {
    let mut text: Vec<String> = problems
        .iter()
        .take(10)
        .map(|p| match p.line {
            Some(line) => format!("line {line}: {}", p.detail),
            None => p.detail.clone(),
        })
        .collect();
    if count > text.len() as u64 {
        text.push(format!("and {} more", count - text.len() as u64));
    }
    let mut error = AppError::invalid(
        "settlement_file_invalid",
        format!("nothing was imported: {}", text.join("; ")),
    );
    if let Some(line) = problems.iter().find_map(|p| p.line) {
        error = error.at_line(line);
    }
    error
}

fn blocked(
    file_name: String,
    mapping: SettlementMapping,
    problems: Vec<Problem>,
) -> SettlementCheck {
    SettlementCheck {
        file_name,
        headers: Vec::new(),
        mapping,
        mapping_remembered: false,
        lines: 0,
        first_date: None,
        last_date: None,
        outcomes: Vec::new(),
        not_in_file: 0,
        payments_total: 0,
        refunds_total: 0,
        fees_total: None,
        net_total: None,
        problem_count: problems.len() as u64,
        problems: problems.iter().take(SHOWN_PROBLEMS).map(Into::into).collect(),
        batch_id: None,
    }
}

fn sum_optional(values: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    let mut any = false;
    let total = values.fold(0_i64, |sum, v| {
        any |= v.is_some();
        sum.saturating_add(v.unwrap_or(0))
    });
    any.then_some(total)
}

impl Backoffice {
    /// Reads `input`'s file and matches it against the ledger without writing anything.
    pub async fn check_settlement_file(
        &self,
        input: SettlementFileInput,
    ) -> AppResult<SettlementCheck> {
        self.authorize(Permission::ReconcileSettlements, "reconcile settlements").await?;
        crate::validate::text_lengths(&input)?;
        Ok(self.prepare_settlement(&input).await?.check)
    }

    /// Imports `input`'s file: refused whole when any line has a problem; otherwise its batch,
    /// lines and exceptions in one write transaction, audited, and the mapping remembered.
    pub async fn import_settlement_file(
        &self,
        input: SettlementFileInput,
    ) -> AppResult<SettlementCheck> {
        let actor =
            self.authorize(Permission::ReconcileSettlements, "reconcile settlements").await?;
        crate::validate::text_lengths(&input)?;
        let product = product_of(&input.product)?;
        let prepared = self.prepare_settlement(&input).await?;
        let mut check = prepared.check;
        if check.problem_count > 0 {
            return Err(problem_error(&check.problems, check.problem_count));
        }
        let environment = self.environment().await;
        let now = self.now();
        let (first_date, last_date) = match (&check.first_date, &check.last_date) {
            (Some(first), Some(last)) => (first.clone(), last.clone()),
            _ => return Err(AppError::invalid("settlement_file_empty", "the file has no lines")),
        };
        let mut tx = self.ledger.begin_write().await?;
        // Checked again under the write lock: another desk may have imported it meanwhile.
        if let Some(earlier) =
            ledger::earlier_import(&mut tx, environment, product, &prepared.sha256).await?
        {
            return Err(already_imported(&earlier));
        }
        // The matching read the ledger before the lock: another desk may have settled some of
        // these payments or refunds meanwhile, which would make them settled twice.
        let fresh = |kind: SettlementKind| -> Vec<i64> {
            prepared
                .lines
                .iter()
                .filter(|l| l.kind == kind && l.outcome != SettlementOutcome::SettledTwice)
                .filter_map(|l| match kind {
                    SettlementKind::Payment => l.payment_id.map(PaymentId::get),
                    SettlementKind::Refund => l.refund_id.map(|r| r.get()),
                })
                .collect()
        };
        let settled_meanwhile =
            !ledger::already_settled(&mut tx, &fresh(SettlementKind::Payment), false)
                .await?
                .is_empty()
                || !ledger::already_settled(&mut tx, &fresh(SettlementKind::Refund), true)
                    .await?
                    .is_empty();
        if settled_meanwhile {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "a report settling some of these payments was imported meanwhile; check the file again",
            )
            .with_reason("settlement_changed"));
        }
        let batch = ledger::NewBatch {
            environment,
            product,
            file_name: &check.file_name,
            file_sha256: &prepared.sha256,
            imported_by: actor.operator.id,
            imported_at: now,
            first_date: &first_date,
            last_date: &last_date,
            line_count: prepared.lines.len() as i64,
            payments_total: check.payments_total,
            refunds_total: check.refunds_total,
            fees_total: check.fees_total,
            net_total: check.net_total,
        };
        let mut exceptions = prepared.exceptions;
        let batch_id = ledger::insert_batch(&mut tx, &batch, &prepared.lines).await?;
        let resolution = format!("settled in {} (batch {batch_id})", check.file_name);
        let late = ledger::resolve_settled_late(
            &mut tx,
            &prepared.settled,
            actor.operator.id,
            now,
            &resolution,
        )
        .await?;
        // "Not in file" is decided against every batch of the product, this one included.
        exceptions.extend(self.missing_from_files(&mut tx, environment, product, now).await?);
        check.not_in_file =
            exceptions.iter().filter(|x| x.kind == SettlementOutcome::NotInFile).count() as u64;
        ledger::insert_exceptions(&mut tx, environment, product, batch_id, now, &exceptions)
            .await?;
        self.audit_act(
            &mut tx,
            &actor,
            "settlement.imported",
            &format!("settlement:{batch_id}"),
            json!({
                "product": product.key(),
                "file": check.file_name,
                "sha256": prepared.sha256,
                "lines": prepared.lines.len(),
                "outcomes": check.outcomes.iter().map(|o| (o.outcome.clone(), o.count)).collect::<HashMap<_, _>>(),
                "not_in_file": check.not_in_file,
                "settled_late": late,
            }),
        )
        .await?;
        // The columns the operator chose, as chosen, are what the product's next file is read by.
        if let Some(chosen) = &input.mapping {
            ovo_ledger::settings::put(
                &mut tx,
                &format!("{MAPPING_KEY_PREFIX}{}", product.key()),
                &serde_json::to_string(chosen).unwrap_or_default(),
                now,
                Some(actor.operator.id),
            )
            .await?;
        }
        ovo_ledger::commit(tx).await?;
        check.batch_id = Some(batch_id);
        Ok(check)
    }

    async fn prepare_settlement(&self, input: &SettlementFileInput) -> AppResult<Prepared> {
        let product = product_of(&input.product)?;
        let environment = self.environment().await;
        let path = PathBuf::from(input.path.trim());
        if !path.is_absolute() {
            return Err(AppError::invalid(
                "settlement_path_invalid",
                "choose a file (a full path)",
            ));
        }
        let file_name =
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let remembered = self
            .setting(&format!("{MAPPING_KEY_PREFIX}{}", product.key()))
            .await
            .and_then(|v| serde_json::from_str::<SettlementMapping>(&v).ok());
        let (mapping, mapping_remembered) = match (&input.mapping, remembered) {
            (Some(given), _) => (given.clone(), false),
            (None, Some(remembered)) => (remembered, true),
            (None, None) => (settlement_report(product).columns.into(), false),
        };
        let columns = SettlementColumns::from(&mapping);
        let today = wib::wib_date(self.now());
        // Only a mapping the operator chose must have every column it names.
        let chosen = input.mapping.is_some();
        let read = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || read_lines(&path, &columns, chosen, product, today))
                .await
                .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
        };
        let (sha256, headers, columns, parsed, mut problems) = match read {
            Ok(read) => read,
            Err(problem) => {
                return Ok(Prepared {
                    check: blocked(file_name, mapping, vec![problem]),
                    sha256: String::new(),
                    lines: Vec::new(),
                    exceptions: Vec::new(),
                    settled: Vec::new(),
                })
            }
        };
        let mut conn = self.ledger.read().await?;
        if let Some(earlier) =
            ledger::earlier_import(&mut conn, environment, product, &sha256).await?
        {
            let e = already_imported(&earlier);
            problems.insert(
                0,
                Problem { line: None, reason: "settlement_already_imported", detail: e.message },
            );
        }
        let facts = ledger_facts(&mut conn, &parsed).await?;
        drop(conn);
        let matched = match matcher::match_lines(product, environment, &parsed, &facts) {
            Ok(matched) => matched,
            Err(wrong) => {
                problems.extend(wrong);
                Matched::default()
            }
        };
        if !parsed.is_empty()
            && problems.is_empty()
            && matched.lines.iter().all(|l| l.payment_id.is_none())
        {
            problems.push(Problem {
                line: None,
                reason: "settlement_nothing_matches",
                detail: format!(
                    "none of the {} lines names a payment of {product} in the ledger: is this {product}'s report?",
                    parsed.len()
                ),
            });
        }
        let known: Vec<&NewLine> =
            matched.lines.iter().filter(|l| l.payment_id.is_some()).collect();
        if !known.is_empty() && known.iter().all(|l| l.outcome == SettlementOutcome::SettledTwice) {
            problems.push(Problem {
                line: None,
                reason: "settlement_dates_settled",
                detail: format!(
                    "every payment of this file ({}) was settled by a report imported before: is this the right date?",
                    known.len()
                ),
            });
        }
        problems.sort_by_key(|p| p.line.unwrap_or(0));
        let dates = parsed.iter().map(|l| wib::wib_date(l.at));
        let first = dates.clone().min();
        let last = dates.max();
        let mut outcomes: Vec<OutcomeCount> = Vec::new();
        for outcome in SettlementOutcome::ALL {
            let of: Vec<&NewLine> = matched.lines.iter().filter(|l| l.outcome == outcome).collect();
            if !of.is_empty() {
                outcomes.push(OutcomeCount {
                    outcome: outcome.key().to_owned(),
                    count: of.len() as u64,
                    amount: of.iter().map(|l| l.amount).sum(),
                });
            }
        }
        let total = |kind| parsed.iter().filter(|l| l.kind == kind).map(|l| l.amount).sum();
        let check = SettlementCheck {
            file_name,
            headers,
            mapping: columns.into(),
            mapping_remembered,
            lines: parsed.len() as u64,
            first_date: first.map(|d| d.to_string()),
            last_date: last.map(|d| d.to_string()),
            outcomes,
            not_in_file: self
                .count_missing(environment, product, first, last, &matched.settled)
                .await?,
            payments_total: total(SettlementKind::Payment),
            refunds_total: total(SettlementKind::Refund),
            fees_total: sum_optional(parsed.iter().map(|l| l.fee)),
            net_total: sum_optional(parsed.iter().map(|l| l.net)),
            problem_count: problems.len() as u64,
            problems: problems.iter().take(SHOWN_PROBLEMS).map(Into::into).collect(),
            batch_id: None,
        };
        Ok(Prepared {
            check,
            sha256,
            lines: matched.lines,
            exceptions: matched.exceptions,
            settled: matched.settled,
        })
    }

    /// Due payments (succeeded, `due_working_days` past their WIB date) within the dates the
    /// product's batches and this file cover, that neither a stored file nor this one settles.
    async fn count_missing(
        &self,
        environment: Environment,
        product: Product,
        first: Option<NaiveDate>,
        last: Option<NaiveDate>,
        settled_here: &[PaymentId],
    ) -> AppResult<u64> {
        let mut conn = self.ledger.read().await?;
        let covered = ledger::covered_dates(&mut conn, environment, product).await?;
        let range = widen(covered, first, last);
        let Some((from, to)) = due_range(range, product, wib::wib_date(self.now())) else {
            return Ok(0);
        };
        let here: HashSet<PaymentId> = settled_here.iter().copied().collect();
        let unsettled =
            ledger::unsettled_payments(&mut conn, environment, product, from, to).await?;
        Ok(unsettled.iter().filter(|p| !here.contains(&p.id)).count() as u64)
    }

    async fn missing_from_files(
        &self,
        tx: &mut ovo_ledger::Connection,
        environment: Environment,
        product: Product,
        now: Timestamp,
    ) -> AppResult<Vec<NewException>> {
        let covered = ledger::covered_dates(tx, environment, product).await?;
        let Some((from, to)) = due_range(widen(covered, None, None), product, wib::wib_date(now))
        else {
            return Ok(Vec::new());
        };
        Ok(ledger::unsettled_payments(tx, environment, product, from, to)
            .await?
            .into_iter()
            .map(|p| NewException {
                line_no: None,
                payment_id: Some(p.id),
                refund_id: None,
                kind: SettlementOutcome::NotInFile,
                reference: p.reference.as_str().to_owned(),
                ledger_amount: Some(p.amount),
                file_amount: None,
            })
            .collect())
    }

    pub async fn settlement_batches(
        &self,
        input: SettlementBatchesQuery,
    ) -> AppResult<Vec<SettlementBatchView>> {
        self.authorize(Permission::ReconcileSettlements, "reconcile settlements").await?;
        let environment = self.environment().await;
        let mut conn = self.ledger.read().await?;
        let limit = input.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
        let rows = ledger::batches(&mut conn, environment, input.before, limit).await?;
        Ok(rows.into_iter().map(batch_view).collect())
    }

    pub async fn settlement_lines(
        &self,
        input: SettlementLinesQuery,
    ) -> AppResult<Page<SettlementLineView, i64>> {
        self.authorize(Permission::ReconcileSettlements, "reconcile settlements").await?;
        crate::validate::text_lengths(&input)?;
        let outcome = input
            .outcome
            .as_deref()
            .map(SettlementOutcome::parse)
            .transpose()
            .map_err(|e| AppError::invalid("settlement_outcome_unknown", e.to_string()))?;
        let limit = input.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
        let mut conn = self.ledger.read().await?;
        self.visible_batch(&mut conn, input.batch_id).await?;
        let rows =
            ledger::lines(&mut conn, input.batch_id, outcome, input.after_line, limit).await?;
        let next = (rows.len() == limit as usize).then(|| rows.last().map(|r| r.line_no)).flatten();
        Ok(Page { items: rows.into_iter().map(line_view).collect(), next })
    }

    pub(crate) async fn visible_batch(
        &self,
        conn: &mut ovo_ledger::Connection,
        id: i64,
    ) -> AppResult<ledger::BatchRow> {
        let environment = self.environment().await;
        ledger::batch(conn, id)
            .await?
            .filter(|b| b.environment == environment)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such settlement file"))
    }

    pub async fn settlement_exceptions(
        &self,
        input: SettlementExceptionsQuery,
    ) -> AppResult<SettlementExceptionPage> {
        self.authorize(Permission::ReconcileSettlements, "reconcile settlements").await?;
        crate::validate::text_lengths(&input)?;
        let environment = self.environment().await;
        let filter = exception_filter(&input.filters)?;
        let limit = input.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
        let mut conn = self.ledger.read().await?;
        let rows = ledger::exceptions(&mut conn, environment, &filter, input.before, limit).await?;
        let total = ledger::exception_count(&mut conn, environment, &filter).await?;
        let next = (rows.len() == limit as usize).then(|| rows.last().map(|r| r.id)).flatten();
        Ok(SettlementExceptionPage {
            items: rows.into_iter().map(exception_view).collect(),
            next,
            total,
        })
    }

    /// Open exceptions of the current environment (the dashboard's figure).
    pub(crate) async fn open_settlement_exceptions(&self) -> AppResult<u64> {
        let environment = self.environment().await;
        let mut conn = self.ledger.read().await?;
        let filter = ExceptionFilter { open_only: true, ..ExceptionFilter::default() };
        Ok(ledger::exception_count(&mut conn, environment, &filter).await?)
    }

    pub async fn resolve_settlement_exception(
        &self,
        input: ResolveExceptionInput,
    ) -> AppResult<SettlementExceptionView> {
        let actor =
            self.authorize(Permission::ReconcileSettlements, "reconcile settlements").await?;
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid(
                "settlement_reason_missing",
                "say how the difference was settled (for example: the provider's correction of 6 March)",
            ));
        }
        let chars = reason.chars().count();
        if chars > REASON_MAX_CHARS {
            return Err(AppError::invalid(
                "text_too_long",
                format!("the reason is {chars} characters long; at most {REASON_MAX_CHARS} are accepted"),
            ));
        }
        let environment = self.environment().await;
        let mut tx = self.ledger.begin_write().await?;
        let found = ledger::exception(&mut tx, input.id)
            .await?
            .filter(|x| x.environment == environment)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such settlement exception"))?;
        if found.resolved_at.is_some() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "{} resolved this exception already",
                    found.resolved_by_name.as_deref().unwrap_or("another operator")
                ),
            )
            .with_reason("settlement_exception_resolved"));
        }
        ledger::resolve(&mut tx, input.id, actor.operator.id, self.now(), reason).await?;
        self.audit_act(
            &mut tx,
            &actor,
            "settlement.exception_resolved",
            &format!("payment:{}", found.reference),
            json!({
                "exception": input.id,
                "kind": found.kind.key(),
                "batch": found.batch_id,
                "ledger_amount": found.ledger_amount,
                "file_amount": found.file_amount,
                "reason": reason,
            }),
        )
        .await?;
        let resolved = ledger::exception(&mut tx, input.id).await?;
        ovo_ledger::commit(tx).await?;
        resolved
            .map(exception_view)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such settlement exception"))
    }
}

fn already_imported(earlier: &ledger::EarlierImport) -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        format!(
            "this file was imported on {} by {} (batch {}); nothing was imported again",
            wib::format_wib(earlier.imported_at),
            earlier.imported_by_name,
            earlier.id
        ),
    )
    .with_reason("settlement_already_imported")
}

/// The file's lines: its hash, header, lines and line problems; or the problem that stops it.
#[allow(clippy::type_complexity)]
fn read_lines(
    path: &Path,
    columns: &SettlementColumns,
    chosen: bool,
    product: Product,
    today: NaiveDate,
) -> Result<(String, Vec<String>, SettlementColumns, Vec<lines::ParsedLine>, Vec<Problem>), Problem>
{
    let grid = file::read_grid(path)?;
    let (header_index, headers) =
        lines::header_row(&grid, &columns.reference).ok_or_else(|| Problem {
            line: None,
            reason: "settlement_columns_missing",
            detail: format!(
                "no header row with the column {} in the first rows; its first row is: {}",
                columns.reference,
                grid.rows
                    .first()
                    .map(|(_, cells)| cells
                        .iter()
                        .map(file::Cell::text)
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ),
        })?;
    let columns = if chosen { columns.clone() } else { lines::present_only(&headers, columns) };
    let at = lines::positions(&headers, &columns)?;
    let (parsed, problems) = lines::parse_lines(&grid, header_index, at, product, today);
    Ok((grid.sha256, headers, columns, parsed, problems))
}

async fn ledger_facts(
    conn: &mut ovo_ledger::Connection,
    parsed: &[lines::ParsedLine],
) -> AppResult<LedgerFacts> {
    let mut references: Vec<Reference> =
        parsed.iter().filter_map(|l| l.reference.clone()).collect();
    references.sort();
    references.dedup();
    let payments = ledger::payments_by_reference(conn, &references).await?;
    let ids: Vec<PaymentId> = payments.iter().map(|p| p.id).collect();
    let refunds = ledger::refunds_of(conn, &ids).await?;
    let refund_ids: Vec<i64> = refunds.iter().map(|r| r.id.get()).collect();
    let settled_payments: HashSet<i64> =
        ledger::already_settled(conn, &ids.iter().map(|p| p.get()).collect::<Vec<_>>(), false)
            .await?
            .into_iter()
            .collect();
    let settled_refunds: HashSet<i64> =
        ledger::already_settled(conn, &refund_ids, true).await?.into_iter().collect();
    let mut by_payment: HashMap<PaymentId, Vec<ledger::SettlementRefund>> = HashMap::new();
    for r in refunds {
        by_payment.entry(r.payment_id).or_default().push(r);
    }
    Ok(LedgerFacts {
        payments: payments.into_iter().map(|p| (p.reference.clone(), p)).collect(),
        refunds: by_payment,
        settled_payments,
        settled_refunds,
    })
}

/// The dates the product's batches cover, widened by a file being checked.
fn widen(
    covered: Option<(String, String)>,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
) -> Option<(NaiveDate, NaiveDate)> {
    let covered = covered.and_then(|(a, b)| Some((wib::parse_date(&a)?, wib::parse_date(&b)?)));
    match (covered, first.zip(last)) {
        (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
        (one, other) => one.or(other),
    }
}

/// The instants `[from, to)` of the payments in `range` that are due by `today`: those whose WIB
/// date plus the product's settlement delay in working days is before today.
fn due_range(
    range: Option<(NaiveDate, NaiveDate)>,
    product: Product,
    today: NaiveDate,
) -> Option<(Timestamp, Timestamp)> {
    let (first, last) = range?;
    let due = settlement_report(product).due_working_days;
    // The last due WIB date: the latest d with add_working_days(d, due) < today.
    let mut latest_due = last;
    while latest_due >= first && wib::add_working_days(latest_due, due) >= today {
        latest_due = latest_due.pred_opt()?;
    }
    (latest_due >= first).then(|| (wib::wib_day_start(first), wib::wib_day_bounds(latest_due).1))
}

pub(crate) fn exception_filter(filters: &SettlementExceptionFilters) -> AppResult<ExceptionFilter> {
    Ok(ExceptionFilter {
        open_only: filters.open_only,
        batch_id: filters.batch_id,
        product: filters.product.as_deref().map(product_of).transpose()?,
    })
}

fn batch_view(b: ledger::BatchRow) -> SettlementBatchView {
    SettlementBatchView {
        id: b.id,
        product: b.product.key().to_owned(),
        file_name: b.file_name,
        imported_by: b.imported_by_name,
        imported_at: b.imported_at.to_rfc3339(),
        first_date: b.first_date,
        last_date: b.last_date,
        line_count: b.line_count,
        matched: b.matched,
        exceptions: b.exceptions,
        open_exceptions: b.open_exceptions,
        payments_total: b.payments_total,
        refunds_total: b.refunds_total,
        fees_total: b.fees_total,
        net_total: b.net_total,
    }
}

fn line_view(l: ledger::LineRow) -> SettlementLineView {
    SettlementLineView {
        line_no: l.line_no,
        reference: l.reference,
        payment_reference: l.payment_reference,
        kind: l.kind.key().to_owned(),
        amount: l.amount,
        ledger_amount: l.ledger_amount,
        fee: l.fee,
        net: l.net,
        settled_at: l.settled_at.to_rfc3339(),
        status: l.status_text,
        outcome: l.outcome.key().to_owned(),
    }
}

fn exception_view(x: ledger::ExceptionRow) -> SettlementExceptionView {
    SettlementExceptionView {
        id: x.id,
        product: x.product.key().to_owned(),
        batch_id: x.batch_id,
        file_name: x.file_name,
        line_no: x.line_no,
        payment_id: x.payment_id.map(|p| p.get()),
        refund_id: x.refund_id.map(|r| r.get()),
        kind: x.kind.key().to_owned(),
        reference: x.reference,
        ledger_amount: x.ledger_amount,
        file_amount: x.file_amount,
        found_at: x.found_at.to_rfc3339(),
        resolved_by: x.resolved_by_name,
        resolved_at: x.resolved_at.map(Timestamp::to_rfc3339),
        resolution: x.resolution,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_payment_is_due_two_working_days_after_its_date() {
        // Thursday 5 March: due once Monday 9 March has passed (D+2 working days).
        let range = Some((date(2026, 3, 5), date(2026, 3, 5)));
        assert_eq!(due_range(range, Product::OvoSnap, date(2026, 3, 9)), None);
        let (from, to) = due_range(range, Product::OvoSnap, date(2026, 3, 10)).unwrap();
        assert_eq!((from, to), wib::wib_day_bounds(date(2026, 3, 5)));
        // A range whose later days are not due yet stops at the last due day.
        let range = Some((date(2026, 3, 2), date(2026, 3, 6)));
        let (_, to) = due_range(range, Product::OvoSnap, date(2026, 3, 9)).unwrap();
        assert_eq!(to, wib::wib_day_bounds(date(2026, 3, 4)).1);
    }
}
