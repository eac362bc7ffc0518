//! Growing delays after failed password attempts (sign-in, unlock, the password entered again
//! to approve), counted per username and for the whole desk and kept in the ledger, so that a
//! restart forgets nothing.
//!
//! A username's 5th failure (the desk's 20th) locks that key out for 30 s, doubling with each
//! further failure up to 15 minutes. A success forgets the username's failures; a key's
//! failures are also forgotten after an hour without one, and the desk forgets one failure every
//! 3 minutes, so a day of occasional typos by several operators never adds up to a lockout.
//! While locked out, an attempt is refused without checking the password and without counting.

use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::operators::{self, Attempts, OperatorRow};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};

pub const USER_FREE_FAILURES: i64 = 5;
pub const DESK_FREE_FAILURES: i64 = 20;
pub const FIRST_LOCKOUT_SECONDS: i64 = 30;
pub const LONGEST_LOCKOUT_SECONDS: i64 = 15 * 60;
/// Failures older than this (with none since) are forgotten.
const FORGET_AFTER_MS: i64 = 60 * 60 * 1000;
/// The desk forgets one failure every this long.
const DESK_FORGETS_ONE_EVERY_MS: i64 = 3 * 60 * 1000;

const DESK: &str = "desk";

/// One counter: its ledger key, what the audit names it, its free failures.
struct Scope {
    key: String,
    name: &'static str,
    subject: String,
    free: i64,
    forgets_one_every_ms: Option<i64>,
}

fn scopes(username: &str) -> [Scope; 2] {
    [
        Scope {
            key: user_key(username),
            name: "username",
            subject: username.to_owned(),
            free: USER_FREE_FAILURES,
            forgets_one_every_ms: None,
        },
        Scope {
            key: DESK.into(),
            name: "desk",
            subject: DESK.into(),
            free: DESK_FREE_FAILURES,
            forgets_one_every_ms: Some(DESK_FORGETS_ONE_EVERY_MS),
        },
    ]
}

fn user_key(username: &str) -> String {
    format!("user:{username}")
}

/// How many of `failures` still count `since_ms` after the last of them.
fn still_counted(failures: i64, since_ms: i64, forgets_one_every_ms: Option<i64>) -> i64 {
    if since_ms >= FORGET_AFTER_MS {
        return 0;
    }
    match forgets_one_every_ms {
        Some(every) => (failures - since_ms.max(0) / every).max(0),
        None => failures,
    }
}

/// How long the `failures`-th failure locks out a key with `free` free failures.
pub fn lockout_seconds(failures: i64, free: i64) -> Option<i64> {
    let beyond = failures.checked_sub(free).filter(|b| *b >= 0)?;
    Some((FIRST_LOCKOUT_SECONDS << beyond.min(10)).min(LONGEST_LOCKOUT_SECONDS))
}

impl Backoffice {
    /// Refuses while `username` or this desk is locked out.
    pub(super) async fn refuse_if_locked_out(&self, username: &str) -> AppResult<()> {
        let now = self.clock.now();
        let mut conn = self.ledger.read().await?;
        let mut wait_ms = 0;
        for scope in scopes(username) {
            let until =
                operators::attempts(&mut conn, &scope.key).await?.and_then(|a| a.locked_until);
            if let Some(until) = until {
                wait_ms = wait_ms.max(until.millis_since(now));
            }
        }
        if wait_ms > 0 {
            tracing::warn!(username, wait_ms, "password attempt refused while locked out");
            return Err(locked_out(wait_ms));
        }
        Ok(())
    }

    /// Counts a failed attempt at `username`'s password in `tx`, audits a lockout it starts
    /// (`operator` when known) and returns the refusal that says how long it lasts.
    pub(super) async fn count_failure(
        &self,
        tx: &mut ovo_ledger::Connection,
        operator: Option<&OperatorRow>,
        username: &str,
    ) -> AppResult<Option<AppError>> {
        let now = self.clock.now();
        let mut longest_ms = 0;
        for scope in scopes(username) {
            let failures = match operators::attempts(tx, &scope.key).await? {
                Some(a) => {
                    let since_ms = now.millis_since(a.last_failure_at);
                    still_counted(a.failures, since_ms, scope.forgets_one_every_ms) + 1
                }
                None => 1,
            };
            let lockout = lockout_seconds(failures, scope.free);
            let attempts = Attempts {
                failures,
                last_failure_at: now,
                locked_until: lockout.map(|s| now.plus_seconds(s)),
            };
            operators::set_attempts(tx, &scope.key, &attempts).await?;
            if let Some(seconds) = lockout {
                let detail =
                    json!({ "scope": scope.name, "failures": failures, "seconds": seconds });
                self.audit(
                    tx,
                    operator,
                    "password.lockout",
                    &scope.subject,
                    AuditOutcome::Denied,
                    detail,
                )
                .await?;
                tracing::warn!(scope = scope.name, subject = %scope.subject, seconds, "password attempts locked out");
                longest_ms = longest_ms.max(seconds * 1000);
            }
        }
        Ok((longest_ms > 0).then(|| locked_out(longest_ms)))
    }

    /// Forgets `username`'s failures after a success or a reset (the desk's stay).
    pub(crate) async fn forget_failures(
        &self,
        tx: &mut ovo_ledger::Connection,
        username: &str,
    ) -> AppResult<()> {
        Ok(operators::clear_attempts(tx, &user_key(username)).await?)
    }

    /// Like `forget_failures`, in a transaction of its own when there is anything to forget.
    pub(super) async fn forget_failures_now(&self, username: &str) -> AppResult<()> {
        let mut conn = self.ledger.read().await?;
        if operators::attempts(&mut conn, &user_key(username)).await?.is_none() {
            return Ok(());
        }
        drop(conn);
        let mut tx = self.ledger.begin_write().await?;
        self.forget_failures(&mut tx, username).await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }
}

/// The refusal while locked out for `wait_ms` more: says how long in words and in
/// `retryAfterSeconds`.
fn locked_out(wait_ms: i64) -> AppError {
    let seconds = u64::try_from((wait_ms + 999) / 1000).unwrap_or(1).max(1);
    let wait = if seconds < 60 {
        format!("{seconds} seconds")
    } else {
        let minutes = seconds.div_ceil(60);
        if minutes == 1 {
            "1 minute".into()
        } else {
            format!("{minutes} minutes")
        }
    };
    AppError::new(
        ErrorCode::TooManyAttempts,
        format!("too many failed password attempts; try again in {wait}"),
    )
    .with_reason("too_many_attempts")
    .retry_after(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_start_after_the_free_failures_and_double_up_to_fifteen_minutes() {
        let schedule: Vec<_> = (4..=11).map(|f| lockout_seconds(f, USER_FREE_FAILURES)).collect();
        assert_eq!(
            schedule,
            [None, Some(30), Some(60), Some(120), Some(240), Some(480), Some(900), Some(900)]
        );
        assert_eq!(lockout_seconds(19, DESK_FREE_FAILURES), None);
        assert_eq!(lockout_seconds(20, DESK_FREE_FAILURES), Some(30));
        assert_eq!(lockout_seconds(i64::MAX, DESK_FREE_FAILURES), Some(900));
    }

    #[test]
    fn the_desk_forgets_a_failure_every_three_minutes_and_a_username_only_after_an_hour() {
        let minutes = |m: i64| m * 60 * 1000;
        let desk = Some(DESK_FORGETS_ONE_EVERY_MS);
        assert_eq!(still_counted(19, minutes(2), desk), 19);
        assert_eq!(still_counted(19, minutes(3), desk), 18);
        assert_eq!(still_counted(19, minutes(45), desk), 4);
        assert_eq!(still_counted(4, minutes(59), None), 4);
        assert_eq!(still_counted(4, minutes(60), None), 0);
        // A day of one typo every 10 minutes never reaches the desk's lockout.
        let mut failures = 0;
        for _ in 0..(8 * 6) {
            failures = still_counted(failures, minutes(10), desk) + 1;
            assert!(lockout_seconds(failures, DESK_FREE_FAILURES).is_none());
        }
    }

    #[test]
    fn the_refusal_says_how_long() {
        let err = locked_out(29_001);
        assert_eq!((err.code, err.retry_after_seconds), (ErrorCode::TooManyAttempts, Some(30)));
        assert!(err.message.ends_with("try again in 30 seconds"), "{}", err.message);
        assert!(locked_out(60_000).message.ends_with("in 1 minute"));
        assert!(locked_out(61_000).message.ends_with("in 2 minutes"));
    }
}
