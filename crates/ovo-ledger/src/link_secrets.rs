//! The sealed customer tokens of linked accounts, one row per linking (`environment`, `product`,
//! `reference`). The ledger stores only what the app sealed; it never sees a token.

use ovo_domain::{Environment, Product, Reference, Timestamp};
use sqlx::AnyConnection;

use crate::error::LedgerResult;
use crate::row::execute;

/// The sealed text kept for a linking, if any.
pub async fn get(
    conn: &mut AnyConnection,
    environment: Environment,
    product: Product,
    reference: &Reference,
) -> LedgerResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT sealed FROM link_secrets WHERE environment = $1 AND product = $2 AND reference = $3",
    )
    .bind(environment.key())
    .bind(product.key())
    .bind(reference.as_str())
    .fetch_optional(&mut *conn)
    .await?)
}

/// Keeps `sealed` for a linking, replacing what was kept.
pub async fn put(
    conn: &mut AnyConnection,
    environment: Environment,
    product: Product,
    reference: &Reference,
    sealed: &str,
    at: Timestamp,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "INSERT INTO link_secrets (environment, product, reference, sealed, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (environment, product, reference)
         DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
    )
    .bind(environment.key())
    .bind(product.key())
    .bind(reference.as_str())
    .bind(sealed)
    .bind(at.unix_millis());
    execute(conn, query).await
}

/// Forgets what was kept for a linking; true when there was something.
pub async fn delete(
    conn: &mut AnyConnection,
    environment: Environment,
    product: Product,
    reference: &Reference,
) -> LedgerResult<bool> {
    let done = sqlx::query(
        "DELETE FROM link_secrets WHERE environment = $1 AND product = $2 AND reference = $3",
    )
    .bind(environment.key())
    .bind(product.key())
    .bind(reference.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Every linking with a reference, and whether something is kept here for it.
pub async fn linkings(
    conn: &mut AnyConnection,
) -> LedgerResult<Vec<(Environment, Product, Reference, bool)>> {
    use crate::row::RowExt;
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT b.environment, b.product, b.reference,
                CASE WHEN s.reference IS NULL THEN 0 ELSE 1 END AS kept
         FROM bindings b
         LEFT JOIN link_secrets s
           ON s.environment = b.environment AND s.product = b.product AND s.reference = b.reference
         WHERE b.reference IS NOT NULL
         ORDER BY b.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.parsed("environment", Environment::parse)?,
                row.parsed("product", Product::parse)?,
                row.parsed("reference", Reference::parse)?,
                row.try_get::<i64, _>("kept")? == 1,
            ))
        })
        .collect()
}

/// Whether any linking's tokens are kept here.
pub async fn any(conn: &mut AnyConnection) -> LedgerResult<bool> {
    let one: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM link_secrets LIMIT 1").fetch_optional(&mut *conn).await?;
    Ok(one.is_some())
}
