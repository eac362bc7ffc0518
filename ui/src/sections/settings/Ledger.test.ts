import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Ledger from './Ledger.svelte';
import Settings from '../Settings.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { app } from '../../lib/session.svelte';
import { ledgerRestart } from '../../lib/ledgerRestart.svelte';
import { refusal } from '../../test/answers';
import { fakeBackend, freshEachTest, inputsSent, status } from '../../test/fixtures';
import { FILE_LEDGER, SHARED_LEDGER, enrolment } from '../../test/settings';
import type { LedgerMoved, NewDeskEnrolment, SharedLedgerCheck } from '../../lib/ipc/types';

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
      ledger_info: () => SHARED_LEDGER,
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
    expect(screen.getByTestId('ledger-location').textContent).toBe(SHARED_LEDGER.location);
    expect(screen.getByTestId('ledger-id').textContent).toBe(SHARED_LEDGER.ledgerId);
    expect(screen.queryByTestId('ledger-file-note')).toBeNull();

    const open = await screen.findByTestId('enrolment-row-XH4PA');
    expect(within(open).getByTestId('enrolment-state').textContent).toBe('Open');
    expect(open.textContent).toContain('Wrong tries: 2');
    expect(open.textContent).toContain('Ayu Lestari');
    expect([...open.querySelectorAll('td.time')].map((c) => c.textContent)).toEqual([
      '5 Mar 2026 09:00 WIB',
      '6 Mar 2026 09:00 WIB',
    ]);
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

  it('for a ledger file: offers to share it, keeps the command as a hint, and offers no enrolment', async () => {
    invoke.mockImplementation(fakeBackend({ ledger_info: () => FILE_LEDGER }));
    render(Ledger);
    expect((await screen.findByTestId('ledger-kind')).textContent).toBe('A file on this computer');
    expect(screen.getByTestId('ledger-location').textContent).toBe(FILE_LEDGER.location);
    const card = screen.getByTestId('ledger-share');
    expect(card.textContent).toContain('Share this ledger');
    expect(card.textContent).toContain('PostgreSQL');
    expect(within(card).getByTestId('ledger-move-command').textContent).toContain('ovo-move-ledger');
    // The address may hold a password: a hidden field the browser does not remember.
    const field = within(card).getByTestId('ledger-url') as HTMLInputElement;
    expect(field.type).toBe('password');
    expect(field.getAttribute('autocomplete')).toBe('off');
    expect((within(card).getByTestId('ledger-check') as HTMLButtonElement).disabled).toBe(true);
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

/** What the admin types: its password must never show again. */
const PASSWORD = 's3cret-Pa55word';
const URL = `postgres://ovo:${PASSWORD}@db.office:5432/ovo`;
const HIDDEN = 'postgres://ovo:***@db.office:5432/ovo';
const EMPTY_THERE: SharedLedgerCheck = { location: HIDDEN, holdsLedger: false, ledgerId: null, empty: true };
const LEDGER_THERE: SharedLedgerCheck = {
  location: HIDDEN,
  holdsLedger: true,
  ledgerId: 'b0a7d000-1111-4222-8333-444455556666',
  empty: false,
};
const MOVED: LedgerMoved = {
  location: HIDDEN,
  tables: [
    { table: 'operators', rows: 4 },
    { table: 'payments', rows: 12840 },
    { table: 'audit_log', rows: 53211 },
  ],
  auditSeq: 53211,
};

function fileBackend(extra: Record<string, (args: Record<string, unknown> | undefined) => unknown> = {}) {
  invoke.mockImplementation(
    fakeBackend({
      ledger_info: () => FILE_LEDGER,
      check_shared_ledger: () => EMPTY_THERE,
      move_to_shared_ledger: () => MOVED,
      join_shared_ledger: () => LEDGER_THERE,
      restart_app: () => null,
      ...extra,
    }),
  );
}

/** Types the address and checks it; resolves once the answer (or the problem) shows. */
async function checkAddress(url = URL) {
  const field = (await screen.findByTestId('ledger-url')) as HTMLInputElement;
  await fireEvent.input(field, { target: { value: url } });
  await fireEvent.click(screen.getByTestId('ledger-check'));
  await waitFor(() =>
    expect(screen.queryByTestId('ledger-found') ?? screen.queryByTestId('ledger-check-error')).not.toBeNull(),
  );
}

/** Shows the screen, checks the address and asks to move the ledger there or join the one there: the dialog. */
async function offer(action: 'move' | 'join'): Promise<HTMLElement> {
  render(Ledger);
  await checkAddress();
  await fireEvent.click(screen.getByTestId(`ledger-${action}`));
  return screen.getByTestId(`ledger-${action}-dialog`);
}

/** Nothing on the page, text or attribute or field, holds the typed address or its password. */
function expectAddressForgotten() {
  expect(document.body.innerHTML).not.toContain(PASSWORD);
  expect(document.body.innerHTML).not.toContain(URL);
  for (const input of document.querySelectorAll('input')) expect(input.value).not.toContain(PASSWORD);
}

describe('Settings → Ledger: sharing the ledger', () => {
  freshEachTest(invoke);

  beforeEach(() => {
    ledgerRestart.pending = null;
  });

  it('checks the address and says the database is empty, offering the move', async () => {
    fileBackend();
    render(Ledger);
    await checkAddress();
    expect(inputsSent(invoke, 'check_shared_ledger')).toEqual([{ url: URL }]);
    const found = screen.getByTestId('ledger-found');
    expect(found.getAttribute('data-offer')).toBe('move');
    expect(within(found).getByTestId('ledger-found-location').textContent).toBe(HIDDEN);
    expect(found.textContent).toContain('The database is empty');
    expect(within(found).getByTestId('ledger-move').textContent).toBe('Move this desk’s ledger there');
    expect(within(found).queryByTestId('ledger-join')).toBeNull();
    // The password is shown nowhere but in the (hidden) field being typed.
    expect(document.body.textContent).not.toContain(PASSWORD);

    // Editing the address forgets what was found at the old one.
    await fireEvent.input(screen.getByTestId('ledger-url'), { target: { value: `${URL}x` } });
    expect(screen.queryByTestId('ledger-found')).toBeNull();
  });

  it('checks the address and names the ledger found there, offering to use it', async () => {
    fileBackend({ check_shared_ledger: () => LEDGER_THERE });
    render(Ledger);
    await checkAddress();
    const found = screen.getByTestId('ledger-found');
    expect(found.getAttribute('data-offer')).toBe('join');
    expect(within(found).getByTestId('ledger-found-id').textContent).toBe(LEDGER_THERE.ledgerId);
    expect(within(found).getByTestId('ledger-join').textContent).toBe(
      'Use that ledger from the next start (this desk is then enrolled with a code)',
    );
    expect(within(found).queryByTestId('ledger-move')).toBeNull();
  });

  it('says when the database holds something else than a ledger', async () => {
    fileBackend({ check_shared_ledger: () => ({ ...EMPTY_THERE, empty: false }) });
    render(Ledger);
    await checkAddress();
    expect(screen.getByTestId('ledger-found').textContent).toContain('Choose an empty database');
    expect(screen.queryByTestId('ledger-move')).toBeNull();
    expect(screen.queryByTestId('ledger-join')).toBeNull();
  });

  it('moves the ledger only after confirmation, shows what was copied, then restarts', async () => {
    fileBackend();
    let dialog = await offer('move');
    expect(dialog.textContent).toContain(HIDDEN);
    expect(dialog.textContent).toContain('counted on both sides');
    expect(dialog.textContent).toContain('kept only as a record');
    expect(dialog.textContent).toContain('restarts');
    expect(dialog.textContent).toContain('Settings → Ledger');
    // Cancelling moves nothing, and the address is still there to move after all.
    await fireEvent.click(within(dialog).getByTestId('ledger-move-cancel'));
    expect(screen.queryByTestId('ledger-move-dialog')).toBeNull();
    expect(calls('move_to_shared_ledger')).toBe(0);

    await fireEvent.click(screen.getByTestId('ledger-move'));
    dialog = screen.getByTestId('ledger-move-dialog');
    await fireEvent.click(within(dialog).getByTestId('ledger-move-confirm'));
    const moved = await screen.findByTestId('ledger-moved-dialog');
    expect(inputsSent(invoke, 'move_to_shared_ledger')).toEqual([{ url: URL }]);
    expect(screen.queryByTestId('ledger-move-dialog')).toBeNull();
    expect(within(moved).getByTestId('ledger-moved-location').textContent).toBe(HIDDEN);
    const counts = within(moved).getByTestId('ledger-moved-counts');
    expect(within(counts).getByTestId('ledger-moved-operators').textContent).toContain('4');
    expect(within(counts).getByTestId('ledger-moved-payments').textContent).toContain('12,840');
    expect(within(counts).getByTestId('ledger-moved-audit_log').textContent).toContain('53,211');
    expect(within(moved).getByTestId('ledger-moved-audit').textContent).toContain('no. 53,211');
    expectAddressForgotten();

    // While the restart is pending nothing else can be changed: the dialog stays, the form is off.
    await fireEvent.keyDown(moved, { key: 'Escape' });
    expect(screen.getByTestId('ledger-moved-dialog')).toBeTruthy();
    expect((screen.getByTestId('ledger-url') as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByTestId('ledger-move')).toBeNull();

    expect(calls('restart_app')).toBe(0);
    await fireEvent.click(within(moved).getByTestId('ledger-restart'));
    await waitFor(() => expect(calls('restart_app')).toBe(1));
    const restart = within(moved).getByTestId('ledger-restart') as HTMLButtonElement;
    await waitFor(() => expect(restart.textContent).toBe('Restarting…'));
    expect(restart.disabled).toBe(true);
  });

  it('still shows the pending restart after leaving the screen and coming back', async () => {
    fileBackend();
    const first = render(Ledger);
    await checkAddress();
    await fireEvent.click(screen.getByTestId('ledger-move'));
    await fireEvent.click(screen.getByTestId('ledger-move-confirm'));
    await screen.findByTestId('ledger-moved-dialog');
    first.unmount();

    render(Ledger);
    expect(await screen.findByTestId('ledger-moved-dialog')).toBeTruthy();
  });

  it('explains a move the shared ledger refused, and forgets the address', async () => {
    fileBackend({
      move_to_shared_ledger: refusal('conflict', 'ledger_target_not_empty', 'table payments holds 3 rows'),
    });
    await offer('move');
    await fireEvent.click(screen.getByTestId('ledger-move-confirm'));
    const error = await screen.findByTestId('ledger-act-error');
    expect(error.textContent).toContain('That database is not empty, so nothing was moved.');
    expect(error.textContent).toContain('Details: table payments holds 3 rows');
    expect(screen.queryByTestId('ledger-move-dialog')).toBeNull();
    expect(screen.queryByTestId('ledger-moved-dialog')).toBeNull();
    expect(screen.queryByTestId('ledger-found')).toBeNull();
    expect((screen.getByTestId('ledger-url') as HTMLInputElement).value).toBe('');
    expectAddressForgotten();
  });

  it('sets this desk to use the ledger found there, then restarts', async () => {
    fileBackend({ check_shared_ledger: () => LEDGER_THERE });
    const dialog = await offer('join');
    expect(dialog.textContent).toContain(HIDDEN);
    expect(dialog.textContent).toContain('not copied');
    expect(dialog.textContent).toContain('enrolment screen');
    await fireEvent.click(within(dialog).getByTestId('ledger-join-confirm'));

    const joined = await screen.findByTestId('ledger-joined');
    expect(inputsSent(invoke, 'join_shared_ledger')).toEqual([{ url: URL }]);
    expect(joined.textContent).toContain('from its next start');
    expect(within(joined).getByTestId('ledger-joined-location').textContent).toBe(HIDDEN);
    expect(screen.queryByTestId('ledger-url')).toBeNull();
    expectAddressForgotten();

    await fireEvent.click(screen.getByTestId('ledger-restart'));
    await waitFor(() => expect(calls('restart_app')).toBe(1));
  });

  it('shows why the app could not restart, and lets it be tried again', async () => {
    fileBackend({
      check_shared_ledger: () => LEDGER_THERE,
      restart_app: refusal('internal', null, 'no restart'),
    });
    await offer('join');
    await fireEvent.click(screen.getByTestId('ledger-join-confirm'));
    await fireEvent.click(await screen.findByTestId('ledger-restart'));
    expect((await screen.findByTestId('ledger-restart-error')).textContent).toContain('no restart');
    expect((screen.getByTestId('ledger-restart') as HTMLButtonElement).disabled).toBe(false);
  });

  it('on a shared ledger: offers another shared ledger, and shows a refused join', async () => {
    sharedBackend({
      check_shared_ledger: () => LEDGER_THERE,
      join_shared_ledger: refusal(
        'invalid_input',
        'ledger_url_empty',
        'no desk uses a ledger there yet: move this desk’s ledger there instead',
      ),
    });
    render(Ledger);
    const card = await screen.findByTestId('ledger-share');
    expect(card.textContent).toContain('Use another shared ledger');
    expect(within(card).queryByTestId('ledger-move-command')).toBeNull();
    await checkAddress();
    await fireEvent.click(screen.getByTestId('ledger-join'));
    await fireEvent.click(screen.getByTestId('ledger-join-confirm'));
    const error = await screen.findByTestId('ledger-act-error');
    expect(error.getAttribute('data-reason')).toBe('ledger_url_empty');
    expect(error.textContent).toContain('No desk uses a ledger there yet');
    expect(screen.queryByTestId('ledger-joined')).toBeNull();
    expect(calls('restart_app')).toBe(0);
    expectAddressForgotten();
  });

  it('on a shared ledger: offers no move to an empty database, nor a join to its own ledger', async () => {
    let answer: SharedLedgerCheck = EMPTY_THERE;
    sharedBackend({ check_shared_ledger: () => answer });
    render(Ledger);
    await checkAddress();
    expect(screen.getByTestId('ledger-found').getAttribute('data-offer')).toBe('emptyShared');
    expect(screen.queryByTestId('ledger-move')).toBeNull();

    answer = { ...LEDGER_THERE, ledgerId: SHARED_LEDGER.ledgerId };
    await checkAddress(`${URL}?sslmode=require`);
    expect(screen.getByTestId('ledger-found').getAttribute('data-offer')).toBe('same');
    expect(screen.queryByTestId('ledger-join')).toBeNull();
  });

  it('shows why the shared ledger could not be reached, with the reason the back end gives', async () => {
    fileBackend({
      check_shared_ledger: refusal(
        'storage',
        'ledger_unreachable',
        `the shared ledger at ${HIDDEN} cannot be opened: connection refused`,
      ),
    });
    render(Ledger);
    await checkAddress();
    const error = screen.getByTestId('ledger-check-error');
    expect(error.textContent).toContain('The shared ledger could not be reached or opened.');
    expect(within(error).getByTestId('problem-detail').textContent).toContain('connection refused');
    expect(screen.queryByTestId('ledger-found')).toBeNull();
    expect(document.body.textContent).not.toContain(PASSWORD);
  });

  it('explains a malformed address, in Indonesian too', async () => {
    setCurrentLanguage('id');
    fileBackend({
      check_shared_ledger: refusal(
        'invalid_input',
        'ledger_url_invalid',
        'a shared ledger’s address is postgres://user:password@host:port/database',
      ),
    });
    render(Ledger);
    expect((await screen.findByTestId('ledger-share')).textContent).toContain('Pakai bersama buku besar ini');
    await checkAddress('mysql://nope');
    await waitFor(() => expect(screen.getByTestId('ledger-check').textContent).toBe('Cek'));
    expect(screen.getByTestId('ledger-check-error').textContent).toContain(
      'Ini bukan alamat buku besar bersama. Tulis dalam bentuk postgres://pengguna:katasandi@host:port/basisdata.',
    );
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
