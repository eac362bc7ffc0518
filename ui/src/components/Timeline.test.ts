import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Timeline from './Timeline.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { formatMoney } from '../lib/format';
import { freshEachTest } from '../test/fixtures';
import type { TimelineEventView } from '../lib/ipc/types';

const EVENTS: TimelineEventView[] = [
  {
    at: '2026-03-05T07:07:09Z',
    kind: 'refund_requested',
    actor: 'Sari Staff',
    detail: '{"amount":185000,"by":2,"deadline":null,"mode":"api","reason":"Customer returned the goods"}',
  },
  { at: '2026-03-05T07:08:00Z', kind: 'refund_awaiting_transfer', actor: null, detail: '{}' },
  {
    at: '2026-03-05T07:09:00Z',
    kind: 'refund_failed',
    actor: null,
    detail: '{"provider_ref":null,"problem":{"code":"4040701","message":"Transaction not found"}}',
  },
];

describe('Timeline', () => {
  freshEachTest(invoke, null);

  it('shows each event as a sentence, with the raw record one click away', async () => {
    render(Timeline, { props: { events: EVENTS, testid: 'tl', headingId: 'tl-h' } });
    const items = within(screen.getByTestId('tl')).getAllByTestId('timeline-event');
    expect(items.map((e) => e.getAttribute('data-kind'))).toEqual(['refund_requested', 'refund_awaiting_transfer', 'refund_failed']);
    const sentences = screen.getAllByTestId('timeline-sentence').map((s) => s.textContent);
    expect(sentences).toEqual([
      `Sari Staff requested a refund of ${formatMoney(185000, 'en')}: Customer returned the goods.`,
      'Approved; waiting for the merchant’s own transfer.',
      'Refund failed at the provider: 4040701 Transaction not found.',
    ]);
    expect(items[0].textContent).toContain('5 Mar 2026 14:07 WIB');
    expect(items[0].textContent).not.toContain('{"amount"');

    // The raw record: only where the detail has something, closed until asked for, pretty-printed.
    expect(items[1].querySelector('details')).toBeNull();
    const raw = items[0].querySelector('details');
    expect(raw).not.toBeNull();
    expect(raw?.open).toBe(false);
    const summary = within(items[0]).getByText('Raw record');
    await fireEvent.click(summary);
    expect(raw?.querySelector('pre')?.textContent).toBe(JSON.stringify(JSON.parse(EVENTS[0].detail), null, 2));
  });

  it('speaks Indonesian', () => {
    setCurrentLanguage('id');
    render(Timeline, { props: { events: EVENTS.slice(0, 1), testid: 'tl', headingId: 'tl-h' } });
    expect(screen.getByTestId('timeline-sentence').textContent).toBe(
      `Sari Staff mengajukan pengembalian dana sebesar ${formatMoney(185000, 'id')}: Customer returned the goods.`,
    );
    expect(screen.getByText('Data asli').tagName).toBe('SUMMARY');
  });
});
