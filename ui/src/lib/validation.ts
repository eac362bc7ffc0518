// Client-side checks that mirror the back end's rules, so most mistakes are shown before a round trip.
// They return the same reason keys the back end uses (plus the UI-only "password_mismatch").

export type ErrorReason =
  | 'username_invalid'
  | 'display_name_invalid'
  | 'password_too_short'
  | 'password_too_long'
  | 'password_mismatch'
  | 'username_taken'
  | 'last_admin'
  | 'self_disable'
  | 'idle_minutes_out_of_range'
  | 'credential_field_unknown'
  | 'credential_value_empty'
  | 'credential_value_too_long'
  | 'invalid_sign_in'
  | 'wrong_password'
  | 'password_unchanged'
  | 'operator_not_found'
  | 'refund_note_missing'
  | 'refund_password_missing'
  | 'transfer_reference_missing'
  | 'resolution_note_missing'
  | 'resolution_provider_ref_missing'
  | 'enrolment_code_format'
  | 'desk_name_length';

export const USERNAME_PATTERN = /^[a-z0-9._-]{3,32}$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
export const DISPLAY_NAME_MAX = 80;
export const IDLE_MINUTES_MIN = 1;
export const IDLE_MINUTES_MAX = 240;
export const DESK_NAME_MAX = 64;

/** Counts Unicode code points, as Rust's `chars().count()` does. */
function charCount(value: string): number {
  return Array.from(value).length;
}

export function checkUsername(username: string): ErrorReason | null {
  return USERNAME_PATTERN.test(username) ? null : 'username_invalid';
}

export function checkDisplayName(displayName: string): ErrorReason | null {
  const n = charCount(displayName.trim());
  return n >= 1 && n <= DISPLAY_NAME_MAX ? null : 'display_name_invalid';
}

export function checkPassword(password: string): ErrorReason | null {
  const n = charCount(password);
  if (n < PASSWORD_MIN) return 'password_too_short';
  if (n > PASSWORD_MAX) return 'password_too_long';
  return null;
}

export function checkPasswordConfirm(password: string, confirm: string): ErrorReason | null {
  return password === confirm ? null : 'password_mismatch';
}

export function checkIdleMinutes(minutes: number): ErrorReason | null {
  return Number.isInteger(minutes) && minutes >= IDLE_MINUTES_MIN && minutes <= IDLE_MINUTES_MAX
    ? null
    : 'idle_minutes_out_of_range';
}

/**
 * An enrolment code as typed: case, spaces and dashes do not matter, O / I / L read as 0 / 1 / 1; what remains is
 * 25 letters and digits of Crockford's base32 (no U).
 */
export function checkEnrolmentCode(code: string): ErrorReason | null {
  const chars = code.replace(/[\s-]/g, '');
  return /^[0-9A-TV-Z]{25}$/i.test(chars) ? null : 'enrolment_code_format';
}

export function checkDeskName(name: string): ErrorReason | null {
  const n = charCount(name.trim());
  return n >= 1 && n <= DESK_NAME_MAX ? null : 'desk_name_length';
}
