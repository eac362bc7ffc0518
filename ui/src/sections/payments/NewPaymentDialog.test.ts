import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import NewPaymentDialog from './NewPaymentDialog.svelte';
import { app } from '../../lib/session.svelte';
import { fakeBackend, freshEachTest, status } from '../../test/fixtures';
import { customer, customerPage, details } from '../../test/customers';
import { JOKUL_OPTIONS } from '../../test/payments';
import type { PaymentProductOptions } from '../../lib/ipc/types';

const FASPAY: PaymentProductOptions = {
  product: 'faspay_ovo_tokenize',
  productName: 'Faspay OVO Tokenize',
  kinds: ['tokenized'],
  kindsOnLinkedAccount: ['tokenized'],
  sources: [],
  testPhone: null,
  needsEmail: true,
};

const noHits = (query: string) => ({
  query,
  interpretedAs: ['phone'],
  normalizedPhone: '6281311112222',
  hits: [],
  truncated: false,
});

describe('NewPaymentDialog', () => {
  freshEachTest(invoke, status('active', { permissions: ['view_customers', 'manage_customers', 'link_accounts', 'view_payments', 'take_payments'] }));

  it('creates the customer for a phone that is not one yet, and goes on with them', async () => {
    const created = customer({ id: 31, fullName: 'Dewi Lestari', phoneDisplay: '0813-1111-2222', email: null, linkedProducts: [] });
    invoke.mockImplementation(
      fakeBackend({
        payment_options: () => [JOKUL_OPTIONS],
        search_customers: () => noHits('0813 1111 2222'),
        create_customer: () => details({ ...created }),
        customer_page: () => customerPage({ customer: created, accounts: [] }),
      }),
    );
    render(NewPaymentDialog, { onclose: () => {} });
    await fireEvent.input(await screen.findByTestId('payment-customer-search'), { target: { value: '0813 1111 2222' } });
    await fireEvent.click(screen.getByTestId('payment-customer-find'));
    const offer = await screen.findByTestId('payment-not-customer');
    expect(offer.textContent).toContain('0813 1111 2222 is not a customer yet.');
    await fireEvent.click(within(offer).getByTestId('payment-create-customer'));

    const form = screen.getByTestId('payment-create-form');
    expect((within(form).getByTestId('customer-form-phone') as HTMLInputElement).value).toBe('0813 1111 2222');
    await fireEvent.input(within(form).getByTestId('customer-form-name'), { target: { value: 'Dewi Lestari' } });
    await fireEvent.click(within(form).getByTestId('customer-form-save'));

    const chosen = await screen.findByTestId('payment-customer');
    expect(chosen.getAttribute('data-customer-id')).toBe('31');
    expect(chosen.textContent).toContain('Dewi Lestari');
    expect(screen.queryByTestId('payment-create-form')).toBeNull();
    expect(invoke).toHaveBeenCalledWith('search_customers', { input: { query: '0813 1111 2222', limit: 20 } });
    expect(invoke).toHaveBeenCalledWith('create_customer', {
      input: { fullName: 'Dewi Lestari', phone: '0813 1111 2222', merchantCustomerId: null, email: null, notes: null },
    });
  });

  it('offers no creation to an operator who cannot manage customers', async () => {
    app.status = status('active', { permissions: ['view_customers', 'view_payments', 'take_payments'] });
    invoke.mockImplementation(
      fakeBackend({ payment_options: () => [JOKUL_OPTIONS], search_customers: () => noHits('081311112222') }),
    );
    render(NewPaymentDialog, { onclose: () => {} });
    await fireEvent.input(await screen.findByTestId('payment-customer-search'), { target: { value: '081311112222' } });
    await fireEvent.click(screen.getByTestId('payment-customer-find'));
    await screen.findByTestId('payment-customer-hits');
    expect(screen.queryByTestId('payment-create-customer')).toBeNull();
  });

  it('says Faspay needs the email, and explains the refusal when the customer has none', async () => {
    const noEmail = customer({ email: null, linkedProducts: ['faspay_ovo_tokenize'] });
    invoke.mockImplementation(
      fakeBackend({
        payment_options: () => [FASPAY, JOKUL_OPTIONS],
        start_payment: () => {
          throw {
            code: 'invalid_input',
            message: "Faspay needs the customer's email; add it on the customer page",
            reason: 'payment_email_missing',
          };
        },
      }),
    );
    render(NewPaymentDialog, {
      customer: noEmail,
      accounts: [],
      onclose: () => {},
    });
    const notice = await screen.findByTestId('payment-needs-email');
    expect(notice.getAttribute('data-missing')).toBe('true');
    expect(notice.textContent).toContain('Faspay OVO Tokenize needs the customer’s email, and Budi Santoso has none');

    await fireEvent.change(screen.getByTestId('payment-product'), { target: { value: 'doku_jokul_ovo_push' } });
    expect(screen.queryByTestId('payment-needs-email')).toBeNull();
    await fireEvent.input(screen.getByTestId('payment-amount'), { target: { value: '10.000' } });
    await fireEvent.click(screen.getByTestId('payment-start'));
    const error = await screen.findByTestId('payment-start-error');
    expect(error.getAttribute('data-reason')).toBe('payment_email_missing');
    expect(error.textContent).toContain('needs the customer’s email');
  });

  it('only mentions the email when the customer has one', async () => {
    invoke.mockImplementation(fakeBackend({ payment_options: () => [FASPAY] }));
    render(NewPaymentDialog, { customer: customer(), accounts: [], onclose: () => {} });
    const notice = await screen.findByTestId('payment-needs-email');
    await waitFor(() => expect(notice.getAttribute('data-missing')).toBe('false'));
    expect(notice.textContent).toContain('sends the customer’s email');
  });
});
