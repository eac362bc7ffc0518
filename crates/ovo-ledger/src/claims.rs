//! Claims on background work, so that two desks of a shared ledger never do the same work at
//! once: a claim is a row `(kind, subject)` held by one holder (a desk's one piece of work)
//! until an instant. A holder takes a free or lapsed claim (or renews its own) in one
//! statement, and releases it when done; a crashed desk's claims lapse. Instants are the desks'
//! own clocks, which must agree to well within a claim's length. Each statement commits by itself, outside any write transaction,
//! so a claim never waits for the ledger's write lock.

use ovo_domain::Timestamp;

use crate::db::Ledger;
use crate::error::LedgerResult;

/// Takes the claim on `(kind, subject)` for `desk` until `until`, unless another desk holds it
/// past `now`. True when `desk` holds it now.
pub async fn take(
    ledger: &Ledger,
    kind: &str,
    subject: i64,
    desk: &str,
    now: Timestamp,
    until: Timestamp,
) -> LedgerResult<bool> {
    if ledger.is_moved() {
        return Err(crate::error::LedgerError::Moved);
    }
    let holder: Option<String> = sqlx::query_scalar(
        "INSERT INTO work_claims (kind, subject, desk, until) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, subject) DO UPDATE SET desk = excluded.desk, until = excluded.until
         WHERE work_claims.until <= $5 OR work_claims.desk = excluded.desk
         RETURNING desk",
    )
    .bind(kind)
    .bind(subject)
    .bind(desk)
    .bind(until.unix_millis())
    .bind(now.unix_millis())
    .fetch_optional(ledger.writer_pool())
    .await?;
    Ok(holder.is_some())
}

/// Releases `desk`'s claim on `(kind, subject)`, if it still holds it.
pub async fn release(ledger: &Ledger, kind: &str, subject: i64, desk: &str) -> LedgerResult<()> {
    if ledger.is_moved() {
        return Ok(());
    }
    sqlx::query("DELETE FROM work_claims WHERE kind = $1 AND subject = $2 AND desk = $3")
        .bind(kind)
        .bind(subject)
        .bind(desk)
        .execute(ledger.writer_pool())
        .await?;
    Ok(())
}

/// The desk holding `(kind, subject)` past `now`, if any.
pub async fn holder(
    ledger: &Ledger,
    kind: &str,
    subject: i64,
    now: Timestamp,
) -> LedgerResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT desk FROM work_claims WHERE kind = $1 AND subject = $2 AND until > $3",
    )
    .bind(kind)
    .bind(subject)
    .bind(now.unix_millis())
    .fetch_optional(&mut *ledger.read().await?)
    .await?)
}
