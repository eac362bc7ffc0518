//! Settlement reconciliation: imported settlement files (batches), their lines as matched against
//! the ledger, and the exceptions finance resolves with a reason. The matching itself is the
//! app's; this module reads what it needs and writes what it decided, inside the caller's write
//! transaction.

use ovo_domain::{
    Environment, OperatorId, PaymentId, PaymentStatus, Product, Reference, RefundId, RefundStatus,
    SettlementKind, SettlementOutcome, Timestamp,
};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::error::LedgerResult;
use crate::row::{
    change_one, execute, fetch_all, fetch_optional, read_row, Column, RowExt, SqlBuilder,
};

/// Values per statement stay well under both backends' limits.
const CHUNK: usize = 500;

impl Column for SettlementKind {
    fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
        row.parsed(column, SettlementKind::parse)
    }
}

impl Column for SettlementOutcome {
    fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
        row.parsed(column, SettlementOutcome::parse)
    }
}

/// A payment as reconciliation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementPayment {
    pub id: PaymentId,
    pub reference: Reference,
    pub product: Product,
    pub environment: Environment,
    pub amount: i64,
    pub status: PaymentStatus,
    pub succeeded_at: Option<Timestamp>,
}

fn read_payment(row: &AnyRow) -> LedgerResult<SettlementPayment> {
    read_row!(
        row,
        SettlementPayment { id, reference, product, environment, amount, status, succeeded_at }
    )
}

const PAYMENT_COLUMNS: &str =
    "p.id, p.reference, p.product, p.environment, p.amount, p.status, p.succeeded_at";

/// The payments with these references, in any product or environment.
pub async fn payments_by_reference(
    conn: &mut AnyConnection,
    references: &[Reference],
) -> LedgerResult<Vec<SettlementPayment>> {
    let mut found = Vec::with_capacity(references.len());
    for chunk in references.chunks(CHUNK) {
        let mut q = SqlBuilder::new(format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments p WHERE p.reference IN "
        ));
        q.push_list(chunk.iter().map(|r| r.as_str().to_owned()));
        found.extend(fetch_all(conn, q.build(), read_payment).await?);
    }
    Ok(found)
}

/// A refund as reconciliation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementRefund {
    pub id: RefundId,
    pub payment_id: PaymentId,
    pub amount: i64,
    pub status: RefundStatus,
}

/// The refunds of these payments.
pub async fn refunds_of(
    conn: &mut AnyConnection,
    payments: &[PaymentId],
) -> LedgerResult<Vec<SettlementRefund>> {
    let mut found = Vec::new();
    for chunk in payments.chunks(CHUNK) {
        let mut q = SqlBuilder::new(
            "SELECT id, payment_id, amount, status FROM refunds WHERE payment_id IN ",
        );
        q.push_list(chunk.iter().map(|p| p.get()));
        q.push(" ORDER BY id");
        found.extend(
            fetch_all(conn, q.build(), |row| {
                read_row!(row, SettlementRefund { id, payment_id, amount, status })
            })
            .await?,
        );
    }
    Ok(found)
}

/// Which of these payments (`refunds`: refunds) an earlier file's line already settled.
pub async fn already_settled(
    conn: &mut AnyConnection,
    ids: &[i64],
    refunds: bool,
) -> LedgerResult<Vec<i64>> {
    let column = if refunds { "refund_id" } else { "payment_id" };
    let kind = if refunds { SettlementKind::Refund } else { SettlementKind::Payment };
    let mut found = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let mut q = SqlBuilder::new(format!(
            "SELECT DISTINCT {column} AS id FROM settlement_lines WHERE kind = "
        ));
        q.push_bind(kind.key()).push(format!(" AND {column} IN "));
        q.push_list(chunk.iter().copied());
        found.extend(fetch_all(conn, q.build(), |row| i64::read(row, "id")).await?);
    }
    Ok(found)
}

/// Succeeded payments of `product` in `environment` that succeeded within `[from, to)` and that
/// no file has settled and no "not in file" exception names already (open, or resolved by finance).
pub async fn unsettled_payments(
    conn: &mut AnyConnection,
    environment: Environment,
    product: Product,
    from: Timestamp,
    to: Timestamp,
) -> LedgerResult<Vec<SettlementPayment>> {
    let mut q =
        SqlBuilder::new(format!("SELECT {PAYMENT_COLUMNS} FROM payments p WHERE p.product = "));
    q.push_bind(product.key())
        .push(" AND p.succeeded_at >= ")
        .push_bind(from.unix_millis())
        .push(" AND p.succeeded_at < ")
        .push_bind(to.unix_millis())
        .push(" AND p.status = 'succeeded' AND p.environment = ")
        .push_bind(environment.key())
        .push(
            " AND NOT EXISTS (SELECT 1 FROM settlement_lines l WHERE l.payment_id = p.id AND l.kind = 'payment')
              AND NOT EXISTS (SELECT 1 FROM settlement_exceptions x
                              WHERE x.payment_id = p.id AND x.kind = 'not_in_file')
             ORDER BY p.succeeded_at, p.id",
        );
    fetch_all(conn, q.build(), read_payment).await
}

/// A batch that imported the same file before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierImport {
    pub id: i64,
    pub imported_at: Timestamp,
    pub imported_by_name: String,
}

pub async fn earlier_import(
    conn: &mut AnyConnection,
    environment: Environment,
    product: Product,
    sha256: &str,
) -> LedgerResult<Option<EarlierImport>> {
    let mut q = SqlBuilder::new(
        "SELECT b.id, b.imported_at, o.display_name AS imported_by_name FROM settlement_batches b
         JOIN operators o ON o.id = b.imported_by WHERE b.environment = ",
    );
    q.push_bind(environment.key())
        .push(" AND b.product = ")
        .push_bind(product.key())
        .push(" AND b.file_sha256 = ")
        .push_bind(sha256.to_owned());
    fetch_optional(conn, q.build(), |row| {
        read_row!(row, EarlierImport { id, imported_at, imported_by_name })
    })
    .await
}

/// The WIB dates (`YYYY-MM-DD`) every batch of `product` covers together, if any.
pub async fn covered_dates(
    conn: &mut AnyConnection,
    environment: Environment,
    product: Product,
) -> LedgerResult<Option<(String, String)>> {
    let mut q = SqlBuilder::new(
        "SELECT MIN(first_date) AS first_date, MAX(last_date) AS last_date FROM settlement_batches WHERE environment = ",
    );
    q.push_bind(environment.key()).push(" AND product = ").push_bind(product.key());
    let row = q.build().fetch_one(&mut *conn).await?;
    let first = Option::<String>::read(&row, "first_date")?;
    let last = Option::<String>::read(&row, "last_date")?;
    Ok(first.zip(last))
}

/// A settlement file about to be stored.
#[derive(Debug, Clone)]
pub struct NewBatch<'a> {
    pub environment: Environment,
    pub product: Product,
    pub file_name: &'a str,
    pub file_sha256: &'a str,
    pub imported_by: OperatorId,
    pub imported_at: Timestamp,
    pub first_date: &'a str,
    pub last_date: &'a str,
    pub line_count: i64,
    pub payments_total: i64,
    pub refunds_total: i64,
    pub fees_total: Option<i64>,
    pub net_total: Option<i64>,
}

/// One line of a file, as matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub line_no: i64,
    pub reference: String,
    pub kind: SettlementKind,
    pub amount: i64,
    pub fee: Option<i64>,
    pub net: Option<i64>,
    pub settled_at: Timestamp,
    pub status_text: Option<String>,
    pub payment_id: Option<PaymentId>,
    pub refund_id: Option<RefundId>,
    pub outcome: SettlementOutcome,
}

/// An exception to store: a line's (`line_no`) or, for `NotInFile`, a payment's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewException {
    pub line_no: Option<i64>,
    pub payment_id: Option<PaymentId>,
    pub refund_id: Option<RefundId>,
    pub kind: SettlementOutcome,
    pub reference: String,
    pub ledger_amount: Option<i64>,
    pub file_amount: Option<i64>,
}

/// Stores a batch with its lines; returns the batch's id.
pub async fn insert_batch(
    conn: &mut AnyConnection,
    batch: &NewBatch<'_>,
    lines: &[NewLine],
) -> LedgerResult<i64> {
    let mut q = SqlBuilder::new(
        "INSERT INTO settlement_batches (environment, product, file_name, file_sha256, imported_by,
         imported_at, first_date, last_date, line_count, payments_total, refunds_total, fees_total,
         net_total) VALUES (",
    );
    q.push_bind(batch.environment.key())
        .push(", ")
        .push_bind(batch.product.key())
        .push(", ")
        .push_bind(batch.file_name.to_owned())
        .push(", ")
        .push_bind(batch.file_sha256.to_owned())
        .push(", ")
        .push_bind(batch.imported_by.get())
        .push(", ")
        .push_bind(batch.imported_at.unix_millis())
        .push(", ")
        .push_bind(batch.first_date.to_owned())
        .push(", ")
        .push_bind(batch.last_date.to_owned())
        .push(", ")
        .push_bind(batch.line_count)
        .push(", ")
        .push_bind(batch.payments_total)
        .push(", ")
        .push_bind(batch.refunds_total)
        .push(", ")
        .push_bind(batch.fees_total)
        .push(", ")
        .push_bind(batch.net_total)
        .push(") RETURNING id");
    let row = q.build().fetch_one(&mut *conn).await?;
    let batch_id = i64::read(&row, "id")?;
    for chunk in lines.chunks(CHUNK / 12) {
        let mut q = SqlBuilder::new(
            "INSERT INTO settlement_lines (batch_id, line_no, reference, kind, amount, fee, net,
             settled_at, status_text, payment_id, refund_id, outcome) VALUES ",
        );
        for (i, line) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .push_bind(batch_id)
                .push(", ")
                .push_bind(line.line_no)
                .push(", ")
                .push_bind(line.reference.clone())
                .push(", ")
                .push_bind(line.kind.key())
                .push(", ")
                .push_bind(line.amount)
                .push(", ")
                .push_bind(line.fee)
                .push(", ")
                .push_bind(line.net)
                .push(", ")
                .push_bind(line.settled_at.unix_millis())
                .push(", ")
                .push_bind(line.status_text.clone())
                .push(", ")
                .push_bind(line.payment_id.map(|p| p.get()))
                .push(", ")
                .push_bind(line.refund_id.map(|r| r.get()))
                .push(", ")
                .push_bind(line.outcome.key())
                .push(")");
        }
        execute(conn, q.build()).await?;
    }
    Ok(batch_id)
}

/// Stores the exceptions `batch_id`'s import raised (its lines stored already).
pub async fn insert_exceptions(
    conn: &mut AnyConnection,
    environment: Environment,
    product: Product,
    batch_id: i64,
    found_at: Timestamp,
    exceptions: &[NewException],
) -> LedgerResult<()> {
    for chunk in exceptions.chunks(CHUNK / 11) {
        let mut q = SqlBuilder::new(
            "INSERT INTO settlement_exceptions (environment, product, batch_id, line_id, payment_id,
             refund_id, kind, reference, ledger_amount, file_amount, found_at) VALUES ",
        );
        for (i, x) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .push_bind(environment.key())
                .push(", ")
                .push_bind(product.key())
                .push(", ")
                .push_bind(batch_id)
                .push(", ");
            match x.line_no {
                Some(line_no) => q
                    .push("(SELECT id FROM settlement_lines WHERE batch_id = ")
                    .push_bind(batch_id)
                    .push(" AND line_no = ")
                    .push_bind(line_no)
                    .push(")"),
                None => q.push("NULL"),
            };
            q.push(", ")
                .push_bind(x.payment_id.map(|p| p.get()))
                .push(", ")
                .push_bind(x.refund_id.map(|r| r.get()))
                .push(", ")
                .push_bind(x.kind.key())
                .push(", ")
                .push_bind(x.reference.clone())
                .push(", ")
                .push_bind(x.ledger_amount)
                .push(", ")
                .push_bind(x.file_amount)
                .push(", ")
                .push_bind(found_at.unix_millis())
                .push(")");
        }
        execute(conn, q.build()).await?;
    }
    Ok(())
}

/// Resolves the open "not in file" exceptions of these payments (a later file settled them).
pub async fn resolve_settled_late(
    conn: &mut AnyConnection,
    payments: &[PaymentId],
    by: OperatorId,
    at: Timestamp,
    resolution: &str,
) -> LedgerResult<u64> {
    let mut resolved = 0;
    for chunk in payments.chunks(CHUNK) {
        let mut q = SqlBuilder::new("UPDATE settlement_exceptions SET resolved_by = ");
        q.push_bind(by.get())
            .push(", resolved_at = ")
            .push_bind(at.unix_millis())
            .push(", resolution = ")
            .push_bind(resolution.to_owned())
            .push(" WHERE kind = 'not_in_file' AND resolved_at IS NULL AND payment_id IN ");
        q.push_list(chunk.iter().map(|p| p.get()));
        resolved += q.build().execute(&mut *conn).await?.rows_affected();
    }
    Ok(resolved)
}

/// A stored batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub id: i64,
    pub environment: Environment,
    pub product: Product,
    pub file_name: String,
    pub imported_by_name: String,
    pub imported_at: Timestamp,
    pub first_date: String,
    pub last_date: String,
    pub line_count: i64,
    pub payments_total: i64,
    pub refunds_total: i64,
    pub fees_total: Option<i64>,
    pub net_total: Option<i64>,
    pub matched: i64,
    /// Exceptions this batch raised, and how many of them are still open.
    pub exceptions: i64,
    pub open_exceptions: i64,
}

const BATCH_COLUMNS: &str = "b.id, b.environment, b.product, b.file_name,
    o.display_name AS imported_by_name, b.imported_at, b.first_date, b.last_date, b.line_count,
    b.payments_total, b.refunds_total, b.fees_total, b.net_total,
    (SELECT COUNT(*) FROM settlement_lines l WHERE l.batch_id = b.id AND l.outcome = 'matched') AS matched,
    (SELECT COUNT(*) FROM settlement_exceptions x WHERE x.batch_id = b.id) AS exceptions,
    (SELECT COUNT(*) FROM settlement_exceptions x WHERE x.batch_id = b.id AND x.resolved_at IS NULL) AS open_exceptions";

fn read_batch(row: &AnyRow) -> LedgerResult<BatchRow> {
    read_row!(
        row,
        BatchRow {
            id,
            environment,
            product,
            file_name,
            imported_by_name,
            imported_at,
            first_date,
            last_date,
            line_count,
            payments_total,
            refunds_total,
            fees_total,
            net_total,
            matched,
            exceptions,
            open_exceptions,
        }
    )
}

/// The newest batches of `environment`, at most `limit`, before the batch `before` if given.
pub async fn batches(
    conn: &mut AnyConnection,
    environment: Environment,
    before: Option<i64>,
    limit: u32,
) -> LedgerResult<Vec<BatchRow>> {
    let mut q = SqlBuilder::new(format!(
        "SELECT {BATCH_COLUMNS} FROM settlement_batches b JOIN operators o ON o.id = b.imported_by
         WHERE b.environment = "
    ));
    q.push_bind(environment.key());
    if let Some(before) = before {
        q.push(" AND b.id < ").push_bind(before);
    }
    q.push(" ORDER BY b.id DESC LIMIT ").push_bind(i64::from(limit));
    fetch_all(conn, q.build(), read_batch).await
}

pub async fn batch(conn: &mut AnyConnection, id: i64) -> LedgerResult<Option<BatchRow>> {
    let mut q = SqlBuilder::new(format!(
        "SELECT {BATCH_COLUMNS} FROM settlement_batches b JOIN operators o ON o.id = b.imported_by
         WHERE b.id = "
    ));
    q.push_bind(id);
    fetch_optional(conn, q.build(), read_batch).await
}

/// A stored line, with the ledger's payment reference and amount when it matched one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub id: i64,
    pub line_no: i64,
    pub reference: String,
    pub kind: SettlementKind,
    pub amount: i64,
    pub fee: Option<i64>,
    pub net: Option<i64>,
    pub settled_at: Timestamp,
    pub status_text: Option<String>,
    pub payment_id: Option<PaymentId>,
    pub payment_reference: Option<String>,
    pub ledger_amount: Option<i64>,
    pub outcome: SettlementOutcome,
}

/// A batch's lines in file order after `after_line`, at most `limit`; only `outcome` if given.
pub async fn lines(
    conn: &mut AnyConnection,
    batch_id: i64,
    outcome: Option<SettlementOutcome>,
    after_line: Option<i64>,
    limit: u32,
) -> LedgerResult<Vec<LineRow>> {
    let mut q = SqlBuilder::new(
        "SELECT l.id, l.line_no, l.reference, l.kind, l.amount, l.fee, l.net, l.settled_at,
                l.status_text, l.payment_id, p.reference AS payment_reference,
                CASE WHEN l.kind = 'refund' THEN r.amount ELSE p.amount END AS ledger_amount, l.outcome
         FROM settlement_lines l
         LEFT JOIN payments p ON p.id = l.payment_id
         LEFT JOIN refunds r ON r.id = l.refund_id
         WHERE l.batch_id = ",
    );
    q.push_bind(batch_id);
    if let Some(outcome) = outcome {
        q.push(" AND l.outcome = ").push_bind(outcome.key());
    }
    if let Some(after) = after_line {
        q.push(" AND l.line_no > ").push_bind(after);
    }
    q.push(" ORDER BY l.line_no LIMIT ").push_bind(i64::from(limit));
    fetch_all(conn, q.build(), |row| {
        read_row!(
            row,
            LineRow {
                id,
                line_no,
                reference,
                kind,
                amount,
                fee,
                net,
                settled_at,
                status_text,
                payment_id,
                payment_reference,
                ledger_amount,
                outcome,
            }
        )
    })
    .await
}

/// A stored exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionRow {
    pub id: i64,
    pub environment: Environment,
    pub product: Product,
    pub batch_id: i64,
    pub file_name: String,
    pub line_no: Option<i64>,
    pub payment_id: Option<PaymentId>,
    pub refund_id: Option<RefundId>,
    pub kind: SettlementOutcome,
    pub reference: String,
    pub ledger_amount: Option<i64>,
    pub file_amount: Option<i64>,
    pub found_at: Timestamp,
    pub resolved_by_name: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub resolution: Option<String>,
}

const EXCEPTION_COLUMNS: &str =
    "x.id, x.environment, x.product, x.batch_id, b.file_name, l.line_no,
    x.payment_id, x.refund_id, x.kind, x.reference, x.ledger_amount, x.file_amount, x.found_at,
    o.display_name AS resolved_by_name, x.resolved_at, x.resolution";

const EXCEPTION_FROM: &str = " FROM settlement_exceptions x
    JOIN settlement_batches b ON b.id = x.batch_id
    LEFT JOIN settlement_lines l ON l.id = x.line_id
    LEFT JOIN operators o ON o.id = x.resolved_by";

fn read_exception(row: &AnyRow) -> LedgerResult<ExceptionRow> {
    read_row!(
        row,
        ExceptionRow {
            id,
            environment,
            product,
            batch_id,
            file_name,
            line_no,
            payment_id,
            refund_id,
            kind,
            reference,
            ledger_amount,
            file_amount,
            found_at,
            resolved_by_name,
            resolved_at,
            resolution,
        }
    )
}

/// Which exceptions to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExceptionFilter {
    pub open_only: bool,
    pub batch_id: Option<i64>,
    pub product: Option<Product>,
}

fn push_exception_filter(
    q: &mut SqlBuilder<'_>,
    environment: Environment,
    filter: &ExceptionFilter,
) {
    q.push(" WHERE x.environment = ").push_bind(environment.key());
    if filter.open_only {
        q.push(" AND x.resolved_at IS NULL");
    }
    if let Some(batch) = filter.batch_id {
        q.push(" AND x.batch_id = ").push_bind(batch);
    }
    if let Some(product) = filter.product {
        q.push(" AND x.product = ").push_bind(product.key());
    }
}

/// Exceptions newest first (by id), before `before` if given, at most `limit`.
pub async fn exceptions(
    conn: &mut AnyConnection,
    environment: Environment,
    filter: &ExceptionFilter,
    before: Option<i64>,
    limit: u32,
) -> LedgerResult<Vec<ExceptionRow>> {
    let mut q = SqlBuilder::new(format!("SELECT {EXCEPTION_COLUMNS}{EXCEPTION_FROM}"));
    push_exception_filter(&mut q, environment, filter);
    if let Some(before) = before {
        q.push(" AND x.id < ").push_bind(before);
    }
    q.push(" ORDER BY x.id DESC LIMIT ").push_bind(i64::from(limit));
    fetch_all(conn, q.build(), read_exception).await
}

pub async fn exception_count(
    conn: &mut AnyConnection,
    environment: Environment,
    filter: &ExceptionFilter,
) -> LedgerResult<u64> {
    let mut q = SqlBuilder::new("SELECT COUNT(*) FROM settlement_exceptions x");
    push_exception_filter(&mut q, environment, filter);
    q.count(conn).await
}

pub async fn exception(conn: &mut AnyConnection, id: i64) -> LedgerResult<Option<ExceptionRow>> {
    let mut q =
        SqlBuilder::new(format!("SELECT {EXCEPTION_COLUMNS}{EXCEPTION_FROM} WHERE x.id = "));
    q.push_bind(id);
    fetch_optional(conn, q.build(), read_exception).await
}

/// Resolves an open exception; `NotFound` when there is none open with this id.
pub async fn resolve(
    conn: &mut AnyConnection,
    id: i64,
    by: OperatorId,
    at: Timestamp,
    resolution: &str,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "UPDATE settlement_exceptions SET resolved_by = $1, resolved_at = $2, resolution = $3
         WHERE id = $4 AND resolved_at IS NULL",
    )
    .bind(by.get())
    .bind(at.unix_millis())
    .bind(resolution.to_owned())
    .bind(id);
    change_one(conn, query, "open settlement exception").await
}
