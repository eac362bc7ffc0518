import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import BackupsCard from './BackupsCard.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { refusal } from '../../test/answers';
import { fakeBackend, freshEachTest, inputsSent } from '../../test/fixtures';
import type { BackupKeepInput, BackupRef, LedgerBackups, LedgerBackupView } from '../../lib/ipc/types';

const OLDER: LedgerBackupView = { name: 'ledger-20261204T000000Z.sqlite', takenAt: '2026-12-04T00:00:00.000Z', bytes: 1_572_864, sound: null };
const NEWER: LedgerBackupView = { name: 'ledger-20261205T063009Z.sqlite', takenAt: '2026-12-05T06:30:09.000Z', bytes: 40_960, sound: null };

/** How often the fake back end was asked `command`. */
function calls(command: string): number {
  return invoke.mock.calls.filter(([cmd]) => cmd === command).length;
}

function backups(list: LedgerBackupView[], keep = 7): LedgerBackups {
  return { fileLedger: true, folder: '/data/backups', keep, backups: list };
}

describe('Settings → Ledger → Backups', () => {
  freshEachTest(invoke);

  it('lists the backups newest first, with their time and size in the language', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(fakeBackend({ ledger_backups: () => backups([NEWER, OLDER]) }));
    render(BackupsCard);
    const rows = await screen.findAllByTestId('backup-row');
    expect(rows.map((r) => r.dataset.name)).toEqual([NEWER.name, OLDER.name]);
    expect(rows[0].textContent).toContain('5 Des 2026 13.30 WIB');
    expect(rows[1].textContent).toContain('1,5\u00a0MB');
    expect(screen.getByTestId('backups-card').textContent).toContain('Buat cadangan sekarang');
  });

  it('takes a backup now and lists it', async () => {
    let list = [OLDER];
    invoke.mockImplementation(fakeBackend({
      ledger_backups: () => backups(list),
      back_up_ledger: () => {
        list = [{ ...NEWER, sound: true }, OLDER];
        return list[0];
      },
    }));
    render(BackupsCard);
    await screen.findAllByTestId('backup-row');
    await fireEvent.click(screen.getByTestId('backups-take'));
    await waitFor(() => expect(screen.getAllByTestId('backup-row')).toHaveLength(2));
    expect(calls('back_up_ledger')).toBe(1);
  });

  it('saves how many are kept and shows a refusal by the field', async () => {
    invoke.mockImplementation(fakeBackend({
      ledger_backups: () => backups([NEWER, OLDER]),
      set_backups_kept: (args) => {
        const { keep } = (args as { input: BackupKeepInput }).input;
        if (keep > 90) refusal('invalid_input', 'backups_kept_out_of_range')();
        return backups([NEWER], keep);
      },
    }));
    render(BackupsCard);
    await screen.findAllByTestId('backup-row');
    await fireEvent.input(screen.getByTestId('backups-keep'), { target: { value: '1' } });
    await fireEvent.click(screen.getByTestId('backups-keep-save'));
    await waitFor(() => expect(screen.getAllByTestId('backup-row')).toHaveLength(1));
    expect(inputsSent<BackupKeepInput>(invoke, 'set_backups_kept')).toEqual([{ keep: 1 }]);

    await fireEvent.input(screen.getByTestId('backups-keep'), { target: { value: '120' } });
    await fireEvent.click(screen.getByTestId('backups-keep-save'));
    expect((await screen.findByTestId('form-error')).textContent).toContain('Keep between 1 and 90 backups.');
  });

  it('restores only after the operator confirms what is lost, then restarts', async () => {
    invoke.mockImplementation(fakeBackend({ ledger_backups: () => backups([NEWER, OLDER]), restore_ledger_backup: () => null, restart_app: () => null }));
    render(BackupsCard);
    const rows = await screen.findAllByTestId('backup-row');
    await fireEvent.click(within(rows[1]).getByTestId('backup-restore'));
    const dialog = screen.getByTestId('backup-restoring-dialog');
    expect(dialog.textContent).toContain('Everything recorded after that leaves it');
    expect(dialog.textContent).toContain('kept beside it');
    expect(inputsSent<BackupRef>(invoke, 'restore_ledger_backup')).toEqual([]);
    await fireEvent.click(within(dialog).getByTestId('backup-restoring-confirm'));
    await waitFor(() => expect(calls('restart_app')).toBe(1));
    expect(inputsSent<BackupRef>(invoke, 'restore_ledger_backup')).toEqual([{ name: OLDER.name }]);
  });
});
