use ovo_domain::{CustomerId, Idr, PaymentId, PaymentStatus, Product, Reference, Timestamp};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::error::{LedgerError, LedgerResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub id: PaymentId,
    pub reference: Reference,
    pub customer_id: Option<CustomerId>,
    pub product: Product,
    pub kind: String,
    pub amount: Idr,
    pub status: PaymentStatus,
    pub provider_ref: Option<String>,
    pub created_at: Timestamp,
    pub succeeded_at: Option<Timestamp>,
}

/// Filters of the payments list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub product: Option<Product>,
    pub status: Option<PaymentStatus>,
    pub created_from: Option<Timestamp>,
    /// Exclusive.
    pub created_until: Option<Timestamp>,
    pub min_amount: Option<Idr>,
    pub max_amount: Option<Idr>,
    pub customer_id: Option<CustomerId>,
}

/// Where the previous page ended: the last row's (created_at, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentCursor {
    pub created_at: Timestamp,
    pub id: PaymentId,
}

/// Newest first, keyset-paged: each page starts strictly after `after`.
pub async fn page(
    conn: &mut SqliteConnection,
    filter: &PaymentFilter,
    after: Option<PaymentCursor>,
    limit: u32,
) -> LedgerResult<Vec<PaymentRow>> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT id, reference, customer_id, product, kind, amount, status, provider_ref, created_at, succeeded_at
         FROM payments WHERE 1 = 1",
    );
    if let Some(product) = filter.product {
        q.push(" AND product = ").push_bind(product.key());
    }
    if let Some(status) = filter.status {
        q.push(" AND status = ").push_bind(status.key());
    }
    if let Some(from) = filter.created_from {
        q.push(" AND created_at >= ").push_bind(from.unix_millis());
    }
    if let Some(until) = filter.created_until {
        q.push(" AND created_at < ").push_bind(until.unix_millis());
    }
    if let Some(min) = filter.min_amount {
        q.push(" AND amount >= ").push_bind(min.rupiah());
    }
    if let Some(max) = filter.max_amount {
        q.push(" AND amount <= ").push_bind(max.rupiah());
    }
    if let Some(customer) = filter.customer_id {
        q.push(" AND customer_id = ").push_bind(customer.get());
    }
    if let Some(cursor) = after {
        q.push(" AND (created_at, id) < (")
            .push_bind(cursor.created_at.unix_millis())
            .push(", ")
            .push_bind(cursor.id.get())
            .push(")");
    }
    q.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(i64::from(limit));
    let rows = q.build().fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

fn from_row(row: &sqlx::sqlite::SqliteRow) -> LedgerResult<PaymentRow> {
    let corrupt = |what: &str, value: &str| LedgerError::Corrupt(format!("payment {what} {value:?}"));
    let reference: String = row.try_get("reference")?;
    let product: String = row.try_get("product")?;
    let status: String = row.try_get("status")?;
    let amount: i64 = row.try_get("amount")?;
    Ok(PaymentRow {
        id: PaymentId::new(row.try_get("id")?),
        reference: Reference::parse(&reference).map_err(|_| corrupt("reference", &reference))?,
        customer_id: row.try_get::<Option<i64>, _>("customer_id")?.map(CustomerId::new),
        product: Product::parse(&product).map_err(|_| corrupt("product", &product))?,
        kind: row.try_get("kind")?,
        amount: Idr::new(amount).map_err(|_| corrupt("amount", &amount.to_string()))?,
        status: PaymentStatus::parse(&status).map_err(|_| corrupt("status", &status))?,
        provider_ref: row.try_get("provider_ref")?,
        created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
        succeeded_at: row.try_get::<Option<i64>, _>("succeeded_at")?.map(Timestamp::from_unix_millis),
    })
}
