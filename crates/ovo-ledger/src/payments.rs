use ovo_domain::{
    CustomerId, Environment, Idr, PaymentId, PaymentStatus, Product, Reference, Timestamp,
};
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
    pub environment: Option<Environment>,
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
    if let Some(environment) = filter.environment {
        q.push(" AND environment = ").push_bind(environment.key());
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
    q.push(" ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(i64::from(limit));
    let rows = q.build().fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

fn from_row(row: &sqlx::sqlite::SqliteRow) -> LedgerResult<PaymentRow> {
    let corrupt =
        |what: &str, value: &str| LedgerError::Corrupt(format!("payment {what} {value:?}"));
    let reference: String = row.try_get("reference")?;
    let product: String = row.try_get("product")?;
    let status: String = row.try_get("status")?;
    let amount: i64 = row.try_get("amount")?;
    Ok(PaymentRow {
        id: PaymentId::new(row.try_get("id")?),
        reference: Reference::parse(&reference).map_err(|_| corrupt("reference", &reference))?,
        customer_id: row
            .try_get::<Option<i64>, _>("customer_id")?
            .map(CustomerId::new),
        product: Product::parse(&product).map_err(|_| corrupt("product", &product))?,
        kind: row.try_get("kind")?,
        amount: Idr::new(amount).map_err(|_| corrupt("amount", &amount.to_string()))?,
        status: PaymentStatus::parse(&status).map_err(|_| corrupt("status", &status))?,
        provider_ref: row.try_get("provider_ref")?,
        created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
        succeeded_at: row
            .try_get::<Option<i64>, _>("succeeded_at")?
            .map(Timestamp::from_unix_millis),
    })
}

/// A payment as first recorded, before or without any provider call.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    pub reference: &'a Reference,
    pub environment: Environment,
    pub customer_id: Option<CustomerId>,
    pub binding_id: Option<ovo_domain::BindingId>,
    pub product: Product,
    pub kind: &'a str,
    pub phone: Option<&'a ovo_domain::Msisdn>,
    pub amount: Idr,
    pub cash_amount: Option<Idr>,
    pub points_amount: Option<Idr>,
    pub status: PaymentStatus,
    pub provider_ref: Option<&'a str>,
    pub created_by: Option<ovo_domain::OperatorId>,
    pub created_at: Timestamp,
    pub succeeded_at: Option<Timestamp>,
}

pub async fn insert(conn: &mut SqliteConnection, new: &NewPayment<'_>) -> LedgerResult<PaymentId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payments (reference, environment, customer_id, binding_id, product, kind, phone, amount, cash_amount,
                               points_amount, status, provider_ref, created_by, created_at, succeeded_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.reference.as_str())
    .bind(new.environment.key())
    .bind(new.customer_id.map(|c| c.get()))
    .bind(new.binding_id.map(|b| b.get()))
    .bind(new.product.key())
    .bind(new.kind)
    .bind(new.phone.map(|p| p.canonical()))
    .bind(new.amount.rupiah())
    .bind(new.cash_amount.map(Idr::rupiah))
    .bind(new.points_amount.map(Idr::rupiah))
    .bind(new.status.key())
    .bind(new.provider_ref)
    .bind(new.created_by.map(|o| o.get()))
    .bind(new.created_at.unix_millis())
    .bind(new.succeeded_at.map(|t| t.unix_millis()))
    .bind(new.created_at.unix_millis())
    .fetch_one(&mut *conn)
    .await?;
    Ok(PaymentId::new(id))
}

/// A refund as the customer page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRefund {
    pub id: ovo_domain::RefundId,
    pub reference: String,
    pub payment_reference: String,
    pub product: Product,
    pub amount: Idr,
    pub status: String,
    pub requested_at: Timestamp,
}

/// The newest refunds of a customer's payments in one environment.
pub async fn refunds_of_customer(
    conn: &mut SqliteConnection,
    customer_id: CustomerId,
    environment: Environment,
    limit: u32,
) -> LedgerResult<Vec<CustomerRefund>> {
    let rows = sqlx::query(
        "SELECT r.id, r.reference, p.reference AS payment_reference, p.product, r.amount, r.status, r.requested_at
         FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE p.customer_id = ? AND p.environment = ? ORDER BY r.requested_at DESC, r.id DESC LIMIT ?",
    )
    .bind(customer_id.get())
    .bind(environment.key())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let product: String = row.try_get("product")?;
            let amount: i64 = row.try_get("amount")?;
            Ok(CustomerRefund {
                id: ovo_domain::RefundId::new(row.try_get("id")?),
                reference: row.try_get("reference")?,
                payment_reference: row.try_get("payment_reference")?,
                product: Product::parse(&product)
                    .map_err(|e| LedgerError::Corrupt(e.to_string()))?,
                amount: Idr::new(amount)
                    .map_err(|e| LedgerError::Corrupt(format!("refund amount: {e}")))?,
                status: row.try_get("status")?,
                requested_at: Timestamp::from_unix_millis(row.try_get("requested_at")?),
            })
        })
        .collect()
}

/// What a refund needs to know about its payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentDetail {
    pub id: PaymentId,
    pub reference: Reference,
    pub environment: Environment,
    pub customer_id: Option<CustomerId>,
    pub binding_id: Option<ovo_domain::BindingId>,
    pub product: Product,
    pub kind: String,
    pub amount: Idr,
    pub status: PaymentStatus,
    pub provider_ref: Option<String>,
    pub created_at: Timestamp,
    pub succeeded_at: Option<Timestamp>,
}

pub async fn get(conn: &mut SqliteConnection, id: PaymentId) -> LedgerResult<Option<PaymentDetail>> {
    let row = sqlx::query(
        "SELECT id, reference, environment, customer_id, binding_id, product, kind, amount, status, provider_ref, created_at, succeeded_at
         FROM payments WHERE id = ?",
    )
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let corrupt = |what: &str, e: &dyn std::fmt::Display| LedgerError::Corrupt(format!("payment {what}: {e}"));
    let reference: String = row.try_get("reference")?;
    let environment: String = row.try_get("environment")?;
    let product: String = row.try_get("product")?;
    let status: String = row.try_get("status")?;
    let amount: i64 = row.try_get("amount")?;
    Ok(Some(PaymentDetail {
        id: PaymentId::new(row.try_get("id")?),
        reference: Reference::parse(&reference).map_err(|e| corrupt("reference", &e))?,
        environment: Environment::parse(&environment).map_err(|e| corrupt("environment", &e))?,
        customer_id: row.try_get::<Option<i64>, _>("customer_id")?.map(CustomerId::new),
        binding_id: row.try_get::<Option<i64>, _>("binding_id")?.map(ovo_domain::BindingId::new),
        product: Product::parse(&product).map_err(|e| corrupt("product", &e))?,
        kind: row.try_get("kind")?,
        amount: Idr::new(amount).map_err(|e| corrupt("amount", &e))?,
        status: PaymentStatus::parse(&status).map_err(|e| corrupt("status", &e))?,
        provider_ref: row.try_get("provider_ref")?,
        created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
        succeeded_at: row.try_get::<Option<i64>, _>("succeeded_at")?.map(Timestamp::from_unix_millis),
    }))
}
