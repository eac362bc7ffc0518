//! Payment and refund states as the ledger records them.

use crate::key::keyed_enum;
use crate::Lang;

keyed_enum! {
    /// Where a payment stands. `Unknown` means a request may have been processed but its
    /// answer was lost: only a status query may move it on.
    pub enum PaymentStatus as "payment status" {
        Created => "created",
        Pending => "pending",
        Succeeded => "succeeded",
        Failed => "failed",
        Unknown => "unknown",
        Expired => "expired",
        Cancelled => "cancelled",
        NeedsReview => "needs_review",
    }
}

impl PaymentStatus {
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

keyed_enum! {
    /// Where a refund stands.
    ///
    /// API refunds: `requested → approved → submitting → processing → succeeded | failed`, with
    /// `unknown` when an answer was lost (only a status query moves it on). Offline refunds:
    /// `requested → approved → settled_offline`. Either may be `rejected` instead of approved.
    pub enum RefundStatus as "refund status" {
        Requested => "requested",
        Approved => "approved",
        Rejected => "rejected",
        Submitting => "submitting",
        Processing => "processing",
        Succeeded => "succeeded",
        Failed => "failed",
        Unknown => "unknown",
        SettledOffline => "settled_offline",
        /// An offline refund finance approved: the merchant's own transfer to the customer is still
        /// to be recorded (HD 1: approval alone never says the money went back).
        AwaitingTransfer => "awaiting_transfer",
        /// The provider could not say what happened within its give-up time: finance decides.
        NeedsReview => "needs_review",
    }
}

impl RefundStatus {
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

impl PaymentStatus {
    /// The name the operator reads, as the UI's `txstatus.*` entries say it.
    pub const fn label(self, lang: Lang) -> &'static str {
        use PaymentStatus::*;
        match (self, lang) {
            (Created, Lang::Id) => "Dibuat",
            (Created, Lang::En) => "Created",
            (Pending, Lang::Id) => "Menunggu",
            (Pending, Lang::En) => "Pending",
            (Succeeded, Lang::Id) => "Berhasil",
            (Succeeded, Lang::En) => "Succeeded",
            (Failed, Lang::Id) => "Gagal",
            (Failed, Lang::En) => "Failed",
            (Unknown, Lang::Id) => "Belum diketahui",
            (Unknown, Lang::En) => "Unknown",
            (Expired, Lang::Id) => "Kedaluwarsa",
            (Expired, Lang::En) => "Expired",
            (Cancelled, Lang::Id) => "Dibatalkan",
            (Cancelled, Lang::En) => "Cancelled",
            (NeedsReview, Lang::Id) => "Perlu ditinjau",
            (NeedsReview, Lang::En) => "Needs review",
        }
    }
}

impl RefundStatus {
    /// The name the operator reads, as the UI's `refundstatus.*` entries say it.
    pub const fn label(self, lang: Lang) -> &'static str {
        use RefundStatus::*;
        match (self, lang) {
            (Requested, Lang::Id) => "Menunggu persetujuan",
            (Requested, Lang::En) => "Awaiting approval",
            (Approved, Lang::Id) => "Disetujui",
            (Approved, Lang::En) => "Approved",
            (Rejected, Lang::Id) => "Ditolak",
            (Rejected, Lang::En) => "Rejected",
            (Submitting, Lang::Id) => "Sedang dikirim",
            (Submitting, Lang::En) => "Sending",
            (Processing, Lang::Id) => "Diproses",
            (Processing, Lang::En) => "Processing",
            (Succeeded, Lang::Id) => "Berhasil",
            (Succeeded, Lang::En) => "Succeeded",
            (Failed, Lang::Id) => "Gagal",
            (Failed, Lang::En) => "Failed",
            (Unknown, Lang::Id) => "Belum diketahui",
            (Unknown, Lang::En) => "Unknown",
            (SettledOffline, Lang::Id) => "Selesai manual",
            (SettledOffline, Lang::En) => "Settled offline",
            (AwaitingTransfer, Lang::Id) => "Menunggu transfer",
            (AwaitingTransfer, Lang::En) => "Awaiting transfer",
            (NeedsReview, Lang::Id) => "Perlu keputusan",
            (NeedsReview, Lang::En) => "Needs decision",
        }
    }
}

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

    /// One vocabulary: each label is the UI dictionary's entry for the same status.
    #[test]
    fn labels_are_the_ui_dictionaries() {
        let ui = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/lib/i18n/");
        for lang in Lang::ALL {
            let path = format!("{ui}{}.ts", lang.key());
            let dictionary = std::fs::read_to_string(&path).expect(&path);
            let entry = |key: String| {
                let start =
                    dictionary.find(&format!("'{key}': '")).unwrap_or_else(|| panic!("{key}"));
                let text = &dictionary[start + key.len() + 5..];
                text[..text.find('\'').unwrap()].to_owned()
            };
            for status in PaymentStatus::ALL {
                assert_eq!(status.label(lang), entry(format!("txstatus.{}", status.key())));
            }
            for status in RefundStatus::ALL {
                assert_eq!(status.label(lang), entry(format!("refundstatus.{}", status.key())));
            }
            for outcome in crate::SettlementOutcome::ALL {
                let key = format!("settlement.outcome.{}", outcome.key());
                assert_eq!(outcome.label(lang), entry(key));
            }
            for kind in crate::SettlementKind::ALL {
                assert_eq!(kind.label(lang), entry(format!("settlement.kind.{}", kind.key())));
            }
        }
    }
}
