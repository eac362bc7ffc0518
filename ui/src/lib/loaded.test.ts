import { describe, expect, it } from 'vitest';
import { AppError } from './ipc/client';
import { Loaded } from './loaded.svelte';
import { deferred } from '../test/customers';

describe('Loaded.refresh', () => {
  it('loads again in the background: no loading, and a failure keeps what is shown', async () => {
    let answer: () => Promise<string> = () => Promise.resolve('first');
    const loaded = new Loaded(() => answer());
    await loaded.load();

    const fresh = deferred<string>();
    answer = () => fresh.promise;
    const refreshed = loaded.refresh();
    expect(loaded.loading).toBe(false);
    fresh.resolve('fresh');
    await refreshed;
    expect(loaded.value).toBe('fresh');

    answer = () => Promise.reject(new AppError('storage', 'the ledger server cannot be reached'));
    await loaded.refresh();
    expect(loaded.value).toBe('fresh');
    expect(loaded.problem).toBeNull();
  });

  it('refreshes nothing before the first load, and gives way to a newer load', async () => {
    let asked = 0;
    const answers = [deferred<string>(), deferred<string>()];
    const loaded = new Loaded(() => (asked < 2 ? answers[asked++].promise : Promise.resolve('newest')));
    await loaded.refresh();
    expect(asked).toBe(0);

    answers[0].resolve('first');
    await loaded.load();
    const refreshed = loaded.refresh();
    const reloaded = loaded.load();
    // The refresh's answer comes after the newer load started: it is dropped.
    answers[1].resolve('stale');
    await refreshed;
    await reloaded;
    expect(loaded.value).toBe('newest');
    expect(loaded.loading).toBe(false);
  });
});
