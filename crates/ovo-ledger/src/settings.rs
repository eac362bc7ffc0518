//! Small key/value settings; values are JSON text.

use ovo_domain::{OperatorId, Timestamp};
use sqlx::SqliteConnection;

use crate::error::LedgerResult;

pub async fn get(conn: &mut SqliteConnection, key: &str) -> LedgerResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?").bind(key).fetch_optional(&mut *conn).await?)
}

pub async fn put(
    conn: &mut SqliteConnection,
    key: &str,
    value: &str,
    at: Timestamp,
    by: Option<OperatorId>,
) -> LedgerResult<()> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(key)
    .bind(value)
    .bind(at.unix_millis())
    .bind(by.map(|id| id.get()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
