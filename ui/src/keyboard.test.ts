// Whole flows by keyboard alone: Tab, Shift+Tab, Enter, Space and arrow keys, never a click.

import { render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import App from './App.svelte';
import { app } from './lib/session.svelte';
import type { DecideRefundInput, RequestRefundInput } from './lib/ipc/types';
import { freshAppEachTest, signedIn, worldHandlers, type Role } from './test/a11y';
import { fakeBackend, inputsSent } from './test/fixtures';
import { keyboardUser, tabTo } from './test/keyboard';

function boot(role: Role) {
  invoke.mockImplementation(fakeBackend(worldHandlers(signedIn(role))));
  render(App);
  return keyboardUser();
}

freshAppEachTest(invoke);

describe('by keyboard alone', () => {
  it('staff finds a customer, opens a payment and requests a partial refund', { timeout: 30_000 }, async () => {
    const user = boot('staff');
    const search = await screen.findByTestId('customer-search');
    await tabTo(user, search);
    await user.keyboard('budi');
    const hit = await screen.findByTestId('search-hit');
    await tabTo(user, hit);
    await user.keyboard('{Enter}');

    const page = await screen.findByTestId('customer-page');
    const timeline = await within(page).findAllByTestId('customer-timeline-entry');
    const payment = timeline.find((entry) => entry.dataset.kind === 'payment')!;
    await tabTo(user, within(payment).getByRole('button', { name: 'PAY-000011' }));
    await user.keyboard('{Enter}');

    const request = await screen.findByTestId('refund-request');
    expect(screen.getByTestId('nav-payments').getAttribute('aria-current')).toBe('page');
    await tabTo(user, request);
    await user.keyboard('{Enter}');
    const dialog = await screen.findByTestId('refund-request-dialog');
    const amount = (await within(dialog).findByTestId('refund-amount')) as HTMLInputElement;
    await waitFor(() => expect(amount.value).toBe('100000'));
    await tabTo(user, amount);
    await user.keyboard('{Backspace>6/}40000');
    await user.tab();
    expect(document.activeElement).toBe(within(dialog).getByTestId('refund-reason'));
    await user.keyboard('Item damaged');
    const submit = within(dialog).getByTestId('refund-submit');
    await tabTo(user, submit);
    await user.keyboard('{Enter}');

    await waitFor(() => expect(screen.queryByTestId('refund-request-dialog')).toBeNull());
    expect(inputsSent<RequestRefundInput>(invoke, 'request_refund')).toEqual([
      { paymentId: 11, amount: '40000', reason: 'Item damaged' },
    ]);
    expect(document.activeElement).toBe(request);
  });

  it('a refund row on a customer page opens that refund’s page', { timeout: 30_000 }, async () => {
    const user = boot('staff');
    await tabTo(user, await screen.findByTestId('customer-search'));
    await user.keyboard('budi');
    await tabTo(user, await screen.findByTestId('search-hit'));
    await user.keyboard('{Enter}');

    const row = await screen.findByTestId('customer-refund');
    await tabTo(user, within(row).getByRole('button', { name: 'RFD-0021' }));
    await user.keyboard('{Enter}');
    await screen.findByTestId('refund-page');
    expect(screen.getByTestId('nav-refunds').getAttribute('aria-current')).toBe('page');
    expect(inputsSent(invoke, 'refund_page')).toEqual([{ refundId: 21 }]);
  });

  it('finance opens the approval queue from the navigation and approves a refund', { timeout: 30_000 }, async () => {
    const user = boot('finance');
    await screen.findByTestId('dashboard-refund-rate-amount');
    await tabTo(user, screen.getByTestId('nav-refunds'));
    await user.keyboard('{Enter}');

    const row = await screen.findByTestId('refund-row');
    await tabTo(user, within(row).getByRole('button'));
    await user.keyboard('{Enter}');
    const approve = await screen.findByTestId('refund-approve');
    await tabTo(user, approve);
    await user.keyboard(' ');

    const dialog = await screen.findByTestId('refund-decide-dialog');
    await tabTo(user, within(dialog).getByTestId('refund-note'));
    await user.keyboard('Checked with the customer');
    await tabTo(user, within(dialog).getByTestId('refund-password'));
    await user.keyboard('correct horse battery');
    await tabTo(user, within(dialog).getByTestId('refund-decide-confirm'));
    await user.keyboard('{Enter}');

    await waitFor(() => expect(screen.queryByTestId('refund-decide-dialog')).toBeNull());
    expect(inputsSent<DecideRefundInput>(invoke, 'decide_refund')).toEqual([
      { refundId: 5, approve: true, note: 'Checked with the customer', password: 'correct horse battery' },
    ]);
  });

  it('a page opened from a list takes the focus, and Back gives it to the row that opened it', async () => {
    app.section = 'payments';
    const user = boot('staff');
    const row = (await screen.findAllByTestId('payment-row'))[0];
    await tabTo(user, row);
    await user.keyboard('{Enter}');
    const back = await screen.findByTestId('payment-back');
    expect(document.activeElement).toBe(back);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(document.activeElement).toBe(row));
  });

  it('moves between the refund queue’s tabs with the arrow keys', async () => {
    app.section = 'refunds';
    const user = boot('finance');
    const requested = await screen.findByTestId('refunds-tab-requested');
    await tabTo(user, requested);
    await user.keyboard('{ArrowRight}');
    const next = screen.getAllByRole('tab')[1];
    expect(document.activeElement).toBe(next);
    expect(next.getAttribute('aria-selected')).toBe('true');
    await user.keyboard('{ArrowLeft}');
    expect(document.activeElement).toBe(requested);
    expect(requested.getAttribute('aria-selected')).toBe('true');
  });
});
