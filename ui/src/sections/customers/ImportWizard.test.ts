import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import ImportWizard from './ImportWizard.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { fakeBackend, freshEachTest } from '../../test/fixtures';
import { importProgress, inspection } from '../../test/customers';
import type { ImportProgress, ImportSummary } from '../../lib/ipc/types';

const summary: ImportSummary = {
  rows: 2,
  created: 1,
  updated: 0,
  unchanged: 0,
  rejected: 1,
  committed: true,
  errors: inspection().preview[1].errors,
  rejectsAvailable: true,
};

describe('ImportWizard', () => {
  freshEachTest(invoke);
  afterEach(() => vi.useRealTimers());

  it('inspects the chosen file, remaps a column, imports with progress and saves the rejects', async () => {
    vi.useFakeTimers();
    const polls: ImportProgress[] = [
      importProgress({ bytesRead: 1024, rowsRead: 1 }),
      importProgress({ state: 'finished', phase: 'writing', bytesRead: 2048, rowsRead: 2, summary }),
    ];
    invoke.mockImplementation(
      fakeBackend({
        choose_import_file: () => '/home/ops/customers.csv',
        inspect_customer_import: (args) => {
          const input = (args as { input: { mapping: unknown } }).input;
          return input.mapping === null
            ? inspection()
            : inspection({ mapping: input.mapping as never, mappingRemembered: false });
        },
        start_customer_import: () => importProgress(),
        customer_import_progress: () => polls.shift(),
        choose_rejects_file: () => '/home/ops/customers-rejects.csv',
        save_import_rejects: () => ({ path: '/home/ops/customers-rejects.csv', rows: 1 }),
      }),
    );
    const onfinished = vi.fn();
    render(ImportWizard, { onclose: () => {}, onfinished });
    await fireEvent.click(screen.getByTestId('import-choose'));
    await vi.advanceTimersByTimeAsync(0);

    expect(screen.getByTestId('import-file-name').textContent).toBe('customers.csv');
    expect(screen.getByTestId('import-encoding').textContent).toBe('UTF-8 with BOM');
    expect(screen.getByTestId('import-delimiter').textContent?.trim()).toBe('Semicolon (;)');
    expect(screen.getByTestId('import-mapping-source').textContent).toContain('guessed');
    expect((screen.getByTestId('import-map-phone') as HTMLSelectElement).value).toBe('1');
    const rowError = screen.getByTestId('import-row-error');
    expect(rowError.getAttribute('data-line')).toBe('3');
    expect(rowError.textContent).toContain('Line 3: phone: not an Indonesian mobile number');

    // No email column: the preview is read again with that mapping.
    await fireEvent.change(screen.getByTestId('import-map-email'), { target: { value: '' } });
    await vi.advanceTimersByTimeAsync(0);
    expect(invoke).toHaveBeenCalledWith('inspect_customer_import', {
      input: {
        path: '/home/ops/customers.csv',
        mapping: { fullName: 0, phone: 1, merchantCustomerId: 2, email: null, notes: null },
      },
    });

    await fireEvent.click(screen.getByTestId('import-mode-nothing'));
    await fireEvent.click(screen.getByTestId('import-mode-good_rows'));
    await fireEvent.click(screen.getByTestId('import-start'));
    await vi.advanceTimersByTimeAsync(0);
    expect(invoke).toHaveBeenCalledWith('start_customer_import', {
      input: {
        path: '/home/ops/customers.csv',
        mapping: { fullName: 0, phone: 1, merchantCustomerId: 2, email: null, notes: null },
        mode: 'good_rows',
        dryRun: false,
      },
    });
    expect(screen.getByTestId('import-progress').getAttribute('aria-valuenow')).toBe('0');
    await vi.advanceTimersByTimeAsync(250);
    expect(screen.getByTestId('import-progress').getAttribute('aria-valuenow')).toBe('50');
    expect(screen.getByTestId('import-rows-read').textContent).toContain('1 rows read (50%)');
    await vi.advanceTimersByTimeAsync(250);

    expect(screen.getByTestId('import-created').textContent).toBe('1');
    expect(screen.getByTestId('import-rejected').textContent).toBe('1');
    expect(within(screen.getByTestId('import-errors')).getByText(/Line 3/)).toBeTruthy();
    expect(onfinished).toHaveBeenCalled();
    // Polling stopped once the job ended.
    const calls = invoke.mock.calls.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(invoke.mock.calls.length).toBe(calls);

    await fireEvent.click(screen.getByTestId('import-download-rejects'));
    await vi.advanceTimersByTimeAsync(0);
    expect(invoke).toHaveBeenCalledWith('choose_rejects_file', { input: { suggestedName: 'customers-rejects.csv' } });
    expect(invoke).toHaveBeenCalledWith('save_import_rejects', {
      input: { jobId: 4, path: '/home/ops/customers-rejects.csv' },
    });
    expect(screen.getByTestId('import-rejects-saved').textContent).toContain('1 rejected rows saved');
  });

  it('says what is wrong with a bad file, with its line, in Bahasa Indonesia', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(
      fakeBackend({
        choose_import_file: () => '/home/ops/export.csv',
        inspect_customer_import: () => {
          throw { code: 'invalid_input', message: 'not UTF-8 at line 7', reason: 'import_encoding', line: 7 };
        },
      }),
    );
    render(ImportWizard, { onclose: () => {} });
    await fireEvent.click(screen.getByTestId('import-choose'));
    const error = await screen.findByTestId('import-error');
    expect(error.getAttribute('data-reason')).toBe('import_encoding');
    expect(error.textContent).toContain('Berkas bukan UTF-8');
    expect(screen.getByTestId('import-error-line').textContent).toContain('baris 7');
    expect(screen.queryByTestId('import-mapping')).toBeNull();
  });

  it('stays put when the file dialog is cancelled, and blocks a mapping without the phone', async () => {
    let chosen: string | null = null;
    invoke.mockImplementation(
      fakeBackend({
        choose_import_file: () => chosen,
        inspect_customer_import: () =>
          inspection({ mapping: { fullName: 0, phone: null, merchantCustomerId: 2, email: 3, notes: null }, mappingRemembered: true }),
      }),
    );
    render(ImportWizard, { onclose: () => {} });
    await fireEvent.click(screen.getByTestId('import-choose'));
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('choose_import_file', undefined));
    expect(screen.getByTestId('import-choose')).toBeTruthy();
    expect(invoke).not.toHaveBeenCalledWith('inspect_customer_import', expect.anything());

    chosen = '/home/ops/customers.csv';
    await fireEvent.click(screen.getByTestId('import-choose'));
    await screen.findByTestId('import-mapping');
    expect(screen.getByTestId('import-mapping-source').textContent).toContain('remembered');
    expect(screen.getByTestId('import-mapping-incomplete')).toBeTruthy();
    expect((screen.getByTestId('import-start') as HTMLButtonElement).disabled).toBe(true);
  });

  it('cancels a running import and says nothing was imported', async () => {
    vi.useFakeTimers();
    let cancelled = false;
    invoke.mockImplementation(
      fakeBackend({
        choose_import_file: () => '/home/ops/customers.csv',
        inspect_customer_import: () => inspection(),
        start_customer_import: () => importProgress(),
        customer_import_progress: () =>
          cancelled ? importProgress({ state: 'cancelled' }) : importProgress({ bytesRead: 512, rowsRead: 300 }),
        cancel_customer_import: () => {
          cancelled = true;
          return importProgress({ bytesRead: 512 });
        },
      }),
    );
    render(ImportWizard, { onclose: () => {} });
    await fireEvent.click(screen.getByTestId('import-choose'));
    await vi.advanceTimersByTimeAsync(0);
    await fireEvent.click(screen.getByTestId('import-start'));
    await vi.advanceTimersByTimeAsync(250);
    await fireEvent.click(screen.getByTestId('import-cancel'));
    await vi.advanceTimersByTimeAsync(250);
    expect(invoke).toHaveBeenCalledWith('cancel_customer_import', { input: { jobId: 4 } });
    expect(screen.getByTestId('import-done').getAttribute('data-state')).toBe('cancelled');
    expect(screen.getByTestId('import-cancelled').textContent).toContain('Nothing was imported');
  });

  it('says why a running import failed, by its reason, and that nothing was imported', async () => {
    vi.useFakeTimers();
    invoke.mockImplementation(
      fakeBackend({
        choose_import_file: () => '/home/ops/customers.csv',
        inspect_customer_import: () => inspection(),
        start_customer_import: () => importProgress(),
        customer_import_progress: () =>
          importProgress({
            state: 'failed',
            error: { code: 'invalid_input', message: 'more than 1000000 rows', reason: 'import_too_many_rows' },
          }),
      }),
    );
    render(ImportWizard, { onclose: () => {} });
    await fireEvent.click(screen.getByTestId('import-choose'));
    await vi.advanceTimersByTimeAsync(0);
    await fireEvent.click(screen.getByTestId('import-start'));
    await vi.advanceTimersByTimeAsync(250);
    const failed = screen.getByTestId('import-failed');
    expect(failed.getAttribute('data-reason')).toBe('import_too_many_rows');
    expect(failed.textContent).toContain('more than 1,000,000 rows');
    expect(screen.getByTestId('import-done').textContent).toContain('Nothing was imported.');
  });

  it('checks the whole file without writing, then imports it', async () => {
    vi.useFakeTimers();
    let dry = true;
    invoke.mockImplementation(
      fakeBackend({
        choose_import_file: () => '/home/ops/customers.csv',
        inspect_customer_import: () => inspection(),
        start_customer_import: (args) => {
          dry = (args as { input: { dryRun: boolean } }).input.dryRun;
          return importProgress({ jobId: dry ? 5 : 6 });
        },
        customer_import_progress: () =>
          importProgress({ jobId: dry ? 5 : 6, state: 'finished', bytesRead: 2048, summary: { ...summary, committed: !dry } }),
      }),
    );
    const onfinished = vi.fn();
    render(ImportWizard, { onclose: () => {}, onfinished });
    await fireEvent.click(screen.getByTestId('import-choose'));
    await vi.advanceTimersByTimeAsync(0);
    await fireEvent.click(screen.getByTestId('import-check'));
    await vi.advanceTimersByTimeAsync(250);
    const said = screen.getByTestId('import-committed');
    expect(said.getAttribute('data-dry-run')).toBe('true');
    expect(said.textContent).toContain('nothing imported yet');
    expect(onfinished).not.toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId('import-start'));
    await vi.advanceTimersByTimeAsync(250);
    expect(invoke).toHaveBeenLastCalledWith('customer_import_progress', { input: { jobId: 6 } });
    expect(screen.getByTestId('import-committed').getAttribute('data-committed')).toBe('true');
    expect(onfinished).toHaveBeenCalledTimes(1);
    const starts = invoke.mock.calls.filter(([cmd]) => cmd === 'start_customer_import').map(([, a]) => a.input.dryRun);
    expect(starts).toEqual([true, false]);
  });
});
