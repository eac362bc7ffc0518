import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import PaymentList from './PaymentList.svelte';
import { finishedExport } from '../../test/exports';
import { fakeBackend, freshEachTest, inputsSent } from '../../test/fixtures';
import { paymentRow } from '../../test/payments';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { PAYMENT_PAGES_HELD } from '../../lib/payments';
import type {
  ExportFileInput,
  Page,
  PaymentCursorView,
  PaymentQuery,
  PaymentRowView,
  StartExportInput,
} from '../../lib/ipc/types';

const TOTAL = 100_000;

/** 100,000 payments, ids TOTAL..1, served newest first in keyset pages. */
function pages(args: Record<string, unknown> | undefined): Page<PaymentRowView, PaymentCursorView> {
  const q = (args as { input: PaymentQuery }).input;
  const startId = q.after ? q.after.id - 1 : TOTAL;
  const rows = [];
  for (let id = startId; id > 0 && rows.length < q.limit; id--) rows.push(paymentRow(id));
  const last = rows[rows.length - 1];
  return {
    items: rows,
    next: last && last.id > 1 ? { createdAtMs: Date.parse(last.createdAt), id: last.id } : null,
  };
}

const queries = () => inputsSent<PaymentQuery>(invoke, 'payments_page');

/** Shows the list (40 px rows in 400 px) and waits for its first query. */
async function showList() {
  render(PaymentList, { onopen: () => {}, rowHeight: 40, height: 400 });
  await waitFor(() => expect(queries()).toHaveLength(1));
}

/** Types a date range that ends before it starts. */
async function reverseRange() {
  await fireEvent.input(screen.getByTestId('payment-filter-from'), { target: { value: '09/03/2026' } });
  await fireEvent.input(screen.getByTestId('payment-filter-to'), { target: { value: '01/03/2026' } });
}

function scrollTo(el: HTMLElement, top: number) {
  Object.defineProperty(el, 'scrollTop', { value: top, configurable: true, writable: true });
  return fireEvent.scroll(el);
}

describe('PaymentList', () => {
  freshEachTest(invoke);

  it('renders only the visible rows and fetches the next page near the end', async () => {
    invoke.mockImplementation(fakeBackend({ payments_page: pages }));
    const onopen = vi.fn();
    render(PaymentList, { onopen, rowHeight: 40, height: 400 });
    const list = await screen.findByTestId('payments-list');
    await waitFor(() => expect(list.getAttribute('data-count')).toBe('100'));

    // 400 px / 40 px = 10 rows in view, plus 6 overscan below.
    let rows = screen.getAllByTestId('payment-row');
    expect(rows.length).toBe(16);
    expect(rows[0].getAttribute('data-payment-id')).toBe(String(TOTAL));
    expect(queries()).toHaveLength(1);
    expect(queries()[0].after).toBeNull();

    // Far down the first page: still ~22 rows in the DOM, the right ones.
    await scrollTo(list, 40 * 50);
    rows = screen.getAllByTestId('payment-row');
    expect(rows.length).toBeLessThanOrEqual(22);
    expect(rows[0].getAttribute('data-payment-id')).toBe(String(TOTAL - 44));
    expect(queries()).toHaveLength(1);

    // Near the end of what is loaded: the next page is asked for with the last row as cursor.
    await scrollTo(list, 40 * 75);
    await waitFor(() => expect(list.getAttribute('data-count')).toBe('200'));
    expect(queries()[1].after).toEqual({ createdAtMs: Date.parse(paymentRow(TOTAL - 99).createdAt), id: TOTAL - 99 });
    expect(queries()).toHaveLength(2);

    // Deep into a long list (many pages later) the DOM still holds only the window.
    for (let page = 2; page < 20; page++) {
      await scrollTo(list, 40 * (page * 100 - 15));
      await waitFor(() => expect(list.getAttribute('data-count')).toBe(String((page + 1) * 100)));
    }
    expect(screen.getAllByTestId('payment-row').length).toBeLessThanOrEqual(22);

    await fireEvent.click(screen.getAllByTestId('payment-row')[0]);
    expect(onopen).toHaveBeenCalledTimes(1);
  });

  it('holds only the pages near the view, and fetches a page scrolled back to with its own cursor', async () => {
    invoke.mockImplementation(fakeBackend({ payments_page: pages }));
    render(PaymentList, { onopen: () => {}, rowHeight: 40, height: 400 });
    const list = await screen.findByTestId('payments-list');
    const results = screen.getByTestId('payments-results');
    await waitFor(() => expect(list.getAttribute('data-count')).toBe('100'));
    for (let page = 1; page < 30; page++) {
      await scrollTo(list, 40 * (page * 100 - 15));
      await waitFor(() => expect(list.getAttribute('data-count')).toBe(String((page + 1) * 100)));
    }
    // 3,000 payments listed, 10 pages (plus the ones in view) hold their rows.
    expect(Number(results.getAttribute('data-pages-held'))).toBeLessThanOrEqual(PAYMENT_PAGES_HELD + 2);
    const asked = queries().length;

    // Back at the top: the first page is fetched again, from the top, as long as it was.
    await scrollTo(list, 0);
    await waitFor(() => expect(queries()).toHaveLength(asked + 1));
    expect(queries()[asked]).toMatchObject({ after: null, limit: 100 });
    await waitFor(() => expect(screen.getAllByTestId('payment-row')[0].getAttribute('data-payment-id')).toBe(String(TOTAL)));
    expect(screen.queryAllByTestId('payment-row-placeholder')).toHaveLength(0);

    // In the middle: that page is fetched after the row before it, and its rows shown where they were.
    await scrollTo(list, 40 * 1250);
    await waitFor(() => expect(queries()).toHaveLength(asked + 2));
    expect(queries()[asked + 1]).toMatchObject({ after: { id: TOTAL - 1199 }, limit: 100 });
    await waitFor(() =>
      expect(screen.getAllByTestId('payment-row')[0].getAttribute('data-payment-id')).toBe(String(TOTAL - 1244)),
    );
    expect(list.getAttribute('data-count')).toBe('3000');
  });

  it('asks once for a page scrolled back to that fails, says why, and again when the view moves', async () => {
    let failing = false;
    invoke.mockImplementation(
      fakeBackend({
        payments_page: (args) => {
          if (failing) throw { code: 'storage', message: 'disk I/O error' };
          return pages(args);
        },
      }),
    );
    render(PaymentList, { onopen: () => {}, rowHeight: 40, height: 400 });
    const list = await screen.findByTestId('payments-list');
    await waitFor(() => expect(list.getAttribute('data-count')).toBe('100'));
    for (let page = 1; page < 15; page++) {
      await scrollTo(list, 40 * (page * 100 - 15));
      await waitFor(() => expect(list.getAttribute('data-count')).toBe(String((page + 1) * 100)));
    }
    failing = true;
    const asked = queries().length;
    await scrollTo(list, 0);
    await screen.findByTestId('payments-error');
    expect(screen.getAllByTestId('payment-row-placeholder').length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(queries()).toHaveLength(asked + 1);

    failing = false;
    await scrollTo(list, 40);
    await waitFor(() => expect(screen.getAllByTestId('payment-row')[0].getAttribute('data-payment-id')).toBe(String(TOTAL)));
    expect(queries()).toHaveLength(asked + 2);
    expect(screen.queryByTestId('payments-error')).toBeNull();
  });

  it('reloads from the top with the filters as a PaymentQuery', async () => {
    invoke.mockImplementation(fakeBackend({ payments_page: pages }));
    render(PaymentList, { onopen: () => {}, rowHeight: 40, height: 400 });
    await screen.findByTestId('payments-list');
    await waitFor(() => expect(queries()).toHaveLength(1));
    const results = screen.getByTestId('payments-results');
    await waitFor(() => expect(results.getAttribute('data-settled')).toBe('true'));

    await fireEvent.change(screen.getByTestId('payment-filter-product'), { target: { value: 'doku_jokul_ovo_push' } });
    // The rows on screen no longer answer the filters until the reload lands.
    expect(results.getAttribute('data-settled')).toBe('false');
    await fireEvent.change(screen.getByTestId('payment-filter-status'), { target: { value: 'pending' } });
    await fireEvent.input(screen.getByTestId('payment-filter-from'), { target: { value: '01/03/2026' } });
    await fireEvent.input(screen.getByTestId('payment-filter-to'), { target: { value: '05/03/2026' } });
    await fireEvent.input(screen.getByTestId('payment-filter-min'), { target: { value: 'Rp 10.000' } });
    await fireEvent.input(screen.getByTestId('payment-filter-max'), { target: { value: '500.000' } });
    await fireEvent.input(screen.getByTestId('payment-filter-reference'), { target: { value: ' PAY-000042 ' } });

    // Debounced: one reload after the last keystroke.
    await waitFor(() => expect(queries()).toHaveLength(2));
    expect(queries()[1]).toEqual({
      product: 'doku_jokul_ovo_push',
      status: 'pending',
      from: '2026-03-01',
      to: '2026-03-05',
      minAmount: 'Rp 10.000',
      maxAmount: '500.000',
      reference: 'PAY-000042',
      after: null,
      limit: 100,
    });
    await waitFor(() => expect(results.getAttribute('data-settled')).toBe('true'));
  });

  it.each([
    ['en', 'payments', 'Export finished: 1,234 rows written to /home/ops/p.csv.'],
    ['id', 'pembayaran', 'Ekspor selesai: 1.234 baris ditulis ke /home/ops/p.csv.'],
  ] as const)('in %s: exports with the filters as the page query sends them', async (language, name, done) => {
    setCurrentLanguage(language);
    invoke.mockImplementation(
      fakeBackend({
        payments_page: pages,
        ...finishedExport('/home/ops/p.csv', 1234),
      }),
    );
    await showList();
    await fireEvent.change(screen.getByTestId('payment-filter-status'), { target: { value: 'succeeded' } });
    await fireEvent.input(screen.getByTestId('payment-filter-from'), { target: { value: '01/03/2026' } });
    await fireEvent.input(screen.getByTestId('payment-filter-min'), { target: { value: ' 50.000 ' } });
    await fireEvent.input(screen.getByTestId('payment-filter-reference'), { target: { value: '' } });
    await waitFor(() => expect(queries()).toHaveLength(2));

    await fireEvent.click(screen.getByTestId('payments-export-csv'));
    await waitFor(() => expect(screen.getByTestId('payments-export-done').getAttribute('data-state')).toBe('finished'));
    const [chosen] = inputsSent<ExportFileInput>(invoke, 'choose_export_file');
    expect(chosen.suggestedName).toMatch(new RegExp(`^${name}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const sent = {
      product: null,
      status: 'succeeded',
      from: '2026-03-01',
      to: null,
      minAmount: '50.000',
      maxAmount: null,
      reference: null,
    };
    // The same filters the list's query had.
    expect(queries()[1]).toEqual({ ...sent, after: null, limit: 100 });
    expect(inputsSent<StartExportInput>(invoke, 'start_export')).toEqual([
      { list: { list: 'payments', ...sent }, format: 'csv', path: '/home/ops/p.csv', language },
    ]);
    expect(screen.getByTestId('payments-export-done').textContent).toContain(done);
  });

  it('offers no export while the date range is reversed', async () => {
    invoke.mockImplementation(fakeBackend({ payments_page: pages }));
    await showList();
    await reverseRange();
    expect((screen.getByTestId('payments-export-xlsx') as HTMLButtonElement).disabled).toBe(true);
  });

  it('does not query with a reversed date range, and says why', async () => {
    invoke.mockImplementation(fakeBackend({ payments_page: pages }));
    await showList();
    await reverseRange();
    expect((await screen.findByTestId('payment-filter-range')).textContent).toContain('start date');
    await new Promise((r) => setTimeout(r, 400));
    expect(queries()).toHaveLength(1);
  });

  it('shows a money error in plain words', async () => {
    invoke.mockImplementation(
      fakeBackend({
        payments_page: (args) => {
          const q = (args as { input: PaymentQuery }).input;
          if (q.minAmount === '10,5') throw { code: 'invalid_input', message: 'fraction', reason: 'money_fraction' };
          return pages(args);
        },
      }),
    );
    await showList();
    await fireEvent.input(screen.getByTestId('payment-filter-min'), { target: { value: '10,5' } });
    expect((await screen.findByTestId('payments-error')).textContent).toContain('whole rupiah');
  });
});
