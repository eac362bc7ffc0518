import { describe, expect, it } from 'vitest';
import { AppError } from './ipc/client';
import { Paging } from './paging.svelte';
import { deferred } from '../test/customers';

describe('Paging', () => {
  it('applies a page, then says a page came and nothing is on its way', async () => {
    const paging = new Paging();
    const applied: number[] = [];
    const page = deferred<number>();
    const done = paging.fetch(true, () => page.promise, (n) => applied.push(n));
    expect(paging.loading).toBe(true);
    expect(paging.loaded).toBe(false);
    page.resolve(1);
    await done;
    expect(applied).toEqual([1]);
    expect(paging.loading).toBe(false);
    expect(paging.loaded).toBe(true);
    expect(paging.problem).toBeNull();
  });

  it('drops the answer of an older start, and its failure too', async () => {
    const paging = new Paging();
    const applied: string[] = [];
    const old = deferred<string>();
    const oldFailing = deferred<string>();
    const first = paging.fetch(true, () => old.promise, (page) => applied.push(page));
    const second = paging.fetch(false, () => oldFailing.promise, (page) => applied.push(page));
    const fresh = paging.fetch(true, () => Promise.resolve('fresh'), (page) => applied.push(page));
    await fresh;
    old.resolve('old');
    oldFailing.reject({ code: 'internal', message: 'late', reason: null });
    await Promise.all([first, second]);
    expect(applied).toEqual(['fresh']);
    expect(paging.problem).toBeNull();
    expect(paging.loading).toBe(false);
  });

  it('keeps what stopped the current page, and clears it on the next try', async () => {
    const paging = new Paging();
    await paging.fetch(true, () => Promise.reject(new AppError('storage', 'disk full')), () => {});
    expect(paging.problem?.code).toBe('storage');
    expect(paging.loaded).toBe(false);
    expect(paging.loading).toBe(false);
    await paging.fetch(false, () => Promise.resolve(1), () => {});
    expect(paging.problem).toBeNull();
    expect(paging.loaded).toBe(true);
  });
});
