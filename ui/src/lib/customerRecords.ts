// Customer records: who may create, edit and forget them, which form field an error points at, the
// timeline's labels, and the CSV import's mapping and progress.

import type {
  ColumnMapping,
  CustomerFields,
  CustomerTimelineEntry,
  CustomerTimelineKind,
  ImportProgress,
  Permission,
} from './ipc/types';

export function canManageCustomers(permissions: readonly Permission[]): boolean {
  return permissions.includes('manage_customers');
}

export function canForgetCustomers(permissions: readonly Permission[]): boolean {
  return permissions.includes('forget_customers');
}

export type CustomerFormField = 'fullName' | 'phone' | 'merchantCustomerId' | 'email' | 'notes';

/** The form's values as typed. */
export type CustomerForm = Record<CustomerFormField, string>;

export function emptyCustomerForm(phone = ''): CustomerForm {
  return { fullName: '', phone, merchantCustomerId: '', email: '', notes: '' };
}

/** What the back end gets: trimmed, an empty optional value as null (the back end normalises again). */
export function customerFields(form: CustomerForm): CustomerFields {
  const optional = (value: string) => (value.trim() === '' ? null : value.trim());
  return {
    fullName: form.fullName.trim(),
    phone: form.phone.trim(),
    merchantCustomerId: optional(form.merchantCustomerId),
    email: optional(form.email),
    notes: form.notes.trim() === '' ? null : form.notes,
  };
}

/** The field a create or update error is about; null for one about the whole form. */
export function customerFieldForReason(reason: string | null): CustomerFormField | null {
  if (reason === null) return null;
  if (reason.startsWith('phone_') || reason === 'customer_phone_taken') return 'phone';
  if (reason.startsWith('customer_name_')) return 'fullName';
  if (reason === 'customer_merchant_id_invalid' || reason === 'customer_merchant_id_taken') {
    return 'merchantCustomerId';
  }
  if (reason === 'customer_email_invalid') return 'email';
  if (reason === 'customer_notes_too_long') return 'notes';
  return null;
}

/** The timeline's page size. */
export const TIMELINE_PAGE = 30;

/** The dictionary prefix that names an entry's status in the user's language (never the raw key). */
export function timelineStatusPrefix(entry: CustomerTimelineEntry): string {
  switch (entry.kind) {
    case 'payment':
      return 'txstatus.';
    case 'refund':
      return 'refundstatus.';
    default:
      return 'account.status.';
  }
}

/** How often a running import is asked how far it got. */
export const IMPORT_POLL_MS = 250;

/** The mapping's fields in the order the wizard shows them; the first two are required. */
export const MAPPING_FIELDS: readonly (keyof ColumnMapping)[] = [
  'fullName',
  'phone',
  'merchantCustomerId',
  'email',
  'notes',
];

export function mappingComplete(mapping: ColumnMapping): boolean {
  return mapping.fullName !== null && mapping.phone !== null;
}

/** Columns used by more than one field (the back end refuses such a mapping). */
export function mappingDuplicates(mapping: ColumnMapping): number[] {
  const used = MAPPING_FIELDS.map((f) => mapping[f]).filter((c): c is number => c !== null);
  return [...new Set(used.filter((c, i) => used.indexOf(c) !== i))];
}

/** 0–100, by bytes read (the file's size is known up front). */
export function importPercent(progress: ImportProgress): number {
  if (progress.state === 'finished') return 100;
  if (progress.bytesTotal <= 0) return 0;
  return Math.min(100, Math.floor((progress.bytesRead * 100) / progress.bytesTotal));
}

/** `customers.csv` → `customers-rejects.csv`. */
export function rejectsFileName(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  return `${stem || 'import'}-rejects.csv`;
}

/** Every timeline kind, for the dictionaries' completeness test. */
export const CUSTOMER_TIMELINE_KINDS: readonly CustomerTimelineKind[] = [
  'customer_created',
  'note',
  'linking_started',
  'account_linked',
  'account_unlinked',
  'payment',
  'refund',
];

/** Every reason the customer and import commands answer, for the dictionaries' completeness test. */
export const CUSTOMER_REASONS: readonly string[] = [
  'customer_name_empty',
  'customer_name_too_long',
  'customer_name_invalid',
  'customer_email_invalid',
  'customer_merchant_id_invalid',
  'customer_notes_too_long',
  'customer_formula_cell',
  'customer_invalid',
  'customer_phone_taken',
  'customer_merchant_id_taken',
  'customer_forgotten',
  'customer_note_empty',
  'customer_note_too_long',
  'customer_has_live_account',
  'timeline_limit_invalid',
  'timeline_cursor_invalid',
  'payment_email_missing',
  'import_file_unreadable',
  'import_file_too_large',
  'import_file_empty',
  'import_no_header',
  'import_encoding',
  'import_line_too_long',
  'import_not_csv',
  'import_mapping_invalid',
  'import_mapping_incomplete',
  'import_running',
  'import_too_many_rows',
  'import_rejects_unwritable',
  'import_cancelled',
];
