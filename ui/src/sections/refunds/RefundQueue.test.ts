import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import RefundQueue from './RefundQueue.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { finishedExport } from '../../test/exports';
import { fakeBackend, freshEachTest, inputsSent } from '../../test/fixtures';
import type { ExportFileInput, StartExportInput } from '../../lib/ipc/types';

describe('RefundQueue export', () => {
  freshEachTest(invoke);

  it.each([
    ['en', 'refunds-failed'],
    ['id', 'pengembalian-dana-failed'],
  ] as const)("in %s: exports the current tab's state, and offers none on a tab of several states", async (language, name) => {
    setCurrentLanguage(language);
    invoke.mockImplementation(
      fakeBackend({
        refund_queue: () => ({ items: [], next: null }),
        ...finishedExport('/home/ops/r.csv', 0),
      }),
    );
    render(RefundQueue, { onopen: () => {} });
    await screen.findByTestId('refunds-empty');
    expect(screen.getByTestId('refunds-export-csv')).toBeTruthy();

    await fireEvent.click(screen.getByTestId('refunds-tab-processing'));
    expect(screen.queryByTestId('refunds-export-csv')).toBeNull();

    await fireEvent.click(screen.getByTestId('refunds-tab-failed'));
    await fireEvent.click(screen.getByTestId('refunds-export-csv'));
    await waitFor(() => expect(screen.getByTestId('refunds-export-done').getAttribute('data-state')).toBe('finished'));
    expect(inputsSent<ExportFileInput>(invoke, 'choose_export_file')[0].suggestedName).toMatch(
      new RegExp(`^${name}-\\d{4}-\\d{2}-\\d{2}\\.csv$`),
    );
    expect(inputsSent<StartExportInput>(invoke, 'start_export')).toEqual([
      { list: { list: 'refunds', status: 'failed' }, format: 'csv', path: '/home/ops/r.csv', language },
    ]);
  });
});
