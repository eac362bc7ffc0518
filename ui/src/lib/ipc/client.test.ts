import { describe, expect, it, vi } from 'vitest';
import { AppError, createClient, toAppError, type Client, type InvokeFn } from './client';
import type { ErrorBody, SessionStatus } from './types';

const STATUS: SessionStatus = {
  state: 'signed_out',
  operator: null,
  permissions: [],
  idleLockMinutes: 15,
};

function rejectingWith(value: unknown) {
  const invoke = vi.fn<InvokeFn>(() => Promise.reject(value));
  return { invoke, client: createClient(invoke) };
}

async function caught(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a rejection');
}

describe('client commands', () => {
  it('invokes commands without input with no arguments', async () => {
    const invoke = vi.fn<InvokeFn>(() => Promise.resolve(STATUS));
    const client = createClient(invoke);
    await expect(client.sessionStatus()).resolves.toEqual(STATUS);
    await client.touchSession();
    await client.verifyAudit();
    expect(invoke.mock.calls).toEqual([['session_status'], ['touch_session'], ['verify_audit']]);
  });

  it('wraps inputs as { input }', async () => {
    const invoke = vi.fn<InvokeFn>(() => Promise.resolve(STATUS));
    const client = createClient(invoke);
    await client.signIn({ username: 'siti', password: 'correct horse' });
    await client.listAudit({ beforeSeq: 41, limit: 50, operatorId: null, action: null, subject: null, from: null, to: null });
    await client.setCredential({
      environment: 'production',
      product: 'ovo_snap',
      field: 'client_secret',
      value: 's3cret',
    });
    expect(invoke.mock.calls).toEqual([
      ['sign_in', { input: { username: 'siti', password: 'correct horse' } }],
      ['list_audit', { input: { beforeSeq: 41, limit: 50, operatorId: null, action: null, subject: null, from: null, to: null } }],
      [
        'set_credential',
        {
          input: {
            environment: 'production',
            product: 'ovo_snap',
            field: 'client_secret',
            value: 's3cret',
          },
        },
      ],
    ]);
  });

  it('uses the back end command names', async () => {
    const invoke = vi.fn<InvokeFn>(() => Promise.resolve(null));
    const c = createClient(invoke);
    await c.appInfo();
    await c.setUpFirstAdmin({ username: 'admin', displayName: 'Admin', password: 'x'.repeat(10) });
    await c.signOut();
    await c.lockSession();
    await c.unlockSession({ password: 'p' });
    await c.listOperators();
    await c.createOperator({ username: 'a', displayName: 'A', role: 'staff', password: 'p' });
    await c.changeOperatorRole({ operatorId: 1, role: 'finance' });
    await c.setOperatorDisabled({ operatorId: 1, disabled: true });
    await c.listCredentials({ environment: 'builtin_sandbox' });
    await c.deleteCredential({ environment: 'builtin_sandbox', product: 'ovo_snap', field: 'f' });
    await c.testConnection({ environment: 'provider_sandbox', product: 'tazapay_ovo_idr' });
    await c.getPreferences();
    await c.setLanguage({ language: 'id' });
    await c.setIdleLock({ minutes: 30 });
    await c.setEnvironment({ environment: 'provider_sandbox' });
    expect(invoke.mock.calls.map((call) => call[0])).toEqual([
      'app_info',
      'set_up_first_admin',
      'sign_out',
      'lock_session',
      'unlock_session',
      'list_operators',
      'create_operator',
      'change_operator_role',
      'set_operator_disabled',
      'list_credentials',
      'delete_credential',
      'test_connection',
      'get_preferences',
      'set_language',
      'set_idle_lock',
      'set_environment',
    ]);
  });
});

describe('generated commands', () => {
  it('each method invokes the command of its own name', async () => {
    const invoke = vi.fn<InvokeFn>(() => Promise.resolve(null));
    const client = createClient(invoke);
    const methods = Object.keys(client).filter((m) => m !== 'onError');
    expect(methods.length).toBeGreaterThan(60);
    for (const method of methods) {
      invoke.mockClear();
      await (client[method as keyof Client] as (input: unknown) => Promise<unknown>)({});
      const snake = method.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      expect(invoke.mock.calls).toHaveLength(1);
      expect(invoke.mock.calls[0][0]).toBe(snake);
    }
  });

  it('passes the rejects file dialog its suggested name as input', async () => {
    const invoke = vi.fn<InvokeFn>(() => Promise.resolve('/tmp/rejects.csv'));
    const client = createClient(invoke);
    await expect(client.chooseRejectsFile({ suggestedName: 'a-rejects.csv' })).resolves.toBe('/tmp/rejects.csv');
    await client.chooseImportFile();
    expect(invoke.mock.calls).toEqual([
      ['choose_rejects_file', { input: { suggestedName: 'a-rejects.csv' } }],
      ['choose_import_file'],
    ]);
  });
});

describe('error mapping', () => {
  it('keeps code, reason and message of an ErrorBody', async () => {
    const body: ErrorBody = { code: 'conflict', message: 'username taken', reason: 'username_taken' };
    const { client } = rejectingWith(body);
    const error = await caught(client.createOperator({ username: 'a', displayName: 'A', role: 'staff', password: 'p' }));
    expect(error.code).toBe('conflict');
    expect(error.reason).toBe('username_taken');
    expect(error.message).toBe('username taken');
    expect(error).toBeInstanceOf(Error);
  });

  it('keeps a null reason as null', async () => {
    const { client } = rejectingWith({ code: 'locked', message: 'session locked', reason: null });
    const error = await caught(client.listOperators());
    expect(error.code).toBe('locked');
    expect(error.reason).toBeNull();
  });

  it('maps an unknown code to internal', () => {
    const error = toAppError({ code: 'teapot', message: 'short and stout', reason: null });
    expect(error.code).toBe('internal');
    expect(error.reason).toBeNull();
  });

  it('maps strings, Errors and other values to internal', async () => {
    for (const raw of ['command sign_in not found', new TypeError('boom'), 42, null, undefined, { foo: 1 }]) {
      const { client } = rejectingWith(raw);
      const error = await caught(client.signOut());
      expect(error.code).toBe('internal');
      expect(error.reason).toBeNull();
    }
    expect(toAppError('plain text').message).toBe('plain text');
    expect(toAppError(new Error('from js')).message).toBe('from js');
  });

  it('maps an invoke that throws synchronously', async () => {
    const client = createClient(() => {
      throw new Error('no IPC here');
    });
    const error = await caught(client.appInfo());
    expect(error.code).toBe('internal');
    expect(error.message).toBe('no IPC here');
  });

  it('tells error listeners which command failed, and can unsubscribe', async () => {
    const { client } = rejectingWith({ code: 'unauthenticated', message: 'sign in', reason: null });
    const listener = vi.fn();
    const off = client.onError(listener);
    await caught(client.listAudit({ beforeSeq: null, limit: 50, operatorId: null, action: null, subject: null, from: null, to: null }));
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0][0].code).toBe('unauthenticated');
    expect(listener.mock.calls[0][1]).toBe('list_audit');
    off();
    await caught(client.verifyAudit());
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('still rejects with the AppError when a listener throws', async () => {
    const { client } = rejectingWith({ code: 'forbidden', message: 'no', reason: null });
    client.onError(() => {
      throw new Error('listener bug');
    });
    const error = await caught(client.verifyAudit());
    expect(error.code).toBe('forbidden');
  });
});
