// The same dates and times on both sides: src/test/rust-formats.json holds what the Rust side writes for a few
// instants (made by the Rust tests); the UI's formatters must write exactly the same.

import { describe, expect, it } from 'vitest';
import { formatWib, formatWibDate, wibParts } from './format';
import type { LanguageKey } from './ipc/types';
import rustFormats from '../test/rust-formats.json';

type RustFormat = { at: string; language: LanguageKey; date: string; dateTime: string; time?: string };

const entries = rustFormats as RustFormat[];

describe('dates and times as the Rust side writes them', () => {
  it('has entries in both languages', () => {
    expect(entries.length).toBeGreaterThan(0);
    expect(new Set(entries.map((e) => e.language))).toEqual(new Set(['id', 'en']));
  });

  it.each(entries.map((e) => [e.language, e.at, e] as const))('%s %s', (language, at, entry) => {
    expect(formatWibDate(at, language)).toBe(entry.date);
    expect(wibParts(at, language)?.date).toBe(entry.date);
    expect(formatWib(at, language)).toBe(entry.dateTime);
    if (entry.time !== undefined) expect(wibParts(at, language)?.time).toBe(`${entry.time} WIB`);
  });
});
