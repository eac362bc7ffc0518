// The dashboard's and the reports' words and numbers that do not depend on a component.

import type { AgeBucket, DashboardPeriod, LanguageKey } from './ipc/types';
import { monthShort } from './format';

export const DASHBOARD_PERIODS: readonly DashboardPeriod[] = ['today', 'days_7', 'days_30'];

export const AGE_BUCKETS: readonly AgeBucket[] = ['days_0', 'days_1_2', 'days_3_6', 'days_7_plus'];

export const REPORT_TABS = ['refunds', 'ageing'] as const;
export type ReportTab = (typeof REPORT_TABS)[number];

/** Basis points as a percentage with two decimals (`20,00 %` in Bahasa Indonesia, `20.00%` in English); `—` for none. */
export function formatBasisPoints(basisPoints: number | null, language: LanguageKey): string {
  if (basisPoints === null) return '—';
  const whole = Math.trunc(basisPoints / 100);
  const hundredths = String(basisPoints % 100).padStart(2, '0');
  return language === 'id' ? `${whole},${hundredths} %` : `${whole}.${hundredths}%`;
}

/** `YYYY-MM-DD` as a short day for a chart's axis: `5 Mar` (no leading zero, months in the language). */
export function shortDay(day: string, language: LanguageKey): string {
  const [, m, d] = day.split('-').map(Number);
  return `${d} ${monthShort(m, language)}`;
}
