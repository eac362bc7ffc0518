//! Provider transaction history of linked accounts, cached and de-duplicated by the
//! provider's entry id.

use ovo_domain::{BindingId, Idr, Timestamp};
use sqlx::{AnyConnection, Row};

use crate::error::LedgerResult;
use crate::row::{fetch_all, read_row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub provider_entry_id: String,
    pub occurred_at: Timestamp,
    pub amount: Idr,
    pub credit: bool,
    pub description: String,
    /// The provider's entry as received (JSON).
    pub raw: String,
}

/// Stores entries not seen before; returns how many were new.
pub async fn store(
    conn: &mut AnyConnection,
    binding_id: BindingId,
    entries: &[HistoryRow],
    fetched_at: Timestamp,
) -> LedgerResult<u64> {
    let mut added = 0;
    for e in entries {
        let done = sqlx::query(
            "INSERT INTO provider_history (binding_id, provider_entry_id, occurred_at, amount, direction, description, raw, fetched_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(binding_id.get())
        .bind(&e.provider_entry_id)
        .bind(e.occurred_at.unix_millis())
        .bind(e.amount.rupiah())
        .bind(if e.credit { "credit" } else { "debit" })
        .bind(&e.description)
        .bind(&e.raw)
        .bind(fetched_at.unix_millis())
        .execute(&mut *conn)
        .await?;
        added += done.rows_affected();
    }
    Ok(added)
}

/// Cached entries in `[from, until)`, newest first.
pub async fn range(
    conn: &mut AnyConnection,
    binding_id: BindingId,
    from: Timestamp,
    until: Timestamp,
    limit: u32,
    offset: u32,
) -> LedgerResult<Vec<HistoryRow>> {
    let query = sqlx::query(
        "SELECT provider_entry_id, occurred_at, amount, direction, description, raw FROM provider_history
         WHERE binding_id = $1 AND occurred_at >= $2 AND occurred_at < $3
         ORDER BY occurred_at DESC, provider_entry_id LIMIT $4 OFFSET $5",
    )
    .bind(binding_id.get())
    .bind(from.unix_millis())
    .bind(until.unix_millis())
    .bind(i64::from(limit))
    .bind(i64::from(offset));
    fetch_all(conn, query, |row| {
        read_row!(
            row,
            HistoryRow {
                provider_entry_id,
                occurred_at,
                amount,
                credit = row.try_get::<String, _>("direction")? == "credit",
                description,
                raw,
            }
        )
    })
    .await
}

pub async fn count(conn: &mut AnyConnection, binding_id: BindingId) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM provider_history WHERE binding_id = $1")
        .bind(binding_id.get())
        .fetch_one(&mut *conn)
        .await?)
}
