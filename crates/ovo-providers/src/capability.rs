//! What each product can do, as data. The clients refuse what a product lacks with
//! `ProviderError::Unsupported`; the app reads the same table to decide what to show.

use ovo_domain::{Product, Reference, Timestamp};
use serde::Serialize;

use crate::model::PaySource;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Bind,
    CompleteBinding,
    Balance,
    Pay,
    Status,
    Refund,
    Unbind,
    History,
    TopUpInstructions,
    Notifications,
    /// One harmless read proving the host answers and accepts the credentials.
    TestConnection,
    RequestAgain,
    /// Withdraws an unpaid payment at the provider.
    Cancel,
}

impl Operation {
    pub fn key(self) -> &'static str {
        match self {
            Operation::Bind => "bind",
            Operation::CompleteBinding => "complete_binding",
            Operation::Balance => "balance",
            Operation::Pay => "pay",
            Operation::Status => "status",
            Operation::Refund => "refund",
            Operation::Unbind => "unbind",
            Operation::History => "history",
            Operation::TopUpInstructions => "top_up_instructions",
            Operation::Notifications => "notifications",
            Operation::TestConnection => "test_connection",
            Operation::RequestAgain => "request_again",
            Operation::Cancel => "cancel",
        }
    }
}

/// How a payment reaches the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// A push to the OVO app; the provider holds the call until the customer answers (Jokul).
    Push,
    /// The customer confirms with OTP/PIN on a redirect page (DOKU SALE).
    SaleRedirect,
    /// Merchant-initiated on a linked account, no customer step (DOKU RECURRING).
    Recurring,
    /// Payin created, then confirmed with the phone; outcome by webhook or fetch (Tazapay).
    Payin,
    /// Tokenized payment on a linked account with an OTP/PIN redirect (Faspay 720).
    Tokenized,
    /// Direct debit on a linked account with a PIN webview, cash or points (OVO SNAP).
    DirectDebit,
}

/// What the provider's refund API allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundSupport {
    /// No refund API: refunds are settled outside the provider ("offline").
    Offline,
    FullOnly,
    FullAndPartial,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub product: Product,
    pub binding: bool,
    pub balance: bool,
    pub payment_kinds: &'static [PaymentKind],
    pub status: bool,
    pub refund: RefundSupport,
    pub history: bool,
    pub top_up_instructions: bool,
    pub unbind: bool,
    pub notifications: bool,
    /// A failed or expired attempt can be requested again on the same provider payment
    /// (Tazapay: a new confirm on the same payin, §1 step 4).
    pub request_again: bool,
    /// An open (unpaid) payment can be cancelled at the provider (Tazapay §4 cancel payin,
    /// Faspay §5.10 Cancel Transaction).
    pub cancel: bool,
    /// A payment request carries the customer's email, mandatory (Faspay `email`): a payment
    /// for a customer without one cannot be sent.
    pub customer_email: bool,
    /// When to ask for the status of an open payment, and when to give up (the product file).
    pub poll: PollSchedule,
    /// What a write whose answer was lost may do next (payments and refunds).
    pub unknown_outcome: UnknownOutcomeRule,
    /// Where the merchant may choose the money's source; empty: the customer chooses.
    pub pay_sources: &'static [PaySource],
    /// The idempotency key each attempt of a payment is sent under.
    pub attempt_keys: AttemptKeys,
    /// A linking completes without a code brought back by the customer's browser: the provider
    /// is asked whether the phone is linked (Faspay), or the code came with the binding answer
    /// (DOKU SNAP).
    pub binding_completes_without_code: bool,
    /// A refund the provider accepted stays pending there until it settles (Tazapay);
    /// elsewhere an accepted refund is done.
    pub refund_settles_later: bool,
}

impl PaySource {
    pub const ALL: [PaySource; 3] = [PaySource::Cash, PaySource::Points, PaySource::PointsFirst];

    pub fn key(self) -> &'static str {
        match self {
            PaySource::Cash => "cash",
            PaySource::Points => "points",
            PaySource::PointsFirst => "points_first",
        }
    }

    pub fn parse(key: &str) -> Option<PaySource> {
        PaySource::ALL.into_iter().find(|s| s.key() == key)
    }
}

const CASH_POINTS_OR_BOTH: &[PaySource] =
    &[PaySource::Cash, PaySource::Points, PaySource::PointsFirst];

/// How an attempt's key derives from the payment's reference, so that a status query (and any
/// resend the provider allows) names the same request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptKeys {
    /// The reference itself (Jokul's invoice number is the reference).
    Reference,
    /// tazapay-ovo.md §3 (house scheme): the first attempt creates and confirms under
    /// `{reference}-create`, each later one confirms under `{reference}-confirm-{n}`.
    CreateThenConfirm,
}

impl AttemptKeys {
    pub fn key(self, reference: &Reference, attempt: i64) -> String {
        use crate::products::tazapay;
        match self {
            AttemptKeys::Reference => reference.as_str().to_owned(),
            AttemptKeys::CreateThenConfirm if attempt <= 1 => {
                tazapay::create_idempotency_key(reference)
            }
            AttemptKeys::CreateThenConfirm => tazapay::confirm_idempotency_key(
                reference,
                u32::try_from(attempt).unwrap_or(u32::MAX),
            ),
        }
    }
}

/// How a write with an unknown outcome is resolved when the provider says it has no record.
/// Never "failed" on a guess: "not found" inside the processing window proves nothing; after it,
/// the same request is sent again under its original ids where the spec allows, at most
/// `max_resends` times, else an operator decides (`needs_review`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UnknownOutcomeRule {
    /// How long after a write the provider may still process it.
    pub processing_window_s: i64,
    /// The spec allows sending the same request again under the original ids.
    pub resend_same_ids: bool,
    pub max_resends: u32,
}

/// snap-standard.md §10 (House default): status first; "not found" → resend the same body under
/// the same ids; a `409xx00` with no result → wait 60 s and ask again, at most 3 times, then
/// NEEDS_REVIEW. The window is two of those 60 s waits.
const SNAP_UNKNOWN: UnknownOutcomeRule =
    UnknownOutcomeRule { processing_window_s: 2 * MINUTE, resend_same_ids: true, max_resends: 3 };
/// tazapay-ovo.md §3: a retry reuses the same Idempotency-Key within 24 h (2xx answers are
/// replayed); the window is the same House default as SNAP's.
const TAZAPAY_UNKNOWN: UnknownOutcomeRule =
    UnknownOutcomeRule { processing_window_s: 2 * MINUTE, resend_same_ids: true, max_resends: 3 };
/// doku-jokul-ovo-push.md §6 ("never resend the same payment"); Faspay publishes no resend rule:
/// an operator decides once the poll schedule gives up.
const NO_RESEND: UnknownOutcomeRule =
    UnknownOutcomeRule { processing_window_s: 2 * MINUTE, resend_same_ids: false, max_resends: 0 };

impl Capabilities {
    pub fn supports(&self, operation: Operation) -> bool {
        match operation {
            Operation::Bind | Operation::CompleteBinding => self.binding,
            Operation::Balance => self.balance,
            Operation::Pay => !self.payment_kinds.is_empty(),
            Operation::Status => self.status,
            Operation::Refund => self.refund != RefundSupport::Offline,
            Operation::Unbind => self.unbind,
            Operation::History => self.history,
            Operation::TopUpInstructions => self.top_up_instructions,
            Operation::Notifications => self.notifications,
            // Every product has a harmless authenticated read.
            Operation::TestConnection => true,
            Operation::RequestAgain => self.request_again,
            Operation::Cancel => self.cancel,
        }
    }
}

/// A check every `every_s` seconds, until `until_s` seconds after the attempt began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Every {
    pub every_s: i64,
    pub until_s: i64,
}

/// When an open payment stops being polled and goes to an operator (`needs_review`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum GiveUp {
    /// This long after the attempt began.
    After { seconds: i64 },
    /// At the attempt's `expires_at` as the provider states it; until it has stated one,
    /// `fallback_seconds` after the attempt began.
    AtAttemptExpiry { fallback_seconds: i64 },
}

/// The status polling of an open payment (each product file's schedule, a House default
/// everywhere). Offsets count from the start of the payment's current attempt; a
/// notification or a final answer ends it early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PollSchedule {
    /// The first checks, in seconds after the attempt began.
    pub first_checks_s: &'static [i64],
    /// Then these phases in order, each counting from where the previous one ended.
    pub then: &'static [Every],
    pub give_up: GiveUp,
}

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// doku-snap-ovo.md §6: +5 min after creation (+60 s after the customer returns, which the
/// return listener triggers), every 5 min up to 60 min, hourly up to 24 h. Also +60 s after
/// creation: a RECURRING payment completes at the acquirer with no customer step, and DOKU
/// advises a status check at least 60 s after completion (§5.9).
const DOKU_SNAP_POLL: PollSchedule = PollSchedule {
    first_checks_s: &[MINUTE, 5 * MINUTE],
    then: &[Every { every_s: 5 * MINUTE, until_s: HOUR }, Every { every_s: HOUR, until_s: DAY }],
    give_up: GiveUp::After { seconds: DAY },
};
/// doku-jokul-ovo-push.md §10: +60 s, +2 min, +5 min, every 10 min up to 1 h, hourly up to 24 h.
const JOKUL_POLL: PollSchedule = PollSchedule {
    first_checks_s: &[MINUTE, 2 * MINUTE, 5 * MINUTE],
    then: &[Every { every_s: 10 * MINUTE, until_s: HOUR }, Every { every_s: HOUR, until_s: DAY }],
    give_up: GiveUp::After { seconds: DAY },
};
/// tazapay-ovo.md §16: +75 s, every 2 min up to 15 min, every 30 min until `expires_at`
/// (5 days in the seed sample, §8.1, while the provider has not stated it).
const TAZAPAY_POLL: PollSchedule = PollSchedule {
    first_checks_s: &[75],
    then: &[
        Every { every_s: 2 * MINUTE, until_s: 15 * MINUTE },
        Every { every_s: 30 * MINUTE, until_s: i64::MAX / 2_000 },
    ],
    give_up: GiveUp::AtAttemptExpiry { fallback_seconds: 5 * DAY },
};
/// faspay-ovo-tokenize.md §7: +60 s, every 5 min up to 60 min, hourly up to 24 h.
const FASPAY_POLL: PollSchedule = PollSchedule {
    first_checks_s: &[MINUTE],
    then: &[Every { every_s: 5 * MINUTE, until_s: HOUR }, Every { every_s: HOUR, until_s: DAY }],
    give_up: GiveUp::After { seconds: DAY },
};
/// ovo-snap.md §7: +60 s, every 5 min up to 60 min, hourly up to 24 h.
const OVO_SNAP_POLL: PollSchedule = PollSchedule {
    first_checks_s: &[MINUTE],
    then: &[Every { every_s: 5 * MINUTE, until_s: HOUR }, Every { every_s: HOUR, until_s: DAY }],
    give_up: GiveUp::After { seconds: DAY },
};

impl PollSchedule {
    /// The first scheduled check strictly after `elapsed_ms`, in milliseconds after the
    /// attempt began; `None` when the schedule has no more checks.
    pub fn next_offset_ms(&self, elapsed_ms: i64) -> Option<i64> {
        let mut start = 0;
        for first in self.first_checks_s {
            if first * 1_000 > elapsed_ms {
                return Some(first * 1_000);
            }
            start = *first;
        }
        for phase in self.then {
            let (start_ms, every_ms, until_ms) =
                (start * 1_000, phase.every_s * 1_000, phase.until_s.saturating_mul(1_000));
            let steps =
                if elapsed_ms < start_ms { 1 } else { (elapsed_ms - start_ms) / every_ms + 1 };
            let at = start_ms.saturating_add(steps.saturating_mul(every_ms));
            if at <= until_ms {
                return Some(at);
            }
            start = phase.until_s;
        }
        None
    }

    /// When a payment whose attempt began at `started` is handed to an operator.
    pub fn give_up_at(&self, started: Timestamp, expires_at: Option<Timestamp>) -> Timestamp {
        match self.give_up {
            GiveUp::After { seconds } => started.plus_millis(seconds * 1_000),
            GiveUp::AtAttemptExpiry { fallback_seconds } => {
                expires_at.unwrap_or_else(|| started.plus_millis(fallback_seconds * 1_000))
            }
        }
    }

    /// The next check after `now`, never later than `give_up_at` (the check that gives up).
    pub fn next_check(
        &self,
        started: Timestamp,
        now: Timestamp,
        give_up_at: Timestamp,
    ) -> Timestamp {
        let elapsed = now.unix_millis() - started.unix_millis();
        match self.next_offset_ms(elapsed) {
            Some(offset) => Timestamp::from_unix_millis(
                started
                    .unix_millis()
                    .saturating_add(offset)
                    .min(give_up_at.unix_millis().max(now.unix_millis())),
            ),
            None => give_up_at.max(now),
        }
    }
}

/// DOKU SNAP's row, which OVO SNAP's row starts from: the SNAP family's common capabilities.
const DOKU_SNAP: Capabilities = Capabilities {
    product: Product::DokuSnapOvo,
    binding: true,
    balance: true,
    payment_kinds: &[PaymentKind::SaleRedirect, PaymentKind::Recurring],
    status: true,
    refund: RefundSupport::FullAndPartial,
    history: false,
    top_up_instructions: false,
    unbind: true,
    notifications: true,
    request_again: false,
    cancel: false,
    customer_email: false,
    poll: DOKU_SNAP_POLL,
    unknown_outcome: SNAP_UNKNOWN,
    pay_sources: CASH_POINTS_OR_BOTH,
    attempt_keys: AttemptKeys::Reference,
    binding_completes_without_code: true,
    refund_settles_later: false,
};

/// shared/providers/README.md §1.
const TABLE: [Capabilities; 5] = [
    DOKU_SNAP,
    Capabilities {
        product: Product::DokuJokulOvoPush,
        binding: false,
        // Post-payment balances come back in the payment answer only.
        balance: false,
        payment_kinds: &[PaymentKind::Push],
        status: true,
        refund: RefundSupport::Offline,
        history: false,
        top_up_instructions: false,
        unbind: false,
        notifications: false,
        request_again: false,
        cancel: false,
        customer_email: false,
        poll: JOKUL_POLL,
        unknown_outcome: NO_RESEND,
        pay_sources: &[],
        attempt_keys: AttemptKeys::Reference,
        binding_completes_without_code: false,
        refund_settles_later: false,
    },
    Capabilities {
        product: Product::TazapayOvoIdr,
        binding: false,
        balance: false,
        payment_kinds: &[PaymentKind::Payin],
        status: true,
        refund: RefundSupport::FullOnly,
        history: false,
        top_up_instructions: false,
        unbind: false,
        notifications: true,
        request_again: true,
        cancel: true,
        customer_email: false,
        poll: TAZAPAY_POLL,
        unknown_outcome: TAZAPAY_UNKNOWN,
        pay_sources: &[],
        attempt_keys: AttemptKeys::CreateThenConfirm,
        binding_completes_without_code: false,
        refund_settles_later: true,
    },
    Capabilities {
        product: Product::FaspayOvoTokenize,
        binding: true,
        balance: true,
        payment_kinds: &[PaymentKind::Tokenized],
        status: true,
        refund: RefundSupport::Offline,
        history: true,
        top_up_instructions: true,
        unbind: true,
        notifications: true,
        request_again: false,
        cancel: true,
        customer_email: true,
        poll: FASPAY_POLL,
        unknown_outcome: NO_RESEND,
        pay_sources: CASH_POINTS_OR_BOTH,
        attempt_keys: AttemptKeys::Reference,
        binding_completes_without_code: true,
        refund_settles_later: false,
    },
    Capabilities {
        product: Product::OvoSnap,
        payment_kinds: &[PaymentKind::DirectDebit],
        // Listed as a feature, no endpoint published: the ledger is the history (House default).
        history: false,
        poll: OVO_SNAP_POLL,
        pay_sources: &[PaySource::Cash, PaySource::Points],
        binding_completes_without_code: false,
        ..DOKU_SNAP
    },
];

pub fn capabilities(product: Product) -> &'static Capabilities {
    TABLE.iter().find(|c| c.product == product).unwrap_or(&TABLE[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_product_has_its_row_and_the_readme_table_holds() {
        for product in Product::ALL {
            assert_eq!(capabilities(product).product, product);
        }
        let binds: Vec<_> = Product::ALL
            .into_iter()
            .filter(|p| capabilities(*p).supports(Operation::Bind))
            .collect();
        assert_eq!(binds, [Product::DokuSnapOvo, Product::FaspayOvoTokenize, Product::OvoSnap]);
        let refunds: Vec<_> = Product::ALL.into_iter().map(|p| capabilities(p).refund).collect();
        use RefundSupport::*;
        assert_eq!(refunds, [FullAndPartial, Offline, FullOnly, Offline, FullAndPartial]);
        assert!(capabilities(Product::FaspayOvoTokenize).supports(Operation::History));
        assert!(!capabilities(Product::OvoSnap).supports(Operation::History));
        assert!(!capabilities(Product::DokuJokulOvoPush).supports(Operation::Refund));
    }

    #[test]
    fn poll_schedules_follow_the_product_files() {
        let offsets = |product: Product, until_s: i64| {
            let poll = capabilities(product).poll;
            let mut at = 0;
            let mut out = Vec::new();
            while let Some(next) = poll.next_offset_ms(at) {
                if next > until_s * 1_000 {
                    break;
                }
                out.push(next / 1_000);
                at = next;
            }
            out
        };
        assert_eq!(
            offsets(Product::TazapayOvoIdr, 15 * MINUTE + 1),
            [75, 195, 315, 435, 555, 675, 795]
        );
        assert_eq!(offsets(Product::TazapayOvoIdr, HOUR)[7..], [900 + 30 * MINUTE]);
        assert_eq!(offsets(Product::DokuJokulOvoPush, 20 * MINUTE), [60, 120, 300, 900]);
        let faspay = offsets(Product::FaspayOvoTokenize, 2 * DAY);
        assert_eq!(&faspay[..3], &[60, 360, 660]);
        assert_eq!(faspay.last(), Some(&DAY), "hourly up to 24 h, then no more checks");
        assert_eq!(faspay.iter().filter(|s| **s > HOUR).count(), 23);
        assert_eq!(offsets(Product::DokuSnapOvo, 11 * MINUTE), [60, 300, 600]);
        assert_eq!(offsets(Product::OvoSnap, 7 * MINUTE), [60, 360]);
    }

    #[test]
    fn give_up_times_follow_the_product_files() {
        let start = Timestamp::from_unix_millis(1_700_000_000_000);
        for product in [
            Product::DokuSnapOvo,
            Product::DokuJokulOvoPush,
            Product::FaspayOvoTokenize,
            Product::OvoSnap,
        ] {
            assert_eq!(
                capabilities(product).poll.give_up_at(start, None),
                start.plus_millis(DAY * 1_000),
                "{product:?}"
            );
        }
        let tazapay = capabilities(Product::TazapayOvoIdr).poll;
        let expires = start.plus_millis(3 * HOUR * 1_000);
        assert_eq!(tazapay.give_up_at(start, Some(expires)), expires);
        assert_eq!(tazapay.give_up_at(start, None), start.plus_millis(5 * DAY * 1_000));
        // The check that gives up is never scheduled past the give-up time.
        let now = start.plus_millis(2 * HOUR * 1_000 + 1);
        assert_eq!(
            tazapay.next_check(start, now, expires),
            start.plus_millis((900 + 4 * 30 * MINUTE) * 1_000)
        );
        let now = start.plus_millis(2 * HOUR * 1_000 + 45 * MINUTE * 1_000 + 1);
        assert_eq!(tazapay.next_check(start, now, expires), expires);
        assert!(capabilities(Product::TazapayOvoIdr).supports(Operation::RequestAgain));
        assert!(!capabilities(Product::FaspayOvoTokenize).supports(Operation::RequestAgain));
        let cancels: Vec<_> = Product::ALL
            .into_iter()
            .filter(|p| capabilities(*p).supports(Operation::Cancel))
            .collect();
        assert_eq!(cancels.len(), 2);
        assert!(
            cancels.contains(&Product::TazapayOvoIdr)
                && cancels.contains(&Product::FaspayOvoTokenize)
        );
    }
}
