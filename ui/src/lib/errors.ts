// Turns an error into words: a translated reason, else a translated per-code message; the back end's own
// (English, technical) message is kept only as a small detail line when neither says more.

import { AppError } from './ipc/client';
import type { ErrorCode } from './ipc/types';
import { t, tOr } from './i18n/i18n.svelte';
import { isMessageKey } from './i18n/translate';
import type { ErrorReason } from './validation';

/** What a form or toast keeps, untranslated, so a language switch re-renders it correctly. */
export type Problem = { code: ErrorCode; reason: string | null; message: string | null };

export function problemFromError(error: unknown): Problem {
  const e = error instanceof AppError ? error : null;
  if (e) return { code: e.code, reason: e.reason, message: e.message || null };
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

export function describeProblem(problem: Problem): Described {
  if (problem.reason !== null && hasReasonText(problem.reason)) {
    return { text: tOr('error.reason.', problem.reason), detail: null };
  }
  const text = isMessageKey(`error.code.${problem.code}`)
    ? tOr('error.code.', problem.code)
    : t('error.code.internal');
  const detail = problem.message ? t('common.errorDetail', { message: problem.message }) : null;
  return { text, detail };
}
