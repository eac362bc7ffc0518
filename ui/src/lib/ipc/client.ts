// Typed wrapper around Tauri's `invoke`. One function per back-end command (generated in `./commands`); every rejection becomes an
// `AppError` whose `code` comes from the closed `ErrorCode` set. Branch on `code` / `reason`, never on `message`.

import { invoke as tauriInvoke } from '@tauri-apps/api/core';
import { commands, type Commands } from './commands';
import { ERROR_CODES, type ErrorBody, type ErrorCode, type ExistingCustomer } from './types';

export { ERROR_CODES };

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly reason: string | null;
  /** On a customer conflict: the customer that already has the phone or merchant customer ID. */
  readonly existing: ExistingCustomer | null;
  /** On a file problem (an import's encoding, a line too long): the file's line. */
  readonly line: number | null;
  /** On `too_many_attempts`: seconds until a password may be tried again. */
  readonly retryAfterSeconds: number | null;

  constructor(
    code: ErrorCode,
    message: string,
    reason: string | null = null,
    extra: { existing?: ExistingCustomer | null; line?: number | null; retryAfterSeconds?: number | null } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.reason = reason;
    this.existing = extra.existing ?? null;
    this.line = extra.line ?? null;
    this.retryAfterSeconds = extra.retryAfterSeconds ?? null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Maps anything a command can reject with to an `AppError`. Only a well-formed `ErrorBody` keeps its code. */
export function toAppError(raw: unknown): AppError {
  if (raw instanceof AppError) return raw;
  if (isRecord(raw) && isErrorCode(raw.code)) {
    const body = raw as Partial<ErrorBody>;
    const message = typeof body.message === 'string' ? body.message : '';
    const reason = typeof body.reason === 'string' && body.reason !== '' ? body.reason : null;
    const existing =
      isRecord(body.existing) && typeof body.existing.id === 'number' && typeof body.existing.fullName === 'string'
        ? { id: body.existing.id, fullName: body.existing.fullName }
        : null;
    const line = typeof body.line === 'number' ? body.line : null;
    const retryAfterSeconds = typeof body.retryAfterSeconds === 'number' ? body.retryAfterSeconds : null;
    return new AppError(body.code as ErrorCode, message, reason, { existing, line, retryAfterSeconds });
  }
  let message: string;
  if (raw instanceof Error) message = raw.message;
  else if (typeof raw === 'string') message = raw;
  else {
    try {
      message = JSON.stringify(raw) ?? String(raw);
    } catch {
      message = String(raw);
    }
  }
  return new AppError('internal', message, null);
}

export type InvokeFn = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>;
export type ErrorListener = (error: AppError, command: string) => void;

/** Every back-end command (generated from their declarations in Rust), and error listeners. */
export interface Client extends Commands {
  /** Called for every failed command (after mapping), e.g. to show the lock screen on `locked`. */
  onError(listener: ErrorListener): () => void;
}

export function createClient(invokeFn: InvokeFn): Client {
  const listeners = new Set<ErrorListener>();

  async function call<T>(cmd: string, input?: unknown): Promise<T> {
    try {
      const result = input === undefined ? await invokeFn(cmd) : await invokeFn(cmd, { input });
      return result as T;
    } catch (raw) {
      const error = toAppError(raw);
      for (const listener of listeners) {
        try {
          listener(error, cmd);
        } catch {
          // A listener must never hide the original error from the caller.
        }
      }
      throw error;
    }
  }

  return {
    ...commands(call),
    onError(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The app's client, bound to Tauri's IPC. Tests build their own with `createClient(fakeInvoke)`. */
export const api: Client = createClient((cmd, args) => tauriInvoke(cmd, args));
