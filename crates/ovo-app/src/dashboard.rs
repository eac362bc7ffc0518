//! The dashboard and finance's reports (permission `view_finance`), over the current
//! environment, with days counted in WIB.

use ovo_domain::{
    add_days, days_between, wib_date, wib_day_bounds, wib_day_start, Environment, PaymentStatus,
    Product, Timestamp,
};
use ovo_ledger::dashboard::{self, Totals};
use ovo_ledger::reports::{self, OldestItem, OpenKind, RefundGrouping};

use crate::backoffice::Backoffice;
use crate::error::AppResult;
use crate::ipc::*;
use crate::permissions::Permission;

impl From<Totals> for TotalsView {
    fn from(t: Totals) -> TotalsView {
        TotalsView { count: t.count, amount: t.amount }
    }
}

/// `part / whole` in basis points, rounded down; none when `whole` is 0.
pub(crate) fn basis_points(part: i64, whole: i64) -> Option<u64> {
    if whole <= 0 {
        return None;
    }
    let bp = i128::from(part.max(0)) * 10_000 / i128::from(whole);
    u64::try_from(bp).ok()
}

fn sum(rows: impl Iterator<Item = Totals>) -> Totals {
    rows.fold(Totals::default(), |acc, t| Totals {
        count: acc.count + t.count,
        amount: acc.amount.saturating_add(t.amount),
    })
}

/// The refunds of `environment` grouped one way, as the report shows them.
async fn refund_groups(
    conn: &mut ovo_ledger::Connection,
    environment: Environment,
    grouping: RefundGrouping,
    (from, until): (Option<Timestamp>, Option<Timestamp>),
) -> AppResult<Vec<RefundGroupView>> {
    let groups = reports::refunds_grouped(conn, environment, grouping, from, until).await?;
    Ok(groups
        .into_iter()
        .map(|g| RefundGroupView { label: g.label, count: g.totals.count, amount: g.totals.amount })
        .collect())
}

impl Backoffice {
    pub async fn dashboard(&self, input: DashboardInput) -> AppResult<DashboardView> {
        self.authorize(Permission::ViewFinance, "view the dashboard").await?;
        let environment = self.environment().await;
        let today = wib_date(self.now());
        let first = add_days(today, 1 - input.period.days());
        let (from, until) = (wib_day_start(first), wib_day_bounds(today).1);
        let mut conn = self.ledger.read().await?;
        let grouped = dashboard::by_product_status(&mut conn, environment, from, until).await?;
        let per_day = dashboard::succeeded_per_day(&mut conn, environment, from, until).await?;
        let refunded = dashboard::refunded(&mut conn, environment, from, until).await?;
        let awaiting = dashboard::awaiting_approval(&mut conn, environment).await?;
        let open = dashboard::open_items(&mut conn, environment).await?;
        drop(conn);

        let total = sum(grouped.iter().map(|g| g.totals));
        let by_product = Product::ALL
            .iter()
            .map(|&product| {
                let t = sum(grouped.iter().filter(|g| g.product == product).map(|g| g.totals));
                ProductTotalsView {
                    product,
                    product_name: product.display_name().to_owned(),
                    count: t.count,
                    amount: t.amount,
                }
            })
            .collect();
        let by_status: Vec<StatusTotalsView> = PaymentStatus::ALL
            .iter()
            .filter_map(|&status| {
                let mut rows = grouped.iter().filter(|g| g.status == status).peekable();
                rows.peek()?;
                let t = sum(rows.map(|g| g.totals));
                Some(StatusTotalsView {
                    status: status.key().to_owned(),
                    count: t.count,
                    amount: t.amount,
                })
            })
            .collect();
        let succeeded = by_status
            .iter()
            .find(|s| s.status == PaymentStatus::Succeeded.key())
            .map_or(Totals::default(), |s| Totals { count: s.count, amount: s.amount });
        let daily = (0..input.period.days())
            .map(|day| {
                let t = per_day.iter().find(|d| d.day == day).map(|d| d.totals).unwrap_or_default();
                DayTotalsView {
                    date: add_days(first, day).to_string(),
                    count: t.count,
                    amount: t.amount,
                }
            })
            .collect();
        Ok(DashboardView {
            period: input.period,
            from: first.to_string(),
            to: today.to_string(),
            total: total.into(),
            by_product,
            by_status,
            by_product_status: grouped
                .iter()
                .map(|g| ProductStatusTotalsView {
                    product: g.product,
                    status: g.status.key().to_owned(),
                    count: g.totals.count,
                    amount: g.totals.amount,
                })
                .collect(),
            refund_rate: RefundRateView {
                refunded: refunded.into(),
                succeeded: succeeded.into(),
                amount_basis_points: basis_points(refunded.amount, succeeded.amount),
                count_basis_points: basis_points(
                    i64::try_from(refunded.count).unwrap_or(i64::MAX),
                    i64::try_from(succeeded.count).unwrap_or(i64::MAX),
                ),
            },
            awaiting_approval: awaiting.into(),
            open_items: open.into(),
            daily,
            open_exceptions: self.open_settlement_exceptions().await?,
        })
    }

    /// What waits for the signed-in operator's role, for the navigation's counts: refunds to
    /// approve (for those who approve) and the unknown and needs-review payments and refunds.
    pub async fn waiting_counts(&self) -> AppResult<WaitingCountsView> {
        let actor = self.authorize(Permission::ViewPayments, "view payments").await?;
        let approves = crate::permissions::allows(actor.operator.role, Permission::ApproveRefunds);
        let environment = self.environment().await;
        let mut conn = self.ledger.read().await?;
        let refunds_to_approve = match approves {
            true => Some(dashboard::awaiting_approval(&mut conn, environment).await?.count),
            false => None,
        };
        let open = dashboard::open_items(&mut conn, environment).await?;
        Ok(WaitingCountsView { refunds_to_approve, open_items: open.into() })
    }

    pub async fn refund_report(&self, range: ReportRange) -> AppResult<RefundReportView> {
        self.authorize(Permission::ViewFinance, "view the refund report").await?;
        crate::validate::text_lengths(&range)?;
        let (from, until) = crate::validate::wib_date_range(&range.from, &range.to)?;
        let environment = self.environment().await;
        let mut conn = self.ledger.read().await?;
        let range = (from, until);
        Ok(RefundReportView {
            by_requester: refund_groups(&mut conn, environment, RefundGrouping::Requester, range)
                .await?,
            by_approver: refund_groups(&mut conn, environment, RefundGrouping::Approver, range)
                .await?,
            by_reason: refund_groups(&mut conn, environment, RefundGrouping::Reason, range).await?,
        })
    }

    pub async fn ageing_report(&self) -> AppResult<AgeingReportView> {
        self.authorize(Permission::ViewFinance, "view the ageing report").await?;
        let environment = self.environment().await;
        let today = wib_date(self.now());
        // Bucket i (but the last) begins at the WIB midnight its next bucket's age ends.
        let bounds: Vec<_> = AgeBucket::ALL[1..]
            .iter()
            .map(|b| wib_day_start(add_days(today, 1 - b.min_days())))
            .collect();
        let mut conn = self.ledger.read().await?;
        let payments = reports::ageing(&mut conn, environment, OpenKind::Payments, &bounds).await?;
        let refunds = reports::ageing(&mut conn, environment, OpenKind::Refunds, &bounds).await?;
        let oldest_payment =
            reports::oldest_open(&mut conn, environment, OpenKind::Payments).await?;
        let oldest_refund = reports::oldest_open(&mut conn, environment, OpenKind::Refunds).await?;
        drop(conn);
        let in_bucket = |rows: &[reports::BucketTotals], i: usize| {
            rows.iter().find(|r| r.bucket == i).map(|r| r.totals).unwrap_or_default().into()
        };
        let oldest = |item: OldestItem| OldestItemView {
            reference: item.reference.as_str().to_owned(),
            since: item.since.to_rfc3339(),
            age_days: days_between(wib_date(item.since), today),
        };
        Ok(AgeingReportView {
            as_of: today.to_string(),
            buckets: AgeBucket::ALL
                .iter()
                .enumerate()
                .map(|(i, &bucket)| AgeBucketView {
                    bucket,
                    payments: in_bucket(&payments, i),
                    refunds: in_bucket(&refunds, i),
                })
                .collect(),
            oldest_payment: oldest_payment.map(oldest),
            oldest_refund: oldest_refund.map(oldest),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_points_round_down_and_need_a_whole() {
        assert_eq!(basis_points(1, 3), Some(3_333));
        assert_eq!(basis_points(0, 10), Some(0));
        assert_eq!(basis_points(10, 10), Some(10_000));
        assert_eq!(basis_points(5, 0), None);
        assert_eq!(basis_points(-5, 10), Some(0));
    }
}
