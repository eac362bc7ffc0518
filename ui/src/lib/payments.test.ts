import { describe, expect, it, vi } from 'vitest';
import {
  buildPaymentQuery,
  canApproveRefunds,
  canRequestRefunds,
  canTakePayments,
  createRefundPager,
  emptyFilters,
  isOpenPayment,
  rangeInvalid,
  remainingPercent,
  holdSeconds,
  remainingSeconds,
  tabStatuses,
} from './payments';
import type { RefundQueueQuery } from './ipc/types';
import { refundView } from '../test/payments';

describe('buildPaymentQuery', () => {
  it('sends "any" as null and the first page without a cursor', () => {
    expect(buildPaymentQuery(emptyFilters())).toEqual({
      product: null,
      status: null,
      from: null,
      to: null,
      minAmount: null,
      maxAmount: null,
      reference: null,
      after: null,
      limit: 100,
    });
  });

  it('sends amounts as typed, trimmed, with the dates and the cursor', () => {
    const q = buildPaymentQuery(
      {
        product: 'tazapay_ovo_idr',
        status: 'succeeded',
        from: '2026-03-01',
        to: '2026-03-05',
        minAmount: ' Rp 10.000 ',
        maxAmount: '1.000.000',
        reference: '  PAY-000123 ',
      },
      { createdAtMs: 1772679600000, id: 42 },
      50,
    );
    expect(q).toEqual({
      product: 'tazapay_ovo_idr',
      status: 'succeeded',
      from: '2026-03-01',
      to: '2026-03-05',
      minAmount: 'Rp 10.000',
      maxAmount: '1.000.000',
      reference: 'PAY-000123',
      after: { createdAtMs: 1772679600000, id: 42 },
      limit: 50,
    });
  });

  it('flags a start date after the end date', () => {
    expect(rangeInvalid({ ...emptyFilters(), from: '2026-03-05', to: '2026-03-01' })).toBe(true);
    expect(rangeInvalid({ ...emptyFilters(), from: '2026-03-05', to: '2026-03-05' })).toBe(false);
    expect(rangeInvalid({ ...emptyFilters(), from: '2026-03-05' })).toBe(false);
  });
});

describe('push countdown', () => {
  it('counts whole seconds left to the deadline, rounding up, never below zero', () => {
    const deadline = '2026-03-05T03:01:10Z';
    const start = Date.parse('2026-03-05T03:00:00Z');
    expect(remainingSeconds(deadline, start)).toBe(70);
    expect(remainingSeconds(deadline, start + 500)).toBe(70);
    expect(remainingSeconds(deadline, start + 1000)).toBe(69);
    expect(remainingSeconds(deadline, start + 69_001)).toBe(1);
    expect(remainingSeconds(deadline, start + 70_000)).toBe(0);
    expect(remainingSeconds(deadline, start + 90_000)).toBe(0);
    expect(remainingSeconds(null, start)).toBeNull();
    expect(remainingSeconds('not a date', start)).toBeNull();
  });

  it('uses the clock (fake timers)', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-03-05T03:00:30Z'));
    expect(remainingSeconds('2026-03-05T03:01:10Z')).toBe(40);
    vi.advanceTimersByTime(15_000);
    expect(remainingSeconds('2026-03-05T03:01:10Z')).toBe(25);
    vi.useRealTimers();
  });

  it('turns seconds into the share of the 70-second hold', () => {
    expect(remainingPercent(70)).toBe(100);
    expect(remainingPercent(35)).toBe(50);
    expect(remainingPercent(0)).toBe(0);
    expect(remainingPercent(90)).toBe(100);
  });

  it('measures the hold from its start to its deadline (shorter in a sped-up sandbox)', () => {
    expect(holdSeconds('2026-03-05T03:00:00Z', '2026-03-05T03:01:10Z')).toBe(70);
    expect(holdSeconds('2026-03-05T03:00:00Z', '2026-03-05T03:00:14Z')).toBe(14);
    expect(remainingPercent(7, 14)).toBe(50);
    expect(holdSeconds('2026-03-05T03:00:00Z', '2026-03-05T03:00:00Z')).toBeNull();
    expect(holdSeconds('not a time', '2026-03-05T03:00:14Z')).toBeNull();
  });
});

describe('permissions', () => {
  it('map to the desk actions', () => {
    expect(canTakePayments(['take_payments'])).toBe(true);
    expect(canTakePayments(['view_payments', 'request_refunds'])).toBe(false);
    expect(canRequestRefunds(['request_refunds'])).toBe(true);
    expect(canRequestRefunds(['approve_refunds'])).toBe(false);
    expect(canApproveRefunds(['approve_refunds'])).toBe(true);
    expect(canApproveRefunds(['request_refunds', 'view_payments'])).toBe(false);
  });
});

describe('payment states', () => {
  it('keeps following created, pending and unknown payments only', () => {
    expect(['created', 'pending', 'unknown'].every(isOpenPayment)).toBe(true);
    expect(['succeeded', 'failed', 'expired', 'cancelled', 'needs_review'].some(isOpenPayment)).toBe(false);
  });
});

describe('createRefundPager', () => {
  it('merges the queues of a tab newest first, across pages, without skipping or repeating', async () => {
    // Two states with interleaved request times; pages of 2.
    const at = (minute: number) => new Date(Date.UTC(2026, 2, 5, 3, minute)).toISOString();
    const queues: Record<string, ReturnType<typeof refundView>[]> = {
      submitting: [refundView(9, { requestedAt: at(9), status: 'submitting' }), refundView(4, { requestedAt: at(4), status: 'submitting' })],
      processing: [
        refundView(8, { requestedAt: at(8), status: 'processing' }),
        refundView(7, { requestedAt: at(7), status: 'processing' }),
        refundView(3, { requestedAt: at(3), status: 'processing' }),
      ],
      approved: [],
    };
    const calls: RefundQueueQuery[] = [];
    const fetch = async (q: RefundQueueQuery) => {
      calls.push(q);
      const rows = queues[q.status];
      const start = q.afterId === null ? 0 : rows.findIndex((r) => r.id === q.afterId) + 1;
      const page = rows.slice(start, start + q.limit);
      return { items: page, next: page.length === q.limit ? page[page.length - 1].id : null };
    };
    const pager = createRefundPager(tabStatuses('processing'), fetch, 2);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const page = await pager.next();
      seen.push(...page.rows.map((r) => r.id));
      if (!page.more) break;
    }
    expect(seen).toEqual([9, 8, 7, 4, 3]);
    expect(new Set(calls.map((c) => c.status))).toEqual(new Set(['approved', 'submitting', 'processing']));
  });
});
