import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Reports from './Reports.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { ledgerFeed } from '../lib/liveChanges.svelte';
import type { ReportRange, StartExportInput } from '../lib/ipc/types';
import { finishedExport } from '../test/exports';
import { fakeBackend, freshEachTest, inputsSent } from '../test/fixtures';
import { AGEING_REPORT, REFUND_REPORT } from '../test/reports';

function backend() {
  return fakeBackend({
    refund_report: () => REFUND_REPORT,
    ageing_report: () => AGEING_REPORT,
    ...finishedExport('/home/fina/report.csv', 3),
  });
}

afterEach(() => {
  ledgerFeed.stop();
  vi.useRealTimers();
});

describe('Reports', () => {
  freshEachTest(invoke);

  it('groups refunds by requester, approver and reason, and filters by WIB dates', async () => {
    invoke.mockImplementation(backend());
    render(Reports);
    await waitFor(() => expect(screen.getAllByTestId('reports-requester-row')).toHaveLength(2));
    const [sari] = screen.getAllByTestId('reports-requester-row');
    expect(sari.textContent).toContain('Sari Staff');
    expect(sari.textContent).toContain('IDR\u00a070,000');
    expect(screen.getAllByTestId('reports-approver-row')[0].textContent).toContain('Budi Finance');
    expect(screen.getByTestId('reports-reason-empty').textContent).toBe('No refunds on these dates.');
    expect(inputsSent<ReportRange>(invoke, 'refund_report')).toEqual([{ from: null, to: null }]);

    await fireEvent.input(screen.getByTestId('reports-range-from'), { target: { value: '01/09/2026' } });
    await fireEvent.input(screen.getByTestId('reports-range-to'), { target: { value: '21/09/2026' } });
    await waitFor(() =>
      expect(inputsSent<ReportRange>(invoke, 'refund_report').at(-1)).toEqual({ from: '2026-09-01', to: '2026-09-21' }),
    );
  });

  it('exports each report with the range it shows', async () => {
    invoke.mockImplementation(backend());
    render(Reports);
    await waitFor(() => expect(screen.getAllByTestId('reports-requester-row')).toHaveLength(2));
    await fireEvent.input(screen.getByTestId('reports-range-from'), { target: { value: '01/09/2026' } });
    await fireEvent.click(screen.getByTestId('reports-refunds-export-csv'));
    await waitFor(() => expect(inputsSent(invoke, 'start_export')).toHaveLength(1));
    await fireEvent.click(screen.getByTestId('reports-tab-ageing'));
    await fireEvent.click(await screen.findByTestId('reports-ageing-export-xlsx'));
    await waitFor(() => expect(inputsSent(invoke, 'start_export')).toHaveLength(2));
    expect(inputsSent<StartExportInput>(invoke, 'start_export').map((input) => [input.list, input.format])).toEqual([
      [{ list: 'refundReport', from: '2026-09-01', to: null }, 'csv'],
      [{ list: 'ageing' }, 'xlsx'],
    ]);
  });

  it('does not ask for a range that ends before it starts', async () => {
    invoke.mockImplementation(backend());
    render(Reports);
    await waitFor(() => expect(inputsSent(invoke, 'refund_report')).toHaveLength(1));
    await fireEvent.input(screen.getByTestId('reports-range-from'), { target: { value: '21/09/2026' } });
    await fireEvent.input(screen.getByTestId('reports-range-to'), { target: { value: '01/09/2026' } });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(inputsSent<ReportRange>(invoke, 'refund_report').map((r) => r.to)).not.toContain('2026-09-01');
    expect(screen.getByTestId('reports-range-from').getAttribute('aria-invalid')).toBe('true');
  });

  it('shows the open items by age with the oldest, in Bahasa Indonesia', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(backend());
    render(Reports);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Laporan');
    await waitFor(() => expect(screen.getAllByTestId('reports-requester-row')).toHaveLength(2));
    await fireEvent.click(screen.getByTestId('reports-tab-ageing'));
    const rows = await screen.findAllByTestId('reports-age');
    expect(rows.map((r) => r.getAttribute('data-bucket'))).toEqual(['days_0', 'days_1_2', 'days_3_6', 'days_7_plus']);
    expect(rows[0].textContent).toContain('Kurang dari 1 hari');
    expect(rows[0].textContent).toContain('1 · Rp\u00a040.000');
    expect(rows[3].textContent).toContain('7 hari atau lebih');
    expect(rows[3].textContent).toContain('1 · Rp\u00a020.000');
    expect(screen.getByTestId('reports-oldest-payment').textContent).toBe(
      'Pembayaran tertua: DASHPY0000000006, berumur 12 hari',
    );
    expect(screen.queryByTestId('reports-oldest-refund')).toBeNull();
  });
});
