import type { LanguageKey } from './ipc/types';

const JAKARTA = 'Asia/Jakarta';
const formatters = new Map<LanguageKey, Intl.DateTimeFormat>();

function formatter(language: LanguageKey): Intl.DateTimeFormat {
  let f = formatters.get(language);
  if (!f) {
    f = new Intl.DateTimeFormat(language === 'id' ? 'id-ID' : 'en-GB', {
      timeZone: JAKARTA,
      year: 'numeric',
      month: 'short',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(language, f);
  }
  return f;
}

/** Date and time of day in Asia/Jakarta, e.g. { date: "05 Mar 2026", time: "14:07:09 WIB" }; null if unparseable. */
export function wibParts(value: string | Date, language: LanguageKey): { date: string; time: string } | null {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatter(language).formatToParts(date)) parts[part.type] = part.value;
  const month = (parts.month ?? '').replace(/\.$/, '');
  return {
    date: `${parts.day} ${month} ${parts.year}`,
    time: `${parts.hour}:${parts.minute}:${parts.second} WIB`,
  };
}

/**
 * A UTC instant shown in Western Indonesia Time, e.g. "05 Mar 2026 14:07:09 WIB" (month names follow the
 * language: "17 Agu 2026 10:00:00 WIB" in Indonesian). Unparseable input is returned as is.
 */
export function formatWib(value: string | Date, language: LanguageKey): string {
  const parts = wibParts(value, language);
  return parts ? `${parts.date} ${parts.time}` : String(value);
}

/**
 * Whole rupiah as the domain formats it: `Rp 10.000` in Indonesian, `IDR 10,000` in English; negative
 * amounts get a leading minus. Never goes through floats beyond what a safe integer holds.
 */
export function formatMoney(rupiah: number, language: LanguageKey): string {
  const negative = rupiah < 0;
  const digits = String(Math.trunc(Math.abs(rupiah)));
  const sep = language === 'id' ? '.' : ',';
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  return `${negative ? '-' : ''}${language === 'id' ? 'Rp ' : 'IDR '}${grouped}`;
}

const dayFormatter = new Intl.DateTimeFormat('en-CA', {
  timeZone: JAKARTA,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar day in Asia/Jakarta as `YYYY-MM-DD` (what date inputs and the back end's ranges use). */
export function wibDay(value: string | Date): string | null {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of dayFormatter.formatToParts(date)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** `YYYY-MM-DD` plus `days` (may be negative), on the calendar (no time zone involved). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d + days));
  return date.toISOString().slice(0, 10);
}

/**
 * A short WIB time for notes such as "Refresh failed at 10:42 WIB": only the time of day when the instant is
 * on the same WIB day as `now`, else the date too ("05 Mar 2026 10:42 WIB").
 */
export function formatWibShort(value: string | Date, language: LanguageKey, now: Date = new Date()): string {
  const parts = wibParts(value, language);
  if (!parts) return String(value);
  const time = parts.time.replace(/:\d{2} WIB$/, ' WIB');
  return wibDay(value) === wibDay(now) ? time : `${parts.date} ${time}`;
}

/** A count with the language's thousands separator (`3.650` in Bahasa Indonesia, `3,650` in English). */
export function formatCount(value: number, language: LanguageKey): string {
  return new Intl.NumberFormat(language === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: 0 }).format(value);
}
