import { describe, expect, it } from 'vitest';
import { checkPasswordChange, lockoutWait, passwordChangeField } from './passwords';
import { AppError, toAppError } from './ipc/client';
import { describeProblem, problemFromError } from './errors';
import { setCurrentLanguage } from './i18n/i18n.svelte';

describe('an operator’s own password change', () => {
  it('follows the password rules, needs the same new password twice and a change', () => {
    const ok = { current: 'admin-set-password', password: 'my-own-password', confirm: 'my-own-password' };
    expect(checkPasswordChange(ok)).toBeNull();
    expect(checkPasswordChange({ ...ok, password: 'short', confirm: 'short' })).toBe('password_too_short');
    expect(checkPasswordChange({ ...ok, confirm: 'my-own-passwort' })).toBe('password_mismatch');
    const same = { current: 'my-own-password', password: 'my-own-password', confirm: 'my-own-password' };
    expect(checkPasswordChange(same)).toBe('password_unchanged');
  });

  it('points a wrong or locked-out password at the current one, the rest at the new ones', () => {
    expect(passwordChangeField('wrong_password')).toBe('current');
    expect(passwordChangeField('too_many_attempts')).toBe('current');
    expect(passwordChangeField('password_unchanged')).toBe('password');
    expect(passwordChangeField('password_mismatch')).toBe('confirm');
    expect(passwordChangeField('forbidden')).toBeNull();
  });
});

describe('a lockout', () => {
  it('lasts whole seconds under a minute, else minutes rounded up', () => {
    expect(lockoutWait(0.2)).toEqual({ unit: 'seconds', count: 1 });
    expect(lockoutWait(30)).toEqual({ unit: 'seconds', count: 30 });
    expect(lockoutWait(60)).toEqual({ unit: 'minutes', count: 1 });
    expect(lockoutWait(61)).toEqual({ unit: 'minutes', count: 2 });
    expect(lockoutWait(900)).toEqual({ unit: 'minutes', count: 15 });
  });

  it('says how long in either language, from the reply’s retryAfterSeconds', () => {
    const raw = {
      code: 'too_many_attempts',
      message: 'too many failed password attempts; try again in 2 minutes',
      reason: 'too_many_attempts',
      retryAfterSeconds: 120,
    };
    const error = toAppError(raw);
    expect(error).toBeInstanceOf(AppError);
    expect(error.retryAfterSeconds).toBe(120);
    const problem = problemFromError(error);
    setCurrentLanguage('en');
    expect(describeProblem(problem).text).toBe('Too many failed password attempts. Try again in 2 minutes.');
    setCurrentLanguage('id');
    expect(describeProblem(problem).text).toBe('Terlalu banyak percobaan kata sandi yang salah. Coba lagi dalam 2 menit.');
    setCurrentLanguage('en');
    expect(describeProblem({ ...problem, retryAfterSeconds: 30 }).text).toContain('Try again in 30 seconds.');
    expect(describeProblem({ ...problem, retryAfterSeconds: 60 }).text).toContain('Try again in 1 minute.');
  });
});
