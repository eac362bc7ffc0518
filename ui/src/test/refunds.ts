// The refund desk's tests: a finance operator, a refund's page and a fake refund queue.

import { render } from '@testing-library/svelte';
import type { Mock } from 'vitest';
import RefundPage from '../sections/refunds/RefundPage.svelte';
import type { OperatorView, RefundQueueQuery, RefundView } from '../lib/ipc/types';
import { fakeBackend, status } from './fixtures';

/** Rina, of finance: not the operator who asked for the test refunds. */
export const RINA: OperatorView = {
  id: 3,
  username: 'rina',
  displayName: 'Rina',
  role: 'finance',
  disabled: false,
  passwordOneTime: false,
  demo: false,
  createdAt: '2026-01-01T00:00:00Z',
};

/** Rina signed in: she approves refunds and resolves them by hand. */
export const RINA_FINANCE = status('active', {
  operator: RINA,
  permissions: ['view_payments', 'approve_refunds', 'resolve_by_hand', 'view_audit'],
});

/** Shows `refund`'s page over a fake back end that answers `handlers` too. */
export function showRefundPage(invoke: Mock, refund: RefundView, handlers: Parameters<typeof fakeBackend>[0] = {}) {
  invoke.mockImplementation(fakeBackend({ refund_page: () => refund, ...handlers }));
  render(RefundPage, { refundId: refund.id, onback: () => {} });
}

/** Makes `invoke` answer `refund_queue` from `byStatus`, in one page (no refunds in the other states). */
export function answerRefundQueue(invoke: Mock, byStatus: Partial<Record<string, RefundView[]>>): void {
  invoke.mockImplementation(
    fakeBackend({
      refund_queue: (args) => {
        const q = (args as { input: RefundQueueQuery }).input;
        return { items: byStatus[q.status] ?? [], next: null };
      },
    }),
  );
}
