import { describe, expect, it, vi } from 'vitest';
import { sectionCounts } from './waiting.svelte';
import { waitingCounts } from '../test/fixtures';

describe('sectionCounts', () => {
  it('shows nothing before the first answer or when nothing waits', () => {
    expect(sectionCounts(null)).toEqual({});
    expect(sectionCounts(waitingCounts({}, 0))).toEqual({});
  });

  it('counts unknown and needs-review payments on Payments', () => {
    const counts = sectionCounts(waitingCounts({ unknownPayments: 2, needsReviewPayments: 1 }));
    expect(counts.payments).toEqual({
      total: 3,
      parts: [
        { key: 'nav.count.unknown', count: 2 },
        { key: 'nav.count.needsReview', count: 1 },
      ],
    });
    expect(counts.refunds).toBeUndefined();
  });

  it('counts refunds to approve, unknown and needing a decision on Refunds, leaving out the empty parts', () => {
    const counts = sectionCounts(waitingCounts({ unknownRefunds: 0, needsReviewRefunds: 4 }, 1200));
    expect(counts.refunds).toEqual({
      total: 1204,
      parts: [
        { key: 'nav.count.toApprove', count: 1200 },
        { key: 'nav.count.needsDecision', count: 4 },
      ],
    });
  });
});

describe('waiting', () => {
  it('asks once more when asked during an ask, and drops an earlier session’s answer', async () => {
    const { waiting } = await import('./waiting.svelte');
    const { api } = await import('./ipc/client');
    const answers: Array<(v: ReturnType<typeof waitingCounts>) => void> = [];
    const spy = vi.spyOn(api, 'waitingCounts').mockImplementation(() => new Promise((resolve) => answers.push(resolve)));
    try {
      waiting.reset();
      const first = waiting.load();
      void waiting.load(); // while the first is on its way
      expect(answers).toHaveLength(1);
      answers[0](waitingCounts({}, 1));
      await vi.waitFor(() => expect(answers).toHaveLength(2));
      answers[1](waitingCounts({}, 2));
      await first;
      expect(waiting.counts?.refundsToApprove).toBe(2);

      // Signed out and in again: the old session's late answer does not count.
      const late = waiting.load();
      waiting.reset();
      answers[2](waitingCounts({}, 99));
      await late;
      expect(waiting.counts).toBeNull();
      expect(waiting.settled).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});
