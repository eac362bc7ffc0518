//! Payment states as the ledger records them.

use crate::key::{key_string_impls, UnknownKey};

/// Where a payment stands. `Unknown` means a request may have been processed but its
/// answer was lost: only a status query may move it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PaymentStatus {
    Created,
    Pending,
    Succeeded,
    Failed,
    Unknown,
    Expired,
    Cancelled,
    NeedsReview,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 8] = [
        PaymentStatus::Created,
        PaymentStatus::Pending,
        PaymentStatus::Succeeded,
        PaymentStatus::Failed,
        PaymentStatus::Unknown,
        PaymentStatus::Expired,
        PaymentStatus::Cancelled,
        PaymentStatus::NeedsReview,
    ];
    const KEYS: &'static [&'static str] = &[
        "created",
        "pending",
        "succeeded",
        "failed",
        "unknown",
        "expired",
        "cancelled",
        "needs_review",
    ];

    pub const fn key(self) -> &'static str {
        match self {
            PaymentStatus::Created => "created",
            PaymentStatus::Pending => "pending",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Unknown => "unknown",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::NeedsReview => "needs_review",
        }
    }

    pub fn parse(key: &str) -> Result<PaymentStatus, UnknownKey> {
        PaymentStatus::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .ok_or_else(|| UnknownKey::new("payment status", key, Self::KEYS))
    }

    /// No further provider answer can change it.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            PaymentStatus::Succeeded
                | PaymentStatus::Failed
                | PaymentStatus::Expired
                | PaymentStatus::Cancelled
        )
    }
}

key_string_impls!(PaymentStatus);

/// Where a refund stands.
///
/// API refunds: `requested → approved → submitting → processing → succeeded | failed`, with
/// `unknown` when an answer was lost (only a status query moves it on). Offline refunds:
/// `requested → approved → settled_offline`. Either may be `rejected` instead of approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefundStatus {
    Requested,
    Approved,
    Rejected,
    Submitting,
    Processing,
    Succeeded,
    Failed,
    Unknown,
    SettledOffline,
    /// An offline refund finance approved: the merchant's own transfer to the customer is still
    /// to be recorded (HD 1: approval alone never says the money went back).
    AwaitingTransfer,
    /// The provider could not say what happened within its give-up time: finance decides.
    NeedsReview,
}

impl RefundStatus {
    pub const ALL: [RefundStatus; 11] = [
        RefundStatus::Requested,
        RefundStatus::Approved,
        RefundStatus::Rejected,
        RefundStatus::Submitting,
        RefundStatus::Processing,
        RefundStatus::Succeeded,
        RefundStatus::Failed,
        RefundStatus::Unknown,
        RefundStatus::SettledOffline,
        RefundStatus::AwaitingTransfer,
        RefundStatus::NeedsReview,
    ];
    const KEYS: &'static [&'static str] = &[
        "requested",
        "approved",
        "rejected",
        "submitting",
        "processing",
        "succeeded",
        "failed",
        "unknown",
        "settled_offline",
        "awaiting_transfer",
        "needs_review",
    ];

    pub const fn key(self) -> &'static str {
        match self {
            RefundStatus::Requested => "requested",
            RefundStatus::Approved => "approved",
            RefundStatus::Rejected => "rejected",
            RefundStatus::Submitting => "submitting",
            RefundStatus::Processing => "processing",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
            RefundStatus::Unknown => "unknown",
            RefundStatus::SettledOffline => "settled_offline",
            RefundStatus::AwaitingTransfer => "awaiting_transfer",
            RefundStatus::NeedsReview => "needs_review",
        }
    }

    pub fn parse(key: &str) -> Result<RefundStatus, UnknownKey> {
        RefundStatus::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .ok_or_else(|| UnknownKey::new("refund status", key, Self::KEYS))
    }

    /// Whether the refund's amount counts against the paid amount (and the daily limit).
    /// Everything pending, in flight, unknown or done reserves; only `rejected` and `failed`
    /// release their amount. `unknown` and `needs_review` keep it: the money may have moved.
    pub const fn holds_reservation(self) -> bool {
        !matches!(self, RefundStatus::Rejected | RefundStatus::Failed)
    }

    /// No further step can change it.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            RefundStatus::Rejected
                | RefundStatus::Succeeded
                | RefundStatus::Failed
                | RefundStatus::SettledOffline
        )
    }
}

key_string_impls!(RefundStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_finality() {
        for status in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(status.key()), Ok(status));
        }
        assert_eq!(PaymentStatus::KEYS.len(), PaymentStatus::ALL.len());
        let finals: Vec<_> = PaymentStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .map(PaymentStatus::key)
            .collect();
        assert_eq!(finals, ["succeeded", "failed", "expired", "cancelled"]);
        assert!(PaymentStatus::parse("paid").is_err());
    }

    #[test]
    fn refund_status_keys_reservations_and_finality() {
        assert_eq!(RefundStatus::KEYS.len(), RefundStatus::ALL.len());
        for status in RefundStatus::ALL {
            assert_eq!(RefundStatus::parse(status.key()), Ok(status));
        }
        let released: Vec<_> = RefundStatus::ALL
            .into_iter()
            .filter(|s| !s.holds_reservation())
            .map(RefundStatus::key)
            .collect();
        assert_eq!(released, ["rejected", "failed"]);
        let finals: Vec<_> =
            RefundStatus::ALL.into_iter().filter(|s| s.is_final()).map(RefundStatus::key).collect();
        assert_eq!(finals, ["rejected", "succeeded", "failed", "settled_offline"]);
        assert!(RefundStatus::parse("settled").is_err());
    }
}
