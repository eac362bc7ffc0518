import { describe, expect, it } from 'vitest';
import { AppError } from './ipc/client';
import type { LedgerChanges } from './ipc/types';
import { LedgerFeed, LIVE_RETRY_MS, type Timers } from './liveChanges.svelte';
import { deferred } from '../test/customers';

/** A back end whose every `next_ledger_change` waits until the test answers it. */
function scriptedBackEnd() {
  const asks: { after: number; answer: ReturnType<typeof deferred<LedgerChanges>> }[] = [];
  return {
    asks,
    ask: (after: number) => {
      const answer = deferred<LedgerChanges>();
      asks.push({ after, answer });
      return answer.promise;
    },
    /** Answers the latest ask. */
    answer(changes: Partial<LedgerChanges>) {
      asks[asks.length - 1].answer.resolve({ seq: 0, tables: [], live: true, ...changes });
    },
    fail(error: unknown) {
      asks[asks.length - 1].answer.reject(error);
    },
  };
}

/** Timers the test fires by hand. */
function handTimers() {
  const waits: { ms: number; fire: () => void; cleared: boolean }[] = [];
  const timers: Timers = {
    set: (fire, ms) => {
      const wait = { ms, fire, cleared: false };
      waits.push(wait);
      return wait;
    },
    clear: (handle) => {
      if (handle) (handle as { cleared: boolean }).cleared = true;
    },
  };
  return { waits, timers };
}

/** Lets the loop take its next step. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('LedgerFeed', () => {
  it('stops asking once the ledger says it is not live', async () => {
    const backEnd = scriptedBackEnd();
    const feed = new LedgerFeed(backEnd.ask, handTimers().timers);
    feed.start();
    expect(feed.running).toBe(true);
    backEnd.answer({ seq: 0, live: false });
    await settle();
    expect(backEnd.asks).toHaveLength(1);
    expect(feed.running).toBe(false);
  });

  it('asks for what changed after the previous answer and counts each table', async () => {
    const backEnd = scriptedBackEnd();
    const feed = new LedgerFeed(backEnd.ask, handTimers().timers);
    feed.start();
    backEnd.answer({ seq: 4, tables: ['refunds'] });
    await settle();
    // Nothing within the wait: the same seq, no tables.
    backEnd.answer({ seq: 4, tables: [] });
    await settle();
    backEnd.answer({ seq: 9, tables: ['payments', 'customers', 'something_new'] });
    await settle();
    expect(backEnd.asks.map((a) => a.after)).toEqual([0, 4, 4, 9]);
    expect({ ...feed.changes }).toEqual({ payments: 1, refunds: 1, bindings: 0, customers: 1 });
    feed.stop();
  });

  it('waits 3 s after a failure, then 10 s after each failure in a row, and 3 s again after an answer', async () => {
    const backEnd = scriptedBackEnd();
    const { waits, timers } = handTimers();
    const feed = new LedgerFeed(backEnd.ask, timers);
    feed.start();
    const unreachable = new AppError('storage', 'the ledger server cannot be reached');

    backEnd.fail(unreachable);
    await settle();
    expect(waits.map((w) => w.ms)).toEqual([LIVE_RETRY_MS[0]]);
    expect(LIVE_RETRY_MS[0]).toBe(3_000);
    expect(backEnd.asks).toHaveLength(1);
    waits[0].fire();
    await settle();
    expect(backEnd.asks).toHaveLength(2);

    backEnd.fail(unreachable);
    await settle();
    expect(backEnd.asks).toHaveLength(2);
    waits[1].fire();
    await settle();
    backEnd.fail(unreachable);
    await settle();
    expect(waits.map((w) => w.ms)).toEqual([3_000, 10_000, 10_000]);
    waits[2].fire();
    await settle();

    backEnd.answer({ seq: 2, tables: ['bindings'] });
    await settle();
    backEnd.fail(unreachable);
    await settle();
    expect(waits.map((w) => w.ms)).toEqual([3_000, 10_000, 10_000, 3_000]);
    expect(backEnd.asks.map((a) => a.after)).toEqual([0, 0, 0, 0, 2]);
    feed.stop();
    expect(waits[3].cleared).toBe(true);
  });

  it('stops without retrying when the session is locked or gone', async () => {
    const backEnd = scriptedBackEnd();
    const { waits, timers } = handTimers();
    const feed = new LedgerFeed(backEnd.ask, timers);
    feed.start();
    backEnd.fail(new AppError('locked', 'session is locked'));
    await settle();
    expect(feed.running).toBe(false);
    expect(waits).toHaveLength(0);
    expect(backEnd.asks).toHaveLength(1);
  });

  it('drops the answer on its way when stopped, and starts again from the last seq', async () => {
    const backEnd = scriptedBackEnd();
    const feed = new LedgerFeed(backEnd.ask, handTimers().timers);
    const stop = feed.start();
    backEnd.answer({ seq: 5, tables: ['payments'] });
    await settle();
    expect(feed.changes.payments).toBe(1);

    stop();
    expect(feed.running).toBe(false);
    backEnd.answer({ seq: 6, tables: ['payments'] });
    await settle();
    expect(feed.changes.payments).toBe(1);
    expect(backEnd.asks).toHaveLength(2);

    feed.start();
    await settle();
    expect(backEnd.asks.map((a) => a.after)).toEqual([0, 5, 5]);
    feed.stop();
  });

  it('runs one loop at a time: a second start ends the first', async () => {
    const backEnd = scriptedBackEnd();
    const feed = new LedgerFeed(backEnd.ask, handTimers().timers);
    const stopFirst = feed.start();
    feed.start();
    expect(backEnd.asks).toHaveLength(2);
    // The first loop's answer is dropped and it asks no more.
    backEnd.asks[0].answer.resolve({ seq: 3, tables: ['refunds'], live: true });
    await settle();
    expect(feed.changes.refunds).toBe(0);
    expect(backEnd.asks).toHaveLength(2);
    // Its stop no longer stops the loop that replaced it.
    stopFirst();
    expect(feed.running).toBe(true);
    backEnd.answer({ seq: 4, tables: ['refunds'] });
    await settle();
    expect(feed.changes.refunds).toBe(1);
    expect(backEnd.asks.map((a) => a.after)).toEqual([0, 0, 4]);
    feed.stop();
  });
});
