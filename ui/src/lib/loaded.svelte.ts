// Something a screen loads from the back end: the latest value, whether a load is running, and the problem that
// stopped the last load. Only the latest load's answer counts (a background refresh is a load too).

import { problemFromError, type Problem } from './errors';

export class Loaded<T> {
  /** Null until the first load succeeds (or while a load that clears it runs). */
  value = $state<T | null>(null);
  loading = $state(false);
  problem = $state<Problem | null>(null);
  #latest = 0;

  /** `accept` sees each answer that counts just before it is shown (e.g. to fill a form from it). */
  constructor(
    private readonly fetch: () => Promise<T>,
    private readonly accept?: (fresh: T) => void,
  ) {}

  /** Loads again; `clear` drops the value first (e.g. when what is asked for changed). */
  async load({ clear = false }: { clear?: boolean } = {}): Promise<void> {
    const mine = ++this.#latest;
    this.loading = true;
    this.problem = null;
    if (clear) this.value = null;
    try {
      const fresh = await this.fetch();
      if (mine === this.#latest) {
        this.accept?.(fresh);
        this.value = fresh;
      }
    } catch (error) {
      if (mine === this.#latest) this.problem = problemFromError(error);
    } finally {
      if (mine === this.#latest) this.loading = false;
    }
  }

  /**
   * Loads again in the background (e.g. another desk changed it): no "loading", and a failure keeps what is
   * shown. Nothing is shown before the first load, so nothing is refreshed.
   */
  async refresh(): Promise<void> {
    if (this.value === null) return;
    const mine = ++this.#latest;
    try {
      const fresh = await this.fetch();
      if (mine === this.#latest) {
        this.accept?.(fresh);
        this.value = fresh;
        this.problem = null;
      }
    } catch {
      // Quiet: the next change, the page's own polling or the operator tries again.
    } finally {
      // It may have overtaken a load that was on its way.
      if (mine === this.#latest) this.loading = false;
    }
  }
}
