// Changes other desks make to a shared ledger: while an operator is signed in and unlocked, one loop waits on
// `next_ledger_change` (a long poll) and counts each table's changes; screens depend on those counts and
// refresh themselves quietly. A file ledger answers `live: false` and the loop stops asking.

import { untrack } from 'svelte';
import { api, AppError } from './ipc/client';
import type { LedgerChanges } from './ipc/types';

export const LEDGER_TABLES = ['payments', 'refunds', 'bindings', 'customers'] as const;
export type LedgerTable = (typeof LEDGER_TABLES)[number];

/** The waits after a failed ask: the first failure, then every later one in a row. */
export const LIVE_RETRY_MS: readonly number[] = [3_000, 10_000];

/** Errors no retry can mend: the session must change first (sign-in or unlock start the loop again). */
const SESSION_ENDED = new Set(['unauthenticated', 'locked', 'password_change_required']);

export type Timers = {
  set: (run: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
};

const browserTimers: Timers = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function isLedgerTable(name: string): name is LedgerTable {
  return (LEDGER_TABLES as readonly string[]).includes(name);
}

/** One run of the loop, from a start to its stop. */
type Run = { stopped: boolean; timer: unknown; wake: (() => void) | null };

export class LedgerFeed {
  /** How many answers named each table since the app started; only changes of these numbers matter. */
  readonly changes = $state<Record<LedgerTable, number>>({ payments: 0, refunds: 0, bindings: 0, customers: 0 });
  /** A loop is running (asking, or waiting to ask again after a failure). */
  running = $state(false);
  /** The `seq` of the latest answer: the next ask wants what changed after it. */
  #after = 0;
  #run: Run | null = null;

  constructor(
    private readonly ask: (after: number) => Promise<LedgerChanges>,
    private readonly timers: Timers = browserTimers,
  ) {}

  /** Starts the loop (stopping any other first); returns what stops it. */
  start(): () => void {
    this.stop();
    const run: Run = { stopped: false, timer: null, wake: null };
    this.#run = run;
    this.running = true;
    void this.#loop(run);
    return () => {
      if (this.#run === run) this.stop();
    };
  }

  /** Stops the loop: an answer still on its way is dropped, a wait before a retry ends now. */
  stop(): void {
    const run = this.#run;
    if (!run) return;
    run.stopped = true;
    this.timers.clear(run.timer);
    run.wake?.();
    this.#run = null;
    this.running = false;
  }

  async #loop(run: Run): Promise<void> {
    let failures = 0;
    while (!run.stopped) {
      let answer: LedgerChanges;
      try {
        answer = await this.ask(this.#after);
      } catch (error) {
        if (run.stopped) return;
        if (error instanceof AppError && SESSION_ENDED.has(error.code)) break;
        await this.#pause(run, LIVE_RETRY_MS[Math.min(failures, LIVE_RETRY_MS.length - 1)]);
        failures += 1;
        continue;
      }
      if (run.stopped) return;
      failures = 0;
      if (!answer.live) break;
      this.#after = answer.seq;
      for (const table of answer.tables) if (isLedgerTable(table)) this.changes[table] += 1;
    }
    if (this.#run === run) {
      this.#run = null;
      this.running = false;
    }
  }

  #pause(run: Run, ms: number): Promise<void> {
    return new Promise((resolve) => {
      run.wake = resolve;
      run.timer = this.timers.set(resolve, ms);
    });
  }
}

/** The app's feed, asking the back end. */
export const ledgerFeed = new LedgerFeed((after) => api.nextLedgerChange({ after }));

/**
 * Calls `refresh` whenever one of `tables` changes (not at first). Call while a component is created; the
 * refresh should be quiet (no "loading", no toast), as nobody asked for it.
 */
export function onLedgerChange(tables: readonly LedgerTable[], refresh: () => void, feed: LedgerFeed = ledgerFeed): void {
  let seen: number | null = null;
  $effect(() => {
    const count = tables.reduce((sum, table) => sum + feed.changes[table], 0);
    if (seen !== null && count !== seen) untrack(refresh);
    seen = count;
  });
}
