import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import App from './App.svelte';
import { applyStatus, POLL_INTERVAL_MS, TOUCH_INTERVAL_MS } from './lib/session.svelte';
import { ledgerFeed } from './lib/liveChanges.svelte';
import { deferred } from './test/customers';
import { currentLanguage } from './lib/i18n/i18n.svelte';
import { freshAppEachTest } from './test/a11y';
import { refusal } from './test/answers';
import { ADMIN, fakeBackend, NO_ENROLMENT, status, waitingCounts } from './test/fixtures';
import { refundView } from './test/payments';
import type { AppInfo, LedgerChanges, Preferences, SessionStatus, StartupState } from './lib/ipc/types';

const PREFS: Preferences = { language: null, idleLockMinutes: 15, environment: 'builtin_sandbox' };

function boot(
  info: Partial<AppInfo>,
  session: SessionStatus,
  extra: Record<string, (args: Record<string, unknown> | undefined) => unknown> = {},
) {
  invoke.mockImplementation(
    fakeBackend({
      app_info: () => ({
        version: '0.1.0',
        environment: 'builtin_sandbox',
        osLocale: 'en-US',
        language: null,
        ...info,
      }),
      session_status: () => session,
      get_preferences: () => PREFS,
      ...extra,
    }),
  );
}

freshAppEachTest(invoke);

describe('App', () => {

  it('starts in Indonesian on an Indonesian OS when no language is saved', async () => {
    boot({ osLocale: 'id-ID' }, status('signed_out'));
    render(App);
    const signin = await screen.findByTestId('screen-signin');
    expect(within(signin).getByTestId('signin-submit').textContent?.trim()).toBe('Masuk');
    expect((screen.getByTestId('language-select') as HTMLSelectElement).value).toBe('id');
  });

  it('prefers the saved language over the OS locale', async () => {
    boot({ osLocale: 'id-ID', language: 'en' }, status('signed_out'));
    render(App);
    const signin = await screen.findByTestId('screen-signin');
    expect(within(signin).getByTestId('signin-submit').textContent?.trim()).toBe('Sign in');
  });

  it('asks whether the desk must be enrolled before anything else, and opens the back office when not', async () => {
    boot({}, status('signed_out'));
    render(App);
    await screen.findByTestId('screen-signin');
    expect(invoke.mock.calls[0][0]).toBe('startup_state');
    expect(screen.queryByTestId('screen-enrol')).toBeNull();
  });

  it('opens the back office when the back end cannot say whether the desk must be enrolled', async () => {
    boot({}, status('signed_out'), { startup_state: refusal('internal', null, 'no such command') });
    render(App);
    expect(await screen.findByTestId('screen-signin')).toBeTruthy();
    expect(screen.queryByTestId('screen-enrol')).toBeNull();
  });

  it('shows set-up when uninitialized', async () => {
    boot({}, status('uninitialized'));
    render(App);
    expect(await screen.findByTestId('screen-setup')).toBeTruthy();
  });

  it('lands finance on the approval queue with its count while refunds wait, and counts the rest in the navigation', async () => {
    const finance = { id: 2, username: 'fina', displayName: 'Fina', role: 'finance' as const, disabled: false, passwordOneTime: false, demo: false, createdAt: '2026-01-01T00:00:00Z' };
    boot(
      { language: 'id' },
      status('active', {
        operator: finance,
        permissions: ['view_customers', 'view_payments', 'approve_refunds', 'resolve_by_hand', 'view_audit', 'view_finance'],
      }),
      {
        waiting_counts: () => waitingCounts({ unknownPayments: 2, needsReviewRefunds: 1 }, 1200),
        refund_queue: () => ({ items: [refundView(5)], next: null }),
      },
    );
    render(App);
    const refunds = await screen.findByTestId('nav-refunds');
    await waitFor(() => expect(refunds.getAttribute('aria-current')).toBe('page'));
    expect(await screen.findByTestId('refund-row')).toBeTruthy();
    // Counts with the language's thousands dot; the badge's words say what waits.
    const count = screen.getByTestId('nav-count-refunds');
    expect(count.textContent).toContain('1.201');
    expect(count.textContent).toContain('1.200 menunggu persetujuan, 1 perlu keputusan');
    expect(screen.getByTestId('nav-count-payments').textContent).toContain('2 belum diketahui');
    expect(screen.queryByTestId('nav-count-dashboard')).toBeNull();
    expect(screen.getByTestId('refunds-tab-requested').textContent).toContain('Menunggu persetujuan (1.200)');
  });

  it('lands finance on the dashboard when no refund waits for approval', async () => {
    boot(
      {},
      status('active', {
        operator: { ...ADMIN, id: 2, username: 'fina', role: 'finance' },
        permissions: ['view_payments', 'approve_refunds', 'view_finance'],
      }),
      { waiting_counts: () => waitingCounts({}, 0), dashboard: () => new Promise(() => {}) },
    );
    render(App);
    const dashboard = await screen.findByTestId('nav-dashboard');
    await waitFor(() => expect(dashboard.getAttribute('aria-current')).toBe('page'));
    expect(screen.queryByTestId('nav-count-refunds')).toBeNull();
  });

  it('shows only the sections a finance operator may open', async () => {
    boot(
      { environment: 'production' },
      status('active', {
        operator: { id: 2, username: 'budi', displayName: 'Budi', role: 'finance', disabled: false, passwordOneTime: false, demo: false, createdAt: '2026-01-01T00:00:00Z' },
        permissions: ['view_payments', 'approve_refunds', 'view_audit'],
      }),
      {
        get_preferences: () => ({ ...PREFS, environment: 'production' }),
        payments_page: () => ({ items: [], next: null }),
      },
    );
    render(App);
    await screen.findByTestId('screen-shell');
    expect(screen.queryByTestId('nav-customers')).toBeNull();
    expect(screen.getByTestId('nav-payments')).toBeTruthy();
    expect(screen.getByTestId('nav-refunds')).toBeTruthy();
    expect(screen.getByTestId('nav-audit')).toBeTruthy();
    expect(screen.getByTestId('nav-settings')).toBeTruthy();
    expect(screen.getByTestId('current-operator').textContent).toContain('Budi');
    expect(screen.getByTestId('current-operator').textContent).toContain('Finance');
    await waitFor(() =>
      expect(screen.getByTestId('environment-badge').getAttribute('data-environment')).toBe('production'),
    );
    // The first allowed section is the payment list; finance takes no payments.
    expect((await screen.findByTestId('payments-empty')).textContent).toContain('No payments yet');
    expect(screen.queryByTestId('new-payment')).toBeNull();

    await fireEvent.click(screen.getByTestId('nav-settings'));
    expect(screen.getByTestId('settings-tab-preferences')).toBeTruthy();
    expect(screen.queryByTestId('settings-tab-operators')).toBeNull();
    expect(screen.queryByTestId('settings-tab-credentials')).toBeNull();
  });

  it('tells the back end the operator is present on keys and pointer only, never from a poll', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      boot({}, status('active'), { touch_session: () => status('active'), list_operators: () => [] });
      render(App);
      await screen.findByTestId('screen-shell');
      const calls = (name: string) => invoke.mock.calls.filter(([command]) => command === name).length;
      const polls = calls('session_status');
      await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 3);
      expect(calls('session_status')).toBeGreaterThanOrEqual(polls + 3);
      expect(calls('touch_session')).toBe(0);

      await fireEvent.keyDown(window, { key: 'a' });
      expect(calls('touch_session')).toBe(1);
      await fireEvent.pointerDown(window);
      expect(calls('touch_session')).toBe(1);
      await vi.advanceTimersByTimeAsync(TOUCH_INTERVAL_MS);
      expect(calls('touch_session')).toBe(1);
      await fireEvent.pointerDown(window);
      expect(calls('touch_session')).toBe(2);
      // The shortest idle lock is a minute: an operator at work is never more than a touch interval behind.
      expect(TOUCH_INTERVAL_MS).toBeLessThan(60_000);
    } finally {
      vi.useRealTimers();
    }
  });

  /** Opens the shell, signed in; from then on the back end answers only `handlers`. */
  async function shellThen(handlers: Parameters<typeof fakeBackend>[0]) {
    boot({}, status('active'));
    render(App);
    await screen.findByTestId('screen-shell');
    invoke.mockImplementation(fakeBackend(handlers));
  }

  it('shows the lock screen when any command answers "locked"', async () => {
    // From the shell on, the back end reports the lock.
    await shellThen({
      session_status: () => status('locked'),
      list_operators: refusal('locked', null, 'session is locked'),
      get_preferences: () => PREFS,
    });
    // An admin's settings open on Operators, whose list_operators call is refused.
    await fireEvent.click(screen.getByTestId('nav-settings'));
    const lock = await screen.findByTestId('lock-screen');
    expect(lock.textContent).toContain('Ayu Lestari');
    expect(screen.queryByTestId('screen-shell')).toBeNull();
  });

  it('shows the sign-in screen when a command answers "unauthenticated"', async () => {
    await shellThen({
      session_status: () => status('signed_out'),
      lock_session: refusal('unauthenticated', null, 'not signed in'),
    });
    await fireEvent.click(screen.getByTestId('lock-now'));
    expect(await screen.findByTestId('screen-signin')).toBeTruthy();
  });
});

describe('App following the changes of other desks', () => {

  it('waits on the change feed while signed in, stops on sign-out and starts again on sign-in', async () => {
    const asks: { after: number; answer: ReturnType<typeof deferred<LedgerChanges>> }[] = [];
    boot({}, status('active'), {
      next_ledger_change: (args) => {
        const answer = deferred<LedgerChanges>();
        asks.push({ after: (args as { input: { after: number } }).input.after, answer });
        return answer.promise;
      },
      sign_out: () => status('signed_out'),
    });
    render(App);
    await screen.findByTestId('screen-shell');
    await waitFor(() => expect(asks).toHaveLength(1));
    asks[0].answer.resolve({ seq: 7, tables: ['customers'], live: true });
    await waitFor(() => expect(asks).toHaveLength(2));
    expect(asks[1].after).toBe(7);
    const heard = ledgerFeed.changes.payments;

    await fireEvent.click(screen.getByTestId('signout'));
    await screen.findByTestId('screen-signin');
    expect(ledgerFeed.running).toBe(false);
    // The answer still on its way when the operator left is dropped, and nothing more is asked.
    asks[1].answer.resolve({ seq: 8, tables: ['payments'], live: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(asks).toHaveLength(2);
    expect(ledgerFeed.changes.payments).toBe(heard);

    // Signed in again: one loop, from the last seq it heard.
    applyStatus(status('active'));
    await screen.findByTestId('screen-shell');
    await waitFor(() => expect(asks).toHaveLength(3));
    expect(asks[2].after).toBe(7);
    asks[2].answer.resolve({ seq: 8, tables: [], live: false });
    await waitFor(() => expect(ledgerFeed.running).toBe(false));
    expect(asks).toHaveLength(3);
  });
});

describe('App on a desk not yet enrolled in its shared ledger', () => {
  const LOCATION = 'postgres://ovo@db.example:5432/ledger';
  let enrolled = false;
  const waiting = (): StartupState => (enrolled ? NO_ENROLMENT : { needsEnrolment: true, location: LOCATION, recovery: null });

  beforeEach(() => {
    enrolled = false;
  });

  const calls = (name: string) => invoke.mock.calls.filter(([command]) => command === name).length;

  it('shows the enrolment screen and nothing of the back office', async () => {
    boot({}, status('signed_out'), { startup_state: waiting });
    render(App);
    const enrol = await screen.findByTestId('screen-enrol');
    expect(within(enrol).getByTestId('enrol-location').textContent).toBe(LOCATION);
    expect(screen.queryByTestId('screen-signin')).toBeNull();
    // The back office is not open yet: nothing else is asked.
    expect(calls('app_info')).toBe(0);
    expect(calls('session_status')).toBe(0);
  });

  it('enrols with the code and name, then opens the back office in the language chosen meanwhile', async () => {
    boot({ osLocale: 'en-US', language: null }, status('signed_out'), {
      startup_state: waiting,
      enrol_desk: () => {
        enrolled = true;
        return NO_ENROLMENT;
      },
    });
    render(App);
    await screen.findByTestId('screen-enrol');
    await fireEvent.change(screen.getByTestId('language-select'), { target: { value: 'id' } });
    expect(calls('set_language')).toBe(0);
    await fireEvent.input(screen.getByTestId('enrol-code'), { target: { value: '7KQ2M-XH4PA-9TRWB-CE3NF-G6YJD' } });
    await fireEvent.input(screen.getByTestId('enrol-desk-name'), { target: { value: 'Finance, 2nd floor' } });
    await fireEvent.click(screen.getByTestId('enrol-submit'));
    const signin = await screen.findByTestId('screen-signin');
    expect(invoke).toHaveBeenCalledWith('enrol_desk', {
      input: { code: '7KQ2M-XH4PA-9TRWB-CE3NF-G6YJD', deskName: 'Finance, 2nd floor' },
    });
    expect(screen.queryByTestId('screen-enrol')).toBeNull();
    expect(calls('app_info')).toBe(1);
    expect(currentLanguage()).toBe('id');
    expect(within(signin).getByTestId('signin-submit').textContent?.trim()).toBe('Masuk');
  });

  it('shows a wrong code in the form and stays on the enrolment screen', async () => {
    boot({}, status('signed_out'), {
      startup_state: waiting,
      enrol_desk: refusal(
        'invalid_input',
        'enrolment_code_wrong',
        'the code does not match enrolment 7KQ2M; 4 more tries before it ends',
      ),
    });
    render(App);
    await screen.findByTestId('screen-enrol');
    await fireEvent.input(screen.getByTestId('enrol-code'), { target: { value: '7KQ2M-XH4PA-9TRWB-CE3NF-G6YJE' } });
    await fireEvent.input(screen.getByTestId('enrol-desk-name'), { target: { value: 'Front desk' } });
    await fireEvent.click(screen.getByTestId('enrol-submit'));
    const error = await screen.findByTestId('form-error');
    expect(error.textContent).toContain('The code does not match.');
    expect(error.textContent).toContain('4 more tries before it ends');
    expect(screen.getByTestId('screen-enrol')).toBeTruthy();
    expect(calls('app_info')).toBe(0);
  });
});
