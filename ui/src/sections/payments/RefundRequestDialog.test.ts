import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import RefundRequestDialog from './RefundRequestDialog.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { fakeBackend, freshEachTest, inputsSent } from '../../test/fixtures';
import { refundPreview, refundView } from '../../test/payments';
import type { RefundPreviewInput, RequestRefundInput } from '../../lib/ipc/types';

const OVER = {
  en: 'IDR 150,000 is more than the IDR 100,000 still refundable',
  id: 'Rp 150.000 melebihi Rp 100.000 yang masih dapat dikembalikan',
};

function preview(args: Record<string, unknown> | undefined) {
  const input = (args as { input: RefundPreviewInput }).input;
  if (input.amount === '' || input.amount === '100000') return refundPreview();
  if (input.amount === '40000') return refundPreview({ requested: 40000 });
  return refundPreview({ requested: 150000, allowed: false, refusal: OVER, reason: 'refund_exceeds_refundable' });
}

const previews = () => inputsSent<RefundPreviewInput>(invoke, 'preview_refund').map((p) => p.amount);

describe('RefundRequestDialog', () => {
  freshEachTest(invoke);

  it('shows the rule, prefills the refundable amount and follows the typed amount', async () => {
    invoke.mockImplementation(fakeBackend({ preview_refund: preview }));
    render(RefundRequestDialog, { paymentId: 11, onclose: () => {}, ondone: () => {} });

    expect((await screen.findByTestId('refund-rule')).textContent).toBe(
      'OVO SNAP: partial allowed until 04 May 2026 (D+60)',
    );
    expect(screen.getByTestId('refund-refundable').textContent).toBe('IDR\u00a0100,000');
    const amount = screen.getByTestId('refund-amount') as HTMLInputElement;
    await waitFor(() => expect(amount.value).toBe('100000'));
    expect(previews()[0]).toBe('');

    await fireEvent.input(amount, { target: { value: '150000' } });
    const refusal = await screen.findByTestId('refund-refusal');
    expect(refusal.textContent).toContain('IDR 150,000 is more than the IDR 100,000 still refundable');
    expect((screen.getByTestId('refund-submit') as HTMLButtonElement).disabled).toBe(true);

    // Debounced: fast typing asks once, for the last value.
    await fireEvent.input(amount, { target: { value: '4' } });
    await fireEvent.input(amount, { target: { value: '40' } });
    await fireEvent.input(amount, { target: { value: '40000' } });
    expect((await screen.findByTestId('refund-allowed')).textContent).toBe('A refund of IDR\u00a040,000 is allowed.');
    expect(screen.queryByTestId('refund-refusal')).toBeNull();
    expect(previews().filter((a) => a === '4' || a === '40')).toEqual([]);

    // The same refusal in Indonesian after a language switch.
    await fireEvent.input(amount, { target: { value: '150000' } });
    await screen.findByTestId('refund-refusal');
    setCurrentLanguage('id');
    await waitFor(() =>
      expect(screen.getByTestId('refund-refusal').textContent).toContain('melebihi Rp 100.000'),
    );
    expect(screen.getByTestId('refund-rule').textContent).toContain('sebagian boleh');
  });

  it('requests the refund with the amount and the reason', async () => {
    const ondone = vi.fn();
    invoke.mockImplementation(
      fakeBackend({ preview_refund: preview, request_refund: () => refundView(30, { amount: 40000 }) }),
    );
    render(RefundRequestDialog, { paymentId: 11, onclose: () => {}, ondone });
    const amount = (await screen.findByTestId('refund-amount')) as HTMLInputElement;
    await waitFor(() => expect(amount.value).toBe('100000'));
    await fireEvent.input(amount, { target: { value: '40000' } });
    await screen.findByTestId('refund-allowed');
    const submit = screen.getByTestId('refund-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true); // no reason yet
    await fireEvent.input(screen.getByTestId('refund-reason'), { target: { value: 'Damaged item' } });
    await fireEvent.click(submit);
    await waitFor(() => expect(ondone).toHaveBeenCalled());
    const call = invoke.mock.calls.find(([cmd]) => cmd === 'request_refund')!;
    expect((call[1] as { input: RequestRefundInput }).input).toEqual({
      paymentId: 11,
      amount: '40000',
      reason: 'Damaged item',
    });
  });

  it('shows a refusal of the request itself in plain words', async () => {
    let refusedNow = false;
    invoke.mockImplementation(
      fakeBackend({
        preview_refund: (args) =>
          refusedNow
            ? refundPreview({
                allowed: false,
                refusal: { en: 'the daily refund limit of IDR 1,000,000 is used up', id: 'batas harian habis' },
                reason: 'refund_daily_limit_exceeded',
              })
            : preview(args),
        request_refund: () => {
          refusedNow = true;
          throw {
            code: 'conflict',
            message: 'the daily refund limit of IDR 1,000,000 is used up (OVO SNAP: …)',
            reason: 'refund_daily_limit_exceeded',
          };
        },
      }),
    );
    render(RefundRequestDialog, { paymentId: 11, onclose: () => {}, ondone: () => {} });
    const amount = (await screen.findByTestId('refund-amount')) as HTMLInputElement;
    await waitFor(() => expect(amount.value).toBe('100000'));
    await screen.findByTestId('refund-allowed');
    await fireEvent.input(screen.getByTestId('refund-reason'), { target: { value: 'Late delivery' } });
    await fireEvent.click(screen.getByTestId('refund-submit'));
    expect((await screen.findByTestId('refund-refusal')).textContent).toContain(
      'the daily refund limit of IDR 1,000,000 is used up',
    );
  });
});
