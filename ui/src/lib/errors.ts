// Turns an error into words: a translated reason, else a translated per-code message; the back end's own
// (English, technical) message is kept only as a small detail line when neither says more.

import { AppError } from './ipc/client';
import {
  PROVIDER_PROBLEM_KINDS,
  type ErrorCode,
  type ExistingCustomer,
  type ProviderProblem,
  type ProviderProblemKind,
} from './ipc/types';
import { t, tOr } from './i18n/i18n.svelte';
import { isMessageKey } from './i18n/translate';
import type { ErrorReason } from './validation';
import { lockoutWait } from './passwords';

/** How long a lockout lasts, in words of the current language. */
function waitWords(seconds: number): string {
  const wait = lockoutWait(seconds);
  if (wait.unit === 'seconds') return t('wait.seconds', { count: wait.count });
  return wait.count === 1 ? t('wait.minute') : t('wait.minutes', { count: wait.count });
}

/** Every `ProviderProblemKind` (generated from Rust), for the dictionaries' completeness test. */
export { PROVIDER_PROBLEM_KINDS };

/** What a form or toast keeps, untranslated, so a language switch re-renders it correctly. */
export type Problem = {
  code: ErrorCode;
  reason: string | null;
  message: string | null;
  /** On a customer conflict: the customer that already has the value, to offer opening it. */
  existing?: ExistingCustomer | null;
  /** On a file problem: the file's line it is on. */
  line?: number | null;
  /** On `too_many_attempts`: seconds until a password may be tried again. */
  retryAfterSeconds?: number | null;
};

export function problemFromError(error: unknown): Problem {
  const e = error instanceof AppError ? error : null;
  if (e) {
    const { code, reason, existing, line, retryAfterSeconds } = e;
    return { code, reason, message: e.message || null, existing, line, retryAfterSeconds };
  }
  return { code: 'internal', reason: null, message: error instanceof Error ? error.message : null };
}

/** A problem found in the UI itself (e.g. the confirm field differs): no back-end message to show. */
export function problemFromReason(reason: ErrorReason): Problem {
  return { code: 'invalid_input', reason, message: null };
}

export function hasReasonText(reason: string | null): boolean {
  return reason !== null && isMessageKey(`error.reason.${reason}`);
}

export type Described = { text: string; detail: string | null };

/** Reasons whose translated text is general: the back end's message is kept as the details line. */
const REASONS_WITH_DETAIL: ReadonlySet<string> = new Set([
  'text_too_long',
  'enrolment_code_wrong',
  'ledger_url_invalid',
  'ledger_unreachable',
  'ledger_target_not_empty',
  'ledger_copy_failed',
  'ledger_moved',
]);

/** `provider_declined` → `declined`; null for any other reason (or an unknown kind). */
export function providerKindFromReason(reason: string | null): ProviderProblemKind | null {
  if (reason === null || !reason.startsWith('provider_')) return null;
  const kind = reason.slice('provider_'.length);
  return (PROVIDER_PROBLEM_KINDS as readonly string[]).includes(kind) ? (kind as ProviderProblemKind) : null;
}

/** A provider problem in plain language; the provider's code and the technical detail go on the details line. */
export function describeProviderProblem(problem: ProviderProblem): Described {
  const text = tOr('provider.problem.', problem.kind);
  const detail = problem.providerCode
    ? t('provider.detailWithCode', { code: problem.providerCode, detail: problem.detail })
    : problem.detail
      ? t('common.errorDetail', { message: problem.detail })
      : null;
  return { text, detail };
}

export function describeProblem(problem: Problem): Described {
  // A provider failure (code `provider`, reason `provider_<kind>`): plain words, and the back end's message
  // (the provider's code and detail) always on the details line, for support.
  const kind = providerKindFromReason(problem.reason);
  if (kind !== null || problem.code === 'provider') {
    const text = kind !== null ? tOr('provider.problem.', kind) : t('error.code.provider');
    const detail = problem.message ? t('common.errorDetail', { message: problem.message }) : null;
    return { text, detail };
  }
  if (problem.reason === 'too_many_attempts') {
    const text =
      typeof problem.retryAfterSeconds === 'number'
        ? t('error.reason.too_many_attempts', { wait: waitWords(problem.retryAfterSeconds) })
        : t('error.code.too_many_attempts');
    return { text, detail: null };
  }
  if (problem.reason !== null && REASONS_WITH_DETAIL.has(problem.reason)) {
    // The back end's message names the field and its limit, how many tries the enrolment code has left, or why
    // a shared ledger could not be used (its address shown with the password hidden).
    const detail = problem.message ? t('common.errorDetail', { message: problem.message }) : null;
    return { text: tOr('error.reason.', problem.reason), detail };
  }
  if (problem.reason !== null && hasReasonText(problem.reason)) {
    return { text: tOr('error.reason.', problem.reason), detail: null };
  }
  const text = isMessageKey(`error.code.${problem.code}`)
    ? tOr('error.code.', problem.code)
    : t('error.code.internal');
  const detail = problem.message ? t('common.errorDetail', { message: problem.message }) : null;
  return { text, detail };
}
