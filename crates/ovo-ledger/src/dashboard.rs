//! The dashboard's figures, each family one aggregate query over one environment: payments
//! created in a period by product and status, the succeeded ones per WIB day, the refunds that
//! ended refunded, the refunds awaiting approval and the open unknown and needs-review items.

use ovo_domain::{Environment, PaymentStatus, Product, Timestamp};
use sqlx::AnyConnection;

use crate::error::LedgerResult;
use crate::row::{fetch_all, Column};

/// A day of the WIB calendar in milliseconds (WIB has kept UTC+07:00 without DST since 1964).
pub const WIB_DAY_MS: i64 = 86_400_000;

/// A count and the sum of the amounts, in whole rupiah.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: u64,
    pub amount: i64,
}

impl Totals {
    pub(crate) fn read(row: &sqlx::any::AnyRow) -> LedgerResult<Totals> {
        Ok(Totals { count: count(row, "count")?, amount: sqlx::Row::try_get(row, "amount")? })
    }
}

/// The payments of one product and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductStatusTotals {
    pub product: Product,
    pub status: PaymentStatus,
    pub totals: Totals,
}

/// The succeeded payments created on one WIB day of the period (`day` 0 is its first day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayTotals {
    pub day: i64,
    pub totals: Totals,
}

/// The open items that wait for a decision, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenItems {
    pub unknown_payments: u64,
    pub needs_review_payments: u64,
    pub unknown_refunds: u64,
    pub needs_review_refunds: u64,
}

/// Refund statuses in which the money went back to the customer.
pub(crate) const REFUNDED_SQL: &str = "('succeeded', 'settled_offline')";

/// Payments created in `[from, until)` in `environment`, by product and status.
pub async fn by_product_status(
    conn: &mut AnyConnection,
    environment: Environment,
    from: Timestamp,
    until: Timestamp,
) -> LedgerResult<Vec<ProductStatusTotals>> {
    let query = sqlx::query(
        "SELECT product, status, COUNT(*) AS count, CAST(SUM(amount) AS BIGINT) AS amount
         FROM payments WHERE environment = $1 AND created_at >= $2 AND created_at < $3
         GROUP BY product, status ORDER BY product, status",
    )
    .bind(environment.key())
    .bind(from.unix_millis())
    .bind(until.unix_millis());
    fetch_all(conn, query, |row| {
        Ok(ProductStatusTotals {
            product: Column::read(row, "product")?,
            status: Column::read(row, "status")?,
            totals: Totals::read(row)?,
        })
    })
    .await
}

/// The succeeded payments created in `[from, until)`, per WIB day counted from `from` (a WIB
/// midnight); days without any are left out.
pub async fn succeeded_per_day(
    conn: &mut AnyConnection,
    environment: Environment,
    from: Timestamp,
    until: Timestamp,
) -> LedgerResult<Vec<DayTotals>> {
    let query = sqlx::query(
        "SELECT (created_at - $2) / $4 AS day, COUNT(*) AS count, CAST(SUM(amount) AS BIGINT) AS amount
         FROM payments
         WHERE environment = $1 AND created_at >= $2 AND created_at < $3 AND status = 'succeeded'
         GROUP BY day ORDER BY day",
    )
    .bind(environment.key())
    .bind(from.unix_millis())
    .bind(until.unix_millis())
    .bind(WIB_DAY_MS);
    fetch_all(conn, query, |row| {
        Ok(DayTotals { day: sqlx::Row::try_get(row, "day")?, totals: Totals::read(row)? })
    })
    .await
}

/// Refunds requested in `[from, until)` of payments in `environment` that ended refunded
/// (succeeded, or settled by the merchant's own transfer).
pub async fn refunded(
    conn: &mut AnyConnection,
    environment: Environment,
    from: Timestamp,
    until: Timestamp,
) -> LedgerResult<Totals> {
    let sql = format!(
        "SELECT COUNT(*) AS count, CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) AS amount
         FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE p.environment = $1 AND r.requested_at >= $2 AND r.requested_at < $3
           AND r.status IN {REFUNDED_SQL}"
    );
    let query = sqlx::query(&sql)
        .bind(environment.key())
        .bind(from.unix_millis())
        .bind(until.unix_millis());
    Totals::read(&query.fetch_one(&mut *conn).await?)
}

/// Refunds awaiting finance's approval in `environment`, whenever requested.
pub async fn awaiting_approval(
    conn: &mut AnyConnection,
    environment: Environment,
) -> LedgerResult<Totals> {
    let query = sqlx::query(
        "SELECT COUNT(*) AS count, CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) AS amount
         FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE r.status = 'requested' AND p.environment = $1",
    )
    .bind(environment.key());
    Totals::read(&query.fetch_one(&mut *conn).await?)
}

/// Payments and refunds in `environment` whose outcome is unknown or needs review, whenever
/// created.
pub async fn open_items(
    conn: &mut AnyConnection,
    environment: Environment,
) -> LedgerResult<OpenItems> {
    let query = sqlx::query(
        "SELECT 'payment' AS kind, status, COUNT(*) AS count FROM payments
         WHERE status IN ('unknown', 'needs_review') AND environment = $1 GROUP BY status
         UNION ALL
         SELECT 'refund' AS kind, r.status, COUNT(*) AS count
         FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE r.status IN ('unknown', 'needs_review') AND p.environment = $1 GROUP BY r.status",
    )
    .bind(environment.key());
    let rows = fetch_all(conn, query, |row| {
        let (kind, status): (String, String) =
            (Column::read(row, "kind")?, Column::read(row, "status")?);
        Ok((kind, status, count(row, "count")?))
    })
    .await?;
    let mut open = OpenItems::default();
    for (kind, status, n) in rows {
        match (kind.as_str(), status.as_str()) {
            ("payment", "unknown") => open.unknown_payments = n,
            ("payment", _) => open.needs_review_payments = n,
            ("refund", "unknown") => open.unknown_refunds = n,
            _ => open.needs_review_refunds = n,
        }
    }
    Ok(open)
}

pub(crate) fn count(row: &sqlx::any::AnyRow, column: &str) -> LedgerResult<u64> {
    let n: i64 = sqlx::Row::try_get(row, column)?;
    Ok(u64::try_from(n).unwrap_or(0))
}
