// Short-lived notifications. Texts are stored as functions so they re-translate on a language switch.

import { describeProblem, problemFromError, type Problem } from './errors';

export type ToastKind = 'success' | 'error';
export type Toast = { id: number; kind: ToastKind; text: () => string; detail: () => string | null };

const SUCCESS_MS = 4000;
const ERROR_MS = 8000;

let nextId = 1;
export const toasts = $state<Toast[]>([]);
// eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping: nothing renders from the timers.
const timers = new Map<number, ReturnType<typeof setTimeout>>();

export function dismissToast(id: number): void {
  const i = toasts.findIndex((x) => x.id === id);
  if (i >= 0) toasts.splice(i, 1);
  const timer = timers.get(id);
  if (timer !== undefined) clearTimeout(timer);
  timers.delete(id);
}

/** Drops every toast, e.g. when another operator signs in. */
export function clearToasts(): void {
  for (const toast of [...toasts]) dismissToast(toast.id);
}

function push(kind: ToastKind, text: () => string, detail: () => string | null, ms: number): number {
  const id = nextId++;
  toasts.push({ id, kind, text, detail });
  while (toasts.length > 4) dismissToast(toasts[0].id);
  timers.set(
    id,
    setTimeout(() => dismissToast(id), ms),
  );
  return id;
}

export function toastSuccess(text: () => string): number {
  return push('success', text, () => null, SUCCESS_MS);
}

export function toastProblem(problem: Problem): number {
  return push(
    'error',
    () => describeProblem(problem).text,
    () => describeProblem(problem).detail,
    ERROR_MS,
  );
}

export function toastError(error: unknown): number {
  return toastProblem(problemFromError(error));
}
