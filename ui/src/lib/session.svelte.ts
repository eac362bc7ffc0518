// App-wide state: session status, environment, and the session's side effects (activity touches,
// status polling, reacting to "locked" / "unauthenticated" from any command).

import { api, type AppError } from './ipc/client';
import type { DemoOperatorView, EnvironmentKey, LanguageKey, Preferences, SessionStatus } from './ipc/types';
import { setCurrentLanguage } from './i18n/i18n.svelte';
import { defaultLanguage } from './i18n/locale';
import { desk } from './desk.svelte';
import type { Section } from './nav';

import { clearToasts, toastError } from './toasts.svelte';

export const POLL_INTERVAL_MS = 15_000;
/**
 * Only `touch_session` (sent on the operator's keys and pointer, never by a poll) keeps the idle lock away,
 * so a touch is at most this far behind the last input: well inside the shortest idle lock (1 minute).
 */
export const TOUCH_INTERVAL_MS = 15_000;

type AppState = {
  /** null until the first `session_status` answer. */
  status: SessionStatus | null;
  environment: EnvironmentKey;
  version: string;
  /** The section the shell shows; kept across a lock so unlocking returns to it. */
  section: Section | null;
  /** The built-in environment's demo operators and their public password (none elsewhere). */
  demoOperators: DemoOperatorView[];
  demoPassword: string | null;
};

export const app = $state<AppState>({
  status: null,
  environment: 'builtin_sandbox',
  version: '',
  section: null,
  demoOperators: [],
  demoPassword: null,
});

/**
 * Loads what the app needs before the first screen. Throws `AppError` on failure. `chosen` is a language the
 * operator chose before the back office opened (on the enrolment screen): it applies unless one is saved.
 */
export async function bootstrap({ chosen = null }: { chosen?: LanguageKey | null } = {}): Promise<void> {
  const info = await api.appInfo();
  app.environment = info.environment;
  app.version = info.version;
  app.demoOperators = info.demoOperators ?? [];
  app.demoPassword = info.demoPassword ?? null;
  setCurrentLanguage(info.language ?? chosen ?? defaultLanguage(info));
  app.status = await api.sessionStatus();
}

/** Throttle for `touch_session`: at most one call per interval. */
export function createTouchThrottle(intervalMs: number, now: () => number = () => Date.now()) {
  let last = Number.NEGATIVE_INFINITY;
  return {
    /** True when a touch is due now (and records it). */
    shouldTouch(): boolean {
      const t = now();
      if (t - last < intervalMs) return false;
      last = t;
      return true;
    },
    /** Something else (sign-in, unlock) already told the back end the user is present. */
    markTouched(): void {
      last = now();
    },
  };
}

export const touchThrottle = createTouchThrottle(TOUCH_INTERVAL_MS);

export function applyStatus(status: SessionStatus): void {
  const previous = app.status;
  if (previous?.operator?.id !== status.operator?.id) {
    app.section = null;
    // One operator's messages and open pages are not for the next one.
    clearToasts();
    desk.paymentId = null;
    desk.refundId = null;
  }
  // Signing in, setting up and unlocking are activity in the back end's eyes too.
  if (status.state === 'active' && previous?.state !== 'active') touchThrottle.markTouched();
  app.status = status;
}

export function applyPreferences(prefs: Preferences): void {
  app.environment = prefs.environment;
  if (prefs.language) setCurrentLanguage(prefs.language);
  if (app.status) app.status.idleLockMinutes = prefs.idleLockMinutes;
}

export async function refreshStatus(): Promise<void> {
  try {
    applyStatus(await api.sessionStatus());
  } catch {
    // `locked` / `unauthenticated` are handled by the error listener; anything else: keep what we show.
  }
}

/** Reacts to errors from any command: a lock shows the lock screen, a lost session the sign-in screen. */
export function handleCommandError(error: AppError): void {
  const status = app.status;
  if (!status) return;
  if (error.code === 'locked' && status.state !== 'locked') {
    app.status = { ...status, state: 'locked' };
    void refreshStatus();
  } else if (error.code === 'unauthenticated' && status.state !== 'signed_out') {
    app.status = { ...status, state: 'signed_out', operator: null, permissions: [] };
    void refreshStatus();
  } else if (error.code === 'password_change_required' && status.state === 'active') {
    // An admin reset this operator's password meanwhile: they choose their own first.
    void refreshStatus();
  } else if (
    (error.code === 'not_set_up' && status.state !== 'uninitialized') ||
    (error.code === 'already_set_up' && status.state === 'uninitialized')
  ) {
    void refreshStatus();
  }
}

/** Signs out from a screen outside the shell (lock, password change); a failure is a toast. */
export async function signOut(): Promise<void> {
  try {
    applyStatus(await api.signOut());
  } catch (error) {
    toastError(error);
  }
}

/** Switches the UI language at once and saves the choice; a failed save keeps the switch. */
export async function chooseLanguage(language: LanguageKey): Promise<void> {
  setCurrentLanguage(language);
  const prefs = await api.setLanguage({ language });
  applyPreferences(prefs);
}
