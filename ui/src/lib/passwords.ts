// The rules of an operator's own password change, mirroring the back end's, and how long a lockout lasts in
// countable words.

import { checkPassword, checkPasswordConfirm, type ErrorReason } from './validation';
import type { FormField } from './forms';

export type PasswordChange = { current: string; password: string; confirm: string };

/** The first rule the change breaks: the new password's rules, the confirmation, then differing from the current. */
export function checkPasswordChange({ current, password, confirm }: PasswordChange): ErrorReason | null {
  return (
    checkPassword(password) ??
    checkPasswordConfirm(password, confirm) ??
    (password === current ? 'password_unchanged' : null)
  );
}

/** Which input of the change form a refusal points at: a wrong password is the current one. */
export function passwordChangeField(reason: string | null): FormField | null {
  switch (reason) {
    case 'wrong_password':
    case 'too_many_attempts':
      return 'current';
    case 'password_too_short':
    case 'password_too_long':
    case 'password_unchanged':
      return 'password';
    case 'password_mismatch':
      return 'confirm';
    default:
      return null;
  }
}

/** A lockout's length as the back end words it: whole seconds under a minute, else minutes rounded up. */
export function lockoutWait(seconds: number): { unit: 'seconds' | 'minutes'; count: number } {
  const whole = Math.max(1, Math.ceil(seconds));
  return whole < 60 ? { unit: 'seconds', count: whole } : { unit: 'minutes', count: Math.ceil(whole / 60) };
}
