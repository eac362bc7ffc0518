// Shared test data and a fake back end for component tests.

import { screen } from '@testing-library/svelte';
import { beforeEach, vi, type Mock } from 'vitest';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import type {
  LedgerChanges,
  OperatorView,
  Permission,
  SessionStatus,
  StartupState,
  WaitingCountsView,
} from '../lib/ipc/types';
import { app } from '../lib/session.svelte';

export const ADMIN_PERMISSIONS: Permission[] = [
  'view_customers',
  'link_accounts',
  'view_payments',
  'take_payments',
  'request_refunds',
  'approve_refunds',
  'view_audit',
  'manage_operators',
  'manage_credentials',
  'manage_settings',
];

export const ADMIN: OperatorView = {
  id: 1,
  username: 'admin',
  displayName: 'Ayu Lestari',
  role: 'admin',
  disabled: false,
  passwordOneTime: false,
  demo: false,
  createdAt: '2026-01-05T02:00:00Z',
};

export function status(state: SessionStatus['state'], overrides: Partial<SessionStatus> = {}): SessionStatus {
  const signedIn = state === 'active' || state === 'locked';
  return {
    state,
    operator: signedIn ? ADMIN : null,
    permissions: state === 'active' ? ADMIN_PERMISSIONS : [],
    idleLockMinutes: 15,
    ...overrides,
  };
}

type Handler = (args: Record<string, unknown> | undefined) => unknown;

/** What `startup_state` answers unless a test says otherwise: this desk needs no enrolment. */
export const NO_ENROLMENT: StartupState = { needsEnrolment: false, location: null, recovery: null };

/** What `next_ledger_change` answers unless a test says otherwise: a file ledger, so the UI stops asking. */
export const NOT_LIVE: LedgerChanges = { seq: 0, tables: [], live: false };

/** What `waiting_counts` answers unless a test says otherwise: nothing waits. */
export function waitingCounts(overrides: Partial<WaitingCountsView['openItems']> = {}, refundsToApprove: number | null = null): WaitingCountsView {
  return {
    refundsToApprove,
    openItems: { unknownPayments: 0, needsReviewPayments: 0, unknownRefunds: 0, needsReviewRefunds: 0, ...overrides },
  };
}

/** Answers every fake back end gives unless its `handlers` say otherwise. */
const DEFAULT_HANDLERS: Record<string, Handler> = {
  startup_state: () => NO_ENROLMENT,
  next_ledger_change: () => NOT_LIVE,
  waiting_counts: () => waitingCounts(),
};

/**
 * A fake `invoke`: each command answers from `handlers` (unless given, `startup_state` says no enrolment is
 * needed and `next_ledger_change` says the ledger is not live), a thrown/rejected value becomes the rejection.
 */
export function fakeBackend(handlers: Record<string, Handler>) {
  return vi.fn(async (cmd: string, args?: Record<string, unknown>) => {
    const handler = handlers[cmd] ?? DEFAULT_HANDLERS[cmd];
    if (!handler) throw { code: 'internal', message: `no fake for ${cmd}`, reason: null };
    return handler(args);
  });
}

/**
 * Each test of the enclosing `describe` starts with no fake answers, in English, and signed in as `session`
 * (the admin unless given; `null` leaves the session as the test sets it).
 */
export function freshEachTest(invoke: Mock, session: SessionStatus | null = status('active')) {
  beforeEach(() => {
    invoke.mockReset();
    setCurrentLanguage('en');
    if (session) app.status = session;
  });
}

/** The `input` argument of every call of `command` the fake back end has had so far. */
export function inputsSent<T>(invoke: Mock, command: string): T[] {
  return invoke.mock.calls.filter(([cmd]) => cmd === command).map(([, args]) => (args as { input: T }).input);
}

/** The input element with test id `testid`. */
export function input(testid: string): HTMLInputElement {
  return screen.getByTestId(testid) as HTMLInputElement;
}
