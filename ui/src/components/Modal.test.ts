import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Customers from '../sections/Customers.svelte';
import RefundPage from '../sections/refunds/RefundPage.svelte';
import { tabStops } from '../lib/focusTrap';
import { ledgerFeed } from '../lib/liveChanges.svelte';
import { signedIn, worldHandlers } from '../test/a11y';
import { fakeBackend, freshEachTest } from '../test/fixtures';
import { refundView } from '../test/payments';

afterEach(() => ledgerFeed.stop());

describe('Modal keeps the focus inside', { timeout: 15_000 }, () => {
  freshEachTest(invoke, signedIn('staff'));

  async function openCustomerForm() {
    invoke.mockImplementation(fakeBackend(worldHandlers(signedIn('staff'))));
    const user = userEvent.setup();
    render(Customers);
    const opener = screen.getByTestId('customers-new');
    opener.focus();
    await user.keyboard('{Enter}');
    const dialog = await screen.findByTestId('customer-form-dialog');
    return { user, opener, dialog, stops: tabStops(dialog) };
  }

  it('Tab from the last control goes to the first, Shift+Tab from the first to the last', async () => {
    const { user, dialog, stops } = await openCustomerForm();
    expect(stops.length).toBeGreaterThan(2);
    expect(dialog.contains(document.activeElement)).toBe(true);

    stops[stops.length - 1].focus();
    await user.tab();
    expect(document.activeElement).toBe(stops[0]);
    await user.tab({ shift: true });
    expect(document.activeElement).toBe(stops[stops.length - 1]);
  });

  it('never lets Tab or Shift+Tab leave the dialog', async () => {
    const { user, dialog, stops } = await openCustomerForm();
    for (let i = 0; i < stops.length + 2; i++) {
      await user.tab();
      expect(dialog.contains(document.activeElement)).toBe(true);
    }
    for (let i = 0; i < stops.length + 2; i++) {
      await user.tab({ shift: true });
      expect(dialog.contains(document.activeElement)).toBe(true);
    }
  });

  it('Tab from the dialog itself goes to its first control', async () => {
    const { user, dialog, stops } = await openCustomerForm();
    dialog.focus();
    await user.tab();
    expect(document.activeElement).toBe(stops[0]);
  });

  it('closes on Escape and gives the focus back to its opener', async () => {
    const { user, opener } = await openCustomerForm();
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('customer-form-dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});

describe('A date picker inside a dialog', { timeout: 15_000 }, () => {
  freshEachTest(invoke, signedIn('finance'));

  it('keeps Tab in its grid, and Escape closes the grid first, then the dialog', async () => {
    invoke.mockImplementation(
      fakeBackend({
        ...worldHandlers(signedIn('finance')),
        refund_page: () => refundView(5, { status: 'awaiting_transfer', mode: 'manual' }),
      }),
    );
    const user = userEvent.setup();
    render(RefundPage, { refundId: 5, onback: () => {} });
    const opener = await screen.findByTestId('refund-record-transfer');
    opener.focus();
    await user.keyboard('{Enter}');
    const dialog = await screen.findByTestId('refund-transfer-dialog');

    const calendar = within(dialog).getByTestId('refund-transfer-date-calendar');
    calendar.focus();
    await user.keyboard('{Enter}');
    const picker = await within(dialog).findByTestId('refund-transfer-date-picker');
    expect(picker.contains(document.activeElement)).toBe(true);
    for (let i = 0; i < 4; i++) {
      await user.tab();
      expect(picker.contains(document.activeElement)).toBe(true);
    }
    await user.tab({ shift: true });
    expect(picker.contains(document.activeElement)).toBe(true);

    await user.keyboard('{Escape}');
    expect(within(dialog).queryByTestId('refund-transfer-date-picker')).toBeNull();
    expect(document.activeElement).toBe(calendar);
    expect(screen.getByTestId('refund-transfer-dialog')).toBe(dialog);

    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('refund-transfer-dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});
