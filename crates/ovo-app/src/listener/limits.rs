//! What keeps a flood of requests from costing the back office: a token bucket per remote
//! address, one status query per payment per window however many unverified notifications
//! name it, and a count of the unverified requests not stored. Time is the back office's clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use ovo_domain::{PaymentId, Timestamp};

/// Requests a remote address may send at once.
pub(crate) const BURST: i64 = 200;
/// Requests per second a remote address may send after its burst.
pub(crate) const PER_SECOND: i64 = 50;
/// Unverified notifications naming one payment start one status query per this window; a
/// remote address's refusals are audited once per this window.
pub(crate) const STATUS_QUERY_WINDOW_MS: i64 = 60_000;
/// Remote addresses (or payments) remembered before the settled ones are forgotten.
const REMEMBERED: usize = 10_000;

#[derive(Debug, Default)]
pub(crate) struct ListenerLimits {
    /// Per remote address: thousandths of a request left, and when it was counted.
    sources: Mutex<HashMap<IpAddr, (i64, Timestamp)>>,
    /// Per remote address: when its refusals were last audited.
    refusals_audited: Mutex<HashMap<IpAddr, Timestamp>>,
    /// Per payment: when an unverified notification last started its status query.
    queried: Mutex<HashMap<PaymentId, Timestamp>>,
    unstored: AtomicU64,
    refused: AtomicU64,
}

impl ListenerLimits {
    /// Whether `source` may send one more request now (counted if so).
    pub(crate) fn admit(&self, source: IpAddr, now: Timestamp) -> bool {
        const FULL: i64 = BURST * 1000;
        let mut sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        if sources.len() >= REMEMBERED {
            sources.retain(|_, (left, at)| refilled(*left, *at, now) < FULL);
        }
        let (left, at) = sources.entry(source).or_insert((FULL, now));
        let now_left = refilled(*left, *at, now).min(FULL);
        let admitted = now_left >= 1000;
        *left = if admitted { now_left - 1000 } else { now_left };
        *at = now;
        if !admitted {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        admitted
    }

    /// Whether a refusal of `source` at `now` is the first of its window, so it is audited
    /// (once per address per window however many are refused).
    pub(crate) fn audit_refusal(&self, source: IpAddr, now: Timestamp) -> bool {
        let mut audited = self.refusals_audited.lock().unwrap_or_else(|e| e.into_inner());
        let due = |at: &Timestamp| {
            now.unix_millis() - at.unix_millis() >= STATUS_QUERY_WINDOW_MS
                || now.unix_millis() < at.unix_millis()
        };
        if audited.len() >= REMEMBERED {
            audited.retain(|_, at| !due(at));
        }
        match audited.get(&source) {
            Some(at) if !due(at) => false,
            _ => {
                audited.insert(source, now);
                true
            }
        }
    }

    /// Whether an unverified notification naming `payment` may start its status query now:
    /// the first in its window does (and is stored); the others are only counted.
    pub(crate) fn status_query_due(&self, payment: PaymentId, now: Timestamp) -> bool {
        let mut queried = self.queried.lock().unwrap_or_else(|e| e.into_inner());
        let due = |at: &Timestamp| {
            now.unix_millis() - at.unix_millis() >= STATUS_QUERY_WINDOW_MS
                || now.unix_millis() < at.unix_millis()
        };
        if queried.len() >= REMEMBERED {
            queried.retain(|_, at| !due(at));
        }
        match queried.get(&payment) {
            Some(at) if !due(at) => {
                self.unstored.fetch_add(1, Ordering::Relaxed);
                false
            }
            _ => {
                queried.insert(payment, now);
                true
            }
        }
    }

    /// An unverified notification naming no payment of ours: counted, not stored.
    pub(crate) fn count_unstored(&self) -> u64 {
        self.unstored.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Unverified requests not stored, and requests refused for their rate, so far.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (self.unstored.load(Ordering::Relaxed), self.refused.load(Ordering::Relaxed))
    }
}

/// Thousandths of a request left at `now`, `left` having been left at `at` (a clock stepping
/// back refills nothing).
fn refilled(left: i64, at: Timestamp, now: Timestamp) -> i64 {
    let elapsed = (now.unix_millis() - at.unix_millis()).max(0);
    left.saturating_add(elapsed.saturating_mul(PER_SECOND))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_gets_its_burst_then_its_rate() {
        let limits = ListenerLimits::default();
        let t0 = Timestamp::from_unix_millis(1_767_225_600_000);
        let source: IpAddr = [127, 0, 0, 1].into();
        let admitted = (0..1000).filter(|_| limits.admit(source, t0)).count();
        assert_eq!(admitted, BURST as usize);
        assert!(limits.admit([127, 0, 0, 2].into(), t0), "another source has its own bucket");
        let later = t0.plus_millis(1000);
        let admitted = (0..1000).filter(|_| limits.admit(source, later)).count();
        assert_eq!(admitted, PER_SECOND as usize);
    }

    #[test]
    fn one_status_query_per_payment_per_window() {
        let limits = ListenerLimits::default();
        let t0 = Timestamp::from_unix_millis(1_767_225_600_000);
        let (a, b) = (PaymentId::new(1), PaymentId::new(2));
        assert!(limits.status_query_due(a, t0));
        assert!(!limits.status_query_due(a, t0.plus_millis(59_999)));
        assert!(limits.status_query_due(b, t0));
        assert!(limits.status_query_due(a, t0.plus_millis(STATUS_QUERY_WINDOW_MS)));
    }
}
