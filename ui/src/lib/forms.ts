// What forms share: which field an error points at, and the form's fields (their ids, which one is invalid,
// the form's error element), which each TextField inside the form reads from the context.

import { getContext, setContext } from 'svelte';

export type FormField = 'username' | 'displayName' | 'current' | 'password' | 'confirm' | 'code' | 'deskName';

export function fieldForReason(reason: string | null): FormField | null {
  switch (reason) {
    case 'username_invalid':
    case 'username_taken':
    case 'username_too_long':
    case 'invalid_sign_in':
      return 'username';
    case 'display_name_invalid':
      return 'displayName';
    case 'password_too_short':
    case 'password_too_long':
    case 'password_unchanged':
    case 'wrong_password':
      return 'password';
    case 'password_mismatch':
      return 'confirm';
    case 'enrolment_code_format':
    case 'enrolment_code_unknown':
    case 'enrolment_code_used':
    case 'enrolment_code_withdrawn':
    case 'enrolment_code_ended':
    case 'enrolment_code_expired':
    case 'enrolment_code_wrong':
    case 'enrolment_other_ledger':
      return 'code';
    case 'desk_name_length':
      return 'deskName';
    default:
      return null;
  }
}

/** One form's fields: field `name` has the id `{uid}-{name}`, the form's error the id `{uid}-error`. */
export class FormFields {
  readonly errorId: string;

  constructor(
    private readonly uid: string,
    /** Whether field `name` is marked invalid (and announces the form's error). */
    readonly invalid: (name: string) => boolean,
  ) {
    this.errorId = `${uid}-error`;
  }

  id(name: string): string {
    return `${this.uid}-${name}`;
  }

  /** Moves focus to field `name` once the form has re-rendered. */
  focus(name: string | null): void {
    if (!name || typeof document === 'undefined') return;
    const id = this.id(name);
    queueMicrotask(() => document.getElementById(id)?.focus());
  }
}

const FORM = Symbol('form fields');

/** Makes `fields` the form context of the calling component's children (call while the component starts). */
export function provideFormFields(fields: FormFields): FormFields {
  setContext(FORM, fields);
  return fields;
}

/** The fields of the form around the calling component, if any. */
export function formFields(): FormFields | undefined {
  return getContext<FormFields | undefined>(FORM);
}
