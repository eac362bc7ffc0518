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
    const KEYS: &'static [&'static str] =
        &["created", "pending", "succeeded", "failed", "unknown", "expired", "cancelled", "needs_review"];

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
        matches!(self, PaymentStatus::Succeeded | PaymentStatus::Failed | PaymentStatus::Expired | PaymentStatus::Cancelled)
    }
}

key_string_impls!(PaymentStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_finality() {
        for status in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(status.key()), Ok(status));
        }
        assert_eq!(PaymentStatus::KEYS.len(), PaymentStatus::ALL.len());
        let finals: Vec<_> = PaymentStatus::ALL.into_iter().filter(|s| s.is_final()).map(PaymentStatus::key).collect();
        assert_eq!(finals, ["succeeded", "failed", "expired", "cancelled"]);
        assert!(PaymentStatus::parse("paid").is_err());
    }
}
