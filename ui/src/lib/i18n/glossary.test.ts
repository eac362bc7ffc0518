// @vitest-environment node
// (Node, not jsdom: the test reads a file of the repository by its file URL.)
//
// The glossary (docs/glossary-id.md) as a test: no Indonesian text of the dictionary uses a word from its avoid
// column (docs/glossary-id-avoid.json, read from disk, so the list has one home), and no text of either language
// shows a raw status/enum key such as `needs_review`.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { id } from './id';

type AvoidList = { avoid: { pattern: string; use: string }[]; rawKey: string };

const AVOID_FILE = fileURLToPath(new URL('../../../../docs/glossary-id-avoid.json', import.meta.url).href);
const glossary = JSON.parse(readFileSync(AVOID_FILE, 'utf8')) as AvoidList;

/** Text the operator types as is, kept out of the check by key, each with why. */
type Exception = { text: string; reason: string };

const AUDIT_SUBJECT_SYNTAX =
  'the audit filter matches subjects as the data stores them (refund:12, customer:, operator:3): the operator types them as written';

const ID_EXCEPTIONS: Record<string, Exception[]> = {
  'audit.filter.subjectPlaceholder': [{ text: 'refund:12', reason: AUDIT_SUBJECT_SYNTAX }],
  'audit.filter.hint': [{ text: 'refund:12', reason: AUDIT_SUBJECT_SYNTAX }],
};

// English has no legitimate snake_case today (file names and commands use hyphens); list any here with a reason.
const EN_EXCEPTIONS: Record<string, Exception[]> = {};

const whole = (pattern: string) => new RegExp(`\\b(?:${pattern})\\b`, 'i');

/** A text without its `{placeholders}`: their names are code, not words the operator reads. */
const withoutPlaceholders = (text: string) => text.replace(/\{\w+\}/g, ' ');

/** What is wrong with one text: each avoided word, and a raw key, with what to use instead. */
function offences(text: string, { avoidWords }: { avoidWords: boolean }): string[] {
  const plain = withoutPlaceholders(text);
  const found: string[] = [];
  if (avoidWords) {
    for (const { pattern, use } of glossary.avoid) {
      const match = whole(pattern).exec(plain);
      if (match) found.push(`“${match[0]}”: use “${use}”`);
    }
  }
  const raw = whole(glossary.rawKey).exec(plain);
  if (raw) found.push(`raw key “${raw[0]}”: show its label in words`);
  return found;
}

/** Every offence of a dictionary, as `key: “word”: use “…”`; the listed exceptions must still be in their text. */
function dictionaryOffences(
  dict: Record<string, string>,
  exceptions: Record<string, Exception[]>,
  avoidWords: boolean,
): string[] {
  const found: string[] = [];
  for (const [key, value] of Object.entries(dict)) {
    let text = value;
    for (const exception of exceptions[key] ?? []) {
      if (!text.includes(exception.text)) found.push(`${key}: the exception “${exception.text}” is no longer needed`);
      text = text.split(exception.text).join(' ');
    }
    for (const offence of offences(text, { avoidWords })) found.push(`${key}: ${offence}`);
  }
  return found;
}

describe('the glossary check', () => {
  it('reads the avoid list from docs/glossary-id-avoid.json', () => {
    expect(glossary.avoid.length).toBeGreaterThan(10);
    expect(glossary.avoid.every((a) => a.pattern && a.use)).toBe(true);
    expect(glossary.rawKey).toBeTruthy();
  });

  it('finds a real offender and says what to use instead', () => {
    expect(offences('Refund gagal; jumlah direfund: Rp 10.000.', { avoidWords: true })).toEqual([
      '“Refund”: use “pengembalian dana”',
      '“direfund”: use “dikembalikan”',
      '“jumlah”: use “nominal (an amount); a count is said with its noun (3 transaksi)”',
    ]);
    expect(offences('Saldo usang; status needs_review', { avoidWords: true })).toEqual([
      '“usang”: use “perlu diperbarui”',
      'raw key “needs_review”: show its label in words',
    ]);
    expect(offences('Tautan akun dilepas', { avoidWords: true })).toEqual(['“dilepas”: use “tautan diputus”']);
  });

  it('passes the glossary’s own words, whole words only, and ignores placeholders', () => {
    expect(offences('Pengembalian dana {refund_ref} sebesar {amount} sedang diajukan.', { avoidWords: true })).toEqual(
      [],
    );
    expect(offences('Saldo dicek pada {at}; perlu diperbarui.', { avoidWords: true })).toEqual([]);
    // Only whole words count ("Refunds" is not "refund"); English is checked for raw keys only.
    expect(offences('Refunds', { avoidWords: true })).toEqual([]);
    expect(offences('Refund failed for {payment_ref}.', { avoidWords: false })).toEqual([]);
    expect(offences('Status: needs_review', { avoidWords: false })).toEqual([
      'raw key “needs_review”: show its label in words',
    ]);
  });
});

describe('the dictionaries follow the glossary', () => {
  it('Bahasa Indonesia uses none of the avoided words and no raw key', () => {
    expect(dictionaryOffences(id, ID_EXCEPTIONS, true)).toEqual([]);
  });

  it('English shows no raw key', () => {
    expect(dictionaryOffences(en, EN_EXCEPTIONS, false)).toEqual([]);
  });
});
