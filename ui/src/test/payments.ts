// Payments and refunds desk test data.

import type { PaymentDetailView, PaymentProductOptions, PaymentRowView, RefundPreview, RefundView } from '../lib/ipc/types';

export function paymentRow(id: number, overrides: Partial<PaymentRowView> = {}): PaymentRowView {
  return {
    id,
    reference: `PAY-${String(id).padStart(6, '0')}`,
    product: 'ovo_snap',
    productName: 'OVO SNAP',
    kind: 'direct_debit',
    amount: 125000,
    status: 'succeeded',
    customerId: 7,
    customerName: 'Budi Santoso',
    providerRef: `P-${id}`,
    // Newest first: a higher id is a later payment.
    createdAt: new Date(Date.UTC(2026, 2, 5, 3, 0, 0) - (200000 - id) * 60000).toISOString(),
    succeededAt: '2026-03-05T03:00:05Z',
    problem: null,
    ...overrides,
  };
}

export function refundView(id: number, overrides: Partial<RefundView> = {}): RefundView {
  return {
    id,
    reference: `RFD-${id}`,
    paymentId: 11,
    paymentReference: 'PAY-000011',
    product: 'ovo_snap',
    amount: 25000,
    mode: 'api',
    status: 'requested',
    reason: 'Item out of stock',
    requestedBy: 'siti',
    requestedAt: '2026-03-04T04:00:00Z',
    decidedBy: null,
    decidedAt: null,
    decisionNote: null,
    idempotencyKey: null,
    providerRef: null,
    submittedAt: null,
    completedAt: null,
    transfer: null,
    resolution: null,
    problem: null,
    timeline: [],
    ...overrides,
  };
}

export function paymentDetail(overrides: Partial<PaymentDetailView> = {}, row: Partial<PaymentRowView> = {}): PaymentDetailView {
  return {
    payment: paymentRow(11, row),
    phoneDisplay: '0812-3456-7890',
    accountId: 1,
    cashAmount: 100000,
    pointsAmount: 25000,
    redirectUrl: null,
    pushDeadline: null,
    providerStatus: '2005400',
    problem: null,
    timeline: [
      { at: '2026-03-05T03:00:00Z', kind: 'payment_created', actor: null, detail: '' },
      { at: '2026-03-05T03:00:05Z', kind: 'payment_succeeded', actor: null, detail: '{"responseCode":"2005400"}' },
    ],
    refunds: [refundView(21)],
    refundable: 100000,
    canRequestAgain: false,
    canCancel: false,
    attempt: 1,
    relinkUrl: null,
    giveUpAt: null,
    resolution: null,
    ...overrides,
  };
}

export function refundPreview(overrides: Partial<RefundPreview> = {}): RefundPreview {
  return {
    paymentId: 11,
    paymentReference: 'PAY-000011',
    product: 'ovo_snap',
    paid: 125000,
    refundable: 100000,
    requested: 100000,
    mode: 'api',
    partialAllowed: true,
    deadline: '2026-05-04',
    rule: {
      en: 'OVO SNAP: partial allowed until 04 May 2026 (D+60)',
      id: 'OVO SNAP: sebagian boleh sampai 04 Mei 2026 (D+60)',
    },
    allowed: true,
    refusal: null,
    reason: null,
    ...overrides,
  };
}

/** The payment options of DOKU Jokul OVO push: a push to the customer's phone, nothing linked. */
export const JOKUL_OPTIONS: PaymentProductOptions = {
  product: 'doku_jokul_ovo_push',
  productName: 'DOKU Jokul OVO Push',
  kinds: ['push'],
  kindsOnLinkedAccount: [],
  sources: [],
  testPhone: null,
  needsEmail: false,
};

/** The payment options of OVO SNAP: a direct debit from a linked account, by cash, points or both. */
export const SNAP_OPTIONS: PaymentProductOptions = {
  product: 'ovo_snap',
  productName: 'OVO SNAP',
  kinds: ['direct_debit'],
  kindsOnLinkedAccount: ['direct_debit'],
  sources: ['cash', 'points', 'points_first'],
  testPhone: null,
  needsEmail: false,
};
