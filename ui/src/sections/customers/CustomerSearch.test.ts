import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import CustomerSearch from './CustomerSearch.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { customer, deferred, searchResult as result } from '../../test/customers';
import type { SearchInput, SearchResult } from '../../lib/ipc/types';
import { freshEachTest } from '../../test/fixtures';

async function type(input: HTMLElement, value: string) {
  await fireEvent.input(input, { target: { value } });
}

describe('CustomerSearch', () => {
  freshEachTest(invoke, null);
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits for a pause in typing and sends only the latest query', async () => {
    invoke.mockImplementation(async (_cmd: string, args: { input: SearchInput }) => result(args.input.query));
    render(CustomerSearch, { onopen: () => {} });
    const box = screen.getByTestId('customer-search');
    expect(screen.getByTestId('empty-state')).toBeTruthy();

    await type(box, 'b');
    await vi.advanceTimersByTimeAsync(100);
    await type(box, 'bu');
    await vi.advanceTimersByTimeAsync(100);
    await type(box, 'budi ');
    expect(invoke).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(150);
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(invoke).toHaveBeenCalledWith('search_customers', { input: { query: 'budi', limit: 20 } });
    expect(screen.getAllByTestId('search-hit')).toHaveLength(1);
  });

  it('drops an answer to an older query that arrives after the latest one', async () => {
    const slow = deferred<SearchResult>();
    invoke.mockImplementation(async (_cmd: string, args: { input: SearchInput }) => {
      if (args.input.query === 'bu') return slow.promise;
      return result(args.input.query, {
        hits: [{ customer: customer({ id: 9, fullName: 'Budi Hartono' }), matched: 'name', matchedValue: 'Budi Hartono' }],
      });
    });
    render(CustomerSearch, { onopen: () => {} });
    const box = screen.getByTestId('customer-search');

    await type(box, 'bu');
    await vi.advanceTimersByTimeAsync(150);
    expect(screen.getByTestId('search-busy')).toBeTruthy();
    await type(box, 'budi h');
    await vi.advanceTimersByTimeAsync(150);
    expect(screen.getByTestId('search-hit').textContent).toContain('Budi Hartono');

    slow.resolve(result('bu', { hits: [] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(screen.getAllByTestId('search-hit')).toHaveLength(1);
    expect(screen.getByTestId('search-hit').textContent).toContain('Budi Hartono');
    expect(screen.queryByTestId('search-empty')).toBeNull();
    expect(screen.queryByTestId('search-busy')).toBeNull();
  });

  it('shows what matched, the phone reading, products, and opens a hit', async () => {
    const onopen = vi.fn();
    invoke.mockImplementation(async () =>
      result('0812 3456 7890', {
        interpretedAs: ['phone', 'merchant_customer_id'],
        normalizedPhone: '6281234567890',
        hits: [
          {
            customer: customer({ linkedProducts: ['ovo_snap', 'doku_snap_ovo'] }),
            matched: 'phone',
            matchedValue: '6281234567890',
          },
        ],
      }),
    );
    render(CustomerSearch, { onopen });
    await type(screen.getByTestId('customer-search'), '0812 3456 7890');
    await vi.advanceTimersByTimeAsync(150);

    expect(screen.getByTestId('search-normalized-phone').textContent).toContain(
      'Read as the phone number 6281234567890.',
    );
    const hit = screen.getByTestId('search-hit');
    expect(hit.getAttribute('data-matched')).toBe('phone');
    expect(hit.textContent).toContain('Budi Santoso');
    expect(hit.textContent).toContain('0812-3456-7890');
    expect(hit.textContent).toContain('CUST-0007');
    expect(hit.textContent).toContain('OVO SNAP');
    expect(hit.textContent).toContain('DOKU SNAP OVO');
    expect(screen.getByTestId('search-hit-matched').textContent?.trim()).toBe('Matched by phone: 6281234567890');

    await fireEvent.click(hit);
    expect(onopen).toHaveBeenCalledWith(7);
  });

  it('says "matched by" in Indonesian and shows a no-results state', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(async (_cmd: string, args: { input: SearchInput }) =>
      args.input.query === 'PAY-1'
        ? result('PAY-1', { hits: [{ customer: customer(), matched: 'payment_reference', matchedValue: 'PAY-1' }] })
        : result(args.input.query, { hits: [] }),
    );
    render(CustomerSearch, { onopen: () => {} });
    const box = screen.getByTestId('customer-search');
    await type(box, 'PAY-1');
    await vi.advanceTimersByTimeAsync(150);
    expect(screen.getByTestId('search-hit-matched').textContent?.trim()).toBe(
      'Cocok berdasarkan referensi pembayaran: PAY-1',
    );
    await type(box, 'zzz');
    await vi.advanceTimersByTimeAsync(150);
    expect(screen.getByTestId('search-empty').textContent).toContain('Tidak ada pelanggan yang cocok dengan “zzz”.');

    // Clearing the box goes back to the empty state without a call.
    invoke.mockClear();
    await type(box, '  ');
    await vi.advanceTimersByTimeAsync(300);
    expect(invoke).not.toHaveBeenCalled();
    expect(screen.getByTestId('empty-state')).toBeTruthy();
  });
});
