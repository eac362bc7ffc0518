//! Refund rules as data (house decision HD 1 of `shared/providers/README.md`) and the pure
//! evaluation of one refund request against them.
//!
//! A rule is a [`RefundPolicy`] per product: [`RefundPolicy::default_for`] holds the house
//! defaults, an override per merchant contract replaces it whole. [`evaluate`] takes the facts
//! the ledger read inside its write transaction and answers a [`RefundDecision`] that explains
//! itself in Bahasa Indonesia and English.
//!
//! Checks, in order (the first failing one is the refusal):
//! 1. the payment has succeeded;
//! 2. the amount is more than zero;
//! 3. the window: allowed while `today_WIB <= success_date_WIB + window_days` ("D+N");
//! 4. cumulative: `already reserved or refunded + requested <= paid`;
//! 5. full-only products: the request is the whole paid amount and nothing was refunded before;
//! 6. the optional daily limit: `reserved today (WIB) + requested <= limit`.

use std::fmt;

use chrono::NaiveDate;

use crate::clock::Timestamp;
use crate::format::format_count;
pub use crate::format::format_date;
use crate::key::keyed_enum;
use crate::lang::Lang;
use crate::money::{Idr, MoneyError};
use crate::product::Product;
use crate::status::PaymentStatus;
use crate::wib::{add_days, wib_date};

keyed_enum! {
    /// How a refund reaches the customer.
    pub enum RefundMode as "refund mode" {
        /// Sent through the provider's refund API.
        Api => "api",
        /// No provider call: settled outside the provider API, still approved and audited.
        Offline => "offline",
    }
}

/// Why a refund policy (an override typed by an admin, or a stored row) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundPolicyError {
    #[error("unknown refund mode {0:?}; expected api or offline")]
    UnknownMode(String),
    #[error(
        "the refund window must be a whole number of days from 0 to 3650, or empty for no window"
    )]
    WindowMalformed,
    #[error("the refund window cannot be negative; use 0 to 3650 days, or empty for no window")]
    WindowNegative,
    #[error(
        "the refund window is at most 3650 days (10 years); use 0 to 3650, or empty for no window"
    )]
    WindowTooLong,
    #[error("the daily refund limit must be more than Rp 0; leave it empty for no limit")]
    DailyLimitZero,
    #[error("the daily refund limit is not a valid amount: {0}")]
    DailyLimitInvalid(MoneyError),
}

impl RefundPolicyError {
    /// Stable snake_case key a UI can translate.
    pub const fn reason(&self) -> &'static str {
        match self {
            RefundPolicyError::UnknownMode(_) => "refund_policy_unknown_mode",
            RefundPolicyError::WindowMalformed => "refund_policy_window_malformed",
            RefundPolicyError::WindowNegative => "refund_policy_window_negative",
            RefundPolicyError::WindowTooLong => "refund_policy_window_too_long",
            RefundPolicyError::DailyLimitZero => "refund_policy_daily_limit_zero",
            RefundPolicyError::DailyLimitInvalid(_) => "refund_policy_daily_limit_invalid",
        }
    }
}

/// The refund rule of one product (HD 1 `RefundRule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefundPolicy {
    pub mode: RefundMode,
    /// Whether less than the full paid amount may be refunded.
    pub partial_allowed: bool,
    /// "D+N": refunds allowed while today (WIB) ≤ success date (WIB) + N. `None` = no window.
    pub window_days: Option<u32>,
    /// Sum of refunds per WIB date and product. `None` = no limit.
    pub daily_limit: Option<Idr>,
}

impl RefundPolicy {
    /// Longest window an override may set (10 years).
    pub const MAX_WINDOW_DAYS: u32 = 3_650;

    /// The house defaults (`shared/providers/README.md`, HD 1 "Defaults").
    pub const fn default_for(product: Product) -> RefundPolicy {
        match product {
            // [SEED 004; CONFIRMED OVO-FAQ]; the daily limit is declared per merchant at onboarding.
            Product::OvoSnap => RefundPolicy::api(true, Some(60)),
            // DOKU's own rule is unpublished; DOKU's OVO runs on OVO's SNAP (HD 1).
            Product::DokuSnapOvo => RefundPolicy::api(true, Some(60)),
            // [SEED 001]: full refunds only, no window.
            Product::TazapayOvoIdr => RefundPolicy::api(false, None),
            // No refund API published: offline; partial, no window (house defaults).
            Product::DokuJokulOvoPush | Product::FaspayOvoTokenize => RefundPolicy {
                mode: RefundMode::Offline,
                partial_allowed: true,
                window_days: None,
                daily_limit: None,
            },
        }
    }

    const fn api(partial_allowed: bool, window_days: Option<u32>) -> RefundPolicy {
        RefundPolicy { mode: RefundMode::Api, partial_allowed, window_days, daily_limit: None }
    }

    /// Builds a policy from stored or submitted parts, checking every range.
    pub fn from_parts(
        mode: &str,
        partial_allowed: bool,
        window_days: Option<i64>,
        daily_limit: Option<i64>,
    ) -> Result<RefundPolicy, RefundPolicyError> {
        let mode = RefundMode::parse(mode)
            .map_err(|_| RefundPolicyError::UnknownMode(mode.chars().take(32).collect()))?;
        let window_days = window_days.map(window_from_i64).transpose()?;
        let daily_limit = daily_limit
            .map(|rupiah| Idr::new(rupiah).map_err(RefundPolicyError::DailyLimitInvalid))
            .transpose()?;
        RefundPolicy { mode, partial_allowed, window_days, daily_limit }.validate()
    }

    /// Checks the ranges of a policy built field by field.
    pub fn validate(self) -> Result<RefundPolicy, RefundPolicyError> {
        if self.window_days.is_some_and(|d| d > Self::MAX_WINDOW_DAYS) {
            return Err(RefundPolicyError::WindowTooLong);
        }
        if self.daily_limit.is_some_and(Idr::is_zero) {
            return Err(RefundPolicyError::DailyLimitZero);
        }
        Ok(self)
    }

    /// What an admin types for the window: `60`, `D+60`, or empty / `none` for no window.
    pub fn parse_window_days(input: &str) -> Result<Option<u32>, RefundPolicyError> {
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        let digits = trimmed
            .strip_prefix("D+")
            .or_else(|| trimmed.strip_prefix("d+"))
            .map_or(trimmed, str::trim_start);
        if let Some(rest) = digits.strip_prefix(['-', '\u{2212}']) {
            return Err(if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
                RefundPolicyError::WindowNegative
            } else {
                RefundPolicyError::WindowMalformed
            });
        }
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RefundPolicyError::WindowMalformed);
        }
        let significant = digits.trim_start_matches('0');
        if significant.len() > 9 {
            return Err(RefundPolicyError::WindowTooLong);
        }
        let days = significant.bytes().fold(0_i64, |acc, b| acc * 10 + i64::from(b - b'0'));
        window_from_i64(days).map(Some)
    }

    /// What an admin types for the daily limit: any [`Idr::parse`] form, or empty / `none` for no limit.
    pub fn parse_daily_limit(input: &str) -> Result<Option<Idr>, RefundPolicyError> {
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        let amount = Idr::parse(trimmed).map_err(RefundPolicyError::DailyLimitInvalid)?;
        if amount.is_zero() {
            return Err(RefundPolicyError::DailyLimitZero);
        }
        Ok(Some(amount))
    }

    /// The last WIB date a payment that succeeded at `succeeded_at` may be refunded, if there is a window.
    pub fn deadline(&self, succeeded_at: Timestamp) -> Option<NaiveDate> {
        let days = self.window_days?;
        let paid = wib_date(succeeded_at);
        Some(add_days(paid, i64::from(days)))
    }

    /// The rule in plain words, e.g. "OVO SNAP: partial refund allowed until 20 Dec 2026 (D+60)".
    /// Without a `deadline` (no payment at hand) the window reads "within 60 days of payment (D+60)".
    pub fn describe(&self, product: Product, deadline: Option<NaiveDate>, lang: Lang) -> String {
        let mut out = format!("{}: ", product.display_name());
        let window = self.window_days.map(|days| window_words(days, deadline, lang));
        match (self.mode, lang) {
            (RefundMode::Offline, Lang::En) => {
                out.push_str("no refund API — refunds are settled offline")
            }
            (RefundMode::Offline, Lang::Id) => out.push_str(
                "tidak ada API pengembalian dana — pengembalian dana diselesaikan manual (di luar penyedia)",
            ),
            (RefundMode::Api, _) => {}
        }
        let offline = self.mode == RefundMode::Offline;
        let sep = if offline { "; " } else { "" };
        if !self.partial_allowed {
            out.push_str(sep);
            out.push_str(match lang {
                Lang::En => "full refund only",
                Lang::Id => "hanya pengembalian penuh",
            });
            if let Some(window) = &window {
                out.push_str(", ");
                out.push_str(window);
            }
        } else if !offline || window.is_some() {
            out.push_str(sep);
            out.push_str(match lang {
                Lang::En => "partial refund allowed",
                Lang::Id => "pengembalian sebagian diizinkan",
            });
            if let Some(window) = &window {
                out.push(' ');
                out.push_str(window);
            }
        }
        if let Some(limit) = self.daily_limit {
            let label = match lang {
                Lang::En => "daily limit",
                Lang::Id => "batas harian",
            };
            out.push_str(&format!("; {label} {}", limit.format(lang)));
        }
        out
    }
}

fn window_from_i64(days: i64) -> Result<u32, RefundPolicyError> {
    if days < 0 {
        return Err(RefundPolicyError::WindowNegative);
    }
    match u32::try_from(days) {
        Ok(d) if d <= RefundPolicy::MAX_WINDOW_DAYS => Ok(d),
        _ => Err(RefundPolicyError::WindowTooLong),
    }
}

/// "until 20 Dec 2026 (D+60)" / "hingga 20 Des 2026 (D+60)", or the relative form without a date.
fn window_words(days: u32, deadline: Option<NaiveDate>, lang: Lang) -> String {
    match (deadline, lang) {
        (Some(date), Lang::En) => format!("until {} (D+{days})", format_date(date, lang)),
        (Some(date), Lang::Id) => format!("hingga {} (D+{days})", format_date(date, lang)),
        (None, Lang::En) => {
            format!("within {} days of payment (D+{days})", format_count(days, lang))
        }
        (None, Lang::Id) => {
            format!("dalam {} hari setelah pembayaran (D+{days})", format_count(days, lang))
        }
    }
}

/// What the ledger knows about a payment and its refunds when a refund is requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundFacts {
    pub payment_status: PaymentStatus,
    pub paid_amount: Idr,
    pub succeeded_at: Option<Timestamp>,
    /// Sum of this payment's refunds that hold a reservation (every status but rejected and failed).
    pub already_reserved_or_refunded: Idr,
    /// Sum of this product's reserving refunds requested on today's WIB date (for the daily limit).
    pub refunded_today_wib: Idr,
    pub requested: Idr,
    pub now: Timestamp,
}

/// Why a refund request was refused; each carries what is wrong and what is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRefusal {
    /// Only a succeeded payment can be refunded.
    PaymentNotSucceeded { status: PaymentStatus },
    /// Zero is not a refund.
    ZeroAmount { refundable: Idr },
    /// Today (WIB) is after the last allowed day.
    WindowClosed { deadline: NaiveDate, window_days: u32 },
    /// The payment is succeeded but has no success time, so the window cannot be counted.
    SuccessTimeUnknown { window_days: u32 },
    /// Already reserved or refunded + requested would exceed the paid amount.
    ExceedsRefundable { requested: Idr, refundable: Idr, paid: Idr, already: Idr },
    /// The product refunds only the whole paid amount, once.
    PartialNotAllowed { requested: Idr, paid: Idr, already: Idr },
    /// Reserved today (WIB) + requested would exceed the daily limit.
    DailyLimitExceeded { requested: Idr, limit: Idr, used_today: Idr },
}

impl RefundRefusal {
    /// Stable snake_case key a UI can translate.
    pub const fn reason(&self) -> &'static str {
        match self {
            RefundRefusal::PaymentNotSucceeded { .. } => "refund_payment_not_succeeded",
            RefundRefusal::ZeroAmount { .. } => "refund_amount_zero",
            RefundRefusal::WindowClosed { .. } => "refund_window_closed",
            RefundRefusal::SuccessTimeUnknown { .. } => "refund_success_time_unknown",
            RefundRefusal::ExceedsRefundable { .. } => "refund_exceeds_refundable",
            RefundRefusal::PartialNotAllowed { .. } => "refund_partial_not_allowed",
            RefundRefusal::DailyLimitExceeded { .. } => "refund_daily_limit_exceeded",
        }
    }

    /// What is wrong and what is allowed, in the operator's language.
    pub fn message(&self, lang: Lang) -> String {
        let m = |amount: Idr| amount.format(lang);
        let (en, id, args): (&str, &str, Vec<String>) = match *self {
            RefundRefusal::PaymentNotSucceeded { status } => (
                "The payment’s status is “{}”: only a succeeded payment can be refunded",
                "Status pembayaran “{}”: hanya pembayaran yang berhasil yang dananya dapat dikembalikan",
                vec![status.label(lang).to_owned()],
            ),
            RefundRefusal::ZeroAmount { refundable } => (
                "The refund amount must be more than {}; up to {} can be refunded",
                "Nominal pengembalian dana harus lebih dari {}; paling banyak {} dapat dikembalikan",
                vec![m(Idr::ZERO), m(refundable)],
            ),
            RefundRefusal::WindowClosed { deadline, window_days } => (
                "The refund window has closed: refunds were allowed until {} (D+{})",
                "Batas waktu pengembalian dana sudah lewat: pengembalian dana hanya diizinkan hingga {} (D+{})",
                vec![format_date(deadline, lang), window_days.to_string()],
            ),
            RefundRefusal::SuccessTimeUnknown { window_days } => (
                "The payment has no success time, so its D+{} window cannot be counted; check the payment status first",
                "Waktu keberhasilan pembayaran tidak diketahui, jadi batas waktu D+{} tidak dapat dihitung; cek status pembayaran dahulu",
                vec![window_days.to_string()],
            ),
            RefundRefusal::ExceedsRefundable { requested, refundable, paid, already } => (
                "{} would exceed the refundable {} (paid {}, already refunded or reserved {})",
                "{} melebihi sisa yang dapat dikembalikan {} (dibayar {}, sudah dikembalikan atau sedang diajukan {})",
                vec![m(requested), m(refundable), m(paid), m(already)],
            ),
            RefundRefusal::PartialNotAllowed { requested, paid, already } if already.is_zero() => (
                "Full refund only: refund the full {} (requested {})",
                "Hanya pengembalian penuh: kembalikan seluruh {} (diminta {})",
                vec![m(paid), m(requested)],
            ),
            RefundRefusal::PartialNotAllowed { already, .. } => (
                "Full refund only: {} is already refunded or reserved, so no further refund is possible",
                "Hanya pengembalian penuh: {} sudah dikembalikan atau sedang diajukan, jadi tidak ada pengembalian dana lain yang mungkin",
                vec![m(already)],
            ),
            RefundRefusal::DailyLimitExceeded { requested, limit, used_today } => (
                "{} would exceed the daily refund limit of {}: {} already used today (WIB), {} left",
                "{} melebihi batas harian pengembalian dana {}: {} sudah terpakai hari ini (WIB), sisa {}",
                vec![
                    m(requested),
                    m(limit),
                    m(used_today),
                    m(limit.checked_sub(used_today).unwrap_or(Idr::ZERO)),
                ],
            ),
        };
        fill(
            match lang {
                Lang::En => en,
                Lang::Id => id,
            },
            &args,
        )
    }
}

/// `template` with its `{}` holes filled by `args` in order.
fn fill(template: &str, args: &[String]) -> String {
    debug_assert_eq!(template.matches("{}").count(), args.len(), "{template}");
    args.iter().fold(template.to_owned(), |text, arg| text.replacen("{}", arg, 1))
}

/// English message.
impl fmt::Display for RefundRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for RefundRefusal {}

/// The answer to one refund request, with everything needed to explain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundDecision {
    pub product: Product,
    pub policy: RefundPolicy,
    pub allowed: bool,
    pub mode: RefundMode,
    /// What could still be refunded on this payment now (ignoring the daily limit): paid minus
    /// already reserved or refunded; zero when the payment has not succeeded or the window has closed.
    pub refundable: Idr,
    /// Last WIB date a refund is allowed, when the policy has a window.
    pub deadline: Option<NaiveDate>,
    pub refusal: Option<RefundRefusal>,
}

impl RefundDecision {
    /// The rule that applies, e.g. "Tazapay OVO: full refund only".
    pub fn rule_text(&self, lang: Lang) -> String {
        self.policy.describe(self.product, self.deadline, lang)
    }

    /// The refusal in words, if refused.
    pub fn refusal_text(&self, lang: Lang) -> Option<String> {
        self.refusal.map(|r| r.message(lang))
    }

    /// Stable key of the refusal, if refused.
    pub fn reason(&self) -> Option<&'static str> {
        self.refusal.as_ref().map(RefundRefusal::reason)
    }
}

/// Evaluates one refund request. Pure: the caller reads the facts and the policy in the same
/// write transaction that will insert the refund, so the answer holds when it commits.
pub fn evaluate(policy: &RefundPolicy, product: Product, facts: &RefundFacts) -> RefundDecision {
    let paid = facts.paid_amount;
    let already = facts.already_reserved_or_refunded;
    let remaining = paid.checked_sub(already).unwrap_or(Idr::ZERO);
    let deadline = facts.succeeded_at.and_then(|at| policy.deadline(at));
    let mut decision = RefundDecision {
        product,
        policy: *policy,
        allowed: false,
        mode: policy.mode,
        refundable: Idr::ZERO,
        deadline,
        refusal: None,
    };
    let refusal = check(policy, facts, deadline, remaining, &mut decision);
    decision.allowed = refusal.is_none();
    decision.refusal = refusal;
    decision
}

fn check(
    policy: &RefundPolicy,
    facts: &RefundFacts,
    deadline: Option<NaiveDate>,
    remaining: Idr,
    decision: &mut RefundDecision,
) -> Option<RefundRefusal> {
    let (paid, already, requested) =
        (facts.paid_amount, facts.already_reserved_or_refunded, facts.requested);
    if facts.payment_status != PaymentStatus::Succeeded {
        return Some(RefundRefusal::PaymentNotSucceeded { status: facts.payment_status });
    }
    if let Some(window_days) = policy.window_days {
        match deadline {
            None => return Some(RefundRefusal::SuccessTimeUnknown { window_days }),
            Some(deadline) if wib_date(facts.now) > deadline => {
                return Some(RefundRefusal::WindowClosed { deadline, window_days });
            }
            Some(_) => {}
        }
    }
    decision.refundable = remaining;
    if requested.is_zero() {
        return Some(RefundRefusal::ZeroAmount { refundable: remaining });
    }
    // Both are at most 12 digits: the i64 sum cannot overflow.
    if already.rupiah() + requested.rupiah() > paid.rupiah() {
        return Some(RefundRefusal::ExceedsRefundable {
            requested,
            refundable: remaining,
            paid,
            already,
        });
    }
    if !policy.partial_allowed && (requested != paid || !already.is_zero()) {
        return Some(RefundRefusal::PartialNotAllowed { requested, paid, already });
    }
    if let Some(limit) = policy.daily_limit {
        let used_today = facts.refunded_today_wib;
        if used_today.rupiah() + requested.rupiah() > limit.rupiah() {
            return Some(RefundRefusal::DailyLimitExceeded { requested, limit, used_today });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn ts(rfc3339: &str) -> Timestamp {
        Timestamp::parse_rfc3339(rfc3339).unwrap()
    }

    fn rp(rupiah: i64) -> Idr {
        Idr::new(rupiah).unwrap()
    }

    /// A succeeded Rp 100.000 payment, paid 2026-10-21 10:00 WIB, nothing refunded, asked the next day.
    fn facts(requested: i64) -> RefundFacts {
        RefundFacts {
            payment_status: PaymentStatus::Succeeded,
            paid_amount: rp(100_000),
            succeeded_at: Some(ts("2026-10-21T03:00:00Z")),
            already_reserved_or_refunded: Idr::ZERO,
            refunded_today_wib: Idr::ZERO,
            requested: rp(requested),
            now: ts("2026-10-22T03:00:00Z"),
        }
    }

    struct Case {
        name: &'static str,
        product: Product,
        policy: Option<RefundPolicy>,
        facts: RefundFacts,
        /// `None` = allowed; otherwise the refusal's reason key.
        refused: Option<&'static str>,
        mode: RefundMode,
        refundable: i64,
        en: &'static str,
        id: &'static str,
    }

    fn with(f: RefundFacts, change: impl FnOnce(&mut RefundFacts)) -> RefundFacts {
        let mut f = f;
        change(&mut f);
        f
    }

    fn snap_with_limit(limit: i64) -> RefundPolicy {
        RefundPolicy { daily_limit: Some(rp(limit)), ..RefundPolicy::default_for(Product::OvoSnap) }
    }

    #[test]
    fn decisions_table() {
        use Product::*;
        let cases = vec![
            Case {
                name: "Tazapay partial is refused",
                product: TazapayOvoIdr,
                policy: None,
                facts: facts(40_000),
                refused: Some("refund_partial_not_allowed"),
                mode: RefundMode::Api,
                refundable: 100_000,
                en: "Full refund only: refund the full IDR\u{a0}100,000 (requested IDR\u{a0}40,000)",
                id: "Hanya pengembalian penuh: kembalikan seluruh Rp\u{a0}100.000 (diminta Rp\u{a0}40.000)",
            },
            Case {
                name: "Tazapay full refund is allowed",
                product: TazapayOvoIdr,
                policy: None,
                facts: facts(100_000),
                refused: None,
                mode: RefundMode::Api,
                refundable: 100_000,
                en: "Tazapay OVO: full refund only",
                id: "Tazapay OVO: hanya pengembalian penuh",
            },
            Case {
                name: "Tazapay second full refund after a reserved one is refused as cumulative",
                product: TazapayOvoIdr,
                policy: None,
                facts: with(facts(100_000), |f| f.already_reserved_or_refunded = rp(100_000)),
                refused: Some("refund_exceeds_refundable"),
                mode: RefundMode::Api,
                refundable: 0,
                en: "IDR\u{a0}100,000 would exceed the refundable IDR\u{a0}0 (paid IDR\u{a0}100,000, already refunded or reserved IDR\u{a0}100,000)",
                id: "Rp\u{a0}100.000 melebihi sisa yang dapat dikembalikan Rp\u{a0}0 (dibayar Rp\u{a0}100.000, sudah dikembalikan atau sedang diajukan Rp\u{a0}100.000)",
            },
            Case {
                name: "OVO SNAP partial within D+60",
                product: OvoSnap,
                policy: None,
                facts: facts(40_000),
                refused: None,
                mode: RefundMode::Api,
                refundable: 100_000,
                en: "OVO SNAP: partial refund allowed until 20 Dec 2026 (D+60)",
                id: "OVO SNAP: pengembalian sebagian diizinkan hingga 20 Des 2026 (D+60)",
            },
            Case {
                name: "OVO SNAP on the 60th WIB day at 23:59 is allowed",
                product: OvoSnap,
                policy: None,
                // 2026-12-20 23:59:59.999 WIB
                facts: with(facts(40_000), |f| f.now = ts("2026-12-20T16:59:59.999Z")),
                refused: None,
                mode: RefundMode::Api,
                refundable: 100_000,
                en: "OVO SNAP: partial refund allowed until 20 Dec 2026 (D+60)",
                id: "OVO SNAP: pengembalian sebagian diizinkan hingga 20 Des 2026 (D+60)",
            },
            Case {
                name: "OVO SNAP at 00:00 WIB of the 61st day is refused",
                product: OvoSnap,
                policy: None,
                facts: with(facts(40_000), |f| f.now = ts("2026-12-20T17:00:00Z")),
                refused: Some("refund_window_closed"),
                mode: RefundMode::Api,
                refundable: 0,
                en: "The refund window has closed: refunds were allowed until 20 Dec 2026 (D+60)",
                id: "Batas waktu pengembalian dana sudah lewat: pengembalian dana hanya diizinkan hingga 20 Des 2026 (D+60)",
            },
            Case {
                name: "UTC-vs-WIB: 2026-10-20T17:30Z is 21 Oct WIB, so 20 Dec 23:59 WIB is still allowed",
                product: OvoSnap,
                policy: None,
                facts: with(facts(40_000), |f| {
                    f.succeeded_at = Some(ts("2026-10-20T17:30:00Z"));
                    f.now = ts("2026-12-20T16:59:00Z");
                }),
                refused: None,
                mode: RefundMode::Api,
                refundable: 100_000,
                en: "OVO SNAP: partial refund allowed until 20 Dec 2026 (D+60)",
                id: "OVO SNAP: pengembalian sebagian diizinkan hingga 20 Des 2026 (D+60)",
            },
            Case {
                name: "UTC-vs-WIB: 2026-10-20T16:59Z is still 20 Oct WIB, so 20 Dec WIB is too late",
                product: OvoSnap,
                policy: None,
                facts: with(facts(40_000), |f| {
                    f.succeeded_at = Some(ts("2026-10-20T16:59:59.999Z"));
                    f.now = ts("2026-12-19T17:00:00Z");
                }),
                refused: Some("refund_window_closed"),
                mode: RefundMode::Api,
                refundable: 0,
                en: "The refund window has closed: refunds were allowed until 19 Dec 2026 (D+60)",
                id: "Batas waktu pengembalian dana sudah lewat: pengembalian dana hanya diizinkan hingga 19 Des 2026 (D+60)",
            },
            Case {
                name: "cumulative over the paid amount is refused",
                product: OvoSnap,
                policy: None,
                facts: with(facts(60_000), |f| f.already_reserved_or_refunded = rp(50_000)),
                refused: Some("refund_exceeds_refundable"),
                mode: RefundMode::Api,
                refundable: 50_000,
                en: "IDR\u{a0}60,000 would exceed the refundable IDR\u{a0}50,000 (paid IDR\u{a0}100,000, already refunded or reserved IDR\u{a0}50,000)",
                id: "Rp\u{a0}60.000 melebihi sisa yang dapat dikembalikan Rp\u{a0}50.000 (dibayar Rp\u{a0}100.000, sudah dikembalikan atau sedang diajukan Rp\u{a0}50.000)",
            },
            Case {
                name: "cumulative exactly up to the paid amount is allowed",
                product: DokuSnapOvo,
                policy: None,
                facts: with(facts(50_000), |f| f.already_reserved_or_refunded = rp(50_000)),
                refused: None,
                mode: RefundMode::Api,
                refundable: 50_000,
                en: "DOKU SNAP OVO: partial refund allowed until 20 Dec 2026 (D+60)",
                id: "DOKU SNAP OVO: pengembalian sebagian diizinkan hingga 20 Des 2026 (D+60)",
            },
            Case {
                name: "a pending payment is refused",
                product: OvoSnap,
                policy: None,
                facts: with(facts(10_000), |f| {
                    f.payment_status = PaymentStatus::Pending;
                    f.succeeded_at = None;
                }),
                refused: Some("refund_payment_not_succeeded"),
                mode: RefundMode::Api,
                refundable: 0,
                en: "The payment’s status is “Pending”: only a succeeded payment can be refunded",
                id: "Status pembayaran “Menunggu”: hanya pembayaran yang berhasil yang dananya dapat dikembalikan",
            },
            Case {
                name: "an unknown-outcome payment is refused",
                product: TazapayOvoIdr,
                policy: None,
                facts: with(facts(100_000), |f| f.payment_status = PaymentStatus::Unknown),
                refused: Some("refund_payment_not_succeeded"),
                mode: RefundMode::Api,
                refundable: 0,
                en: "The payment’s status is “Unknown”: only a succeeded payment can be refunded",
                id: "Status pembayaran “Belum diketahui”: hanya pembayaran yang berhasil yang dananya dapat dikembalikan",
            },
            Case {
                name: "Jokul push is offline, partial allowed, no window (a year later)",
                product: DokuJokulOvoPush,
                policy: None,
                facts: with(facts(25_000), |f| f.now = ts("2027-10-22T03:00:00Z")),
                refused: None,
                mode: RefundMode::Offline,
                refundable: 100_000,
                en: "DOKU Jokul OVO Push: no refund API — refunds are settled offline",
                id: "DOKU Jokul OVO Push: tidak ada API pengembalian dana — pengembalian dana diselesaikan manual (di luar penyedia)",
            },
            Case {
                name: "Faspay is offline",
                product: FaspayOvoTokenize,
                policy: None,
                facts: facts(100_000),
                refused: None,
                mode: RefundMode::Offline,
                refundable: 100_000,
                en: "Faspay OVO Tokenize: no refund API — refunds are settled offline",
                id: "Faspay OVO Tokenize: tidak ada API pengembalian dana — pengembalian dana diselesaikan manual (di luar penyedia)",
            },
            Case {
                name: "daily limit exceeded is refused",
                product: OvoSnap,
                policy: Some(snap_with_limit(200_000)),
                facts: with(facts(60_000), |f| f.refunded_today_wib = rp(150_000)),
                refused: Some("refund_daily_limit_exceeded"),
                mode: RefundMode::Api,
                refundable: 100_000,
                en: "IDR\u{a0}60,000 would exceed the daily refund limit of IDR\u{a0}200,000: IDR\u{a0}150,000 already used today (WIB), IDR\u{a0}50,000 left",
                id: "Rp\u{a0}60.000 melebihi batas harian pengembalian dana Rp\u{a0}200.000: Rp\u{a0}150.000 sudah terpakai hari ini (WIB), sisa Rp\u{a0}50.000",
            },
            Case {
                name: "daily limit exactly reached is allowed",
                product: OvoSnap,
                policy: Some(snap_with_limit(200_000)),
                facts: with(facts(50_000), |f| f.refunded_today_wib = rp(150_000)),
                refused: None,
                mode: RefundMode::Api,
                refundable: 100_000,
                en: "OVO SNAP: partial refund allowed until 20 Dec 2026 (D+60); daily limit IDR\u{a0}200,000",
                id: "OVO SNAP: pengembalian sebagian diizinkan hingga 20 Des 2026 (D+60); batas harian Rp\u{a0}200.000",
            },
            Case {
                name: "zero amount is refused",
                product: OvoSnap,
                policy: None,
                facts: with(facts(0), |f| f.already_reserved_or_refunded = rp(30_000)),
                refused: Some("refund_amount_zero"),
                mode: RefundMode::Api,
                refundable: 70_000,
                en: "The refund amount must be more than IDR\u{a0}0; up to IDR\u{a0}70,000 can be refunded",
                id: "Nominal pengembalian dana harus lebih dari Rp\u{a0}0; paling banyak Rp\u{a0}70.000 dapat dikembalikan",
            },
            Case {
                name: "a succeeded payment without a success time cannot count its window",
                product: OvoSnap,
                policy: None,
                facts: with(facts(10_000), |f| f.succeeded_at = None),
                refused: Some("refund_success_time_unknown"),
                mode: RefundMode::Api,
                refundable: 0,
                en: "The payment has no success time, so its D+60 window cannot be counted; check the payment status first",
                id: "Waktu keberhasilan pembayaran tidak diketahui, jadi batas waktu D+60 tidak dapat dihitung; cek status pembayaran dahulu",
            },
            Case {
                name: "full-only override on an offline product after a partial refund",
                product: FaspayOvoTokenize,
                policy: Some(RefundPolicy {
                    partial_allowed: false,
                    ..RefundPolicy::default_for(FaspayOvoTokenize)
                }),
                facts: with(facts(70_000), |f| f.already_reserved_or_refunded = rp(30_000)),
                refused: Some("refund_partial_not_allowed"),
                mode: RefundMode::Offline,
                refundable: 70_000,
                en: "Full refund only: IDR\u{a0}30,000 is already refunded or reserved, so no further refund is possible",
                id: "Hanya pengembalian penuh: Rp\u{a0}30.000 sudah dikembalikan atau sedang diajukan, jadi tidak ada pengembalian dana lain yang mungkin",
            },
        ];
        for case in cases {
            let policy = case.policy.unwrap_or(RefundPolicy::default_for(case.product));
            let d = evaluate(&policy, case.product, &case.facts);
            assert_eq!(d.allowed, case.refused.is_none(), "{}: {d:?}", case.name);
            assert_eq!(d.reason(), case.refused, "{}", case.name);
            assert_eq!(d.mode, case.mode, "{}", case.name);
            assert_eq!(d.refundable.rupiah(), case.refundable, "{}", case.name);
            let (en, id) = match d.refusal {
                Some(r) => (r.message(Lang::En), r.message(Lang::Id)),
                None => (d.rule_text(Lang::En), d.rule_text(Lang::Id)),
            };
            assert_eq!(en, case.en, "{}", case.name);
            assert_eq!(id, case.id, "{}", case.name);
            assert_eq!(d.refusal_text(Lang::En).is_some(), !d.allowed, "{}", case.name);
        }
    }

    #[test]
    fn deadlines_count_wib_calendar_days_from_the_success_date() {
        let snap = RefundPolicy::default_for(Product::OvoSnap);
        // README worked example: 2024-01-01T17:30Z is 2024-01-02 WIB; D+60 ends 2024-03-02.
        assert_eq!(snap.deadline(ts("2024-01-01T17:30:00Z")), Some(date(2024, 3, 2)));
        assert_eq!(snap.deadline(ts("2026-10-20T17:30:00Z")), Some(date(2026, 12, 20)));
        assert_eq!(snap.deadline(ts("2026-10-20T16:59:59.999Z")), Some(date(2026, 12, 19)));
        assert_eq!(
            RefundPolicy::default_for(Product::TazapayOvoIdr).deadline(ts("2026-10-20T17:30:00Z")),
            None
        );
        let same_day = RefundPolicy { window_days: Some(0), ..snap };
        assert_eq!(same_day.deadline(Timestamp::MAX), Some(date(9999, 12, 31)));
        let d0 = evaluate(
            &same_day,
            Product::OvoSnap,
            &with(facts(1), |f| f.now = ts("2026-10-21T16:59:59.999Z")),
        );
        assert!(d0.allowed);
        let d1 = evaluate(
            &same_day,
            Product::OvoSnap,
            &with(facts(1), |f| f.now = ts("2026-10-21T17:00:00Z")),
        );
        assert_eq!(d1.reason(), Some("refund_window_closed"));
    }

    #[test]
    fn house_defaults_per_product() {
        let table = [
            (Product::OvoSnap, RefundMode::Api, true, Some(60)),
            (Product::DokuSnapOvo, RefundMode::Api, true, Some(60)),
            (Product::TazapayOvoIdr, RefundMode::Api, false, None),
            (Product::DokuJokulOvoPush, RefundMode::Offline, true, None),
            (Product::FaspayOvoTokenize, RefundMode::Offline, true, None),
        ];
        for (product, mode, partial, window) in table {
            let p = RefundPolicy::default_for(product);
            assert_eq!(
                (p.mode, p.partial_allowed, p.window_days, p.daily_limit),
                (mode, partial, window, None)
            );
            assert_eq!(p.validate(), Ok(p));
        }
    }

    #[test]
    fn describes_rules_without_a_payment() {
        let cases = [
            (
                Product::OvoSnap,
                RefundPolicy::default_for(Product::OvoSnap),
                "OVO SNAP: partial refund allowed within 60 days of payment (D+60)",
                "OVO SNAP: pengembalian sebagian diizinkan dalam 60 hari setelah pembayaran (D+60)",
            ),
            (
                Product::TazapayOvoIdr,
                RefundPolicy { window_days: Some(30), ..RefundPolicy::default_for(Product::TazapayOvoIdr) },
                "Tazapay OVO: full refund only, within 30 days of payment (D+30)",
                "Tazapay OVO: hanya pengembalian penuh, dalam 30 hari setelah pembayaran (D+30)",
            ),
            (
                Product::DokuSnapOvo,
                RefundPolicy { window_days: None, ..RefundPolicy::default_for(Product::DokuSnapOvo) },
                "DOKU SNAP OVO: partial refund allowed",
                "DOKU SNAP OVO: pengembalian sebagian diizinkan",
            ),
            (
                Product::FaspayOvoTokenize,
                RefundPolicy {
                    partial_allowed: false,
                    window_days: Some(7),
                    daily_limit: Some(rp(5_000_000)),
                    ..RefundPolicy::default_for(Product::FaspayOvoTokenize)
                },
                "Faspay OVO Tokenize: no refund API — refunds are settled offline; full refund only, within 7 days of payment (D+7); daily limit IDR\u{a0}5,000,000",
                "Faspay OVO Tokenize: tidak ada API pengembalian dana — pengembalian dana diselesaikan manual (di luar penyedia); hanya pengembalian penuh, dalam 7 hari setelah pembayaran (D+7); batas harian Rp\u{a0}5.000.000",
            ),
            (
                Product::DokuJokulOvoPush,
                RefundPolicy { window_days: Some(14), ..RefundPolicy::default_for(Product::DokuJokulOvoPush) },
                "DOKU Jokul OVO Push: no refund API — refunds are settled offline; partial refund allowed within 14 days of payment (D+14)",
                "DOKU Jokul OVO Push: tidak ada API pengembalian dana — pengembalian dana diselesaikan manual (di luar penyedia); pengembalian sebagian diizinkan dalam 14 hari setelah pembayaran (D+14)",
            ),
        ];
        for (product, policy, en, id) in cases {
            assert_eq!(policy.describe(product, None, Lang::En), en);
            assert_eq!(policy.describe(product, None, Lang::Id), id);
        }
    }

    #[test]
    fn formats_dates_in_both_languages() {
        assert_eq!(format_date(date(2026, 5, 1), Lang::Id), "1 Mei 2026");
        assert_eq!(format_date(date(2026, 8, 17), Lang::Id), "17 Agu 2026");
        assert_eq!(format_date(date(2026, 10, 9), Lang::En), "9 Oct 2026");
        assert_eq!(format_date(date(2026, 10, 9), Lang::Id), "9 Okt 2026");
    }

    #[test]
    fn parses_and_validates_overrides() {
        use RefundPolicyError::*;
        let window: &[(&str, Result<Option<u32>, RefundPolicyError>)] = &[
            ("60", Ok(Some(60))),
            (" D+60 ", Ok(Some(60))),
            ("d+ 7", Ok(Some(7))),
            ("0", Ok(Some(0))),
            ("3650", Ok(Some(3650))),
            ("", Ok(None)),
            ("none", Ok(None)),
            ("3651", Err(WindowTooLong)),
            ("99999999999999", Err(WindowTooLong)),
            ("-1", Err(WindowNegative)),
            ("D+-5", Err(WindowNegative)),
            ("60 days", Err(WindowMalformed)),
            ("6.5", Err(WindowMalformed)),
            ("-", Err(WindowMalformed)),
            ("D+", Err(WindowMalformed)),
        ];
        for (input, expected) in window {
            assert_eq!(&RefundPolicy::parse_window_days(input), expected, "window {input:?}");
        }
        let limit: &[(&str, Result<Option<i64>, RefundPolicyError>)] = &[
            ("Rp\u{a0}5.000.000", Ok(Some(5_000_000))),
            ("IDR\u{a0}10,000", Ok(Some(10_000))),
            ("", Ok(None)),
            ("0", Err(DailyLimitZero)),
            ("Rp\u{a0}0", Err(DailyLimitZero)),
            ("-5", Err(DailyLimitInvalid(MoneyError::Negative))),
            ("10,50", Err(DailyLimitInvalid(MoneyError::Fraction))),
        ];
        for (input, expected) in limit {
            let got = RefundPolicy::parse_daily_limit(input).map(|o| o.map(Idr::rupiah));
            assert_eq!(&got, expected, "limit {input:?}");
        }
        assert_eq!(
            RefundPolicy::from_parts("api", false, Some(30), Some(1_000)),
            Ok(RefundPolicy {
                mode: RefundMode::Api,
                partial_allowed: false,
                window_days: Some(30),
                daily_limit: Some(rp(1_000))
            })
        );
        assert_eq!(
            RefundPolicy::from_parts("offline", true, None, None).map(|p| p.mode),
            Ok(RefundMode::Offline)
        );
        assert_eq!(
            RefundPolicy::from_parts("API", true, None, None),
            Err(UnknownMode("API".into()))
        );
        assert_eq!(RefundPolicy::from_parts("api", true, Some(-1), None), Err(WindowNegative));
        assert_eq!(RefundPolicy::from_parts("api", true, Some(i64::MAX), None), Err(WindowTooLong));
        assert_eq!(RefundPolicy::from_parts("api", true, None, Some(0)), Err(DailyLimitZero));
        assert_eq!(
            RefundPolicy::from_parts("api", true, None, Some(-3)),
            Err(DailyLimitInvalid(MoneyError::Negative))
        );
        let bad = RefundPolicy {
            window_days: Some(4_000),
            ..RefundPolicy::default_for(Product::OvoSnap)
        };
        assert_eq!(bad.validate(), Err(WindowTooLong));
        let all = [
            UnknownMode(String::new()),
            WindowMalformed,
            WindowNegative,
            WindowTooLong,
            DailyLimitZero,
            DailyLimitInvalid(MoneyError::Malformed),
        ];
        let mut reasons: Vec<&str> = all.iter().map(RefundPolicyError::reason).collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), all.len());
        assert!(reasons.iter().all(|r| r.starts_with("refund_policy_")));
        assert!(WindowTooLong.to_string().contains("0 to 3650"));
    }

    #[test]
    fn refusal_reasons_are_distinct_and_modes_round_trip() {
        let d = date(2026, 12, 20);
        let all = [
            RefundRefusal::PaymentNotSucceeded { status: PaymentStatus::Failed },
            RefundRefusal::ZeroAmount { refundable: Idr::ZERO },
            RefundRefusal::WindowClosed { deadline: d, window_days: 60 },
            RefundRefusal::SuccessTimeUnknown { window_days: 60 },
            RefundRefusal::ExceedsRefundable {
                requested: rp(1),
                refundable: Idr::ZERO,
                paid: rp(1),
                already: rp(1),
            },
            RefundRefusal::PartialNotAllowed { requested: rp(1), paid: rp(2), already: Idr::ZERO },
            RefundRefusal::DailyLimitExceeded {
                requested: rp(2),
                limit: rp(1),
                used_today: Idr::ZERO,
            },
        ];
        let mut reasons: Vec<&str> = all.iter().map(RefundRefusal::reason).collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), all.len());
        for r in all {
            assert_eq!(r.to_string(), r.message(Lang::En));
            assert_ne!(r.message(Lang::Id), r.message(Lang::En));
        }
        for mode in RefundMode::ALL {
            assert_eq!(RefundMode::parse(mode.key()), Ok(mode));
            assert_eq!(serde_json::to_string(&mode).unwrap(), format!("\"{}\"", mode.key()));
        }
        assert!(RefundMode::parse("manual").is_err());
    }
}
