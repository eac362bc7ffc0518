import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import RefundQueue from './RefundQueue.svelte';
import PaymentPage from '../payments/PaymentPage.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { wibToday } from '../../lib/payments';
import { app } from '../../lib/session.svelte';
import { refusal } from '../../test/answers';
import { fakeBackend, freshEachTest, inputsSent, status } from '../../test/fixtures';
import { paymentDetail, refundView } from '../../test/payments';
import { answerRefundQueue, RINA_FINANCE, showRefundPage } from '../../test/refunds';
import type { RecordTransferInput, RefundQueueQuery, RefundView, ResolveByHandInput } from '../../lib/ipc/types';

const STAFF = status('active', { permissions: ['view_payments', 'take_payments', 'request_refunds'] });

const awaiting = refundView(30, { mode: 'offline', product: 'doku_jokul_ovo_push', status: 'awaiting_transfer', decidedBy: 'budi' });
const undecided = refundView(31, { status: 'needs_review', idempotencyKey: 'RFRFD-31', decidedBy: 'budi' });

type Answers = Parameters<typeof fakeBackend>[0];

/** Shows `refund`'s page, then opens the dialog behind `button`. */
async function openOnRefundPage(refund: RefundView, button: string, handlers: Answers = {}) {
  showRefundPage(invoke, refund, handlers);
  await fireEvent.click(await screen.findByTestId(button));
}

/** Clicks the dialog's `confirm` (enabled by now) and waits for the refund page to show `status`. */
async function confirmInto(confirm: HTMLButtonElement, status: string) {
  expect(confirm.disabled).toBe(false);
  await fireEvent.click(confirm);
  await waitFor(() => expect(screen.getByTestId('refund-status').getAttribute('data-status')).toBe(status));
}

describe('wibToday', () => {
  it('is the Jakarta calendar date, seven hours ahead of UTC', () => {
    expect(wibToday(new Date('2026-03-04T16:59:59Z'))).toBe('2026-03-04');
    expect(wibToday(new Date('2026-03-04T17:00:00Z'))).toBe('2026-03-05');
  });
});

describe('Recording an offline refund’s transfer', () => {
  freshEachTest(invoke, RINA_FINANCE);

  it('explains the state, records reference, date, evidence path and password, then shows the transfer', async () => {
    showRefundPage(invoke, awaiting, {
      record_offline_transfer: () =>
        refundView(30, {
          ...awaiting,
          status: 'settled_offline',
          providerRef: 'TRF-77',
          transfer: {
            reference: 'TRF-77',
            date: '2026-03-05',
            evidence: `${'ab'.repeat(32)}.pdf`,
            evidenceSha256: 'ab'.repeat(32),
            recordedBy: 'rina',
            recordedAt: '2026-03-05T05:00:00Z',
          },
        }),
      open_refund_evidence: () => null,
    });
    await waitFor(() => expect(screen.getByTestId('refund-status').textContent).toContain('Awaiting transfer'));
    expect(screen.getByTestId('refund-status-note').textContent).toContain('Until then the money has not gone back');
    expect(screen.queryByTestId('refund-resolve')).toBeNull();

    await fireEvent.click(screen.getByTestId('refund-record-transfer'));
    const date = screen.getByTestId('refund-transfer-date') as HTMLInputElement;
    expect(date.value).toBe(wibToday().split('-').reverse().join('/'));
    // Nothing after today (WIB) is offered: the grid opens on today and goes no further.
    await fireEvent.click(screen.getByTestId('refund-transfer-date-calendar'));
    expect(screen.getByTestId('refund-transfer-date-picker').querySelector('[aria-current="date"]')?.getAttribute('data-day')).toBe(wibToday());
    expect((screen.getByTestId('refund-transfer-date-next-month') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(screen.queryByTestId('refund-transfer-date-picker')).toBeNull();
    expect(screen.getByTestId('refund-transfer-dialog')).toBeTruthy();
    const confirm = screen.getByTestId('refund-transfer-confirm') as HTMLButtonElement;
    await fireEvent.input(screen.getByTestId('refund-transfer-password'), { target: { value: 'correct horse' } });
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('refund-transfer-reference'), { target: { value: '  TRF-77 ' } });
    await fireEvent.input(date, { target: { value: '05/03/2026' } });
    await fireEvent.input(screen.getByTestId('refund-transfer-evidence'), { target: { value: ' /home/rina/slip.pdf ' } });
    await confirmInto(confirm, 'settled_offline');
    expect(inputsSent<RecordTransferInput>(invoke, 'record_offline_transfer')).toEqual([
      { refundId: 30, reference: 'TRF-77', date: '2026-03-05', evidencePath: '/home/rina/slip.pdf', password: 'correct horse' },
    ]);
    expect(screen.getByTestId('refund-transfer-ref').textContent).toBe('TRF-77');
    expect(screen.getByTestId('refund-transfer-date-value').textContent).toBe('5 Mar 2026');
    await fireEvent.click(screen.getByTestId('refund-open-evidence'));
    expect(inputsSent(invoke, 'open_refund_evidence')).toEqual([{ refundId: 30 }]);
  });

  it('sends no evidence path when none is given, and says why a date is refused', async () => {
    await openOnRefundPage(awaiting, 'refund-record-transfer', {
      record_offline_transfer: refusal('invalid_input', 'transfer_date_before_approval'),
    });
    await fireEvent.input(screen.getByTestId('refund-transfer-reference'), { target: { value: 'TRF-1' } });
    const password = screen.getByTestId('refund-transfer-password') as HTMLInputElement;
    await fireEvent.input(password, { target: { value: 'correct horse' } });
    await fireEvent.click(screen.getByTestId('refund-transfer-confirm'));
    expect((await screen.findByTestId('refund-transfer-error')).textContent).toContain(
      'The transfer date cannot be before the refund was approved.',
    );
    expect(screen.getByTestId('refund-transfer-date').getAttribute('aria-invalid')).toBe('true');
    expect(password.value).toBe('');
    expect(inputsSent<RecordTransferInput>(invoke, 'record_offline_transfer')[0].evidencePath).toBeNull();
  });

  it('is offered only to finance, in Indonesian too', async () => {
    setCurrentLanguage('id');
    showRefundPage(invoke, awaiting);
    expect((await screen.findByTestId('refund-record-transfer')).textContent).toContain('Catat transfer');
    expect(screen.getByTestId('refund-status').textContent).toContain('Menunggu transfer');
  });

  it('tells the requester that another finance operator records it', async () => {
    showRefundPage(invoke, { ...awaiting, requestedBy: 'rina' });
    expect((await screen.findByTestId('refund-own-note')).textContent).toContain(
      'another finance operator must record its transfer',
    );
  });

  it('is hidden from staff', async () => {
    app.status = STAFF;
    showRefundPage(invoke, awaiting);
    await screen.findByTestId('refund-status');
    expect(screen.queryByTestId('refund-record-transfer')).toBeNull();
  });
});

/** Fills the open resolve-by-hand dialog: the outcome, the provider's reference when given, the note, the password. */
async function fillResolve({ outcome, providerRef, note }: { outcome: string; providerRef?: string; note: string }) {
  await fireEvent.click(screen.getByTestId(`resolve-outcome-${outcome}`));
  if (providerRef !== undefined) {
    await fireEvent.input(screen.getByTestId('resolve-provider-ref'), { target: { value: providerRef } });
  }
  await fireEvent.input(screen.getByTestId('resolve-note'), { target: { value: note } });
  await fireEvent.input(screen.getByTestId('resolve-password'), { target: { value: 'correct horse' } });
}

describe('Resolving by hand', () => {
  freshEachTest(invoke, RINA_FINANCE);

  it('needs the provider’s reference for succeeded, a note always, and the password', async () => {
    showRefundPage(invoke, undecided, {
      resolve_refund_by_hand: () =>
        refundView(31, {
          ...undecided,
          status: 'succeeded',
          providerRef: 'RFD-9',
          resolution: { by: 'rina', at: '2026-03-06T02:00:00Z', note: 'credited per dashboard' },
        }),
    });
    await waitFor(() => expect(screen.getByTestId('refund-status').textContent).toContain('Needs decision'));
    expect(screen.getByTestId('refund-status-note').textContent).toContain('the amount stays reserved');
    await fireEvent.click(screen.getByTestId('refund-resolve'));
    const confirm = screen.getByTestId('resolve-confirm') as HTMLButtonElement;
    await fillResolve({ outcome: 'succeeded', note: ' credited per dashboard ' });
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('resolve-provider-ref'), { target: { value: 'RFD-9' } });
    await confirmInto(confirm, 'succeeded');
    expect(inputsSent<ResolveByHandInput>(invoke, 'resolve_refund_by_hand')).toEqual([
      { id: 31, outcome: 'succeeded', providerRef: 'RFD-9', note: 'credited per dashboard', password: 'correct horse' },
    ]);
    expect(screen.getByTestId('refund-resolved-by').textContent).toContain('rina');
    expect(screen.getByTestId('refund-resolution-note').textContent).toBe('credited per dashboard');
  });

  it('lets failed go without a provider reference, and shows the four-eyes refusal', async () => {
    await openOnRefundPage(undecided, 'refund-resolve', { resolve_refund_by_hand: refusal('forbidden', 'refund_own_resolution') });
    await fillResolve({ outcome: 'failed', note: 'not in the report' });
    await fireEvent.click(screen.getByTestId('resolve-confirm'));
    expect((await screen.findByTestId('resolve-error')).textContent).toContain(
      'You requested this refund; another finance operator must decide it.',
    );
    expect(inputsSent<ResolveByHandInput>(invoke, 'resolve_refund_by_hand')[0]).toMatchObject({ outcome: 'failed', providerRef: '' });
  });

  it('offers a needs_review payment to finance only', async () => {
    const stuck = paymentDetail({ refunds: [], refundable: 0 }, { status: 'needs_review', succeededAt: null });
    invoke.mockImplementation(
      fakeBackend({
        payment_page: () => stuck,
        resolve_payment_by_hand: () =>
          paymentDetail(
            { refunds: [], refundable: 100000, resolution: { by: 'rina', at: '2026-03-06T02:00:00Z', note: 'paid per portal' } },
            { status: 'succeeded', providerRef: 'OVO-1' },
          ),
      }),
    );
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    await fireEvent.click(await screen.findByTestId('payment-resolve'));
    expect(screen.getByTestId('resolve-summary').textContent).toContain('The provider gave no final answer.');
    await fillResolve({ outcome: 'succeeded', providerRef: 'OVO-1', note: 'paid per portal' });
    await fireEvent.click(screen.getByTestId('resolve-confirm'));
    await waitFor(() => expect(screen.getByTestId('payment-resolution-note').textContent).toBe('paid per portal'));
    expect(inputsSent<ResolveByHandInput>(invoke, 'resolve_payment_by_hand')).toEqual([
      { id: 11, outcome: 'succeeded', providerRef: 'OVO-1', note: 'paid per portal', password: 'correct horse' },
    ]);
    expect(screen.queryByTestId('payment-resolve')).toBeNull();
  });

  it('hides resolve by hand on a payment from staff', async () => {
    app.status = STAFF;
    invoke.mockImplementation(
      fakeBackend({ payment_page: () => paymentDetail({ refunds: [] }, { status: 'needs_review', succeededAt: null }) }),
    );
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    await screen.findByTestId('payment-reference');
    expect(screen.queryByTestId('payment-resolve')).toBeNull();
  });
});

describe('RefundQueue tabs for finance’s work', () => {
  freshEachTest(invoke, RINA_FINANCE);

  it('has awaiting transfer and needs decision, each asking for its own state', async () => {
    answerRefundQueue(invoke, { awaiting_transfer: [awaiting], needs_review: [undecided, refundView(29, { status: 'needs_review' })] });
    render(RefundQueue, { onopen: () => {} });
    await screen.findByTestId('refunds-empty');
    expect(screen.getByTestId('refunds-tab-awaiting_transfer').textContent).toContain('Awaiting transfer');
    expect(screen.getByTestId('refunds-tab-needs_review').textContent).toContain('Needs decision');
    await fireEvent.click(screen.getByTestId('refunds-tab-awaiting_transfer'));
    await waitFor(() => expect(screen.getAllByTestId('refund-row')).toHaveLength(1));
    await fireEvent.click(screen.getByTestId('refunds-tab-needs_review'));
    await waitFor(() => expect(screen.getAllByTestId('refund-row')).toHaveLength(2));
    const statuses = inputsSent<RefundQueueQuery>(invoke, 'refund_queue').map((q) => q.status);
    expect(statuses).toEqual(['requested', 'awaiting_transfer', 'needs_review']);
  });
});
