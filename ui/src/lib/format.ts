import type { LanguageKey } from './ipc/types';

/** Western Indonesia Time is UTC+7 all year (no daylight saving), so plain arithmetic gives the WIB clock. */
const WIB_OFFSET_MS = 7 * 3_600_000;

/** Short month names: the glossary's `5 Mar 2026` (Indonesian `Agu`, `Mei`, `Okt`, `Des`; English `Sep`, never `Sept`). */
const MONTHS: Record<LanguageKey, readonly string[]> = {
  id: ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'],
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
};

/** The short name of a month (`month` 1–12) in the language: `Agu` / `Aug`. */
export function monthShort(month: number, language: LanguageKey): string {
  return MONTHS[language][month - 1] ?? String(month);
}

/** A calendar day as the app shows it: `5 Mar 2026` (no leading zero; `17 Agu 2026` in Indonesian). */
export function formatDay(year: number, month: number, day: number, language: LanguageKey): string {
  return `${day} ${monthShort(month, language)} ${year}`;
}

/** A calendar day `YYYY-MM-DD` (as the back end keeps days) as the app shows it, `5 Mar 2026`; anything else as is. */
export function formatIsoDay(day: string, language: LanguageKey): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return day;
  const [year, month, date] = match.slice(1).map(Number);
  return month >= 1 && month <= 12 && date >= 1 && date <= 31 ? formatDay(year, month, date, language) : day;
}

/** The WIB wall clock of an instant, as UTC fields of a shifted Date; null if unparseable. */
function wibClock(value: string | Date): Date | null {
  const date = value instanceof Date ? value : new Date(value);
  const ms = date.getTime();
  return Number.isNaN(ms) ? null : new Date(ms + WIB_OFFSET_MS);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Date and time of day in Asia/Jakarta: `{ date: "5 Mar 2026", time: "14.07 WIB" }` in Bahasa Indonesia,
 * `{ date: "5 Mar 2026", time: "14:07 WIB" }` in English; null if unparseable.
 */
export function wibParts(value: string | Date, language: LanguageKey): { date: string; time: string } | null {
  const clock = wibClock(value);
  if (!clock) return null;
  const sep = language === 'id' ? '.' : ':';
  return {
    date: formatDay(clock.getUTCFullYear(), clock.getUTCMonth() + 1, clock.getUTCDate(), language),
    time: `${pad2(clock.getUTCHours())}${sep}${pad2(clock.getUTCMinutes())} WIB`,
  };
}

/**
 * A UTC instant shown in Western Indonesia Time, e.g. "5 Mar 2026 14:07 WIB" in English and
 * "17 Agu 2026 10.00 WIB" in Bahasa Indonesia (the Rust side writes the same). Unparseable input is returned as is.
 */
export function formatWib(value: string | Date, language: LanguageKey): string {
  const parts = wibParts(value, language);
  return parts ? `${parts.date} ${parts.time}` : String(value);
}

/** The date alone of an instant in Asia/Jakarta, `5 Mar 2026`; unparseable input is returned as is. */
export function formatWibDate(value: string | Date, language: LanguageKey): string {
  return wibParts(value, language)?.date ?? String(value);
}

/**
 * Whole rupiah as the domain formats it: `Rp 10.000` in Indonesian, `IDR 10,000` in English, with a non-breaking
 * space that keeps the currency with its digits; negative amounts get a leading minus (`-Rp 10.000`). Never goes
 * through floats beyond what a safe integer holds.
 */
export function formatMoney(rupiah: number, language: LanguageKey): string {
  const negative = rupiah < 0;
  const digits = String(Math.trunc(Math.abs(rupiah)));
  const sep = language === 'id' ? '.' : ',';
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  return `${negative ? '-' : ''}${language === 'id' ? 'Rp' : 'IDR'}\u00a0${grouped}`;
}

/** The calendar day in Asia/Jakarta as `YYYY-MM-DD` (what date inputs and the back end's ranges use). */
export function wibDay(value: string | Date): string | null {
  const clock = wibClock(value);
  return clock ? clock.toISOString().slice(0, 10) : null;
}

/** `YYYY-MM-DD` plus `days` (may be negative), on the calendar (no time zone involved). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d + days));
  return date.toISOString().slice(0, 10);
}

/**
 * A short WIB time for notes such as "Refresh failed at 10:42 WIB": only the time of day when the instant is
 * on the same WIB day as `now`, else the date too ("5 Mar 2026 10:42 WIB"; "5 Mar 2026 10.42 WIB" in Indonesian).
 */
export function formatWibShort(value: string | Date, language: LanguageKey, now: Date = new Date()): string {
  const parts = wibParts(value, language);
  if (!parts) return String(value);
  return wibDay(value) === wibDay(now) ? parts.time : `${parts.date} ${parts.time}`;
}

/** A count with the language's thousands separator (`3.650` in Bahasa Indonesia, `3,650` in English). */
export function formatCount(value: number, language: LanguageKey): string {
  return new Intl.NumberFormat(language === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: 0 }).format(value);
}
