import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import RecoveryScreen from './RecoveryScreen.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { refusal } from '../test/answers';
import { fakeBackend, freshEachTest, inputsSent, NO_ENROLMENT } from '../test/fixtures';
import type { BackupRef, LedgerRecovery } from '../lib/ipc/types';

const DAMAGED: LedgerRecovery = {
  ledger: '/data/ledger.sqlite',
  problems: ['*** in database main ***\nPage 5: btreeInitPage() returns error code 11'],
  backups: [
    { name: 'ledger-20261205T063009Z.sqlite', takenAt: '2026-12-05T06:30:09.000Z', bytes: 40_960, sound: false, beforeUpdate: false },
    { name: 'ledger-20261204T063009Z.sqlite', takenAt: '2026-12-04T06:30:09.000Z', bytes: 40_960, sound: true, beforeUpdate: false },
    // Older than the first sound one: checked when it is restored.
    { name: 'ledger-20261203T063009Z.sqlite', takenAt: '2026-12-03T06:30:09.000Z', bytes: 40_960, sound: null, beforeUpdate: false },
  ],
};

function radios(): HTMLInputElement[] {
  return screen.getAllByRole('radio') as HTMLInputElement[];
}

describe('the recovery screen', () => {
  freshEachTest(invoke, null);

  it('names the damage, offers the newest sound backup first and restores it', async () => {
    invoke.mockImplementation(fakeBackend({ recover_ledger: () => NO_ENROLMENT }));
    const onrestored = vi.fn();
    render(RecoveryScreen, { recovery: DAMAGED, onrestored });
    expect(screen.getByTestId('recovery-problems').textContent).toContain('btreeInitPage');
    expect(radios().map((r) => [r.checked, r.disabled])).toEqual([
      [false, true],
      [true, false],
      [false, false],
    ]);
    await fireEvent.click(screen.getByTestId('recovery-restore'));
    await waitFor(() => expect(onrestored).toHaveBeenCalledTimes(1));
    expect(inputsSent<BackupRef>(invoke, 'recover_ledger')).toEqual([{ name: 'ledger-20261204T063009Z.sqlite' }]);
  });

  it('restores an older, unchecked backup when chosen, and says why a restore failed', async () => {
    invoke.mockImplementation(fakeBackend({
      recover_ledger: refusal('invalid_input', 'backup_damaged'),
    }));
    const onrestored = vi.fn();
    render(RecoveryScreen, { recovery: DAMAGED, onrestored });
    const badges = screen.getAllByTestId('recovery-backup').map((b) => b.querySelector('.badge')?.textContent);
    expect(badges).toEqual(['Damaged too', 'Checked, sound', 'Checked when restored']);
    await fireEvent.click(radios()[2]);
    await fireEvent.click(screen.getByTestId('recovery-restore'));
    expect((await screen.findByTestId('recovery-error')).textContent).toContain('That backup is damaged too; choose another.');
    expect(inputsSent<BackupRef>(invoke, 'recover_ledger')).toEqual([{ name: 'ledger-20261203T063009Z.sqlite' }]);
    expect(onrestored).not.toHaveBeenCalled();
  });

  it('marks the copy from before an update, says what it is, and restores it when chosen', async () => {
    invoke.mockImplementation(fakeBackend({ recover_ledger: () => NO_ENROLMENT }));
    const copy = {
      name: 'ledger.sqlite.before-migration-43.1764900000.bak',
      takenAt: '2025-12-05T02:00:00.000Z',
      bytes: 36_864,
      sound: null,
      beforeUpdate: true,
    };
    const onrestored = vi.fn();
    render(RecoveryScreen, { recovery: { ...DAMAGED, backups: [...DAMAGED.backups, copy] }, onrestored });
    const marked = screen.getAllByTestId('recovery-backup').filter((b) => b.querySelector('[data-testid="recovery-before-update"]'));
    expect(marked.map((b) => b.dataset.name)).toEqual([copy.name]);
    expect(marked[0].textContent).toContain('Before an update');
    expect(screen.getByTestId('recovery-before-update-hint').textContent).toContain('the update runs again');
    await fireEvent.click(radios()[3]);
    await fireEvent.click(screen.getByTestId('recovery-restore'));
    await waitFor(() => expect(onrestored).toHaveBeenCalledTimes(1));
    expect(inputsSent<BackupRef>(invoke, 'recover_ledger')).toEqual([{ name: copy.name }]);
  });

  it('shows no word about copies from before an update when there are none', () => {
    render(RecoveryScreen, { recovery: DAMAGED, onrestored: vi.fn() });
    expect(screen.queryByTestId('recovery-before-update')).toBeNull();
    expect(screen.queryByTestId('recovery-before-update-hint')).toBeNull();
  });

  it('says so in Bahasa Indonesia when no backup is sound, and offers nothing to restore', () => {
    setCurrentLanguage('id');
    const none: LedgerRecovery = { ...DAMAGED, backups: [{ ...DAMAGED.backups[0] }] };
    render(RecoveryScreen, { recovery: none, onrestored: vi.fn() });
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Berkas buku besar rusak');
    expect(screen.getByTestId('recovery-none').textContent).toContain('Tidak ada cadangan yang utuh');
    expect(screen.queryByTestId('recovery-restore')).toBeNull();
  });
});
