// Export test data: a job's progress, and the answers of an export that finishes at once.

import type { ExportProgress } from '../lib/ipc/types';

/** A job's progress: job 7, running, 12,500 rows to write to `path`, unless `overrides` say otherwise. */
export function exportProgress(path: string, overrides: Partial<ExportProgress> = {}): ExportProgress {
  return { jobId: 7, state: 'running', rowsWritten: 0, rowsTotal: 12_500, path, error: null, ...overrides };
}

/** The save dialog answers `path`, and the export writes its `rows` rows there at once. */
export function finishedExport(path: string, rows: number) {
  return {
    choose_export_file: () => path,
    start_export: () => exportProgress(path, { state: 'finished', rowsWritten: rows, rowsTotal: rows }),
  };
}
