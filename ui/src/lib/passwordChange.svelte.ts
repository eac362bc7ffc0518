// The form that changes the signed-in operator's own password: the forced screen after a one-time password and
// the shell's dialog both use it. Every input is required; the passwords are cleared after each try.

import { FormFields } from './forms';
import { api } from './ipc/client';
import { checkPasswordChange, passwordChangeField, type PasswordChange } from './passwords';
import { applyStatus } from './session.svelte';
import { Submission } from './submission.svelte';

export class PasswordChangeForm {
  values = $state<PasswordChange>({ current: '', password: '', confirm: '' });
  /** An input was empty at the latest try. */
  missing = $state(false);
  readonly submission = new Submission();
  readonly fields: FormFields;

  constructor(uid: string) {
    this.fields = new FormFields(
      uid,
      (name) =>
        (this.missing && this.values[name as keyof PasswordChange] === '') ||
        (this.submission.problem !== null && passwordChangeField(this.submission.problem.reason) === name),
    );
  }

  /** Sends the change; answers whether it was saved. */
  async submit(): Promise<boolean> {
    if (this.submission.busy) return false;
    const firstEmpty = (['current', 'password', 'confirm'] as const).find((name) => this.values[name] === '');
    this.missing = firstEmpty !== undefined;
    if (firstEmpty) {
      this.submission.problem = null;
      this.fields.focus(firstEmpty);
      return false;
    }
    let saved = false;
    const { current, password } = this.values;
    await this.submission.run(
      async () => {
        const status = await api.changePassword({ currentPassword: current, newPassword: password });
        saved = true;
        applyStatus(status);
      },
      { refusal: checkPasswordChange(this.values) },
    );
    this.values = { current: '', password: '', confirm: '' };
    if (!saved) this.fields.focus(passwordChangeField(this.submission.problem?.reason ?? null) ?? 'current');
    return saved;
  }
}
