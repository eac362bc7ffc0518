//! Small key/value settings; values are JSON text. Provider settings are one row per
//! environment and product (`provider_settings/{environment}/{product}`) holding an object of
//! the admin's overrides; an absent row or key means the documented value.

use std::collections::BTreeMap;

use ovo_domain::{Environment, OperatorId, Product, Timestamp};
use sqlx::AnyConnection;

use crate::error::{LedgerError, LedgerResult};
use crate::row::execute;

pub async fn get(conn: &mut AnyConnection, key: &str) -> LedgerResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?)
}

pub async fn put(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
    at: Timestamp,
    by: Option<OperatorId>,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(key)
    .bind(value)
    .bind(at.unix_millis())
    .bind(by.map(|id| id.get()));
    execute(conn, query).await
}

/// Stores a setting unless one is there already; true when this call stored it.
pub async fn put_new(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
    at: Timestamp,
) -> LedgerResult<bool> {
    let done = sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(value)
    .bind(at.unix_millis())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a setting; true when there was one.
pub async fn delete(conn: &mut AnyConnection, key: &str) -> LedgerResult<bool> {
    let done =
        sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(&mut *conn).await?;
    Ok(done.rows_affected() > 0)
}

fn provider_key(environment: Environment, product: Product) -> String {
    format!("provider_settings/{}/{}", environment.key(), product.key())
}

/// The overrides stored for a product in an environment (empty: all documented values).
pub async fn provider_overrides(
    conn: &mut AnyConnection,
    environment: Environment,
    product: Product,
) -> LedgerResult<BTreeMap<String, String>> {
    match get(conn, &provider_key(environment, product)).await? {
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            LedgerError::Corrupt(format!(
                "provider settings of {}/{}: {e}",
                environment.key(),
                product.key()
            ))
        }),
        None => Ok(BTreeMap::new()),
    }
}

/// Replaces a product's overrides; an empty map removes the row.
pub async fn save_provider_overrides(
    conn: &mut AnyConnection,
    environment: Environment,
    product: Product,
    overrides: &BTreeMap<String, String>,
    at: Timestamp,
    by: OperatorId,
) -> LedgerResult<()> {
    let key = provider_key(environment, product);
    if overrides.is_empty() {
        delete(conn, &key).await?;
        return Ok(());
    }
    let text = serde_json::to_string(overrides).map_err(|e| LedgerError::Corrupt(e.to_string()))?;
    put(conn, &key, &text, at, Some(by)).await
}
