import { describe, expect, it } from 'vitest';
import {
  addDays,
  formatCount,
  formatDay,
  formatIsoDay,
  formatMoney,
  formatWib,
  formatWibDate,
  formatWibShort,
  monthShort,
  wibDay,
  wibParts,
} from './format';

describe('formatWib', () => {
  it('shows UTC instants in Asia/Jakarta (UTC+7) with a WIB suffix', () => {
    expect(formatWib('2026-03-05T07:07:09Z', 'en')).toBe('5 Mar 2026 14:07 WIB');
    expect(formatWib('2026-03-05T07:07:09Z', 'id')).toBe('5 Mar 2026 14.07 WIB');
  });

  it('crosses midnight and year ends in Jakarta time', () => {
    expect(formatWib('2025-12-31T17:30:00Z', 'en')).toBe('1 Jan 2026 00:30 WIB');
    expect(formatWib('2025-12-31T16:59:59.999Z', 'en')).toBe('31 Dec 2025 23:59 WIB');
    expect(formatWib('2025-12-31T16:59:59.999Z', 'id')).toBe('31 Des 2025 23.59 WIB');
  });

  it('uses Indonesian month names in Indonesian', () => {
    expect(formatWib('2026-08-17T03:00:00Z', 'id')).toBe('17 Agu 2026 10.00 WIB');
    expect(formatWib('2026-05-01T00:00:00Z', 'id')).toBe('1 Mei 2026 07.00 WIB');
  });

  it('accepts offsets other than Z and Date objects', () => {
    expect(formatWib('2026-01-02T10:00:00+09:00', 'en')).toBe('2 Jan 2026 08:00 WIB');
    expect(formatWib(new Date(Date.UTC(2026, 0, 1, 0, 0, 0)), 'en')).toBe('1 Jan 2026 07:00 WIB');
  });

  it('returns unparseable input unchanged', () => {
    expect(formatWib('not a date', 'en')).toBe('not a date');
  });
});

describe('wibParts', () => {
  it('splits the date from the time of day', () => {
    expect(wibParts('2026-03-05T07:07:09Z', 'id')).toEqual({ date: '5 Mar 2026', time: '14.07 WIB' });
    expect(wibParts('2026-03-05T07:07:09Z', 'en')).toEqual({ date: '5 Mar 2026', time: '14:07 WIB' });
    expect(wibParts('garbage', 'id')).toBeNull();
  });
});

describe('formatMoney', () => {
  it('formats whole rupiah per language', () => {
    // A non-breaking space keeps the currency with its digits, as the Rust side writes it.
    expect(formatMoney(10000, 'id')).toBe('Rp\u00a010.000');
    expect(formatMoney(10000, 'en')).toBe('IDR\u00a010,000');
    expect(formatMoney(1234567890, 'id')).toBe('Rp\u00a01.234.567.890');
    expect(formatMoney(0, 'en')).toBe('IDR\u00a00');
    expect(formatMoney(999, 'id')).toBe('Rp\u00a0999');
    expect(formatMoney(-25000, 'en')).toBe('-IDR\u00a025,000');
    expect(formatMoney(-10000, 'id')).toBe('-Rp\u00a010.000');
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
    expect(formatWibShort('2026-03-05T03:42:10Z', 'id', now)).toBe('10.42 WIB');
    expect(formatWibShort('2026-03-04T02:15:00Z', 'en', now)).toBe('4 Mar 2026 09:15 WIB');
    expect(formatWibShort('2026-03-04T02:15:00Z', 'id', now)).toBe('4 Mar 2026 09.15 WIB');
  });
});

describe('dates, months and counts', () => {
  it('writes days without a leading zero and months per language', () => {
    expect(formatDay(2026, 3, 5, 'id')).toBe('5 Mar 2026');
    expect(formatWibDate('2026-12-19T17:30:00Z', 'id')).toBe('20 Des 2026');
    expect(formatWibDate('2026-12-19T17:30:00Z', 'en')).toBe('20 Dec 2026');
    expect(formatWibDate('nope', 'en')).toBe('nope');
    expect(formatIsoDay('2026-08-07', 'id')).toBe('7 Agu 2026');
    expect(formatIsoDay('2026-10-31', 'en')).toBe('31 Oct 2026');
    expect(formatIsoDay('05/03/2026', 'en')).toBe('05/03/2026');
    expect(formatIsoDay('2026-13-01', 'en')).toBe('2026-13-01');
    expect(Array.from({ length: 12 }, (_, i) => monthShort(i + 1, 'id')).join(' ')).toBe(
      'Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des',
    );
    expect(Array.from({ length: 12 }, (_, i) => monthShort(i + 1, 'en')).join(' ')).toBe(
      'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec',
    );
  });

  it('groups counts with the language’s thousands separator', () => {
    expect(formatCount(3650, 'id')).toBe('3.650');
    expect(formatCount(3650, 'en')).toBe('3,650');
    expect(formatCount(1048575, 'id')).toBe('1.048.575');
  });
});
