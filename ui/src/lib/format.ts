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
