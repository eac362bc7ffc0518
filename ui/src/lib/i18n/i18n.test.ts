import { describe, expect, it } from 'vitest';
import { en } from './en';
import { id } from './id';
import { interpolate, isMessageKey, translate, translateDynamic } from './translate';
import { ERROR_CODES } from '../ipc/client';
import { PROVIDER_PROBLEM_KINDS } from '../errors';
import { PROVIDER_SETTING_KEYS, PROVIDER_SETTING_KINDS, PROVIDER_SETTING_REASONS } from '../providerSettings';
import { CUSTOMER_REASONS, CUSTOMER_TIMELINE_KINDS, MAPPING_FIELDS } from '../customerRecords';
import { PAYMENT_KINDS, PAYMENT_SOURCES, REFUND_STATUSES, REFUND_TABS } from '../payments';
import {
  ENROLMENT_AUDIT_ACTIONS,
  ENROLMENT_REASONS,
  ENROLMENT_STATES,
  LEDGER_MOVE_AUDIT_ACTIONS,
  LEDGER_MOVE_REASONS,
} from '../ledger';
import { visibleSettingsTabs } from '../nav';
import { AUDIT_ACTION_GROUPS, EXPORT_REASONS } from '../exports';
import { ADMIN_PERMISSIONS } from '../../test/fixtures';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// Values that are legitimately the same in both languages: the product name, loanwords and symbols.
const SAME_IN_BOTH = new Set([
  'app.name',
  'audit.col.operator',
  'operators.col.status',
  'payments.filter.status',
  'payments.col.status',
  'settlement.field.status',
  'payment.status',
  'source.cash',
  'source.points',
  'customers.profile.email',
  'customerForm.email',
  'import.field.email',
  'sentence.format',
]);

describe('dictionaries', () => {
  it('have identical key sets', () => {
    expect(Object.keys(id).sort()).toEqual(Object.keys(en).sort());
  });

  it('have no empty values', () => {
    for (const [lang, dict] of Object.entries({ en, id })) {
      for (const [key, value] of Object.entries(dict)) {
        expect(value.trim(), `${lang}:${key}`).not.toBe('');
      }
    }
  });

  it('use the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(id[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('translate everything into Indonesian except the listed exceptions', () => {
    const untranslated = (Object.keys(en) as (keyof typeof en)[]).filter(
      (key) => en[key] === id[key] && !SAME_IN_BOTH.has(key),
    );
    expect(untranslated).toEqual([]);
  });

  it('cover every audit action, outcome, chain problem, error code, documented reason and customer-desk enum', () => {
    const actions = [
      'setup.first_admin',
      'session.sign_in',
      'session.sign_in_failed',
      'session.sign_out',
      'session.lock',
      'session.unlock',
      'session.unlock_failed',
      'operator.create',
      'operator.role_change',
      'operator.disable',
      'operator.enable',
      'password.changed',
      'password.change_failed',
      'password.reset',
      'password.lockout',
      'credential.set',
      'credential.replace',
      'credential.delete',
      'settings.language',
      'settings.idle_lock',
      'settings.environment',
      'access.denied',
      'url.refused',
      'notification.unverified',
      'listener.rate_limited',
      'account.link.start',
      'account.link',
      'account.unlink',
      'account.balance.refresh',
      'demo.seed',
      'audit.key_replaced',
      'refund.request',
      'refund.decide',
      'refund.approve',
      'refund.reject',
      'refund.settle_offline',
      'refund.submit',
      'refund.status',
      'refund.record_transfer',
      'refund.resolve_by_hand',
      'payment.resolve_by_hand',
      'provider_settings.save',
      'provider_settings.reset',
      'customer.create',
      'customer.update',
      'customer.note',
      'customer.forget',
      'customer.import',
      'export.written',
      'settlement.imported',
      'settlement.exception_resolved',
      ...ENROLMENT_AUDIT_ACTIONS,
      ...LEDGER_MOVE_AUDIT_ACTIONS,
    ];
    const reasons = [
      'settlement_file_invalid',
      'settlement_already_imported',
      'settlement_reason_missing',
      'settlement_exception_resolved',
      'username_invalid',
      'display_name_invalid',
      'password_too_short',
      'password_too_long',
      'password_mismatch',
      'username_taken',
      'last_admin',
      'self_disable',
      'idle_minutes_out_of_range',
      'credential_field_unknown',
      'credential_value_empty',
      'credential_value_too_long',
      'invalid_sign_in',
      'demo_operator_builtin_only',
      'wrong_password',
      'password_unchanged',
      'password_change_required',
      'too_many_attempts',
      'username_too_long',
      'self_reset',
      'demo_operator_password',
      'operator_not_found',
      'account_bound_elsewhere',
      'phone_empty',
      'phone_invalid_characters',
      'phone_foreign_country_code',
      'phone_missing_prefix',
      'phone_trunk_zero',
      'phone_not_mobile',
      'phone_too_short',
      'phone_too_long',
      'refund_own_request',
      'refund_note_missing',
      'refund_state_changed',
      'refund_reason_missing',
      'refund_reason_too_long',
      'refund_payment_not_succeeded',
      'refund_amount_zero',
      'refund_window_closed',
      'refund_success_time_unknown',
      'refund_exceeds_refundable',
      'refund_partial_not_allowed',
      'refund_daily_limit_exceeded',
      'refund_policy_window_malformed',
      'refund_policy_window_negative',
      'refund_policy_window_too_long',
      'refund_policy_daily_limit_zero',
      'refund_policy_daily_limit_invalid',
      'money_empty',
      'money_negative',
      'money_fraction',
      'money_too_large',
      'money_bad_grouping',
      'money_unsupported_currency',
      'money_malformed',
      'refund_own_transfer',
      'refund_own_resolution',
      'payment_own_resolution',
      'payment_state_changed',
      'transfer_reference_missing',
      'transfer_reference_invalid',
      'transfer_date_invalid',
      'transfer_date_future',
      'transfer_date_before_approval',
      'evidence_path_invalid',
      'evidence_not_found',
      'evidence_empty',
      'evidence_too_large',
      'evidence_type_unsupported',
      'evidence_none',
      'evidence_missing',
      'evidence_altered',
      'evidence_open_failed',
      'page_url_invalid',
      'page_url_scheme_refused',
      'page_url_userinfo_refused',
      'page_url_https_required',
      'page_url_host_not_allowed',
      'browser_open_failed',
      'text_too_long',
      'resolution_outcome_invalid',
      'resolution_provider_ref_missing',
      'resolution_provider_ref_invalid',
      'resolution_note_missing',
      'resolution_note_too_long',
      ...PROVIDER_SETTING_REASONS,
      ...CUSTOMER_REASONS,
      ...ENROLMENT_REASONS,
      ...LEDGER_MOVE_REASONS,
      ...EXPORT_REASONS,
    ];
    const codes = ERROR_CODES;
    const keys = [
      ...actions.map((a) => `audit.action.${a}`),
      ...['ok', 'denied', 'failed'].map((o) => `audit.outcome.${o}`),
      ...['content_changed', 'chain_broken', 'entries_missing', 'rebuilt', 'truncated', 'key_missing'].map(
        (p) => `audit.verify.problem.${p}`,
      ),
      ...reasons.map((r) => `error.reason.${r}`),
      ...codes.map((c) => `error.code.${c}`),
      ...['staff', 'support', 'finance', 'admin'].map((r) => `role.${r}`),
      ...['builtin_sandbox', 'provider_sandbox', 'production'].map((e) => `env.${e}`),
      ...PROVIDER_PROBLEM_KINDS.map((k) => `provider.problem.${k}`),
      ...['pending', 'active', 'failed', 'expired', 'unlinking', 'unlinked'].map((s) => `account.status.${s}`),
      ...['phone', 'name', 'merchant_customer_id', 'payment_reference', 'refund_reference', 'provider_reference'].map(
        (m) => `customers.matched.${m}`,
      ),
      ...['created', 'pending', 'succeeded', 'failed', 'unknown', 'expired', 'cancelled', 'needs_review'].map(
        (s) => `txstatus.${s}`,
      ),
      ...REFUND_STATUSES.map((s) => `refundstatus.${s}`),
      ...REFUND_STATUSES.map((s) => `refund.statusNote.${s}`),
      ...REFUND_TABS.map(({ tab }) => `refunds.tab.${tab}`),
      ...PAYMENT_KINDS.map((k) => `kind.${k}`),
      ...PAYMENT_SOURCES.map((s) => `source.${s}`),
      ...['failed', 'expired', 'cancelled', 'unknown', 'needs_review', 'succeeded', 'pending'].map(
        (s) => `payment.outcome.${s}`,
      ),
      ...['api', 'offline'].map((m) => `refund.modeName.${m}`),
      ...PROVIDER_SETTING_KEYS.map((k) => `provsettings.field.${k}`),
      ...PROVIDER_SETTING_KINDS.map((k) => `provsettings.hint.${k}`),
      'settings.tab.provider_settings',
      ...CUSTOMER_TIMELINE_KINDS.map((k) => `customerTimeline.kind.${k}`),
      ...(['utf8', 'utf8_bom'] as const).map((e) => `import.encoding.${e}`),
      ...MAPPING_FIELDS.map((f) => `import.field.${f}`),
      ...['needs_relink', 'unlinking'].map((s) => `account.status.${s}`),
      ...visibleSettingsTabs(ADMIN_PERMISSIONS).map((tab) => `settings.tab.${tab}`),
      ...ENROLMENT_STATES.map((s) => `ledger.state.${s}`),
      ...['file', 'postgres'].map((k) => `ledger.kind.${k}`),
      ...AUDIT_ACTION_GROUPS.map((g) => `audit.group.${g}`),
    ];
    expect(keys.filter((k) => !isMessageKey(k))).toEqual([]);
  });
});

describe('translate', () => {
  it('looks up the key in the chosen language', () => {
    expect(translate('en', 'nav.customers')).toBe('Customers');
    expect(translate('id', 'nav.customers')).toBe('Pelanggan');
  });

  it('fills placeholders', () => {
    expect(translate('en', 'operators.created', { name: 'Siti' })).toBe('Operator Siti created.');
    expect(translate('id', 'audit.verify.intact', { count: 12 })).toBe(
      'Rantai hash utuh: 12 entri terverifikasi.',
    );
  });

  it('leaves unknown placeholders in place', () => {
    expect(interpolate('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });

  it('looks up run-time keys and reports missing ones', () => {
    expect(translateDynamic('id', 'audit.action.session.sign_in')).toBe('Masuk');
    expect(translateDynamic('en', 'audit.action.refund.approve')).toBe('Refund approved');
    expect(translateDynamic('en', 'audit.action.payment.teleport')).toBeNull();
  });
});
