//! One-time desk enrolments of a shared ledger: the ledger's keys sealed under a key derived from
//! a code that an admin reads out to the new desk. The code itself is never stored; `sealed` is
//! cleared when an enrolment ends, so an ended one holds nothing to attack.

use ovo_domain::{OperatorId, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::{LedgerError, LedgerResult};
use crate::row::{change_one, RowExt};

/// Why an enrolment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolmentEnd {
    /// A desk was enrolled with it.
    Used,
    /// An admin withdrew it.
    Withdrawn,
    /// It was not used before it expired.
    Expired,
    /// Too many wrong codes were tried against it.
    TooManyAttempts,
}

impl EnrolmentEnd {
    pub fn key(self) -> &'static str {
        match self {
            EnrolmentEnd::Used => "used",
            EnrolmentEnd::Withdrawn => "withdrawn",
            EnrolmentEnd::Expired => "expired",
            EnrolmentEnd::TooManyAttempts => "too_many_attempts",
        }
    }

    fn parse(key: &str) -> Result<EnrolmentEnd, String> {
        match key {
            "used" => Ok(EnrolmentEnd::Used),
            "withdrawn" => Ok(EnrolmentEnd::Withdrawn),
            "expired" => Ok(EnrolmentEnd::Expired),
            "too_many_attempts" => Ok(EnrolmentEnd::TooManyAttempts),
            other => Err(format!("unknown enrolment end {other:?}")),
        }
    }
}

/// A stored enrolment.
#[derive(Debug, Clone)]
pub struct EnrolmentRow {
    pub id: String,
    pub salt: String,
    pub sealed: Option<String>,
    pub created_by: OperatorId,
    pub created_by_name: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub failed_attempts: i64,
    pub ended: Option<EnrolmentEnd>,
    pub ended_at: Option<Timestamp>,
    /// The name the enrolled desk gave itself.
    pub desk_name: Option<String>,
}

/// A new enrolment.
#[derive(Debug, Clone)]
pub struct NewEnrolment<'a> {
    pub id: &'a str,
    pub salt: &'a str,
    pub sealed: &'a str,
    pub created_by: OperatorId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

const COLUMNS: &str = "e.id, e.salt, e.sealed, e.created_by, o.display_name AS created_by_name,
    e.created_at, e.expires_at, e.failed_attempts, e.ended, e.ended_at, e.desk_name";

fn read(row: &AnyRow) -> LedgerResult<EnrolmentRow> {
    Ok(EnrolmentRow {
        id: row.try_get("id")?,
        salt: row.try_get("salt")?,
        sealed: row.try_get("sealed")?,
        created_by: OperatorId::new(row.try_get("created_by")?),
        created_by_name: row.try_get("created_by_name")?,
        created_at: row.instant("created_at")?,
        expires_at: row.instant("expires_at")?,
        failed_attempts: row.try_get("failed_attempts")?,
        ended: row.parsed_opt("ended", EnrolmentEnd::parse)?,
        ended_at: row.instant_opt("ended_at")?,
        desk_name: row.try_get("desk_name")?,
    })
}

/// Stores a new enrolment; `Duplicate { what: "enrolment" }` when its id is taken.
pub async fn insert(conn: &mut AnyConnection, new: &NewEnrolment<'_>) -> LedgerResult<()> {
    let done = sqlx::query(
        "INSERT INTO desk_enrolments (id, salt, sealed, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(new.id)
    .bind(new.salt)
    .bind(new.sealed)
    .bind(new.created_by.get())
    .bind(new.created_at.unix_millis())
    .bind(new.expires_at.unix_millis())
    .execute(&mut *conn)
    .await?;
    match done.rows_affected() {
        1 => Ok(()),
        _ => Err(LedgerError::Duplicate { what: "enrolment" }),
    }
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> LedgerResult<Option<EnrolmentRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM desk_enrolments e JOIN operators o ON o.id = e.created_by WHERE e.id = $1"
    );
    sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await?.as_ref().map(read).transpose()
}

/// The newest `limit` enrolments, newest first.
pub async fn list(conn: &mut AnyConnection, limit: i64) -> LedgerResult<Vec<EnrolmentRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM desk_enrolments e JOIN operators o ON o.id = e.created_by
         ORDER BY e.created_at DESC, e.id LIMIT $1"
    );
    sqlx::query(&sql).bind(limit).fetch_all(&mut *conn).await?.iter().map(read).collect()
}

/// Counts a wrong code against an open enrolment; returns the count.
pub async fn record_failure(conn: &mut AnyConnection, id: &str) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar(
        "UPDATE desk_enrolments SET failed_attempts = failed_attempts + 1
         WHERE id = $1 AND ended IS NULL RETURNING failed_attempts",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or(0))
}

/// Ends an open enrolment and clears its sealed keys; `NotFound` when it had ended already.
/// An enrolment past its expiry is used by nobody.
pub async fn end(
    conn: &mut AnyConnection,
    id: &str,
    how: EnrolmentEnd,
    at: Timestamp,
    desk_name: Option<&str>,
) -> LedgerResult<()> {
    let query = sqlx::query(
        "UPDATE desk_enrolments SET sealed = NULL, ended = $2, ended_at = $3, desk_name = $4
         WHERE id = $1 AND ended IS NULL
           AND ($2 <> 'used' OR expires_at > $3)",
    )
    .bind(id)
    .bind(how.key())
    .bind(at.unix_millis())
    .bind(desk_name);
    change_one(conn, query, "open enrolment").await
}

/// Clears the sealed keys of open enrolments past their expiry (they can no longer be used).
/// One statement: it may run outside any write transaction.
pub async fn clear_expired(conn: &mut AnyConnection, now: Timestamp) -> LedgerResult<u64> {
    Ok(sqlx::query(
        "UPDATE desk_enrolments SET sealed = NULL, ended = 'expired', ended_at = expires_at
         WHERE ended IS NULL AND expires_at <= $1",
    )
    .bind(now.unix_millis())
    .execute(&mut *conn)
    .await?
    .rows_affected())
}
