// Exports of a list (payments, a refund queue, the audit log) and the audit log's filters. Pure functions, so
// they are tested without a DOM.

import type { AuditFilters, ExportList, ExportProgress, LanguageKey } from './ipc/types';
import { buildPaymentQuery, wibToday, type PaymentFilters } from './payments';

/** How often a running export is asked how far it got. */
export const EXPORT_POLL_MS = 250;

/** The reasons an export (or its filters) can be refused with; each has a text in both dictionaries. */
export const EXPORT_REASONS = [
  'export_path_invalid',
  'export_too_many_rows',
  'export_running',
  'export_unwritable',
  'date_invalid',
  'date_range_invalid',
  'refund_status_unknown',
] as const;

/** The file name offered in the save dialog: the list's name and today's WIB date, e.g. `pembayaran-2026-03-05`. */
export function exportFileName(base: string, now: Date = new Date()): string {
  return `${base}-${wibToday(now)}`;
}

/** Base names of the export files, per list and language. */
const FILE_BASES: Record<'payments' | 'refunds' | 'audit' | 'refund_report' | 'ageing', Record<LanguageKey, string>> = {
  payments: { id: 'pembayaran', en: 'payments' },
  refunds: { id: 'pengembalian-dana', en: 'refunds' },
  audit: { id: 'jejak-audit', en: 'audit-log' },
  refund_report: { id: 'laporan-pengembalian-dana', en: 'refund-report' },
  ageing: { id: 'umur-item-terbuka', en: 'open-items-ageing' },
};

export type ExportName = keyof typeof FILE_BASES;

export function exportBaseName(list: ExportName, language: LanguageKey): string {
  return FILE_BASES[list][language];
}

/** The share of the rows written, 0..100 (a list with no rows is done at once). */
export function exportPercent(progress: Pick<ExportProgress, 'rowsWritten' | 'rowsTotal' | 'state'>): number {
  if (progress.rowsTotal <= 0) return progress.state === 'finished' ? 100 : 0;
  return Math.max(0, Math.min(100, Math.floor((progress.rowsWritten / progress.rowsTotal) * 100)));
}

/**
 * The audit log's action groups: the filter offers each as "every … action" (`refund.` matches every refund
 * action, never `refund_policy.*`), then its actions one by one. Actions outside a group are offered alone.
 */
export const AUDIT_ACTION_GROUPS = [
  'session',
  'password',
  'operator',
  'customer',
  'account',
  'payment',
  'refund',
  'refund_policy',
  'credential',
  'provider_settings',
  'settings',
  'desk',
  'ledger',
  'export',
] as const;

export type AuditActionGroup = (typeof AUDIT_ACTION_GROUPS)[number];

/** The group an action belongs to (its first part), or null. */
export function actionGroup(action: string): AuditActionGroup | null {
  const head = action.split('.')[0];
  return (AUDIT_ACTION_GROUPS as readonly string[]).includes(head) ? (head as AuditActionGroup) : null;
}

/** The known actions (`audit.action.*` keys) by group, in dictionary order; `other` holds the rest. */
export function groupActions(keys: readonly string[]): {
  groups: { group: AuditActionGroup; actions: string[] }[];
  other: string[];
} {
  const actions = keys.filter((k) => k.startsWith('audit.action.')).map((k) => k.slice('audit.action.'.length));
  const groups = AUDIT_ACTION_GROUPS.map((group) => ({
    group,
    actions: actions.filter((a) => actionGroup(a) === group),
  }));
  return { groups, other: actions.filter((a) => actionGroup(a) === null) };
}

/** The audit log's filters as the form holds them (strings from its inputs). */
export type AuditFilterFields = {
  /** An operator's id, or '' for any. */
  operatorId: string;
  /** An action or a group prefix (`refund.`), or '' for any. */
  action: string;
  /** The start of an object, as typed. */
  subject: string;
  /** `YYYY-MM-DD`, WIB. */
  from: string;
  to: string;
};

export function emptyAuditFilters(): AuditFilterFields {
  return { operatorId: '', action: '', subject: '', from: '', to: '' };
}

const orNull = (value: string): string | null => {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
};

/** What `list_audit` and the export take: empty fields are "any". */
export function buildAuditFilters(fields: AuditFilterFields): AuditFilters {
  const id = Number(fields.operatorId);
  return {
    operatorId: fields.operatorId !== '' && Number.isInteger(id) ? id : null,
    action: orNull(fields.action),
    subject: orNull(fields.subject),
    from: orNull(fields.from),
    to: orNull(fields.to),
  };
}

/** The start date is after the end date. */
export function auditRangeInvalid(fields: AuditFilterFields): boolean {
  return fields.from !== '' && fields.to !== '' && fields.from > fields.to;
}

/** The payments list with its filters as the page query sends them (without the cursor and the page size). */
export function paymentsExport(filters: PaymentFilters): ExportList {
  const q = buildPaymentQuery(filters);
  return {
    list: 'payments',
    product: q.product,
    status: q.status,
    from: q.from,
    to: q.to,
    minAmount: q.minAmount,
    maxAmount: q.maxAmount,
    reference: q.reference,
  };
}
