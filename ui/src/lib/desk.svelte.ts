// Which payment or refund page is open, so a link on one section (a refund on a payment page, the payment of
// a refund) can open a page in another.

import { app } from './session.svelte';

export const desk = $state<{ paymentId: number | null; refundId: number | null }>({
  paymentId: null,
  refundId: null,
});

export function openPayment(paymentId: number): void {
  desk.paymentId = paymentId;
  app.section = 'payments';
}

export function openRefund(refundId: number): void {
  desk.refundId = refundId;
  app.section = 'refunds';
}
