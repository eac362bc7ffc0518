use ovo_domain::{CustomerId, Msisdn, Timestamp};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use crate::error::{LedgerError, LedgerResult};
use crate::row::{change_one, execute, fetch_all, find_by, read_row, SqlBuilder};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    pub id: CustomerId,
    pub merchant_customer_id: Option<String>,
    pub full_name: String,
    pub phone: Msisdn,
    pub email: Option<String>,
    /// Seeded for the built-in environment's demo; no other environment shows it.
    pub demo: bool,
    /// Free text the merchant keeps on the customer.
    pub notes: Option<String>,
    /// When the customer was forgotten: name, email and notes erased, money records kept.
    pub forgotten_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
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

pub async fn insert(conn: &mut AnyConnection, new: &NewCustomer<'_>) -> LedgerResult<CustomerId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO customers (merchant_customer_id, full_name, name_key, phone, email, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
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
    insert_words(conn, id, new.name_key).await?;
    Ok(CustomerId::new(id))
}

/// Marks a customer as part of the built-in environment's demo.
pub async fn mark_demo(conn: &mut AnyConnection, id: CustomerId) -> LedgerResult<()> {
    let query = sqlx::query("UPDATE customers SET demo = 1 WHERE id = $1").bind(id.get());
    execute(conn, query).await
}

pub async fn count(conn: &mut AnyConnection) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM customers").fetch_one(&mut *conn).await?)
}

const COLUMNS: &str =
    "c.id, c.merchant_customer_id, c.full_name, c.phone, c.email, c.demo, c.notes, c.forgotten_at, c.created_at, c.updated_at";

pub async fn by_id(conn: &mut AnyConnection, id: CustomerId) -> LedgerResult<Option<CustomerRow>> {
    find_by(conn, &format!("SELECT {COLUMNS} FROM customers c WHERE c.id = $1"), id.get(), from_row)
        .await
}

pub async fn by_merchant_customer_id(
    conn: &mut AnyConnection,
    merchant_customer_id: &str,
) -> LedgerResult<Option<CustomerRow>> {
    let sql = format!("SELECT {COLUMNS} FROM customers c WHERE c.merchant_customer_id = $1");
    find_by(conn, &sql, merchant_customer_id, from_row).await
}

/// Customers with a linked account (any environment, any state) on this phone, other than
/// those registered under it.
pub async fn by_linked_phone(
    conn: &mut AnyConnection,
    phone: &Msisdn,
    limit: u32,
) -> LedgerResult<Vec<CustomerRow>> {
    let sql = format!(
        "SELECT DISTINCT {COLUMNS} FROM bindings b JOIN customers c ON c.id = b.customer_id
         WHERE b.phone = $1 AND c.phone <> b.phone ORDER BY c.id LIMIT $2"
    );
    fetch_all(conn, sqlx::query(&sql).bind(phone.canonical()).bind(i64::from(limit)), from_row)
        .await
}

/// Customers one of whose name words starts with each of `words` (already folded, see
/// `ovo_domain::fold_name`), in the order of the word matching the first query word. At most
/// `limit` rows. The scan walks the word index in order and stops at `limit`, so a short
/// prefix shared by many customers costs no more than a long one.
pub async fn by_name_words(
    conn: &mut AnyConnection,
    words: &[&str],
    limit: u32,
) -> LedgerResult<Vec<CustomerRow>> {
    let Some((first, rest)) = words.split_first() else {
        return Ok(Vec::new());
    };
    // Words compare as UTF-8 bytes (PostgreSQL: COLLATE "C"), so [w, w + U+10FFFF) is exactly
    // "starts with w".
    let upper = |word: &str| format!("{word}\u{10FFFF}");
    let mut q = SqlBuilder::new(format!(
        "SELECT {COLUMNS} FROM customer_name_words w JOIN customers c ON c.id = w.customer_id
         WHERE w.word >= "
    ));
    q.push_bind(first.to_string()).push(" AND w.word < ").push_bind(upper(first));
    for word in rest {
        q.push(" AND EXISTS (SELECT 1 FROM customer_name_words o WHERE o.customer_id = c.id AND o.word >= ")
            .push_bind(word.to_string())
            .push(" AND o.word < ")
            .push_bind(upper(word))
            .push(")");
    }
    // A name with two words matching the first query word appears twice: ask for a few more.
    q.push(" ORDER BY w.word, w.customer_id LIMIT ").push_bind(i64::from(limit.saturating_mul(2)));
    let rows = q.build().fetch_all(&mut *conn).await?;
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
    conn: &mut AnyConnection,
    reference: &str,
) -> LedgerResult<Vec<(ReferenceKind, CustomerRow)>> {
    let sql = format!(
        "SELECT 'payment' AS kind, {COLUMNS} FROM payments p JOIN customers c ON c.id = p.customer_id WHERE p.reference = $1
         UNION ALL
         SELECT 'refund', {COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN customers c ON c.id = p.customer_id WHERE r.reference = $1
         UNION ALL
         SELECT 'provider', {COLUMNS} FROM payments p JOIN customers c ON c.id = p.customer_id WHERE p.provider_ref = $1
         UNION ALL
         SELECT 'provider', {COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN customers c ON c.id = p.customer_id WHERE r.provider_ref = $1
         UNION ALL
         SELECT 'provider', {COLUMNS} FROM bindings b JOIN customers c ON c.id = b.customer_id WHERE b.provider_ref = $1
         UNION ALL
         SELECT 'linking', {COLUMNS} FROM bindings b JOIN customers c ON c.id = b.customer_id WHERE b.reference = $1
         LIMIT 20"
    );
    fetch_all(conn, sqlx::query(&sql).bind(reference), |row| {
        let kind = match row.try_get::<String, _>("kind")?.as_str() {
            "payment" => ReferenceKind::Payment,
            "refund" => ReferenceKind::Refund,
            "linking" => ReferenceKind::Linking,
            _ => ReferenceKind::Provider,
        };
        Ok((kind, from_row(row)?))
    })
    .await
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
pub async fn by_phone(conn: &mut AnyConnection, phone: &Msisdn) -> LedgerResult<Vec<CustomerRow>> {
    let sql = format!("SELECT {COLUMNS} FROM customers c WHERE c.phone = $1 ORDER BY c.id");
    fetch_all(conn, sqlx::query(&sql).bind(phone.canonical()), from_row).await
}

fn from_row(row: &sqlx::any::AnyRow) -> LedgerResult<CustomerRow> {
    read_row!(
        row,
        CustomerRow {
            id,
            merchant_customer_id,
            full_name,
            phone,
            email,
            demo,
            notes,
            forgotten_at,
            created_at,
            updated_at,
        }
    )
}

/// The full names of `ids` (those that exist), for lists that show who paid.
pub async fn names(
    conn: &mut AnyConnection,
    ids: &[CustomerId],
) -> LedgerResult<std::collections::HashMap<CustomerId, String>> {
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut q = SqlBuilder::new("SELECT id, full_name FROM customers WHERE id IN ");
    q.push_list(ids.iter().map(|id| id.get()));
    for row in q.build().fetch_all(&mut *conn).await? {
        out.insert(CustomerId::new(row.try_get("id")?), row.try_get("full_name")?);
    }
    Ok(out)
}

/// A customer's values as the merchant keeps them: what create, edit and import write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerValues {
    pub merchant_customer_id: Option<String>,
    pub full_name: String,
    pub phone: Msisdn,
    pub email: Option<String>,
    pub notes: Option<String>,
}

impl CustomerValues {
    pub fn of(row: &CustomerRow) -> CustomerValues {
        CustomerValues {
            merchant_customer_id: row.merchant_customer_id.clone(),
            full_name: row.full_name.clone(),
            phone: row.phone.clone(),
            email: row.email.clone(),
            notes: row.notes.clone(),
        }
    }
}

async fn insert_words(conn: &mut AnyConnection, id: i64, name_key: &str) -> LedgerResult<()> {
    let sql = "INSERT INTO customer_name_words (word, customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    for_each_word(conn, sql, id, name_key).await
}

/// Removes a customer's name words, found through its stored `name_key` (the word index's
/// primary key, so no scan of the index).
async fn delete_words(conn: &mut AnyConnection, id: i64) -> LedgerResult<()> {
    let key: Option<String> = sqlx::query_scalar("SELECT name_key FROM customers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let sql = "DELETE FROM customer_name_words WHERE word = $1 AND customer_id = $2";
    for_each_word(conn, sql, id, key.as_deref().unwrap_or("")).await
}

/// Runs `sql` (bound to a word and the customer's id) for each word of `name_key`.
async fn for_each_word(
    conn: &mut AnyConnection,
    sql: &str,
    id: i64,
    name_key: &str,
) -> LedgerResult<()> {
    for word in name_key.split(' ').filter(|w| !w.is_empty()) {
        sqlx::query(sql).bind(word).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Binds a customer's values in column order, then `at`.
fn bind_values<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    values: &'q CustomerValues,
    name_key: &'q str,
    at: Timestamp,
) -> Query<'q, Any, AnyArguments<'q>> {
    query
        .bind(&values.merchant_customer_id)
        .bind(&values.full_name)
        .bind(name_key)
        .bind(values.phone.canonical())
        .bind(&values.email)
        .bind(&values.notes)
        .bind(at.unix_millis())
}

/// Inserts one customer with its name words.
pub async fn create(
    conn: &mut AnyConnection,
    values: &CustomerValues,
    at: Timestamp,
) -> LedgerResult<CustomerId> {
    let name_key = ovo_domain::fold_name(&values.full_name);
    let insert = sqlx::query(
        "INSERT INTO customers (merchant_customer_id, full_name, name_key, phone, email, notes, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    );
    let id: i64 = bind_values(insert, values, &name_key, at)
        .bind(at.unix_millis())
        .fetch_one(&mut *conn)
        .await
        .map_err(customer_unique)?
        .try_get("id")?;
    insert_words(conn, id, &name_key).await?;
    Ok(CustomerId::new(id))
}

/// Rows per multi-row INSERT: 8 values a row stays far below SQLite's 32,766 variables.
const BULK_ROWS: usize = 1_000;

/// Inserts many customers with multi-row INSERTs, then their name words in one statement.
/// Call inside a write transaction: the words are those of every customer inserted after the
/// highest id before this call.
pub async fn create_many(
    conn: &mut AnyConnection,
    rows: &[CustomerValues],
    at: Timestamp,
) -> LedgerResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let before: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM customers")
        .fetch_one(&mut *conn)
        .await?;
    for chunk in rows.chunks(BULK_ROWS) {
        let mut q = SqlBuilder::new(
            "INSERT INTO customers (merchant_customer_id, full_name, name_key, phone, email, notes, created_at, updated_at) VALUES ",
        );
        for (i, v) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .push_bind(v.merchant_customer_id.as_deref())
                .push(", ")
                .push_bind(v.full_name.as_str())
                .push(", ")
                .push_bind(ovo_domain::fold_name(&v.full_name))
                .push(", ")
                .push_bind(v.phone.canonical())
                .push(", ")
                .push_bind(v.email.as_deref())
                .push(", ")
                .push_bind(v.notes.as_deref())
                .push(", ")
                .push_bind(at.unix_millis())
                .push(", ")
                .push_bind(at.unix_millis())
                .push(")");
        }
        q.build().execute(&mut *conn).await.map_err(customer_unique)?;
    }
    // Their name words, a multi-row insert per batch of customers.
    let added = sqlx::query("SELECT id, name_key FROM customers WHERE id > $1 ORDER BY id")
        .bind(before)
        .fetch_all(&mut *conn)
        .await?;
    let mut words: Vec<(String, i64)> = Vec::new();
    for row in &added {
        let id: i64 = row.try_get("id")?;
        let key: String = row.try_get("name_key")?;
        words.extend(key.split(' ').filter(|w| !w.is_empty()).map(|w| (w.to_owned(), id)));
    }
    words.sort();
    words.dedup();
    for chunk in words.chunks(BULK_ROWS) {
        let mut q = SqlBuilder::new("INSERT INTO customer_name_words (word, customer_id) VALUES ");
        for (i, (word, id)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .push_bind(word.as_str())
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        q.push(" ON CONFLICT DO NOTHING");
        execute(conn, q.build()).await?;
    }
    Ok(())
}

/// Replaces a customer's values (and its name words when the name changed).
pub async fn update(
    conn: &mut AnyConnection,
    id: CustomerId,
    values: &CustomerValues,
    at: Timestamp,
) -> LedgerResult<()> {
    let name_key = ovo_domain::fold_name(&values.full_name);
    delete_words(conn, id.get()).await?;
    let update = sqlx::query(
        "UPDATE customers SET merchant_customer_id = $1, full_name = $2, name_key = $3, phone = $4, email = $5, notes = $6, updated_at = $7
         WHERE id = $8",
    );
    let done = bind_values(update, values, &name_key, at)
        .bind(id.get())
        .execute(&mut *conn)
        .await
        .map_err(customer_unique)?;
    if done.rows_affected() == 0 {
        return Err(LedgerError::NotFound { what: "customer" });
    }
    insert_words(conn, id.get(), &name_key).await
}

fn customer_unique(err: sqlx::Error) -> LedgerError {
    match LedgerError::from(err) {
        LedgerError::Duplicate { .. } => LedgerError::Duplicate { what: "merchant customer id" },
        other => other,
    }
}

/// Customers whose merchant customer id is one of `ids` (those that exist).
pub async fn by_merchant_customer_ids(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> LedgerResult<Vec<CustomerRow>> {
    by_column_in(conn, "merchant_customer_id", ids).await
}

/// Customers registered under one of these canonical phones.
pub async fn by_phones(
    conn: &mut AnyConnection,
    phones: &[&str],
) -> LedgerResult<Vec<CustomerRow>> {
    by_column_in(conn, "phone", phones).await
}

async fn by_column_in(
    conn: &mut AnyConnection,
    column: &'static str,
    values: &[&str],
) -> LedgerResult<Vec<CustomerRow>> {
    let mut out = Vec::new();
    for chunk in values.chunks(BULK_ROWS) {
        let mut q =
            SqlBuilder::new(format!("SELECT {COLUMNS} FROM customers c WHERE c.{column} IN "));
        q.push_list(chunk.iter().copied()).push(" ORDER BY c.id");
        for row in q.build().fetch_all(&mut *conn).await? {
            out.push(from_row(&row)?);
        }
    }
    Ok(out)
}

/// Adds a dated note to a customer's timeline.
pub async fn add_note(
    conn: &mut AnyConnection,
    customer_id: CustomerId,
    body: &str,
    at: Timestamp,
    by: Option<ovo_domain::OperatorId>,
) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO customer_notes (customer_id, body, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(customer_id.get())
    .bind(body)
    .bind(at.unix_millis())
    .bind(by.map(|o| o.get()))
    .fetch_one(&mut *conn)
    .await?)
}

/// What a customer's timeline shows, one kind of row each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineKind {
    CustomerCreated,
    Note,
    LinkingStarted,
    AccountLinked,
    AccountUnlinked,
    Payment,
    Refund,
}

impl TimelineKind {
    const ALL: [TimelineKind; 7] = [
        TimelineKind::CustomerCreated,
        TimelineKind::Note,
        TimelineKind::LinkingStarted,
        TimelineKind::AccountLinked,
        TimelineKind::AccountUnlinked,
        TimelineKind::Payment,
        TimelineKind::Refund,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            TimelineKind::CustomerCreated => "customer_created",
            TimelineKind::Note => "note",
            TimelineKind::LinkingStarted => "linking_started",
            TimelineKind::AccountLinked => "account_linked",
            TimelineKind::AccountUnlinked => "account_unlinked",
            TimelineKind::Payment => "payment",
            TimelineKind::Refund => "refund",
        }
    }

    /// Orders rows of one instant (a payment after the linking it was taken on); a cursor
    /// carries it.
    pub const fn rank(self) -> i64 {
        self as i64
    }

    pub fn from_rank(rank: i64) -> Option<TimelineKind> {
        TimelineKind::ALL.into_iter().find(|k| k.rank() == rank)
    }
}

/// Where a timeline page ends: the next page starts strictly before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineCursor {
    pub at: Timestamp,
    pub kind: TimelineKind,
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRow {
    pub kind: TimelineKind,
    pub at: Timestamp,
    /// The row's id in its own table (note, binding, payment, refund; the customer's for `CustomerCreated`).
    pub id: i64,
    pub reference: Option<String>,
    pub product: Option<String>,
    pub amount: Option<i64>,
    pub status: Option<String>,
    pub text: Option<String>,
    pub author: Option<String>,
    pub payment_id: Option<i64>,
}

impl TimelineRow {
    pub fn cursor(&self) -> TimelineCursor {
        TimelineCursor { at: self.at, kind: self.kind, id: self.id }
    }
}

/// A customer's timeline in one environment, newest first: created, dated notes, linkings
/// (started, linked, unlinked), payments and refunds. Keyset pages: `before` continues.
pub async fn timeline(
    conn: &mut AnyConnection,
    customer_id: CustomerId,
    environment: ovo_domain::Environment,
    before: Option<TimelineCursor>,
    limit: u32,
) -> LedgerResult<Vec<TimelineRow>> {
    let (at, rank, id) = match before {
        Some(c) => (c.at.unix_millis(), c.kind.rank(), c.id),
        None => (i64::MAX, i64::MAX, i64::MAX),
    };
    let query = sqlx::query(
        "SELECT * FROM (
             SELECT 0 AS rank, c.created_at AS at, c.id AS id, CAST(NULL AS TEXT) AS reference,
                    CAST(NULL AS TEXT) AS product, CAST(NULL AS BIGINT) AS amount, CAST(NULL AS TEXT) AS status,
                    CAST(NULL AS TEXT) AS text, CAST(NULL AS TEXT) AS author, CAST(NULL AS BIGINT) AS payment_id
               FROM customers c WHERE c.id = $1
             UNION ALL
             SELECT 1, n.created_at, n.id, NULL, NULL, NULL, NULL, n.body, o.display_name, NULL
               FROM customer_notes n LEFT JOIN operators o ON o.id = n.created_by WHERE n.customer_id = $1
             UNION ALL
             SELECT 2, b.created_at, b.id, b.reference, b.product, NULL, b.status, b.phone, NULL, NULL
               FROM bindings b WHERE b.customer_id = $1 AND b.environment = $2
             UNION ALL
             SELECT 3, b.linked_at, b.id, b.reference, b.product, NULL, b.status, b.phone, NULL, NULL
               FROM bindings b WHERE b.customer_id = $1 AND b.environment = $2 AND b.linked_at IS NOT NULL
             UNION ALL
             SELECT 4, b.unlinked_at, b.id, b.reference, b.product, NULL, b.status, b.phone, NULL, NULL
               FROM bindings b WHERE b.customer_id = $1 AND b.environment = $2 AND b.unlinked_at IS NOT NULL
             UNION ALL
             SELECT 5, p.created_at, p.id, p.reference, p.product, p.amount, p.status, NULL, NULL, p.id
               FROM payments p WHERE p.customer_id = $1 AND p.environment = $2
             UNION ALL
             SELECT 6, r.requested_at, r.id, r.reference, p.product, r.amount, r.status, r.reason, NULL, p.id
               FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.customer_id = $1 AND p.environment = $2
         ) AS timeline
         WHERE (at, rank, id) < ($3, $4, $5)
         ORDER BY at DESC, rank DESC, id DESC
         LIMIT $6",
    )
    .bind(customer_id.get())
    .bind(environment.key())
    .bind(at)
    .bind(rank)
    .bind(id)
    .bind(i64::from(limit));
    fetch_all(conn, query, |row| {
        let rank: i64 = row.try_get("rank")?;
        read_row!(
            row,
            TimelineRow {
                kind = TimelineKind::from_rank(rank)
                    .ok_or_else(|| LedgerError::Corrupt(format!("timeline rank {rank}")))?,
                at,
                id,
                reference,
                product,
                amount,
                status,
                text,
                author,
                payment_id,
            }
        )
    })
    .await
}

/// Whether any payment was made by or for this customer (directly or on one of its linkings).
pub async fn has_payments(conn: &mut AnyConnection, id: CustomerId) -> LedgerResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM payments WHERE customer_id = $1
         UNION ALL
         SELECT 1 FROM payments p JOIN bindings b ON b.id = p.binding_id WHERE b.customer_id = $1
         LIMIT 1",
    )
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// Linkings of this customer that still hold an OVO account (any environment).
pub async fn live_linkings(conn: &mut AnyConnection, id: CustomerId) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM bindings WHERE customer_id = $1 AND status IN ('pending', 'active', 'needs_relink', 'unlinking')",
    )
    .bind(id.get())
    .fetch_one(&mut *conn)
    .await?)
}

/// Deletes a customer without payments: its dated notes, name words, ended linkings (with
/// their balance snapshots and cached history) and the row itself.
pub async fn delete(conn: &mut AnyConnection, id: CustomerId) -> LedgerResult<()> {
    delete_words(conn, id.get()).await?;
    for sql in [
        "DELETE FROM customer_notes WHERE customer_id = $1",
        "DELETE FROM balance_snapshots WHERE binding_id IN (SELECT id FROM bindings WHERE customer_id = $1)",
        "DELETE FROM provider_history WHERE binding_id IN (SELECT id FROM bindings WHERE customer_id = $1)",
        "DELETE FROM bindings WHERE customer_id = $1",
    ] {
        sqlx::query(sql).bind(id.get()).execute(&mut *conn).await?;
    }
    let query = sqlx::query("DELETE FROM customers WHERE id = $1").bind(id.get());
    change_one(conn, query, "customer").await
}

/// Erases a customer's name, email, notes and dated notes (and its name words); the phone,
/// merchant customer id and every money record stay.
pub async fn anonymise(
    conn: &mut AnyConnection,
    id: CustomerId,
    at: Timestamp,
) -> LedgerResult<()> {
    delete_words(conn, id.get()).await?;
    sqlx::query("DELETE FROM customer_notes WHERE customer_id = $1")
        .bind(id.get())
        .execute(&mut *conn)
        .await?;
    let query = sqlx::query(
        "UPDATE customers SET full_name = '', name_key = '', email = NULL, notes = NULL, forgotten_at = $1, updated_at = $1
         WHERE id = $2",
    );
    change_one(conn, query.bind(at.unix_millis()).bind(id.get()), "customer").await
}
