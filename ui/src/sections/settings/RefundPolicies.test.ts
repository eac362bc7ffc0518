import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Notifications from './Notifications.svelte';
import RefundPolicies from './RefundPolicies.svelte';
import { refusal } from '../../test/answers';
import { fakeBackend, freshEachTest } from '../../test/fixtures';
import { SNAP_POLICY } from '../../test/settings';
import type { RefundPolicyView, SetRefundPolicyInput } from '../../lib/ipc/types';

const TAZAPAY: RefundPolicyView = {
  product: 'tazapay_ovo_idr',
  productName: 'Tazapay OVO',
  mode: 'api',
  partialAllowed: false,
  windowDays: null,
  dailyLimit: 5000000,
  overridden: true,
  rule: { en: 'Tazapay OVO: full refund only', id: 'Tazapay OVO: hanya pengembalian penuh' },
};

describe('RefundPolicies', () => {
  freshEachTest(invoke);

  it('lists each product with its rule, and edits and resets', async () => {
    invoke.mockImplementation(
      fakeBackend({
        list_refund_policies: () => [SNAP_POLICY, TAZAPAY],
        set_refund_policy: (args) => {
          const input = (args as { input: SetRefundPolicyInput }).input;
          return { ...SNAP_POLICY, partialAllowed: input.partialAllowed, windowDays: 30, dailyLimit: 1000000, overridden: true };
        },
        reset_refund_policy: () => ({ ...TAZAPAY, overridden: false, dailyLimit: null }),
      }),
    );
    render(RefundPolicies);
    const snap = await screen.findByTestId('policy-row-ovo_snap');
    expect(within(snap).getByTestId('policy-window-value').textContent?.trim()).toBe('D+60');
    expect(within(snap).getByTestId('policy-rule').textContent).toBe('OVO SNAP: partial allowed (D+60)');
    expect(within(snap).queryByTestId('policy-overridden')).toBeNull();
    const taza = screen.getByTestId('policy-row-tazapay_ovo_idr');
    expect(within(taza).getByTestId('policy-overridden')).toBeTruthy();
    expect(within(taza).getByTestId('policy-limit-value').textContent?.trim()).toBe('IDR\u00a05,000,000');

    await fireEvent.click(screen.getByTestId('policy-edit-ovo_snap'));
    await fireEvent.click(screen.getByTestId('policy-partial'));
    await fireEvent.input(screen.getByTestId('policy-window'), { target: { value: 'D+30' } });
    await fireEvent.input(screen.getByTestId('policy-limit'), { target: { value: '1.000.000' } });
    await fireEvent.click(screen.getByTestId('policy-save'));
    await waitFor(() => expect(screen.queryByTestId('policy-edit-dialog')).toBeNull());
    expect(invoke).toHaveBeenCalledWith('set_refund_policy', {
      input: { product: 'ovo_snap', partialAllowed: false, windowDays: 'D+30', dailyLimit: '1.000.000' },
    });
    expect(within(screen.getByTestId('policy-row-ovo_snap')).getByTestId('policy-overridden')).toBeTruthy();

    await fireEvent.click(screen.getByTestId('policy-reset-tazapay_ovo_idr'));
    await fireEvent.click(screen.getByTestId('policy-reset-confirm'));
    await waitFor(() =>
      expect(screen.getByTestId('policy-row-tazapay_ovo_idr').getAttribute('data-overridden')).toBe('false'),
    );
    expect(invoke).toHaveBeenCalledWith('reset_refund_policy', { input: { product: 'tazapay_ovo_idr' } });
  });

  it('explains an invalid window in plain words', async () => {
    invoke.mockImplementation(
      fakeBackend({
        list_refund_policies: () => [SNAP_POLICY],
        set_refund_policy: refusal('invalid_input', 'refund_policy_window_too_long', 'bad window'),
      }),
    );
    render(RefundPolicies);
    await fireEvent.click(await screen.findByTestId('policy-edit-ovo_snap'));
    await fireEvent.input(screen.getByTestId('policy-window'), { target: { value: '9999' } });
    await fireEvent.click(screen.getByTestId('policy-save'));
    expect((await screen.findByTestId('policy-save-error')).textContent).toContain('at most 3650 days');
  });
});

describe('Notifications', () => {
  freshEachTest(invoke);

  it('shows the listener state and URLs, and saves the toggle and address', async () => {
    const settings = {
      enabled: false,
      address: '127.0.0.1:7701',
      running: false,
      runningAtDesk: null,
      urls: [{ product: 'ovo_snap', url: 'http://127.0.0.1:7701/notify/ovo_snap' }],
      problem: null,
    };
    invoke.mockImplementation(
      fakeBackend({
        listener_settings: () => settings,
        set_listener: () => ({ ...settings, enabled: true, running: true, address: '0.0.0.0:7800' }),
      }),
    );
    render(Notifications);
    expect((await screen.findByTestId('listener-url-ovo_snap')).textContent).toContain('/notify/ovo_snap');
    expect(screen.getByTestId('listener-running').getAttribute('data-running')).toBe('false');
    await fireEvent.click(screen.getByTestId('listener-enabled'));
    await fireEvent.input(screen.getByTestId('listener-address'), { target: { value: '0.0.0.0:7800' } });
    await fireEvent.click(screen.getByTestId('listener-save'));
    await waitFor(() => expect(screen.getByTestId('listener-running').getAttribute('data-running')).toBe('true'));
    expect(invoke).toHaveBeenCalledWith('set_listener', { input: { enabled: true, address: '0.0.0.0:7800' } });
  });

  it('names the desk that listens when another desk of a shared ledger has the turn', async () => {
    const settings = {
      enabled: true,
      address: '127.0.0.1:7701',
      running: false,
      runningAtDesk: 'finance-2',
      urls: [],
      problem: null,
    };
    invoke.mockImplementation(fakeBackend({ listener_settings: () => settings }));
    render(Notifications);
    const elsewhere = await screen.findByTestId('listener-elsewhere');
    expect(elsewhere.textContent).toContain('Running at another desk: finance-2');
    expect(screen.getByTestId('listener-running').getAttribute('data-running')).toBe('false');
    expect(screen.queryByText('Starting…')).toBeNull();
  });
});
