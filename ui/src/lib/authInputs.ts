// The forms of the sign-in style screens (first administrator, sign-in, unlock, own password, desk enrolment), as data: each input becomes one
// TextField of the screen's AuthForm, bound to `values[name]`.

import type { HTMLInputAttributes } from 'svelte/elements';
import type { FormField } from './forms';
import type { PlainKey } from './i18n/plainKey';

export interface AuthInput {
  name: FormField;
  label: PlainKey;
  type?: 'password';
  autocomplete: HTMLInputAttributes['autocomplete'];
  hint?: PlainKey;
  /** After the form's test id: `{testid}-{suffix}`. */
  suffix: string;
}

export interface AuthFormSpec {
  /** The submit button says `{action}.submit`, and `{action}.submitting` while busy. */
  action: 'setup' | 'signin' | 'lock' | 'password' | 'enrol';
  /** `{testid}-submit` on the button, `{testid}-{suffix}` on each input. */
  testid: string;
  inputs: AuthInput[];
  /** What the form says while a required input is empty. */
  missing?: PlainKey;
}

const username: AuthInput = { name: 'username', label: 'field.username', autocomplete: 'username', suffix: 'username' };
const password: AuthInput = {
  name: 'password',
  label: 'field.password',
  type: 'password',
  autocomplete: 'current-password',
  suffix: 'password',
};

export const SETUP_FORM: AuthFormSpec = {
  action: 'setup',
  testid: 'setup',
  inputs: [
    { ...username, hint: 'hint.username' },
    { name: 'displayName', label: 'field.displayName', autocomplete: 'name', hint: 'hint.displayName', suffix: 'display-name' },
    { ...password, autocomplete: 'new-password', hint: 'hint.password' },
    { name: 'confirm', label: 'field.passwordConfirm', type: 'password', autocomplete: 'new-password', suffix: 'password-confirm' },
  ],
};

export const SIGN_IN_FORM: AuthFormSpec = {
  action: 'signin',
  testid: 'signin',
  inputs: [username, password],
  missing: 'signin.missing',
};

export const UNLOCK_FORM: AuthFormSpec = { action: 'lock', testid: 'unlock', inputs: [password], missing: 'lock.missing' };

/** The operator's own password: the current one, the new one twice. */
export const CHANGE_PASSWORD_FORM: AuthFormSpec = {
  action: 'password',
  testid: 'change-password',
  inputs: [
    { ...password, name: 'current', label: 'field.currentPassword', suffix: 'current' },
    { ...password, label: 'field.newPassword', autocomplete: 'new-password', hint: 'hint.password', suffix: 'new' },
    { ...password, name: 'confirm', label: 'field.newPasswordConfirm', autocomplete: 'new-password', suffix: 'confirm' },
  ],
  missing: 'password.missing',
};

/** A desk not yet enrolled in its shared ledger: an admin's one-time code, and the name this desk goes by. */
export const ENROL_FORM: AuthFormSpec = {
  action: 'enrol',
  testid: 'enrol',
  inputs: [
    { name: 'code', label: 'field.enrolmentCode', autocomplete: 'off', hint: 'hint.enrolmentCode', suffix: 'code' },
    { name: 'deskName', label: 'field.deskName', autocomplete: 'off', hint: 'hint.deskName', suffix: 'desk-name' },
  ],
  missing: 'enrol.missing',
};
