// Finance figures: the dashboard and the reports.

import type { AgeingReportView, DashboardPeriod, DashboardView, RefundReportView } from '../lib/ipc/types';

/** A week of days, the last one "today". */
export const WEEK = ['2026-09-15', '2026-09-16', '2026-09-17', '2026-09-18', '2026-09-19', '2026-09-20', '2026-09-21'];

/** What `dashboard` answers for `period` over `days`: three payments worth `volume`, two of them OVO SNAP. */
export function dashboardView(period: DashboardPeriod, days: string[], volume: number): DashboardView {
  return {
    period,
    from: days[0],
    to: days[days.length - 1],
    total: { count: 3, amount: volume },
    byProduct: [
      { product: 'ovo_snap', productName: 'OVO SNAP', count: 2, amount: volume - 25_000 },
      { product: 'tazapay_ovo_idr', productName: 'Tazapay OVO', count: 1, amount: 25_000 },
    ],
    byStatus: [
      { status: 'succeeded', count: 2, amount: volume - 25_000 },
      { status: 'failed', count: 1, amount: 25_000 },
    ],
    byProductStatus: [],
    refundRate: {
      refunded: { count: 1, amount: 30_000 },
      succeeded: { count: 2, amount: 150_000 },
      amountBasisPoints: 2_000,
      countBasisPoints: 5_000,
    },
    awaitingApproval: { count: 2, amount: 15_000 },
    openItems: { unknownPayments: 1, needsReviewPayments: 2, unknownRefunds: 0, needsReviewRefunds: 1 },
    daily: days.map((date, i) => ({ date, count: i, amount: i * 10_000 })),
    openExceptions: 3,
  };
}

export const REFUND_REPORT: RefundReportView = {
  byRequester: [
    { label: 'Sari Staff', count: 2, amount: 70_000 },
    { label: 'Sinta Support', count: 2, amount: 15_000 },
  ],
  byApprover: [{ label: 'Budi Finance', count: 1, amount: 40_000 }],
  byReason: [],
};

export const AGEING_REPORT: AgeingReportView = {
  asOf: '2026-09-21',
  buckets: [
    { bucket: 'days_0', payments: { count: 0, amount: 0 }, refunds: { count: 1, amount: 40_000 } },
    { bucket: 'days_1_2', payments: { count: 0, amount: 0 }, refunds: { count: 0, amount: 0 } },
    { bucket: 'days_3_6', payments: { count: 1, amount: 30_000 }, refunds: { count: 0, amount: 0 } },
    { bucket: 'days_7_plus', payments: { count: 1, amount: 20_000 }, refunds: { count: 0, amount: 0 } },
  ],
  oldestPayment: { reference: 'DASHPY0000000006', since: '2026-09-09T03:00:00Z', ageDays: 12 },
  oldestRefund: null,
};
