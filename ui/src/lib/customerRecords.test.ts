import { describe, expect, it } from 'vitest';
import {
  customerFieldForReason,
  customerFields,
  emptyCustomerForm,
  importPercent,
  mappingComplete,
  mappingDuplicates,
  rejectsFileName,
} from './customerRecords';
import { toAppError } from './ipc/client';
import { problemFromError } from './errors';
import { importProgress } from '../test/customers';

describe('customer records', () => {
  it('sends empty optional fields as null and keeps the notes as written', () => {
    const form = { ...emptyCustomerForm(' 0812 3456 7890 '), fullName: ' Budi ', email: '  ', notes: 'line 1\nline 2 ' };
    expect(customerFields(form)).toEqual({
      fullName: 'Budi',
      phone: '0812 3456 7890',
      merchantCustomerId: null,
      email: null,
      notes: 'line 1\nline 2 ',
    });
  });

  it('points each error at its field', () => {
    expect(customerFieldForReason('phone_not_mobile')).toBe('phone');
    expect(customerFieldForReason('customer_phone_taken')).toBe('phone');
    expect(customerFieldForReason('customer_name_empty')).toBe('fullName');
    expect(customerFieldForReason('customer_merchant_id_taken')).toBe('merchantCustomerId');
    expect(customerFieldForReason('customer_email_invalid')).toBe('email');
    expect(customerFieldForReason('customer_notes_too_long')).toBe('notes');
    expect(customerFieldForReason('customer_forgotten')).toBeNull();
  });

  it('keeps the customer a conflict names and the line of a file problem', () => {
    const conflict = problemFromError(
      toAppError({ code: 'conflict', message: 'x', reason: 'customer_phone_taken', existing: { id: 12, fullName: 'Siti' } }),
    );
    expect(conflict.existing).toEqual({ id: 12, fullName: 'Siti' });
    const file = problemFromError(toAppError({ code: 'invalid_input', message: 'x', reason: 'import_encoding', line: 7 }));
    expect(file.line).toBe(7);
    expect(file.existing).toBeNull();
  });

  it('checks a mapping and measures progress', () => {
    const mapping = { fullName: 0, phone: 1, merchantCustomerId: 1, email: null, notes: null };
    expect(mappingComplete(mapping)).toBe(true);
    expect(mappingDuplicates(mapping)).toEqual([1]);
    expect(mappingComplete({ ...mapping, phone: null })).toBe(false);
    expect(importPercent(importProgress({ bytesRead: 1023, bytesTotal: 2048 }))).toBe(49);
    expect(importPercent(importProgress({ bytesRead: 0, bytesTotal: 0 }))).toBe(0);
    expect(importPercent(importProgress({ state: 'finished', bytesRead: 10, bytesTotal: 2048 }))).toBe(100);
    expect(rejectsFileName('pelanggan.maret.csv')).toBe('pelanggan.maret-rejects.csv');
    expect(rejectsFileName('export')).toBe('export-rejects.csv');
  });
});
