use ovo_domain::{OperatorId, Role, Timestamp};
use sqlx::AnyConnection;

use crate::row::{affected, fetch_all, Bound};

use crate::error::{LedgerError, LedgerResult};
use crate::row::{find_by, read_row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRow {
    pub id: OperatorId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    /// Seeded for the built-in environment's demo; signs in only there.
    pub demo: bool,
    /// Set by an admin: replaced at the next sign-in, and never approves anything.
    pub password_one_time: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewOperator<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub password_one_time: bool,
    pub at: Timestamp,
}

/// Failed password attempts under one key (`user:<name>` or `desk`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    pub failures: i64,
    pub last_failure_at: Timestamp,
    pub locked_until: Option<Timestamp>,
}

const COLUMNS: &str = "id, username, display_name, role, password_hash, disabled, demo, \
                       password_one_time, created_at, updated_at";

pub async fn insert(conn: &mut AnyConnection, new: &NewOperator<'_>) -> LedgerResult<OperatorRow> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO operators (username, display_name, role, password_hash, password_one_time, disabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7) RETURNING id",
    )
    .bind(new.username)
    .bind(new.display_name)
    .bind(new.role.key())
    .bind(new.password_hash)
    .bind(i64::from(new.password_one_time))
    .bind(new.at.unix_millis())
    .bind(new.at.unix_millis())
    .fetch_one(&mut *conn)
    .await?;
    require(by_id(conn, OperatorId::new(id)).await?)
}

pub async fn by_id(conn: &mut AnyConnection, id: OperatorId) -> LedgerResult<Option<OperatorRow>> {
    find_by(conn, &format!("SELECT {COLUMNS} FROM operators WHERE id = $1"), id.get(), from_row)
        .await
}

pub async fn by_username(
    conn: &mut AnyConnection,
    username: &str,
) -> LedgerResult<Option<OperatorRow>> {
    find_by(
        conn,
        &format!("SELECT {COLUMNS} FROM operators WHERE username = $1"),
        username,
        from_row,
    )
    .await
}

/// Every operator; with `with_demo` false, the demo operators are left out.
pub async fn list(conn: &mut AnyConnection, with_demo: bool) -> LedgerResult<Vec<OperatorRow>> {
    let sql = format!("SELECT {COLUMNS} FROM operators WHERE demo = 0 OR $1 ORDER BY username");
    fetch_all(conn, sqlx::query(&sql).bind(with_demo), from_row).await
}

/// The demo operators, in role order (staff, support, finance, admin).
pub async fn demo(conn: &mut AnyConnection) -> LedgerResult<Vec<OperatorRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM operators WHERE demo = 1
         ORDER BY CASE role WHEN 'staff' THEN 0 WHEN 'support' THEN 1 WHEN 'finance' THEN 2 ELSE 3 END, username"
    );
    fetch_all(conn, sqlx::query(&sql), from_row).await
}

/// All operators, demo ones included.
pub async fn count(conn: &mut AnyConnection) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM operators").fetch_one(&mut *conn).await?)
}

/// The operators the merchant created (the demo ones left out).
pub async fn count_real(conn: &mut AnyConnection) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM operators WHERE demo = 0")
        .fetch_one(&mut *conn)
        .await?)
}

/// Active admins the merchant created: a demo admin signs in only in the built-in environment,
/// so it never keeps the back office administrable.
pub async fn count_active_admins(conn: &mut AnyConnection) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM operators WHERE role = 'admin' AND disabled = 0 AND demo = 0",
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// Marks an operator as one of the built-in environment's demo operators.
pub async fn mark_demo(conn: &mut AnyConnection, id: OperatorId) -> LedgerResult<OperatorRow> {
    update_and_read(conn, id, sqlx::query("UPDATE operators SET demo = 1 WHERE id = $1")).await
}

pub async fn set_role(
    conn: &mut AnyConnection,
    id: OperatorId,
    role: Role,
    at: Timestamp,
) -> LedgerResult<OperatorRow> {
    let query = sqlx::query("UPDATE operators SET role = $1, updated_at = $2 WHERE id = $3");
    update_and_read(conn, id, query.bind(role.key()).bind(at.unix_millis())).await
}

pub async fn set_disabled(
    conn: &mut AnyConnection,
    id: OperatorId,
    disabled: bool,
    at: Timestamp,
) -> LedgerResult<OperatorRow> {
    let query = sqlx::query("UPDATE operators SET disabled = $1, updated_at = $2 WHERE id = $3");
    update_and_read(conn, id, query.bind(i64::from(disabled)).bind(at.unix_millis())).await
}

/// Replaces the password hash; `one_time` when an admin set it.
pub async fn set_password(
    conn: &mut AnyConnection,
    id: OperatorId,
    password_hash: &str,
    one_time: bool,
    at: Timestamp,
) -> LedgerResult<OperatorRow> {
    let query = sqlx::query(
        "UPDATE operators SET password_hash = $1, password_one_time = $2, updated_at = $3 WHERE id = $4",
    );
    update_and_read(
        conn,
        id,
        query.bind(password_hash).bind(i64::from(one_time)).bind(at.unix_millis()),
    )
    .await
}

/// Replaces the hash of the same password (stronger parameters); nothing else changes.
pub async fn rehash_password(
    conn: &mut AnyConnection,
    id: OperatorId,
    password_hash: &str,
) -> LedgerResult<OperatorRow> {
    let query = sqlx::query("UPDATE operators SET password_hash = $1 WHERE id = $2");
    update_and_read(conn, id, query.bind(password_hash)).await
}

/// The failed attempts recorded under `key`, if any.
pub async fn attempts(conn: &mut AnyConnection, key: &str) -> LedgerResult<Option<Attempts>> {
    find_by(
        conn,
        "SELECT failures, last_failure_at, locked_until FROM password_attempts WHERE key = $1",
        key,
        |row| read_row!(row, Attempts { failures, last_failure_at, locked_until }),
    )
    .await
}

/// Stores the attempts under `key`.
pub async fn set_attempts(
    conn: &mut AnyConnection,
    key: &str,
    attempts: &Attempts,
) -> LedgerResult<()> {
    sqlx::query(
        "INSERT INTO password_attempts (key, failures, last_failure_at, locked_until)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
             last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until",
    )
    .bind(key)
    .bind(attempts.failures)
    .bind(attempts.last_failure_at.unix_millis())
    .bind(attempts.locked_until.map(Timestamp::unix_millis))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets the failed attempts under `key`.
pub async fn clear_attempts(conn: &mut AnyConnection, key: &str) -> LedgerResult<()> {
    sqlx::query("DELETE FROM password_attempts WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Runs `query` (its last parameter is the operator's id) and reads the operator back.
async fn update_and_read(
    conn: &mut AnyConnection,
    id: OperatorId,
    query: Bound<'_>,
) -> LedgerResult<OperatorRow> {
    affected(conn, query.bind(id.get())).await?;
    require(by_id(conn, id).await?)
}

fn require(row: Option<OperatorRow>) -> LedgerResult<OperatorRow> {
    row.ok_or(LedgerError::NotFound { what: "operator" })
}

fn from_row(row: &sqlx::any::AnyRow) -> LedgerResult<OperatorRow> {
    read_row!(
        row,
        OperatorRow {
            id,
            username,
            display_name,
            role,
            password_hash,
            disabled,
            demo,
            password_one_time,
            created_at,
            updated_at,
        }
    )
}
