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

  describe('refresh', () => {
    const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

    it('fetches what is shown in the background: no loading, and a failure keeps what is shown', async () => {
      const paging = new Paging();
      const shown: string[] = [];
      await paging.fetch(true, () => Promise.resolve('first'), (page) => shown.push(page));
      const answer = deferred<string>();
      const done = paging.refresh(() => answer.promise, (fresh) => shown.splice(0, shown.length, fresh));
      expect(paging.loading).toBe(false);
      answer.resolve('fresh');
      await done;
      expect(shown).toEqual(['fresh']);

      await paging.refresh(() => Promise.reject(new AppError('storage', 'disk full')), () => shown.push('never'));
      expect(shown).toEqual(['fresh']);
      expect(paging.problem).toBeNull();
    });

    it('refreshes nothing before the first page', async () => {
      const paging = new Paging();
      let asked = 0;
      await paging.refresh(() => Promise.resolve(++asked), () => {});
      expect(asked).toBe(0);
    });

    it('waits for a page on its way, then runs', async () => {
      const paging = new Paging();
      const applied: string[] = [];
      await paging.fetch(true, () => Promise.resolve('first'), (page) => applied.push(page));
      const next = deferred<string>();
      const more = paging.fetch(false, () => next.promise, (page) => applied.push(page));
      await paging.refresh(() => Promise.resolve('refreshed'), (fresh) => applied.push(fresh));
      expect(applied).toEqual(['first']);
      next.resolve('second');
      await more;
      await settle();
      expect(applied).toEqual(['first', 'second', 'refreshed']);
    });

    it('is dropped by a fresh start, and asked again after a page that started meanwhile', async () => {
      const paging = new Paging();
      const applied: string[] = [];
      await paging.fetch(true, () => Promise.resolve('first'), (page) => applied.push(page));
      let answers = 0;
      const slow = deferred<string>();
      const refreshed = paging.refresh(
        () => (++answers === 1 ? slow.promise : Promise.resolve('refreshed again')),
        (fresh) => applied.push(fresh),
      );
      await paging.fetch(false, () => Promise.resolve('second'), (page) => applied.push(page));
      slow.resolve('stale');
      await refreshed;
      await settle();
      expect(applied).toEqual(['first', 'second', 'refreshed again']);

      const old = deferred<string>();
      const dropped = paging.refresh(() => old.promise, (fresh) => applied.push(fresh));
      await paging.fetch(true, () => Promise.resolve('new filters'), (page) => applied.push(page));
      old.resolve('old filters');
      await dropped;
      await settle();
      expect(applied).toEqual(['first', 'second', 'refreshed again', 'new filters']);
    });
  });
});
