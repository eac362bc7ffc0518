// A form that sends an operator's credentials (sign-in, unlock): each input is required, the first empty one
// takes the focus; the password is cleared after each try, and a refused one takes the focus again.

import { FormFields } from './forms';
import type { SessionStatus } from './ipc/types';
import { applyStatus } from './session.svelte';
import { Submission } from './submission.svelte';

export class CredentialsForm<V extends Record<string, string> & { password: string }> {
  values: V;
  /** A required input was empty at the latest try. */
  missing = $state(false);
  readonly submission = new Submission();
  readonly fields: FormFields;

  constructor(uid: string, values: V) {
    this.values = $state(values);
    this.fields = new FormFields(uid, (name) => this.submission.problem !== null || (this.missing && this.empty(name)));
  }

  /** Passwords count as typed, other inputs trimmed. */
  empty(name: string): boolean {
    const value = this.values[name] ?? '';
    return (name === 'password' ? value : value.trim()) === '';
  }

  async submit(send: (values: V) => Promise<SessionStatus>): Promise<void> {
    if (this.submission.busy) return;
    const firstEmpty = Object.keys(this.values).find((name) => this.empty(name)) ?? null;
    this.missing = firstEmpty !== null;
    if (firstEmpty) {
      this.submission.problem = null;
      this.fields.focus(firstEmpty);
      return;
    }
    await this.submission.run(
      async () => {
        const status = await send(this.values);
        this.values.password = '';
        applyStatus(status);
      },
      {
        onfail: () => {
          this.values.password = '';
          this.fields.focus('password');
        },
      },
    );
  }
}
