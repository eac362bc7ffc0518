//! Settlement reconciliation's vocabulary: what a settlement line is, and what its match found.

use crate::key::keyed_enum;

keyed_enum! {
    /// What a settlement line moves: a payment settled to the merchant, or a refund netted off.
    pub enum SettlementKind as "settlement line kind" {
        Payment => "payment",
        Refund => "refund",
    }
}

keyed_enum! {
    /// What matching a settlement line against the ledger found. Every outcome but `Matched`
    /// (and `NotInFile`, which has no line) is also an exception for finance.
    pub enum SettlementOutcome as "settlement outcome" {
        /// The ledger has it with the same amount.
        Matched => "matched",
        /// The ledger has it with another amount.
        AmountMismatch => "amount_mismatch",
        /// The file settles what the ledger does not have.
        NotInLedger => "not_in_ledger",
        /// The ledger has it, but not as succeeded (unknown, needs review, failed…).
        StatusMismatch => "status_mismatch",
        /// An earlier file (or line) settled it already.
        SettledTwice => "settled_twice",
        /// A succeeded payment no file has settled within the provider's delay.
        NotInFile => "not_in_file",
    }
}

impl SettlementKind {
    /// The name the operator reads, as the UI's `settlement.kind.*` entries say it.
    pub const fn label(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::{En, Id};
        match (self, lang) {
            (SettlementKind::Payment, Id) => "Pembayaran",
            (SettlementKind::Payment, En) => "Payment",
            (SettlementKind::Refund, Id) => "Pengembalian dana",
            (SettlementKind::Refund, En) => "Refund",
        }
    }
}

impl SettlementOutcome {
    /// The name the operator reads, as the UI's `settlement.outcome.*` entries say it.
    pub const fn label(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::{En, Id};
        use SettlementOutcome::*;
        match (self, lang) {
            (Matched, Id) => "Cocok",
            (Matched, En) => "Matched",
            (AmountMismatch, Id) => "Nominal berbeda",
            (AmountMismatch, En) => "Amount differs",
            (NotInLedger, Id) => "Tidak ada di buku besar",
            (NotInLedger, En) => "Not in the ledger",
            (StatusMismatch, Id) => "Status berbeda",
            (StatusMismatch, En) => "Status differs",
            (SettledTwice, Id) => "Settlement ganda",
            (SettledTwice, En) => "Settled twice",
            (NotInFile, Id) => "Tidak ada di laporan",
            (NotInFile, En) => "Not in the report",
        }
    }
}
