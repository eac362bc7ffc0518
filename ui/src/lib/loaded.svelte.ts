// Something a screen loads from the back end: the latest value, whether a load is running, and the problem that
// stopped the last load. Only the latest load's answer counts.

import { problemFromError, type Problem } from './errors';

export class Loaded<T> {
  /** Null until the first load succeeds (or while a load that clears it runs). */
  value = $state<T | null>(null);
  loading = $state(false);
  problem = $state<Problem | null>(null);
  #latest = 0;

  constructor(private readonly fetch: () => Promise<T>) {}

  /** Loads again; `clear` drops the value first (e.g. when what is asked for changed). */
  async load({ clear = false }: { clear?: boolean } = {}): Promise<void> {
    const mine = ++this.#latest;
    this.loading = true;
    this.problem = null;
    if (clear) this.value = null;
    try {
      const fresh = await this.fetch();
      if (mine === this.#latest) this.value = fresh;
    } catch (error) {
      if (mine === this.#latest) this.problem = problemFromError(error);
    } finally {
      if (mine === this.#latest) this.loading = false;
    }
  }
}
