// Which sections and settings tabs an operator sees. The back end enforces the same rules on every command;
// this only avoids showing doors that would not open.

import type { Permission } from './ipc/types';

export type Section =
  | 'dashboard'
  | 'customers'
  | 'payments'
  | 'refunds'
  | 'reconciliation'
  | 'reports'
  | 'audit'
  | 'settings';
export type SettingsTab =
  | 'operators'
  | 'credentials'
  | 'provider_settings'
  | 'refund_policies'
  | 'notifications'
  | 'ledger'
  | 'preferences';

const SECTION_RULES: ReadonlyArray<[Section, readonly Permission[] | 'everyone']> = [
  ['dashboard', ['view_finance']],
  ['customers', ['view_customers']],
  ['payments', ['view_payments']],
  ['refunds', ['view_payments', 'approve_refunds']],
  ['reconciliation', ['reconcile_settlements']],
  ['reports', ['view_finance']],
  ['audit', ['view_audit']],
  ['settings', 'everyone'],
];

const TAB_RULES: ReadonlyArray<[SettingsTab, readonly Permission[] | 'everyone']> = [
  ['operators', ['manage_operators']],
  ['credentials', ['manage_credentials']],
  ['provider_settings', ['manage_settings']],
  ['refund_policies', ['manage_settings']],
  ['notifications', ['manage_settings']],
  ['ledger', ['manage_settings']],
  ['preferences', 'everyone'],
];

function allowed(rule: readonly Permission[] | 'everyone', granted: readonly Permission[]): boolean {
  return rule === 'everyone' || rule.some((p) => granted.includes(p));
}

/** Sidebar sections in display order; "settings" is always there (preferences are for everyone). */
export function visibleSections(permissions: readonly Permission[]): Section[] {
  return SECTION_RULES.filter(([, rule]) => allowed(rule, permissions)).map(([s]) => s);
}

/**
 * The section shown after sign-in, where the role's work is: the approval queue for finance when refunds wait
 * for approval, else the dashboard for finance and admin, and customer search for staff and support.
 */
export function startSection(permissions: readonly Permission[], refundsToApprove: number | null = null): Section {
  if (permissions.includes('approve_refunds') && (refundsToApprove ?? 0) > 0) return 'refunds';
  return visibleSections(permissions)[0];
}

/** Settings tabs in display order; "preferences" is always there. */
export function visibleSettingsTabs(permissions: readonly Permission[]): SettingsTab[] {
  return TAB_RULES.filter(([, rule]) => allowed(rule, permissions)).map(([s]) => s);
}

/** Idle lock and environment are system settings (admin). */
export function canManageSystemSettings(permissions: readonly Permission[]): boolean {
  return permissions.includes('manage_settings');
}
