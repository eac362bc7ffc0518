import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Dashboard from './Dashboard.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { ledgerFeed } from '../lib/liveChanges.svelte';
import type { DashboardInput, DashboardPeriod } from '../lib/ipc/types';
import { fakeBackend, freshEachTest, inputsSent } from '../test/fixtures';
import { answerChange, reportChange } from '../test/liveChanges';
import { WEEK, dashboardView as view } from '../test/reports';

function backend(volumes: Partial<Record<DashboardPeriod, number>> = {}) {
  return fakeBackend({
    dashboard: (args) => {
      const { period } = (args as { input: DashboardInput }).input;
      const days = period === 'today' ? ['2026-09-21'] : WEEK;
      return view(period, days, volumes[period] ?? 175_000);
    },
    next_ledger_change: answerChange,
  });
}

afterEach(() => ledgerFeed.stop());

describe('Dashboard', () => {
  freshEachTest(invoke);

  it('shows today’s figures, the refund rate by amount and by count, and what waits for finance', async () => {
    invoke.mockImplementation(backend());
    render(Dashboard);
    const volume = await screen.findByTestId('dashboard-volume');
    expect(volume.textContent).toContain('IDR\u00a0175,000');
    expect(volume.textContent).toContain('3 payments');
    expect(inputsSent(invoke, 'dashboard')).toEqual([{ period: 'today' }]);

    const byAmount = screen.getByTestId('dashboard-refund-rate-amount');
    expect(byAmount.textContent).toContain('Refund rate by amount');
    expect(byAmount.textContent).toContain('20.00%');
    expect(byAmount.textContent).toContain('IDR\u00a030,000 refunded of IDR\u00a0150,000 succeeded');
    const byCount = screen.getByTestId('dashboard-refund-rate-count');
    expect(byCount.textContent).toContain('50.00%');
    expect(byCount.textContent).toContain('1 refunds of 2 succeeded payments');

    expect(screen.getByTestId('dashboard-awaiting').textContent).toContain('IDR\u00a015,000');
    const open = screen.getByTestId('dashboard-open');
    expect(open.textContent).toContain('4');
    expect(open.textContent).toContain('Payments: 1 unknown, 2 need review');
    expect(open.textContent).toContain('Refunds: 0 unknown, 1 need a decision');
    // Reconciliation's open exceptions, on every date.
    expect(screen.getByTestId('dashboard-open-exceptions').textContent).toContain('Open reconciliation exceptions 3');

    const statuses = screen.getAllByTestId('dashboard-status');
    expect(statuses.map((row) => row.getAttribute('data-status'))).toEqual(['succeeded', 'failed']);
    expect(statuses[0].textContent).toContain('Succeeded');
  });

  it('switches the period and draws each day in the table beside the chart', async () => {
    invoke.mockImplementation(backend({ days_7: 420_000 }));
    render(Dashboard);
    await screen.findByTestId('dashboard-volume');
    expect(screen.getByTestId('dashboard-period-today').getAttribute('aria-pressed')).toBe('true');
    expect(within(screen.getByTestId('dashboard-daily-table')).getAllByRole('row')).toHaveLength(2);

    await fireEvent.click(screen.getByTestId('dashboard-period-days_7'));
    await waitFor(() => expect(screen.getByTestId('dashboard-volume').textContent).toContain('IDR\u00a0420,000'));
    expect(inputsSent(invoke, 'dashboard')).toEqual([{ period: 'today' }, { period: 'days_7' }]);
    expect(screen.getByTestId('dashboard-period-days_7').getAttribute('aria-pressed')).toBe('true');
    // The app's one date format: no leading zero, "Sep" (never ICU's "Sept").
    expect(screen.getByTestId('dashboard-range').textContent?.trim()).toBe('15 Sep 2026 to 21 Sep 2026 (WIB)');

    // jsdom has no canvas: the table is the chart, with its caption, one row per day, amount then count.
    const table = screen.getByTestId('dashboard-daily-table');
    expect(within(table).getByText('Succeeded payments per day (WIB)')).toBeTruthy();
    const rows = within(table).getAllByTestId('dashboard-daily-row');
    expect(rows).toHaveLength(7);
    expect(rows[6].textContent).toContain('21 Sep');
    expect(rows[6].textContent).toContain('IDR\u00a060,000');
    expect([...rows[6].querySelectorAll('td')].map((c) => c.textContent)).toEqual(['IDR\u00a060,000', '6']);
    const products = within(screen.getByTestId('dashboard-products-table')).getAllByTestId('dashboard-products-row');
    expect(products.map((r) => r.querySelector('th')?.textContent)).toEqual(['OVO SNAP', 'Tazapay OVO']);
  });

  it('reads in Bahasa Indonesia', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(backend());
    render(Dashboard);
    const volume = await screen.findByTestId('dashboard-volume');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Dasbor');
    expect(volume.textContent).toContain('Rp\u00a0175.000');
    expect(screen.getByTestId('dashboard-period-today').textContent).toBe('Hari ini');
    expect(screen.getByTestId('dashboard-period-days_7').textContent).toBe('7 hari');
    expect(screen.getByTestId('dashboard-period-days_30').textContent).toBe('30 hari');
    expect(screen.getByTestId('dashboard-refund-rate-amount').textContent).toContain('20,00 %');
    expect(screen.getByTestId('dashboard-refund-rate-count').textContent).toContain(
      '1 pengembalian dana dari 2 pembayaran berhasil',
    );
    expect(screen.getByTestId('dashboard-awaiting').textContent).toContain('Pengembalian dana menunggu persetujuan');
    expect(screen.getAllByTestId('dashboard-status')[1].textContent).toContain('Gagal');
    expect(within(screen.getByTestId('dashboard-daily-table')).getByText('Pembayaran berhasil per hari (WIB)')).toBeTruthy();
  });

  it('loads again, quietly, when another desk changes payments or refunds', async () => {
    let volume = 175_000;
    invoke.mockImplementation(
      fakeBackend({
        dashboard: () => view('today', ['2026-09-21'], volume),
        next_ledger_change: answerChange,
      }),
    );
    render(Dashboard);
    await screen.findByTestId('dashboard-volume');
    volume = 500_000;
    await reportChange(invoke, 'refunds');
    await waitFor(() => expect(screen.getByTestId('dashboard-volume').textContent).toContain('IDR\u00a0500,000'));
    expect(inputsSent(invoke, 'dashboard')).toHaveLength(2);
    await reportChange(invoke, 'customers');
    expect(inputsSent(invoke, 'dashboard')).toHaveLength(2);
  });

  it('says why the figures could not be loaded', async () => {
    invoke.mockImplementation(
      fakeBackend({ dashboard: () => Promise.reject({ code: 'forbidden', message: 'no', reason: null }) }),
    );
    render(Dashboard);
    const alert = await screen.findByTestId('dashboard-error');
    expect(alert.getAttribute('data-code')).toBe('forbidden');
  });
});
