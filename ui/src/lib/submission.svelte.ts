// One form's submission: busy while its command runs, and the problem that stopped it (a refusal before sending,
// or the back end's error).

import { problemFromError, problemFromReason, type Problem } from './errors';
import type { ErrorReason } from './validation';

export class Submission {
  busy = $state(false);
  problem = $state<Problem | null>(null);

  /**
   * Runs `command` unless one is already running. A `refusal` (a reason from the form's own checks) is shown
   * instead of sending; a failed command's error becomes the problem, and `onfail` runs (e.g. to clear a password).
   */
  async run(
    command: () => Promise<void>,
    { refusal = null, onfail }: { refusal?: ErrorReason | null; onfail?: () => void } = {},
  ): Promise<void> {
    if (this.busy) return;
    if (refusal) {
      this.problem = problemFromReason(refusal);
      return;
    }
    this.busy = true;
    this.problem = null;
    try {
      await command();
    } catch (error) {
      this.problem = problemFromError(error);
      onfail?.();
    } finally {
      this.busy = false;
    }
  }
}
