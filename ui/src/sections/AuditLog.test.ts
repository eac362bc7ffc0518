import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import AuditLog from './AuditLog.svelte';
import { formatMoney } from '../lib/format';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { finishedExport } from '../test/exports';
import { ADMIN, fakeBackend, freshEachTest, inputsSent, status } from '../test/fixtures';
import { app } from '../lib/session.svelte';
import type { AuditEntryView, AuditQuery, OperatorView, StartExportInput } from '../lib/ipc/types';

const NO_FILTERS = { operatorId: null, action: null, subject: null, from: null, to: null };
const SITI: OperatorView = { ...ADMIN, id: 4, username: 'siti', displayName: 'Siti Rahma', role: 'finance' };

function entry(seq: number, action: string, outcome = 'ok'): AuditEntryView {
  return {
    seq,
    at: '2026-03-05T07:07:09Z',
    operator: seq === 1 ? null : 'admin',
    operatorName: null,
    action,
    subject: `operator:${seq}`,
    outcome,
    detail: '',
  };
}

describe('AuditLog', () => {
  freshEachTest(invoke, null);
  afterEach(() => vi.useRealTimers());

  it('lists entries with translated actions, WIB times and paging', async () => {
    invoke.mockImplementation(
      fakeBackend({
        verify_audit: () => ({ intact: true, checked: 4, brokenSeq: null, problem: null }),
        list_audit: (args) => {
          const q = (args as { input: AuditQuery }).input;
          return q.beforeSeq === null
            ? { items: [entry(4, 'session.sign_in'), entry(3, 'payment.teleport', 'denied')], next: 3 }
            : { items: [entry(2, 'operator.create'), entry(1, 'setup.first_admin')], next: null };
        },
      }),
    );
    render(AuditLog);
    const status = await screen.findByTestId('audit-verify-status');
    expect(status.getAttribute('data-intact')).toBe('true');
    expect(status.textContent).toContain('4 entries verified');

    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(2));
    const [first, second] = screen.getAllByTestId('audit-row');
    expect(first.getAttribute('data-seq')).toBe('4');
    expect(first.getAttribute('data-action')).toBe('session.sign_in');
    expect(first.textContent).toContain('Signed in');
    expect(first.querySelector('td.time')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('5 Mar 2026 14:07 WIB');
    // Unknown action keys are shown raw.
    expect(second.textContent).toContain('payment.teleport');
    expect(second.textContent).toContain('Denied');

    await fireEvent.click(screen.getByTestId('audit-load-more'));
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(4));
    expect(invoke).toHaveBeenCalledWith('list_audit', { input: { beforeSeq: 3, limit: 50, ...NO_FILTERS } });
    expect(screen.getAllByTestId('audit-row').map((r) => r.getAttribute('data-seq'))).toEqual(['4', '3', '2', '1']);
    expect(screen.queryByTestId('audit-load-more')).toBeNull();
    expect(screen.getAllByTestId('audit-row')[3].textContent).toContain('System');
  });

  it('tells each entry as a sentence by the operator’s display name, the raw record one click away', async () => {
    const refund: AuditEntryView = {
      ...entry(9, 'refund.approve'),
      operator: 'siti',
      operatorName: 'Siti Rahma',
      subject: 'refund:R-1',
      detail: '{"amount":185000,"note":"OK per policy"}',
    };
    invoke.mockImplementation(
      fakeBackend({
        verify_audit: () => ({ intact: true, checked: 1, brokenSeq: null, problem: null }),
        list_audit: () => ({ items: [refund, entry(1, 'setup.first_admin')], next: null }),
      }),
    );
    render(AuditLog);
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(2));
    const [row, system] = screen.getAllByTestId('audit-row');
    const sentence = within(row).getByTestId('audit-sentence');
    expect(sentence.textContent).toBe(`Siti Rahma approved a refund of ${formatMoney(185000, 'en')}. Note: OK per policy.`);
    // The operator column: the display name, and the user name the entry keeps.
    expect(row.textContent).toContain('Siti Rahma');
    expect(row.textContent).toContain('siti');
    expect(row.querySelector('details summary')?.textContent).toBe('Raw record');
    expect(row.querySelector('details pre')?.textContent).toBe('{\n  "amount": 185000,\n  "note": "OK per policy"\n}');
    // An empty detail has no raw record.
    expect(system.querySelector('details')).toBeNull();
    expect(within(system).getByTestId('audit-sentence').textContent).toBe(
      'The system set up the back office as its first administrator.',
    );
  });

  it('names the first broken entry and shows an unknown problem raw', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(
      fakeBackend({
        verify_audit: () => ({ intact: false, checked: 7, brokenSeq: 5, problem: 'hash mismatch' }),
        list_audit: () => ({ items: [], next: null }),
      }),
    );
    render(AuditLog);
    const status = await screen.findByTestId('audit-verify-status');
    expect(status.getAttribute('data-intact')).toBe('false');
    expect(status.textContent).toContain('Rantai hash rusak pada entri #5: hash mismatch');
  });

  it.each([
    ['en', 'content_changed', 'Hash chain broken at entry #5: an entry was edited after it was written'],
    [
      'en',
      'chain_broken',
      'Hash chain broken at entry #5: an entry does not link to the one before it, so entries were inserted or removed',
    ],
    [
      'en',
      'entries_missing',
      'Hash chain broken at entry #5: entries are missing (there is a gap in the sequence numbers)',
    ],
    ['id', 'content_changed', 'Rantai hash rusak pada entri #5: sebuah entri diubah setelah dicatat'],
    [
      'id',
      'chain_broken',
      'Rantai hash rusak pada entri #5: sebuah entri tidak tersambung ke entri sebelumnya, jadi ada entri yang disisipkan atau dihapus',
    ],
    ['id', 'entries_missing', 'Rantai hash rusak pada entri #5: ada entri yang hilang (nomor urutnya terputus)'],
    [
      'en',
      'rebuilt',
      "Hash chain broken at entry #5: an entry's seal does not match this ledger's key, so the log was rewritten from the file without the key",
    ],
    [
      'en',
      'truncated',
      'Hash chain broken at entry #5: this entry, recorded outside the ledger as the newest, is no longer in the log, so the newest entries were removed',
    ],
    [
      'en',
      'key_missing',
      'Hash chain broken at entry #5: the entries from here on were sealed with an audit key the keychain no longer holds, so they cannot be checked',
    ],
    [
      'id',
      'rebuilt',
      'Rantai hash rusak pada entri #5: segel sebuah entri tidak cocok dengan kunci audit data ini, jadi jejak audit ditulis ulang dari berkas data tanpa kunci itu',
    ],
    [
      'id',
      'truncated',
      'Rantai hash rusak pada entri #5: entri ini, yang tercatat di luar berkas data sebagai yang terbaru, tidak ada lagi di jejak audit, jadi entri terbaru telah dihapus',
    ],
    [
      'id',
      'key_missing',
      'Rantai hash rusak pada entri #5: entri mulai dari sini disegel dengan kunci audit yang tidak ada lagi di penyimpanan kunci, jadi tidak dapat diverifikasi',
    ],
  ] as const)('translates the %s problem %s in the broken-chain banner', async (language, problem, text) => {
    setCurrentLanguage(language);
    invoke.mockImplementation(
      fakeBackend({
        verify_audit: () => ({ intact: false, checked: 7, brokenSeq: 5, problem }),
        list_audit: () => ({ items: [], next: null }),
      }),
    );
    render(AuditLog);
    const status = await screen.findByTestId('audit-verify-status');
    expect(status.getAttribute('data-intact')).toBe('false');
    expect(status.textContent).toContain(text);
    expect(status.textContent).not.toContain(problem);
  });

  it('falls back to "no further information" without a problem or entry number', async () => {
    invoke.mockImplementation(
      fakeBackend({
        verify_audit: () => ({ intact: false, checked: 7, brokenSeq: null, problem: null }),
        list_audit: () => ({ items: [], next: null }),
      }),
    );
    render(AuditLog);
    const status = await screen.findByTestId('audit-verify-status');
    expect(status.textContent).toContain('Hash chain broken: no further information');
  });

  /** The log on a back end with one entry per query, the operators and an export that finishes at once. */
  function withFilters() {
    invoke.mockImplementation(
      fakeBackend({
        verify_audit: () => ({ intact: true, checked: 4, brokenSeq: null, problem: null }),
        list_audit: () => ({ items: [entry(9, 'refund.approve')], next: null }),
        audit_operators: () => [ADMIN, SITI],
        ...finishedExport('/home/ops/audit.xlsx', 1),
      }),
    );
  }

  const audits = () => inputsSent<AuditQuery>(invoke, 'list_audit');

  it('passes its filters to list_audit (first page again) and to the export', async () => {
    vi.useFakeTimers();
    app.status = status('active');
    withFilters();
    render(AuditLog);
    await vi.advanceTimersByTimeAsync(0);
    expect(audits()).toEqual([{ beforeSeq: null, limit: 50, ...NO_FILTERS }]);
    const operator = screen.getByTestId('audit-filter-operator') as HTMLSelectElement;
    expect([...operator.options].map((o) => o.value)).toEqual(['', '1', '4']);

    await fireEvent.change(operator, { target: { value: '4' } });
    const action = screen.getByTestId('audit-filter-action') as HTMLSelectElement;
    // Groups first ("every refund action"), then single actions.
    expect([...action.options].some((o) => o.value === 'refund.' && o.text === 'All: Refunds')).toBe(true);
    expect([...action.options].some((o) => o.value === 'refund.approve' && o.text === 'Refund approved')).toBe(true);
    await fireEvent.change(action, { target: { value: 'refund.' } });
    await fireEvent.input(screen.getByTestId('audit-filter-subject'), { target: { value: ' refund:12 ' } });
    await fireEvent.input(screen.getByTestId('audit-filter-from'), { target: { value: '01/03/2026' } });
    await fireEvent.input(screen.getByTestId('audit-filter-to'), { target: { value: '05/03/2026' } });
    // Debounced: nothing before the delay, one query after it.
    await vi.advanceTimersByTimeAsync(100);
    expect(audits()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    const filters = { operatorId: 4, action: 'refund.', subject: 'refund:12', from: '2026-03-01', to: '2026-03-05' };
    expect(audits()).toEqual([
      { beforeSeq: null, limit: 50, ...NO_FILTERS },
      { beforeSeq: null, limit: 50, ...filters },
    ]);

    await fireEvent.click(screen.getByTestId('audit-export-xlsx'));
    await vi.advanceTimersByTimeAsync(0);
    expect(inputsSent<StartExportInput>(invoke, 'start_export')).toEqual([
      { list: { list: 'audit', ...filters }, format: 'xlsx', path: '/home/ops/audit.xlsx', language: 'en' },
    ]);
    expect(screen.getByTestId('audit-export-done').getAttribute('data-state')).toBe('finished');

    await fireEvent.click(screen.getByTestId('audit-filter-clear'));
    await vi.advanceTimersByTimeAsync(300);
    expect(audits().at(-1)).toEqual({ beforeSeq: null, limit: 50, ...NO_FILTERS });
  });

  it.each([
    ['en', 'The start date must be on or before the end date.'],
    ['id', 'Tanggal awal harus sama dengan atau sebelum tanggal akhir.'],
  ] as const)('in %s: refuses a range that ends before it starts, as the payment list does', async (language, text) => {
    vi.useFakeTimers();
    setCurrentLanguage(language);
    app.status = status('active');
    withFilters();
    render(AuditLog);
    await vi.advanceTimersByTimeAsync(0);
    await fireEvent.input(screen.getByTestId('audit-filter-from'), { target: { value: '05/03/2026' } });
    await fireEvent.input(screen.getByTestId('audit-filter-to'), { target: { value: '01/03/2026' } });
    await vi.advanceTimersByTimeAsync(500);
    expect(screen.getByTestId('audit-filter-range').textContent).toContain(text);
    expect(screen.getByTestId('audit-filter-from').getAttribute('aria-invalid')).toBe('true');
    expect(audits()).toHaveLength(1);
    expect((screen.getByTestId('audit-export-csv') as HTMLButtonElement).disabled).toBe(true);
  });

  it('offers finance the operator filter too (the names they read in the log)', async () => {
    app.status = status('active', {
      operator: SITI,
      permissions: ['view_customers', 'view_payments', 'approve_refunds', 'resolve_by_hand', 'view_audit'],
    });
    withFilters();
    render(AuditLog);
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(1));
    const operator = (await screen.findByTestId('audit-filter-operator')) as HTMLSelectElement;
    expect([...operator.options].map((o) => o.value)).toEqual(['', '1', '4']);
    expect(inputsSent(invoke, 'list_operators')).toHaveLength(0);
  });
});
