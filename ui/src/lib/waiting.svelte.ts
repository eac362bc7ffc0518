// What waits for the signed-in operator's role, shown as counts in the navigation: refunds to approve (for
// those who approve), and the payments and refunds whose outcome is unknown or needs review. Reloaded when
// the ledger changes, when the operator moves between sections, and every half minute (a file ledger has
// no change feed, and the background checks settle items on their own).

import { api } from './ipc/client';
import type { WaitingCountsView } from './ipc/types';
import type { Section } from './nav';

export const WAITING_REFRESH_MS = 30_000;

export type CountKey = 'nav.count.toApprove' | 'nav.count.unknown' | 'nav.count.needsReview' | 'nav.count.needsDecision';
export type CountPart = { key: CountKey; count: number };
export type SectionCount = { total: number; parts: CountPart[] };

function sectionCount(parts: CountPart[]): SectionCount | undefined {
  const shown = parts.filter((p) => p.count > 0);
  const total = shown.reduce((sum, p) => sum + p.count, 0);
  return total > 0 ? { total, parts: shown } : undefined;
}

/** The count each section shows (none where nothing waits). */
export function sectionCounts(waiting: WaitingCountsView | null): Partial<Record<Section, SectionCount>> {
  if (!waiting) return {};
  const open = waiting.openItems;
  const counts: Partial<Record<Section, SectionCount>> = {};
  const payments = sectionCount([
    { key: 'nav.count.unknown', count: open.unknownPayments },
    { key: 'nav.count.needsReview', count: open.needsReviewPayments },
  ]);
  const refunds = sectionCount([
    { key: 'nav.count.toApprove', count: waiting.refundsToApprove ?? 0 },
    { key: 'nav.count.unknown', count: open.unknownRefunds },
    { key: 'nav.count.needsDecision', count: open.needsReviewRefunds },
  ]);
  if (payments) counts.payments = payments;
  if (refunds) counts.refunds = refunds;
  return counts;
}

class Waiting {
  /** The latest counts; null until the first answer (or after sign-out). */
  counts = $state<WaitingCountsView | null>(null);
  /** The first answer came (or failed): the shell may choose the start section. */
  settled = $state(false);
  #asking = false;
  /** Asked again while an answer was on its way: ask once more after it. */
  #again = false;
  /** Bumped by `reset`: an answer to an earlier session's ask is dropped. */
  #session = 0;

  async load(): Promise<void> {
    if (this.#asking) {
      this.#again = true;
      return;
    }
    this.#asking = true;
    const session = this.#session;
    try {
      const counts = await api.waitingCounts();
      if (session === this.#session) this.counts = counts;
    } catch {
      // Counts are a convenience: the sections themselves say what waits.
    }
    if (session !== this.#session) return;
    this.#asking = false;
    this.settled = true;
    if (this.#again) {
      this.#again = false;
      await this.load();
    }
  }

  /** A new sign-in: forget the counts, and any answer still on its way. */
  reset(): void {
    this.#session += 1;
    this.#asking = false;
    this.#again = false;
    this.counts = null;
    this.settled = false;
  }
}

export const waiting = new Waiting();
