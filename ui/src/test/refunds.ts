// A fake refund queue for the refund desk's tests.

import type { Mock } from 'vitest';
import type { RefundQueueQuery, RefundView } from '../lib/ipc/types';
import { fakeBackend } from './fixtures';

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
