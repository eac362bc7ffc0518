import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from './ipc/client';
import { setCurrentLanguage } from './i18n/i18n.svelte';
import {
  describeProblem,
  describeProviderProblem,
  problemFromError,
  problemFromReason,
  providerKindFromReason,
} from './errors';

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

describe('provider problems', () => {
  beforeEach(() => setCurrentLanguage('en'));

  it('reads the kind from a `provider_<kind>` reason', () => {
    expect(providerKindFromReason('provider_declined')).toBe('declined');
    expect(providerKindFromReason('provider_already_linked')).toBe('already_linked');
    expect(providerKindFromReason('provider_nonsense')).toBeNull();
    expect(providerKindFromReason('last_admin')).toBeNull();
    expect(providerKindFromReason(null)).toBeNull();
  });

  it('puts a provider error in plain words and keeps the technical message as details', () => {
    const p = problemFromError(new AppError('provider', 'responseCode 4030705 Do Not Honor', 'provider_declined'));
    expect(describeProblem(p)).toEqual({
      text: 'The provider declined the request.',
      detail: 'Details: responseCode 4030705 Do Not Honor',
    });
    setCurrentLanguage('id');
    expect(describeProblem(p).text).toBe('Penyedia menolak permintaan ini.');
  });

  it('says an untrusted provider certificate in plain words, in both languages', () => {
    const p = problemFromError(
      new AppError('provider', 'the certificate of Tazapay ovo_idr is not trusted (expired); pay was not sent', 'provider_certificate'),
    );
    expect(providerKindFromReason('provider_certificate')).toBe('certificate');
    expect(describeProblem(p).text).toContain("certificate is not trusted, so nothing was sent");
    expect(describeProblem(p).detail).toBe('Details: the certificate of Tazapay ovo_idr is not trusted (expired); pay was not sent');
    setCurrentLanguage('id');
    expect(describeProblem(p).text).toContain('Sertifikat penyedia tidak tepercaya');
  });

  it('falls back to a generic provider sentence for an unknown kind', () => {
    const p = problemFromError(new AppError('provider', 'weird', 'provider_cosmic_rays'));
    expect(describeProblem(p)).toEqual({
      text: 'The provider could not complete the request.',
      detail: 'Details: weird',
    });
  });

  it('says an account bound to another customer in plain words', () => {
    const p = problemFromError(new AppError('conflict', 'bound to customer 12', 'account_bound_elsewhere'));
    expect(describeProblem(p).text).toBe('This OVO account is already linked to another customer.');
  });

  it('describes a stored provider problem with the provider code on the details line', () => {
    const problem = { kind: 'timeout', providerCode: '5040700', detail: 'no answer in 10 s', at: '2026-03-05T03:00:00Z' } as const;
    expect(describeProviderProblem(problem)).toEqual({
      text: 'The provider did not answer in time. The outcome is unknown until checked.',
      detail: 'Details: provider code 5040700 · no answer in 10 s',
    });
    expect(describeProviderProblem({ ...problem, kind: 'already_linked', providerCode: null }).text).toBe(
      'This OVO account is already linked to another customer.',
    );
  });
});
