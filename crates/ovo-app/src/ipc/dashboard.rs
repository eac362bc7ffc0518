//! The dashboard and finance's reports.

use ovo_domain::Product;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The dashboard's period, in WIB days ending today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum DashboardPeriod {
    /// Since 00:00 WIB today.
    #[serde(rename = "today")]
    Today,
    /// Today and the 6 days before.
    #[serde(rename = "days_7")]
    Days7,
    /// Today and the 29 days before.
    #[serde(rename = "days_30")]
    Days30,
}

impl DashboardPeriod {
    /// How many WIB days it covers.
    pub fn days(self) -> i64 {
        match self {
            DashboardPeriod::Today => 1,
            DashboardPeriod::Days7 => 7,
            DashboardPeriod::Days30 => 30,
        }
    }
}

#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DashboardInput {
    pub period: DashboardPeriod,
}

/// A count and the sum of the amounts, in whole rupiah.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TotalsView {
    pub count: u64,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProductTotalsView {
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub product_name: String,
    pub count: u64,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatusTotalsView {
    /// created, pending, succeeded, failed, unknown, expired, cancelled, needs_review
    pub status: String,
    pub count: u64,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProductStatusTotalsView {
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub status: String,
    pub count: u64,
    pub amount: i64,
}

/// Refunds requested in the period that ended refunded (succeeded or settled by the merchant's
/// own transfer) beside the payments of the period that succeeded. Rates are basis points
/// (1/100 of a percent, rounded down); null when no payment succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefundRateView {
    pub refunded: TotalsView,
    pub succeeded: TotalsView,
    /// Refunded amount / succeeded amount.
    pub amount_basis_points: Option<u64>,
    /// Refunds / succeeded payments.
    pub count_basis_points: Option<u64>,
}

/// Payments and refunds whose outcome is unknown or needs finance's decision, whenever created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenItemsView {
    pub unknown_payments: u64,
    pub needs_review_payments: u64,
    pub unknown_refunds: u64,
    pub needs_review_refunds: u64,
}

impl From<ovo_ledger::dashboard::OpenItems> for OpenItemsView {
    fn from(open: ovo_ledger::dashboard::OpenItems) -> Self {
        OpenItemsView {
            unknown_payments: open.unknown_payments,
            needs_review_payments: open.needs_review_payments,
            unknown_refunds: open.unknown_refunds,
            needs_review_refunds: open.needs_review_refunds,
        }
    }
}

/// What waits for the signed-in operator's role: the navigation's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WaitingCountsView {
    /// Refunds awaiting approval; null for a role that does not approve refunds.
    pub refunds_to_approve: Option<u64>,
    pub open_items: OpenItemsView,
}

/// The succeeded payments created on one WIB day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DayTotalsView {
    /// `YYYY-MM-DD`, WIB.
    pub date: String,
    pub count: u64,
    pub amount: i64,
}

/// The dashboard of the current environment: the payments created in the period, and what
/// waits for finance whenever it began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub period: DashboardPeriod,
    /// The period's first and last WIB dates, `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
    pub total: TotalsView,
    /// Every product, in the app's order, with zeros where none.
    pub by_product: Vec<ProductTotalsView>,
    /// The statuses that occur, in the app's order.
    pub by_status: Vec<StatusTotalsView>,
    pub by_product_status: Vec<ProductStatusTotalsView>,
    pub refund_rate: RefundRateView,
    pub awaiting_approval: TotalsView,
    pub open_items: OpenItemsView,
    /// Every WIB day of the period, oldest first, with zeros where none succeeded.
    pub daily: Vec<DayTotalsView>,
    /// Settlement reconciliation's exceptions not resolved yet (every date).
    #[ts(type = "number")]
    pub open_exceptions: u64,
}

/// A WIB date range, each end optional and inclusive (`YYYY-MM-DD`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportRange {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One group of refunds: an operator's display name or a reason's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefundGroupView {
    pub label: String,
    pub count: u64,
    pub amount: i64,
}

/// Refunds of the current environment grouped three ways, largest amount first: by requester
/// and by reason over the refunds requested in the range, by approver over those approved in
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefundReportView {
    pub by_requester: Vec<RefundGroupView>,
    pub by_approver: Vec<RefundGroupView>,
    pub by_reason: Vec<RefundGroupView>,
}

/// An open item's age in WIB days (today counts 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub enum AgeBucket {
    /// Created today.
    #[serde(rename = "days_0")]
    Today,
    #[serde(rename = "days_1_2")]
    Days1To2,
    #[serde(rename = "days_3_6")]
    Days3To6,
    #[serde(rename = "days_7_plus")]
    Days7Plus,
}

impl AgeBucket {
    pub const ALL: [AgeBucket; 4] =
        [AgeBucket::Today, AgeBucket::Days1To2, AgeBucket::Days3To6, AgeBucket::Days7Plus];

    /// The fewest WIB days old an item of the bucket is.
    pub fn min_days(self) -> i64 {
        match self {
            AgeBucket::Today => 0,
            AgeBucket::Days1To2 => 1,
            AgeBucket::Days3To6 => 3,
            AgeBucket::Days7Plus => 7,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgeBucketView {
    pub bucket: AgeBucket,
    pub payments: TotalsView,
    pub refunds: TotalsView,
}

/// The oldest open item: its reference, when it was created (a payment) or requested (a
/// refund), and its age in WIB days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OldestItemView {
    pub reference: String,
    pub since: String,
    pub age_days: i64,
}

/// The open unknown and needs-review payments and refunds of the current environment by age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgeingReportView {
    /// Today's WIB date, `YYYY-MM-DD`, from which ages count.
    pub as_of: String,
    /// Every bucket, youngest first.
    pub buckets: Vec<AgeBucketView>,
    pub oldest_payment: Option<OldestItemView>,
    pub oldest_refund: Option<OldestItemView>,
}
