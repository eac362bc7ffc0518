//! The background work the shell runs for as long as the app is open: the notification
//! listener, the inbox, linkings, the payment poller, refunds and unlinks.

use std::future::Future;
use std::sync::Arc;

use ovo_ledger::claims;

use crate::backoffice::Backoffice;
use crate::error::AppResult;

/// Background work that the desks of a shared ledger claim one item at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Work {
    /// A payment's status query.
    PaymentCheck,
    /// A refund's submission, transfer step or status query.
    Refund,
    /// A pending linking's completion or expiry.
    Linking,
    /// A stored notification's application.
    Notification,
}

impl Work {
    fn key(self) -> &'static str {
        match self {
            Work::PaymentCheck => "payment_check",
            Work::Refund => "refund",
            Work::Linking => "linking",
            Work::Notification => "notification",
        }
    }
}

/// How long a claim holds: longer than any provider call with its retries, short enough that a
/// crashed desk's work is taken over soon.
pub(crate) const CLAIM_MILLIS: i64 = 120_000;

impl Backoffice {
    /// One pass of the background work: applies the inbox notifications not applied yet (every one `at_start`, then as each row's back-off
    /// passes), runs `process_linkings`, the payment status poller, refund resolution and the
    /// unlinks left `unlinking` (`resolve_unlinkings`). Each part's failure is logged; the
    /// others still run.
    pub async fn background_pass(self: &Arc<Self>, at_start: bool) {
        if let Err(e) = self.clear_expired_enrolments().await {
            tracing::warn!(error = %e, "expired desk enrolments not cleared");
        }
        if let Err(e) = self.apply_notifications(at_start).await {
            tracing::warn!(error = %e, "applying stored notifications failed");
        }
        if let Err(e) = self.process_linkings().await {
            tracing::warn!(error = %e, "background linking work failed");
        }
        if let Err(e) = self.poll_payments().await {
            tracing::warn!(error = %e, "payment status polling failed");
        }
        if let Err(e) = self.resolve_refunds().await {
            tracing::warn!(error = %e, "refund resolution failed");
        }
        if let Err(e) = self.resolve_unlinkings().await {
            tracing::warn!(error = %e, "unlink resolution failed");
        }
    }

    /// Runs `job` on `subject` while it holds the claim on it; `None` when another desk (or
    /// another task of this one) holds it, doing the same work now.
    pub(crate) async fn claimed<T>(
        &self,
        work: Work,
        subject: i64,
        job: impl Future<Output = AppResult<T>>,
    ) -> AppResult<Option<T>> {
        let now = self.now();
        let until = now.plus_millis(CLAIM_MILLIS);
        // Each piece of work holds its own claim, so two tasks of this desk never share one.
        let holder = format!("{}/{:016x}", self.desk, rand::random::<u64>());
        if !claims::take(&self.ledger, work.key(), subject, &holder, now, until).await? {
            tracing::debug!(work = work.key(), subject, "claimed elsewhere; passed over");
            return Ok(None);
        }
        let done = job.await;
        if let Err(e) = claims::release(&self.ledger, work.key(), subject, &holder).await {
            tracing::warn!(error = %e, work = work.key(), subject, "claim not released; it lapses");
        }
        done.map(Some)
    }

    /// Checks every hour, from five minutes after the start, whether the daily backup is due.
    async fn back_up_daily(self: Arc<Self>) {
        tokio::time::sleep(std::time::Duration::from_secs(5 * 60)).await;
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(60 * 60));
        loop {
            hourly.tick().await;
            self.back_up_when_due().await;
        }
    }

    /// Keeps the notification listener as set (`keep_listener`), and runs `background_pass`
    /// whenever a browser comes back, and every two seconds.
    pub async fn run_background(self: Arc<Self>) {
        tokio::spawn(Arc::clone(&self).keep_listener());
        tokio::spawn(Arc::clone(&self).back_up_daily());
        let this = Arc::clone(&self);
        tokio::spawn(async move {
            if let Err(e) = this.follow_ledger_changes().await {
                tracing::warn!(error = %e, "the shared ledger's change feed is not followed yet; the UI's next wait tries again");
            }
        });
        let mut at_start = true;
        loop {
            self.background_pass(at_start).await;
            at_start = false;
            match self.returns.started() {
                Some(listener) => {
                    let _ =
                        tokio::time::timeout(std::time::Duration::from_secs(2), listener.arrived())
                            .await;
                }
                None => tokio::time::sleep(std::time::Duration::from_secs(2)).await,
            }
        }
    }
}
