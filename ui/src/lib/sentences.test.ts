import { describe, expect, it } from 'vitest';
import { en } from './i18n/en';
import type { AuditEntryView, LanguageKey, TimelineEventView } from './ipc/types';
import { formatMoney, formatWib, wibParts } from './format';
import {
  AUDIT_SENTENCE_ACTIONS,
  TIMELINE_SENTENCE_KINDS,
  auditOperator,
  auditSentence,
  parseDetail,
  rawDetail,
  readProblem,
  timelineSentence,
} from './sentences';

const LANGUAGES: LanguageKey[] = ['en', 'id'];
const money = (n: number, l: LanguageKey) => formatMoney(n, l);

// The kinds and actions the dictionary names: each needs a sentence (and a fixture below).
const TIMELINE_KINDS = Object.keys(en)
  .filter((k) => k.startsWith('timeline.'))
  .map((k) => k.slice('timeline.'.length));
const AUDIT_ACTIONS = Object.keys(en)
  .filter((k) => k.startsWith('audit.action.'))
  .map((k) => k.slice('audit.action.'.length));

/** Status keys that must never show raw (their labels do). */
const RAW_KEYS = [
  'needs_review',
  'awaiting_transfer',
  'settled_offline',
  'awaiting_approval',
  'needs_relink',
  'builtin_sandbox',
  'provider_sandbox',
  'sale_redirect',
  'points_first',
  'by_hand',
  'wrong_password',
  'own_request',
  'own_payment',
  'password_one_time',
  'page_url_host_not_allowed',
];

// Details as the Rust side writes them (see the comments for where).
const TIMELINE_DETAILS: Record<string, { actor: string | null; detail: unknown }[]> = {
  // ovo-ledger refunds.rs `request`
  refund_requested: [
    {
      actor: 'Sari Staff',
      detail: { amount: 185000, mode: 'api', by: 2, reason: 'Customer returned the goods', refundable_before: 250000, deadline: '2026-05-04' },
    },
    { actor: null, detail: { amount: 50000, mode: 'offline', by: 2, reason: 'Double charge', refundable_before: 50000, deadline: null } },
  ],
  // `decide` (approve / reject): { by, note }
  refund_approved: [{ actor: 'Fina Finance', detail: { by: 3, note: 'OK per policy' } }, { actor: 'Fina Finance', detail: { by: 3, note: null } }],
  refund_rejected: [{ actor: 'Fina Finance', detail: { by: 3, note: 'Goods not returned' } }],
  // `mark_submitting`
  refund_submitting: [{ actor: null, detail: { idempotency_key: 'rf-7c1e' } }],
  // `settle` / wait steps: { provider_ref }
  refund_processing: [{ actor: null, detail: { provider_ref: 'DOKU-RF-001' } }],
  refund_succeeded: [
    { actor: null, detail: { provider_ref: 'DOKU-RF-001' } },
    // `resolve_by_hand`
    { actor: 'Fina Finance', detail: { by: 3, by_hand: true, provider_ref: 'DOKU-RF-002', note: 'Confirmed on the DOKU dashboard' } },
  ],
  refund_failed: [
    { actor: null, detail: { provider_ref: null, problem: { code: '4040701', message: 'Transaction not found' } } },
    { actor: null, detail: { provider_ref: null, problem: null } },
    { actor: null, detail: { problem: { message: 'Refund amount exceeds' } } },
    { actor: 'Fina Finance', detail: { by: 3, by_hand: true, provider_ref: null, note: 'Provider says it never arrived' } },
  ],
  refund_unknown: [{ actor: null, detail: { provider_ref: null } }],
  // `settle_offline`
  refund_settled_offline: [
    { actor: 'Fina Finance', detail: { by: 3, transfer_reference: 'BCA-8812', transfer_date: '2026-03-05', evidence: 'ab12.pdf' } },
  ],
  refund_awaiting_transfer: [{ actor: null, detail: {} }],
  // `mark_needs_review`: the stored problem, parsed
  refund_needs_review: [
    { actor: null, detail: { problem: { code: '4045800', message: 'Refund not found' } } },
    { actor: null, detail: { problem: { kind: 'unknown_outcome', provider_code: null, detail: 'no answer in time', at: 1 } } },
  ],
  refund_resent: [{ actor: null, detail: { resends: 1 } }],
  // app payments/start.rs
  payment_created: [
    {
      actor: 'Sari Staff',
      detail: {
        by: 'sari',
        kind: 'push',
        amount: 50000,
        phone: '0812****7890',
        source: 'cash',
        idempotency_key: 'k1',
        push_deadline: '2026-03-05T07:08:09Z',
        give_up_at: '2026-03-05T08:07:09Z',
      },
    },
    { actor: null, detail: '' },
  ],
  // answers.rs `Reading::detail`
  payment_pending: [{ actor: null, detail: { origin: 'status', status: 'pending', provider_status: 'PENDING', provider_ref: null, cash: null, points: null, problem: null, error: null } }],
  payment_succeeded: [
    { actor: null, detail: { origin: 'notification', status: 'succeeded', provider_status: '00', provider_ref: 'OVO-123', cash: 40000, points: 10000, problem: null, error: null, notification: 'n-1' } },
    // by_hand.rs
    { actor: 'Fina Finance', detail: { origin: 'by_hand', before: 'needs_review', after: 'succeeded', status: 'succeeded', by: 'fina', provider_ref: 'OVO-9', note: 'Seen in the OVO report' } },
  ],
  payment_failed: [
    { actor: null, detail: { origin: 'pay', status: 'failed', provider_status: '4030705', provider_ref: null, cash: null, points: null, problem: 'Do Not Honor', error: null } },
    { actor: null, detail: { origin: 'pay', sent: false, detail: 'no credential for DOKU SNAP OVO' } },
    { actor: 'Fina Finance', detail: { origin: 'by_hand', before: 'needs_review', after: 'failed', status: 'failed', by: 'fina', provider_ref: null, note: 'Not in the OVO report' } },
  ],
  payment_unknown: [{ actor: null, detail: { origin: 'pay', status: 'unknown', provider_status: null, provider_ref: null, cash: null, points: null, problem: 'timed out after 30 s', error: 'timeout' } }],
  payment_expired: [{ actor: null, detail: { origin: 'status', status: 'expired', provider_status: 'EXPIRED', problem: 'the customer did not complete the payment in time', error: null } }],
  payment_cancelled: [{ actor: null, detail: { origin: 'cancel', status: 'cancelled', provider_status: 'CANCELLED', provider_ref: 'OVO-5' } }],
  payment_sent: [{ actor: null, detail: { origin: 'pay', status: 'pending', provider_status: '2025400', provider_ref: 'OVO-5', problem: null, error: null } }],
  payment_redirect: [{ actor: null, detail: { origin: 'pay', status: 'pending', provider_status: 'PENDING', provider_ref: 'TZ-1' } }],
  payment_needs_review: [
    // poller.rs
    { actor: null, detail: { origin: 'status', status: 'needs_review', provider_status: null, problem: 'no final answer by 2026-03-05T08:07:09Z', resends: 1 } },
  ],
  payment_relink_required: [
    { actor: null, detail: { origin: 'pay', status: 'failed', provider_status: '4010714', problem: 'nothing was charged: link again (Token expired)' } },
  ],
  // again.rs
  payment_requested_again: [{ actor: 'Sari Staff', detail: { by: 'sari', attempt: 2, idempotency_key: 'k2' } }],
  // cancel.rs
  payment_cancel_requested: [{ actor: 'Sari Staff', detail: { by: 'sari', provider_ref: 'OVO-5', status: 'pending' } }],
  // answers.rs `record_late_success`
  payment_late_success: [
    { actor: null, detail: { origin: 'status', status: 'succeeded', was: 'expired', provider_status: '00', provider_ref: 'OVO-7', cash: 50000, points: 0, notification: null, note: 'the provider reported a late success' } },
  ],
  // resend.rs
  payment_resent: [{ actor: null, detail: { attempt: 1, idempotency_key: 'k1', reason: 'the provider has no record of it' } }],
  notification: [{ actor: null, detail: { origin: 'notification', status: 'succeeded', provider_status: '00' } }],
  status_query: [{ actor: null, detail: { origin: 'status', status: 'pending', provider_status: 'PENDING' } }],
};

type AuditFixture = { outcome?: string; subject?: string; operator?: string | null; operatorName?: string | null; detail: unknown };
const AUDIT_DETAILS: Record<string, AuditFixture[]> = {
  'setup.first_admin': [{ subject: 'admin', detail: { role: 'admin' } }],
  'session.sign_in': [{ subject: 'sari', detail: { password_one_time: true, rehashed: false } }],
  'session.sign_in_failed': [{ subject: 'sari', outcome: 'failed', operator: null, operatorName: null, detail: { cause: 'wrong_password' } }],
  'session.sign_out': [{ subject: 'session', detail: {} }],
  'session.lock': [{ subject: 'session', detail: { cause: 'operator' } }, { subject: 'session', detail: { cause: 'idle' } }, { subject: 'session', detail: { cause: 'clock_moved_back' } }],
  'session.unlock': [{ subject: 'session', detail: {} }],
  'session.unlock_failed': [{ subject: 'session', outcome: 'denied', detail: {} }],
  'operator.create': [{ subject: 'dimas', detail: { role: 'staff', password_one_time: true } }],
  'operator.role_change': [{ subject: 'dimas', detail: { from: 'staff', to: 'finance' } }],
  'operator.disable': [{ subject: 'dimas', detail: {} }],
  'operator.enable': [{ subject: 'dimas', detail: {} }],
  'password.changed': [{ subject: 'sari', detail: { was_one_time: true } }],
  'password.change_failed': [{ subject: 'sari', outcome: 'failed', detail: { cause: 'wrong_password' } }],
  'password.reset': [{ subject: 'dimas', detail: {} }],
  'password.lockout': [{ subject: 'operator:sari', outcome: 'denied', operator: null, operatorName: null, detail: { scope: 'username', failures: 5, seconds: 300 } }],
  'credential.set': [{ subject: 'credential:doku_snap_ovo/client_secret', detail: {} }],
  'credential.replace': [{ subject: 'credential:doku_snap_ovo/client_secret', detail: {} }],
  'credential.delete': [{ subject: 'credential:doku_snap_ovo/client_secret', outcome: 'failed', detail: { error: 'keychain_unavailable' } }],
  'provider.test_connection': [{ subject: 'doku_snap_ovo', detail: { outcome: 'failed', provider_code: '4017300', detail: 'Unauthorized. Invalid signature' } }],
  'settings.language': [{ subject: 'language', detail: { to: 'id' } }],
  'settings.idle_lock': [{ subject: 'idle_lock_minutes', detail: { from: 15, to: 30 } }],
  'settings.environment': [{ subject: 'environment', detail: { from: 'builtin_sandbox', to: 'provider_sandbox' } }],
  'access.denied': [{ subject: 'manage operators', outcome: 'denied', detail: { permission: 'manage_operators', role: 'staff' } }],
  'url.refused': [
    {
      subject: 'url',
      outcome: 'denied',
      detail: { product: 'doku_snap_ovo', environment: 'provider_sandbox', scheme: 'https', host: 'evil.example', cause: 'page_url_host_not_allowed', purpose: 'payment' },
    },
  ],
  'notification.unverified': [
    { subject: 'notification:doku_snap_ovo', outcome: 'denied', operator: null, operatorName: null, detail: { product: 'doku_snap_ovo', notification: 7, rejection: 'signature does not match' } },
  ],
  'listener.rate_limited': [{ subject: 'notification_listener', outcome: 'denied', operator: null, operatorName: null, detail: { source: '10.0.0.9', burst: 20, per_second: 5 } }],
  'account.link.start': [
    { subject: 'builtin_sandbox:ovo_snap:0812****5432', detail: { customer_id: 4, reference: 'LNK-1' } },
    { subject: 'builtin_sandbox:ovo_snap:0812****5432', outcome: 'denied', detail: { customer_id: 4, cause: 'account_bound_elsewhere' } },
  ],
  'account.link': [
    { subject: 'builtin_sandbox:ovo_snap:0812****5432', operator: null, operatorName: null, detail: { reference: 'LNK-1', customer_id: 4 } },
    { subject: 'builtin_sandbox:ovo_snap:0812****5432', outcome: 'failed', operator: null, operatorName: null, detail: { reference: 'LNK-1', status: 'failed', problem: '{"kind":"declined","provider_code":"4030700","detail":"Do not honor","at":1}' } },
  ],
  'account.unlink': [
    { subject: 'builtin_sandbox:ovo_snap:0812****5432', detail: { outcome: 'unlinked', tries: 1 } },
    { subject: 'builtin_sandbox:ovo_snap:0812****5432', detail: { outcome: 'pending', tries: 1 } },
  ],
  'account.balance.refresh': [
    { subject: 'account:3', detail: { cash: 125000, points: 3650 } },
    { subject: 'account:3', outcome: 'failed', detail: { error: 'connection refused' } },
  ],
  'demo.seed': [{ subject: 'ledger', operator: null, operatorName: null, detail: { customers: 12, linked_accounts: 8, history_payments: 40, operators: [], refunds: {} } }],
  'audit.key_replaced': [{ subject: 'audit', outcome: 'failed', operator: null, operatorName: null, detail: { unverifiable_from: 1, unverifiable_to: 42 } }],
  'payment.start': [
    { subject: 'payment:P-20260305-0001', detail: { product: 'ovo_snap', kind: 'push', amount: 50000, customer_id: 4, account_id: null, idempotency_key: 'k1' } },
  ],
  'payment.status': [
    { subject: 'payment:P-1', operator: null, operatorName: null, detail: { origin: 'status', status: 'needs_review', provider_status: null, problem: 'no final answer', resends: 0 } },
  ],
  'payment.refresh': [{ subject: 'payment:P-1', detail: {} }],
  'payment.notification': [
    { subject: 'payment:P-1', operator: null, operatorName: null, detail: { origin: 'notification', status: 'succeeded', provider_status: '00', provider_ref: 'OVO-1', cash: 50000, points: 0 } },
  ],
  'refund.request': [
    { subject: 'payment:P-1', detail: { refund: 'R-1', amount: 185000, reason: 'Customer returned the goods' } },
    { subject: 'payment:P-1', outcome: 'denied', detail: { amount: 185000, refusal: 'the refund window has closed' } },
  ],
  'refund.decide': [{ subject: 'refund:R-1', outcome: 'denied', detail: { cause: 'own_request' } }],
  'refund.approve': [{ subject: 'refund:R-1', detail: { amount: 185000, note: 'OK per policy' } }],
  'refund.reject': [{ subject: 'refund:R-1', detail: { amount: 185000, note: '' } }],
  'refund.settle_offline': [{ subject: 'refund:R-1', detail: { amount: 50000 } }],
  'refund.submit': [
    { subject: 'refund:R-1', detail: { state: 'Processing', provider_status: 'PROCESSING', provider_ref: 'DOKU-RF-1', tries: { checks: 0, resends: 0 } } },
    { subject: 'refund:R-1', outcome: 'failed', detail: { error: 'declined: 4045800 Refund not allowed', provider_code: '4045800', tries: { checks: 0, resends: 0 } } },
  ],
  'refund.status': [{ subject: 'refund:R-1', operator: null, operatorName: null, detail: { state: 'Succeeded', provider_status: 'SUCCESS', provider_ref: 'DOKU-RF-1', tries: { checks: 2, resends: 0 } } }],
  'refund.record_transfer': [
    {
      subject: 'refund:R-1',
      detail: { before: 'awaiting_transfer', after: 'settled_offline', amount: 50000, transfer_reference: 'BCA-8812', transfer_date: '2026-03-05', evidence: 'ab.pdf' },
    },
  ],
  'refund.resolve_by_hand': [
    { subject: 'refund:R-1', detail: { before: 'needs_review', after: 'succeeded', amount: 185000, provider_ref: 'DOKU-RF-1', note: 'Seen on the dashboard' } },
    { subject: 'refund:R-1', outcome: 'denied', detail: { cause: 'wrong_password' } },
  ],
  'payment.resolve_by_hand': [
    { subject: 'payment:P-1', detail: { origin: 'by_hand', before: 'needs_review', after: 'failed', status: 'failed', by: 'fina', provider_ref: null, note: 'Not in the report' } },
    { subject: 'payment:P-1', outcome: 'denied', detail: { cause: 'own_payment' } },
  ],
  'refund_policy.set': [{ subject: 'refund_policy:doku_snap_ovo', detail: { before: {}, before_overridden: false, after: {} } }],
  'refund_policy.reset': [{ subject: 'refund_policy:doku_snap_ovo', detail: { removed: true, before: null } }],
  'settings.listener': [
    { subject: 'notification_listener', detail: { enabled: true, address: '0.0.0.0:8443' } },
    { subject: 'notification_listener', detail: { enabled: false, address: '0.0.0.0:8443' } },
  ],
  'provider_settings.save': [{ subject: 'provider_settings:doku_snap_ovo', detail: { before: {}, after: {}, changed: ['not_a_setting'] } }],
  'provider_settings.reset': [{ subject: 'provider_settings:doku_snap_ovo', detail: { before: {}, after: {} } }],
  'customer.create': [{ subject: 'customer:4', detail: { after: { full_name: 'Wulan Anggraini', phone: '6281234567890', email: null, notes: null } } }],
  'customer.update': [
    { subject: 'customer:4', detail: { before: { full_name: 'Wulan A' }, after: { full_name: 'Wulan Anggraini', email: 'wulan.anggraini@example.co.id' }, import_sha256: 'ab' } },
  ],
  'customer.note': [{ subject: 'customer:4', detail: { note_id: 9, text: 'Prefers WhatsApp' } }],
  'customer.forget': [{ subject: 'customer:4', detail: { fields: ['full_name'] } }],
  'customer.import': [{ subject: 'file:customers.csv', detail: { sha256: 'ab', mode: 'good_rows', rows: 12, created: 8, updated: 2, unchanged: 1, rejected: 1, mapping: {} } }],
  'desk.enrolment_created': [{ subject: 'enrolment:ab12', detail: { expires_at: '2026-03-05T08:07:09Z' } }],
  'desk.enrolment_withdrawn': [{ subject: 'enrolment:ab12', detail: {} }],
  'desk.enrolled': [{ subject: 'enrolment:ab12', detail: { desk: 'Front desk 2', enrolment_created_by: 'Admin' } }],
  'ledger.moved': [{ subject: 'ledger', detail: { from: 'file:/data/ledger.db', to: 'postgres://db.example/ovo', audit_seq: 120 } }],
  'ledger.joined': [{ subject: 'ledger', detail: { to: 'postgres://db.example/ovo', ledger_id: 'L-1' } }],
  'ledger.backed_up': [
    { subject: 'ledger', detail: { backup: 'ledger-20261205T063009Z.sqlite', bytes: 40960, automatic: false } },
    { subject: 'ledger', detail: { backup: 'ledger-20261206T063009Z.sqlite', bytes: 40960, automatic: true } },
  ],
  'ledger.backups_kept': [{ subject: 'ledger', detail: { from: 7, to: 14 } }],
  'ledger.restore_requested': [{ subject: 'ledger', detail: { backup: 'ledger-20261205T063009Z.sqlite' } }],
  'ledger.restore_dropped': [
    { subject: 'ledger', outcome: 'failed', detail: { backup: 'ledger-20261205T063009Z.sqlite', reason: 'chosen', cause: 'backup_gone' } },
    { subject: 'ledger', outcome: 'failed', detail: { backup: 'ledger-20261205T063009Z.sqlite', reason: 'chosen', cause: 'backup_damaged' } },
    { subject: 'ledger', outcome: 'failed', detail: { backup: 'ledger-20261205T063009Z.sqlite', reason: 'damaged', cause: 'ledger_sound' } },
  ],
  'ledger.restored': [
    {
      subject: 'ledger',
      detail: {
        backup: 'ledger-20261205T063009Z.sqlite',
        reason: 'chosen',
        requested_by: 'admin',
        replaced_file_kept_as: 'ledger.sqlite.replaced-20261206T010000Z',
        anchored_head_before: 120,
        request_verified: true,
      },
    },
    {
      subject: 'ledger',
      outcome: 'failed',
      detail: { backup: 'ledger-20261205T063009Z.sqlite', reason: 'chosen', requested_by: 'admin', request_verified: false },
    },
    { subject: 'ledger', detail: { backup: 'ledger-20261205T063009Z.sqlite', reason: 'damaged', replaced_file_kept_as: 'ledger.sqlite.damaged-20261206T010000Z' } },
  ],
  'export.written': [{ subject: 'export:payments', detail: { list: 'payments', format: 'csv', rows: 1250 } }],
  'settlement.imported': [
    { subject: 'settlement:3', detail: { product: 'doku_snap_ovo', file: 'doku-0305.csv', sha256: 'ab', lines: 120, outcomes: {}, not_in_file: 0, settled_late: 0 } },
  ],
  'settlement.exception_resolved': [
    { subject: 'payment:P-1', detail: { exception: 4, kind: 'amount_mismatch', batch: 3, ledger_amount: 50000, file_amount: 49000, reason: 'Fee taken by DOKU' } },
  ],
};

const event = (kind: string, actor: string | null, detail: unknown): TimelineEventView => ({
  at: '2026-03-05T07:07:09Z',
  kind,
  actor,
  detail: typeof detail === 'string' ? detail : JSON.stringify(detail),
});

const entry = (action: string, f: AuditFixture): AuditEntryView => ({
  seq: 1,
  at: '2026-03-05T07:07:09Z',
  operator: f.operator === undefined ? 'sari' : f.operator,
  operatorName: f.operatorName === undefined ? 'Sari Staff' : f.operatorName,
  action,
  subject: f.subject ?? 'x',
  outcome: f.outcome ?? 'ok',
  detail: typeof f.detail === 'string' ? f.detail : JSON.stringify(f.detail),
});

function expectClean(sentence: string, context: string) {
  expect(sentence, context).not.toMatch(/[{}]|undefined|null|NaN/);
  expect(sentence, context).toMatch(/^[A-Z0-9]/);
  for (const key of RAW_KEYS) expect(sentence, `${context}: raw ${key}`).not.toMatch(new RegExp(`\\b${key}\\b`));
}

describe('sentence coverage', () => {
  it('has a sentence and a fixture for every timeline kind in the dictionary', () => {
    expect(TIMELINE_KINDS.length).toBeGreaterThan(25);
    expect(TIMELINE_KINDS.filter((k) => !TIMELINE_SENTENCE_KINDS.includes(k))).toEqual([]);
    expect(TIMELINE_KINDS.filter((k) => !(k in TIMELINE_DETAILS))).toEqual([]);
  });

  it('has a sentence and a fixture for every audit action in the dictionary', () => {
    expect(AUDIT_ACTIONS.length).toBeGreaterThan(60);
    expect(AUDIT_ACTIONS.filter((a) => !AUDIT_SENTENCE_ACTIONS.includes(a))).toEqual([]);
    expect(AUDIT_ACTIONS.filter((a) => !(a in AUDIT_DETAILS))).toEqual([]);
  });
});

describe.each(LANGUAGES)('every sentence in %s', (language) => {
  it.each(TIMELINE_KINDS)('timeline %s', (kind) => {
    for (const { actor, detail } of TIMELINE_DETAILS[kind]) {
      const sentence = timelineSentence(event(kind, actor, detail), language);
      expectClean(sentence, `${kind} ${JSON.stringify(detail)}`);
      expect(sentence).not.toBe(en[`timeline.${kind}` as keyof typeof en]);
      // The same kind with nothing in its detail still reads as a sentence.
      for (const empty of ['', '{}', 'null', 'not json', '[1]']) {
        expectClean(timelineSentence(event(kind, null, empty), language), `${kind} ${empty}`);
      }
    }
  });

  it.each(AUDIT_ACTIONS)('audit %s', (action) => {
    for (const fixture of AUDIT_DETAILS[action]) {
      const sentence = auditSentence(entry(action, fixture), language);
      expectClean(sentence, `${action} ${JSON.stringify(fixture.detail)}`);
      for (const empty of ['', '{}', 'null', 'not json']) {
        expectClean(auditSentence(entry(action, { ...fixture, detail: empty }), language), `${action} ${empty}`);
      }
    }
  });
});

describe('timeline sentences', () => {
  const say = (kind: string, actor: string | null, detail: unknown, language: LanguageKey) =>
    timelineSentence(event(kind, actor, detail), language);
  // The last WIB day as the ledger writes it, never a time of day.
  const deadline = (l: LanguageKey) => (l === 'id' ? '4 Mei 2026' : '4 May 2026');

  it('tells a refund request with who, how much and why', () => {
    const [first] = TIMELINE_DETAILS.refund_requested;
    expect(say('refund_requested', first.actor, first.detail, 'en')).toBe(
      `Sari Staff requested a refund of ${money(185000, 'en')}: Customer returned the goods. ` +
        `Refundable amount before this request: ${money(250000, 'en')}. Refund window ends ${deadline('en')}.`,
    );
    expect(say('refund_requested', first.actor, first.detail, 'id')).toBe(
      `Sari Staff mengajukan pengembalian dana sebesar ${money(185000, 'id')}: Customer returned the goods. ` +
        `Sisa yang dapat dikembalikan sebelum pengajuan ini: ${money(250000, 'id')}. Batas waktu hingga ${deadline('id')}.`,
    );
  });

  it('says "the system" when no one is named, and leaves absent fields out', () => {
    expect(say('refund_requested', null, { amount: 50000, by: 2 }, 'en')).toBe(
      `The system requested a refund of ${money(50000, 'en')}.`,
    );
    expect(say('refund_requested', null, {}, 'id')).toBe('Sistem mengajukan pengembalian dana.');
    expect(say('refund_approved', 'Fina Finance', { by: 3, note: null }, 'en')).toBe('Fina Finance approved the refund.');
  });

  it('shows the provider’s code and message of a failed refund', () => {
    const problem = { provider_ref: null, problem: { code: '4040701', message: 'Transaction not found' } };
    expect(say('refund_failed', null, problem, 'en')).toBe('Refund failed at the provider: 4040701 Transaction not found.');
    expect(say('refund_failed', null, problem, 'id')).toBe('Pengembalian dana gagal di penyedia: 4040701 Transaction not found.');
    expect(say('refund_failed', null, { problem: null }, 'en')).toBe('The refund failed.');
    expect(say('refund_needs_review', null, { problem: { code: '4045800', message: 'Refund not found' } }, 'id')).toBe(
      'Tidak ada respons akhir dari penyedia; pengembalian dana perlu keputusan. Respons penyedia: 4045800 Refund not found.',
    );
  });

  it('tells a created payment with its kind, nominal and deadlines in WIB', () => {
    const [created] = TIMELINE_DETAILS.payment_created;
    expect(say('payment_created', created.actor, created.detail, 'en')).toBe(
      `Sari Staff created the payment: push to the OVO app, ${money(50000, 'en')}. Customer’s phone: 0812****7890. ` +
        `Paid from OVO Cash. The customer can confirm until ${formatWib('2026-03-05T07:08:09Z', 'en')}. ` +
        `Status checks end on ${formatWib('2026-03-05T08:07:09Z', 'en')}.`,
    );
    expect(say('payment_created', null, '', 'id')).toBe('Sistem membuat pembayaran.');
    expect(say('payment_created', 'Sari Staff', { kind: 'push', amount: 50000 }, 'id')).toBe(
      `Sari Staff membuat pembayaran: permintaan bayar ke aplikasi OVO, ${money(50000, 'id')}.`,
    );
  });

  it('tells provider answers with their origin, split and problem, statuses by label', () => {
    const [success, byHand] = TIMELINE_DETAILS.payment_succeeded;
    expect(say('payment_succeeded', success.actor, success.detail, 'en')).toBe(
      `The payment succeeded. Told by the provider’s notification. Status at the provider: 00. Provider reference: OVO-123. ` +
        `Paid with ${money(40000, 'en')} OVO Cash and ${money(10000, 'en')} OVO Points.`,
    );
    expect(say('payment_succeeded', byHand.actor, byHand.detail, 'id')).toBe(
      'Fina Finance memutuskan manual bahwa pembayaran berhasil. Referensi penyedia: OVO-9. Catatan: Seen in the OVO report.',
    );
    const [, unsent] = TIMELINE_DETAILS.payment_failed;
    expect(say('payment_failed', null, unsent.detail, 'en')).toBe(
      'The payment failed before it reached the provider. What went wrong: no credential for DOKU SNAP OVO.',
    );
    expect(say('payment_late_success', null, TIMELINE_DETAILS.payment_late_success[0].detail, 'id')).toMatch(
      /^Penyedia mengonfirmasi pembayaran terlambat: sebelumnya tercatat Kedaluwarsa\. Diketahui dari pengecekan status\./,
    );
    expect(say('payment_cancel_requested', 'Sari Staff', { by: 'sari', provider_ref: 'OVO-5', status: 'needs_review' }, 'en')).toBe(
      'Sari Staff asked the provider to cancel the payment. Its status then: Needs review. Provider reference: OVO-5.',
    );
  });

  it('dates a manual transfer without the time of day', () => {
    const [settled] = TIMELINE_DETAILS.refund_settled_offline;
    const day = wibParts('2026-03-05T12:00:00+07:00', 'id')?.date;
    expect(say('refund_settled_offline', settled.actor, settled.detail, 'id')).toBe(
      `Fina Finance mencatat transfer merchant; pengembalian dana selesai manual. Referensi transfer: BCA-8812. Ditransfer pada ${day}.`,
    );
  });

  it('falls back to the label for a kind it does not know, with no detail', () => {
    expect(say('payment_teleported', null, { secret: 1 }, 'en')).toBe('payment_teleported');
    expect(say('payment_sent', null, '{"origin":"pay"}', 'en')).toBe(
      'The payment request was sent to the provider. In the provider’s response to the payment request.',
    );
  });
});

describe('audit sentences', () => {
  const say = (action: string, f: AuditFixture, language: LanguageKey) => auditSentence(entry(action, f), language);

  it('tells a failed send with the provider’s code and the error', () => {
    const sentence = say('refund.submit', AUDIT_DETAILS['refund.submit'][1], 'en');
    expect(sentence).toContain('4045800');
    expect(sentence).toContain('declined: 4045800 Refund not allowed');
  });

  it('tells refund work with the operator’s display name and nominal', () => {
    expect(say('refund.request', AUDIT_DETAILS['refund.request'][0], 'en')).toBe(
      `Sari Staff requested a refund of ${money(185000, 'en')}: Customer returned the goods. Refund reference: R-1.`,
    );
    expect(say('refund.request', AUDIT_DETAILS['refund.request'][1], 'id')).toBe(
      `Pengajuan pengembalian dana sebesar ${money(185000, 'id')} oleh Sari Staff ditolak. Alasan: the refund window has closed.`,
    );
    expect(say('refund.approve', AUDIT_DETAILS['refund.approve'][0], 'id')).toBe(
      `Sari Staff menyetujui pengembalian dana sebesar ${money(185000, 'id')}. Catatan: OK per policy.`,
    );
    expect(say('refund.reject', AUDIT_DETAILS['refund.reject'][0], 'en')).toBe(`Sari Staff rejected a refund of ${money(185000, 'en')}.`);
    expect(say('refund.resolve_by_hand', AUDIT_DETAILS['refund.resolve_by_hand'][0], 'en')).toBe(
      `Sari Staff decided the refund by hand: Succeeded. Refund nominal: ${money(185000, 'en')}. Provider reference: DOKU-RF-1. Note: Seen on the dashboard.`,
    );
  });

  it('falls back to the user name, then to the system', () => {
    const base = AUDIT_DETAILS['session.sign_out'][0];
    expect(say('session.sign_out', { ...base, operatorName: null }, 'en')).toBe('Sari signed out.');
    expect(say('session.sign_out', { ...base, operatorName: null, operator: null }, 'id')).toBe('Sistem keluar.');
    expect(auditOperator(entry('session.sign_out', base), 'en')).toBe('Sari Staff');
  });

  it('tells refusals with their cause, never the raw cause key', () => {
    expect(say('refund.decide', AUDIT_DETAILS['refund.decide'][0], 'en')).toBe(
      'Sari Staff may not decide this refund. Reason: they requested this refund themselves; another finance operator must decide it.',
    );
    expect(say('payment.resolve_by_hand', AUDIT_DETAILS['payment.resolve_by_hand'][1], 'id')).toBe(
      'Sari Staff ditolak: pembayaran diputuskan manual. Alasan: pembayaran ini dibuat oleh operator yang sama; operator keuangan lain yang harus memutuskannya.',
    );
    expect(say('session.sign_in_failed', AUDIT_DETAILS['session.sign_in_failed'][0], 'en')).toBe(
      'Signing in as sari failed. Reason: the password was wrong.',
    );
    expect(say('access.denied', AUDIT_DETAILS['access.denied'][0], 'id')).toBe('Sari Staff ditolak: perannya (Staf) tidak mengizinkannya.');
  });

  it('tells settings and operators by their labels', () => {
    expect(say('operator.role_change', AUDIT_DETAILS['operator.role_change'][0], 'id')).toBe(
      'Sari Staff mengubah peran dimas dari Staf menjadi Keuangan.',
    );
    expect(say('settings.environment', AUDIT_DETAILS['settings.environment'][0], 'id')).toBe(
      'Sari Staff mengganti lingkungan menjadi Sandbox penyedia. Sebelumnya Sandbox bawaan.',
    );
    expect(say('settings.language', AUDIT_DETAILS['settings.language'][0], 'en')).toBe('Sari Staff changed the language to Bahasa Indonesia.');
    expect(say('payment.start', AUDIT_DETAILS['payment.start'][0], 'en')).toBe(
      `Sari Staff started a payment: OVO SNAP, push to the OVO app, ${money(50000, 'en')}.`,
    );
    expect(say('payment.status', AUDIT_DETAILS['payment.status'][0], 'id')).toBe(
      'Pengecekan status ke penyedia: status pembayaran Perlu ditinjau. Respons penyedia: no final answer.',
    );
    expect(say('account.balance.refresh', AUDIT_DETAILS['account.balance.refresh'][0], 'id')).toBe(
      `Sari Staff mengecek saldo: ${money(125000, 'id')} OVO Cash dan ${money(3650, 'id')} OVO Points.`,
    );
    expect(say('account.link', AUDIT_DETAILS['account.link'][1], 'en')).toBe(
      'Linking the OVO account failed. Linking reference: LNK-1. Status now: Failed. Provider’s response: 4030700 Do not honor.',
    );
    expect(say('customer.import', AUDIT_DETAILS['customer.import'][0], 'id')).toBe(
      'Sari Staff mengimpor pelanggan: 8 dibuat, 2 diubah, 1 tetap, 1 ditolak.',
    );
    expect(say('settlement.exception_resolved', AUDIT_DETAILS['settlement.exception_resolved'][0], 'en')).toBe(
      `Sari Staff resolved a settlement exception. Reason: Fee taken by DOKU. Nominal in the ledger: ${money(50000, 'en')}. Nominal in the file: ${money(49000, 'en')}.`,
    );
  });

  it('falls back to the label for an action it does not know', () => {
    expect(say('payment.teleport', { detail: { x: 1 } }, 'en')).toBe('payment.teleport');
    expect(auditSentence({ ...entry('refund.request', { detail: {} }), action: 'refund.approve' }, 'en')).toBe('Sari Staff approved a refund.');
  });
});

// Actions the back end writes without an `audit.action.*` label: they still read as sentences.
const UNLABELLED: Record<string, AuditFixture[]> = {
  'payment.pay': [
    { subject: 'payment:P-1', detail: { origin: 'pay', status: 'pending', provider_status: '2025400', provider_ref: 'OVO-5', cash: null, points: null, problem: null, error: null } },
    { subject: 'payment:P-1', outcome: 'failed', detail: { sent: false, detail: 'no credential for OVO SNAP' } },
  ],
  'payment.cancel': [{ subject: 'payment:P-1', detail: { by: 'sari', provider_ref: 'OVO-5', status: 'pending' } }],
  'payment.cancel_answer': [{ subject: 'payment:P-1', operator: null, operatorName: null, detail: { origin: 'cancel', status: 'cancelled', provider_status: 'CANCELLED' } }],
  'payment.request_again': [{ subject: 'payment:P-1', detail: { attempt: 2 } }],
  'payment.resend': [{ subject: 'payment:P-1', operator: null, operatorName: null, detail: { attempt: 1, idempotency_key: 'k1', reason: 'no record' } }],
  'payment.resend_answer': [{ subject: 'payment:P-1', operator: null, operatorName: null, detail: { origin: 'resend', status: 'pending', problem: null } }],
  'payment.late_success': [{ subject: 'payment:P-1', operator: null, operatorName: null, detail: { origin: 'status', status: 'succeeded', was: 'failed', provider_status: '00' } }],
  'account.needs_relink': [{ subject: 'account:3', operator: null, operatorName: null, detail: { payment: 'P-1', relink_url: 'https://ovo.example/relink' } }],
  'account.relinked': [{ subject: 'account:3', detail: { account_id: 3 } }, { subject: 'account:3', outcome: 'failed', detail: { account_id: 3, error: 'timeout' } }],
  'account.unlink.start': [{ subject: 'builtin_sandbox:ovo_snap:0812****5432', detail: { from: 'needs_relink' } }],
  'refund.await_transfer': [{ subject: 'refund:R-1', operator: null, operatorName: null, detail: { amount: 50000 } }],
  'refund.needs_review': [{ subject: 'refund:R-1', operator: null, operatorName: null, detail: { problem: { code: '4045800', message: 'Not found' }, tries: { checks: 9, resends: 1 } } }],
  'refund.resend': [{ subject: 'refund:R-1', operator: null, operatorName: null, detail: { idempotency_key: 'k', tries: { checks: 3, resends: 1 }, problem: { code: '4045800', message: 'Not found' } } }],
  'refund.resend_answer': [{ subject: 'refund:R-1', operator: null, operatorName: null, detail: { state: 'Processing', provider_status: 'PROCESSING', provider_ref: 'DOKU-RF-1' } }],
};

describe.each(LANGUAGES)('unlabelled actions in %s', (language) => {
  it.each(Object.keys(UNLABELLED))('audit %s', (action) => {
    expect(AUDIT_SENTENCE_ACTIONS).toContain(action);
    for (const fixture of UNLABELLED[action]) {
      const sentence = auditSentence(entry(action, fixture), language);
      expectClean(sentence, `${action} ${JSON.stringify(fixture.detail)}`);
      expect(sentence).not.toContain(action);
      expectClean(auditSentence(entry(action, { ...fixture, detail: '' }), language), `${action} empty`);
    }
  });

  it('tells a few of them exactly', () => {
    const say = (action: string, i = 0) => auditSentence(entry(action, UNLABELLED[action][i]), language);
    if (language === 'en') {
      expect(say('refund.await_transfer')).toBe(`The refund of ${money(50000, 'en')} is approved and waits for the merchant’s own transfer.`);
      expect(say('account.unlink.start')).toBe('Sari Staff started unlinking the OVO account. It was Needs re-link.');
      expect(say('payment.pay', 1)).toBe('The payment failed before it reached the provider. What went wrong: no credential for OVO SNAP.');
    } else {
      expect(say('refund.resend')).toBe(
        'Pengembalian dana dikirim ulang dengan referensi yang sama: penyedia tidak punya catatannya. Sudah dikirim ulang 1 kali. Respons penyedia: 4045800 Not found.',
      );
      expect(say('payment.cancel_answer')).toBe('Respons penyedia atas pembatalan: status pembayaran Dibatalkan. Status di penyedia: CANCELLED.');
    }
  });
});

describe('detail helpers', () => {
  it('reads details defensively', () => {
    expect(parseDetail('')).toEqual({});
    expect(parseDetail('null')).toEqual({});
    expect(parseDetail('[1,2]')).toEqual({});
    expect(parseDetail('{oops')).toEqual({});
    expect(readProblem({ problem: '{"code":"1","message":"m"}' })).toEqual({ code: '1', message: 'm' });
    expect(readProblem({ problem: { kind: 'declined', provider_code: '2', detail: 'd' } })).toEqual({ code: '2', message: 'd' });
    expect(readProblem({ problem: null })).toBeNull();
  });

  it('pretty-prints the raw record, or nothing when it is empty', () => {
    expect(rawDetail('')).toBeNull();
    expect(rawDetail('{}')).toBeNull();
    expect(rawDetail('null')).toBeNull();
    expect(rawDetail('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(rawDetail('not json')).toBe('not json');
  });
});
