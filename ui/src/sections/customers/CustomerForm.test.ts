import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import CustomerFormDialog from './CustomerFormDialog.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { refusal } from '../../test/answers';
import { fakeBackend, freshEachTest } from '../../test/fixtures';
import { details } from '../../test/customers';
import { emptyCustomerForm } from '../../lib/customerRecords';

function fill(testid: string, value: string) {
  return fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

describe('CustomerFormDialog', () => {
  freshEachTest(invoke);

  it('creates a customer with empty optional fields sent as null', async () => {
    const created = details({ id: 31, fullName: 'Dewi Lestari', email: null, merchantCustomerId: null });
    invoke.mockImplementation(fakeBackend({ create_customer: () => created }));
    const onsaved = vi.fn();
    render(CustomerFormDialog, { initial: emptyCustomerForm('0813 1111 2222'), onsaved, onclose: () => {} });
    expect((screen.getByTestId('customer-form-phone') as HTMLInputElement).value).toBe('0813 1111 2222');
    await fill('customer-form-name', '  Dewi Lestari ');
    await fireEvent.click(screen.getByTestId('customer-form-save'));
    await waitFor(() => expect(onsaved).toHaveBeenCalledWith(created));
    expect(invoke).toHaveBeenCalledWith('create_customer', {
      input: { fullName: 'Dewi Lestari', phone: '0813 1111 2222', merchantCustomerId: null, email: null, notes: null },
    });
  });

  it('marks the field an error is about, in the user’s language', async () => {
    invoke.mockImplementation(
      fakeBackend({
        create_customer: refusal('invalid_input', 'customer_email_invalid', 'email: not valid'),
      }),
    );
    setCurrentLanguage('id');
    render(CustomerFormDialog, { initial: emptyCustomerForm(), onsaved: () => {}, onclose: () => {} });
    await fill('customer-form-name', 'Dewi');
    await fill('customer-form-phone', '081311112222');
    await fill('customer-form-email', 'dewi at example');
    await fireEvent.click(screen.getByTestId('customer-form-save'));
    const error = await screen.findByTestId('form-error');
    expect(error.textContent).toContain('Ini bukan alamat email');
    expect(screen.getByTestId('customer-form-email').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('customer-form-name').getAttribute('aria-invalid')).toBeNull();
  });

  it('names the customer who already has the phone and opens them', async () => {
    invoke.mockImplementation(
      fakeBackend({
        update_customer: () => {
          throw {
            code: 'conflict',
            message: 'phone taken',
            reason: 'customer_phone_taken',
            existing: { id: 12, fullName: 'Siti Rahmawati' },
          };
        },
      }),
    );
    const onopenexisting = vi.fn();
    render(CustomerFormDialog, {
      initial: { ...emptyCustomerForm('0812-9876-5432'), fullName: 'Budi Santoso' },
      customerId: 7,
      onsaved: () => {},
      onclose: () => {},
      onopenexisting,
    });
    expect(screen.getByText('Edit customer')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('customer-form-save'));
    const conflict = await screen.findByTestId('customer-conflict');
    expect(conflict.textContent).toContain('Siti Rahmawati already has this phone number.');
    expect(screen.getByTestId('customer-form-phone').getAttribute('aria-invalid')).toBe('true');
    await fireEvent.click(screen.getByTestId('customer-conflict-open'));
    expect(onopenexisting).toHaveBeenCalledWith(12);
    expect(invoke).toHaveBeenCalledWith('update_customer', {
      input: {
        customerId: 7,
        fields: {
          fullName: 'Budi Santoso',
          phone: '0812-9876-5432',
          merchantCustomerId: null,
          email: null,
          notes: null,
        },
      },
    });
  });
});
