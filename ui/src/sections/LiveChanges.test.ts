// Screens refresh themselves, quietly, when another desk changes their tables in the shared ledger.

import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import CustomerPage from './customers/CustomerPage.svelte';
import PaymentList from './payments/PaymentList.svelte';
import PaymentPage from './payments/PaymentPage.svelte';
import RefundPage from './refunds/RefundPage.svelte';
import RefundQueue from './refunds/RefundQueue.svelte';
import { ledgerFeed } from '../lib/liveChanges.svelte';
import { account, customerPage, deferred, timelineEntry } from '../test/customers';
import { fakeBackend, freshEachTest, inputsSent } from '../test/fixtures';
import { answerChange, reportChange } from '../test/liveChanges';
import { paymentDetail, paymentRow, refundView } from '../test/payments';
import type {
  Page,
  PaymentCursorView,
  PaymentQuery,
  PaymentRowView,
  RefundQueueQuery,
  RefundView,
} from '../lib/ipc/types';

const calls = (command: string) => invoke.mock.calls.filter(([cmd]) => cmd === command).length;

afterEach(() => ledgerFeed.stop());

describe('the refund queue', () => {
  freshEachTest(invoke);

  it('fetches its tab again when refunds change, shows the new request, and says nothing of loading', async () => {
    let requested: RefundView[] = [refundView(21)];
    let answer: Promise<void> | null = null;
    invoke.mockImplementation(
      fakeBackend({
        refund_queue: async (args) => {
          const q = (args as { input: RefundQueueQuery }).input;
          await answer;
          return { items: q.status === 'requested' ? requested : [], next: null };
        },
        next_ledger_change: answerChange,
      }),
    );
    render(RefundQueue, { onopen: () => {} });
    await waitFor(() => expect(screen.getAllByTestId('refund-row')).toHaveLength(1));
    const asked = calls('refund_queue');

    // A request made at another desk.
    requested = [refundView(22, { reference: 'RFD-22' }), refundView(21)];
    const slow = deferred<void>();
    answer = slow.promise;
    await reportChange(invoke, 'refunds');
    await waitFor(() => expect(calls('refund_queue')).toBe(asked + 1));
    expect(inputsSent<RefundQueueQuery>(invoke, 'refund_queue').at(-1)).toMatchObject({ status: 'requested', afterId: null });
    // In the background: the rows stay, no "Loading…".
    expect(screen.getAllByTestId('refund-row')).toHaveLength(1);
    expect(screen.queryByText('Loading…')).toBeNull();
    slow.resolve();
    await waitFor(() => expect(screen.getAllByTestId('refund-row')).toHaveLength(2));
    expect(screen.getByTestId('refunds-list').textContent).toContain('RFD-22');
  });

  it('fetches again when payments change too, and not on a change elsewhere', async () => {
    invoke.mockImplementation(
      fakeBackend({
        refund_queue: () => ({ items: [refundView(21)], next: null }),
        next_ledger_change: answerChange,
      }),
    );
    render(RefundQueue, { onopen: () => {} });
    await screen.findByTestId('refund-row');
    const asked = calls('refund_queue');
    await reportChange(invoke, 'customers');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls('refund_queue')).toBe(asked);
    await reportChange(invoke, 'payments');
    await waitFor(() => expect(calls('refund_queue')).toBe(asked + 1));
  });
});

const TOTAL = 300;

/** Payments newest first in keyset pages, from `payments` (the ledger as it is now), filtered by status. */
function pagesOf(payments: () => PaymentRowView[]) {
  return (args: Record<string, unknown> | undefined): Page<PaymentRowView, PaymentCursorView> => {
    const q = (args as { input: PaymentQuery }).input;
    const at = (row: PaymentRowView) => Date.parse(row.createdAt);
    const rows = payments()
      .filter((row) => q.status === null || row.status === q.status)
      .filter((row) => !q.after || at(row) < q.after.createdAtMs || (at(row) === q.after.createdAtMs && row.id < q.after.id))
      .slice(0, q.limit);
    const last = rows[rows.length - 1];
    return { items: rows, next: rows.length === q.limit ? { createdAtMs: at(last), id: last.id } : null };
  };
}

function scrollTo(el: HTMLElement, top: number) {
  Object.defineProperty(el, 'scrollTop', { value: top, configurable: true, writable: true });
  return fireEvent.scroll(el);
}

describe('the payment list', () => {
  freshEachTest(invoke);

  const queries = () => inputsSent<PaymentQuery>(invoke, 'payments_page');
  const shownIds = () => screen.getAllByTestId('payment-row').map((row) => Number(row.getAttribute('data-payment-id')));

  it('fetches its first page again with the filters when payments change, keeping the row in view', async () => {
    let payments = Array.from({ length: TOTAL }, (_, i) => paymentRow(TOTAL - i));
    invoke.mockImplementation(fakeBackend({ payments_page: pagesOf(() => payments), next_ledger_change: answerChange }));
    render(PaymentList, { onopen: () => {}, rowHeight: 40, height: 400 });
    const list = await screen.findByTestId('payments-list');
    await fireEvent.change(screen.getByTestId('payment-filter-status'), { target: { value: 'succeeded' } });
    await waitFor(() => expect(queries()).toHaveLength(2));
    await waitFor(() => expect(screen.getByTestId('payments-results').getAttribute('data-settled')).toBe('true'));

    // The operator reads row 50 (payment 250).
    await scrollTo(list, 40 * 50);
    expect(shownIds()).toContain(250);

    // Another desk: two new payments, and payment 299 failed (it leaves the "succeeded" list).
    payments = [paymentRow(TOTAL + 2), paymentRow(TOTAL + 1), ...payments.map((p) => (p.id === 299 ? { ...p, status: 'failed' } : p))];
    await reportChange(invoke, 'payments');
    await waitFor(() => expect(queries()).toHaveLength(3));
    expect(queries()[2]).toMatchObject({ status: 'succeeded', after: null, limit: 100 });

    await waitFor(() => expect(list.getAttribute('data-count')).toBe('101'));
    // Two rows came above it and one left: payment 250 is one row further down, and the view followed it.
    await waitFor(() => expect(list.scrollTop).toBe(40 * 51));
    expect(list.getAttribute('data-first')).toBe(String(51 - 6));
    expect(shownIds()).toContain(250);
    expect(screen.queryByText('Loading…')).toBeNull();
  });

  it('shows new payments at the top when the view is at the top', async () => {
    let payments = Array.from({ length: 3 }, (_, i) => paymentRow(3 - i));
    invoke.mockImplementation(fakeBackend({ payments_page: pagesOf(() => payments), next_ledger_change: answerChange }));
    render(PaymentList, { onopen: () => {}, rowHeight: 40, height: 400 });
    await waitFor(() => expect(shownIds()).toEqual([3, 2, 1]));
    payments = [paymentRow(4), ...payments];
    await reportChange(invoke, 'payments');
    await waitFor(() => expect(shownIds()).toEqual([4, 3, 2, 1]));
    expect(screen.getByTestId('payments-footer').textContent).toContain('4');
  });

  it('waits while hidden behind a payment page, and fetches when shown again', async () => {
    let payments = [paymentRow(1)];
    invoke.mockImplementation(fakeBackend({ payments_page: pagesOf(() => payments), next_ledger_change: answerChange }));
    const { rerender } = render(PaymentList, { onopen: () => {}, rowHeight: 40, height: 400, shown: false });
    await waitFor(() => expect(shownIds()).toEqual([1]));
    payments = [paymentRow(2), ...payments];
    await reportChange(invoke, 'payments');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(queries()).toHaveLength(1);
    await rerender({ shown: true });
    await waitFor(() => expect(shownIds()).toEqual([2, 1]));
    expect(queries()).toHaveLength(2);
  });
});

describe('an open page', () => {
  freshEachTest(invoke);

  it('a refund page fetches its refund again when refunds change', async () => {
    let refund = refundView(21);
    invoke.mockImplementation(fakeBackend({ refund_page: () => refund, next_ledger_change: answerChange }));
    render(RefundPage, { refundId: 21, onback: () => {} });
    await waitFor(() => expect(screen.getByTestId('refund-status').getAttribute('data-status')).toBe('requested'));
    expect(screen.getByTestId('refund-approve')).toBeTruthy();

    refund = refundView(21, { status: 'rejected', decidedBy: 'rina', decisionNote: 'Duplicate' });
    await reportChange(invoke, 'refunds');
    await waitFor(() => expect(screen.getByTestId('refund-status').getAttribute('data-status')).toBe('rejected'));
    expect(screen.queryByTestId('refund-approve')).toBeNull();
  });

  it('a payment page fetches its payment again when refunds change, and keeps it when that fails', async () => {
    let refundable = 100000;
    let failing = false;
    invoke.mockImplementation(
      fakeBackend({
        payment_page: () => {
          if (failing) throw { code: 'storage', message: 'the ledger server cannot be reached', reason: null };
          return paymentDetail({ refundable });
        },
        next_ledger_change: answerChange,
      }),
    );
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    await waitFor(() => expect(screen.getByTestId('payment-refundable').textContent).toContain('100,000'));

    refundable = 75000;
    await reportChange(invoke, 'refunds');
    await waitFor(() => expect(screen.getByTestId('payment-refundable').textContent).toContain('75,000'));

    // A background refresh that fails is quiet: the page stays as it was.
    failing = true;
    const asked = calls('payment_page');
    await reportChange(invoke, 'payments');
    await waitFor(() => expect(calls('payment_page')).toBe(asked + 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.getByTestId('payment-refundable').textContent).toContain('75,000');
    expect(screen.queryByTestId('payment-error')).toBeNull();
  });

  it('a customer page fetches the page and its timeline again when a linked account changes', async () => {
    let accounts = [account(1, 'active')];
    const entry = timelineEntry({
      kind: 'payment',
      at: '2026-03-03T04:00:00Z',
      reference: 'PAY-0011',
      product: 'ovo_snap',
      amount: 125000,
      status: 'succeeded',
      paymentId: 11,
    });
    let timeline = [entry];
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage({ accounts }),
        customer_timeline: () => ({ items: timeline, next: null }),
        next_ledger_change: answerChange,
      }),
    );
    render(CustomerPage, { customerId: 7, onback: () => {} });
    await screen.findByTestId('account-ovo_snap');
    await waitFor(() => expect(screen.getAllByTestId('customer-timeline-entry')).toHaveLength(1));

    // Another desk linked a DOKU account.
    accounts = [account(2, 'active', 'doku_snap_ovo'), ...accounts];
    timeline = [{ ...entry, kind: 'account_linked', reference: 'LNK-2', amount: null, status: 'active', paymentId: null, accountId: 2 }, entry];
    await reportChange(invoke, 'bindings');
    expect(await screen.findByTestId('account-doku_snap_ovo')).toBeTruthy();
    await waitFor(() => expect(screen.getAllByTestId('customer-timeline-entry')).toHaveLength(2));
    expect(calls('customer_page')).toBe(2);
    expect(calls('customer_timeline')).toBe(2);
  });
});
