// Settings test data: the ledger, desk enrolments, provider settings and refund policies.

import type { DeskEnrolmentView, LedgerInfo, ProviderSettingView, RefundPolicyView } from '../lib/ipc/types';

export const SHARED_LEDGER: LedgerInfo = {
  backend: 'postgres',
  location: 'postgres://ovo:***@db.example:5432/ledger',
  ledgerId: 'c0ffee00-1111-4222-8333-444455556666',
  shared: true,
};

export const FILE_LEDGER: LedgerInfo = {
  backend: 'file',
  location: '/home/ayu/.local/share/ovo-back-office/ledger.sqlite',
  ledgerId: 'f11e0000-1111-4222-8333-444455556666',
  shared: false,
};

/** An open enrolment code for another desk, unless `overrides` say otherwise. */
export function enrolment(id: string, overrides: Partial<DeskEnrolmentView> = {}): DeskEnrolmentView {
  return {
    id,
    state: 'open',
    createdBy: 'Ayu Lestari',
    createdAt: '2026-03-05T02:00:00Z',
    expiresAt: '2026-03-06T02:00:00Z',
    endedAt: null,
    deskName: null,
    failedAttempts: 0,
    ...overrides,
  };
}

/** One provider setting at its default `value` (no default when empty), optional unless `extra` says otherwise. */
export function providerSetting(
  key: string,
  kind: string,
  value: string,
  extra: Partial<ProviderSettingView> = {},
): ProviderSettingView {
  return {
    key,
    kind,
    value,
    defaultValue: value === '' ? null : value,
    overridden: false,
    required: false,
    advanced: false,
    choices: [],
    maxChars: null,
    ...extra,
  };
}

/** OVO SNAP's refund policy as the provider sets it: partial refunds within 60 days. */
export const SNAP_POLICY: RefundPolicyView = {
  product: 'ovo_snap',
  productName: 'OVO SNAP',
  mode: 'api',
  partialAllowed: true,
  windowDays: 60,
  dailyLimit: null,
  overridden: false,
  rule: { en: 'OVO SNAP: partial allowed (D+60)', id: 'OVO SNAP: sebagian boleh (D+60)' },
};
