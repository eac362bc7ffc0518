// Changes "another desk" makes, as the change feed reports them to the screens.

import { waitFor } from '@testing-library/svelte';
import { expect, type Mock } from 'vitest';
import type { LedgerTable } from '../lib/liveChanges.svelte';
import { ledgerFeed } from '../lib/liveChanges.svelte';

let seq = 0;

/**
 * Reports one change to `tables` through the app's feed: its loop starts, hears the change from the fake
 * `next_ledger_change` (which `invoke` must route to `answerChange`), then hears the ledger is not live and ends.
 */
export async function reportChange(invoke: Mock, ...tables: LedgerTable[]): Promise<void> {
  const asked = () => invoke.mock.calls.filter(([command]) => command === 'next_ledger_change').length;
  const before = asked();
  pending = tables;
  ledgerFeed.start();
  await waitFor(() => expect(asked()).toBeGreaterThanOrEqual(before + 2));
  await waitFor(() => expect(ledgerFeed.running).toBe(false));
}

let pending: LedgerTable[] | null = null;

/** The fake `next_ledger_change`: the change `reportChange` was asked for, then "not live". */
export function answerChange() {
  if (!pending) return { seq, tables: [], live: false };
  const tables = pending;
  pending = null;
  seq += 1;
  return { seq, tables, live: true };
}
