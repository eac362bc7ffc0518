// Settlement reconciliation in the UI: the mapping's fields, how an outcome looks, and the words for a
// file's problems.

import type { SettlementMapping, SettlementOutcomeKey, SettlementProblemView } from './ipc/types';
import { t, tOr } from './i18n/i18n.svelte';

/** The mapping's fields in the order the form shows them; the first three are required. */
export const MAPPING_FIELDS = ['reference', 'date', 'amount', 'kind', 'fee', 'net', 'status'] as const;
export type MappingField = (typeof MAPPING_FIELDS)[number];

export function isRequiredField(field: MappingField): boolean {
  return field === 'reference' || field === 'date' || field === 'amount';
}

/** The mapping with one field set; an optional field set to '' is none. */
export function withField(mapping: SettlementMapping, field: MappingField, column: string): SettlementMapping {
  const value = column === '' && !isRequiredField(field) ? null : column;
  return { ...mapping, [field]: value };
}

/** A badge class per outcome: matched is good news, every other one needs finance. */
export function outcomeBadge(outcome: SettlementOutcomeKey): string {
  if (outcome === 'matched') return 'badge badge-success';
  if (outcome === 'not_in_ledger' || outcome === 'settled_twice') return 'badge badge-danger';
  return 'badge badge-warning';
}

/** "Line 7: …" with the problem in words, the file's value or columns after it. */
export function problemText(problem: SettlementProblemView): string {
  const what = tOr('settlement.problem.', problem.reason);
  const text = problem.detail ? `${what} (${problem.detail})` : what;
  return problem.line === null ? text : t('settlement.problem.onLine', { line: problem.line, text });
}
