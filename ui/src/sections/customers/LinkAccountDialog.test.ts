import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import LinkAccountDialog from './LinkAccountDialog.svelte';
import { fakeBackend, freshEachTest, status } from '../../test/fixtures';
import { account, customer, customerPage, details } from '../../test/customers';

describe('LinkAccountDialog', () => {
  freshEachTest(invoke, status('active', { permissions: ['view_customers', 'manage_customers', 'link_accounts'] }));

  it('creates the customer for a new phone, then starts the linking and opens their page', async () => {
    const created = customer({ id: 31, fullName: 'Dewi Lestari', phone: '6281311112222', phoneDisplay: '0813-1111-2222', linkedProducts: [] });
    invoke.mockImplementation(
      fakeBackend({
        search_customers: () => ({
          query: '+62 813-1111-2222',
          interpretedAs: ['phone'],
          normalizedPhone: '6281311112222',
          hits: [],
          truncated: false,
        }),
        create_customer: () => details({ ...created }),
        customer_page: () => customerPage({ customer: created, accounts: [], linkableProducts: ['ovo_snap', 'faspay_ovo_tokenize'] }),
        start_link: () => account(9, 'pending', 'faspay_ovo_tokenize'),
      }),
    );
    const onopen = vi.fn();
    render(LinkAccountDialog, { onclose: () => {}, onopen });
    await fireEvent.input(screen.getByTestId('link-customer-search'), { target: { value: '+62 813-1111-2222' } });
    await fireEvent.click(screen.getByTestId('link-customer-find'));
    await fireEvent.click(await screen.findByTestId('link-create-customer'));
    const form = screen.getByTestId('link-create-form');
    await fireEvent.input(within(form).getByTestId('customer-form-name'), { target: { value: 'Dewi Lestari' } });
    await fireEvent.click(within(form).getByTestId('customer-form-save'));

    await screen.findByTestId('link-customer');
    expect((screen.getByTestId('link-dialog-phone') as HTMLInputElement).value).toBe('0813-1111-2222');
    await fireEvent.change(screen.getByTestId('link-dialog-product'), { target: { value: 'faspay_ovo_tokenize' } });
    await fireEvent.click(screen.getByTestId('link-dialog-start'));
    await waitFor(() => expect(onopen).toHaveBeenCalledWith(31));
    expect(invoke).toHaveBeenCalledWith('start_link', {
      input: { customerId: 31, product: 'faspay_ovo_tokenize', phone: '0813-1111-2222' },
    });
  });

  it('offers the customer who already has the phone when creating collides', async () => {
    const siti = customer({ id: 12, fullName: 'Siti Rahmawati' });
    invoke.mockImplementation(
      fakeBackend({
        search_customers: () => ({ query: 'Sity', interpretedAs: ['name'], normalizedPhone: null, hits: [], truncated: false }),
        create_customer: () => {
          throw { code: 'conflict', message: 'taken', reason: 'customer_phone_taken', existing: { id: 12, fullName: 'Siti Rahmawati' } };
        },
        customer_page: () => customerPage({ customer: siti }),
      }),
    );
    render(LinkAccountDialog, { onclose: () => {}, onopen: () => {} });
    await fireEvent.input(screen.getByTestId('link-customer-search'), { target: { value: 'Sity' } });
    await fireEvent.click(screen.getByTestId('link-customer-find'));
    await fireEvent.click(await screen.findByTestId('link-create-customer'));
    // A name-shaped search pre-fills the name.
    expect((screen.getByTestId('customer-form-name') as HTMLInputElement).value).toBe('Sity');
    await fireEvent.input(screen.getByTestId('customer-form-phone'), { target: { value: '0812 9876 5432' } });
    await fireEvent.click(screen.getByTestId('customer-form-save'));
    await fireEvent.click(await screen.findByTestId('customer-conflict-open'));
    const chosen = await screen.findByTestId('link-customer');
    expect(chosen.getAttribute('data-customer-id')).toBe('12');
  });
});
