//! Finance's reports: refunds grouped by who requested, who approved or why, and the ageing of
//! the open unknown and needs-review items. Each is one aggregate query per environment.

use ovo_domain::{Environment, Reference, Timestamp};
use sqlx::AnyConnection;

use crate::dashboard::Totals;
use crate::error::LedgerResult;
use crate::row::{fetch_all, fetch_optional, push_and, Column, SqlBuilder};

/// How refunds are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundGrouping {
    /// By the requesting operator's display name, over the refunds requested in the range.
    Requester,
    /// By the approving operator's display name, over the refunds approved in the range (a
    /// rejection is a decision, not an approval, and is left out).
    Approver,
    /// By the reason's text, over the refunds requested in the range.
    Reason,
}

/// One group's refunds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTotals {
    pub label: String,
    pub totals: Totals,
}

/// Refunds of payments in `environment`, grouped, largest amount first; `from` inclusive and
/// `until` exclusive, each optional.
pub async fn refunds_grouped(
    conn: &mut AnyConnection,
    environment: Environment,
    grouping: RefundGrouping,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
) -> LedgerResult<Vec<GroupTotals>> {
    let (label, join, at) = match grouping {
        RefundGrouping::Requester => {
            ("o.display_name", " JOIN operators o ON o.id = r.requested_by", "r.requested_at")
        }
        RefundGrouping::Approver => {
            ("o.display_name", " JOIN operators o ON o.id = r.decided_by", "r.decided_at")
        }
        RefundGrouping::Reason => ("r.reason", "", "r.requested_at"),
    };
    let mut q: SqlBuilder = SqlBuilder::new(format!(
        "SELECT {label} AS label, COUNT(*) AS count, CAST(SUM(r.amount) AS BIGINT) AS amount
         FROM refunds r JOIN payments p ON p.id = r.payment_id{join}
         WHERE p.environment = "
    ));
    q.push_bind(environment.key());
    if grouping == RefundGrouping::Approver {
        q.push(" AND r.status NOT IN ('requested', 'rejected')");
    }
    push_and(&mut q, &format!(" AND {at} >= "), from.map(Timestamp::unix_millis));
    push_and(&mut q, &format!(" AND {at} < "), until.map(Timestamp::unix_millis));
    q.push(format!(" GROUP BY {label} ORDER BY amount DESC, count DESC, label"));
    fetch_all(conn, q.build(), |row| {
        Ok(GroupTotals { label: Column::read(row, "label")?, totals: Totals::read(row)? })
    })
    .await
}

/// Which open items an ageing counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenKind {
    Payments,
    Refunds,
}

/// The open items of one age bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketTotals {
    /// The bucket's index into the bounds given to [`ageing`].
    pub bucket: usize,
    pub totals: Totals,
}

/// The oldest open item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldestItem {
    pub reference: Reference,
    /// When the payment was created or the refund requested.
    pub since: Timestamp,
}

/// The open (unknown or needs-review) payments or refunds of `environment`, bucketed by when
/// they were created (payments) or requested (refunds): bucket `i` holds the items at or after
/// `bounds[i]` and before the bound before it (`bounds` newest first); the last bucket, index
/// `bounds.len()`, holds the older ones. Empty buckets are left out.
pub async fn ageing(
    conn: &mut AnyConnection,
    environment: Environment,
    kind: OpenKind,
    bounds: &[Timestamp],
) -> LedgerResult<Vec<BucketTotals>> {
    let (from, end, at) = open_items_of(kind);
    let mut q: SqlBuilder = SqlBuilder::new("SELECT CAST(CASE");
    for (i, bound) in bounds.iter().enumerate() {
        q.push(format!(" WHEN {at} >= ")).push_bind(bound.unix_millis()).push(format!(" THEN {i}"));
    }
    q.push(format!(
        " ELSE {} END AS BIGINT) AS bucket, COUNT(*) AS count, CAST(SUM(amount) AS BIGINT) AS amount FROM ",
        bounds.len()
    ));
    q.push(from).push_bind(environment.key()).push(end).push(" GROUP BY bucket ORDER BY bucket");
    fetch_all(conn, q.build(), |row| {
        let bucket: i64 = sqlx::Row::try_get(row, "bucket")?;
        Ok(BucketTotals {
            bucket: usize::try_from(bucket).unwrap_or(0),
            totals: Totals::read(row)?,
        })
    })
    .await
}

/// The oldest open (unknown or needs-review) payment or refund of `environment`.
pub async fn oldest_open(
    conn: &mut AnyConnection,
    environment: Environment,
    kind: OpenKind,
) -> LedgerResult<Option<OldestItem>> {
    let (from, end, at) = open_items_of(kind);
    let mut q: SqlBuilder = SqlBuilder::new(format!("SELECT reference, {at} AS since FROM "));
    q.push(from).push_bind(environment.key()).push(end).push(format!(" ORDER BY {at}, id LIMIT 1"));
    fetch_optional(conn, q.build(), |row| {
        Ok(OldestItem {
            reference: Column::read(row, "reference")?,
            since: Column::read(row, "since")?,
        })
    })
    .await
}

/// The open items' rows, in two parts around the environment's placeholder, and their age's
/// column.
fn open_items_of(kind: OpenKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        OpenKind::Payments => (
            "payments WHERE status IN ('unknown', 'needs_review') AND environment = ",
            "",
            "created_at",
        ),
        OpenKind::Refunds => (
            "refunds WHERE status IN ('unknown', 'needs_review')
             AND payment_id IN (SELECT id FROM payments WHERE environment = ",
            ")",
            "requested_at",
        ),
    }
}
