import { describe, expect, it } from 'vitest';
import { canManageSystemSettings, visibleSections, visibleSettingsTabs } from './nav';
import { ADMIN_PERMISSIONS } from '../test/fixtures';


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
