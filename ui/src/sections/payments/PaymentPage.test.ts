import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import NewPaymentDialog from './NewPaymentDialog.svelte';
import PaymentPage from './PaymentPage.svelte';
import PushCountdown from './PushCountdown.svelte';
import Payments from '../Payments.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { app } from '../../lib/session.svelte';
import { fakeBackend, freshEachTest, status } from '../../test/fixtures';
import { account, customer } from '../../test/customers';
import { JOKUL_OPTIONS, SNAP_OPTIONS, paymentDetail } from '../../test/payments';
import type { PaymentProductOptions, StartPaymentInput } from '../../lib/ipc/types';

const OPTIONS: PaymentProductOptions[] = [JOKUL_OPTIONS, SNAP_OPTIONS];

describe('PushCountdown', () => {
  afterEach(() => vi.useRealTimers());

  it('counts down from pushDeadline by the clock', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-03-05T03:00:00Z'));
    setCurrentLanguage('en');
    render(PushCountdown, { deadline: '2026-03-05T03:01:10Z', startedAt: '2026-03-05T03:00:00Z' });
    const countdown = screen.getByTestId('push-countdown');
    expect(countdown.getAttribute('data-seconds')).toBe('70');
    expect(countdown.textContent).toContain('70 s left');
    expect(screen.getByTestId('push-progress').getAttribute('data-percent')).toBe('100');

    vi.advanceTimersByTime(35_000);
    await tick();
    expect(countdown.getAttribute('data-seconds')).toBe('35');
    expect(screen.getByTestId('push-progress').getAttribute('aria-valuenow')).toBe('35');
    expect(screen.getByTestId('push-progress').getAttribute('data-percent')).toBe('50');

    vi.advanceTimersByTime(40_000);
    await tick();
    expect(countdown.getAttribute('data-seconds')).toBe('0');
    expect(countdown.textContent).toContain('hold has ended');
  });
});

describe('PaymentPage', () => {
  freshEachTest(invoke);

  it('shows the summary, split, timeline oldest first and refunds', async () => {
    invoke.mockImplementation(fakeBackend({ payment_page: () => paymentDetail() }));
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    await screen.findByTestId('payment-reference');
    expect(screen.getByTestId('payment-status').getAttribute('data-status')).toBe('succeeded');
    expect(screen.getByTestId('payment-split').textContent).toContain('IDR\u00a0100,000 OVO Cash and IDR\u00a025,000 OVO Points');
    const events = screen.getAllByTestId('timeline-event').map((e) => e.getAttribute('data-kind'));
    expect(events).toEqual(['payment_created', 'payment_succeeded']);
    expect(screen.getByTestId('payment-refund').textContent).toContain('RFD-21');
    expect(screen.getByTestId('refund-request')).toBeTruthy();
  });

  it('hides "Request refund" without request_refunds', async () => {
    app.status = status('active', { permissions: ['view_payments', 'approve_refunds'] });
    invoke.mockImplementation(fakeBackend({ payment_page: () => paymentDetail() }));
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    await screen.findByTestId('payment-reference');
    expect(screen.queryByTestId('refund-request')).toBeNull();
    expect(screen.getByTestId('payment-refresh')).toBeTruthy();
  });

  it('refreshes the status from the provider and says when the outcome is unknown', async () => {
    invoke.mockImplementation(
      fakeBackend({
        payment_page: () => paymentDetail({ cashAmount: null, pointsAmount: null }, { status: 'failed' }),
        refresh_payment: () => paymentDetail({}, { status: 'unknown' }),
      }),
    );
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    expect((await screen.findByTestId('payment-outcome')).textContent).toContain('did not go through');
    await fireEvent.click(screen.getByTestId('payment-refresh'));
    await waitFor(() =>
      expect(screen.getByTestId('payment-outcome').textContent).toContain(
        'Outcome unknown — being checked with the provider.',
      ),
    );
    expect(invoke).toHaveBeenCalledWith('refresh_payment', { input: { paymentId: 11 } });
  });
  it("explains a failed payment's provider problem in plain words with the code on a details line", async () => {
    invoke.mockImplementation(
      fakeBackend({
        payment_page: () =>
          paymentDetail(
            {
              cashAmount: null,
              pointsAmount: null,
              problem: { kind: 'declined', providerCode: '4035414', detail: 'OVO SNAP declined: 4035414 Insufficient Funds', at: '2026-03-05T03:00:05Z' },
            },
            { status: 'failed' },
          ),
      }),
    );
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    const note = await screen.findByTestId('payment-problem');
    expect(note.getAttribute('data-kind')).toBe('declined');
    expect(note.textContent).toContain('4035414');
  });
});

describe('PaymentPage: operations the provider specs name', () => {
  freshEachTest(invoke);

  const failedTazapay = () =>
    paymentDetail({
      payment: { ...paymentDetail().payment, product: 'tazapay_ovo_idr', productName: 'Tazapay OVO', kind: 'payin', status: 'failed' },
      canRequestAgain: true,
      refunds: [],
      refundable: 0,
      problem: { kind: 'declined', providerCode: 'payment_attempt.failed', detail: 'expired', at: '2026-03-05T03:02:00Z' },
    });

  it('sends a failed Tazapay payment request again on the same payment', async () => {
    const again = paymentDetail({
      payment: { ...failedTazapay().payment, status: 'pending' },
      canRequestAgain: false,
      attempt: 2,
      refunds: [],
      refundable: 0,
      giveUpAt: '2026-03-10T03:03:00Z',
    });
    invoke.mockImplementation(
      fakeBackend({ payment_page: () => failedTazapay(), request_payment_again: () => again }),
    );
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    const button = await screen.findByTestId('payment-request-again');
    expect(button.textContent).toContain('Send the payment request again');
    await fireEvent.click(button);
    expect(invoke).toHaveBeenCalledWith('request_payment_again', { input: { paymentId: 11 } });
    await waitFor(() => expect(screen.getByTestId('payment-status').getAttribute('data-status')).toBe('pending'));
    expect(screen.queryByTestId('payment-request-again')).toBeNull();
    expect(screen.getByTestId('payment-attempt').textContent).toContain('Attempt 2');
    expect(screen.getByTestId('payment-give-up').textContent).toContain('until');
  });

  it('cancels an open payment after a confirmation', async () => {
    const pending = paymentDetail({ canCancel: true }, { status: 'pending' });
    const cancelled = paymentDetail({ canCancel: false }, { status: 'cancelled' });
    invoke.mockImplementation(fakeBackend({ payment_page: () => pending, cancel_payment: () => cancelled }));
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    const button = await screen.findByTestId('payment-cancel');
    expect(button.textContent).toContain('Cancel payment');
    await fireEvent.click(button);
    expect(invoke).not.toHaveBeenCalledWith('cancel_payment', expect.anything());
    await fireEvent.click(await screen.findByTestId('payment-cancel-confirm'));
    expect(invoke).toHaveBeenCalledWith('cancel_payment', { input: { paymentId: 11 } });
    await waitFor(() => expect(screen.getByTestId('payment-status').getAttribute('data-status')).toBe('cancelled'));
    expect(screen.queryByTestId('payment-cancel')).toBeNull();
  });

  it('offers no cancel when the product cannot', async () => {
    invoke.mockImplementation(fakeBackend({ payment_page: () => paymentDetail({ canCancel: false }, { status: 'pending' }) }));
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    await screen.findByTestId('payment-reference');
    expect(screen.queryByTestId('payment-cancel')).toBeNull();
  });

  it('offers no request again without take_payments or when the product cannot', async () => {
    app.status = status('active', { permissions: ['view_payments'] });
    invoke.mockImplementation(fakeBackend({ payment_page: () => failedTazapay() }));
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    await screen.findByTestId('payment-reference');
    expect(screen.queryByTestId('payment-request-again')).toBeNull();
  });

  it('offers the provider page when Faspay asks for a re-link, in both languages', async () => {
    invoke.mockImplementation(
      fakeBackend({
        payment_page: () =>
          paymentDetail({
            payment: { ...paymentDetail().payment, product: 'faspay_ovo_tokenize', status: 'failed' },
            relinkUrl: 'https://sandbox.example/faspay/relink/2',
            refunds: [],
            refundable: 0,
          }),
        open_external: () => null,
      }),
    );
    render(PaymentPage, { paymentId: 11, onback: () => {} });
    const box = await screen.findByTestId('payment-relink');
    expect(box.textContent).toContain('Nothing was charged');
    await fireEvent.click(screen.getByTestId('payment-open-relink'));
    expect(invoke).toHaveBeenCalledWith('open_external', { input: { product: 'faspay_ovo_tokenize', url: 'https://sandbox.example/faspay/relink/2' } });
    setCurrentLanguage('id');
    await waitFor(() => expect(screen.getByTestId('payment-relink').textContent).toContain('Tidak ada yang ditagih'));
  });
});

describe('New payment', () => {
  freshEachTest(invoke);
  afterEach(() => vi.useRealTimers());

  it('is offered only with take_payments', async () => {
    invoke.mockImplementation(fakeBackend({ payments_page: () => ({ items: [], next: null }) }));
    app.status = status('active', { permissions: ['view_payments', 'request_refunds'] });
    const { unmount } = render(Payments);
    await screen.findByTestId('payments-empty');
    expect(screen.queryByTestId('new-payment')).toBeNull();
    unmount();
    app.status = status('active');
    render(Payments);
    expect(await screen.findByTestId('new-payment')).toBeTruthy();
  });

  it('starts a push payment and follows it with a countdown until it succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date('2026-03-05T03:00:00Z'));
    const pending = paymentDetail(
      { pushDeadline: '2026-03-05T03:01:10Z', cashAmount: null, pointsAmount: null, refunds: [], refundable: 0 },
      { status: 'pending', kind: 'push', product: 'doku_jokul_ovo_push', productName: 'DOKU Jokul OVO Push' },
    );
    let polls = 0;
    invoke.mockImplementation(
      fakeBackend({
        payment_options: () => OPTIONS,
        start_payment: () => pending,
        payment_page: () => {
          polls++;
          return polls < 3 ? pending : { ...pending, payment: { ...pending.payment, status: 'succeeded' }, cashAmount: 125000, pointsAmount: 0 };
        },
      }),
    );
    render(NewPaymentDialog, { customer: customer(), accounts: [], onclose: () => {} });
    await vi.waitFor(() => expect(screen.getByTestId('payment-product').querySelectorAll('option')).toHaveLength(2));
    expect(screen.queryByTestId('payment-source')).toBeNull(); // push offers no source
    await fireEvent.input(screen.getByTestId('payment-amount'), { target: { value: '125.000' } });
    await fireEvent.input(screen.getByTestId('payment-phone'), { target: { value: '0812 3456 7890' } });
    await fireEvent.click(screen.getByTestId('payment-start'));
    await vi.waitFor(() => expect(screen.getByTestId('push-countdown')).toBeTruthy());
    const start = invoke.mock.calls.find(([cmd]) => cmd === 'start_payment')!;
    expect((start[1] as { input: StartPaymentInput }).input).toEqual({
      customerId: 7,
      product: 'doku_jokul_ovo_push',
      kind: 'push',
      amount: '125.000',
      phone: '0812 3456 7890',
      accountId: null,
      source: '',
      description: '',
    });
    expect(screen.getByTestId('push-countdown').getAttribute('data-seconds')).toBe('70');

    await vi.advanceTimersByTimeAsync(2000);
    expect(polls).toBe(1);
    expect(screen.getByTestId('push-countdown').getAttribute('data-seconds')).toBe('68');
    await vi.advanceTimersByTimeAsync(4000);
    await vi.waitFor(() => expect(screen.getByTestId('payment-status').getAttribute('data-status')).toBe('succeeded'));
    expect(screen.queryByTestId('push-countdown')).toBeNull();
    expect(screen.getByTestId('payment-outcome').textContent).toContain('Payment of IDR\u00a0125,000 succeeded.');
    // Final: no more polling.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(polls).toBe(3);
  });

  it('pays from a linked account of the chosen product with a source', async () => {
    invoke.mockImplementation(
      fakeBackend({
        payment_options: () => OPTIONS,
        start_payment: () => paymentDetail(),
      }),
    );
    render(NewPaymentDialog, {
      customer: customer(),
      accounts: [account(5, 'active', 'ovo_snap'), account(4, 'unlinked', 'ovo_snap')],
      onclose: () => {},
    });
    const product = await screen.findByTestId('payment-product');
    await waitFor(() => expect(product.querySelectorAll('option')).toHaveLength(2));
    await fireEvent.change(product, { target: { value: 'ovo_snap' } });
    const accountSelect = await screen.findByTestId('payment-account');
    expect(within(accountSelect).getAllByRole('option')).toHaveLength(1); // only the active one
    expect(screen.queryByTestId('payment-phone')).toBeNull();
    await fireEvent.change(screen.getByTestId('payment-source'), { target: { value: 'points_first' } });
    await fireEvent.input(screen.getByTestId('payment-amount'), { target: { value: 'Rp 50.000' } });
    await fireEvent.click(screen.getByTestId('payment-start'));
    await screen.findByTestId('payment-live');
    const start = invoke.mock.calls.find(([cmd]) => cmd === 'start_payment')!;
    expect((start[1] as { input: StartPaymentInput }).input).toMatchObject({
      product: 'ovo_snap',
      kind: 'direct_debit',
      accountId: 5,
      phone: '',
      source: 'points_first',
      amount: 'Rp 50.000',
    });
  });
});
