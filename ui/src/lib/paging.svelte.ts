// A list fetched page by page: whether a page is on its way, whether any came, and what stopped the last one.
// A fresh start (e.g. new filters or another tab) drops the answers still on their way for the old one.

import { problemFromError, type Problem } from './errors';

export class Paging {
  loading = $state(false);
  /** A page has come since the last fresh start. */
  loaded = $state(false);
  problem = $state<Problem | null>(null);
  private generation = 0;

  /**
   * Fetches one page (`fresh`: the first of a new start) and hands it to `apply`, unless a newer start has
   * come meanwhile; a failure becomes the problem.
   */
  async fetch<T>(fresh: boolean, fetchPage: () => Promise<T>, apply: (page: T) => void): Promise<void> {
    const mine = fresh ? ++this.generation : this.generation;
    const current = () => mine === this.generation;
    this.loading = true;
    this.problem = null;
    try {
      const page = await fetchPage();
      if (!current()) return;
      apply(page);
      this.loaded = true;
    } catch (error) {
      if (current()) this.problem = problemFromError(error);
    } finally {
      if (current()) this.loading = false;
    }
  }
}
