import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Ledger from './Ledger.svelte';
import Settings from '../Settings.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { app } from '../../lib/session.svelte';
import { refusal } from '../../test/answers';
import { fakeBackend, freshEachTest, status } from '../../test/fixtures';
import type { DeskEnrolmentView, LedgerInfo, NewDeskEnrolment } from '../../lib/ipc/types';

const SHARED: LedgerInfo = {
  backend: 'postgres',
  location: 'postgres://ovo:***@db.example:5432/ledger',
  ledgerId: 'c0ffee00-1111-4222-8333-444455556666',
  shared: true,
};
const FILE: LedgerInfo = {
  backend: 'file',
  location: '/home/ayu/.local/share/ovo-back-office/ledger.sqlite',
  ledgerId: 'f11e0000-1111-4222-8333-444455556666',
  shared: false,
};

function enrolment(id: string, overrides: Partial<DeskEnrolmentView> = {}): DeskEnrolmentView {
  return {
    id,
    state: 'open',
    createdBy: 'Ayu Lestari',
    createdAt: '2026-03-05T02:00:00Z',
    expiresAt: '2026-03-06T02:00:00Z',
    endedAt: null,
    deskName: null,
    failedAttempts: 0,
    ...overrides,
  };
}

const USED = enrolment('9TRWB', {
  state: 'used',
  endedAt: '2026-03-05T03:00:00Z',
  deskName: 'Finance, 2nd floor',
});
const OPEN = enrolment('XH4PA', { failedAttempts: 2 });
const NEW: NewDeskEnrolment = {
  code: '7KQ2M-XH4PA-9TRWB-CE3NF-G6YJD',
  enrolment: enrolment('7KQ2M', { createdAt: '2026-03-05T07:07:00Z', expiresAt: '2026-03-06T07:07:00Z' }),
};

function sharedBackend(extra: Record<string, (args: Record<string, unknown> | undefined) => unknown> = {}) {
  invoke.mockImplementation(
    fakeBackend({
      ledger_info: () => SHARED,
      desk_enrolments: () => [OPEN, USED],
      create_desk_enrolment: () => NEW,
      withdraw_desk_enrolment: () => ({ ...OPEN, state: 'withdrawn', endedAt: '2026-03-05T08:00:00Z' }),
      ...extra,
    }),
  );
}

const calls = (name: string) => invoke.mock.calls.filter(([command]) => command === name).length;

describe('Settings → Ledger', () => {
  freshEachTest(invoke);

  afterEach(() => {
    Reflect.deleteProperty(navigator, 'clipboard');
  });

  it('shows a shared ledger and its enrolments, with their state and desk', async () => {
    sharedBackend();
    render(Ledger);
    expect((await screen.findByTestId('ledger-kind')).textContent).toBe('Shared PostgreSQL server');
    expect(screen.getByTestId('ledger-location').textContent).toBe(SHARED.location);
    expect(screen.getByTestId('ledger-id').textContent).toBe(SHARED.ledgerId);
    expect(screen.queryByTestId('ledger-file-note')).toBeNull();

    const open = await screen.findByTestId('enrolment-row-XH4PA');
    expect(within(open).getByTestId('enrolment-state').textContent).toBe('Open');
    expect(open.textContent).toContain('Wrong tries: 2');
    expect(open.textContent).toContain('Ayu Lestari');
    expect(open.textContent).toContain('05 Mar 2026 09:00');
    expect(open.textContent).toContain('06 Mar 2026 09:00');
    expect(within(open).getByTestId('enrolment-withdraw-XH4PA')).toBeTruthy();

    const used = screen.getByTestId('enrolment-row-9TRWB');
    expect(within(used).getByTestId('enrolment-state').textContent).toBe('Used');
    expect(within(used).getByTestId('enrolment-desk').textContent).toBe('Finance, 2nd floor');
    expect(within(used).queryByTestId('enrolment-withdraw-9TRWB')).toBeNull();
  });

  it('names each state in Indonesian', async () => {
    setCurrentLanguage('id');
    sharedBackend({
      desk_enrolments: () => [
        OPEN,
        USED,
        enrolment('AAAAA', { state: 'withdrawn' }),
        enrolment('BBBBB', { state: 'expired' }),
        enrolment('CCCCC', { state: 'too_many_attempts', failedAttempts: 5 }),
      ],
    });
    render(Ledger);
    expect((await screen.findByTestId('ledger-kind')).textContent).toBe('Server PostgreSQL bersama');
    await screen.findByTestId('enrolment-row-CCCCC');
    const states = screen.getAllByTestId('enrolment-state').map((s) => s.textContent);
    expect(states).toEqual(['Aktif', 'Sudah dipakai', 'Dicabut', 'Kedaluwarsa', 'Terlalu banyak percobaan salah']);
  });

  it('makes a code and shows it once, with a copy button', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    sharedBackend();
    render(Ledger);
    await screen.findByTestId('enrolment-row-XH4PA');
    await fireEvent.click(screen.getByTestId('ledger-enrol-desk'));

    const dialog = await screen.findByTestId('enrolment-code-dialog');
    expect(dialog.getAttribute('role')).toBe('dialog');
    expect(within(dialog).getByTestId('enrolment-code').textContent).toBe(NEW.code);
    expect(dialog.textContent).toContain('works once');
    expect(dialog.textContent).toContain('24 hours');
    expect(dialog.textContent).toContain('shown only now');
    // Focus starts in the dialog, on the copy button.
    expect(document.activeElement).toBe(within(dialog).getByTestId('enrolment-code-copy'));
    // The new code is listed at once, by its first group only.
    const row = screen.getByTestId('enrolment-row-7KQ2M');
    expect(row.textContent).not.toContain(NEW.code);

    await fireEvent.click(within(dialog).getByTestId('enrolment-code-copy'));
    expect(writeText).toHaveBeenCalledWith(NEW.code);
    await waitFor(() => expect(within(dialog).getByTestId('enrolment-code-copied').textContent).toContain('Copied.'));

    await fireEvent.click(within(dialog).getByTestId('enrolment-code-close'));
    expect(screen.queryByTestId('enrolment-code-dialog')).toBeNull();
    expect(document.body.textContent).not.toContain(NEW.code);
    expect(calls('create_desk_enrolment')).toBe(1);
  });

  it('says so when the code cannot be copied', async () => {
    sharedBackend();
    render(Ledger);
    await screen.findByTestId('enrolment-row-XH4PA');
    await fireEvent.click(screen.getByTestId('ledger-enrol-desk'));
    await fireEvent.click(await screen.findByTestId('enrolment-code-copy'));
    await waitFor(() =>
      expect(screen.getByTestId('enrolment-code-copied').textContent).toContain('copy it by hand'),
    );
  });

  it('shows why no code could be made', async () => {
    sharedBackend({
      create_desk_enrolment: refusal('invalid_input', 'enrolment_needs_shared_ledger', 'needs postgres'),
    });
    render(Ledger);
    await screen.findByTestId('enrolment-row-XH4PA');
    await fireEvent.click(screen.getByTestId('ledger-enrol-desk'));
    expect((await screen.findByTestId('ledger-enrol-error')).textContent).toContain(
      'Desks are enrolled only in a shared ledger',
    );
    expect(screen.queryByTestId('enrolment-code-dialog')).toBeNull();
  });

  it('withdraws an open code only after confirmation', async () => {
    sharedBackend();
    render(Ledger);
    await fireEvent.click(await screen.findByTestId('enrolment-withdraw-XH4PA'));
    const dialog = screen.getByTestId('enrolment-withdraw-dialog');
    expect(dialog.textContent).toContain('Withdraw code XH4PA?');
    // Cancelling withdraws nothing.
    await fireEvent.click(within(dialog).getByTestId('enrolment-withdraw-cancel'));
    expect(screen.queryByTestId('enrolment-withdraw-dialog')).toBeNull();
    expect(calls('withdraw_desk_enrolment')).toBe(0);

    await fireEvent.click(screen.getByTestId('enrolment-withdraw-XH4PA'));
    await fireEvent.click(screen.getByTestId('enrolment-withdraw-confirm'));
    await waitFor(() => expect(screen.queryByTestId('enrolment-withdraw-dialog')).toBeNull());
    expect(invoke).toHaveBeenCalledWith('withdraw_desk_enrolment', { input: { id: 'XH4PA' } });
    const row = screen.getByTestId('enrolment-row-XH4PA');
    expect(row.getAttribute('data-state')).toBe('withdrawn');
    expect(within(row).getByTestId('enrolment-state').textContent).toBe('Withdrawn');
    expect(within(row).queryByTestId('enrolment-withdraw-XH4PA')).toBeNull();
  });

  it('explains a code that ended before it could be withdrawn, and shows how it ended', async () => {
    let used = false;
    sharedBackend({
      desk_enrolments: () => (used ? [{ ...OPEN, state: 'used', deskName: 'Front desk' }, USED] : [OPEN, USED]),
      withdraw_desk_enrolment: () => {
        used = true;
        return refusal('conflict', 'enrolment_not_open', 'not open')();
      },
    });
    render(Ledger);
    await fireEvent.click(await screen.findByTestId('enrolment-withdraw-XH4PA'));
    await fireEvent.click(screen.getByTestId('enrolment-withdraw-confirm'));
    const dialog = screen.getByTestId('enrolment-withdraw-dialog');
    expect((await within(dialog).findByTestId('form-error')).textContent).toContain('can no longer be withdrawn');
    await waitFor(() => expect(screen.getByTestId('enrolment-row-XH4PA').getAttribute('data-state')).toBe('used'));
  });

  it('for a ledger file: explains sharing on PostgreSQL and offers no enrolment', async () => {
    invoke.mockImplementation(fakeBackend({ ledger_info: () => FILE }));
    render(Ledger);
    expect((await screen.findByTestId('ledger-kind')).textContent).toBe('A file on this computer');
    expect(screen.getByTestId('ledger-location').textContent).toBe(FILE.location);
    const note = screen.getByTestId('ledger-file-note');
    expect(note.textContent).toContain('PostgreSQL');
    expect(note.textContent).toContain('ovo-move-ledger');
    expect(screen.queryByTestId('ledger-enrol-desk')).toBeNull();
    expect(screen.queryByTestId('enrolments-table')).toBeNull();
    expect(calls('desk_enrolments')).toBe(0);
  });

  it('shows why the ledger could not be loaded', async () => {
    invoke.mockImplementation(fakeBackend({ ledger_info: refusal('forbidden', null, 'manage_settings required') }));
    render(Ledger);
    expect((await screen.findByTestId('ledger-error')).textContent).toContain('This could not be loaded.');
  });
});

describe('Settings tabs', () => {
  freshEachTest(invoke);

  it('give the ledger tab to an admin', async () => {
    sharedBackend({ list_operators: () => [] });
    render(Settings);
    await fireEvent.click(screen.getByTestId('settings-tab-ledger'));
    expect((await screen.findByTestId('ledger-kind')).textContent).toBe('Shared PostgreSQL server');
  });

  it('give no ledger tab to anyone else', () => {
    app.status = status('active', { permissions: ['view_payments', 'approve_refunds', 'view_audit', 'manage_operators'] });
    invoke.mockImplementation(fakeBackend({ list_operators: () => [] }));
    render(Settings);
    expect(screen.getByTestId('settings-tab-operators')).toBeTruthy();
    expect(screen.queryByTestId('settings-tab-ledger')).toBeNull();
    expect(calls('ledger_info')).toBe(0);
  });
});
