//! The notification inbox: every inbound provider notification, verified or not, stored once
//! per product and de-duplication key, and applied once: `processed_at` is set in the write
//! transaction that applies it; until then it is tried again with a back-off per row.

use ovo_domain::{PaymentId, Product, Timestamp};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::error::LedgerResult;
use crate::row::{affected, execute, fetch_all, fetch_optional, find_by, read_row};

#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub product: Product,
    pub dedup_key: &'a str,
    pub received_at: Timestamp,
    pub verified: bool,
    /// JSON text, its secrets replaced by keyed hashes by the caller.
    pub headers: &'a str,
    /// Secrets replaced by keyed hashes by the caller.
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
    /// When it was applied (`None`: not yet; it is tried again).
    pub processed_at: Option<Timestamp>,
    pub outcome: Option<String>,
    pub payment_id: Option<PaymentId>,
    /// Tries that did not apply it.
    pub attempts: i64,
    /// When it is tried again (`None`: now).
    pub next_try_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

const COLUMNS: &str =
    "id, product, dedup_key, received_at, verified, body, processed_at, outcome, payment_id, attempts, next_try_at, last_error";

fn from_row(row: &AnyRow) -> LedgerResult<NotificationRow> {
    read_row!(
        row,
        NotificationRow {
            id,
            product,
            dedup_key,
            received_at,
            verified,
            body,
            processed_at,
            outcome,
            payment_id,
            attempts,
            next_try_at,
            last_error,
        }
    )
}

/// Stores a notification; `None` when one with the same product and key is already there
/// (a duplicate delivery).
pub async fn insert(
    conn: &mut AnyConnection,
    new: &NewNotification<'_>,
) -> LedgerResult<Option<i64>> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO notification_inbox (product, dedup_key, received_at, verified, headers, body, payment_id, redacted)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1) ON CONFLICT (product, dedup_key) DO NOTHING RETURNING id",
    )
    .bind(new.product.key())
    .bind(new.dedup_key)
    .bind(new.received_at.unix_millis())
    .bind(i64::from(new.verified))
    .bind(new.headers)
    .bind(new.body)
    .bind(new.payment_id.map(|p| p.get()))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> LedgerResult<Option<NotificationRow>> {
    find_by(conn, &format!("SELECT {COLUMNS} FROM notification_inbox WHERE id = $1"), id, from_row)
        .await
}

/// The row stored under `product` and `dedup_key` (the one a duplicate delivery repeats).
pub async fn by_key(
    conn: &mut AnyConnection,
    product: Product,
    dedup_key: &str,
) -> LedgerResult<Option<NotificationRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM notification_inbox WHERE product = $1 AND dedup_key = $2");
    fetch_optional(conn, sqlx::query(&sql).bind(product.key()).bind(dedup_key), from_row).await
}

/// Marks the notification applied with what applying it did. Only the first call marks it:
/// returns `false` when it was already applied (another try got there first).
pub async fn mark_processed(
    conn: &mut AnyConnection,
    id: i64,
    at: Timestamp,
    outcome: &str,
) -> LedgerResult<bool> {
    let query = sqlx::query(
        "UPDATE notification_inbox SET processed_at = $1, outcome = $2, next_try_at = NULL WHERE id = $3 AND processed_at IS NULL",
    );
    Ok(affected(conn, query.bind(at.unix_millis()).bind(outcome).bind(id)).await? == 1)
}

/// Whether the notification was applied.
pub async fn is_processed(conn: &mut AnyConnection, id: i64) -> LedgerResult<bool> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT processed_at FROM notification_inbox WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(at.flatten().is_some())
}

/// A try that did not apply the notification: counted, with why, and tried again at `next_try_at`.
pub async fn defer(
    conn: &mut AnyConnection,
    id: i64,
    next_try_at: Timestamp,
    error: &str,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "UPDATE notification_inbox SET attempts = attempts + 1, next_try_at = $1, last_error = $2 WHERE id = $3 AND processed_at IS NULL",
    );
    execute(conn, query.bind(next_try_at.unix_millis()).bind(error).bind(id)).await
}

/// Notifications not applied yet, oldest first: those due at `due_at` (every one with `None`).
pub async fn unapplied(
    conn: &mut AnyConnection,
    due_at: Option<Timestamp>,
    limit: u32,
) -> LedgerResult<Vec<NotificationRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notification_inbox
         WHERE processed_at IS NULL AND ($1 IS NULL OR next_try_at IS NULL OR next_try_at <= $1)
         ORDER BY id LIMIT $2"
    );
    let query = sqlx::query(&sql).bind(due_at.map(Timestamp::unix_millis));
    fetch_all(conn, query.bind(i64::from(limit)), from_row).await
}

/// The newest notifications of `product` (all products with `None`).
pub async fn recent(
    conn: &mut AnyConnection,
    product: Option<Product>,
    limit: u32,
) -> LedgerResult<Vec<NotificationRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notification_inbox WHERE ($1 IS NULL OR product = $1) ORDER BY id DESC LIMIT $2"
    );
    let query = sqlx::query(&sql).bind(product.map(Product::key));
    fetch_all(conn, query.bind(i64::from(limit)), from_row).await
}

/// A row stored before the inbox redacted what it stores: its headers and body as received.
#[derive(Clone, PartialEq, Eq)]
pub struct UnredactedRow {
    pub id: i64,
    pub product: String,
    pub dedup_key: String,
    pub headers: String,
    pub body: String,
}

impl std::fmt::Debug for UnredactedRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnredactedRow")
            .field("id", &self.id)
            .field("product", &self.product)
            .finish_non_exhaustive()
    }
}

/// Rows not redacted yet, oldest first, after `after_id`.
pub async fn unredacted(
    conn: &mut AnyConnection,
    after_id: i64,
    limit: u32,
) -> LedgerResult<Vec<UnredactedRow>> {
    let query = sqlx::query(
        "SELECT id, product, dedup_key, headers, body FROM notification_inbox
         WHERE redacted = 0 AND id > $1 ORDER BY id LIMIT $2",
    );
    fetch_all(conn, query.bind(after_id).bind(i64::from(limit)), |row| {
        read_row!(row, UnredactedRow { id, product, dedup_key, headers, body })
    })
    .await
}

/// A row's redacted form: its headers, its body and (where it was derived from the body) its
/// de-duplication key.
#[derive(Debug, Clone, Copy)]
pub struct Redacted<'a> {
    pub dedup_key: &'a str,
    pub headers: &'a str,
    pub body: &'a str,
}

/// Replaces a row's text by its redacted form. The ledger's connections run with
/// `secure_delete`, so the text replaced is overwritten in the file, not only unlinked.
pub async fn set_redacted(
    conn: &mut AnyConnection,
    id: i64,
    redacted: &Redacted<'_>,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "UPDATE notification_inbox SET dedup_key = $1, headers = $2, body = $3, redacted = 1 WHERE id = $4",
    );
    let query = query.bind(redacted.dedup_key).bind(redacted.headers).bind(redacted.body);
    execute(conn, query.bind(id)).await
}
