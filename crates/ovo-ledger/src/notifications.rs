//! The notification inbox: every inbound provider notification, verified or not, stored once
//! per product and de-duplication key.

use ovo_domain::{PaymentId, Product, Timestamp};
use sqlx::SqliteConnection;

use crate::error::LedgerResult;

#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub product: Product,
    pub dedup_key: &'a str,
    pub received_at: Timestamp,
    pub verified: bool,
    /// JSON text (secrets such as bearer tokens removed by the caller).
    pub headers: &'a str,
    pub body: &'a str,
    pub payment_id: Option<PaymentId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRow {
    pub id: i64,
    pub product: String,
    pub dedup_key: String,
    pub received_at: Timestamp,
    pub verified: bool,
    pub body: String,
    pub processed_at: Option<Timestamp>,
    pub outcome: Option<String>,
    pub payment_id: Option<PaymentId>,
}

/// Stores a notification; `None` when one with the same product and key is already there
/// (a duplicate delivery).
pub async fn insert(conn: &mut SqliteConnection, new: &NewNotification<'_>) -> LedgerResult<Option<i64>> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO notification_inbox (product, dedup_key, received_at, verified, headers, body, payment_id)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (product, dedup_key) DO NOTHING RETURNING id",
    )
    .bind(new.product.key())
    .bind(new.dedup_key)
    .bind(new.received_at.unix_millis())
    .bind(new.verified)
    .bind(new.headers)
    .bind(new.body)
    .bind(new.payment_id.map(|p| p.get()))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id)
}

/// Records what processing the notification did.
pub async fn mark_processed(conn: &mut SqliteConnection, id: i64, at: Timestamp, outcome: &str) -> LedgerResult<()> {
    sqlx::query("UPDATE notification_inbox SET processed_at = ?, outcome = ? WHERE id = ?")
        .bind(at.unix_millis())
        .bind(outcome)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The newest notifications of `product` (all products with `None`).
pub async fn recent(conn: &mut SqliteConnection, product: Option<Product>, limit: u32) -> LedgerResult<Vec<NotificationRow>> {
    type Raw = (i64, String, String, i64, bool, String, Option<i64>, Option<String>, Option<i64>);
    let rows: Vec<Raw> = sqlx::query_as(
        "SELECT id, product, dedup_key, received_at, verified, body, processed_at, outcome, payment_id
         FROM notification_inbox WHERE (?1 IS NULL OR product = ?1) ORDER BY id DESC LIMIT ?2",
    )
    .bind(product.map(Product::key))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, product, dedup_key, received_at, verified, body, processed_at, outcome, payment_id)| NotificationRow {
            id,
            product,
            dedup_key,
            received_at: Timestamp::from_unix_millis(received_at),
            verified,
            body,
            processed_at: processed_at.map(Timestamp::from_unix_millis),
            outcome,
            payment_id: payment_id.map(PaymentId::new),
        })
        .collect())
}
