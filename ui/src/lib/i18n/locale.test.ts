import { describe, expect, it } from 'vitest';
import { defaultLanguage, languageFromLocale } from './locale';

describe('languageFromLocale', () => {
  it.each([
    ['id-ID', 'id'],
    ['id', 'id'],
    ['id_ID.UTF-8', 'id'],
    ['ID-id', 'id'],
    ['in-ID', 'id'],
    ['en-US', 'en'],
    ['en-GB', 'en'],
    ['ms-MY', 'en'],
    ['nl-NL', 'en'],
    ['', 'en'],
    ['C', 'en'],
    ['ido', 'en'],
  ] as const)('%s → %s', (locale, expected) => {
    expect(languageFromLocale(locale)).toBe(expected);
  });

  it('treats a missing locale as English', () => {
    expect(languageFromLocale(null)).toBe('en');
    expect(languageFromLocale(undefined)).toBe('en');
  });
});

describe('defaultLanguage', () => {
  it('prefers the saved language', () => {
    expect(defaultLanguage({ language: 'en', osLocale: 'id-ID' })).toBe('en');
    expect(defaultLanguage({ language: 'id', osLocale: 'en-US' })).toBe('id');
  });

  it('falls back to the OS locale', () => {
    expect(defaultLanguage({ language: null, osLocale: 'id-ID' })).toBe('id');
    expect(defaultLanguage({ language: null, osLocale: 'en-AU' })).toBe('en');
  });
});
