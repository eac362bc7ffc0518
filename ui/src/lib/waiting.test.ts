import { describe, expect, it } from 'vitest';
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
