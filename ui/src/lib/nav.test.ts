import { describe, expect, it } from 'vitest';
import { canManageSystemSettings, startSection, visibleSections, visibleSettingsTabs } from './nav';
import { ADMIN_PERMISSIONS } from '../test/fixtures';
import type { Permission } from './ipc/types';


describe('visibleSections', () => {
  it('shows only settings without permissions', () => {
    expect(visibleSections([])).toEqual(['settings']);
  });

  it('shows everything, in order, to an admin', () => {
    expect(visibleSections(ADMIN_PERMISSIONS)).toEqual(['customers', 'payments', 'refunds', 'audit', 'settings']);
  });

  it('maps each permission to its section', () => {
    expect(visibleSections(['view_customers'])).toEqual(['customers', 'settings']);
    expect(visibleSections(['view_payments'])).toEqual(['payments', 'refunds', 'settings']);
    expect(visibleSections(['view_audit'])).toEqual(['audit', 'settings']);
  });

  it('shows refunds for either view_payments or approve_refunds', () => {
    expect(visibleSections(['approve_refunds'])).toEqual(['refunds', 'settings']);
    expect(visibleSections(['request_refunds'])).toEqual(['settings']);
  });

  it('gives a finance operator refunds, reconciliation and audit', () => {
    expect(visibleSections(['view_payments', 'approve_refunds', 'reconcile_settlements', 'view_audit'])).toEqual([
      'payments',
      'refunds',
      'reconciliation',
      'audit',
      'settings',
    ]);
  });
});

describe('the dashboard and reports', () => {
  // As the back end grants them (permissions.rs).
  const STAFF: Permission[] = ['view_customers', 'manage_customers', 'link_accounts', 'view_payments', 'take_payments', 'request_refunds'];
  const SUPPORT: Permission[] = ['view_customers', 'manage_customers', 'link_accounts', 'view_payments', 'request_refunds'];
  const FINANCE: Permission[] = ['view_customers', 'view_payments', 'approve_refunds', 'resolve_by_hand', 'view_audit', 'view_finance'];
  const ADMIN: Permission[] = [
    'view_customers',
    'forget_customers',
    'view_payments',
    'view_audit',
    'view_finance',
    'manage_operators',
    'manage_credentials',
    'manage_settings',
  ];

  it('come first and before the audit log for view_finance', () => {
    expect(visibleSections(FINANCE)).toEqual(['dashboard', 'customers', 'payments', 'refunds', 'reports', 'audit', 'settings']);
    expect(visibleSections(['view_finance'])).toEqual(['dashboard', 'reports', 'settings']);
  });

  it('open finance and admin on the dashboard, staff and support on customer search', () => {
    expect(startSection(FINANCE)).toBe('dashboard');
    expect(startSection(ADMIN)).toBe('dashboard');
    expect(startSection(STAFF)).toBe('customers');
    expect(startSection(SUPPORT)).toBe('customers');
    expect(visibleSections(STAFF)).not.toContain('reports');
    expect(visibleSections(SUPPORT)).not.toContain('dashboard');
  });

  it('open finance on the approval queue while refunds wait for approval', () => {
    expect(startSection(FINANCE, 3)).toBe('refunds');
    expect(startSection(FINANCE, 0)).toBe('dashboard');
    expect(startSection(FINANCE, null)).toBe('dashboard');
    // Only those who approve: a count never sends the others away from their start.
    expect(startSection(ADMIN, 3)).toBe('dashboard');
    expect(startSection(STAFF, 3)).toBe('customers');
  });
});

describe('visibleSettingsTabs', () => {
  it('always has preferences', () => {
    expect(visibleSettingsTabs([])).toEqual(['preferences']);
    expect(visibleSettingsTabs(['view_customers', 'view_audit'])).toEqual(['preferences']);
  });

  it('adds operators and credentials for the permissions that manage them', () => {
    expect(visibleSettingsTabs(ADMIN_PERMISSIONS)).toEqual([
      'operators',
      'credentials',
      'provider_settings',
      'refund_policies',
      'notifications',
      'ledger',
      'preferences',
    ]);
    expect(visibleSettingsTabs(['manage_credentials'])).toEqual(['credentials', 'preferences']);
  });

  it('gives provider settings, refund policies, notifications and the ledger to manage_settings only', () => {
    expect(visibleSettingsTabs(['manage_settings'])).toEqual([
      'provider_settings',
      'refund_policies',
      'notifications',
      'ledger',
      'preferences',
    ]);
    expect(visibleSettingsTabs(['approve_refunds', 'view_payments'])).toEqual(['preferences']);
  });

  it('lets only manage_settings change idle lock and environment', () => {
    expect(canManageSystemSettings(ADMIN_PERMISSIONS)).toBe(true);
    expect(canManageSystemSettings(['manage_operators', 'manage_credentials'])).toBe(false);
  });
});
