// Small helpers shared by the forms: which field an error points at, and moving focus there.

export type FormField = 'username' | 'displayName' | 'password' | 'confirm';

export function fieldForReason(reason: string | null): FormField | null {
  switch (reason) {
    case 'username_invalid':
    case 'username_taken':
    case 'invalid_sign_in':
      return 'username';
    case 'display_name_invalid':
      return 'displayName';
    case 'password_too_short':
    case 'password_too_long':
    case 'wrong_password':
      return 'password';
    case 'password_mismatch':
      return 'confirm';
    default:
      return null;
  }
}

export function focusField(ids: Partial<Record<FormField, string>>, field: FormField | null): void {
  if (!field) return;
  const id = ids[field];
  if (!id || typeof document === 'undefined') return;
  queueMicrotask(() => document.getElementById(id)?.focus());
}
