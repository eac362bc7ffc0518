// The inputs of the sign-in style screens (first administrator, sign-in, unlock), as data: each becomes one
// TextField of the screen's AuthForm, bound to `values[name]`.

import type { HTMLInputAttributes } from 'svelte/elements';
import type { FormField } from './forms';
import type { MessageKey, ParamArgs } from './i18n/translate';

/** A message without placeholders. */
type PlainKey = { [K in MessageKey]: ParamArgs<K> extends [] ? K : never }[MessageKey];

export interface AuthInput {
  name: FormField;
  label: PlainKey;
  type?: 'password';
  autocomplete: HTMLInputAttributes['autocomplete'];
  hint?: PlainKey;
  /** After the form's test id: `{testid}-{suffix}`. */
  suffix: string;
}

const username: AuthInput = { name: 'username', label: 'field.username', autocomplete: 'username', suffix: 'username' };
const password: AuthInput = {
  name: 'password',
  label: 'field.password',
  type: 'password',
  autocomplete: 'current-password',
  suffix: 'password',
};

export const SETUP_INPUTS: AuthInput[] = [
  { ...username, hint: 'hint.username' },
  { name: 'displayName', label: 'field.displayName', autocomplete: 'name', hint: 'hint.displayName', suffix: 'display-name' },
  { ...password, autocomplete: 'new-password', hint: 'hint.password' },
  { name: 'confirm', label: 'field.passwordConfirm', type: 'password', autocomplete: 'new-password', suffix: 'password-confirm' },
];

export const SIGN_IN_INPUTS: AuthInput[] = [username, password];

export const UNLOCK_INPUTS: AuthInput[] = [password];
