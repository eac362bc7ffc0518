// Checking something again and again while a page shows it: each check waits for the last one to finish.

import { api } from './ipc/client';
import type { PaymentDetailView } from './ipc/types';
import { PAYMENT_POLL_MS } from './payments';

/**
 * Runs `check` every `intervalMs` after the previous run ends, until the returned function is called;
 * `check` can ask whether it was stopped meanwhile (then its answer is stale).
 */
export function pollEvery(intervalMs: number, check: (stopped: () => boolean) => Promise<void>): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout>;
  const tick = async () => {
    await check(() => stopped);
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Reads payment `paymentId` every PAYMENT_POLL_MS until the returned function is called: `onfresh` gets each
 * view read before the stop, `onchecked` whether the latest read failed.
 */
export function followPayment(
  paymentId: number,
  onfresh: (fresh: PaymentDetailView) => void,
  onchecked: (failed: boolean) => void,
): () => void {
  return pollEvery(PAYMENT_POLL_MS, async (stopped) => {
    try {
      const fresh = await api.paymentPage({ paymentId });
      if (!stopped()) onfresh(fresh);
      onchecked(false);
    } catch {
      onchecked(true);
    }
  });
}
