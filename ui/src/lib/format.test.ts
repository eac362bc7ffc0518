import { describe, expect, it } from 'vitest';
import { addDays, formatMoney, formatWib, formatWibShort, wibDay, wibParts } from './format';

describe('formatWib', () => {
  it('shows UTC instants in Asia/Jakarta (UTC+7) with a WIB suffix', () => {
    expect(formatWib('2026-03-05T07:07:09Z', 'en')).toBe('05 Mar 2026 14:07:09 WIB');
  });

  it('crosses midnight and year ends in Jakarta time', () => {
    expect(formatWib('2025-12-31T17:30:00Z', 'en')).toBe('01 Jan 2026 00:30:00 WIB');
    expect(formatWib('2025-12-31T16:59:59.999Z', 'en')).toBe('31 Dec 2025 23:59:59 WIB');
  });

  it('uses Indonesian month names in Indonesian', () => {
    expect(formatWib('2026-08-17T03:00:00Z', 'id')).toBe('17 Agu 2026 10:00:00 WIB');
    expect(formatWib('2026-05-01T00:00:00Z', 'id')).toBe('01 Mei 2026 07:00:00 WIB');
  });

  it('accepts offsets other than Z and Date objects', () => {
    expect(formatWib('2026-01-02T10:00:00+09:00', 'en')).toBe('02 Jan 2026 08:00:00 WIB');
    expect(formatWib(new Date(Date.UTC(2026, 0, 1, 0, 0, 0)), 'en')).toBe('01 Jan 2026 07:00:00 WIB');
  });

  it('returns unparseable input unchanged', () => {
    expect(formatWib('not a date', 'en')).toBe('not a date');
  });
});

describe('wibParts', () => {
  it('splits the date from the time of day', () => {
    expect(wibParts('2026-03-05T07:07:09Z', 'id')).toEqual({ date: '05 Mar 2026', time: '14:07:09 WIB' });
    expect(wibParts('garbage', 'id')).toBeNull();
  });
});

describe('formatMoney', () => {
  it('formats whole rupiah per language', () => {
    expect(formatMoney(10000, 'id')).toBe('Rp 10.000');
    expect(formatMoney(10000, 'en')).toBe('IDR 10,000');
    expect(formatMoney(1234567890, 'id')).toBe('Rp 1.234.567.890');
    expect(formatMoney(0, 'en')).toBe('IDR 0');
    expect(formatMoney(999, 'id')).toBe('Rp 999');
    expect(formatMoney(-25000, 'en')).toBe('-IDR 25,000');
  });
});

describe('wibDay / addDays / formatWibShort', () => {
  it('takes the calendar day in Jakarta', () => {
    expect(wibDay('2025-12-31T17:30:00Z')).toBe('2026-01-01');
    expect(wibDay('2025-12-31T16:59:59Z')).toBe('2025-12-31');
    expect(wibDay('nope')).toBeNull();
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-01-15', -29)).toBe('2025-12-17');
  });

  it('shows only the time on the same WIB day', () => {
    const now = new Date('2026-03-05T05:00:00Z');
    expect(formatWibShort('2026-03-05T03:42:10Z', 'en', now)).toBe('10:42 WIB');
    expect(formatWibShort('2026-03-04T02:15:00Z', 'en', now)).toBe('04 Mar 2026 09:15 WIB');
  });
});
