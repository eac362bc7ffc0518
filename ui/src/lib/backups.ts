// Ledger backups as the operator sees them: a file size in the operator's language, the backup the recovery
// screen offers first, and the backups a lower "backups kept" deletes (never a copy from before an update).
import type { LanguageKey, LedgerBackupView } from './ipc/types';

const UNITS = ['B', 'KB', 'MB', 'GB'] as const;

/** `40 KB`, `1,5 MB` (Bahasa Indonesia) or `1.5 MB` (English): at most one decimal, 1 KB = 1,024 B. */
export function formatSize(bytes: number, language: LanguageKey): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  const number = new Intl.NumberFormat(language === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: digits }).format(value);
  return `${number}\u00a0${UNITS[unit]}`;
}

/** The newest backup that passed SQLite's check (the list is newest first), or null. */
export function newestSound(backups: readonly LedgerBackupView[]): LedgerBackupView | null {
  return backups.find((b) => b.sound === true) ?? null;
}

/** The backups "backups kept" counts and removes: all but the copies taken before an update. */
export function rotated(backups: readonly LedgerBackupView[]): LedgerBackupView[] {
  return backups.filter((b) => !b.beforeUpdate);
}

/**
 * The backups that keeping `keep` deletes at once: the back end keeps the newest `keep` of those it rotates
 * (newest first) and removes the rest. None for a number it refuses (not a whole number, or below 1).
 */
export function deletedByKeeping(keep: number, backups: readonly LedgerBackupView[]): LedgerBackupView[] {
  if (!Number.isInteger(keep) || keep < 1) return [];
  return rotated(backups).slice(keep);
}
