import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import ExportButton from './ExportButton.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { exportProgress } from '../test/exports';
import { refusal } from '../test/answers';
import { fakeBackend, freshEachTest, inputsSent } from '../test/fixtures';
import type { ExportFileInput, ExportList, ExportProgress, StartExportInput } from '../lib/ipc/types';

const LIST: ExportList = { list: 'refunds', status: 'requested' };
const PATH = '/home/ops/pengembalian-dana.csv';

const progress = (overrides: Partial<ExportProgress> = {}) => exportProgress(PATH, overrides);

/** Shows the button on a back end whose save dialog answers `chosen` (`handlers` add or replace commands). */
function show(handlers: Parameters<typeof fakeBackend>[0], chosen: string | null = PATH) {
  invoke.mockImplementation(
    fakeBackend({
      choose_export_file: () => chosen,
      start_export: () => progress(),
      ...handlers,
    }),
  );
  render(ExportButton, { list: LIST, suggestedName: 'pengembalian-dana', testid: 'x-export' });
}

describe('ExportButton', () => {
  freshEachTest(invoke);
  afterEach(() => vi.useRealTimers());

  it.each([
    ['en', 'Export finished: 12,500 rows written to /home/ops/pengembalian-dana.csv.', '5,000 of 12,500 rows written'],
    ['id', 'Ekspor selesai: 12.500 baris ditulis ke /home/ops/pengembalian-dana.csv.', '5.000 dari 12.500 baris ditulis'],
  ] as const)('in %s: chooses the file, starts, shows the progress and how it finished', async (language, done, rows) => {
    vi.useFakeTimers({ now: new Date('2026-03-05T18:00:00Z') });
    setCurrentLanguage(language);
    const polls = [progress({ rowsWritten: 5_000 }), progress({ state: 'finished', rowsWritten: 12_500 })];
    show({ export_progress: () => polls.shift() });

    await fireEvent.click(screen.getByTestId('x-export-csv'));
    await vi.advanceTimersByTimeAsync(0);
    // WIB is already on 6 March at 18:00 UTC.
    expect(inputsSent<ExportFileInput>(invoke, 'choose_export_file')).toEqual([
      { suggestedName: 'pengembalian-dana-2026-03-06.csv', format: 'csv' },
    ]);
    expect(inputsSent<StartExportInput>(invoke, 'start_export')).toEqual([
      { list: LIST, format: 'csv', path: PATH, language },
    ]);
    expect(screen.getByTestId('x-export-progress').getAttribute('aria-valuenow')).toBe('0');
    expect((screen.getByTestId('x-export-csv') as HTMLButtonElement).disabled).toBe(true);

    await vi.advanceTimersByTimeAsync(250);
    expect(invoke).toHaveBeenCalledWith('export_progress', { input: { jobId: 7 } });
    const bar = screen.getByTestId('x-export-progress');
    expect(bar.getAttribute('aria-valuenow')).toBe('5000');
    expect(bar.getAttribute('aria-valuemax')).toBe('12500');
    expect(bar.parentElement?.textContent).toContain(rows);

    await vi.advanceTimersByTimeAsync(250);
    const end = screen.getByTestId('x-export-done');
    expect(end.getAttribute('data-state')).toBe('finished');
    expect(end.textContent).toContain(done);
    expect(screen.queryByTestId('x-export-progress')).toBeNull();
    // No further polling once it ended.
    await vi.advanceTimersByTimeAsync(1000);
    expect(inputsSent(invoke, 'export_progress')).toHaveLength(2);
  });

  it('is taken up again by the same button shown again while it runs (another tab, the section reopened)', async () => {
    vi.useFakeTimers();
    const polls = [progress({ rowsWritten: 4_000 }), progress({ rowsWritten: 9_000 })];
    invoke.mockImplementation(
      fakeBackend({
        choose_export_file: () => PATH,
        start_export: () => progress(),
        export_progress: () => polls.shift() ?? progress({ state: 'finished', rowsWritten: 12_500 }),
      }),
    );
    const first = render(ExportButton, { list: LIST, suggestedName: 'x', testid: 'again-export' });
    await fireEvent.click(screen.getByTestId('again-export-csv'));
    await vi.advanceTimersByTimeAsync(250);
    first.unmount();
    await vi.advanceTimersByTimeAsync(1000);
    expect(inputsSent(invoke, 'export_progress')).toHaveLength(1);

    render(ExportButton, { list: LIST, suggestedName: 'x', testid: 'again-export' });
    expect(screen.getByTestId('again-export-progress').getAttribute('aria-valuenow')).toBe('4000');
    await vi.advanceTimersByTimeAsync(250);
    expect(screen.getByTestId('again-export-progress').getAttribute('aria-valuenow')).toBe('9000');
    await vi.advanceTimersByTimeAsync(250);
    expect(screen.getByTestId('again-export-done').getAttribute('data-state')).toBe('finished');
    expect(inputsSent(invoke, 'start_export')).toHaveLength(1);
  });

  it('does nothing when the save dialog is cancelled', async () => {
    vi.useFakeTimers();
    show({}, null);
    await fireEvent.click(screen.getByTestId('x-export-xlsx'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(inputsSent(invoke, 'choose_export_file')).toHaveLength(1);
    expect(inputsSent(invoke, 'start_export')).toHaveLength(0);
    expect(screen.queryByTestId('x-export-progress')).toBeNull();
    expect(screen.queryByTestId('x-export-done')).toBeNull();
    expect(screen.queryByTestId('x-export-problem')).toBeNull();
    expect((screen.getByTestId('x-export-xlsx') as HTMLButtonElement).disabled).toBe(false);
  });

  it('exports XLSX with an .xlsx name', async () => {
    vi.useFakeTimers();
    show({ start_export: () => progress({ state: 'finished', rowsWritten: 3, rowsTotal: 3 }) });
    await fireEvent.click(screen.getByTestId('x-export-xlsx'));
    await vi.advanceTimersByTimeAsync(0);
    const [chosen] = inputsSent<ExportFileInput>(invoke, 'choose_export_file');
    expect(chosen.format).toBe('xlsx');
    expect(chosen.suggestedName).toMatch(/^pengembalian-dana-\d{4}-\d{2}-\d{2}\.xlsx$/);
    expect(inputsSent<StartExportInput>(invoke, 'start_export')[0].format).toBe('xlsx');
    expect(screen.getByTestId('x-export-done').getAttribute('data-state')).toBe('finished');
    expect(inputsSent(invoke, 'export_progress')).toHaveLength(0);
  });

  it.each([
    ['en', 'The export was cancelled. No file was written.'],
    ['id', 'Ekspor dibatalkan. Tidak ada berkas yang ditulis.'],
  ] as const)('in %s: cancels a running export', async (language, text) => {
    vi.useFakeTimers();
    setCurrentLanguage(language);
    let cancelled = false;
    show({
      export_progress: () => (cancelled ? progress({ state: 'cancelled', rowsWritten: 900 }) : progress({ rowsWritten: 800 })),
      cancel_export: () => {
        cancelled = true;
        return progress({ state: 'cancelled', rowsWritten: 900 });
      },
    });
    await fireEvent.click(screen.getByTestId('x-export-csv'));
    await vi.advanceTimersByTimeAsync(250);
    await fireEvent.click(screen.getByTestId('x-export-cancel'));
    await vi.advanceTimersByTimeAsync(0);
    expect(invoke).toHaveBeenCalledWith('cancel_export', { input: { jobId: 7 } });
    const end = screen.getByTestId('x-export-done');
    expect(end.getAttribute('data-state')).toBe('cancelled');
    expect(end.textContent).toContain(text);
    expect(screen.queryByTestId('x-export-cancel')).toBeNull();
  });

  it.each([
    [
      'en',
      'export_too_many_rows',
      'More rows match than an XLSX sheet holds (1,048,575). Export to CSV, or narrow the filters.',
    ],
    [
      'id',
      'export_too_many_rows',
      'Baris yang cocok lebih banyak daripada yang muat dalam satu lembar XLSX (1.048.575). Ekspor ke CSV, atau persempit filter.',
    ],
    ['en', 'export_running', 'Another export is running. Wait for it to end.'],
    ['id', 'export_running', 'Ekspor lain sedang berjalan. Tunggu sampai selesai.'],
  ] as const)('in %s: shows a refused start (%s) in words', async (language, reason, text) => {
    vi.useFakeTimers();
    setCurrentLanguage(language);
    show({
      start_export: refusal('invalid_input', reason, 'technical'),
    });
    await fireEvent.click(screen.getByTestId('x-export-xlsx'));
    await vi.advanceTimersByTimeAsync(0);
    const problem = screen.getByTestId('x-export-problem');
    expect(problem.getAttribute('data-reason')).toBe(reason);
    expect(problem.textContent).toContain(text);
    expect(screen.queryByTestId('x-export-progress')).toBeNull();
  });

  it.each([
    ['en', 'The export stopped.', 'The file could not be written there. Choose another folder or name.'],
    ['id', 'Ekspor berhenti.', 'Berkas tidak dapat ditulis di sana. Pilih folder atau nama lain.'],
  ] as const)('in %s: shows the reason an export failed', async (language, lead, text) => {
    vi.useFakeTimers();
    setCurrentLanguage(language);
    const error = { code: 'storage' as const, message: 'permission denied', reason: 'export_unwritable' };
    show({ export_progress: () => progress({ state: 'failed', rowsWritten: 1000, error }) });
    await fireEvent.click(screen.getByTestId('x-export-csv'));
    await vi.advanceTimersByTimeAsync(250);
    expect(screen.getByTestId('x-export-done').getAttribute('data-state')).toBe('failed');
    const problem = screen.getByTestId('x-export-problem');
    expect(problem.getAttribute('data-reason')).toBe('export_unwritable');
    expect(problem.textContent).toContain(lead);
    expect(problem.textContent).toContain(text);
  });
});
