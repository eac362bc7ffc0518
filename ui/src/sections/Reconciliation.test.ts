import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Reconciliation from './Reconciliation.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { fakeBackend, freshEachTest, inputsSent } from '../test/fixtures';
import type {
  ResolveExceptionInput,
  SettlementBatchView,
  SettlementCheck,
  SettlementExceptionView,
  SettlementExceptionsQuery,
  SettlementFileInput,
} from '../lib/ipc/types';

const MAPPING = {
  reference: 'MerchantInvoice',
  date: 'TransactionDate',
  amount: 'Amount',
  kind: 'TransactionType',
  fee: 'Fee',
  net: 'NetAmount',
  status: 'Status',
};
const HEADERS = ['MerchantInvoice', 'TransactionDate', 'TransactionType', 'Amount', 'Fee', 'NetAmount', 'Status', 'Ref2'];

function check(overrides: Partial<SettlementCheck> = {}): SettlementCheck {
  return {
    fileName: 'settlement-ovo_snap-2026-03-05.csv',
    headers: HEADERS,
    mapping: MAPPING,
    mappingRemembered: false,
    lines: 12,
    firstDate: '2026-03-05',
    lastDate: '2026-03-05',
    outcomes: [
      { outcome: 'matched', count: 10, amount: 1_850_000 },
      { outcome: 'amount_mismatch', count: 1, amount: 186_000 },
      { outcome: 'not_in_ledger', count: 1, amount: 5_000 },
    ],
    notInFile: 1,
    paymentsTotal: 2_041_000,
    refundsTotal: 50_000,
    feesTotal: 14_287,
    netTotal: 1_976_713,
    problems: [],
    problemCount: 0,
    batchId: null,
    ...overrides,
  };
}

function exception(id: number, kind: SettlementExceptionView['kind'], resolved = false): SettlementExceptionView {
  return {
    id,
    product: 'ovo_snap',
    batchId: 1,
    fileName: 'settlement-ovo_snap-2026-03-05.csv',
    lineNo: kind === 'not_in_file' ? null : id + 1,
    paymentId: 7,
    refundId: null,
    kind,
    reference: `REF000000000000${id}`,
    ledgerAmount: 185_000,
    fileAmount: kind === 'not_in_file' ? null : 186_000,
    foundAt: '2026-03-09T03:00:00Z',
    resolvedBy: resolved ? 'Fina Finance' : null,
    resolvedAt: resolved ? '2026-03-09T04:00:00Z' : null,
    resolution: resolved ? 'Corrected by OVO' : null,
  };
}

const BATCH: SettlementBatchView = {
  id: 1,
  product: 'ovo_snap',
  fileName: 'settlement-ovo_snap-2026-03-05.csv',
  importedBy: 'Fina Finance',
  importedAt: '2026-03-09T03:00:00Z',
  firstDate: '2026-03-05',
  lastDate: '2026-03-05',
  lineCount: 12,
  matched: 10,
  exceptions: 3,
  openExceptions: 2,
  paymentsTotal: 2_041_000,
  refundsTotal: 50_000,
  feesTotal: 14_287,
  netTotal: 1_976_713,
};

function backend(overrides: Record<string, (args: unknown) => unknown> = {}) {
  const resolved = new Set<number>();
  return fakeBackend({
    choose_settlement_file: () => '/home/fina/settlement.csv',
    check_settlement_file: () => check(),
    import_settlement_file: () => check({ batchId: 1 }),
    settlement_batches: () => [BATCH],
    settlement_exceptions: (args) => {
      const q = (args as { input: SettlementExceptionsQuery }).input;
      const all = [exception(1, 'amount_mismatch'), exception(2, 'not_in_ledger'), exception(3, 'not_in_file', true)].map(
        (x) => (resolved.has(x.id) ? exception(x.id, x.kind, true) : x),
      );
      const items = q.openOnly ? all.filter((x) => x.resolvedAt === null) : all;
      return { items, next: null, total: items.length };
    },
    resolve_settlement_exception: (args) => {
      const input = (args as { input: ResolveExceptionInput }).input;
      resolved.add(input.id);
      return exception(input.id, 'amount_mismatch', true);
    },
    ...overrides,
  });
}

describe('Reconciliation', () => {
  freshEachTest(invoke);

  it('checks a file, shows its matches and totals, and imports it with the columns it was checked with', async () => {
    invoke.mockImplementation(backend());
    render(Reconciliation);
    await fireEvent.click(screen.getByTestId('settlement-choose'));
    const shown = await screen.findByTestId('settlement-check');
    expect(shown.textContent).toContain('12 lines, 5 Mar 2026 to 5 Mar 2026 (WIB)');
    expect(screen.getByTestId('settlement-net').textContent).toBe('IDR\u00a01,976,713');
    const outcomes = screen.getAllByTestId('settlement-outcome').map((o) => o.getAttribute('data-outcome'));
    expect(outcomes).toEqual(['matched', 'amount_mismatch', 'not_in_ledger', 'not_in_file']);
    expect(shown.textContent).toContain('Amount differs');
    expect(shown.textContent).toContain('1 succeeded payments are due but in no report');
    expect(inputsSent<SettlementFileInput>(invoke, 'check_settlement_file')[0]).toEqual({
      product: 'ovo_snap',
      path: '/home/fina/settlement.csv',
      mapping: undefined,
    });

    await fireEvent.click(screen.getByTestId('settlement-import-button'));
    await waitFor(() => expect(inputsSent(invoke, 'import_settlement_file')).toHaveLength(1));
    // The product's own columns were used: nothing chosen to remember.
    expect(inputsSent<SettlementFileInput>(invoke, 'import_settlement_file')[0].mapping).toBeUndefined();
    // The lists load again after the import.
    await waitFor(() => expect(inputsSent(invoke, 'settlement_batches').length).toBeGreaterThanOrEqual(2));
    expect(screen.queryByTestId('settlement-check')).toBeNull();
  });

  it('names every problem by line, blocks the import, and checks again with changed columns', async () => {
    let calls = 0;
    invoke.mockImplementation(
      backend({
        check_settlement_file: () =>
          ++calls === 1
            ? check({
                outcomes: [],
                lines: 0,
                problemCount: 3,
                problems: [
                  { line: null, reason: 'settlement_columns_missing', detail: 'the file has no column Fee' },
                  { line: 7, reason: 'settlement_duplicate_line', detail: 'repeats line 3 (REF1)' },
                  { line: 9, reason: 'settlement_date_future', detail: 'dated 2026-03-11' },
                ],
              })
            : check(),
      }),
    );
    render(Reconciliation);
    await fireEvent.click(screen.getByTestId('settlement-choose'));
    const problems = await screen.findAllByTestId('settlement-problem');
    expect(problems.map((p) => p.textContent)).toEqual([
      'Columns are missing; choose them below (the file has no column Fee)',
      'Line 7: A repeated line (repeats line 3 (REF1))',
      'Line 9: Dated after today (WIB) (dated 2026-03-11)',
    ]);
    expect((screen.getByTestId('settlement-import-button') as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.change(screen.getByTestId('settlement-map-fee'), { target: { value: '' } });
    await fireEvent.change(screen.getByTestId('settlement-map-reference'), { target: { value: 'Ref2' } });
    expect((screen.getByTestId('settlement-import-button') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('settlement-recheck'));
    await waitFor(() => expect(inputsSent(invoke, 'check_settlement_file')).toHaveLength(2));
    expect(inputsSent<SettlementFileInput>(invoke, 'check_settlement_file')[1].mapping).toEqual({
      ...MAPPING,
      reference: 'Ref2',
      fee: null,
    });
    await waitFor(() =>
      expect((screen.getByTestId('settlement-import-button') as HTMLButtonElement).disabled).toBe(false),
    );
    // The columns the operator chose go with the import, to be remembered for the product.
    await fireEvent.click(screen.getByTestId('settlement-import-button'));
    await waitFor(() => expect(inputsSent(invoke, 'import_settlement_file')).toHaveLength(1));
    expect(inputsSent<SettlementFileInput>(invoke, 'import_settlement_file')[0].mapping).toEqual(MAPPING);
  });

  it('lists open exceptions, resolves one with a reason, and shows resolved ones under All', async () => {
    invoke.mockImplementation(backend());
    render(Reconciliation);
    await waitFor(() => expect(screen.getAllByTestId('settlement-exception')).toHaveLength(2));
    expect(screen.getByTestId('settlement-exceptions-count').textContent).toContain('2 open');
    const [mismatch] = screen.getAllByTestId('settlement-exception');
    expect(mismatch.getAttribute('data-kind')).toBe('amount_mismatch');
    expect(mismatch.textContent).toContain('IDR\u00a0185,000');
    expect(mismatch.textContent).toContain('IDR\u00a0186,000');

    await fireEvent.click(within(mismatch).getByTestId('settlement-resolve'));
    const submit = screen.getByTestId('settlement-resolve-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('settlement-resolve-reason'), {
      target: { value: 'Corrected in the report of 6 March' },
    });
    await fireEvent.click(submit);
    await waitFor(() => expect(screen.getAllByTestId('settlement-exception')).toHaveLength(1));
    expect(inputsSent<ResolveExceptionInput>(invoke, 'resolve_settlement_exception')).toEqual([
      { id: 1, reason: 'Corrected in the report of 6 March' },
    ]);

    await fireEvent.click(screen.getByTestId('settlement-exceptions-tab-all'));
    await waitFor(() => expect(screen.getAllByTestId('settlement-exception')).toHaveLength(3));
    const resolved = screen.getAllByTestId('settlement-exception-resolved');
    expect(resolved[0].textContent).toContain('Resolved by Fina Finance');
    expect(screen.getByTestId('settlement-batch').textContent).toContain('10 of 12 matched');
    expect(screen.getByTestId('settlement-batch').textContent).toContain('5 Mar 2026');
  });

  it('speaks Bahasa Indonesia', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(backend());
    render(Reconciliation);
    await waitFor(() => expect(screen.getAllByTestId('settlement-exception')).toHaveLength(2));
    expect(screen.getAllByTestId('settlement-exception')[0].textContent).toContain('Nominal berbeda');
    expect(screen.getByTestId('settlement-exceptions-count').textContent).toContain('2 terbuka');
    expect(screen.getByTestId('settlement-batch').textContent).toContain('10 dari 12 cocok');
    expect(screen.getByTestId('settlement-batch').textContent).toContain('5 Mar 2026');
    await fireEvent.click(screen.getByTestId('settlement-choose'));
    expect((await screen.findByTestId('settlement-net')).textContent).toBe('Rp\u00a01.976.713');
  });
});
