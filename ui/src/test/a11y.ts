// Accessibility checks with axe-core, a fake back end that answers every screen with some data, and the set-up of
// tests that run the whole app.

import axe from 'axe-core';
import { afterEach, beforeEach, expect, type Mock } from 'vitest';
import { desk } from '../lib/desk.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { ledgerFeed } from '../lib/liveChanges.svelte';
import { app } from '../lib/session.svelte';
import type { DashboardInput, OperatorView, Permission, SearchInput, SessionStatus } from '../lib/ipc/types';
import { customerPage, searchResult, timelineEntry } from './customers';
import { ADMIN, ADMIN_PERMISSIONS, status } from './fixtures';
import { SNAP_OPTIONS, paymentDetail, paymentRow, refundPreview, refundView } from './payments';
import { AGEING_REPORT, REFUND_REPORT, WEEK, dashboardView } from './reports';
import { SHARED_LEDGER, SNAP_POLICY, enrolment, providerSetting } from './settings';

/** What axe found, one line per element, for a readable failure. */
export function describeViolations(violations: axe.Result[]): string {
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes.map((n) => `  ${n.target.join(' ')}\n    ${n.failureSummary?.replace(/\n/g, '\n    ')}`).join('\n'),
    )
    .join('\n');
}

/** Runs axe on `root`; jsdom has no layout, so `color-contrast` cannot work here (contrast has its own test). */
export async function axeViolations(root: Element = document.body): Promise<axe.Result[]> {
  const results = await axe.run(root, { rules: { 'color-contrast': { enabled: false } } });
  return results.violations;
}

export async function expectNoAxeViolations(root: Element = document.body): Promise<void> {
  const violations = await axeViolations(root);
  expect(violations, describeViolations(violations)).toEqual([]);
}

export const STAFF_PERMISSIONS: Permission[] = [
  'view_customers',
  'manage_customers',
  'link_accounts',
  'view_payments',
  'take_payments',
  'request_refunds',
];
export const FINANCE_PERMISSIONS: Permission[] = [
  'view_payments',
  'approve_refunds',
  'resolve_by_hand',
  'reconcile_settlements',
  'view_audit',
  'view_finance',
];
export const STAFF: OperatorView = { ...ADMIN, id: 3, username: 'siti', displayName: 'Siti Rahma', role: 'staff' };
export const FINANCE: OperatorView = { ...ADMIN, id: 2, username: 'fina', displayName: 'Fina Wijaya', role: 'finance' };

export type Role = 'admin' | 'staff' | 'finance';

export function signedIn(role: Role): SessionStatus {
  if (role === 'staff') return status('active', { operator: STAFF, permissions: STAFF_PERMISSIONS });
  if (role === 'finance') return status('active', { operator: FINANCE, permissions: FINANCE_PERMISSIONS });
  return status('active', { permissions: [...ADMIN_PERMISSIONS, ...FINANCE_PERMISSIONS, 'forget_customers'] });
}

/** Each test starts the whole app afresh: no fake answers, nobody signed in, nothing open, in English. */
export function freshAppEachTest(invoke: Mock) {
  beforeEach(() => {
    invoke.mockReset();
    app.status = null;
    app.section = null;
    desk.paymentId = null;
    desk.refundId = null;
    setCurrentLanguage('en');
  });
  afterEach(() => ledgerFeed.stop());
}

type Handler = (args: Record<string, unknown> | undefined) => unknown;

/** The timeline's payment and its refund. */
const PAID = { at: '2026-03-04T04:00:00Z', product: 'ovo_snap', paymentId: 11 } as const;

/** Answers for every command the screens load from, with a record or two each. */
export function worldHandlers(session: SessionStatus): Record<string, Handler> {
  const setting = (key: string, kind: string, value: string) => providerSetting(key, kind, value, { required: true });
  return {
    app_info: () => ({ version: '0.1.0', environment: 'builtin_sandbox', osLocale: 'en-US', language: 'en' }),
    session_status: () => session,
    touch_session: () => session,
    get_preferences: () => ({ language: 'en', idleLockMinutes: 15, environment: 'builtin_sandbox' }),
    dashboard: (args) => dashboardView((args as { input: DashboardInput }).input.period, WEEK, 175_000),
    search_customers: (args) => searchResult((args as { input: SearchInput }).input.query),
    customer_page: () => customerPage(),
    customer_timeline: () => ({
      items: [
        timelineEntry({ ...PAID, kind: 'refund', reference: 'RFD-0021', amount: 25_000, status: 'awaiting_approval', refundId: 21 }),
        timelineEntry({ ...PAID, kind: 'payment', reference: 'PAY-000011', amount: 125_000, status: 'succeeded' }),
      ],
      next: null,
    }),
    payments_page: () => ({ items: [paymentRow(11), paymentRow(10, { status: 'failed' })], next: null }),
    payment_page: () => paymentDetail(),
    payment_options: () => [SNAP_OPTIONS],
    preview_refund: () => refundPreview(),
    request_refund: () => refundView(22, { amount: 40_000 }),
    refund_queue: (args) => {
      const q = (args as { input: { status: string } }).input;
      return { items: q.status === 'requested' ? [refundView(5, { paymentId: 11 })] : [], next: null };
    },
    refund_page: () => refundView(5),
    decide_refund: (args) => {
      const input = (args as { input: { approve: boolean } }).input;
      return refundView(5, { status: input.approve ? 'approved' : 'rejected', decidedBy: 'fina' });
    },
    settlement_batches: () => [
      {
        id: 1,
        product: 'ovo_snap',
        fileName: 'settlement-ovo_snap-2026-03-05.csv',
        importedBy: 'Fina Wijaya',
        importedAt: '2026-03-09T03:00:00Z',
        firstDate: '2026-03-05',
        lastDate: '2026-03-05',
        lineCount: 12,
        matched: 11,
        exceptions: 1,
        openExceptions: 1,
        paymentsTotal: 2_041_000,
        refundsTotal: 50_000,
        feesTotal: 14_287,
        netTotal: 1_976_713,
      },
    ],
    settlement_exceptions: () => ({
      items: [
        {
          id: 1,
          product: 'ovo_snap',
          batchId: 1,
          fileName: 'settlement-ovo_snap-2026-03-05.csv',
          lineNo: 2,
          paymentId: 7,
          refundId: null,
          kind: 'amount_mismatch',
          reference: 'REF0000000000001',
          ledgerAmount: 185_000,
          fileAmount: 186_000,
          foundAt: '2026-03-09T03:00:00Z',
          resolvedBy: null,
          resolvedAt: null,
          resolution: null,
        },
      ],
      next: null,
      total: 1,
    }),
    refund_report: () => REFUND_REPORT,
    ageing_report: () => AGEING_REPORT,
    verify_audit: () => ({ intact: true, checked: 2, brokenSeq: null, problem: null }),
    audit_operators: () => [ADMIN, FINANCE],
    list_audit: () => ({
      items: [
        {
          seq: 2,
          at: '2026-03-05T07:07:09Z',
          operator: 'admin',
          operatorName: 'Ayu Lestari',
          action: 'session.sign_in',
          subject: 'operator:1',
          outcome: 'ok',
          detail: '',
        },
      ],
      next: null,
    }),
    list_operators: () => [ADMIN, STAFF, FINANCE],
    list_credentials: () => [
      {
        product: 'ovo_snap',
        productName: 'OVO SNAP Open API',
        fields: [
          { field: 'client_id', isSet: true },
          { field: 'client_secret', isSet: false },
        ],
      },
    ],
    list_provider_settings: (args) => [
      {
        environment: (args as { input: { environment: string } }).input.environment,
        product: 'ovo_snap',
        productName: 'OVO SNAP',
        settings: [setting('host', 'host', 'https://app.byte-stack.net'), setting('version', 'version', 'v3.0')],
        missing: [],
      },
    ],
    list_refund_policies: () => [SNAP_POLICY],
    listener_settings: () => ({
      enabled: true,
      address: '127.0.0.1:7701',
      running: true,
      runningAtDesk: null,
      urls: [{ product: 'ovo_snap', url: 'https://example.co.id/ovo/notify' }],
      problem: null,
    }),
    ledger_info: () => SHARED_LEDGER,
    desk_enrolments: () => [enrolment('XH4PA')],
    ledger_backups: () => ({
      fileLedger: true,
      folder: '/home/ayu/.local/share/ovo-back-office/backups',
      keep: 14,
      backups: [
        { name: 'ledger-2026-03-05T0700.sqlite', takenAt: '2026-03-05T07:00:00Z', bytes: 1_572_864, sound: true, beforeUpdate: false },
        { name: 'ledger.sqlite.before-migration-43.1772600000.bak', takenAt: '2026-03-04T05:00:00Z', bytes: 1_511_424, sound: null, beforeUpdate: true },
      ],
    }),
  };
}
