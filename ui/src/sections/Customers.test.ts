import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Customers from './Customers.svelte';
import { app } from '../lib/session.svelte';
import { fakeBackend, freshEachTest, status } from '../test/fixtures';
import { customer, customerPage, searchResult } from '../test/customers';

describe('Customers', () => {
  freshEachTest(invoke);
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('opens a hit and comes back to the same results', async () => {
    invoke.mockImplementation(
      fakeBackend({
        search_customers: () => searchResult('budi'),
        customer_page: () => customerPage(),
        customer_timeline: () => ({ items: [], next: null }),
      }),
    );
    render(Customers);
    const box = screen.getByTestId('customer-search') as HTMLInputElement;
    await fireEvent.input(box, { target: { value: 'budi' } });
    await vi.advanceTimersByTimeAsync(150);
    await fireEvent.click(screen.getByTestId('search-hit'));
    await vi.advanceTimersByTimeAsync(0);
    expect(screen.getByTestId('customer-page').getAttribute('data-customer-id')).toBe('7');
    expect(invoke).toHaveBeenCalledWith('customer_page', { input: { customerId: 7 } });

    await fireEvent.click(screen.getByTestId('customer-back'));
    expect(screen.queryByTestId('customer-page')).toBeNull();
    expect(box.value).toBe('budi');
    expect(screen.getAllByTestId('search-hit')).toHaveLength(1);
    // Back to the same results without searching again.
    expect(invoke.mock.calls.filter(([cmd]) => cmd === 'search_customers')).toHaveLength(1);
  });

  it('offers to create a customer for a phone nobody has, and opens the new customer', async () => {
    invoke.mockImplementation(
      fakeBackend({
        search_customers: () =>
          searchResult('0813 1111 2222', { interpretedAs: ['phone'], normalizedPhone: '6281311112222', hits: [] }),
        create_customer: () => ({
          customer: customer({ id: 31, fullName: 'Dewi Lestari' }),
          notes: null,
          forgotten: false,
          updatedAt: '2026-03-05T03:00:00Z',
        }),
        customer_page: () => customerPage({ customer: customer({ id: 31, fullName: 'Dewi Lestari' }) }),
        customer_timeline: () => ({ items: [], next: null }),
      }),
    );
    app.status = status('active', { permissions: ['view_customers', 'manage_customers', 'link_accounts'] });
    render(Customers);
    expect(screen.getByTestId('customers-new')).toBeTruthy();
    expect(screen.getByTestId('customers-import')).toBeTruthy();
    await fireEvent.input(screen.getByTestId('customer-search'), { target: { value: '0813 1111 2222' } });
    await vi.advanceTimersByTimeAsync(150);
    await fireEvent.click(screen.getByTestId('search-create'));
    expect((screen.getByTestId('customer-form-phone') as HTMLInputElement).value).toBe('0813 1111 2222');
    await fireEvent.input(screen.getByTestId('customer-form-name'), { target: { value: 'Dewi Lestari' } });
    await fireEvent.click(screen.getByTestId('customer-form-save'));
    await vi.advanceTimersByTimeAsync(0);
    expect(screen.queryByTestId('customer-form-dialog')).toBeNull();
    expect(screen.getByTestId('customer-page').getAttribute('data-customer-id')).toBe('31');
  });

  it('shows no create or import door to an operator who cannot manage customers', () => {
    app.status = status('active', { permissions: ['view_customers', 'view_payments'] });
    render(Customers);
    expect(screen.queryByTestId('customers-new')).toBeNull();
    expect(screen.queryByTestId('customers-import')).toBeNull();
    expect(screen.queryByTestId('customers-link')).toBeNull();
  });
});
