import { describe, expect, it } from 'vitest';
import { deletedByKeeping, formatSize, newestSound, rotated } from './backups';
import type { LedgerBackupView } from './ipc/types';

describe('formatSize', () => {
  it('counts in 1,024s with at most one decimal, in the language', () => {
    expect(formatSize(0, 'en')).toBe('0\u00a0B');
    expect(formatSize(1023, 'en')).toBe('1,023\u00a0B');
    expect(formatSize(40_960, 'en')).toBe('40\u00a0KB');
    expect(formatSize(1_572_864, 'en')).toBe('1.5\u00a0MB');
    expect(formatSize(1_572_864, 'id')).toBe('1,5\u00a0MB');
    expect(formatSize(5 * 1024 ** 4, 'id')).toBe('5.120\u00a0GB');
  });
});

describe('newestSound', () => {
  const backup = (name: string, sound: boolean | null): LedgerBackupView => ({ name, takenAt: '2026-12-05T06:30:09.000Z', bytes: 1, sound, beforeUpdate: false });
  it('passes over damaged and unchecked backups', () => {
    expect(newestSound([backup('c', false), backup('b', null), backup('a', true)])?.name).toBe('a');
    expect(newestSound([backup('b', false)])).toBeNull();
    expect(newestSound([])).toBeNull();
  });
});

describe('deletedByKeeping', () => {
  const list = ['c', 'b', 'a'].map((name): LedgerBackupView => ({ name, takenAt: '2026-12-05T06:30:09.000Z', bytes: 1, sound: true, beforeUpdate: false }));
  it('is the oldest beyond the number kept, and none for a number the back end refuses', () => {
    expect(deletedByKeeping(1, list).map((b) => b.name)).toEqual(['b', 'a']);
    expect(deletedByKeeping(2, list).map((b) => b.name)).toEqual(['a']);
    expect(deletedByKeeping(3, list)).toEqual([]);
    expect(deletedByKeeping(30, list)).toEqual([]);
    expect(deletedByKeeping(0, list)).toEqual([]);
    expect(deletedByKeeping(1.5, list)).toEqual([]);
    expect(deletedByKeeping(Number.NaN, list)).toEqual([]);
  });

  it('never counts or deletes a copy from before an update', () => {
    const beforeUpdate = (name: string): LedgerBackupView => ({ ...list[0], name, beforeUpdate: true });
    const mixed = [list[0], beforeUpdate('u2'), list[1], beforeUpdate('u1'), list[2]];
    expect(deletedByKeeping(1, mixed).map((b) => b.name)).toEqual(['b', 'a']);
    expect(deletedByKeeping(3, mixed)).toEqual([]);
    expect(rotated(mixed).map((b) => b.name)).toEqual(['c', 'b', 'a']);
  });
});
