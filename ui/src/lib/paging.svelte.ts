// A list fetched page by page: whether a page is on its way, whether any came, and what stopped the last one.
// A fresh start (e.g. new filters or another tab) drops the answers still on their way for the old one.
// A refresh fetches again, in the background, what is shown (e.g. when another desk changed the ledger).

import { problemFromError, type Problem } from './errors';

export class Paging {
  loading = $state(false);
  /** A page has come since the last fresh start. */
  loaded = $state(false);
  problem = $state<Problem | null>(null);
  private generation = 0;
  /** Counts every fetch and refresh started: a refresh counts only if nothing else started meanwhile. */
  private started = 0;
  /** The `started` count of the latest refresh. */
  private latestRefresh = 0;
  /** A refresh asked for while a page was on its way: it runs when that page is in. */
  private refreshAfterPage: (() => void) | null = null;

  /**
   * Fetches one page (`fresh`: the first of a new start) and hands it to `apply`, unless a newer start has
   * come meanwhile; a failure becomes the problem.
   */
  async fetch<T>(fresh: boolean, fetchPage: () => Promise<T>, apply: (page: T) => void): Promise<void> {
    const mine = fresh ? ++this.generation : this.generation;
    const current = () => mine === this.generation;
    // A fresh start shows the ledger as it is now: a refresh waiting for the old pages is not needed.
    if (fresh) this.refreshAfterPage = null;
    this.started += 1;
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
      if (current()) {
        this.loading = false;
        const refresh = this.refreshAfterPage;
        this.refreshAfterPage = null;
        refresh?.();
      }
    }
  }

  /**
   * Fetches what is shown again in the background and hands it to `apply`: no "loading", and a failure keeps
   * what is shown (the next change or the operator tries again). While a page is on its way it waits for it;
   * dropped when a newer refresh, a page or a fresh start comes meanwhile (after a page another refresh
   * follows). Nothing is shown before the first page, so nothing is refreshed.
   */
  async refresh<T>(fetchShown: () => Promise<T>, apply: (shown: T) => void): Promise<void> {
    const again = () => void this.refresh(fetchShown, apply);
    if (this.loading) {
      this.refreshAfterPage = again;
      return;
    }
    if (!this.loaded) return;
    const generation = this.generation;
    const mine = ++this.started;
    this.latestRefresh = mine;
    let shown: T;
    try {
      shown = await fetchShown();
    } catch {
      return;
    }
    if (generation !== this.generation) return;
    if (mine === this.started) apply(shown);
    // A page started meanwhile (and no newer refresh will follow it): ask again, after that page.
    else if (mine === this.latestRefresh) again();
  }
}

/** Runs `action` a moment (`delayMs`) after the value `key` reads changes, not on the first read: a list's filter
 *  change reloads it once typing pauses. Call it while a component initialises. */
export function afterChange(key: () => string, action: () => void, delayMs: number): void {
  let first: string | null = null;
  $effect(() => {
    const current = key();
    if (first === null) {
      first = current;
      return;
    }
    const timer = setTimeout(action, delayMs);
    return () => clearTimeout(timer);
  });
}
