// Every failed, unknown or needs-review state says why (the provider's code and message), what the app
// concluded, and what the operator can do next: on the item's page and, in short, in its list row.
import { render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import PaymentList from './payments/PaymentList.svelte';
import PaymentPage from './payments/PaymentPage.svelte';
import RefundPage from './refunds/RefundPage.svelte';
import RefundQueue from './refunds/RefundQueue.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { fakeBackend, freshEachTest } from '../test/fixtures';
import { RINA_FINANCE, showRefundPage } from '../test/refunds';
import { paymentDetail, paymentRow, refundView } from '../test/payments';
import type { ProviderProblem } from '../lib/ipc/types';


const REFUSED = { code: '4035807', message: 'OVO SNAP declined the request: 4035807 Card Blocked [OVO account blocked]' };
const failedRefund = refundView(21, { status: 'failed', problem: REFUSED });

const DECLINED: ProviderProblem = {
  kind: 'declined',
  providerCode: '17',
  detail: 'DOKU declined the payment: the customer rejected it in the OVO app',
  at: '2026-03-05T03:01:00Z',
};

describe('why a refund failed', () => {
  freshEachTest(invoke, RINA_FINANCE);

  it('shows the provider’s code and message, what it means and what to do next on the page', async () => {
    showRefundPage(invoke, failedRefund);
    const problem = await screen.findByTestId('refund-problem');
    expect(problem.getAttribute('data-code')).toBe('4035807');
    expect(within(problem).getByTestId('refund-problem-message').textContent).toBe(REFUSED.message);
    expect(within(problem).getByTestId('refund-problem-code').textContent).toBe('Provider code 4035807');
    expect(screen.getByTestId('refund-status-note').textContent).toContain('The provider refused the refund');
    expect(screen.getByTestId('refund-next').textContent).toMatch(/^What to do next: read the provider’s reason/);
  });

  it('says it in Bahasa Indonesia, and says nothing of a problem once the refund succeeded', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(fakeBackend({ refund_page: () => failedRefund }));
    const { unmount } = render(RefundPage, { refundId: 21, onback: () => {} });
    expect((await screen.findByTestId('refund-problem-code')).textContent).toBe('Kode penyedia 4035807');
    expect(screen.getByTestId('refund-next').textContent).toMatch(/^Langkah berikutnya: baca alasan dari penyedia/);
    unmount();
    showRefundPage(invoke, refundView(21, { status: 'succeeded' }));
    await waitFor(() => expect(screen.getByTestId('refund-status').getAttribute('data-status')).toBe('succeeded'));
    expect(screen.queryByTestId('refund-problem')).toBeNull();
    expect(screen.queryByTestId('refund-next')).toBeNull();
  });

  it('shows the provider’s code in the queue row, the message on hover', async () => {
    invoke.mockImplementation(fakeBackend({ refund_queue: () => ({ items: [failedRefund, refundView(22)], next: null }) }));
    render(RefundQueue, { onopen: () => {} });
    await waitFor(() => expect(screen.getAllByTestId('refund-row')).toHaveLength(2));
    const [failed, requested] = screen.getAllByTestId('refund-row');
    const why = within(failed).getByTestId('refund-row-why');
    expect(why.textContent).toBe('4035807');
    expect(why.getAttribute('title')).toBe(`Provider code 4035807: ${REFUSED.message}`);
    expect(within(requested).queryByTestId('refund-row-why')).toBeNull();
  });
});

describe('why a payment failed', () => {
  freshEachTest(invoke, RINA_FINANCE);

  it('shows the provider’s code in the list row and the kind of problem on hover', async () => {
    const rows = [paymentRow(2, { status: 'failed', problem: DECLINED }), paymentRow(1)];
    invoke.mockImplementation(fakeBackend({ payments_page: () => ({ items: rows, next: null }) }));
    render(PaymentList, { onopen: () => {}, rowHeight: 40, height: 400 });
    await waitFor(() => expect(screen.getAllByTestId('payment-row')).toHaveLength(2));
    const [failed, paid] = screen.getAllByTestId('payment-row');
    const why = within(failed).getByTestId('payment-row-why');
    expect(why.textContent).toBe('17');
    expect(why.getAttribute('title')).toContain('declined');
    expect(why.getAttribute('title')).toContain('17');
    expect(within(paid).queryByTestId('payment-row-why')).toBeNull();
  });

  it('says on the page what went wrong and what to do next, per state', async () => {
    for (const [state, next] of [
      ['failed', /^What to do next: tell the customer the payment did not go through/],
      ['unknown', /^What to do next: wait\. .*Do not take the payment again/],
      ['needs_review', /^What to do next: check this payment in the provider’s dashboard/],
    ] as const) {
      invoke.mockImplementation(
        fakeBackend({ payment_page: () => paymentDetail({ problem: DECLINED, refunds: [], refundable: 0 }, { status: state, succeededAt: null }) }),
      );
      const { unmount } = render(PaymentPage, { paymentId: 11, onback: () => {} });
      expect((await screen.findByTestId('payment-next')).textContent).toMatch(next);
      expect(screen.getByTestId('payment-problem').getAttribute('data-kind')).toBe('declined');
      unmount();
    }
    invoke.mockImplementation(fakeBackend({ payment_page: () => paymentDetail() }));
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    await screen.findByTestId('payment-outcome');
    expect(screen.queryByTestId('payment-next')).toBeNull();
  });
});
