use ovo_domain::{CustomerId, Msisdn, Timestamp};
use sqlx::{Row, SqliteConnection};

use crate::error::{LedgerError, LedgerResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    pub id: CustomerId,
    pub merchant_customer_id: Option<String>,
    pub full_name: String,
    pub phone: Msisdn,
    pub email: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewCustomer<'a> {
    pub merchant_customer_id: Option<&'a str>,
    pub full_name: &'a str,
    /// `full_name` folded for prefix search (see `ovo_domain::fold_name`).
    pub name_key: &'a str,
    pub phone: &'a Msisdn,
    pub email: Option<&'a str>,
    pub at: Timestamp,
}

pub async fn insert(conn: &mut SqliteConnection, new: &NewCustomer<'_>) -> LedgerResult<CustomerId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO customers (merchant_customer_id, full_name, name_key, phone, email, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.merchant_customer_id)
    .bind(new.full_name)
    .bind(new.name_key)
    .bind(new.phone.canonical())
    .bind(new.email)
    .bind(new.at.unix_millis())
    .bind(new.at.unix_millis())
    .fetch_one(&mut *conn)
    .await?;
    Ok(CustomerId::new(id))
}

/// Every customer registered under this phone number.
pub async fn by_phone(conn: &mut SqliteConnection, phone: &Msisdn) -> LedgerResult<Vec<CustomerRow>> {
    let rows = sqlx::query(
        "SELECT id, merchant_customer_id, full_name, phone, email, created_at FROM customers WHERE phone = ? ORDER BY id",
    )
    .bind(phone.canonical())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

fn from_row(row: &sqlx::sqlite::SqliteRow) -> LedgerResult<CustomerRow> {
    let phone: String = row.try_get("phone")?;
    Ok(CustomerRow {
        id: CustomerId::new(row.try_get("id")?),
        merchant_customer_id: row.try_get("merchant_customer_id")?,
        full_name: row.try_get("full_name")?,
        phone: Msisdn::parse(&phone).map_err(|e| LedgerError::Corrupt(format!("customer phone {phone:?}: {e}")))?,
        email: row.try_get("email")?,
        created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
    })
}
