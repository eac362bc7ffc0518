import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from './ipc/client';
import { setCurrentLanguage } from './i18n/i18n.svelte';
import { describeProblem, problemFromError, problemFromReason } from './errors';

describe('describeProblem', () => {
  beforeEach(() => setCurrentLanguage('en'));

  it('uses the translated reason and hides the back-end message', () => {
    const p = problemFromError(new AppError('conflict', 'last admin', 'last_admin'));
    expect(describeProblem(p)).toEqual({
      text: 'You cannot demote or disable the last active administrator.',
      detail: null,
    });
  });

  it('falls back to the code, with the message as a detail line', () => {
    const p = problemFromError(new AppError('storage', 'disk I/O error', 'sqlite_busy'));
    expect(describeProblem(p)).toEqual({
      text: 'The local database could not be read or written.',
      detail: 'Details: disk I/O error',
    });
  });

  it('translates into the current language', () => {
    setCurrentLanguage('id');
    expect(describeProblem(problemFromReason('password_mismatch')).text).toBe(
      'Kedua kata sandi tidak sama.',
    );
    expect(describeProblem(problemFromError(new AppError('wrong_password', 'nope'))).text).toBe(
      'Kata sandi salah.',
    );
  });

  it('treats non-AppErrors as internal', () => {
    const p = problemFromError(new Error('kaboom'));
    expect(p.code).toBe('internal');
    expect(describeProblem(p).text).toBe('Something went wrong.');
  });
});
