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
    /// Seeded for the built-in environment's demo; no other environment shows it.
    pub demo: bool,
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

pub async fn insert(
    conn: &mut SqliteConnection,
    new: &NewCustomer<'_>,
) -> LedgerResult<CustomerId> {
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
    for word in new.name_key.split(' ').filter(|w| !w.is_empty()) {
        sqlx::query("INSERT OR IGNORE INTO customer_name_words (word, customer_id) VALUES (?, ?)")
            .bind(word)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(CustomerId::new(id))
}

/// Marks a customer as part of the built-in environment's demo.
pub async fn mark_demo(conn: &mut SqliteConnection, id: CustomerId) -> LedgerResult<()> {
    sqlx::query("UPDATE customers SET demo = 1 WHERE id = ?").bind(id.get()).execute(&mut *conn).await?;
    Ok(())
}

pub async fn count(conn: &mut SqliteConnection) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM customers")
        .fetch_one(&mut *conn)
        .await?)
}

const COLUMNS: &str = "c.id, c.merchant_customer_id, c.full_name, c.phone, c.email, c.demo, c.created_at";

pub async fn by_id(
    conn: &mut SqliteConnection,
    id: CustomerId,
) -> LedgerResult<Option<CustomerRow>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM customers c WHERE c.id = ?"))
        .bind(id.get())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_merchant_customer_id(
    conn: &mut SqliteConnection,
    merchant_customer_id: &str,
) -> LedgerResult<Option<CustomerRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM customers c WHERE c.merchant_customer_id = ?"
    ))
    .bind(merchant_customer_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Customers with a linked account (any environment, any state) on this phone, other than
/// those registered under it.
pub async fn by_linked_phone(
    conn: &mut SqliteConnection,
    phone: &Msisdn,
    limit: u32,
) -> LedgerResult<Vec<CustomerRow>> {
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT {COLUMNS} FROM bindings b JOIN customers c ON c.id = b.customer_id
         WHERE b.phone = ? AND c.phone <> b.phone ORDER BY c.id LIMIT ?"
    ))
    .bind(phone.canonical())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Customers one of whose name words starts with each of `words` (already folded, see
/// `ovo_domain::fold_name`), in the order of the word matching the first query word. At most
/// `limit` rows. The scan walks the word index in order and stops at `limit`, so a short
/// prefix shared by many customers costs no more than a long one.
pub async fn by_name_words(conn: &mut SqliteConnection, words: &[&str], limit: u32) -> LedgerResult<Vec<CustomerRow>> {
    let Some((first, rest)) = words.split_first() else {
        return Ok(Vec::new());
    };
    // Words compare as UTF-8 bytes, so [w, w || U+10FFFF) is exactly "starts with w".
    let mut sql = format!(
        "SELECT {COLUMNS} FROM customer_name_words w JOIN customers c ON c.id = w.customer_id
         WHERE w.word >= ?1 AND w.word < ?1 || char(1114111)"
    );
    for i in 0..rest.len() {
        let n = i + 2;
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM customer_name_words o WHERE o.customer_id = c.id AND o.word >= ?{n} AND o.word < ?{n} || char(1114111))"
        ));
    }
    // A name with two words matching the first query word appears twice: ask for a few more.
    sql.push_str(&format!(" ORDER BY w.word, w.customer_id LIMIT ?{}", words.len() + 1));
    let mut query = sqlx::query(&sql).bind(*first);
    for word in rest {
        query = query.bind(*word);
    }
    let rows = query.bind(limit.saturating_mul(2)).fetch_all(&mut *conn).await?;
    let mut out: Vec<CustomerRow> = Vec::new();
    for row in &rows {
        let customer = from_row(row)?;
        if !out.iter().any(|c| c.id == customer.id) {
            out.push(customer);
        }
        if out.len() == limit as usize {
            break;
        }
    }
    Ok(out)
}

/// The customer a payment, refund or linking with this reference (ours or the provider's) belongs to.
pub async fn by_reference(
    conn: &mut SqliteConnection,
    reference: &str,
) -> LedgerResult<Vec<(ReferenceKind, CustomerRow)>> {
    let rows = sqlx::query(&format!(
        "SELECT 'payment' AS kind, {COLUMNS} FROM payments p JOIN customers c ON c.id = p.customer_id WHERE p.reference = ?1
         UNION ALL
         SELECT 'refund', {COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN customers c ON c.id = p.customer_id WHERE r.reference = ?1
         UNION ALL
         SELECT 'provider', {COLUMNS} FROM payments p JOIN customers c ON c.id = p.customer_id WHERE p.provider_ref = ?1
         UNION ALL
         SELECT 'provider', {COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN customers c ON c.id = p.customer_id WHERE r.provider_ref = ?1
         UNION ALL
         SELECT 'provider', {COLUMNS} FROM bindings b JOIN customers c ON c.id = b.customer_id WHERE b.provider_ref = ?1
         UNION ALL
         SELECT 'linking', {COLUMNS} FROM bindings b JOIN customers c ON c.id = b.customer_id WHERE b.reference = ?1
         LIMIT 20"
    ))
    .bind(reference)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind = match row.try_get::<String, _>("kind")?.as_str() {
                "payment" => ReferenceKind::Payment,
                "refund" => ReferenceKind::Refund,
                "linking" => ReferenceKind::Linking,
                _ => ReferenceKind::Provider,
            };
            Ok((kind, from_row(row)?))
        })
        .collect()
}

/// Which record a reference was found on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    Payment,
    Refund,
    /// A payment's, refund's or linking's provider id.
    Provider,
    /// A linking's own reference.
    Linking,
}

/// Every customer registered under this phone number.
pub async fn by_phone(
    conn: &mut SqliteConnection,
    phone: &Msisdn,
) -> LedgerResult<Vec<CustomerRow>> {
    let rows = sqlx::query(
        "SELECT id, merchant_customer_id, full_name, phone, email, demo, created_at FROM customers WHERE phone = ? ORDER BY id",
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
        phone: Msisdn::parse(&phone)
            .map_err(|e| LedgerError::Corrupt(format!("customer phone {phone:?}: {e}")))?,
        email: row.try_get("email")?,
        demo: row.try_get("demo")?,
        created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
    })
}

/// The full names of `ids` (those that exist), for lists that show who paid.
pub async fn names(
    conn: &mut SqliteConnection,
    ids: &[CustomerId],
) -> LedgerResult<std::collections::HashMap<CustomerId, String>> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut q: sqlx::QueryBuilder<sqlx::Sqlite> =
        sqlx::QueryBuilder::new("SELECT id, full_name FROM customers WHERE id IN (");
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(id.get());
    }
    q.push(")");
    let rows: Vec<(i64, String)> = q.build_query_as().fetch_all(&mut *conn).await?;
    for (id, name) in rows {
        out.insert(CustomerId::new(id), name);
    }
    Ok(out)
}
