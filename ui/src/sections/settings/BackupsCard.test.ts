import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import BackupsCard from './BackupsCard.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { refusal } from '../../test/answers';
import { fakeBackend, freshEachTest, inputsSent } from '../../test/fixtures';
import type { BackupKeepInput, BackupRef, LedgerBackups, LedgerBackupView } from '../../lib/ipc/types';

const OLDER: LedgerBackupView = { name: 'ledger-20261204T000000Z.sqlite', takenAt: '2026-12-04T00:00:00.000Z', bytes: 1_572_864, sound: null, beforeUpdate: false };
const NEWER: LedgerBackupView = { name: 'ledger-20261205T063009Z.sqlite', takenAt: '2026-12-05T06:30:09.000Z', bytes: 40_960, sound: null, beforeUpdate: false };

/** How often the fake back end was asked `command`. */
function calls(command: string): number {
  return invoke.mock.calls.filter(([cmd]) => cmd === command).length;
}

function backups(list: LedgerBackupView[], keep = 7): LedgerBackups {
  return { fileLedger: true, folder: '/data/backups', keep, backups: list };
}

/** Shows the card and waits for its backups. */
async function shown(): Promise<HTMLElement[]> {
  render(BackupsCard);
  return screen.findAllByTestId('backup-row');
}

/** Types how many backups to keep and saves. */
async function saveKeep(value: string) {
  await fireEvent.input(screen.getByTestId('backups-keep'), { target: { value } });
  await fireEvent.click(screen.getByTestId('backups-keep-save'));
}

describe('Settings → Ledger → Backups', () => {
  freshEachTest(invoke);

  it('lists the backups newest first, with their time and size in the language', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(fakeBackend({ ledger_backups: () => backups([NEWER, OLDER]) }));
    const rows = await shown();
    expect(rows.map((r) => r.dataset.name)).toEqual([NEWER.name, OLDER.name]);
    expect(rows[0].textContent).toContain('5 Des 2026 13.30 WIB');
    expect(rows[1].textContent).toContain('1,5\u00a0MB');
    expect(screen.getByTestId('backups-card').textContent).toContain('Buat cadangan sekarang');
  });

  it('marks the copy from before an update, and neither counts nor deletes it when fewer are kept', async () => {
    const COPY: LedgerBackupView = {
      name: 'ledger.sqlite.before-migration-43.1764900000.bak',
      takenAt: '2026-12-04T12:00:00.000Z',
      bytes: 36_864,
      sound: null,
      beforeUpdate: true,
    };
    invoke.mockImplementation(fakeBackend({
      ledger_backups: () => backups([NEWER, COPY, OLDER]),
      set_backups_kept: () => backups([NEWER, COPY], 1),
    }));
    const rows = await shown();
    const marked = rows.filter((r) => within(r).queryByTestId('backup-before-update'));
    expect(marked.map((r) => r.dataset.name)).toEqual([COPY.name]);
    expect(screen.getByTestId('backups-before-update-hint').textContent).toContain('the app never removes it');

    await saveKeep('1');
    const dialog = screen.getByTestId('backups-trim-dialog');
    expect(dialog.textContent).toContain('deletes the oldest 1 of the 2 backups at once');
    const going = within(within(dialog).getByTestId('backups-trim-list')).getAllByRole('listitem');
    expect(going.map((li) => li.dataset.name)).toEqual([OLDER.name]);
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
    await shown();
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
    await shown();
    await saveKeep('1');
    await fireEvent.click(screen.getByTestId('backups-trim-confirm'));
    await waitFor(() => expect(screen.getAllByTestId('backup-row')).toHaveLength(1));
    expect(inputsSent<BackupKeepInput>(invoke, 'set_backups_kept')).toEqual([{ keep: 1 }]);

    await saveKeep('120');
    expect((await screen.findByTestId('form-error')).textContent).toContain('Keep between 1 and 90 backups.');
  });

  it('asks before a lower number deletes backups, naming how many and which, and saves only when confirmed', async () => {
    const OLDEST: LedgerBackupView = { name: 'ledger-20261203T000000Z.sqlite', takenAt: '2026-12-03T00:00:00.000Z', bytes: 4096, sound: true, beforeUpdate: false };
    invoke.mockImplementation(fakeBackend({
      ledger_backups: () => backups([NEWER, OLDER, OLDEST]),
      set_backups_kept: (args) => backups([NEWER], (args as { input: BackupKeepInput }).input.keep),
    }));
    await shown();
    await saveKeep('1');

    const dialog = screen.getByTestId('backups-trim-dialog');
    expect(dialog.textContent).toContain('deletes the oldest 2 of the 3 backups at once');
    const going = within(within(dialog).getByTestId('backups-trim-list')).getAllByRole('listitem');
    expect(going.map((li) => li.dataset.name)).toEqual([OLDER.name, OLDEST.name]);
    expect(going.map((li) => li.textContent)).toEqual(['4 Dec 2026 07:00 WIB', '3 Dec 2026 07:00 WIB']);
    expect(inputsSent<BackupKeepInput>(invoke, 'set_backups_kept')).toEqual([]);

    await fireEvent.click(within(dialog).getByTestId('backups-trim-confirm'));
    await waitFor(() => expect(screen.getAllByTestId('backup-row')).toHaveLength(1));
    expect(inputsSent<BackupKeepInput>(invoke, 'set_backups_kept')).toEqual([{ keep: 1 }]);
    expect(screen.queryByTestId('backups-trim-dialog')).toBeNull();
  });

  it('cancelling the deletion leaves the number kept as it was, with nothing sent', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(fakeBackend({ ledger_backups: () => backups([NEWER, OLDER], 7), set_backups_kept: () => backups([NEWER], 1) }));
    await shown();
    await saveKeep('1');
    const dialog = screen.getByTestId('backups-trim-dialog');
    expect(dialog.textContent).toContain('1 cadangan terlama dari 2 langsung dihapus');
    expect(dialog.textContent).toContain('4 Des 2026 07.00 WIB');

    await fireEvent.click(within(dialog).getByTestId('backups-trim-cancel'));
    expect(screen.queryByTestId('backups-trim-dialog')).toBeNull();
    expect(calls('set_backups_kept')).toBe(0);
    expect(screen.getAllByTestId('backup-row')).toHaveLength(2);
    expect((screen.getByTestId('backups-keep') as HTMLInputElement).value).toBe('7');
  });

  it('saves a number that deletes nothing without asking', async () => {
    invoke.mockImplementation(fakeBackend({
      ledger_backups: () => backups([NEWER, OLDER], 7),
      set_backups_kept: (args) => backups([NEWER, OLDER], (args as { input: BackupKeepInput }).input.keep),
    }));
    await shown();
    for (const keep of ['30', '2']) {
      await saveKeep(keep);
      expect(screen.queryByTestId('backups-trim-dialog')).toBeNull();
    }
    await waitFor(() => expect(inputsSent<BackupKeepInput>(invoke, 'set_backups_kept')).toEqual([{ keep: 30 }, { keep: 2 }]));
  });

  it('restores only after the operator confirms what is lost, then restarts', async () => {
    invoke.mockImplementation(fakeBackend({ ledger_backups: () => backups([NEWER, OLDER]), restore_ledger_backup: () => null, restart_app: () => null }));
    const rows = await shown();
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
