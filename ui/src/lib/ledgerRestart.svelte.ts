// A restart this desk waits for after Settings → Ledger moved its ledger into a shared one, or set it to use a
// shared ledger from its next start. Kept outside the screen, so leaving Settings (or a lock) does not forget it;
// the restart itself starts a new process, which starts without it.

import type { LedgerMoved, SharedLedgerCheck } from './ipc/types';

export type PendingRestart =
  /** The ledger file was copied into the shared ledger and takes no more writes: nothing else can change. */
  | { kind: 'moved'; moved: LedgerMoved }
  /** The desk uses the shared ledger from its next start; until then it goes on with its current ledger. */
  | { kind: 'joined'; joined: SharedLedgerCheck };

export const ledgerRestart = $state<{ pending: PendingRestart | null }>({ pending: null });
